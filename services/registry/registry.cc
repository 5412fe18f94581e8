#include "services/registry/registry.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/pagination.h"
#include "api/request_id.h"
#include "api/resource_errors.h"
#include "api/update_mask.h"
#include "google/protobuf/util/time_util.h"
#include "platform/errors.h"
#include "platform/log.h"
#include "region/national_catalog.h"
#include "region/region_catalog.h"
#include "region/validation.h"
#include "security/audit.h"
#include "security/call_context.h"
#include "services/registry/active_counts.h"
#include "services/registry/baselines.h"
#include "services/registry/resource_rules.h"
#include "services/registry/writer.h"

namespace paritrana::registry {
namespace {

using google::protobuf::FieldMask;

constexpr int kMaxQueryRegions = 1000;
constexpr int kMaxQueryDates = 400;
constexpr int kMaxQueryAnswers = 10000;

// Checks a resource name against `collection/{id}` (and nested patterns) and returns its parts.
// `shape` is the expected parts, "*" for ids; e.g. {"participants", "*", "enrollments", "*"}.
absl::Status CheckRegionName(absl::string_view name, absl::string_view field) {
  if (absl::Status s = ParseRegionName(name).status(); !s.ok()) {
    return InvalidField(field, s.message());
  }
  return absl::OkStatus();
}

// The code of a List method's `region` filter; INVALID_ARGUMENT on `region` when malformed.
absl::StatusOr<std::string> RegionFilter(const std::string& region) {
  absl::StatusOr<RegionCode> code = ParseRegionName(region);
  if (!code.ok()) return InvalidField("region", code.status().message());
  return code->code;
}

// One page of a List query: `fill` parses each stored body into the response.
template <typename Request>
absl::StatusOr<std::string> ListPage(RegistryStore& store, const Request& req, ListQuery query,
                                     const std::function<absl::Status(const std::string&)>& fill) {
  return ReadPage<Request, StoredResource>(
      req, /*salt=*/"",
      [&](const std::string& after, int limit) -> absl::StatusOr<std::vector<StoredResource>> {
        query.after_name = after;
        query.limit = limit;
        std::vector<StoredResource> rows;
        absl::Status s = store.Read([&](RegistryTx& tx) -> absl::Status {
          PARITRANA_ASSIGN_OR_RETURN(rows, tx.List(query));
          return absl::OkStatus();
        });
        // The only argument a store refuses is a resume key that is no name of the kind, which
        // only a forged token can carry.
        if (absl::IsInvalidArgument(s) && !after.empty()) return InvalidPageToken();
        PARITRANA_RETURN_IF_ERROR(s);
        return rows;
      },
      [](const StoredResource& r) { return r.name; },
      [&](const StoredResource& r) { return fill(r.body); });
}

template <typename M>
absl::Status AppendParsed(const std::string& body, google::protobuf::RepeatedPtrField<M>* out) {
  if (!out->Add()->ParseFromString(body))
    return absl::DataLossError("stored record does not parse");
  return absl::OkStatus();
}

// The resource `name` read in `tx`; NOT_FOUND when it does not exist.
template <typename M>
absl::StatusOr<M> ReadIn(RegistryTx& tx, Kind kind, const std::string& name) {
  PARITRANA_ASSIGN_OR_RETURN(std::optional<M> found, Load<M>(tx, kind, name));
  if (!found.has_value()) return NotFound(name);
  return *std::move(found);
}

template <typename M>
absl::StatusOr<M> ReadOne(RegistryStore& store, Kind kind, const std::string& name) {
  std::optional<M> found;
  PARITRANA_RETURN_IF_ERROR(store.Read([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(found, Load<M>(tx, kind, name));
    return absl::OkStatus();
  }));
  if (!found.has_value()) return NotFound(name);
  return *found;
}

}  // namespace

Registry::Registry(RegistryStore& store, const NikVault& vault, GenerationPublisher publisher,
                   std::function<absl::CivilDay()> today)
    : store_(store), vault_(vault), publisher_(std::move(publisher)), today_(std::move(today)) {}

absl::Status Registry::Write(std::function<absl::Status(Writer&)> fn) {
  std::set<std::string> touched;
  const absl::Status written = store_.Write([&](RegistryTx& tx) -> absl::Status {
    Writer writer(tx, vault_, today_());
    PARITRANA_RETURN_IF_ERROR(fn(writer));
    for (const std::string& province : writer.touched_provinces()) {
      PARITRANA_RETURN_IF_ERROR(tx.BumpGeneration(province).status());
    }
    touched = writer.touched_provinces();
    // The audit trail records the write in its own transaction: both or neither are committed.
    // Writes outside any call (start-up, tests of the rules) are the system's and not recorded.
    if (CallScope::Current() == nullptr) return absl::OkStatus();
    AuditEvent event = AuditEventOfCall(absl::OkStatus());
    return tx.AppendAudit(event);
  });
  if (!written.ok() && CallScope::Current() != nullptr) {
    // A failed write left nothing, so its outcome is recorded in a transaction of its own.
    AuditEvent event = AuditEventOfCall(written);
    if (absl::Status s = store_.Write([&](RegistryTx& tx) { return tx.AppendAudit(event); });
        !s.ok()) {
      log::Error("cannot record a failed write in the audit trail",
                 {{"method", event.method}, {"outcome", event.outcome}, {"error", s.ToString()}});
    }
  }
  if (!written.ok()) return written;
  if (!touched.empty() && publisher_) publisher_(touched);
  return absl::OkStatus();
}

absl::Status Registry::CheckNikKey() {
  constexpr absl::string_view kSetting = "nik_key_fingerprint";
  const std::string fingerprint = vault_.Fingerprint();
  const absl::Status wrong_key = WithReason(
      absl::FailedPreconditionError(
          "the NIK key is not the one this database's NIKs were sealed with: start with the "
          "original key file (a new key would accept duplicate NIKs and lose every stored one)"),
      "NIK_KEY_MISMATCH");
  return store_.Write([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> recorded, tx.GetSetting(kSetting));
    if (recorded.has_value()) return *recorded == fingerprint ? absl::OkStatus() : wrong_key;
    // A database from before fingerprints were recorded: one sealed NIK tells whether the key is
    // the one it was sealed with (AES-GCM authentication fails under any other).
    ListQuery q;
    q.kind = Kind::kParticipant;
    q.limit = 1;
    PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> participants, tx.List(q));
    if (!participants.empty()) {
      PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> sealed,
                                 tx.SealedNik(participants[0].name));
      if (sealed.has_value() && !vault_.Open(*sealed).ok()) return wrong_key;
    }
    return tx.PutSetting(kSetting, fingerprint);
  });
}

