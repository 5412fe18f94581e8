#pragma once

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace paritrana {

// A server interceptor on every call: it takes the caller's `x-request-id` (or makes one),
// returns it in the response's initial metadata, counts the call by method and status code and
// times it (paritrana_rpc_requests_total, paritrana_rpc_duration_seconds), and logs one JSON line
// per finished call with the request id. ServiceHost installs it.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcObserverFactory();

}  // namespace paritrana
