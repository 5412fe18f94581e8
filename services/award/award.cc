#include "services/award/award.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "api/pagination.h"
#include "api/request_id.h"
#include "api/resource_errors.h"
#include "api/update_mask.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "platform/errors.h"
#include "platform/log.h"
#include "region/validation.h"
#include "security/audit.h"
#include "security/call_context.h"
#include "services/award/evaluation.h"
#include "services/award/indicators.h"
#include "services/award/rules.h"

namespace paritrana::award {
namespace {

using google::protobuf::FieldMask;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;

// Lists read for an evaluation or a rule check: more than any cycle holds (a national cycle has
// about 514 candidates).
constexpr int kUnbounded = 1000000;

google::protobuf::Timestamp Now() { return TimeUtil::GetCurrentTime(); }

std::string Pad(int64_t n) { return absl::StrFormat("%012d", n); }

// NOT_FOUND about `resource`, which the request's `field` names.
absl::Status FieldNotFound(absl::string_view field, absl::string_view resource,
                           absl::string_view message) {
  return NotFound(resource, field, message);
}

absl::Status Precondition(absl::string_view reason, absl::string_view message,
                          const std::map<std::string, std::string>& metadata = {}) {
  return WithReason(absl::FailedPreconditionError(message), reason, metadata);
}

absl::Status CyclePublished(absl::string_view cycle) {
  return Precondition("CYCLE_PUBLISHED",
                      absl::StrCat(cycle,
                                   " is PUBLISHED: its candidates, assessments, period and "
                                   "rubric versions are read-only"),
                      {{"cycle", std::string(cycle)}});
}

// ----- Records: each message with the attributes the store lists by -----

Record RecordOf(const v1::Rubric& r) {
  return {Kind::kRubric,        r.name(), "", "", r.name(), r.category(), 0, 0, "", "",
          r.SerializeAsString()};
}
Record RecordOf(const v1::RubricVersion& v, const std::string& rubric) {
  return {Kind::kRubricVersion, v.name(), rubric, "", Pad(v.version()), 0, v.state(), 0, "", "",
          v.SerializeAsString()};
}
Record RecordOf(const v1::AwardCycle& c) {
  return {Kind::kCycle,         c.name(), "", c.name(), c.name(), 0, c.state(), c.year(), "", "",
          c.SerializeAsString()};
}
Record RecordOf(const v1::Candidate& c, const std::string& cycle) {
  return {Kind::kCandidate,     c.name(),   cycle, cycle,       c.name(),
          c.category(),         c.status(), 0,     c.subject(), "",
          c.SerializeAsString()};
}
Record RecordOf(const v1::Assessment& a, const std::string& cycle, const std::string& candidate) {
  return {Kind::kAssessment,    a.name(), candidate, cycle, a.name(), 0, 0, 0, "", a.assessor(),
          a.SerializeAsString()};
}
// Evaluations list newest first: the sort key counts down.
Record RecordOf(const v1::Evaluation& e, const std::string& cycle, int64_t number) {
  return {Kind::kEvaluation, e.name(), cycle, cycle, Pad(999999999999LL - number), 0,
          e.state(),         0,        "",    "",    e.SerializeAsString()};
}

template <typename M>
absl::StatusOr<M> Parse(const Record& r) {
  M m;
  if (!m.ParseFromString(r.body)) {
    return absl::DataLossError(absl::StrCat("stored record ", r.name, " does not parse"));
  }
  return m;
}

template <typename M>
absl::StatusOr<std::optional<M>> Load(AwardTx& tx, Kind kind, absl::string_view name) {
  PARITRANA_ASSIGN_OR_RETURN(std::optional<Record> r, tx.Get(kind, name));
  if (!r.has_value()) return std::nullopt;
  return Parse<M>(*r);
}

template <typename M>
absl::StatusOr<M> Must(AwardTx& tx, Kind kind, absl::string_view name) {
  PARITRANA_ASSIGN_OR_RETURN(std::optional<M> m, Load<M>(tx, kind, name));
  if (!m.has_value()) return NotFound(name);
  return *std::move(m);
}

template <typename M>
absl::StatusOr<M> ReadOne(AwardStore& store, Kind kind, const std::string& name) {
  M out;
  PARITRANA_RETURN_IF_ERROR(store.Read([&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(out, Must<M>(tx, kind, name));
    return absl::OkStatus();
  }));
  return out;
}

// Every record a query matches (no paging), parsed.
template <typename M>
absl::StatusOr<std::vector<M>> All(AwardTx& tx, ListQuery q) {
  q.limit = kUnbounded;
  PARITRANA_ASSIGN_OR_RETURN(std::vector<Record> rows, tx.List(q));
  std::vector<M> out;
  out.reserve(rows.size());
  for (const Record& r : rows) {
    PARITRANA_ASSIGN_OR_RETURN(M m, Parse<M>(r));
    out.push_back(std::move(m));
  }
  return out;
}

// One page of a List method. The page token is bound to the request without its paging fields
// (and to `salt`, e.g. what the caller may see).
template <typename Request, typename Item>
absl::StatusOr<std::string> ListPage(AwardStore& store, const Request& req, ListQuery query,
                                     absl::string_view salt,
                                     google::protobuf::RepeatedPtrField<Item>* out,
                                     const std::function<void(Item&)>& shape_item = nullptr) {
  return ReadPage<Request, Record>(
      req, salt,
      [&](const std::string& after, int limit) -> absl::StatusOr<std::vector<Record>> {
        query.after_key = after;
        query.limit = limit;
        std::vector<Record> rows;
        PARITRANA_RETURN_IF_ERROR(store.Read([&](AwardTx& tx) -> absl::Status {
          PARITRANA_ASSIGN_OR_RETURN(rows, tx.List(query));
          return absl::OkStatus();
        }));
        return rows;
      },
      [](const Record& r) { return r.sort_key; },
      [&](const Record& r) -> absl::Status {
        PARITRANA_ASSIGN_OR_RETURN(Item item, Parse<Item>(r));
        if (shape_item) shape_item(item);
        *out->Add() = std::move(item);
        return absl::OkStatus();
      });
}

// A promoted candidate's id, readable and stable like the CLI's: regions/15.08 -> 15-08,
// employers/12345678 -> 12345678.
std::string SubjectId(const std::string& subject) {
  return absl::StrReplaceAll(
      absl::StripPrefix(absl::StripPrefix(subject, "regions/"), "employers/"), {{".", "-"}});
}

std::string RandomId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int> pick(0, 35);
  std::string id(16, 'a');
  for (char& c : id) c = kAlphabet[pick(rng)];
  return id;
}

absl::Status CheckCategoryFilter(v1::AwardCategory category) {
  if (!v1::AwardCategory_IsValid(category)) return InvalidField("category", "unknown category");
  return absl::OkStatus();
}

absl::Status CheckView(v1::EvaluationView view) {
  if (!v1::EvaluationView_IsValid(view)) return InvalidField("view", "unknown view");
  return absl::OkStatus();
}

void ApplyView(v1::Evaluation& e, v1::EvaluationView view) {
  if (view != v1::EVALUATION_VIEW_BASIC) return;
  for (v1::CategoryResult& r : *e.mutable_results()) {
    r.clear_ranked();
    r.clear_screened_out();
    r.clear_excluded();
  }
}

// The province code ("15") of a region name, "" when it is not one.
std::string ProvinceOf(absl::string_view region) {
  absl::StatusOr<RegionCode> code = ParseRegionName(region);
  return code.ok() ? code->code.substr(0, 2) : std::string();
}

bool InScope(const v1::AwardCycle& cycle, const std::string& province) {
  if (cycle.has_zone()) {
    for (const std::string& p : cycle.zone().provinces()) {
      if (ProvinceOf(p) == province) return true;
    }
    return false;
  }
  return ProvinceOf(cycle.province()) == province;
}

const v1::CategoryRubricVersion* VersionFor(const v1::AwardCycle& cycle,
                                            v1::AwardCategory category) {
  for (const auto& crv : cycle.rubric_versions()) {
    if (crv.category() == category) return &crv;
  }
  return nullptr;
}

// Checks that every version `cycle` names exists and judges its category, and freezes the
// DRAFT ones.
absl::Status FreezeVersions(AwardTx& tx, const v1::AwardCycle& cycle) {
  for (int i = 0; i < cycle.rubric_versions_size(); ++i) {
    const v1::CategoryRubricVersion& crv = cycle.rubric_versions(i);
    const std::string field = absl::StrCat("award_cycle.rubric_versions[", i, "].rubric_version");
    PARITRANA_ASSIGN_OR_RETURN(VersionName vn, ParseVersionName(crv.rubric_version(), field));
    PARITRANA_ASSIGN_OR_RETURN(
        std::optional<v1::RubricVersion> version,
        Load<v1::RubricVersion>(tx, Kind::kRubricVersion, crv.rubric_version()));
    if (!version.has_value()) {
      return FieldNotFound(field, crv.rubric_version(),
                           absl::StrCat(crv.rubric_version(), " does not exist"));
    }
    PARITRANA_ASSIGN_OR_RETURN(v1::Rubric rubric, Must<v1::Rubric>(tx, Kind::kRubric, vn.rubric));
    if (rubric.category() != crv.category()) {
      return InvalidField(
          field, absl::StrCat(vn.rubric, " judges ", v1::AwardCategory_Name(rubric.category()),
                              ", not ", v1::AwardCategory_Name(crv.category())));
    }
    if (version->state() != v1::RubricVersion::STATE_FROZEN) {
      version->set_state(v1::RubricVersion::STATE_FROZEN);
      *version->mutable_freeze_time() = Now();
      PARITRANA_RETURN_IF_ERROR(tx.Update(RecordOf(*version, vn.rubric)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckProvinceKnown(Directory& directory, const std::string& region,
                                const std::string& field) {
  absl::StatusOr<registry::v1::Region> r = directory.GetRegion(region);
  if (absl::IsNotFound(r.status())) {
    return FieldNotFound(field, region, absl::StrCat(region, " is not known to the registry"));
  }
  return r.status();
}

}  // namespace

Award::Award(AwardStore& store, Directory& directory, CoverageSource& coverage,
             std::function<absl::CivilDay()> today)
    : store_(store), directory_(directory), coverage_(coverage), today_(std::move(today)) {}

absl::Status Award::Write(absl::FunctionRef<absl::Status(AwardTx&)> fn) {
  if (CallScope::Current() == nullptr) return store_.Write(fn);
  const absl::Status written = store_.Write([&](AwardTx& tx) -> absl::Status {
    PARITRANA_RETURN_IF_ERROR(fn(tx));
    // In the write's own transaction: both or neither are committed.
    AuditEvent event = AuditEventOfCall(absl::OkStatus());
    return tx.AppendAudit(event);
  });
  if (!written.ok()) {
    AuditEvent event = AuditEventOfCall(written);
    if (absl::Status s = store_.Write([&](AwardTx& tx) { return tx.AppendAudit(event); });
        !s.ok()) {
      log::Error("cannot record a failed write in the audit trail",
                 {{"method", event.method}, {"outcome", event.outcome}, {"error", s.ToString()}});
    }
  }
  return written;
}

template <typename M>
absl::StatusOr<M> Award::Once(absl::string_view method, const std::string& request_id,
                              const std::string& fingerprint, int kind,
                              const std::function<absl::StatusOr<M>(AwardTx&)>& create) {
  M out;
  PARITRANA_RETURN_IF_ERROR(Write([&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(out, RunOnce<M>(
                                        tx, method, request_id, fingerprint,
                                        [&](const std::string& name) {
                                          return Must<M>(tx, static_cast<Kind>(kind), name);
                                        },
                                        [&] { return create(tx); }));
    // The audit trail names what was created (a create's request knows only its parent).
    if (CallContext* call = CallScope::Current()) call->resource = out.name();
    return absl::OkStatus();
  }));
  return out;
}

// ----- Rubrics -----

absl::StatusOr<v1::Rubric> Award::CreateRubric(const v1::CreateRubricRequest& req) {
  FieldViolations v;
  CheckResourceId(req.rubric_id(), "rubric_id", v);
  CheckRubric(req.rubric(), "rubric", v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  v1::Rubric rubric;
  rubric.set_name(absl::StrCat("rubrics/", req.rubric_id()));
  rubric.set_category(req.rubric().category());
  rubric.set_display_name(req.rubric().display_name());
  rubric.set_description(req.rubric().description());
  return Once<v1::Rubric>("CreateRubric", req.request_id(), Fingerprint(req),
                          static_cast<int>(Kind::kRubric),
                          [&](AwardTx& tx) -> absl::StatusOr<v1::Rubric> {
                            PARITRANA_ASSIGN_OR_RETURN(std::optional<Record> existing,
                                                       tx.Get(Kind::kRubric, rubric.name()));
                            if (existing.has_value()) return AlreadyExists(rubric.name());
                            *rubric.mutable_create_time() = Now();
                            *rubric.mutable_update_time() = rubric.create_time();
                            PARITRANA_RETURN_IF_ERROR(tx.Insert(RecordOf(rubric)));
                            return rubric;
                          });
}

absl::StatusOr<v1::Rubric> Award::GetRubric(const v1::GetRubricRequest& req) {
  PARITRANA_RETURN_IF_ERROR(ParseRubricName(req.name(), "name"));
  return ReadOne<v1::Rubric>(store_, Kind::kRubric, req.name());
}

absl::StatusOr<v1::ListRubricsResponse> Award::ListRubrics(const v1::ListRubricsRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckCategoryFilter(req.category()));
  ListQuery q;
  q.kind = Kind::kRubric;
  q.category = req.category();
  v1::ListRubricsResponse resp;
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, "", resp.mutable_rubrics()));
  return resp;
}

absl::StatusOr<v1::RubricVersion> Award::CreateRubricVersion(
    const v1::CreateRubricVersionRequest& req) {
  FieldViolations v;
  v.Check("parent", ParseRubricName(req.parent(), "parent"));
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  return Once<v1::RubricVersion>(
      "CreateRubricVersion", req.request_id(), Fingerprint(req),
      static_cast<int>(Kind::kRubricVersion),
      [&](AwardTx& tx) -> absl::StatusOr<v1::RubricVersion> {
        PARITRANA_ASSIGN_OR_RETURN(v1::Rubric rubric,
                                   Must<v1::Rubric>(tx, Kind::kRubric, req.parent()));
        FieldViolations content;
        CheckRubricVersion(req.rubric_version(), rubric.category(), "rubric_version", content);
        PARITRANA_RETURN_IF_ERROR(content.ToStatus());
        int32_t number = 1;
        if (!rubric.latest_version().empty()) {
          PARITRANA_ASSIGN_OR_RETURN(VersionName latest,
                                     ParseVersionName(rubric.latest_version(), "latest"));
          number = latest.version + 1;
        }
        v1::RubricVersion version = req.rubric_version();
        version.set_name(VersionResourceName(rubric.name(), number));
        version.set_version(number);
        version.set_state(v1::RubricVersion::STATE_DRAFT);
        *version.mutable_create_time() = Now();
        *version.mutable_update_time() = version.create_time();
        version.clear_freeze_time();
        NormalizeRubricVersion(version);
        PARITRANA_RETURN_IF_ERROR(tx.Insert(RecordOf(version, rubric.name())));
        rubric.set_latest_version(version.name());
        *rubric.mutable_update_time() = version.create_time();
        PARITRANA_RETURN_IF_ERROR(tx.Update(RecordOf(rubric)));
        return version;
      });
}

absl::StatusOr<v1::RubricVersion> Award::GetRubricVersion(const v1::GetRubricVersionRequest& req) {
  PARITRANA_RETURN_IF_ERROR(ParseVersionName(req.name(), "name").status());
  return ReadOne<v1::RubricVersion>(store_, Kind::kRubricVersion, req.name());
}

absl::StatusOr<v1::ListRubricVersionsResponse> Award::ListRubricVersions(
    const v1::ListRubricVersionsRequest& req) {
  PARITRANA_RETURN_IF_ERROR(ParseRubricName(req.parent(), "parent"));
  PARITRANA_RETURN_IF_ERROR(ReadOne<v1::Rubric>(store_, Kind::kRubric, req.parent()).status());
  ListQuery q;
  q.kind = Kind::kRubricVersion;
  q.parent = req.parent();
  v1::ListRubricVersionsResponse resp;
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, "", resp.mutable_rubric_versions()));
  return resp;
}

absl::StatusOr<v1::RubricVersion> Award::UpdateRubricVersion(
    const v1::UpdateRubricVersionRequest& req) {
  const v1::RubricVersion& patch = req.rubric_version();
  PARITRANA_ASSIGN_OR_RETURN(VersionName vn, ParseVersionName(patch.name(), "rubric_version.name"));
  PARITRANA_ASSIGN_OR_RETURN(
      std::set<std::string> paths,
      UpdatePaths(req.update_mask(),
                  {"description", "declared_total_weight", "denominator_source", "jury_aggregation",
                   "aspects", "gates", "tie_break_order", "target_year"}));
  v1::RubricVersion out;
  PARITRANA_RETURN_IF_ERROR(Write([&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(out,
                               Must<v1::RubricVersion>(tx, Kind::kRubricVersion, patch.name()));
    if (out.state() == v1::RubricVersion::STATE_FROZEN) {
      return Precondition("RUBRIC_VERSION_FROZEN",
                          absl::StrCat(out.name(),
                                       " is FROZEN (an award cycle uses it); create a new version "
                                       "with CreateRubricVersion instead"),
                          {{"rubric_version", out.name()}});
    }
    PARITRANA_ASSIGN_OR_RETURN(v1::Rubric rubric, Must<v1::Rubric>(tx, Kind::kRubric, vn.rubric));
    for (const std::string& p : paths) {
      if (p == "description") out.set_description(patch.description());
      if (p == "declared_total_weight")
        out.set_declared_total_weight(patch.declared_total_weight());
      if (p == "denominator_source") out.set_denominator_source(patch.denominator_source());
      if (p == "jury_aggregation") out.set_jury_aggregation(patch.jury_aggregation());
      if (p == "aspects") *out.mutable_aspects() = patch.aspects();
      if (p == "gates") *out.mutable_gates() = patch.gates();
      if (p == "tie_break_order") *out.mutable_tie_break_order() = patch.tie_break_order();
      if (p == "target_year") out.set_target_year(patch.target_year());
    }
    FieldViolations v;
    CheckRubricVersion(out, rubric.category(), "rubric_version", v);
    PARITRANA_RETURN_IF_ERROR(v.ToStatus());
    NormalizeRubricVersion(out);
    *out.mutable_update_time() = Now();
    return tx.Update(RecordOf(out, vn.rubric));
  }));
  return out;
}

absl::StatusOr<bool> Award::InstallRubric(const std::string& rubric_id, const v1::Rubric& rubric,
                                          const v1::RubricVersion& version) {
  v1::GetRubricRequest get;
  get.set_name(absl::StrCat("rubrics/", rubric_id));
  absl::StatusOr<v1::Rubric> existing = GetRubric(get);
  if (existing.ok()) return false;
  if (!absl::IsNotFound(existing.status())) return existing.status();
  // Validate the version before anything is written, so a bad file leaves no empty rubric.
  FieldViolations v;
  CheckRubric(rubric, "rubric", v);
  CheckRubricVersion(version, rubric.category(), "version", v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  v1::CreateRubricRequest create;
  create.set_rubric_id(rubric_id);
  *create.mutable_rubric() = rubric;
  PARITRANA_RETURN_IF_ERROR(CreateRubric(create).status());
  v1::CreateRubricVersionRequest create_version;
  create_version.set_parent(get.name());
  *create_version.mutable_rubric_version() = version;
  PARITRANA_RETURN_IF_ERROR(CreateRubricVersion(create_version).status());
  return true;
}

// ----- Cycles -----

absl::StatusOr<v1::AwardCycle> Award::CreateAwardCycle(const v1::CreateAwardCycleRequest& req) {
  FieldViolations v;
  CheckResourceId(req.award_cycle_id(), "award_cycle_id", v);
  CheckCycle(req.award_cycle(), "award_cycle", v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  v1::AwardCycle cycle = req.award_cycle();
  cycle.set_name(absl::StrCat("cycles/", req.award_cycle_id()));
  cycle.set_state(v1::AwardCycle::STATE_OPEN);
  cycle.clear_published_evaluation();
  if (!cycle.has_assessment_period())
    *cycle.mutable_assessment_period() = DefaultPeriod(cycle.year());
  if (cycle.has_zone()) {
    for (int i = 0; i < cycle.zone().provinces_size(); ++i) {
      PARITRANA_RETURN_IF_ERROR(
          CheckProvinceKnown(directory_, cycle.zone().provinces(i),
                             absl::StrCat("award_cycle.zone.provinces[", i, "]")));
    }
  } else {
    PARITRANA_RETURN_IF_ERROR(
        CheckProvinceKnown(directory_, cycle.province(), "award_cycle.province"));
  }
  return Once<v1::AwardCycle>("CreateAwardCycle", req.request_id(), Fingerprint(req),
                              static_cast<int>(Kind::kCycle),
                              [&](AwardTx& tx) -> absl::StatusOr<v1::AwardCycle> {
                                PARITRANA_ASSIGN_OR_RETURN(std::optional<Record> existing,
                                                           tx.Get(Kind::kCycle, cycle.name()));
                                if (existing.has_value()) return AlreadyExists(cycle.name());
                                PARITRANA_RETURN_IF_ERROR(FreezeVersions(tx, cycle));
                                *cycle.mutable_create_time() = Now();
                                *cycle.mutable_update_time() = cycle.create_time();
                                PARITRANA_RETURN_IF_ERROR(tx.Insert(RecordOf(cycle)));
                                return cycle;
                              });
}

absl::StatusOr<v1::AwardCycle> Award::GetAwardCycle(const v1::GetAwardCycleRequest& req) {
  PARITRANA_RETURN_IF_ERROR(ParseCycleName(req.name(), "name"));
  return ReadOne<v1::AwardCycle>(store_, Kind::kCycle, req.name());
}

absl::StatusOr<v1::ListAwardCyclesResponse> Award::ListAwardCycles(
    const v1::ListAwardCyclesRequest& req) {
  if (req.year() != 0 && (req.year() < 2000 || req.year() > 2100)) {
    return InvalidField("year", "must be 0 (every year) or a year from 2000 to 2100");
  }
  ListQuery q;
  q.kind = Kind::kCycle;
  q.year = req.year();
  v1::ListAwardCyclesResponse resp;
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, "", resp.mutable_award_cycles()));
  return resp;
}

absl::StatusOr<v1::AwardCycle> Award::UpdateAwardCycle(const v1::UpdateAwardCycleRequest& req) {
  const v1::AwardCycle& patch = req.award_cycle();
  PARITRANA_RETURN_IF_ERROR(ParseCycleName(patch.name(), "award_cycle.name"));
  PARITRANA_ASSIGN_OR_RETURN(
      std::set<std::string> paths,
      UpdatePaths(req.update_mask(),
                  {"display_name", "description", "assessment_period", "rubric_versions"}));
  v1::AwardCycle out;
  PARITRANA_RETURN_IF_ERROR(Write([&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(const v1::AwardCycle stored,
                               Must<v1::AwardCycle>(tx, Kind::kCycle, patch.name()));
    out = stored;
    for (const std::string& p : paths) {
      if (p == "display_name") out.set_display_name(patch.display_name());
      if (p == "description") out.set_description(patch.description());
      if (p == "assessment_period") {
        *out.mutable_assessment_period() =
            patch.has_assessment_period() ? patch.assessment_period() : DefaultPeriod(out.year());
      }
      if (p == "rubric_versions") *out.mutable_rubric_versions() = patch.rubric_versions();
    }
    const bool period_changed =
        !MessageDifferencer::Equals(out.assessment_period(), stored.assessment_period());
    const bool versions_changed =
        out.rubric_versions_size() != stored.rubric_versions_size() || [&] {
          for (int i = 0; i < out.rubric_versions_size(); ++i) {
            if (!MessageDifferencer::Equals(out.rubric_versions(i), stored.rubric_versions(i))) {
              return true;
            }
          }
          return false;
        }();
    if (stored.state() == v1::AwardCycle::STATE_PUBLISHED && (period_changed || versions_changed)) {
      return CyclePublished(stored.name());
    }
    FieldViolations v;
    CheckCycle(out, "award_cycle", v);
    PARITRANA_RETURN_IF_ERROR(v.ToStatus());
    if (versions_changed) {
      for (const v1::CategoryRubricVersion& before : stored.rubric_versions()) {
        const v1::CategoryRubricVersion* after = VersionFor(out, before.category());
        if (after != nullptr && after->rubric_version() == before.rubric_version()) continue;
        ListQuery q;
        q.kind = Kind::kCandidate;
        q.cycle = stored.name();
        q.category = before.category();
        q.limit = kUnbounded;
        PARITRANA_ASSIGN_OR_RETURN(std::vector<Record> candidates, tx.List(q));
        for (const Record& c : candidates) {
          ListQuery a;
          a.kind = Kind::kAssessment;
          a.parent = c.name;
          a.limit = 1;
          PARITRANA_ASSIGN_OR_RETURN(std::vector<Record> assessments, tx.List(a));
          if (!assessments.empty()) {
            return Precondition(
                "ASSESSMENTS_EXIST",
                absl::StrCat("the ", v1::AwardCategory_Name(before.category()), " candidates of ",
                             stored.name(), " already have assessments under ",
                             before.rubric_version(), "; its rubric version can no longer change"),
                {{"category", v1::AwardCategory_Name(before.category())}});
          }
        }
        if (after == nullptr && !candidates.empty()) {
          return Precondition(
              "CATEGORY_NOT_IN_CYCLE",
              absl::StrCat(stored.name(), " has ", v1::AwardCategory_Name(before.category()),
                           " candidates; the category cannot be removed"),
              {{"category", v1::AwardCategory_Name(before.category())}});
        }
      }
      PARITRANA_RETURN_IF_ERROR(FreezeVersions(tx, out));
    }
    *out.mutable_update_time() = Now();
    return tx.Update(RecordOf(out));
  }));
  return out;
}

// ----- Candidates -----

namespace {

// What the registry says about a candidate's subject.
struct SubjectFacts {
  std::string display_name;
  std::string province;  // "15"
};

absl::StatusOr<SubjectFacts> LookUpSubject(Directory& directory, const v1::Candidate& c) {
  const std::string field = "candidate.subject";
  if (IsRegionCategory(c.category())) {
    absl::StatusOr<registry::v1::Region> r = directory.GetRegion(c.subject());
    if (absl::IsNotFound(r.status())) {
      return FieldNotFound(field, c.subject(),
                           absl::StrCat(c.subject(), " is not known to the registry"));
    }
    if (!r.ok()) return r.status();
    return SubjectFacts{r->display_name(), ProvinceOf(c.subject())};
  }
  absl::StatusOr<registry::v1::Employer> e = directory.GetEmployer(c.subject());
  if (absl::IsNotFound(e.status())) {
    return FieldNotFound(field, c.subject(),
                         absl::StrCat(c.subject(), " is not known to the registry"));
  }
  if (!e.ok()) return e.status();
  return SubjectFacts{e->display_name(), ProvinceOf(e->region())};
}

// FAILED_PRECONDITION unless `cycle` takes new candidates of `category`: it is not PUBLISHED and
// has a rubric version for the category.
absl::Status AcceptsCandidates(const v1::AwardCycle& cycle, v1::AwardCategory category) {
  if (cycle.state() == v1::AwardCycle::STATE_PUBLISHED) return CyclePublished(cycle.name());
  if (VersionFor(cycle, category) == nullptr) {
    return Precondition(
        "CATEGORY_NOT_IN_CYCLE",
        absl::StrCat(cycle.name(), " has no rubric version for ", v1::AwardCategory_Name(category),
                     "; add one with UpdateAwardCycle first"),
        {{"category", v1::AwardCategory_Name(category)}});
  }
  return absl::OkStatus();
}

// The candidate of `cycle` whose subject is `subject`, if there is one.
absl::StatusOr<std::optional<Record>> CandidateOfSubject(AwardTx& tx, const std::string& cycle,
                                                         const std::string& subject) {
  ListQuery same;
  same.kind = Kind::kCandidate;
  same.cycle = cycle;
  same.subject = subject;
  same.limit = 1;
  PARITRANA_ASSIGN_OR_RETURN(std::vector<Record> taken, tx.List(same));
  if (taken.empty()) return std::nullopt;
  return std::move(taken.front());
}

// Inserts `c` as the candidate `id` of `cycle`, in the write transaction `tx`, with the checks
// and defaults of every new candidate (CreateCandidate and PromoteCandidates): the cycle takes
// the category, the subject (as `facts` describe it) lies in the cycle's scope and is not a
// candidate yet, the display name defaults to the registry's, the stage to SCREENING, the status
// to ACTIVE. Returns the stored candidate.
absl::StatusOr<v1::Candidate> InsertCandidate(AwardTx& tx, const v1::AwardCycle& cycle,
                                              const std::string& id, v1::Candidate c,
                                              const SubjectFacts& facts) {
  PARITRANA_RETURN_IF_ERROR(AcceptsCandidates(cycle, c.category()));
  if (!InScope(cycle, facts.province)) {
    return InvalidField("candidate.subject",
                        absl::StrCat(c.subject(), " lies outside the scope of ", cycle.name()));
  }
  c.set_name(absl::StrCat(cycle.name(), "/candidates/", id));
  PARITRANA_ASSIGN_OR_RETURN(std::optional<Record> existing, tx.Get(Kind::kCandidate, c.name()));
  if (existing.has_value()) return AlreadyExists(c.name());
  PARITRANA_ASSIGN_OR_RETURN(std::optional<Record> taken,
                             CandidateOfSubject(tx, cycle.name(), c.subject()));
  if (taken.has_value()) {
    return WithReason(
        absl::AlreadyExistsError(absl::StrCat(c.subject(), " is already a candidate of ",
                                              cycle.name(), " (", taken->name, ")")),
        "ALREADY_EXISTS", {{"resource", taken->name}});
  }
  if (c.display_name().empty()) c.set_display_name(facts.display_name);
  if (c.stage() == v1::Candidate::STAGE_UNSPECIFIED) c.set_stage(v1::Candidate::STAGE_SCREENING);
  if (c.status() == v1::Candidate::STATUS_UNSPECIFIED) c.set_status(v1::Candidate::STATUS_ACTIVE);
  *c.mutable_create_time() = Now();
  *c.mutable_update_time() = c.create_time();
  PARITRANA_RETURN_IF_ERROR(tx.Insert(RecordOf(c, cycle.name())));
  return c;
}

}  // namespace

absl::StatusOr<v1::Candidate> Award::CreateCandidate(const v1::CreateCandidateRequest& req) {
  FieldViolations v;
  v.Check("parent", ParseCycleName(req.parent(), "parent"));
  if (!req.candidate_id().empty()) CheckResourceId(req.candidate_id(), "candidate_id", v);
  CheckCandidate(req.candidate(), /*creating=*/true, "candidate", v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  const std::string id = req.candidate_id().empty() ? RandomId() : req.candidate_id();
  // The cycle's own preconditions first (cheap, and more telling than a registry answer); they
  // are checked again in the write transaction. A replayed request skips them: it only returns
  // what its first call created.
  auto cycle_allows = [&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(v1::AwardCycle cycle,
                               Must<v1::AwardCycle>(tx, Kind::kCycle, req.parent()));
    return AcceptsCandidates(cycle, req.candidate().category());
  };
  bool replay = false;
  PARITRANA_RETURN_IF_ERROR(store_.Read([&](AwardTx& tx) -> absl::Status {
    if (!req.request_id().empty()) {
      PARITRANA_ASSIGN_OR_RETURN(std::optional<RequestRecord> seen,
                                 tx.GetRequest("CreateCandidate", req.request_id()));
      // A remembered id skips the checks: Once returns the first result, or REQUEST_ID_REUSED
      // when this request differs from the first.
      absl::StatusOr<std::optional<std::string>> first =
          Replay(seen, "CreateCandidate", req.request_id(), Fingerprint(req));
      replay = !first.ok() || first->has_value();
    }
    return replay ? absl::OkStatus() : cycle_allows(tx);
  }));
  std::optional<SubjectFacts> facts;
  if (!replay) {
    PARITRANA_ASSIGN_OR_RETURN(facts, LookUpSubject(directory_, req.candidate()));
  }

  return Once<v1::Candidate>(
      "CreateCandidate", req.request_id(), Fingerprint(req), static_cast<int>(Kind::kCandidate),
      [&](AwardTx& tx) -> absl::StatusOr<v1::Candidate> {
        PARITRANA_ASSIGN_OR_RETURN(v1::AwardCycle cycle,
                                   Must<v1::AwardCycle>(tx, Kind::kCycle, req.parent()));
        PARITRANA_RETURN_IF_ERROR(AcceptsCandidates(cycle, req.candidate().category()));
        if (!facts.has_value()) {  // the first call's record expired meanwhile
          return absl::AbortedError("the request changed state concurrently; retry it");
        }
        v1::Candidate c = req.candidate();
        // Output only: only PromoteCandidates links a candidate to a provincial round.
        c.clear_promoted_from();
        c.clear_promoted_rank();
        return InsertCandidate(tx, cycle, id, std::move(c), *facts);
      });
}

absl::StatusOr<v1::Candidate> Award::GetCandidate(const v1::GetCandidateRequest& req) {
  PARITRANA_RETURN_IF_ERROR(ParseCandidateName(req.name(), "name").status());
  return ReadOne<v1::Candidate>(store_, Kind::kCandidate, req.name());
}

absl::StatusOr<v1::ListCandidatesResponse> Award::ListCandidates(
    const v1::ListCandidatesRequest& req) {
  PARITRANA_RETURN_IF_ERROR(ParseCycleName(req.parent(), "parent"));
  PARITRANA_RETURN_IF_ERROR(CheckCategoryFilter(req.category()));
  if (!v1::Candidate::Status_IsValid(req.status())) return InvalidField("status", "unknown status");
  PARITRANA_RETURN_IF_ERROR(ReadOne<v1::AwardCycle>(store_, Kind::kCycle, req.parent()).status());
  ListQuery q;
  q.kind = Kind::kCandidate;
  q.cycle = req.parent();
  q.category = req.category();
  q.state = req.status();
  v1::ListCandidatesResponse resp;
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, "", resp.mutable_candidates()));
  return resp;
}