absl::StatusOr<bool> Registry::BeginImport(const std::string& import_id) {
  {
    absl::MutexLock lock(&imports_mu_);
    if (!running_imports_.emplace(import_id, nullptr).second) return false;
  }
  absl::StatusOr<std::unique_ptr<ImportClaim>> claim = store_.ClaimImport(import_id);
  absl::MutexLock lock(&imports_mu_);
  if (!claim.ok() || *claim == nullptr) {
    running_imports_.erase(import_id);
    if (!claim.ok()) return claim.status();
    return false;
  }
  running_imports_[import_id] = *std::move(claim);
  return true;
}

void Registry::EndImport(const std::string& import_id) {
  absl::MutexLock lock(&imports_mu_);
  running_imports_.erase(import_id);
}

absl::Status Registry::LoadCatalog() {
  return store_.Write([&](RegistryTx& tx) -> absl::Status {
    auto put = [&](const CatalogRegion& c) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(RegionCode code, ParseRegionCode(c.code));
      v1::Region r;
      r.set_name(RegionName(code.code));
      PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                                 tx.Get(Kind::kRegion, r.name()));
      if (stored.has_value()) return absl::OkStatus();
      r.set_code(code.code);
      r.set_display_name(std::string(c.name));
      r.set_level(code.level);
      if (!code.parent.empty()) r.set_parent(RegionName(code.parent));
      r.set_bps_code(std::string(c.bps_code));
      r.set_is_city(code.is_city);
      PARITRANA_RETURN_IF_ERROR(tx.ClaimKey("bps_code", r.bps_code(), r.name()));
      *r.mutable_create_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
      *r.mutable_update_time() = r.create_time();
      return tx.Insert(Kind::kRegion, r.name(), r.parent(), code.code, r.SerializeAsString());
    };
    for (const CatalogRegion& c : Provinces()) PARITRANA_RETURN_IF_ERROR(put(c));
    for (const CatalogRegion& c : CatalogRegencies()) PARITRANA_RETURN_IF_ERROR(put(c));
    return absl::OkStatus();
  });
}

absl::Status Registry::RebuildCounts() {
  constexpr absl::string_view kSetting = "counts_rebuild";
  // The setting says how far the rebuild got, written in the transaction of each page so that a
  // rebuild stopped half-way resumes instead of counting a page twice: "pending" (from the
  // start), "participants:{last}", "employers:{last}", then "done".
  constexpr absl::string_view kParticipantsAfter = "participants:";
  constexpr absl::string_view kEmployersAfter = "employers:";
  std::optional<std::string> state;
  PARITRANA_RETURN_IF_ERROR(store_.Read([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(state, tx.GetSetting(kSetting));
    return absl::OkStatus();
  }));
  if (!state.has_value() || *state == "done") return absl::OkStatus();
  if (*state != "pending" && !absl::StartsWith(*state, kParticipantsAfter) &&
      !absl::StartsWith(*state, kEmployersAfter)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the setting ", kSetting, " holds an unknown state: ", *state));
  }
  // A page of people per transaction: each person's enrollments give their spans and deltas
  // (the employers' worker counts among them).
  ListQuery people;
  people.kind = Kind::kParticipant;
  people.limit = 1000;
  bool more = !absl::StartsWith(*state, kEmployersAfter);
  if (absl::StartsWith(*state, kParticipantsAfter)) {
    people.after_name = state->substr(kParticipantsAfter.size());
  }
  std::string last;
  while (more) {
    PARITRANA_RETURN_IF_ERROR(store_.Write([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> page, tx.List(people));
      for (const StoredResource& person : page) {
        ListQuery q;
        q.kind = Kind::kEnrollment;
        q.parent = person.name;
        q.limit = 10000;
        PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> enrollments, tx.List(q));
        std::vector<EnrollmentSpan> spans;
        for (const StoredResource& r : enrollments) {
          v1::Enrollment e;
          if (!e.ParseFromString(r.body)) return absl::DataLossError("bad enrollment record");
          spans.push_back(SpanOf(e));
          PARITRANA_RETURN_IF_ERROR(tx.PutSpan(spans.back()));
        }
        PARITRANA_RETURN_IF_ERROR(tx.AddDeltas(PersonDeltas({}, spans)));
      }
      more = static_cast<int>(page.size()) == people.limit;
      last = page.empty() ? people.after_name : page.back().name;
      return tx.PutSetting(
          kSetting, more ? absl::StrCat(kParticipantsAfter, last) : std::string(kEmployersAfter));
    }));
    people.after_name = last;  // only once committed: a write may be run again
  }
  // Then the employers: their registrations and their bills (a bill a month each, so a smaller
  // page).
  ListQuery employers;
  employers.kind = Kind::kEmployer;
  employers.limit = 100;
  if (absl::StartsWith(*state, kEmployersAfter)) {
    employers.after_name = state->substr(kEmployersAfter.size());
  }
  more = true;
  while (more) {
    PARITRANA_RETURN_IF_ERROR(store_.Write([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> page, tx.List(employers));
      Writer writer(tx, vault_, today_());
      for (const StoredResource& r : page) {
        v1::Employer e;
        if (!e.ParseFromString(r.body)) return absl::DataLossError("bad employer record");
        PARITRANA_RETURN_IF_ERROR(writer.RecountEmployer(e));
      }
      more = static_cast<int>(page.size()) == employers.limit;
      last = page.empty() ? employers.after_name : page.back().name;
      return tx.PutSetting(kSetting, more ? absl::StrCat(kEmployersAfter, last) : "done");
    }));
    employers.after_name = last;
  }
  return absl::OkStatus();
}

