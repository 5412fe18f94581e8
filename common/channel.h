#pragma once

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"

namespace paritrana {

// A channel from one Paritrana service to another (`service` is the callee's full name, e.g.
// "paritrana.registry.v1.RegistryService"): its idempotent reads retry UNAVAILABLE twice with a
// short backoff through the channel's service config, so a callee restarting behind a load
// balancer is absorbed and one that is down fails within a second; keepalive stays above the
// servers' 30 s ping floor; reconnects back off from 100 ms to 2 s; answers up to 64 MiB.
std::shared_ptr<grpc::Channel> ConnectToService(const std::string& target,
                                                std::shared_ptr<grpc::ChannelCredentials> creds,
                                                absl::string_view service);

}  // namespace paritrana
