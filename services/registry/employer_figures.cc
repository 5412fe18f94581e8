#include "services/registry/employer_figures.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/pagination.h"
#include "api/resource_errors.h"
#include "google/protobuf/util/time_util.h"
#include "platform/errors.h"
#include "region/eligibility.h"
#include "region/validation.h"
#include "services/registry/active_counts.h"
#include "services/registry/baselines.h"
#include "services/registry/employer_counts.h"
#include "services/registry/resource_rules.h"
#include "services/registry/writer.h"

namespace paritrana::registry {
namespace {

constexpr int kMaxNames = 1000;
// More than the months from 2000-01 to 2100-12, the only months a bill can have.
constexpr int kMaxBillsPerEmployer = 1300;

// A checked request: its period and the names it asks, each once, with its index in the request
// (for NOT_FOUND on `employers[i]` / `regions[i]`).
struct FiguresQuery {
  absl::CivilDay start;
  absl::CivilDay end;
  type::v1::DenominatorSource source = type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL;
  std::map<std::string, int> employers;  // sorted by name, as the answer is
  std::map<std::string, int> regions;
};

// A required date of the period, year 2000 to 2100.
std::optional<absl::CivilDay> PeriodDay(const google::type::Date& date, bool present,
                                        const std::string& field, FieldViolations& v) {
  if (!present) {
    v.Add(field, "is required");
    return std::nullopt;
  }
  absl::StatusOr<absl::CivilDay> day = ToCivilDay(date);
  if (!v.Check(field, day.status())) return std::nullopt;
  if (day->year() < 2000 || day->year() > 2100) {
    v.Add(field, "must be a date from year 2000 to 2100");
    return std::nullopt;
  }
  return *day;
}

absl::StatusOr<FiguresQuery> CheckFiguresQuery(const v1::QueryEmployerFiguresRequest& req) {
  FieldViolations v;
  FiguresQuery q;
  if (req.employers_size() > kMaxNames) {
    v.Add("employers", absl::StrCat("must list at most ", kMaxNames, " employers"));
  }
  if (req.regions_size() > kMaxNames) {
    v.Add("regions", absl::StrCat("must list at most ", kMaxNames, " regions"));
  }
  if (req.employers_size() == 0 && req.regions_size() == 0) {
    v.Add("employers", "at least one employer or region is required");
  }
  for (int i = 0; i < req.employers_size(); ++i) {
    const std::string field = absl::StrCat("employers[", i, "]");
    if (absl::Status s = CheckEmployerName(req.employers(i), field); !s.ok()) {
      v.Add(field, "must look like employers/{npp} with an 8-digit NPP");
      continue;
    }
    q.employers.try_emplace(req.employers(i), i);
  }
  for (int i = 0; i < req.regions_size(); ++i) {
    const std::string field = absl::StrCat("regions[", i, "]");
    absl::StatusOr<RegionCode> code = ParseRegionName(req.regions(i));
    if (!v.Check(field, code.status())) continue;
    if (code->level != type::v1::REGION_LEVEL_PROVINCE &&
        code->level != type::v1::REGION_LEVEL_REGENCY) {
      v.Add(field, "must be a province or a regency/city: employer counts are kept for those");
      continue;
    }
    q.regions.try_emplace(req.regions(i), i);
  }
  const std::optional<absl::CivilDay> start =
      PeriodDay(req.start_date(), req.has_start_date(), "start_date", v);
  const std::optional<absl::CivilDay> end =
      PeriodDay(req.end_date(), req.has_end_date(), "end_date", v);
  if (start.has_value() && end.has_value() && *end < *start) {
    v.Add("end_date", "must not be before start_date");
  }
  if (req.has_denominator_source()) {
    if (SourceSlug(req.denominator_source()).empty()) {
      v.Add("denominator_source", "must be a baseline source, or unset for BPJS's potential");
    } else {
      q.source = req.denominator_source();
    }
  }
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  q.start = *start;
  q.end = *end;
  return q;
}

// The programmes the PU segment allows, which a complete worker holds all of.
std::vector<int> PuProgrammes() {
  std::vector<int> out;
  for (int p = type::v1::Programme_MIN; p <= type::v1::Programme_MAX; ++p) {
    const auto programme = static_cast<type::v1::Programme>(p);
    if (type::v1::Programme_IsValid(p) && programme != type::v1::PROGRAMME_UNSPECIFIED &&
        IsEligible(type::v1::SEGMENT_PU, programme)) {
      out.push_back(p);
    }
  }
  return out;
}

absl::StatusOr<v1::EmployerFigures> FiguresOf(RegistryTx& tx, const v1::Employer& employer,
                                              const FiguresQuery& q) {
  v1::EmployerFigures f;
  f.set_employer(employer.name());
  // The employer's own counts: only PU enrollments name an employer, so every key is PU's.
  PARITRANA_ASSIGN_OR_RETURN(std::vector<AggregateCount> at_start,
                             tx.CountActive(employer.name(), DayNumber(q.start)));
  PARITRANA_ASSIGN_OR_RETURN(std::vector<AggregateCount> at_end,
                             tx.CountActive(employer.name(), DayNumber(q.end)));
  const Counts start = CountsOfProfiles(at_start);
  const Counts end = CountsOfProfiles(at_end);
  const CountKey total{0, 0, 0, ""};
  if (auto it = start.find(total); it != start.end()) f.set_active_workers_start(it->second);
  if (auto it = end.find(total); it != end.end()) f.set_active_workers_end(it->second);
  for (const auto& [key, active] : end) {  // sorted by segment, then programme
    if (key.segment != type::v1::SEGMENT_PU || key.programme == 0) continue;
    v1::ProgrammeCount* p = f.add_programmes();
    p->set_programme(static_cast<type::v1::Programme>(key.programme));
    p->set_active_persons(active);
  }
  static const std::vector<int> kComplete = PuProgrammes();
  f.set_complete_programme_workers(CountHolding(at_end, type::v1::SEGMENT_PU, kComplete));
  f.set_reported_headcount(employer.worker_count_declared());
  if (employer.has_worker_count_date()) *f.mutable_headcount_date() = employer.worker_count_date();

  ListQuery bills_query;
  bills_query.kind = Kind::kContributionBill;
  bills_query.parent = employer.name();
  bills_query.limit = kMaxBillsPerEmployer;
  PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> rows, tx.List(bills_query));
  std::vector<v1::ContributionBill> bills(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!bills[i].ParseFromString(rows[i].body)) return absl::DataLossError("bad bill record");
  }
  *f.mutable_bills() = EmployerBillCounts(bills, q.start, q.end);
  // In arrears on end_date: overdue then and not yet paid in full, whatever the bill's month.
  for (const v1::ContributionBill& b : bills) {
    if (DueDay(b) >= q.end || PaidBy(b, q.end)) continue;
    f.set_arrears_months(f.arrears_months() + 1);
    // A bill paid in full after end_date was wholly unpaid on it.
    const int64_t owed =
        b.has_paid_date() ? b.amount_due_rupiah() : b.amount_due_rupiah() - b.amount_paid_rupiah();
    f.set_arrears_rupiah(f.arrears_rupiah() + owed);
  }
  return f;
}