absl::StatusOr<Registry::NationalLoad> Registry::LoadNationalCatalog(const std::string& dir) {
  NationalLoad load;
  PARITRANA_ASSIGN_OR_RETURN(const NationalCatalogInfo info, ReadNationalCatalogInfo(dir));
  load.version = info.version;
  std::optional<std::string> recorded;
  PARITRANA_RETURN_IF_ERROR(store_.Read([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(recorded, tx.GetSetting(kRegionCatalogVersionSetting));
    return absl::OkStatus();
  }));
  if (recorded == info.version) return load;

  PARITRANA_ASSIGN_OR_RETURN(const NationalCatalog catalog, ReadNationalCatalog(dir));
  std::map<absl::string_view, absl::string_view> bps_codes;  // the shipped catalogue's
  for (const CatalogRegion& c : Provinces()) bps_codes[c.code] = c.bps_code;
  for (const CatalogRegion& c : CatalogRegencies()) bps_codes[c.code] = c.bps_code;
  std::set<std::string> touched;
  PARITRANA_RETURN_IF_ERROR(store_.Write([&](RegistryTx& tx) -> absl::Status {
    load.inserted = 0;
    touched.clear();
    const auto now = google::protobuf::util::TimeUtil::GetCurrentTime();
    v1::Region r;
    for (const NationalRegion& region : catalog.regions) {
      const std::string name = RegionName(region.code);
      PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> stored, tx.Get(Kind::kRegion, name));
      if (stored.has_value()) continue;
      PARITRANA_ASSIGN_OR_RETURN(RegionCode code, ParseRegionCode(region.code));
      r.Clear();
      r.set_name(name);
      r.set_code(region.code);
      r.set_display_name(region.name);
      r.set_level(region.level);
      if (!region.parent.empty()) r.set_parent(RegionName(region.parent));
      r.set_is_city(code.is_city);
      if (auto bps = bps_codes.find(region.code); bps != bps_codes.end()) {
        r.set_bps_code(std::string(bps->second));
        PARITRANA_RETURN_IF_ERROR(tx.ClaimKey("bps_code", r.bps_code(), r.name()));
      }
      *r.mutable_create_time() = now;
      *r.mutable_update_time() = now;
      PARITRANA_RETURN_IF_ERROR(
          tx.Insert(Kind::kRegion, r.name(), r.parent(), region.code, r.SerializeAsString()));
      touched.insert(region.code.substr(0, 2));
      ++load.inserted;
    }
    for (const std::string& province : touched) {
      PARITRANA_RETURN_IF_ERROR(tx.BumpGeneration(province).status());
    }
    PARITRANA_RETURN_IF_ERROR(tx.PutSetting(kRegionCatalogVersionSetting, info.version));
    return tx.PutSetting(kRegionCatalogAttributionSetting, info.attribution);
  }));
  if (!touched.empty() && publisher_) publisher_(touched);
  load.loaded = true;
  return load;
}

// Runs a create once per request id (api/request_id.h): a repeat returns what the first one
// created, as it is now. `create` returns the created resource.
template <typename M>
absl::StatusOr<M> Idempotent(Registry& registry, absl::string_view method,
                             const std::string& request_id, const std::string& fingerprint,
                             Kind kind, const std::function<absl::StatusOr<M>(Writer&)>& create) {
  M out;
  PARITRANA_RETURN_IF_ERROR(registry.Write([&](Writer& w) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(
        out, RunOnce<M>(
                 w.tx(), method, request_id, fingerprint,
                 [&](const std::string& name) { return ReadIn<M>(w.tx(), kind, name); },
                 [&] { return create(w); }));
    // The audit trail names what was created (a create's request knows only its parent).
    if (CallContext* call = CallScope::Current()) call->resource = out.name();
    return absl::OkStatus();
  }));
  return out;
}

// ----- Regions -----

absl::StatusOr<v1::Region> Registry::GetRegion(const v1::GetRegionRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckRegionName(req.name(), "name"));
  return ReadOne<v1::Region>(store_, Kind::kRegion, req.name());
}

absl::StatusOr<v1::ListRegionsResponse> Registry::ListRegions(const v1::ListRegionsRequest& req) {
  if (!req.parent().empty()) {
    PARITRANA_RETURN_IF_ERROR(CheckRegionName(req.parent(), "parent"));
    PARITRANA_RETURN_IF_ERROR(ReadOne<v1::Region>(store_, Kind::kRegion, req.parent()).status());
  }
  v1::ListRegionsResponse resp;
  ListQuery q;
  q.kind = Kind::kRegion;
  q.parent = req.parent();  // "" lists the provinces
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, [&](const std::string& body) {
                               return AppendParsed(body, resp.mutable_regions());
                             }));
  return resp;
}

