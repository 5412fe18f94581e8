#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "platform/errors.h"
#include "platform/rpc_observer.h"
#include "security/access_policy.h"
#include "security/audit.h"
#include "security/auth.h"
#include "security/call_context.h"

// The one way a Paritrana gRPC adapter answers a unary call. Each service's adapter overrides its
// generated methods one by one, each a single ServeUnary line: the method's name decides who may
// call (the access table, through Authorizer::Admit), then the call runs on the service's rules
// as the current call (security/call_context.h), and its absl::Status becomes the wire status
// through ToGrpcStatus, the only place that happens.
//
// The audit trail (security/audit.h): a refused call (UNAUTHENTICATED, PERMISSION_DENIED) is
// recorded to the service's AuditLog, or logged when it has none; a read of personal data (access
// kPersonalRead or kPiiRead) is recorded once it ran, whatever its outcome, and fails if that
// cannot be recorded, so no personal data leaves unrecorded. Writes record themselves, in their
// own transaction (Registry::Write, the award's writes); one that failed before reaching its
// transaction is recorded here.
namespace paritrana {

// Records the refusal of `method` by `auth` (ServeUnary, the import stream, EvaluateCycle): for
// PERMISSION_DENIED the caller is authenticated again to name who was refused.
inline void ReportRefusal(AuditLog* audit, const Authorizer& auth,
                          const grpc::ServerContextBase& ctx, absl::string_view method,
                          const absl::Status& refusal, absl::string_view resource = "") {
  std::string principal, how;
  if (absl::IsPermissionDenied(refusal)) {
    if (absl::StatusOr<Caller> who = auth.Authenticate(ctx); who.ok()) {
      principal = who->id;
      how = std::string(AuthMethodName(who->how));
    }
  }
  RecordRefusal(audit, refusal, principal, how, method, RequestIdOf(ctx), resource);
}

// Whether `method` reads personal data, so that ServeUnary records each call of it.
inline bool ReadsPersonalData(absl::string_view method) {
  absl::StatusOr<Access> access = AccessOf(method);
  return access.ok() && (*access == Access::kPersonalRead || *access == Access::kPiiRead);
}

// Whether `method` writes, so that ServeUnary records it when it failed before its transaction
// (a refused argument, a region out of scope checked first).
inline bool IsWriteMethod(absl::string_view method) {
  absl::StatusOr<Access> access = AccessOf(method);
  return access.ok() && (*access == Access::kRegistryWrite || *access == Access::kPiiWrite ||
                         *access == Access::kAssess || *access == Access::kAwardAdmin);
}

// Admits the call of `method` ("package.Service/Method"), runs `handler(caller)` in its
// CallScope, moves its value (a message, or a grpc::ByteBuffer of one) into `*response`, and
// finishes the call with its status (or the admission's refusal) on the calling thread. `audit`
// (may be null) and `request` (may be null; names the resource for the trail, AuditResourceOf) are
// as described above.
template <typename Response, typename Handler>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* ctx, const Authorizer& auth,
                                     AuditLog* audit, std::string method,
                                     const google::protobuf::Message* request, Response* response,
                                     Handler&& handler) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<Caller> caller = auth.Admit(*ctx, method);
  absl::Status status = caller.status();
  if (!status.ok()) {
    ReportRefusal(audit, auth, *ctx, method, status,
                  request == nullptr ? std::string() : AuditResourceOf(*request));
  } else {
    CallContext call{*std::move(caller), std::move(method), RequestIdOf(*ctx), std::string()};
    if (request != nullptr) call.resource = AuditResourceOf(*request);
    CallScope scope(&call);
    const uint64_t built_before = AuditEventsBuiltOnThisThread();
    absl::StatusOr<Response> result = std::forward<Handler>(handler)(call.caller);
    status = result.status();
    const bool recorded_by_rules = AuditEventsBuiltOnThisThread() != built_before;
    if (audit != nullptr && !recorded_by_rules &&
        (ReadsPersonalData(call.method) || (!status.ok() && IsWriteMethod(call.method)))) {
      // A read that found nothing by name (FindParticipantByNik) is named by its answer.
      if constexpr (std::is_base_of_v<google::protobuf::Message, Response>) {
        if (call.resource.empty() && result.ok()) call.resource = AuditResourceOf(*result);
      }
      absl::Status recorded = audit->Record(AuditEventOfCall(status));
      if (status.ok() && !recorded.ok()) {
        status = absl::UnavailableError(absl::StrCat(
            "the read could not be recorded in the audit trail: ", recorded.message()));
      }
    }
    if (status.ok()) {
      if constexpr (std::is_same_v<Response, grpc::ByteBuffer>) {
        response->Swap(&*result);  // an answer served as bytes (coverage_service.h)
      } else {
        *response = *std::move(result);
      }
    }
  }
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// ServeUnary without an audit trail (coverage keeps no store): refusals go to the process log.
template <typename Response, typename Handler>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* ctx, const Authorizer& auth,
                                     std::string method, Response* response, Handler&& handler) {
  return ServeUnary(ctx, auth, nullptr, std::move(method), nullptr, response,
                    std::forward<Handler>(handler));
}

}  // namespace paritrana
