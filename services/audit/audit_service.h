#pragma once

#include "absl/status/statusor.h"
#include "paritrana/audit/v1/audit.grpc.pb.h"
#include "security/audit.h"
#include "security/auth.h"

// paritrana.audit.v1.AuditService over gRPC, for any service with an audit trail (the registry
// and the award service each serve it for their own AuditLog). Access kAudit: auditors only; a
// refused call is itself recorded.
namespace paritrana::audit {

// One page of ListAuditEvents on `log`, independent of gRPC.
absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(AuditLog& log,
                                                            const v1::ListAuditEventsRequest& req);

class AuditService final : public v1::AuditService::CallbackService {
 public:
  AuditService(AuditLog& log, const Authorizer& auth) : log_(log), auth_(auth) {}

  grpc::ServerUnaryReactor* ListAuditEvents(grpc::CallbackServerContext* ctx,
                                            const v1::ListAuditEventsRequest* req,
                                            v1::ListAuditEventsResponse* resp) override;

 private:
  AuditLog& log_;
  const Authorizer& auth_;
};

}  // namespace paritrana::audit