absl::StatusOr<v1::Candidate> Award::UpdateCandidate(const v1::UpdateCandidateRequest& req) {
  const v1::Candidate& patch = req.candidate();
  PARITRANA_ASSIGN_OR_RETURN(CandidateName cn, ParseCandidateName(patch.name(), "candidate.name"));
  PARITRANA_ASSIGN_OR_RETURN(
      std::set<std::string> paths,
      UpdatePaths(req.update_mask(), {"display_name", "stage", "status", "note"}));
  if (paths.count("status") > 0 && patch.status() == v1::Candidate::STATUS_UNSPECIFIED) {
    return InvalidField("candidate.status", "must be ACTIVE, WITHDRAWN or DISQUALIFIED");
  }
  // An empty display name resets it to the subject's registry name.
  std::string registry_name;
  if (paths.count("display_name") > 0 && patch.display_name().empty()) {
    PARITRANA_ASSIGN_OR_RETURN(v1::Candidate stored,
                               ReadOne<v1::Candidate>(store_, Kind::kCandidate, patch.name()));
    PARITRANA_ASSIGN_OR_RETURN(SubjectFacts facts, LookUpSubject(directory_, stored));
    registry_name = facts.display_name;
  }
  v1::Candidate out;
  PARITRANA_RETURN_IF_ERROR(Write([&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(out, Must<v1::Candidate>(tx, Kind::kCandidate, patch.name()));
    PARITRANA_ASSIGN_OR_RETURN(v1::AwardCycle cycle,
                               Must<v1::AwardCycle>(tx, Kind::kCycle, cn.cycle));
    if (cycle.state() == v1::AwardCycle::STATE_PUBLISHED) return CyclePublished(cycle.name());
    for (const std::string& p : paths) {
      if (p == "display_name") {
        out.set_display_name(patch.display_name().empty() ? registry_name : patch.display_name());
      }
      if (p == "stage") {
        out.set_stage(patch.stage() == v1::Candidate::STAGE_UNSPECIFIED
                          ? v1::Candidate::STAGE_SCREENING
                          : patch.stage());
      }
      if (p == "status") out.set_status(patch.status());
      if (p == "note") out.set_note(patch.note());
    }
    FieldViolations v;
    CheckCandidate(out, /*creating=*/false, "candidate", v);
    PARITRANA_RETURN_IF_ERROR(v.ToStatus());
    *out.mutable_update_time() = Now();
    return tx.Update(RecordOf(out, cn.cycle));
  }));
  return out;
}

