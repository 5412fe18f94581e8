#include "clients/channel.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"

namespace paritrana {

std::shared_ptr<grpc::Channel> ConnectToService(const std::string& target,
                                                std::shared_ptr<grpc::ChannelCredentials> creds,
                                                absl::string_view service) {
  // round_robin: one connection to every address the target resolves to, and calls spread over
  // the ready ones. A target naming several replicas ("ipv4:127.0.0.1:P1,127.0.0.1:P2", or a DNS
  // name with several addresses such as a Kubernetes headless Service) then shares the load and a
  // retry goes to another replica; gRPC's default, pick_first, would send every call to the first
  // address that answers. With one address the two behave alike.
  constexpr absl::string_view kServiceConfig = R"json({
    "loadBalancingConfig": [{"round_robin": {}}],
    "methodConfig": [{
      "name": [{"service": "SERVICE"}],
      "retryPolicy": {
        "maxAttempts": 3,
        "initialBackoff": "0.05s",
        "maxBackoff": "0.3s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]
      }
    }]
  })json";
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(absl::StrReplaceAll(kServiceConfig, {{"SERVICE", service}}));
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000 /*1 min, above the server's 30 s minimum*/);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000 /*20 s*/);
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return grpc::CreateCustomChannel(target, std::move(creds), args);
}

absl::Status ProbeService(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                          absl::Duration deadline) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status s = stub->Check(&ctx, request, &response);
  if (!s.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        absl::StrCat(service, " health check: ", s.error_message()));
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::UnavailableError(absl::StrCat(service, " is not serving"));
  }
  return absl::OkStatus();
}

}  // namespace paritrana
