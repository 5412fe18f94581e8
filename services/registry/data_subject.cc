// Data-subject rights under UU 27/2022 (Indonesia's personal data protection law): a person's
// right of access (ExportPersonalData) and of deletion (ErasePersonalData). The right of correction
// is UpdateParticipant. Declared in registry.h.
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/pagination.h"
#include "api/request_id.h"
#include "api/resource_errors.h"
#include "google/protobuf/util/time_util.h"
#include "platform/errors.h"
#include "platform/log.h"
#include "security/call_context.h"
#include "services/registry/registry.h"
#include "services/registry/resource_rules.h"
#include "services/registry/writer.h"

namespace paritrana::registry {
namespace {

// An export is one message: bounded so it stays far below gRPC's message size (a contribution is
// about 100 bytes). A person has a handful of enrollments and a contribution a month for each.
constexpr int kMaxExportEnrollments = 1000;
constexpr int kMaxExportContributions = 10000;
constexpr int kExportPage = 500;

absl::Status ExportTooLarge(absl::string_view what, int limit) {
  return WithReason(absl::FailedPreconditionError(absl::StrCat(
                        "the person has more than ", limit, " ", what,
                        "; read them with ListEnrollments and ListContributions instead")),
                    "EXPORT_TOO_LARGE");
}

// Appends every resource of `kind` under `parent` to `out`, page by page; more than `*budget` in
// all is EXPORT_TOO_LARGE.
template <typename M>
absl::Status AppendAll(RegistryTx& tx, Kind kind, const std::string& parent, int& budget,
                       absl::string_view what, int limit,
                       google::protobuf::RepeatedPtrField<M>* out) {
  ListQuery q;
  q.kind = kind;
  q.parent = parent;
  q.limit = kExportPage;
  while (true) {
    PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> page, tx.List(q));
    for (const StoredResource& r : page) {
      if (--budget < 0) return ExportTooLarge(what, limit);
      if (!out->Add()->ParseFromString(r.body)) {
        return absl::DataLossError("stored record does not parse");
      }
    }
    if (static_cast<int>(page.size()) < q.limit) return absl::OkStatus();
    q.after_name = page.back().name;
  }
}

std::tuple<int, int, int> DayOf(const google::type::Date& d) {
  return {d.year(), d.month(), d.day()};
}

// Names the resource a data-subject call acts on for the audit trail (security/audit.h): the
// export's request carries only the NIK, which must never be recorded.
void RecordResource(const std::string& name) {
  if (CallContext* call = CallScope::Current(); call != nullptr) call->resource = name;
}

}  // namespace

absl::Status ParticipantErased(absl::string_view participant, absl::string_view field) {
  return FieldError(absl::StatusCode::kFailedPrecondition, "PARTICIPANT_ERASED", field,
                    absl::StrCat(participant,
                                 " had its personal data erased at the person's request and can"
                                 " no longer be changed; register the person under a new KPJ"));
}

