#pragma once

#include <vector>

#include "platform/errors.h"
#include "security/audit.h"
#include "services/registry/store/registry_store.h"

// The registry's audit trail (security/audit.h) in its store's audit_events table. Writes record
// themselves in their own transaction (Registry::Write); this log records what happens outside
// one: refused calls, failed writes and reads of personal data.
namespace paritrana::registry {

class RegistryAuditLog final : public AuditLog {
 public:
  explicit RegistryAuditLog(RegistryStore& store) : store_(store) {}

  absl::Status Record(AuditEvent event) override {
    return store_.Write([&](RegistryTx& tx) { return tx.AppendAudit(event); });
  }

  absl::StatusOr<std::vector<AuditEvent>> List(const AuditQuery& query) override {
    std::vector<AuditEvent> events;
    PARITRANA_RETURN_IF_ERROR(store_.Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(events, tx.ListAudit(query));
      return absl::OkStatus();
    }));
    return events;
  }

 private:
  RegistryStore& store_;
};

}  // namespace paritrana::registry