// ----- The national tier -----

namespace {

// PromoteCandidatesRequest.top_n: 0 means kDefaultTopN.
constexpr int kDefaultTopN = 3;
constexpr int kMaxTopN = 100;

std::string StateName(v1::AwardCycle::State state) {
  return std::string(absl::StripPrefix(v1::AwardCycle::State_Name(state), "STATE_"));
}

}  // namespace

absl::StatusOr<v1::PromoteCandidatesResponse> Award::PromoteCandidates(
    const v1::PromoteCandidatesRequest& req) {
  FieldViolations v;
  v.Check("cycle", ParseCycleName(req.cycle(), "cycle"));
  v.Check("source_cycle", ParseCycleName(req.source_cycle(), "source_cycle"));
  if (req.top_n() < 0 || req.top_n() > kMaxTopN) {
    v.Add("top_n", absl::StrCat("must be 0 (meaning ", kDefaultTopN, ") or 1 to ", kMaxTopN));
  }
  std::set<int> listed;
  for (int i = 0; i < req.categories_size(); ++i) {
    const v1::AwardCategory category = req.categories(i);
    const std::string field = absl::StrCat("categories[", i, "]");
    if (category == v1::AWARD_CATEGORY_UNSPECIFIED || !v1::AwardCategory_IsValid(category)) {
      v.Add(field, "must be one of the AWARD_CATEGORY_* values");
    } else if (!listed.insert(category).second) {
      v.Add(field, absl::StrCat(v1::AwardCategory_Name(category), " is listed twice"));
    }
  }
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  const int top_n = req.top_n() == 0 ? kDefaultTopN : req.top_n();
  // The audit trail names the cycle receiving the candidates (the request has no `name`).
  if (CallContext* call = CallScope::Current()) call->resource = req.cycle();

  // Everything is read and written in one transaction: the candidates of every category are
  // created together or not at all, against the cycles' states as they are now. The subjects
  // need no registry look-up: the source cycle's scope held them when they became its
  // candidates, and that province must lie in the zone.
  v1::PromoteCandidatesResponse resp;
  PARITRANA_RETURN_IF_ERROR(Write([&](AwardTx& tx) -> absl::Status {
    resp.Clear();
    PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::AwardCycle> target,
                               Load<v1::AwardCycle>(tx, Kind::kCycle, req.cycle()));
    if (!target.has_value()) {
      return FieldNotFound("cycle", req.cycle(), absl::StrCat(req.cycle(), " does not exist"));
    }
    PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::AwardCycle> source,
                               Load<v1::AwardCycle>(tx, Kind::kCycle, req.source_cycle()));
    if (!source.has_value()) {
      return FieldNotFound("source_cycle", req.source_cycle(),
                           absl::StrCat(req.source_cycle(), " does not exist"));
    }
    // What the request asks for is checked before the cycles' states: those may change (a
    // provincial round gets published), these never do.
    if (!target->has_zone()) {
      return InvalidField(
          "cycle", absl::StrCat(target->name(), " is a provincial cycle (", target->province(),
                                "); candidates are promoted into a national (zone) cycle"));
    }
    if (source->has_zone()) {
      return InvalidField("source_cycle",
                          absl::StrCat(source->name(), " is a national (zone) cycle (",
                                       source->zone().display_name(),
                                       "); candidates are promoted from a provincial cycle"));
    }
    const std::string province = ProvinceOf(source->province());
    if (!InScope(*target, province)) {
      return InvalidField("source_cycle",
                          absl::StrCat(source->province(), ", the province of ", source->name(),
                                       ", lies outside the zone of ", target->name(), " (",
                                       target->zone().display_name(), ")"));
    }
    std::set<int> both;  // the categories both cycles judge, in enum order
    for (const auto& crv : source->rubric_versions()) {
      if (VersionFor(*target, crv.category()) != nullptr) both.insert(crv.category());
    }
    for (int i = 0; i < req.categories_size(); ++i) {
      if (both.count(req.categories(i)) == 0) {
        return InvalidField(
            absl::StrCat("categories[", i, "]"),
            absl::StrCat(v1::AwardCategory_Name(req.categories(i)), " is not judged by both ",
                         source->name(), " and ", target->name()));
      }
    }
    const std::set<int>& promoted = listed.empty() ? both : listed;
    if (target->year() != source->year()) {
      return Precondition("CYCLE_YEAR_MISMATCH",
                          absl::StrCat(source->name(), " is the ", source->year(), " round and ",
                                       target->name(), " the ", target->year(),
                                       " one; a national round takes the provincial "
                                       "winners of its own year"),
                          {{"cycle_year", absl::StrCat(target->year())},
                           {"source_year", absl::StrCat(source->year())}});
    }
    if (source->state() != v1::AwardCycle::STATE_PUBLISHED) {
      return Precondition(
          "SOURCE_CYCLE_NOT_PUBLISHED",
          absl::StrCat(source->name(), " is ", StateName(source->state()),
                       ": only the published ranking of a provincial round is promoted; publish "
                       "its evaluation first"),
          {{"source_cycle", source->name()}, {"state", StateName(source->state())}});
    }
    if (target->state() == v1::AwardCycle::STATE_PUBLISHED) return CyclePublished(target->name());
    PARITRANA_ASSIGN_OR_RETURN(
        v1::Evaluation evaluation,
        Must<v1::Evaluation>(tx, Kind::kEvaluation, source->published_evaluation()));

    for (int category : promoted) {
      for (const v1::CategoryResult& result : evaluation.results()) {
        if (result.category() != category) continue;
        std::vector<const v1::RankedEntry*> entries;
        for (const v1::RankedEntry& e : result.ranked()) entries.push_back(&e);
        std::sort(entries.begin(), entries.end(),
                  [](const auto* a, const auto* b) { return a->rank() < b->rank(); });
        if (static_cast<int>(entries.size()) > top_n) entries.resize(top_n);
        for (const v1::RankedEntry* e : entries) {
          PARITRANA_ASSIGN_OR_RETURN(std::optional<Record> taken,
                                     CandidateOfSubject(tx, target->name(), e->subject()));
          if (taken.has_value()) {
            PARITRANA_ASSIGN_OR_RETURN(*resp.add_unchanged(), Parse<v1::Candidate>(*taken));
            continue;
          }
          // The subject's id unless a hand-registered candidate already holds it.
          std::string id = SubjectId(e->subject());
          PARITRANA_ASSIGN_OR_RETURN(
              std::optional<Record> held,
              tx.Get(Kind::kCandidate, absl::StrCat(target->name(), "/candidates/", id)));
          if (held.has_value()) id = RandomId();
          v1::Candidate c;
          c.set_category(result.category());
          c.set_subject(e->subject());
          c.set_display_name(e->display_name());
          c.set_promoted_from(evaluation.name());
          c.set_promoted_rank(e->rank());
          PARITRANA_ASSIGN_OR_RETURN(*resp.add_created(),
                                     InsertCandidate(tx, *target, id, std::move(c),
                                                     SubjectFacts{e->display_name(), province}));
        }
      }
    }
    return absl::OkStatus();
  }));
  log::Info("candidates promoted", {{"cycle", req.cycle()},
                                    {"source_cycle", req.source_cycle()},
                                    {"created", resp.created_size()},
                                    {"unchanged", resp.unchanged_size()}});
  return resp;
}