absl::StatusOr<v1::Region> Registry::CreateRegion(const v1::CreateRegionRequest& req) {
  FieldViolations v;
  absl::StatusOr<RegionCode> code = ParseRegionCode(req.region_id());
  v.Check("region_id", code.status());
  CheckRegion(req.region(), "region", v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  v1::Region region = req.region();
  region.set_name(RegionName(code->code));
  return Idempotent<v1::Region>(*this, "CreateRegion", req.request_id(), Fingerprint(req),
                                Kind::kRegion, [&](Writer& w) -> absl::StatusOr<v1::Region> {
                                  PARITRANA_ASSIGN_OR_RETURN(auto written,
                                                             w.PutRegion(region, true));
                                  return written.resource;
                                });
}

absl::StatusOr<v1::Region> Registry::UpdateRegion(const v1::UpdateRegionRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckRegionName(req.region().name(), "region.name"));
  PARITRANA_ASSIGN_OR_RETURN(const FieldMask mask,
                             ExpandUpdateMask(req.update_mask(), {"display_name", "bps_code"}));
  v1::Region out;
  PARITRANA_RETURN_IF_ERROR(Write([&](Writer& w) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Region> before,
                               Load<v1::Region>(w.tx(), Kind::kRegion, req.region().name()));
    PARITRANA_ASSIGN_OR_RETURN(out,
                               w.Patch(Kind::kRegion, req.region().name(), req.region(), mask));
    FieldViolations v;
    CheckRegion(out, "region", v);
    PARITRANA_RETURN_IF_ERROR(v.ToStatus());
    PARITRANA_RETURN_IF_ERROR(w.ClaimBpsCode(&*before, out, "region.bps_code"));
    return w.Replace(Kind::kRegion, out, out.name());
  }));
  return out;
}

// ----- Baselines and targets -----

namespace {

// Every stored baseline is given for its region: only QueryAggregates derives (baseline_check.h).
v1::WorkforceBaseline Given(v1::WorkforceBaseline b) {
  b.set_origin(type::v1::DENOMINATOR_ORIGIN_GIVEN);
  return b;
}

}  // namespace

absl::StatusOr<v1::WorkforceBaseline> Registry::CreateWorkforceBaseline(
    const v1::CreateWorkforceBaselineRequest& req) {
  FieldViolations v;
  v.Check("parent", CheckRegionName(req.parent(), "parent"));
  CheckBaseline(req.workforce_baseline(), "workforce_baseline", v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  v1::WorkforceBaseline b = req.workforce_baseline();
  b.set_region(req.parent());
  b.clear_origin();  // output only
  PARITRANA_ASSIGN_OR_RETURN(
      v1::WorkforceBaseline out,
      Idempotent<v1::WorkforceBaseline>(
          *this, "CreateWorkforceBaseline", req.request_id(), Fingerprint(req), Kind::kBaseline,
          [&](Writer& w) -> absl::StatusOr<v1::WorkforceBaseline> {
            PARITRANA_ASSIGN_OR_RETURN(auto written, w.PutBaseline(b, true));
            return written.resource;
          }));
  return Given(std::move(out));
}

absl::StatusOr<v1::WorkforceBaseline> Registry::GetWorkforceBaseline(
    const v1::GetWorkforceBaselineRequest& req) {
  if (req.name().empty()) return InvalidField("name", "is required");
  PARITRANA_ASSIGN_OR_RETURN(v1::WorkforceBaseline b,
                             ReadOne<v1::WorkforceBaseline>(store_, Kind::kBaseline, req.name()));
  return Given(std::move(b));
}

absl::StatusOr<v1::ListWorkforceBaselinesResponse> Registry::ListWorkforceBaselines(
    const v1::ListWorkforceBaselinesRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckRegionName(req.parent(), "parent"));
  if (req.year() != 0 && (req.year() < 2000 || req.year() > 2100)) {
    return InvalidField("year", "must be 0 (any) or a year from 2000 to 2100");
  }
  v1::ListWorkforceBaselinesResponse resp;
  ListQuery q;
  q.kind = Kind::kBaseline;
  q.parent = req.parent();
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, [&](const std::string& body) -> absl::Status {
                               v1::WorkforceBaseline b;
                               if (!b.ParseFromString(body))
                                 return absl::DataLossError("bad record");
                               if (req.year() == 0 || b.year() == req.year()) {
                                 *resp.add_workforce_baselines() = Given(std::move(b));
                               }
                               return absl::OkStatus();
                             }));
  return resp;
}

absl::StatusOr<v1::WorkforceBaseline> Registry::UpdateWorkforceBaseline(
    const v1::UpdateWorkforceBaselineRequest& req) {
  PARITRANA_ASSIGN_OR_RETURN(
      const FieldMask mask,
      ExpandUpdateMask(req.update_mask(), {"source_note", "potential_workers", "segment_workers",
                                           "formal_workers", "informal_workers"}));
  v1::WorkforceBaseline out;
  PARITRANA_RETURN_IF_ERROR(Write([&](Writer& w) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(out, w.Patch(Kind::kBaseline, req.workforce_baseline().name(),
                                            req.workforce_baseline(), mask));
    FieldViolations v;
    CheckBaseline(out, "workforce_baseline", v);
    PARITRANA_RETURN_IF_ERROR(v.ToStatus());
    return w.Replace(Kind::kBaseline, out, out.region());
  }));
  return Given(std::move(out));
}

absl::StatusOr<v1::CoverageTarget> Registry::CreateCoverageTarget(
    const v1::CreateCoverageTargetRequest& req) {
  FieldViolations v;
  v.Check("parent", CheckRegionName(req.parent(), "parent"));
  CheckTarget(req.coverage_target(), "coverage_target", v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  v1::CoverageTarget t = req.coverage_target();
  t.set_region(req.parent());
  return Idempotent<v1::CoverageTarget>(
      *this, "CreateCoverageTarget", req.request_id(), Fingerprint(req), Kind::kTarget,
      [&](Writer& w) -> absl::StatusOr<v1::CoverageTarget> {
        PARITRANA_ASSIGN_OR_RETURN(auto written, w.PutTarget(t, true));
        return written.resource;
      });
}

absl::StatusOr<v1::CoverageTarget> Registry::GetCoverageTarget(
    const v1::GetCoverageTargetRequest& req) {
  if (req.name().empty()) return InvalidField("name", "is required");
  return ReadOne<v1::CoverageTarget>(store_, Kind::kTarget, req.name());
}

absl::StatusOr<v1::ListCoverageTargetsResponse> Registry::ListCoverageTargets(
    const v1::ListCoverageTargetsRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckRegionName(req.parent(), "parent"));
  v1::ListCoverageTargetsResponse resp;
  ListQuery q;
  q.kind = Kind::kTarget;
  q.parent = req.parent();
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, [&](const std::string& body) {
                               return AppendParsed(body, resp.mutable_coverage_targets());
                             }));
  return resp;
}

