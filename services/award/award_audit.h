#pragma once

#include <vector>

#include "platform/errors.h"
#include "security/audit.h"
#include "services/award/store/award_store.h"

// The award service's audit trail (security/audit.h) in its store's audit_events table. Writes
// record themselves in their own transaction (Award::Write); this log records refused calls and
// writes that failed before their transaction.
namespace paritrana::award {

class AwardAuditLog final : public AuditLog {
 public:
  explicit AwardAuditLog(AwardStore& store) : store_(store) {}

  absl::Status Record(AuditEvent event) override {
    return store_.Write([&](AwardTx& tx) { return tx.AppendAudit(event); });
  }

  absl::StatusOr<std::vector<AuditEvent>> List(const AuditQuery& query) override {
    std::vector<AuditEvent> events;
    PARITRANA_RETURN_IF_ERROR(store_.Read([&](AwardTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(events, tx.ListAudit(query));
      return absl::OkStatus();
    }));
    return events;
  }

 private:
  AwardStore& store_;
};

}  // namespace paritrana::award