absl::StatusOr<v1::RegionEmployerFigures> FiguresOf(RegistryTx& tx, const v1::Region& region,
                                                    const FiguresQuery& q) {
  v1::RegionEmployerFigures f;
  f.set_region(region.name());
  const std::string key = EmployersKey(region.code());
  PARITRANA_ASSIGN_OR_RETURN(std::vector<AggregateCount> before_start,
                             tx.CountActive(key, DayNumber(q.start) - 1));
  PARITRANA_ASSIGN_OR_RETURN(std::vector<AggregateCount> at_start,
                             tx.CountActive(key, DayNumber(q.start)));
  PARITRANA_ASSIGN_OR_RETURN(std::vector<AggregateCount> at_end,
                             tx.CountActive(key, DayNumber(q.end)));
  f.set_registered_employers_start(RegisteredOf(at_start));
  f.set_registered_employers_end(RegisteredOf(at_end));
  *f.mutable_bills() = RegionBillCounts(before_start, at_end, q.start, q.end);
  BaselineReader reader(tx);
  PARITRANA_ASSIGN_OR_RETURN(
      std::optional<v1::WorkforceBaseline> baseline,
      BaselineFor(tx, reader, region, q.source, static_cast<int>(q.end.year())));
  if (baseline.has_value()) *f.mutable_baseline() = *std::move(baseline);
  return f;
}

}  // namespace

