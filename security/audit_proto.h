#pragma once

#include "paritrana/audit/v1/audit.pb.h"
#include "security/audit.h"

// An audit event (security/audit.h) as paritrana.audit.v1.AuditEvent and back: the one
// conversion the audit service (ListAuditEvents), the CLI (`paritrana audit verify`) and the tests
// share. The time is kept to the microsecond both ways, as the trail keeps it, so an event read
// back from the wire has the same AuditHash.
namespace paritrana {

audit::v1::AuditEvent AuditEventToProto(const AuditEvent& event);
AuditEvent AuditEventFromProto(const audit::v1::AuditEvent& event);

}  // namespace paritrana
