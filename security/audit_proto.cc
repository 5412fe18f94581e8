#include "security/audit_proto.h"

#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"

namespace paritrana {

using google::protobuf::util::TimeUtil;

audit::v1::AuditEvent AuditEventToProto(const AuditEvent& event) {
  audit::v1::AuditEvent out;
  out.set_seq(event.seq);
  *out.mutable_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(event.time));
  out.set_principal(event.principal);
  out.set_how(event.how);
  out.set_method(event.method);
  out.set_resource(event.resource);
  out.set_request_id(event.request_id);
  out.set_outcome(event.outcome);
  out.set_prev_hash(event.prev_hash);
  out.set_hash(event.hash);
  return out;
}

AuditEvent AuditEventFromProto(const audit::v1::AuditEvent& event) {
  AuditEvent out;
  out.seq = event.seq();
  out.time = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(event.time()));
  out.principal = event.principal();
  out.how = event.how();
  out.method = event.method();
  out.resource = event.resource();
  out.request_id = event.request_id();
  out.outcome = event.outcome();
  out.prev_hash = event.prev_hash();
  out.hash = event.hash();
  return out;
}

}  // namespace paritrana
