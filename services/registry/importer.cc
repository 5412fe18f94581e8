#include "services/registry/importer.h"

#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "platform/errors.h"
#include "platform/metrics.h"
#include "region/validation.h"
#include "security/call_context.h"
#include "services/registry/resource_rules.h"
#include "services/registry/writer.h"

namespace paritrana::registry {
namespace {

constexpr int kMaxBatchSize = 10000;
constexpr int kMaxRejectedListed = 10000;
constexpr int kMaxRowsPerMessage = 10000;

// Rows with these problems are reported and skipped; anything else (the store failing) ends the
// import, since retrying it with the same import id is then the right thing to do.
bool IsRowProblem(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

// Splits `regions/{code}/{collection}/{id}` into code and id.
absl::StatusOr<std::pair<std::string, std::string>> ChildName(const std::string& name,
                                                              absl::string_view collection,
                                                              absl::string_view field) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "regions" || parts[2] != collection ||
      !ParseRegionCode(parts[1]).ok()) {
    return InvalidField(field, absl::StrCat("must look like regions/{code}/", collection, "/{id}"));
  }
  return std::make_pair(parts[1], parts[3]);
}

Outcome Combine(Outcome a, Outcome b) {
  if (a == Outcome::kCreated || b == Outcome::kCreated) return Outcome::kCreated;
  if (a == Outcome::kUpdated || b == Outcome::kUpdated) return Outcome::kUpdated;
  return Outcome::kUnchanged;
}

absl::StatusOr<Outcome> ApplyBaseline(Writer& w, v1::WorkforceBaseline b) {
  PARITRANA_ASSIGN_OR_RETURN(auto parts, ChildName(b.name(), "baselines", "baseline.name"));
  const auto dash = parts.second.find('-');
  int year = 0;
  type::v1::DenominatorSource source = type::v1::DENOMINATOR_SOURCE_UNSPECIFIED;
  for (int s = 1; s <= 3; ++s) {
    if (dash != std::string::npos &&
        parts.second.substr(dash + 1) == SourceSlug(static_cast<type::v1::DenominatorSource>(s))) {
      source = static_cast<type::v1::DenominatorSource>(s);
    }
  }
  if (dash == std::string::npos || !absl::SimpleAtoi(parts.second.substr(0, dash), &year) ||
      source == type::v1::DENOMINATOR_SOURCE_UNSPECIFIED) {
    return InvalidField("baseline.name",
                        "id must be {year}-{bpjs-potential|bps-sakernas|regional}");
  }
  if (b.year() != 0 && b.year() != year)
    return InvalidField("baseline.year", "disagrees with name");
  if (b.source() != 0 && b.source() != source) {
    return InvalidField("baseline.source", "disagrees with name");
  }
  b.set_year(year);
  b.set_source(source);
  b.set_region(RegionName(parts.first));
  FieldViolations v;
  CheckBaseline(b, "baseline", v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  PARITRANA_ASSIGN_OR_RETURN(auto written, w.PutBaseline(b, false));
  return written.outcome;
}

absl::StatusOr<Outcome> ApplyTarget(Writer& w, v1::CoverageTarget t) {
  PARITRANA_ASSIGN_OR_RETURN(auto parts, ChildName(t.name(), "targets", "target.name"));
  int year = 0;
  if (!absl::SimpleAtoi(parts.second, &year))
    return InvalidField("target.name", "id must be a year");
  if (t.year() != 0 && t.year() != year) return InvalidField("target.year", "disagrees with name");
  t.set_year(year);
  t.set_region(RegionName(parts.first));
  FieldViolations v;
  CheckTarget(t, "target", v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  PARITRANA_ASSIGN_OR_RETURN(auto written, w.PutTarget(t, false));
  return written.outcome;
}

// The checks of a participant_enrollment row that need no stored state.
absl::Status CheckParticipantEnrollment(absl::CivilDay today, const v1::ParticipantEnrollment& pe) {
  FieldViolations v;
  const std::string& name = pe.participant().name();
  if (name.rfind("participants/", 0) != 0 || !CheckKpj(name.substr(13)).ok()) {
    v.Add("participant.name", "must look like participants/{kpj} with an 11-digit KPJ");
  }
  CheckParticipant(pe.participant(), "participant", today, v);
  if (!pe.has_enrollment()) {
    v.Add("enrollment", "is required");
  } else {
    CheckEnrollment(pe.enrollment(), "enrollment", v);
  }
  if (pe.has_contribution()) CheckContribution(pe.contribution(), "contribution", v);
  if (pe.enrollment().has_end_date()) {
    absl::StatusOr<absl::CivilDay> end = ToCivilDay(pe.enrollment().end_date());
    absl::StatusOr<absl::CivilDay> start = ToCivilDay(pe.enrollment().start_date());
    if (!end.ok()) {
      v.Add("enrollment.end_date", end.status().message());
    } else if (start.ok() && *end < *start) {
      v.Add("enrollment.end_date", "must not be earlier than start_date");
    }
  }
  return v.ToStatus();
}

absl::StatusOr<Outcome> ApplyParticipantEnrollment(Writer& w, absl::CivilDay today,
                                                   const v1::ParticipantEnrollment& pe) {
  PARITRANA_RETURN_IF_ERROR(CheckParticipantEnrollment(today, pe));
  const std::string& name = pe.participant().name();
  // A row naming an erased participant would bring its NIK and name back: refused, whatever the
  // row holds (the fast path never gets here for a known KPJ). Registering the person again takes
  // a new KPJ.
  PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Participant> stored,
                             Load<v1::Participant>(w.tx(), Kind::kParticipant, name));
  if (stored.has_value() && stored->has_erase_time()) {
    return ParticipantErased(name, "participant.name");
  }
  PARITRANA_ASSIGN_OR_RETURN(auto person, w.PutParticipant(pe.participant(), false));
  PARITRANA_ASSIGN_OR_RETURN(auto enrollment, w.PutEnrollment(name, pe.enrollment(), false));
  Outcome outcome = Combine(person.outcome, enrollment.outcome);
  if (pe.has_contribution()) {
    PARITRANA_ASSIGN_OR_RETURN(
        auto c, w.AddContribution(enrollment.resource.name(), pe.contribution(), true));
    outcome = Combine(outcome, c.outcome);
  }
  if (pe.enrollment().has_end_date()) {
    PARITRANA_ASSIGN_OR_RETURN(absl::CivilDay end, ToCivilDay(pe.enrollment().end_date()));
    PARITRANA_ASSIGN_OR_RETURN(auto ended, w.Terminate(enrollment.resource.name(), end));
    outcome = Combine(outcome, ended.outcome);
  }
  return outcome;
}

absl::StatusOr<Outcome> ApplyPosting(Writer& w, const v1::ContributionPosting& posting) {
  FieldViolations v;
  v.Check("contribution.enrollment",
          CheckEnrollmentName(posting.enrollment(), "contribution.enrollment"));
  CheckContribution(posting.contribution(), "contribution.contribution", v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  absl::StatusOr<Written<v1::Contribution>> written =
      w.AddContribution(posting.enrollment(), posting.contribution(), true);
  if (!written.ok()) {
    // AddContribution names the enrollment `parent` and the contribution `contribution`, as
    // CreateContribution's request does; in a row they sit under `contribution.`.
    const std::string field = ErrorField(written.status());
    const auto info = GetErrorInfo(written.status());
    if (!field.empty() && info.has_value()) {
      absl::string_view description = written.status().message();
      absl::ConsumePrefix(&description, absl::StrCat(field, ": "));
      return FieldError(
          written.status().code(), info->reason(),
          field == "parent" ? "contribution.enrollment" : absl::StrCat("contribution.", field),
          description);
    }
    return written.status();
  }
  return written->outcome;
}

absl::StatusOr<Outcome> ApplyRow(Writer& w, absl::CivilDay today, const v1::ImportRow& row) {
  switch (row.record_case()) {
    case v1::ImportRow::kRegion: {
      FieldViolations v;
      v.Check("region.name", ParseRegionName(row.region().name()).status());
      CheckRegion(row.region(), "region", v);
      PARITRANA_RETURN_IF_ERROR(v.ToStatus());
      PARITRANA_ASSIGN_OR_RETURN(auto written, w.PutRegion(row.region(), false));
      return written.outcome;
    }
    case v1::ImportRow::kEmployer: {
      FieldViolations v;
      const std::string& name = row.employer().name();
      if (name.rfind("employers/", 0) != 0 || !CheckNpp(name.substr(10)).ok()) {
        v.Add("employer.name", "must look like employers/{npp} with an 8-digit NPP");
      }
      CheckEmployer(row.employer(), "employer", today, v);
      PARITRANA_RETURN_IF_ERROR(v.ToStatus());
      PARITRANA_ASSIGN_OR_RETURN(auto written,
                                 w.PutEmployer(row.employer(), Writer::EmployerWrite::kImportRow));
      return written.outcome;
    }
    case v1::ImportRow::kParticipantEnrollment:
      return ApplyParticipantEnrollment(w, today, row.participant_enrollment());
    case v1::ImportRow::kBaseline:
      return ApplyBaseline(w, row.baseline());
    case v1::ImportRow::kTarget:
      return ApplyTarget(w, row.target());
    case v1::ImportRow::kContribution:
      return ApplyPosting(w, row.contribution());
    case v1::ImportRow::kBill: {
      FieldViolations v;
      CheckBill(row.bill(), "bill", v);
      PARITRANA_RETURN_IF_ERROR(v.ToStatus());
      PARITRANA_ASSIGN_OR_RETURN(auto written, w.PutBill(row.bill()));
      return written.outcome;
    }
    default:
      return InvalidField("record",
                          "is required: region, employer, participant_enrollment, "
                          "baseline, target, contribution or bill");
  }
}

// The fast path of the commonest row, a person new to the registry (Writer::CreateNewPerson):
// no savepoint, since nothing is written before every check has passed. nullopt: apply the row
// the general way.
absl::StatusOr<std::optional<Outcome>> ApplyNewPerson(Writer& w, absl::CivilDay today,
                                                      const v1::ImportRow& row) {
  if (row.record_case() != v1::ImportRow::kParticipantEnrollment) return std::nullopt;
  const v1::ParticipantEnrollment& pe = row.participant_enrollment();
  if (!CheckParticipantEnrollment(today, pe).ok()) return std::nullopt;
  return w.CreateNewPerson(pe.participant(), pe.enrollment(),
                           pe.has_contribution() ? &pe.contribution() : nullptr);
}

// Ends a STRICT or validate-only batch's transaction without writing.
const absl::Status kRollBack = absl::AbortedError("batch rolled back");

}  // namespace

void Importer::Reject(int64_t row_number, const absl::Status& status) {
  response_.set_rows_rejected(response_.rows_rejected() + 1);
  if (response_.rejected_rows_size() >= kMaxRejectedListed) {
    response_.set_rejected_rows_truncated(true);
    return;
  }
  v1::RejectedRow* r = response_.add_rejected_rows();
  r->set_row_number(row_number);
  std::string field = ErrorField(status);
  std::string reason(status.message());
  if (auto bad = GetBadRequest(status); bad && bad->field_violations_size() > 0) {
    reason = bad->field_violations(0).description();
  } else if (!field.empty() && reason.rfind(field + ": ", 0) == 0) {
    reason = reason.substr(field.size() + 2);
  }
  r->set_field(field.empty() ? "record" : field);
  r->set_reason(reason);
  r->set_code(absl::StatusCodeToString(status.code()));
}

Importer::~Importer() { Close(); }

void Importer::Close() {
  if (holds_import_id_) registry_.EndImport(header_.import_id());
  holds_import_id_ = false;
}

absl::Status Importer::Add(const v1::ImportRecordsRequest& message) {
  if (done_) return WithProgress(InvalidField("payload", "no message may follow the ImportEnd"));
  if (message.has_header()) {
    if (has_header_) {
      return WithProgress(InvalidField("header", "must be sent once, in the first message"));
    }
    return Start(message.header());
  }
  if (!has_header_) return InvalidField("header", "the first message must carry the header");
  if (message.has_end()) return End(message.end());
  if (message.rows().rows_size() == 0 || message.rows().rows_size() > kMaxRowsPerMessage) {
    return WithProgress(InvalidField(
        "rows.rows", absl::StrCat("a message must hold 1 to ", kMaxRowsPerMessage, " rows")));
  }
  rows_streamed_ += message.rows().rows_size();
  for (const v1::ImportRow& row : message.rows().rows()) {
    batch_.push_back(row);
    if (static_cast<int>(batch_.size()) >= batch_size_)
      PARITRANA_RETURN_IF_ERROR(WithProgress(Flush()));
  }
  return absl::OkStatus();
}

absl::Status Importer::Start(const v1::ImportHeader& header) {
  header_ = header;
  has_header_ = true;
  FieldViolations v;
  v.Check("header.import_id", CheckImportId(header_.import_id()));
  if (header_.mode() == v1::IMPORT_MODE_UNSPECIFIED || !v1::ImportMode_IsValid(header_.mode())) {
    v.Add("header.mode", "is required: IMPORT_MODE_STRICT or IMPORT_MODE_LENIENT");
  }
  if (header_.batch_size() < 0 || header_.batch_size() > kMaxBatchSize) {
    v.Add("header.batch_size", absl::StrCat("must be 0 (1000) to ", kMaxBatchSize));
  }
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  if (header_.batch_size() > 0) batch_size_ = header_.batch_size();
  response_.set_import_id(header_.import_id());
  // The audit trail records each batch transaction of the import under its id.
  if (CallContext* call = CallScope::Current()) {
    call->resource = absl::StrCat("imports/", header_.import_id());
  }
  response_.set_validate_only(header_.validate_only());
  if (header_.validate_only()) return absl::OkStatus();
  // Two streams of one import id would both apply rows and both record a response; the second is
  // refused until the first ends, whichever registry process sharing the database it reaches.
  PARITRANA_ASSIGN_OR_RETURN(const bool claimed, registry_.BeginImport(header_.import_id()));
  if (!claimed) {
    return WithReason(absl::AbortedError(absl::StrCat("import ", header_.import_id(),
                                                      " is still running; retry when it ends")),
                      "IMPORT_RUNNING", {{"import_id", header_.import_id()}});
  }
  holds_import_id_ = true;
  std::optional<std::string> recorded;
  PARITRANA_RETURN_IF_ERROR(registry_.store().Read([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(recorded, tx.GetImport(header_.import_id()));
    return absl::OkStatus();
  }));
  if (recorded.has_value()) {
    if (!response_.ParseFromString(*recorded)) return absl::DataLossError("bad import record");
    response_.set_replayed(true);
    done_ = true;
  }
  return absl::OkStatus();
}

absl::Status Importer::End(const v1::ImportEnd& end) {
  if (end.rows_sent() != rows_streamed_) {
    return WithProgress(InvalidField(
        "end.rows_sent", absl::StrCat("is ", end.rows_sent(), " but the stream carried ",
                                      rows_streamed_, " rows: a message was lost on the way")));
  }
  PARITRANA_RETURN_IF_ERROR(WithProgress(Flush()));
  if (!header_.validate_only()) {
    PARITRANA_RETURN_IF_ERROR(WithProgress(registry_.store().Write([&](RegistryTx& tx) {
      return tx.PutImport(header_.import_id(), response_.SerializeAsString());
    })));
    auto& m = metrics::Registry::Global();
    m.Add("paritrana_import_rows_total", {{"outcome", "accepted"}}, response_.rows_accepted());
    m.Add("paritrana_import_rows_total", {{"outcome", "unchanged"}}, response_.rows_unchanged());
    m.Add("paritrana_import_rows_total", {{"outcome", "rejected"}}, response_.rows_rejected());
    m.Add("paritrana_import_rows_total", {{"outcome", "rolled_back"}},
          response_.rows_rolled_back());
  }
  done_ = true;
  return absl::OkStatus();
}

absl::Status Importer::Abandon() {
  if (!has_header_) return InvalidField("header", "the stream carried no header");
  // The rows received are whole and valid messages: applying them saves the retry their work.
  PARITRANA_RETURN_IF_ERROR(WithProgress(Flush()));
  return WithProgress(WithReason(
      absl::AbortedError(
          "the import stream ended without its ImportEnd message (cancelled, broken, or a message "
          "that could not be parsed, such as text that is not UTF-8); nothing was recorded under "
          "the import id: send the whole import again with the same id"),
      "IMPORT_INCOMPLETE", {}));
}

absl::Status Importer::WithProgress(absl::Status status) const {
  if (status.ok()) return status;
  // Batches committed before the error stay committed; say how many, so the caller can resume.
  google::rpc::ErrorInfo info = GetErrorInfo(status).value_or(google::rpc::ErrorInfo());
  std::map<std::string, std::string> metadata(info.metadata().begin(), info.metadata().end());
  metadata["batches_committed"] = absl::StrCat(response_.batches_committed());
  metadata["rows_received"] = absl::StrCat(response_.rows_received());
  return WithReason(status,
                    info.reason().empty() ? absl::StatusCodeToString(status.code()) : info.reason(),
                    metadata);
}

absl::Status Importer::Flush() {
  if (batch_.empty()) return absl::OkStatus();
  const bool strict = header_.mode() == v1::IMPORT_MODE_STRICT;
  int64_t accepted = 0, unchanged = 0;
  std::vector<std::pair<int64_t, absl::Status>> rejected;
  int64_t last = last_row_number_;
  const absl::CivilDay today = registry_.today();
  absl::Status s = registry_.Write([&](Writer& w) -> absl::Status {
    accepted = unchanged = 0;
    rejected.clear();
    last = last_row_number_;
    std::vector<const v1::Participant*> persons;
    std::vector<const v1::Enrollment*> enrollments;
    std::vector<std::string> bills;
    std::set<std::string> bill_employers;
    for (const v1::ImportRow& row : batch_) {
      if (row.has_participant_enrollment()) {
        persons.push_back(&row.participant_enrollment().participant());
        enrollments.push_back(&row.participant_enrollment().enrollment());
      } else if (row.has_bill()) {
        bills.push_back(row.bill().name());
        bill_employers.insert(EmployerOfBill(row.bill().name()));
      }
    }
    PARITRANA_RETURN_IF_ERROR(w.PrefetchPersons(persons, enrollments));
    // A billing export is a bill a row, mostly of a few employers: one look-up for them all.
    PARITRANA_RETURN_IF_ERROR(w.tx().Prefetch(
        Kind::kEmployer, std::vector<std::string>(bill_employers.begin(), bill_employers.end())));
    PARITRANA_RETURN_IF_ERROR(w.tx().Prefetch(Kind::kContributionBill, bills));
    for (const v1::ImportRow& row : batch_) {
      if (row.row_number() < 1 || row.row_number() <= last) {
        rejected.emplace_back(row.row_number(),
                              InvalidField("row_number", "must be at least 1 and increasing"));
        continue;
      }
      last = row.row_number();
      PARITRANA_ASSIGN_OR_RETURN(std::optional<Outcome> outcome, ApplyNewPerson(w, today, row));
      absl::Status applied = absl::OkStatus();
      if (!outcome.has_value()) {
        auto apply = [&]() -> absl::Status {
          PARITRANA_ASSIGN_OR_RETURN(outcome, ApplyRow(w, today, row));
          return absl::OkStatus();
        };
        // A posting needs no savepoint: Writer::AddContribution writes only once every check has
        // passed, so a rejected posting has written nothing.
        applied =
            row.record_case() == v1::ImportRow::kContribution ? apply() : w.tx().Atomically(apply);
        if (!applied.ok()) w.ForgetKnownReferences();  // the unit may have created some
      }
      if (applied.ok()) {
        (outcome == Outcome::kUnchanged ? unchanged : accepted)++;
      } else if (IsRowProblem(applied)) {
        rejected.emplace_back(row.row_number(), applied);
      } else {
        return applied;
      }
    }
    if (header_.validate_only() || (strict && !rejected.empty())) return kRollBack;
    return absl::OkStatus();
  });
  if (!s.ok() && s != kRollBack) return s;

  last_row_number_ = last;
  response_.set_rows_received(response_.rows_received() + static_cast<int64_t>(batch_.size()));
  for (const auto& [row, status] : rejected) Reject(row, status);
  if (s.ok()) {
    response_.set_batches_committed(response_.batches_committed() + 1);
  } else {
    response_.set_batches_rolled_back(response_.batches_rolled_back() + 1);
  }
  if (strict && !rejected.empty()) {
    response_.set_rows_rolled_back(response_.rows_rolled_back() + accepted + unchanged);
  } else {
    response_.set_rows_accepted(response_.rows_accepted() + accepted);
    response_.set_rows_unchanged(response_.rows_unchanged() + unchanged);
  }
  batch_.clear();
  return absl::OkStatus();
}

}  // namespace paritrana::registry