absl::StatusOr<v1::CoverageTarget> Registry::UpdateCoverageTarget(
    const v1::UpdateCoverageTargetRequest& req) {
  PARITRANA_ASSIGN_OR_RETURN(
      const FieldMask mask,
      ExpandUpdateMask(req.update_mask(),
                       {"target_ratio_percent", "denominator_source", "segment_targets", "note"}));
  v1::CoverageTarget out;
  PARITRANA_RETURN_IF_ERROR(Write([&](Writer& w) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(
        out, w.Patch(Kind::kTarget, req.coverage_target().name(), req.coverage_target(), mask));
    FieldViolations v;
    CheckTarget(out, "coverage_target", v);
    PARITRANA_RETURN_IF_ERROR(v.ToStatus());
    return w.Replace(Kind::kTarget, out, out.region());
  }));
  return out;
}

// ----- Employers -----

absl::StatusOr<v1::Employer> Registry::CreateEmployer(const v1::CreateEmployerRequest& req) {
  FieldViolations v;
  v.Check("employer_id", CheckNpp(req.employer_id()));
  CheckEmployer(req.employer(), "employer", today(), v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  v1::Employer e = req.employer();
  e.set_name(absl::StrCat("employers/", req.employer_id()));
  return Idempotent<v1::Employer>(
      *this, "CreateEmployer", req.request_id(), Fingerprint(req), Kind::kEmployer,
      [&](Writer& w) -> absl::StatusOr<v1::Employer> {
        PARITRANA_ASSIGN_OR_RETURN(auto written, w.PutEmployer(e, Writer::EmployerWrite::kCreate));
        return written.resource;
      });
}

absl::StatusOr<v1::Employer> Registry::GetEmployer(const v1::GetEmployerRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckEmployerName(req.name(), "name"));
  return ReadOne<v1::Employer>(store_, Kind::kEmployer, req.name());
}

absl::StatusOr<v1::ListEmployersResponse> Registry::ListEmployers(
    const v1::ListEmployersRequest& req) {
  ListQuery q;
  q.kind = Kind::kEmployer;
  if (!req.region().empty()) {
    PARITRANA_ASSIGN_OR_RETURN(q.region, RegionFilter(req.region()));
  }
  v1::ListEmployersResponse resp;
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, [&](const std::string& body) {
                               return AppendParsed(body, resp.mutable_employers());
                             }));
  return resp;
}

absl::StatusOr<v1::Employer> Registry::UpdateEmployer(const v1::UpdateEmployerRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckEmployerName(req.employer().name(), "employer.name"));
  PARITRANA_ASSIGN_OR_RETURN(
      const FieldMask mask,
      ExpandUpdateMask(req.update_mask(),
                       {"display_name", "size_class", "sector", "region", "worker_count_declared",
                        "registration_date", "worker_count_date"}));
  v1::Employer out;
  PARITRANA_RETURN_IF_ERROR(Write([&](Writer& w) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(
        out, w.Patch(Kind::kEmployer, req.employer().name(), req.employer(), mask));
    FieldViolations v;
    CheckEmployer(out, "employer", today(), v);
    // Every stored employer has its day; worker_count_date may be cleared (unknown).
    if (!out.has_registration_date()) {
      v.Add("employer.registration_date", "cannot be cleared: every employer has one");
    }
    PARITRANA_RETURN_IF_ERROR(v.ToStatus());
    PARITRANA_ASSIGN_OR_RETURN(auto written, w.PutEmployer(out, Writer::EmployerWrite::kUpdate));
    out = written.resource;
    return absl::OkStatus();
  }));
  return out;
}

// ----- Participants -----

namespace {

// Fills or clears the NIK by the caller's right.
absl::Status Reveal(RegistryTx& tx, const NikVault& vault, bool pii, v1::Participant& p) {
  p.clear_nik();
  // An erased participant has no NIK left to show (ErasePersonalData).
  if (!pii || p.has_erase_time()) return absl::OkStatus();
  // A NIK is shown only within the caller's region scope, by the person's domicile.
  PARITRANA_RETURN_IF_ERROR(CheckCallerRegion(p.domicile_region()));
  PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> sealed, tx.SealedNik(p.name()));
  if (!sealed.has_value()) return absl::DataLossError("participant has no NIK record");
  PARITRANA_ASSIGN_OR_RETURN(*p.mutable_nik(), vault.Open(*sealed));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Participant> Registry::CreateParticipant(const v1::CreateParticipantRequest& req,
                                                            bool pii) {
  FieldViolations v;
  v.Check("participant_id", CheckKpj(req.participant_id()));
  CheckParticipant(req.participant(), "participant", today(), v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  v1::Participant p = req.participant();
  p.set_name(absl::StrCat("participants/", req.participant_id()));
  // The remembered fingerprint must not make a NIK recoverable from a dump: use its keyed hash.
  v1::CreateParticipantRequest shape = req;
  shape.mutable_participant()->set_nik(vault_.LookupHash(p.nik()));
  PARITRANA_ASSIGN_OR_RETURN(
      v1::Participant out,
      Idempotent<v1::Participant>(
          *this, "CreateParticipant", req.request_id(), Fingerprint(shape), Kind::kParticipant,
          [&](Writer& w) -> absl::StatusOr<v1::Participant> {
            PARITRANA_ASSIGN_OR_RETURN(auto written, w.PutParticipant(p, true));
            return written.resource;
          }));
  if (pii) out.set_nik(p.nik());
  return out;
}

absl::StatusOr<v1::Participant> Registry::GetParticipant(const v1::GetParticipantRequest& req,
                                                         bool pii) {
  PARITRANA_RETURN_IF_ERROR(CheckParticipantName(req.name(), "name"));
  v1::Participant out;
  PARITRANA_RETURN_IF_ERROR(store_.Read([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Participant> p,
                               Load<v1::Participant>(tx, Kind::kParticipant, req.name()));
    if (!p.has_value()) return NotFound(req.name());
    out = *p;
    return Reveal(tx, vault_, pii, out);
  }));
  return out;
}

absl::StatusOr<v1::ListParticipantsResponse> Registry::ListParticipants(
    const v1::ListParticipantsRequest& req, bool pii) {
  ListQuery q;
  q.kind = Kind::kParticipant;
  if (!req.region().empty()) {
    PARITRANA_ASSIGN_OR_RETURN(q.region, RegionFilter(req.region()));
  }
  v1::ListParticipantsResponse resp;
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, [&](const std::string& body) {
                               return AppendParsed(body, resp.mutable_participants());
                             }));
  if (pii) {
    PARITRANA_RETURN_IF_ERROR(store_.Read([&](RegistryTx& tx) -> absl::Status {
      for (auto& p : *resp.mutable_participants())
        PARITRANA_RETURN_IF_ERROR(Reveal(tx, vault_, true, p));
      return absl::OkStatus();
    }));
  }
  return resp;
}

