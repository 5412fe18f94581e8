#include "tests/support/echo_service.h"

#include <thread>

#include "absl/time/clock.h"
#include "platform/errors.h"

namespace paritrana::test_support {

grpc::ServerUnaryReactor* EchoService::Echo(grpc::CallbackServerContext* context,
                                            const testsupport::v1::EchoRequest* request,
                                            testsupport::v1::EchoResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (request->text().empty()) {
    reactor->Finish(ToGrpcStatus(InvalidField("text", "text must not be empty")));
    return reactor;
  }
  response->set_peer(context->peer());
  if (request->delay_ms() == 0) {
    response->set_text(request->text());
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::thread([=] {
    absl::SleepFor(absl::Milliseconds(request->delay_ms()));
    response->set_text(request->text());
    reactor->Finish(grpc::Status::OK);
  }).detach();
  return reactor;
}

}  // namespace paritrana::test_support
