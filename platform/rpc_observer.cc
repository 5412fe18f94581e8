#include "platform/rpc_observer.h"

#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/support/status_code_enum.h"
#include "platform/errors.h"
#include "platform/log.h"
#include "platform/metrics.h"

namespace paritrana {
namespace {

constexpr char kRequestIdHeader[] = "x-request-id";
// Metadata the observer adds to a call that arrives while its server refuses calls; the service
// code sees it in ServerContext::client_metadata() and answers UNAVAILABLE (CheckAdmitted).
constexpr char kRefusedMarker[] = "x-paritrana-refused";

// The method as a metric label: its full name when a service in this binary defines it.
constexpr char kUnknownMethod[] = "unknown";

std::string MethodLabel(const std::string& method) {
  // "/package.Service/Method"
  const size_t slash = method.rfind('/');
  if (method.size() < 4 || method[0] != '/' || slash == 0) return kUnknownMethod;
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      method.substr(1, slash - 1));
  if (service == nullptr || service->FindMethodByName(method.substr(slash + 1)) == nullptr) {
    return kUnknownMethod;
  }
  return method;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrFormat("%016x", rng());
}

class RpcObserver final : public grpc::experimental::Interceptor {
 public:
  RpcObserver(grpc::experimental::ServerRpcInfo* info, CallGate* gate)
      : method_(MethodLabel(info->method())), start_(absl::Now()), gate_(gate) {
    if (gate_ != nullptr) gate_->Arrived();
  }
  ~RpcObserver() override {
    if (gate_ != nullptr) gate_->Ended();
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = methods->GetRecvInitialMetadata();
      auto it = md->find(kRequestIdHeader);
      // A caller's id is kept when it is a sane token; anything else is replaced, in the
      // metadata the service sees too (RequestIdOf), so logs and the audit trail agree.
      if (it != md->end() && !it->second.empty() && it->second.size() <= 64) {
        request_id_.assign(it->second.data(), it->second.size());
      }
      if (request_id_.empty()) {
        request_id_ = NewRequestId();
        md->erase(kRequestIdHeader);
        md->emplace(kRequestIdHeader, request_id_);
      }
      if (gate_ != nullptr && gate_->refusing()) md->emplace(kRefusedMarker, "1");
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (request_id_.empty()) request_id_ = NewRequestId();
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      // gRPC answers a request body it cannot parse (truncated, not protobuf, a string that is
      // not UTF-8) with a bare UNIMPLEMENTED before any service code runs; no method of ours
      // answers that way, so on a method this binary defines it can only be that.
      if (method_ != kUnknownMethod &&
          methods->GetSendStatus().error_code() == grpc::StatusCode::UNIMPLEMENTED &&
          methods->GetSendStatus().error_message().empty()) {
        methods->ModifySendStatus(
            ToGrpcStatus(WithReason(absl::InvalidArgumentError(absl::StrCat(
                                        "the request is not a valid protobuf message for ", method_,
                                        " (truncated, not protobuf, or text that is not UTF-8)")),
                                    "MALFORMED_REQUEST")));
      }
      const grpc::Status status = methods->GetSendStatus();
      const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
      // The canonical code names (OK, CANCELLED, ...), as Abseil spells them.
      const std::string code =
          absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
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
  CallGate* const gate_;
  std::string request_id_;
};

class RpcObserverFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcObserverFactory(CallGate* gate) : gate_(gate) {
    auto& registry = metrics::Registry::Global();
    registry.Describe("paritrana_rpc_requests_total", "counter",
                      "Finished RPCs by method and status code");
    registry.Describe("paritrana_rpc_duration_seconds", "histogram",
                      "RPC latency from the first metadata received to the status sent");
  }
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcObserver(info, gate_);
  }

 private:
  CallGate* const gate_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcObserverFactory(
    CallGate* gate) {
  return std::make_unique<RpcObserverFactory>(gate);
}

std::string RequestIdOf(const grpc::ServerContextBase& ctx) {
  auto it = ctx.client_metadata().find(kRequestIdHeader);
  if (it == ctx.client_metadata().end()) return std::string();
  return std::string(it->second.data(), it->second.size());
}

absl::Status CheckAdmitted(const grpc::ServerContextBase& ctx) {
  if (ctx.client_metadata().find(kRefusedMarker) == ctx.client_metadata().end()) {
    return absl::OkStatus();
  }
  return absl::UnavailableError("this server is shutting down: retry on another replica");
}

}  // namespace paritrana
