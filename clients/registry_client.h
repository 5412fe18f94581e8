#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"

namespace paritrana::clients {

// The coverage service's only source of truth: the registry's QueryAggregates over gRPC. Each
// call has a deadline; UNAVAILABLE is retried by the channel's service config (the call is a
// read, so retrying is safe); a registry that cannot be reached fails the call quickly with
// UNAVAILABLE (reason REGISTRY_UNAVAILABLE) rather than hanging.
class RegistryClient final {
 public:
  RegistryClient(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline);

  // A channel to `target` with the retry policy and keepalive this client expects.
  static std::shared_ptr<grpc::Channel> Connect(const std::string& target,
                                                std::shared_ptr<grpc::ChannelCredentials> creds);

  // NOT_FOUND (reason NOT_FOUND, metadata `resource`) names the unknown region.
  absl::StatusOr<registry::v1::QueryAggregatesResponse> QueryAggregates(
      const registry::v1::QueryAggregatesRequest& request);

  // For health: a health check of the registry within a deadline. While the last probe failed,
  // QueryAggregates fails at once with UNAVAILABLE instead of waiting out its deadline on a
  // registry that is known to be down or hung.
  absl::Status Probe();

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<registry::v1::RegistryService::Stub> stub_;
  absl::Duration deadline_;
  std::atomic<bool> reachable_{true};
};

}  // namespace paritrana::clients