// ----- Assessments -----

namespace {

// The rubric version judging `candidate` in its cycle, with the cycle.
struct CandidateContext {
  v1::AwardCycle cycle;
  v1::Candidate candidate;
  v1::RubricVersion version;
};

absl::StatusOr<CandidateContext> ContextOf(AwardTx& tx, const std::string& candidate,
                                           const std::string& cycle) {
  CandidateContext ctx;
  PARITRANA_ASSIGN_OR_RETURN(ctx.candidate, Must<v1::Candidate>(tx, Kind::kCandidate, candidate));
  PARITRANA_ASSIGN_OR_RETURN(ctx.cycle, Must<v1::AwardCycle>(tx, Kind::kCycle, cycle));
  if (ctx.cycle.state() == v1::AwardCycle::STATE_PUBLISHED) return CyclePublished(ctx.cycle.name());
  const v1::CategoryRubricVersion* crv = VersionFor(ctx.cycle, ctx.candidate.category());
  if (crv == nullptr) {
    return Precondition("CATEGORY_NOT_IN_CYCLE",
                        absl::StrCat(cycle, " has no rubric version for the candidate's category"));
  }
  PARITRANA_ASSIGN_OR_RETURN(
      ctx.version, Must<v1::RubricVersion>(tx, Kind::kRubricVersion, crv->rubric_version()));
  return ctx;
}

absl::Status CheckOwnId(const Principal& caller, absl::string_view assessor) {
  if (caller.admin || caller.id == assessor) return absl::OkStatus();
  return WithReason(absl::PermissionDeniedError(absl::StrCat(
                        "an assessor may only write their own assessments (assessment id \"",
                        caller.id, "\"); an admin may write any")),
                    "PERMISSION_DENIED", {{"required_role", "admin"}});
}

}  // namespace

