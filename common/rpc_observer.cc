#include "common/rpc_observer.h"

#include <random>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "grpcpp/support/status_code_enum.h"

namespace paritrana {
namespace {

constexpr char kRequestIdHeader[] = "x-request-id";

const char* CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN";
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrFormat("%016x", rng());
}

class RpcObserver final : public grpc::experimental::Interceptor {
 public:
  explicit RpcObserver(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method()), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = methods->GetRecvInitialMetadata();
      auto it = md->find(kRequestIdHeader);
      // A caller's id is kept when it is a sane token; anything else is replaced.
      if (it != md->end() && !it->second.empty() && it->second.size() <= 64) {
        request_id_.assign(it->second.data(), it->second.size());
      }
      if (request_id_.empty()) request_id_ = NewRequestId();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (request_id_.empty()) request_id_ = NewRequestId();
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
      const char* code = CodeName(status.error_code());
      auto& registry = metrics::Registry::Global();
      registry.Add("paritrana_rpc_requests_total", {{"method", method_}, {"code", code}});
      registry.Observe("paritrana_rpc_duration_seconds", {{"method", method_}}, seconds);
      if (log::DebugEnabled()) {
        log::Debug("rpc", {{"request_id", request_id_},
                           {"method", method_},
                           {"code", code},
                           {"duration_ms", seconds * 1000}});
      }
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  const absl::Time start_;
  std::string request_id_;
};

class RpcObserverFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  RpcObserverFactory() {
    auto& registry = metrics::Registry::Global();
    registry.Describe("paritrana_rpc_requests_total", "counter",
                      "Finished RPCs by method and status code");
    registry.Describe("paritrana_rpc_duration_seconds", "histogram",
                      "RPC latency from the first metadata received to the status sent");
  }
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcObserver(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcObserverFactory() {
  return std::make_unique<RpcObserverFactory>();
}

}  // namespace paritrana