absl::StatusOr<v1::Participant> Registry::UpdateParticipant(const v1::UpdateParticipantRequest& req,
                                                            bool pii) {
  PARITRANA_RETURN_IF_ERROR(CheckParticipantName(req.participant().name(), "participant.name"));
  PARITRANA_ASSIGN_OR_RETURN(
      const FieldMask mask,
      ExpandUpdateMask(req.update_mask(), {"display_name", "domicile_region"}));
  v1::Participant out;
  PARITRANA_RETURN_IF_ERROR(Write([&](Writer& w) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(
        out, w.Patch(Kind::kParticipant, req.participant().name(), req.participant(), mask));
    if (out.has_erase_time()) return ParticipantErased(out.name(), "participant.name");
    FieldViolations v;
    if (out.display_name().empty() || out.display_name().size() > 200) {
      v.Add("participant.display_name", "must be 1 to 200 characters");
    }
    v.Check("participant.domicile_region",
            CheckRegionName(out.domicile_region(), "participant.domicile_region"));
    PARITRANA_RETURN_IF_ERROR(v.ToStatus());
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> region,
                               w.tx().Get(Kind::kRegion, out.domicile_region()));
    if (!region.has_value()) {
      return NotFound(out.domicile_region(), "participant.domicile_region",
                      absl::StrCat(out.domicile_region(), " does not exist"));
    }
    PARITRANA_RETURN_IF_ERROR(w.Replace(Kind::kParticipant, out, ""));
    return Reveal(w.tx(), vault_, pii, out);
  }));
  return out;
}

absl::StatusOr<v1::Participant> Registry::FindParticipantByNik(
    const v1::FindParticipantByNikRequest& req) {
  bool digits = req.nik().size() == 16;
  for (char c : req.nik()) digits = digits && c >= '0' && c <= '9';
  if (!digits) return InvalidField("nik", "must be exactly 16 digits");
  v1::Participant out;
  PARITRANA_RETURN_IF_ERROR(store_.Read([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> name,
                               tx.ParticipantByNikHash(vault_.LookupHash(req.nik())));
    if (!name.has_value()) {
      // No resource name to report (the NIK is personal data): the field alone.
      return FieldError(absl::StatusCode::kNotFound, "NOT_FOUND", "nik",
                        "no participant has this NIK");
    }
    PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Participant> p,
                               Load<v1::Participant>(tx, Kind::kParticipant, *name));
    if (!p.has_value()) return absl::DataLossError("NIK index names a missing participant");
    PARITRANA_RETURN_IF_ERROR(CheckCallerRegion(p->domicile_region()));
    out = *p;
    out.set_nik(req.nik());
    return absl::OkStatus();
  }));
  return out;
}

// ----- Enrollments and contributions -----

absl::StatusOr<v1::Enrollment> Registry::CreateEnrollment(const v1::CreateEnrollmentRequest& req) {
  FieldViolations v;
  v.Check("parent", CheckParticipantName(req.parent(), "parent"));
  CheckEnrollment(req.enrollment(), "enrollment", v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  return Idempotent<v1::Enrollment>(
      *this, "CreateEnrollment", req.request_id(), Fingerprint(req), Kind::kEnrollment,
      [&](Writer& w) -> absl::StatusOr<v1::Enrollment> {
        PARITRANA_ASSIGN_OR_RETURN(auto written,
                                   w.PutEnrollment(req.parent(), req.enrollment(), true));
        return written.resource;
      });
}

absl::StatusOr<v1::Enrollment> Registry::GetEnrollment(const v1::GetEnrollmentRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckEnrollmentName(req.name(), "name"));
  return ReadOne<v1::Enrollment>(store_, Kind::kEnrollment, req.name());
}

absl::StatusOr<v1::ListEnrollmentsResponse> Registry::ListEnrollments(
    const v1::ListEnrollmentsRequest& req) {
  ListQuery q;
  q.kind = Kind::kEnrollment;
  if (req.parent() != "participants/-") {
    PARITRANA_RETURN_IF_ERROR(CheckParticipantName(req.parent(), "parent"));
    q.parent = req.parent();
  }
  if (!req.region().empty()) {
    PARITRANA_ASSIGN_OR_RETURN(q.region, RegionFilter(req.region()));
  }
  v1::ListEnrollmentsResponse resp;
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, [&](const std::string& body) {
                               return AppendParsed(body, resp.mutable_enrollments());
                             }));
  return resp;
}

