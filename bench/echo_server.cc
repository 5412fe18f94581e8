// paritrana-bench-echo: the read-path floor. An Echo service that does no work, served by the
// same ServiceHost as the Paritrana services (same common flags, RPC observer interceptor,
// health, reflection, keepalive), so the difference between it and a real method is the
// method's own cost. --bare serves it from a plain grpc::ServerBuilder instead, to measure what
// the shared bootstrap itself costs per call. --cache_header adds the initial-metadata entry
// every coverage answer carries (`paritrana-computed-from-cache`), to measure what it costs.
#include <csignal>
#include <string>

#include "absl/flags/flag.h"
#include "grpcpp/server_builder.h"
#include "paritrana/bench/v1/echo.grpc.pb.h"
#include "platform/log.h"
#include "platform/server.h"

ABSL_FLAG(bool, bare, false,
          "Serve from a plain grpc::ServerBuilder (no interceptor, health or reflection)");
ABSL_FLAG(bool, cache_header, false,
          "Send the coverage service's paritrana-computed-from-cache metadata with each answer");

namespace {

class EchoService final : public paritrana::bench::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx,
                                 const paritrana::bench::v1::EchoRequest* req,
                                 paritrana::bench::v1::EchoResponse* resp) override {
    if (req->reply_bytes() > 0) {
      resp->mutable_payload()->assign(static_cast<size_t>(std::min(req->reply_bytes(), 1 << 20)),
                                      'x');
    } else {
      resp->set_payload(req->payload());
    }
    if (cache_header_) ctx->AddInitialMetadata("paritrana-computed-from-cache", "true");
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const bool cache_header_ = absl::GetFlag(FLAGS_cache_header);
};

int Run() {
  EchoService service;
  const paritrana::ServerOptions options =
      paritrana::ServerOptionsFromFlags("paritrana.bench.v1.EchoService", 50099);
  if (absl::GetFlag(FLAGS_bare)) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (server == nullptr || port == 0) {
      paritrana::log::Error("cannot start", {{"listen", options.listen}});
      return 1;
    }
    paritrana::log::Info("listening",
                         {{"address", options.listen.substr(0, options.listen.rfind(':') + 1) +
                                          std::to_string(port)},
                          {"port", port},
                          {"bare", true}});
    paritrana::WaitForTerminationSignal();
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    return 0;
  }
  return paritrana::ServeProcess(options, {&service});
}

}  // namespace

int main(int argc, char** argv) {
  paritrana::InitServiceProcess(argc, argv, "bench-echo",
                                "paritrana-bench-echo: the benchmark floor, an Echo service.");
  return Run();
}