absl::StatusOr<v1::PersonalDataExport> Registry::ExportPersonalData(
    const v1::ExportPersonalDataRequest& req) {
  bool digits = req.nik().size() == 16;
  for (char c : req.nik()) digits = digits && c >= '0' && c <= '9';
  if (!digits) return InvalidField("nik", "must be exactly 16 digits");
  v1::PersonalDataExport out;
  PARITRANA_RETURN_IF_ERROR(store_.Read([&](RegistryTx& tx) -> absl::Status {
    out.Clear();
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> name,
                               tx.ParticipantByNikHash(vault_.LookupHash(req.nik())));
    if (!name.has_value()) {
      // No resource name to report (the NIK is personal data): the field alone.
      return FieldError(absl::StatusCode::kNotFound, "NOT_FOUND", "nik",
                        "no participant has this NIK");
    }
    RecordResource(*name);
    PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Participant> p,
                               Load<v1::Participant>(tx, Kind::kParticipant, *name));
    if (!p.has_value()) return absl::DataLossError("NIK index names a missing participant");
    PARITRANA_RETURN_IF_ERROR(CheckCallerRegion(p->domicile_region()));
    *out.mutable_participant() = *std::move(p);
    out.mutable_participant()->set_nik(req.nik());

    int enrollments = kMaxExportEnrollments;
    PARITRANA_RETURN_IF_ERROR(AppendAll(tx, Kind::kEnrollment, *name, enrollments, "enrollments",
                                        kMaxExportEnrollments, out.mutable_enrollments()));
    int contributions = kMaxExportContributions;
    for (const v1::Enrollment& e : out.enrollments()) {
      const int first = out.contributions_size();
      PARITRANA_RETURN_IF_ERROR(AppendAll(tx, Kind::kContribution, e.name(), contributions,
                                          "contributions", kMaxExportContributions,
                                          out.mutable_contributions()));
      // Oldest first within the enrollment, as ListContributions promises.
      std::stable_sort(out.mutable_contributions()->begin() + first,
                       out.mutable_contributions()->end(),
                       [](const v1::Contribution& a, const v1::Contribution& b) {
                         return DayOf(a.covers_through()) < DayOf(b.covers_through());
                       });
    }
    *out.mutable_export_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Participant> Registry::ErasePersonalData(
    const v1::ErasePersonalDataRequest& req) {
  FieldViolations v;
  v.Check("name", CheckParticipantName(req.name(), "name"));
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  RecordResource(req.name());
  bool erased_now = false;
  v1::Participant out;
  PARITRANA_RETURN_IF_ERROR(Write([&](Writer& w) -> absl::Status {
    erased_now = false;
    PARITRANA_ASSIGN_OR_RETURN(
        out, RunOnce<v1::Participant>(
                 w.tx(), "ErasePersonalData", req.request_id(), Fingerprint(req),
                 [&](const std::string& name) -> absl::StatusOr<v1::Participant> {
                   PARITRANA_ASSIGN_OR_RETURN(
                       std::optional<v1::Participant> p,
                       Load<v1::Participant>(w.tx(), Kind::kParticipant, name));
                   if (!p.has_value()) return NotFound(name);
                   return *std::move(p);
                 },
                 [&]() -> absl::StatusOr<v1::Participant> {
                   PARITRANA_ASSIGN_OR_RETURN(
                       std::optional<v1::Participant> p,
                       Load<v1::Participant>(w.tx(), Kind::kParticipant, req.name()));
                   if (!p.has_value()) return NotFound(req.name());
                   PARITRANA_RETURN_IF_ERROR(CheckCallerRegion(p->domicile_region()));
                   if (p->has_erase_time()) return *std::move(p);  // erased before: nothing to do
                   // The KPJ, sex and domicile stay (they identify nobody without the rest and keep
                   // the participant's history and every count meaningful); the rest goes.
                   p->clear_nik();
                   p->clear_nik_masked();
                   p->clear_display_name();
                   p->clear_birth_date();
                   *p->mutable_erase_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
                   PARITRANA_RETURN_IF_ERROR(w.tx().DeleteNik(p->name()));
                   PARITRANA_RETURN_IF_ERROR(w.Replace(Kind::kParticipant, *p, ""));
                   erased_now = true;
                   return *std::move(p);
                 }));
    return absl::OkStatus();
  }));
  if (erased_now) {
    // The rows are gone from the database; what the store's files may still hold of them is
    // best scrubbed now. A failure leaves the erasure done: it is logged, and the next erasure
    // (or an operator's checkpoint) scrubs it.
    if (absl::Status s = store_.ScrubDeleted(); !s.ok()) {
      log::Warn("could not scrub the store after an erasure",
                {{"participant", out.name()}, {"error", s.ToString()}});
    }
  }
  return out;
}

}  // namespace paritrana::registry
