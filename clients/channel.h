#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"

namespace paritrana {

// A channel from one Paritrana service to another (`service` is the callee's full name, e.g.
// "paritrana.registry.v1.RegistryService"): its idempotent reads retry UNAVAILABLE twice with a
// short backoff through the channel's service config, so a callee restarting behind a load
// balancer is absorbed and one that is down fails within a second; keepalive stays above the
// servers' 30 s ping floor; reconnects back off from 100 ms to 2 s; answers up to 64 MiB.
// Calls are balanced round robin over every address `target` resolves to: several replicas are
// named as "ipv4:HOST:P1,HOST:P2" or by a DNS name listing each (a Kubernetes headless Service,
// "dns:///NAME-headless:PORT"), and a retry of a call that found one down goes to the next. A
// name resolving to one virtual IP (a ClusterIP Service) is one connection: one replica.
std::shared_ptr<grpc::Channel> ConnectToService(const std::string& target,
                                                std::shared_ptr<grpc::ChannelCredentials> creds,
                                                absl::string_view service);

// One grpc.health.v1 Check of `service` (its full name) over `channel`, within `deadline`: OK
// only when it answers SERVING. A callee that hangs (frozen, overloaded) fails with
// DEADLINE_EXCEEDED just as a dead one fails with UNAVAILABLE, which a look at the channel's
// connectivity state alone does not show.
absl::Status ProbeService(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                          absl::Duration deadline);

}  // namespace paritrana
