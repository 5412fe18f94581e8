#include "security/audit.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "platform/log.h"
#include "security/call_context.h"

namespace paritrana {
namespace {

// Appends `field` as its length (8 bytes, big-endian) and its bytes.
void AppendField(std::string& out, absl::string_view field) {
  uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(field.data(), field.size());
}

thread_local uint64_t events_built = 0;

}  // namespace

uint64_t AuditEventsBuiltOnThisThread() { return events_built; }

std::string AuditHash(const AuditEvent& event) {
  std::string encoded;
  AppendField(encoded, "paritrana.audit.v1");
  AppendField(encoded, absl::StrCat(event.seq));
  AppendField(encoded, absl::StrCat(absl::ToUnixMicros(event.time)));
  AppendField(encoded, event.principal);
  AppendField(encoded, event.how);
  AppendField(encoded, event.method);
  AppendField(encoded, event.resource);
  AppendField(encoded, event.request_id);
  AppendField(encoded, event.outcome);
  AppendField(encoded, event.prev_hash);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(encoded.data()), encoded.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::optional<AuditChainBreak> VerifyAuditChain(std::span<const AuditEvent> events,
                                                absl::string_view expected_first_prev) {
  std::string prev(expected_first_prev);
  int64_t expected_seq = events.empty() ? 0 : events.front().seq;
  if (expected_first_prev == kAuditGenesis) expected_seq = 1;
  for (const AuditEvent& e : events) {
    if (e.seq != expected_seq) {
      return AuditChainBreak{
          expected_seq,
          e.seq > expected_seq
              ? absl::StrCat("missing: the next event is seq ", e.seq)
              : absl::StrCat("out of order: seq ", e.seq, " follows ", expected_seq - 1)};
    }
    if (e.prev_hash != prev) {
      return AuditChainBreak{e.seq, "prev_hash is not the hash of the event before"};
    }
    if (AuditHash(e) != e.hash) {
      return AuditChainBreak{e.seq, "altered: the hash does not match the event"};
    }
    prev = e.hash;
    ++expected_seq;
  }
  return std::nullopt;
}

AuditEvent AuditEventOfCall(const absl::Status& outcome) {
  ++events_built;
  AuditEvent event;
  // Microseconds, as stored, so the hash of a listed event is the hash of the appended one.
  event.time = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
  event.outcome = absl::StatusCodeToString(outcome.code());
  const CallContext* call = CallScope::Current();
  if (call == nullptr) {
    event.principal = "system";
    event.how = "none";
    return event;
  }
  event.principal = call->caller.id;
  event.how = std::string(AuthMethodName(call->caller.how));
  event.method = call->method;
  event.resource = call->resource;
  event.request_id = call->request_id;
  return event;
}

std::string AuditResourceOf(const google::protobuf::Message& request) {
  const google::protobuf::Descriptor* d = request.GetDescriptor();
  const google::protobuf::Reflection* r = request.GetReflection();
  auto string_field = [](const google::protobuf::Message& m,
                         absl::string_view field) -> std::string {
    const google::protobuf::FieldDescriptor* f =
        m.GetDescriptor()->FindFieldByName(std::string(field));
    if (f == nullptr || f->is_repeated() ||
        f->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
      return "";
    }
    return m.GetReflection()->GetString(m, f);
  };
  if (std::string name = string_field(request, "name"); !name.empty()) return name;
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (f->is_repeated() || f->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) continue;
    if (!r->HasField(request, f)) continue;
    if (std::string name = string_field(r->GetMessage(request, f), "name"); !name.empty()) {
      return name;
    }
  }
  if (std::string parent = string_field(request, "parent"); !parent.empty()) return parent;
  return string_field(request, "region");
}

void RecordRefusal(AuditLog* log, const absl::Status& refusal, absl::string_view principal,
                   absl::string_view how, absl::string_view method, absl::string_view request_id,
                   absl::string_view resource) {
  if (!absl::IsUnauthenticated(refusal) && !absl::IsPermissionDenied(refusal)) return;
  AuditEvent event;
  event.time = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
  event.principal = std::string(principal);
  event.how = std::string(how);
  event.method = std::string(method);
  event.resource = std::string(resource);
  event.request_id = std::string(request_id);
  event.outcome = absl::StatusCodeToString(refusal.code());
  if (log == nullptr) {
    log::Warn("call refused", {{"principal", event.principal},
                               {"how", event.how},
                               {"method", event.method},
                               {"resource", event.resource},
                               {"request_id", event.request_id},
                               {"outcome", event.outcome}});
    return;
  }
  if (absl::Status s = log->Record(event); !s.ok()) {
    log::Error("cannot record a refused call in the audit trail", {{"principal", event.principal},
                                                                   {"method", event.method},
                                                                   {"outcome", event.outcome},
                                                                   {"error", s.ToString()}});
  }
}

}  // namespace paritrana