absl::StatusOr<v1::Enrollment> Registry::TerminateEnrollment(
    const v1::TerminateEnrollmentRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckEnrollmentName(req.name(), "name"));
  absl::StatusOr<absl::CivilDay> end = ToCivilDay(req.end_date());
  if (!req.has_end_date()) return InvalidField("end_date", "is required");
  if (!end.ok()) return InvalidField("end_date", end.status().message());
  if (end->year() < 2000 || end->year() > 2100) {
    return InvalidField("end_date", "must be a date from year 2000 to 2100");
  }
  v1::Enrollment out;
  PARITRANA_RETURN_IF_ERROR(Write([&](Writer& w) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(auto written, w.Terminate(req.name(), *end));
    out = written.resource;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Contribution> Registry::CreateContribution(
    const v1::CreateContributionRequest& req) {
  FieldViolations v;
  v.Check("parent", CheckEnrollmentName(req.parent(), "parent"));
  CheckContribution(req.contribution(), "contribution", v);
  CheckRequestId(req.request_id(), v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  return Idempotent<v1::Contribution>(
      *this, "CreateContribution", req.request_id(), Fingerprint(req), Kind::kContribution,
      [&](Writer& w) -> absl::StatusOr<v1::Contribution> {
        PARITRANA_ASSIGN_OR_RETURN(auto written,
                                   w.AddContribution(req.parent(), req.contribution(), false));
        return written.resource;
      });
}

absl::StatusOr<v1::Contribution> Registry::GetContribution(const v1::GetContributionRequest& req) {
  if (req.name().empty()) return InvalidField("name", "is required");
  return ReadOne<v1::Contribution>(store_, Kind::kContribution, req.name());
}

absl::StatusOr<v1::ListContributionsResponse> Registry::ListContributions(
    const v1::ListContributionsRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckEnrollmentName(req.parent(), "parent"));
  ListQuery q;
  q.kind = Kind::kContribution;
  q.parent = req.parent();
  v1::ListContributionsResponse resp;
  PARITRANA_ASSIGN_OR_RETURN(*resp.mutable_next_page_token(),
                             ListPage(store_, req, q, [&](const std::string& body) {
                               return AppendParsed(body, resp.mutable_contributions());
                             }));
  return resp;
}

// ----- Aggregates -----

namespace {

constexpr int kMaxTargetYears = 10;

// The distinct days a QueryAggregates request asks, once every field is checked.
absl::StatusOr<std::set<absl::CivilDay>> CheckAggregatesQuery(
    const v1::QueryAggregatesRequest& req) {
  FieldViolations v;
  if (req.regions_size() == 0 || req.regions_size() > kMaxQueryRegions) {
    v.Add("regions", absl::StrCat("must list 1 to ", kMaxQueryRegions, " regions"));
  }
  for (int i = 0; i < req.regions_size(); ++i) {
    v.Check(absl::StrCat("regions[", i, "]"), ParseRegionName(req.regions(i)).status());
  }
  std::set<absl::CivilDay> days;
  if (req.dates_size() == 0 || req.dates_size() > kMaxQueryDates) {
    v.Add("dates", absl::StrCat("must list 1 to ", kMaxQueryDates, " dates"));
  }
  for (int i = 0; i < req.dates_size(); ++i) {
    absl::StatusOr<absl::CivilDay> d = ToCivilDay(req.dates(i));
    const std::string field = absl::StrCat("dates[", i, "]");
    if (!v.Check(field, d.status())) continue;
    if (d->year() < 2000 || d->year() > 2100) {
      v.Add(field, "must be a date from year 2000 to 2100");
      continue;
    }
    days.insert(*d);
  }
  if (req.target_years_size() > kMaxTargetYears) {
    v.Add("target_years", absl::StrCat("must list at most ", kMaxTargetYears, " years"));
  }
  for (int i = 0; i < req.target_years_size(); ++i) {
    if (req.target_years(i) < 2000 || req.target_years(i) > 2100) {
      v.Add(absl::StrCat("target_years[", i, "]"), "must be a year from 2000 to 2100");
    }
  }
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  return days;
}

// The regions asked (and their children when asked), by code so the answer is sorted by code.
absl::StatusOr<std::map<std::string, v1::Region>> QueriedRegions(
    RegistryTx& tx, const v1::QueryAggregatesRequest& req) {
  std::map<std::string, v1::Region> regions;
  for (int i = 0; i < req.regions_size(); ++i) {
    PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Region> r,
                               Load<v1::Region>(tx, Kind::kRegion, req.regions(i)));
    if (!r.has_value()) {
      return NotFound(req.regions(i), absl::StrCat("regions[", i, "]"),
                      absl::StrCat(req.regions(i), " does not exist"));
    }
    if (req.include_children()) {
      ListQuery q;
      q.kind = Kind::kRegion;
      q.parent = r->name();
      q.limit = kMaxQueryAnswers + 1;
      PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> children, tx.List(q));
      for (const StoredResource& c : children) {
        v1::Region child;
        if (!child.ParseFromString(c.body)) return absl::DataLossError("bad region record");
        regions[child.code()] = std::move(child);
      }
    }
    regions[r->code()] = std::move(*r);
  }
  return regions;
}

// The active counts of one region on one day, by segment, programme and funding source.
absl::StatusOr<v1::RegionAggregate> AggregateOf(RegistryTx& tx, const v1::Region& region,
                                                absl::CivilDay day) {
  v1::RegionAggregate agg;
  agg.set_region(region.name());
  agg.set_display_name(region.display_name());
  agg.set_level(region.level());
  agg.set_parent(region.parent());
  *agg.mutable_date() = ToProtoDate(day);
  Counts counts;
  if (HasDeltas(region.code())) {
    PARITRANA_ASSIGN_OR_RETURN(std::vector<AggregateCount> profiles,
                               tx.CountActive(region.code(), DayNumber(day)));
    counts = CountsOfProfiles(profiles);
  } else {
    PARITRANA_ASSIGN_OR_RETURN(std::vector<EnrollmentSpan> spans,
                               tx.SpansOn(region.code(), DayNumber(day)));
    counts = CountSpansOn(spans, DayNumber(day));
  }
  std::map<int, v1::SegmentAggregate> segments;
  for (const auto& [key, active] : counts) {
    if (key.segment == 0) {
      agg.set_active_persons(active);
      continue;
    }
    v1::SegmentAggregate& s = segments[key.segment];
    s.set_segment(static_cast<type::v1::Segment>(key.segment));
    if (key.programme != 0) {
      auto* p = s.add_programmes();
      p->set_programme(static_cast<type::v1::Programme>(key.programme));
      p->set_active_persons(active);
    } else if (key.funding != 0) {
      auto* f = s.add_funding();
      f->set_funding_source(static_cast<type::v1::FundingSource>(key.funding));
      f->set_subsidy_scheme(key.scheme);
      f->set_active_persons(active);
    } else {
      s.set_active_persons(active);
    }
  }
  for (auto& [_, s] : segments) *agg.add_segments() = std::move(s);
  return agg;
}

// For each year asked, the region's baseline of that year or the latest earlier one (per source)
// added to `baselines` (by name, so the answer holds each once); the sources it has one of for
// every year go to `given`.
absl::Status AddBaselines(BaselineReader& reader, const v1::Region& region,
                          const std::set<int>& years,
                          std::map<std::string, v1::WorkforceBaseline>& baselines,
                          std::map<int, std::set<int>>& given) {
  PARITRANA_ASSIGN_OR_RETURN(const std::vector<v1::WorkforceBaseline>* all,
                             reader.Of(region.name()));
  for (int year : years) {
    for (int source = 1; source <= 3; ++source) {
      // The rule QueryEmployerFigures applies too (baselines.h).
      const v1::WorkforceBaseline* b =
          BaselineApplying(*all, static_cast<type::v1::DenominatorSource>(source), year);
      if (b == nullptr) continue;
      baselines[b->name()] = *b;
      given[year].insert(source);
    }
  }
  return absl::OkStatus();
}

// The region's targets of `years`, added to `targets` by name.
absl::Status AddTargets(RegistryTx& tx, const v1::Region& region, const std::set<int>& years,
                        std::map<std::string, v1::CoverageTarget>& targets) {
  for (int year : years) {
    PARITRANA_ASSIGN_OR_RETURN(
        std::optional<v1::CoverageTarget> t,
        Load<v1::CoverageTarget>(tx, Kind::kTarget,
                                 absl::StrCat(region.name(), "/targets/", year)));
    if (t.has_value()) targets[t->name()] = *t;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::QueryAggregatesResponse> Registry::QueryAggregates(
    const v1::QueryAggregatesRequest& req) {
  PARITRANA_ASSIGN_OR_RETURN(const std::set<absl::CivilDay> days, CheckAggregatesQuery(req));
  v1::QueryAggregatesResponse resp;
  PARITRANA_RETURN_IF_ERROR(store_.Read([&](RegistryTx& tx) -> absl::Status {
    resp.Clear();  // a backend may run a read again (e.g. after a lost connection)
    PARITRANA_ASSIGN_OR_RETURN(const auto regions, QueriedRegions(tx, req));
    if (regions.size() * days.size() > static_cast<size_t>(kMaxQueryAnswers)) {
      return WithReason(absl::InvalidArgumentError(absl::StrCat(
                            "the answer would hold ", regions.size() * days.size(),
                            " aggregates; at most ", kMaxQueryAnswers, " per call, split it")),
                        "QUERY_TOO_LARGE");
    }
    std::set<int> years;
    for (absl::CivilDay d : days) years.insert(static_cast<int>(d.year()));
    std::set<int> target_years = years;
    target_years.insert(req.target_years().begin(), req.target_years().end());
    BaselineReader reader(tx);
    std::map<std::string, v1::WorkforceBaseline> baselines;
    std::map<std::string, v1::CoverageTarget> targets;
    std::map<std::string, ProvinceChildren> provinces_children;  // by province name
    std::set<std::string> provinces;
    for (const auto& [code, region] : regions) {
      provinces.insert(code.substr(0, 2));
      for (absl::CivilDay day : days) {
        PARITRANA_ASSIGN_OR_RETURN(*resp.add_aggregates(), AggregateOf(tx, region, day));
      }
      std::map<int, std::set<int>> given;  // year -> sources with a baseline applying
      PARITRANA_RETURN_IF_ERROR(AddBaselines(reader, region, years, baselines, given));
      PARITRANA_RETURN_IF_ERROR(AddTargets(tx, region, target_years, targets));
      if (region.level() != type::v1::REGION_LEVEL_PROVINCE) continue;
      // A province without a baseline of a source for a year gets its children's sum.
      PARITRANA_ASSIGN_OR_RETURN(ProvinceChildren children, ChildrenOf(tx, reader, region));
      for (int year : years) {
        for (int source = 1; source <= 3; ++source) {
          if (given[year].contains(source)) continue;
          std::optional<v1::WorkforceBaseline> derived = DeriveProvinceBaseline(
              children, static_cast<type::v1::DenominatorSource>(source), year);
          if (derived.has_value()) baselines[derived->name()] = *std::move(derived);
        }
      }
      provinces_children[region.name()] = std::move(children);
    }
    for (auto& [name, b] : baselines) {
      if (b.origin() == type::v1::DENOMINATOR_ORIGIN_GIVEN) {
        auto p = provinces_children.find(b.region());
        if (p != provinces_children.end()) {
          std::optional<v1::BaselineDisagreement> d =
              CheckProvinceBaseline(b, p->second, baseline_tolerance_percent_);
          if (d.has_value()) *resp.add_baseline_disagreements() = *std::move(d);
        }
      }
      *resp.add_baselines() = std::move(b);
    }
    for (auto& [_, t] : targets) *resp.add_targets() = std::move(t);
    for (const std::string& p : provinces) {
      PARITRANA_ASSIGN_OR_RETURN(int64_t generation, tx.Generation(p));
      (*resp.mutable_province_generations())[RegionName(p)] = generation;
    }
    *resp.mutable_read_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    return absl::OkStatus();
  }));
  return resp;
}

}  // namespace paritrana::registry
