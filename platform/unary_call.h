#pragma once

#include <utility>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "platform/errors.h"

// The one way a Paritrana gRPC adapter answers a unary call. Each service's adapter overrides its
// generated methods one by one, each a single ServeUnary line: who may call (the service's own
// Admit, which authenticates and checks roles), then the call on the service's rules, whose
// absl::Status becomes the wire status through ToGrpcStatus, the only place that happens.
namespace paritrana {

// Runs `handler(caller)` when `caller` was admitted, moves its value into `*response`, and
// finishes the call with its status (or the admission's refusal) on the calling thread.
template <typename Caller, typename Response, typename Handler>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* ctx,
                                     const absl::StatusOr<Caller>& caller, Response* response,
                                     Handler&& handler) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::Status status = caller.status();
  if (status.ok()) {
    absl::StatusOr<Response> result = std::forward<Handler>(handler)(*caller);
    status = result.status();
    if (result.ok()) *response = *std::move(result);
  }
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace paritrana
