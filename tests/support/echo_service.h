#pragma once

#include "tests/support/echo.grpc.pb.h"

namespace paritrana::test_support {

// The test Echo service the platform tests serve: answers with the request's text after
// `delay_ms` (slept on a thread of its own, so the callback threads stay free), and an empty text
// with INVALID_ARGUMENT on `text` ("text must not be empty").
class EchoService final : public testsupport::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const testsupport::v1::EchoRequest* request,
                                 testsupport::v1::EchoResponse* response) override;
};

}  // namespace paritrana::test_support
