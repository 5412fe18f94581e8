#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"

namespace paritrana {

// The calls of one server, as its RpcObserver sees them, and whether new ones are refused. A
// server that is shutting down refuses new calls itself, with UNAVAILABLE, before it calls gRPC's
// Shutdown: gRPC cancels (CANCELLED, which clients do not retry) every call that reaches a server
// after Shutdown has begun, so Shutdown must wait until callers have gone elsewhere.
class CallGate final {
 public:
  void Refuse() { refusing_ = true; }
  bool refusing() const { return refusing_; }
  int64_t in_flight() const { return in_flight_; }
  // When the last call arrived (absl::InfinitePast() before any).
  absl::Time last_arrival() const { return absl::FromUnixNanos(last_arrival_ns_); }

  void Arrived() {
    ++in_flight_;
    last_arrival_ns_ = absl::ToUnixNanos(absl::Now());
  }
  void Ended() { --in_flight_; }

 private:
  std::atomic<bool> refusing_{false};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> last_arrival_ns_{absl::ToUnixNanos(absl::InfinitePast())};
};

// A server interceptor on every call: it takes the caller's `x-request-id` (or makes one),
// returns it in the response's initial metadata, counts the call by method and status code and
// times it (paritrana_rpc_requests_total, paritrana_rpc_duration_seconds; a method no service
// defines is labelled `unknown`, so made-up names cannot grow the series), logs one JSON line per
// finished call with the request id, and keeps `gate`'s counts (when not null), marking calls
// that arrive while it refuses. ServiceHost installs it.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcObserverFactory(
    CallGate* gate = nullptr);

// The call's request id: the caller's `x-request-id`, or the one the RpcObserver made for it;
// empty on a server without the observer.
std::string RequestIdOf(const grpc::ServerContextBase& ctx);

// UNAVAILABLE when the call behind `ctx` arrived while its server was refusing calls (shutting
// down), so the caller retries on another replica. Every service method checks it first
// (Authorizer::Authenticate does); health and reflection stay answered.
absl::Status CheckAdmitted(const grpc::ServerContextBase& ctx);

}  // namespace paritrana