absl::StatusOr<v1::Assessment> Award::CreateAssessment(const v1::CreateAssessmentRequest& req,
                                                       const Principal& caller) {
  FieldViolations v;
  absl::StatusOr<CandidateName> parent = ParseCandidateName(req.parent(), "parent");
  v.Check("parent", parent.status());
  const std::string assessor = req.assessment_id().empty() ? caller.id : req.assessment_id();
  CheckResourceId(assessor, "assessment_id", v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  PARITRANA_RETURN_IF_ERROR(CheckOwnId(caller, assessor));
  return Once<v1::Assessment>(
      "CreateAssessment", req.request_id(), Fingerprint(req), static_cast<int>(Kind::kAssessment),
      [&](AwardTx& tx) -> absl::StatusOr<v1::Assessment> {
        PARITRANA_ASSIGN_OR_RETURN(CandidateContext ctx,
                                   ContextOf(tx, req.parent(), parent->cycle));
        v1::Assessment a;
        a.set_name(absl::StrCat(req.parent(), "/assessments/", assessor));
        a.set_assessor(assessor);
        *a.mutable_scores() = req.assessment().scores();
        FieldViolations content;
        CheckScores(a, ctx.version, "assessment", content);
        PARITRANA_RETURN_IF_ERROR(content.ToStatus());
        PARITRANA_ASSIGN_OR_RETURN(std::optional<Record> existing,
                                   tx.Get(Kind::kAssessment, a.name()));
        if (existing.has_value()) return AlreadyExists(a.name());
        *a.mutable_create_time() = Now();
        *a.mutable_update_time() = a.create_time();
        PARITRANA_RETURN_IF_ERROR(tx.Insert(RecordOf(a, parent->cycle, req.parent())));
        return a;
      });
}

absl::StatusOr<v1::Assessment> Award::GetAssessment(const v1::GetAssessmentRequest& req) {
  PARITRANA_RETURN_IF_ERROR(ParseAssessmentName(req.name(), "name").status());
  return ReadOne<v1::Assessment>(store_, Kind::kAssessment, req.name());
}

absl::StatusOr<v1::ListAssessmentsResponse> Award::ListAssessments(
    const v1::ListAssessmentsRequest& req) {
  ListQuery q;
  q.kind = Kind::kAssessment;
  if (absl::EndsWith(req.parent(), "/candidates/-")) {
    const std::string cycle = req.parent().substr(0, req.parent().size() - 13);
    if (!ParseCycleName(cycle, "parent").ok()) {
      return InvalidField("parent",
                          "must look like cycles/{cycle}/candidates/{candidate} or "
                          "cycles/{cycle}/candidates/-");
    }
    PARITRANA_RETURN_IF_ERROR(ReadOne<v1::AwardCycle>(store_, Kind::kCycle, cycle).status());
    q.cycle = cycle;
  } else {
    PARITRANA_RETURN_IF_ERROR(ParseCandidateName(req.parent(), "parent").status());
    PARITRANA_RETURN_IF_ERROR(
        ReadOne<v1::Candidate>(store_, Kind::kCandidate, req.parent()).status());
    q.parent = req.parent();
  }
  if (!req.assessor().empty() && !IsResourceId(req.assessor())) {
    return InvalidField("assessor", "must be an assessor id (lower-case letters, digits, '-')");
  }
  q.assessor = req.assessor();
  v1::ListAssessmentsResponse resp;
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, "", resp.mutable_assessments()));
  return resp;
}