absl::StatusOr<v1::QueryEmployerFiguresResponse> QueryEmployerFigures(
    RegistryStore& store, const v1::QueryEmployerFiguresRequest& req) {
  PARITRANA_ASSIGN_OR_RETURN(const FiguresQuery q, CheckFiguresQuery(req));
  v1::QueryEmployerFiguresResponse resp;
  PARITRANA_RETURN_IF_ERROR(store.Read([&](RegistryTx& tx) -> absl::Status {
    resp.Clear();  // a backend may run a read again (e.g. after a lost connection)
    for (const auto& [name, index] : q.employers) {
      PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Employer> employer,
                                 Load<v1::Employer>(tx, Kind::kEmployer, name));
      if (!employer.has_value()) {
        return NotFound(name, absl::StrCat("employers[", index, "]"),
                        absl::StrCat(name, " does not exist"));
      }
      PARITRANA_ASSIGN_OR_RETURN(*resp.add_employers(), FiguresOf(tx, *employer, q));
    }
    for (const auto& [name, index] : q.regions) {
      PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Region> region,
                                 Load<v1::Region>(tx, Kind::kRegion, name));
      if (!region.has_value()) {
        return NotFound(name, absl::StrCat("regions[", index, "]"),
                        absl::StrCat(name, " does not exist"));
      }
      PARITRANA_ASSIGN_OR_RETURN(*resp.add_regions(), FiguresOf(tx, *region, q));
    }
    *resp.mutable_read_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    return absl::OkStatus();
  }));
  return resp;
}

absl::StatusOr<v1::ListContributionBillsResponse> ListContributionBills(
    RegistryStore& store, const v1::ListContributionBillsRequest& req) {
  PARITRANA_RETURN_IF_ERROR(CheckEmployerName(req.parent(), "parent"));
  v1::ListContributionBillsResponse resp;
  PARITRANA_ASSIGN_OR_RETURN(
      *resp.mutable_next_page_token(),
      (ReadPage<v1::ListContributionBillsRequest, StoredResource>(
          req, /*salt=*/"",
          [&](const std::string& after, int limit) -> absl::StatusOr<std::vector<StoredResource>> {
            std::vector<StoredResource> rows;
            PARITRANA_RETURN_IF_ERROR(store.Read([&](RegistryTx& tx) -> absl::Status {
              // The employer and its bills from one snapshot.
              PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> employer,
                                         tx.Get(Kind::kEmployer, req.parent()));
              if (!employer.has_value()) return NotFound(req.parent());
              ListQuery q;
              q.kind = Kind::kContributionBill;
              q.parent = req.parent();
              q.after_name = after;
              q.limit = limit;
              PARITRANA_ASSIGN_OR_RETURN(rows, tx.List(q));
              return absl::OkStatus();
            }));
            return rows;
          },
          [](const StoredResource& r) { return r.name; },
          [&](const StoredResource& r) -> absl::Status {
            if (!resp.add_bills()->ParseFromString(r.body)) {
              return absl::DataLossError("stored record does not parse");
            }
            return absl::OkStatus();
          })));
  return resp;
}

}  // namespace paritrana::registry