absl::StatusOr<v1::Assessment> Award::UpdateAssessment(const v1::UpdateAssessmentRequest& req,
                                                       const Principal& caller) {
  const v1::Assessment& patch = req.assessment();
  PARITRANA_ASSIGN_OR_RETURN(AssessmentName an,
                             ParseAssessmentName(patch.name(), "assessment.name"));
  PARITRANA_ASSIGN_OR_RETURN(std::set<std::string> paths,
                             UpdatePaths(req.update_mask(), {"scores"}));
  PARITRANA_RETURN_IF_ERROR(CheckOwnId(caller, an.assessor));
  v1::Assessment out;
  PARITRANA_RETURN_IF_ERROR(Write([&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(out, Must<v1::Assessment>(tx, Kind::kAssessment, patch.name()));
    PARITRANA_ASSIGN_OR_RETURN(CandidateContext ctx, ContextOf(tx, an.candidate, an.cycle));
    if (paths.count("scores") > 0) *out.mutable_scores() = patch.scores();
    FieldViolations v;
    CheckScores(out, ctx.version, "assessment", v);
    PARITRANA_RETURN_IF_ERROR(v.ToStatus());
    *out.mutable_update_time() = Now();
    return tx.Update(RecordOf(out, an.cycle, an.candidate));
  }));
  return out;
}

// ----- Evaluations -----

namespace {

// What an evaluation of `cycle` reads: the cycle, its rubric versions, candidates and assessments.
// FAILED_PRECONDITION when the cycle is published or its assessment period has not ended `today`.
absl::StatusOr<CycleSnapshot> ReadSnapshot(AwardTx& tx, const std::string& cycle,
                                           absl::CivilDay today) {
  CycleSnapshot snapshot;
  PARITRANA_ASSIGN_OR_RETURN(snapshot.cycle, Must<v1::AwardCycle>(tx, Kind::kCycle, cycle));
  if (snapshot.cycle.state() == v1::AwardCycle::STATE_PUBLISHED) {
    return Precondition(
        "CYCLE_PUBLISHED",
        absl::StrCat(cycle, " is PUBLISHED (", snapshot.cycle.published_evaluation(),
                     "); it cannot be evaluated again"),
        {{"cycle", cycle}});
  }
  PARITRANA_ASSIGN_OR_RETURN(absl::CivilDay end,
                             ToCivilDay(snapshot.cycle.assessment_period().end_date()));
  if (end > today) {
    return Precondition("ASSESSMENT_PERIOD_NOT_ENDED",
                        absl::StrCat("the assessment period of ", cycle, " ends on ",
                                     absl::FormatCivilTime(end), ", after today in Asia/Jakarta"),
                        {{"end_date", absl::FormatCivilTime(end)}});
  }
  for (const auto& crv : snapshot.cycle.rubric_versions()) {
    PARITRANA_ASSIGN_OR_RETURN(
        snapshot.versions[crv.category()],
        Must<v1::RubricVersion>(tx, Kind::kRubricVersion, crv.rubric_version()));
  }
  ListQuery candidates;
  candidates.kind = Kind::kCandidate;
  candidates.cycle = cycle;
  PARITRANA_ASSIGN_OR_RETURN(snapshot.candidates, All<v1::Candidate>(tx, candidates));
  ListQuery assessments;
  assessments.kind = Kind::kAssessment;
  assessments.cycle = cycle;
  PARITRANA_ASSIGN_OR_RETURN(snapshot.assessments, All<v1::Assessment>(tx, assessments));
  return snapshot;
}

}  // namespace

absl::StatusOr<v1::Evaluation> Award::EvaluateCycle(const v1::EvaluateCycleRequest& req,
                                                    const Principal& caller) {
  FieldViolations v;
  v.Check("name", ParseCycleName(req.name(), "name"));
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  const std::string fingerprint = Fingerprint(req);
  constexpr absl::string_view kMethod = "EvaluateCycle";

  // A retry of a call that succeeded returns its evaluation without evaluating again.
  auto replay = [&](AwardTx& tx) -> absl::StatusOr<std::optional<v1::Evaluation>> {
    if (req.request_id().empty()) return std::nullopt;
    PARITRANA_ASSIGN_OR_RETURN(std::optional<RequestRecord> seen,
                               tx.GetRequest(kMethod, req.request_id()));
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> first,
                               Replay(seen, kMethod, req.request_id(), fingerprint));
    if (!first.has_value()) return std::nullopt;
    return Must<v1::Evaluation>(tx, Kind::kEvaluation, *first);
  };
  std::optional<v1::Evaluation> earlier;
  PARITRANA_RETURN_IF_ERROR(store_.Read([&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(earlier, replay(tx));
    return absl::OkStatus();
  }));
  if (earlier.has_value()) return *earlier;

  {
    absl::MutexLock lock(&running_mu_);
    if (!running_.insert(req.name()).second) {
      return WithReason(absl::AbortedError(absl::StrCat(
                            "another evaluation of ", req.name(),
                            " is running; evaluations of one cycle are serialized, retry later")),
                        "EVALUATION_RUNNING", {{"cycle", req.name()}});
    }
  }
  struct Release {
    Award* self;
    std::string cycle;
    ~Release() {
      absl::MutexLock lock(&self->running_mu_);
      self->running_.erase(cycle);
    }
  } release{this, req.name()};

  CycleSnapshot snapshot;
  PARITRANA_RETURN_IF_ERROR(store_.Read([&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(snapshot, ReadSnapshot(tx, req.name(), today_()));
    return absl::OkStatus();
  }));

  const absl::Time started = absl::Now();
  PARITRANA_ASSIGN_OR_RETURN(std::vector<v1::CategoryResult> results,
                             EvaluateSnapshot(snapshot, directory_, coverage_));

  v1::Evaluation evaluation;
  evaluation.set_state(v1::Evaluation::STATE_DRAFT);
  *evaluation.mutable_rubric_versions() = snapshot.cycle.rubric_versions();
  *evaluation.mutable_assessment_period() = snapshot.cycle.assessment_period();
  *evaluation.mutable_evaluate_time() = Now();
  evaluation.set_evaluated_by(caller.id);
  for (auto& r : results) *evaluation.add_results() = std::move(r);

  PARITRANA_RETURN_IF_ERROR(Write([&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(earlier, replay(tx));
    if (earlier.has_value()) {
      evaluation = *earlier;
      return absl::OkStatus();
    }
    PARITRANA_ASSIGN_OR_RETURN(v1::AwardCycle cycle,
                               Must<v1::AwardCycle>(tx, Kind::kCycle, req.name()));
    if (cycle.state() == v1::AwardCycle::STATE_PUBLISHED) return CyclePublished(cycle.name());
    PARITRANA_ASSIGN_OR_RETURN(int64_t number, tx.NextId(absl::StrCat(req.name(), "/evaluations")));
    evaluation.set_name(absl::StrCat(req.name(), "/evaluations/", number));
    PARITRANA_RETURN_IF_ERROR(tx.Insert(RecordOf(evaluation, req.name(), number)));
    if (cycle.state() != v1::AwardCycle::STATE_EVALUATED) {
      cycle.set_state(v1::AwardCycle::STATE_EVALUATED);
      *cycle.mutable_update_time() = evaluation.evaluate_time();
      PARITRANA_RETURN_IF_ERROR(tx.Update(RecordOf(cycle)));
    }
    if (req.request_id().empty()) return absl::OkStatus();
    return tx.PutRequest(kMethod, req.request_id(), {fingerprint, evaluation.name(), absl::Now()});
  }));
  log::Info("cycle evaluated", {{"evaluation", evaluation.name()},
                                {"candidates", snapshot.candidates.size()},
                                {"millis", absl::ToInt64Milliseconds(absl::Now() - started)}});
  return evaluation;
}

absl::StatusOr<v1::Evaluation> Award::GetEvaluation(const v1::GetEvaluationRequest& req,
                                                    const Principal& caller) {
  PARITRANA_RETURN_IF_ERROR(ParseEvaluationName(req.name(), "name").status());
  PARITRANA_RETURN_IF_ERROR(CheckView(req.view()));
  PARITRANA_ASSIGN_OR_RETURN(v1::Evaluation e,
                             ReadOne<v1::Evaluation>(store_, Kind::kEvaluation, req.name()));
  if (e.state() != v1::Evaluation::STATE_PUBLISHED && !caller.admin && !caller.assessor) {
    return NotFound(req.name());  // a DRAFT is invisible to other roles
  }
  ApplyView(e,
            req.view() == v1::EVALUATION_VIEW_UNSPECIFIED ? v1::EVALUATION_VIEW_FULL : req.view());
  return e;
}

absl::StatusOr<v1::ListEvaluationsResponse> Award::ListEvaluations(
    const v1::ListEvaluationsRequest& req, const Principal& caller) {
  PARITRANA_RETURN_IF_ERROR(ParseCycleName(req.parent(), "parent"));
  PARITRANA_RETURN_IF_ERROR(CheckView(req.view()));
  PARITRANA_RETURN_IF_ERROR(ReadOne<v1::AwardCycle>(store_, Kind::kCycle, req.parent()).status());
  const bool drafts = caller.admin || caller.assessor;
  ListQuery q;
  q.kind = Kind::kEvaluation;
  q.parent = req.parent();
  if (!drafts) q.state = v1::Evaluation::STATE_PUBLISHED;
  const v1::EvaluationView view =
      req.view() == v1::EVALUATION_VIEW_UNSPECIFIED ? v1::EVALUATION_VIEW_BASIC : req.view();
  v1::ListEvaluationsResponse resp;
  const std::function<void(v1::Evaluation&)> shape = [&](v1::Evaluation& e) { ApplyView(e, view); };
  absl::StatusOr<std::string> token =
      ListPage(store_, req, q, drafts ? "d" : "p", resp.mutable_evaluations(), shape);
  if (!token.ok()) return token.status();
  resp.set_next_page_token(*token);
  return resp;
}

absl::StatusOr<v1::Evaluation> Award::PublishEvaluation(const v1::PublishEvaluationRequest& req,
                                                        const Principal& caller) {
  PARITRANA_ASSIGN_OR_RETURN(EvaluationName en, ParseEvaluationName(req.name(), "name"));
  v1::Evaluation out;
  PARITRANA_RETURN_IF_ERROR(Write([&](AwardTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(out, Must<v1::Evaluation>(tx, Kind::kEvaluation, req.name()));
    PARITRANA_ASSIGN_OR_RETURN(v1::AwardCycle cycle,
                               Must<v1::AwardCycle>(tx, Kind::kCycle, en.cycle));
    if (cycle.state() == v1::AwardCycle::STATE_PUBLISHED) {
      if (cycle.published_evaluation() == out.name()) return absl::OkStatus();  // idempotent
      return Precondition(
          "CYCLE_PUBLISHED",
          absl::StrCat(cycle.name(), " already published ", cycle.published_evaluation()),
          {{"cycle", cycle.name()}});
    }
    ListQuery newest;
    newest.kind = Kind::kEvaluation;
    newest.parent = cycle.name();
    newest.limit = 1;
    PARITRANA_ASSIGN_OR_RETURN(std::vector<Record> latest, tx.List(newest));
    if (latest.empty() || latest.front().name != out.name()) {
      return Precondition(
          "EVALUATION_NOT_LATEST",
          absl::StrCat(out.name(), " is not the latest evaluation of ", cycle.name(), " (",
                       latest.empty() ? "none" : latest.front().name, "); publish the latest"),
          {{"latest", latest.empty() ? "" : latest.front().name}});
    }
    out.set_state(v1::Evaluation::STATE_PUBLISHED);
    *out.mutable_publish_time() = Now();
    out.set_published_by(caller.id);
    PARITRANA_RETURN_IF_ERROR(tx.Update(RecordOf(out, cycle.name(), en.number)));
    cycle.set_state(v1::AwardCycle::STATE_PUBLISHED);
    cycle.set_published_evaluation(out.name());
    *cycle.mutable_update_time() = out.publish_time();
    return tx.Update(RecordOf(cycle));
  }));
  ApplyView(out, v1::EVALUATION_VIEW_BASIC);
  return out;
}

}  // namespace paritrana::award
