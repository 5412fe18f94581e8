#include "services/coverage/coverage.h"

#include <optional>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/pagination.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "services/coverage/coverage_calculator.h"

namespace paritrana::coverage {
namespace {

using registry::v1::QueryAggregatesRequest;
using registry::v1::QueryAggregatesResponse;

constexpr int kMaxBatchRegions = 100;
constexpr int kMaxTrendMonths = 120;

std::string Province(const std::string& region) { return region.substr(8, 2); }

void CheckRegion(const std::string& name, const std::string& field, FieldViolations& v) {
  if (name.empty()) {
    v.Add(field, "is required, e.g. regions/15.08");
  } else {
    v.Check(field, ParseRegionName(name).status());
  }
}

// The day asked about: the given date, or today in Asia/Jakarta; from 2000 up to today.
std::optional<absl::CivilDay> ResolveDate(bool has_date, const google::type::Date& date,
                                          absl::CivilDay today, const std::string& field,
                                          FieldViolations& v) {
  if (!has_date) return today;
  absl::StatusOr<absl::CivilDay> d = ToCivilDay(date);
  if (!v.Check(field, d.status())) return std::nullopt;
  if (*d < absl::CivilDay(2000, 1, 1) || *d > today) {
    v.Add(field, "must be between 2000-01-01 and today (Asia/Jakarta)");
    return std::nullopt;
  }
  return *d;
}

template <typename Req>
Lens LensOf(const Req& req, FieldViolations& v) {
  Lens lens;
  if (req.has_segment()) {
    if (req.segment() == type::v1::SEGMENT_UNSPECIFIED ||
        !type::v1::Segment_IsValid(req.segment())) {
      v.Add("segment", "when set, must be PU, BPU, JAKON or PMI");
    } else {
      lens.segment = req.segment();
    }
  }
  if (req.has_denominator_source()) {
    if (req.denominator_source() == type::v1::DENOMINATOR_SOURCE_UNSPECIFIED ||
        !type::v1::DenominatorSource_IsValid(req.denominator_source())) {
      v.Add("denominator_source", "when set, must not be DENOMINATOR_SOURCE_UNSPECIFIED");
    } else {
      lens.source = req.denominator_source();
    }
  }
  return lens;
}

// The year of the target asked for: 0 means the year of `day`; otherwise 2000 to 2100.
int ResolveTargetYear(int32_t requested, const std::optional<absl::CivilDay>& day,
                      FieldViolations& v) {
  if (requested == 0) return day.has_value() ? static_cast<int>(day->year()) : 0;
  if (requested < 2000 || requested > 2100) {
    v.Add("target_year", "when set, must be a year from 2000 to 2100");
    return 0;
  }
  return requested;
}

QueryAggregatesRequest Query(std::initializer_list<std::string> regions,
                             std::initializer_list<absl::CivilDay> days, bool children = false) {
  QueryAggregatesRequest q;
  for (const std::string& r : regions) q.add_regions(r);
  for (absl::CivilDay d : days) *q.add_dates() = ToProtoDate(d);
  q.set_include_children(children);
  return q;
}

// A cache question: the method and the request as answered (with the resolved date), under a
// version of what answers hold. Bump kAnswerVersion when an answer gains content for the same
// request (v2: target years, denominator origin and disagreements), so that answers cached by an
// older release are never served as current ones.
constexpr absl::string_view kAnswerVersion = "v2";
std::string Question(absl::string_view method, const google::protobuf::Message& normalized) {
  return absl::StrCat(kAnswerVersion, ":", method, ":", Fingerprint(normalized).substr(0, 32));
}

// The in-process key of a coverage answer (GetCoverage, and each region of BatchGetCoverage):
// what the answer depends on, resolved, spelt out without serializing a request, since it is
// built on every call, hits included. Every field of GetCoverageRequest is here, as resolved;
// CoverageKeyTest fails when the request gains one, so that it is added here too.
std::string CoverageKey(const std::string& region, absl::CivilDay day, const Lens& lens,
                        int target_year) {
  return absl::StrCat("coverage:", region, ":", day.year() * 10000 + day.month() * 100 + day.day(),
                      ":", lens.segment.has_value() ? static_cast<int>(*lens.segment) : -1, ":",
                      static_cast<int>(lens.source), ":", target_year);
}

// The normalized GetCoverageRequest of a coverage answer, which names it in Redis.
v1::GetCoverageRequest CoverageQuestion(const std::string& region, absl::CivilDay day,
                                        const Lens& lens, bool has_source, int target_year) {
  v1::GetCoverageRequest single;
  single.set_region(region);
  *single.mutable_date() = ToProtoDate(day);
  if (lens.segment) single.set_segment(*lens.segment);
  if (has_source) single.set_denominator_source(lens.source);
  single.set_target_year(target_year);
  return single;
}

template <typename M>
bool ParseSlice(const grpc::Slice& bytes, M& out) {
  return out.ParseFromArray(bytes.begin(), static_cast<int>(bytes.size()));
}

}  // namespace

template <typename M>
absl::StatusOr<Answer<grpc::Slice>> Coverage::Cached(
    absl::string_view province, const std::string& local_key,
    absl::FunctionRef<std::string()> question, absl::FunctionRef<absl::StatusOr<M>()> compute) {
  LocalCache::Ticket ticket;
  if (local_ != nullptr) {
    if (std::optional<grpc::Slice> kept = local_->Get(province, local_key, ticket)) {
      return Answer<grpc::Slice>{*std::move(kept), true};
    }
  }
  const std::string asked = question();
  CoverageCache::Lookup lookup = cache_.Get(province, asked);
  Answer<grpc::Slice> answer;
  // A value from Redis is sent only if it parses: the MAC proves who wrote it, not that this
  // release can read it.
  if (M parsed; lookup.value.has_value() && parsed.ParseFromString(*lookup.value)) {
    answer.value = grpc::Slice(*lookup.value);
    answer.from_cache = true;
  } else {
    PARITRANA_ASSIGN_OR_RETURN(const M computed, compute());
    const std::string bytes = computed.SerializeAsString();
    if (lookup.available) cache_.Put(province, lookup.generation, asked, bytes);
    answer.value = grpc::Slice(bytes);
  }
  if (local_ != nullptr && lookup.available) {
    local_->Put(province, local_key, ticket, answer.value);
  }
  return answer;
}

template <typename M>
absl::StatusOr<Answer<M>> Coverage::CachedMessage(const std::string& region,
                                                  absl::string_view method,
                                                  const google::protobuf::Message& normalized,
                                                  absl::FunctionRef<absl::StatusOr<M>()> compute) {
  PARITRANA_ASSIGN_OR_RETURN(
      Answer<grpc::Slice> bytes,
      Cached<M>(
          Province(region), absl::StrCat(method, ":", SerializeDeterministic(normalized)),
          [&] { return Question(method, normalized); }, compute));
  Answer<M> answer;
  answer.from_cache = bytes.from_cache;
  if (!ParseSlice(bytes.value, answer.value)) {
    return absl::InternalError(absl::StrCat("a cached ", method, " answer does not parse"));
  }
  return answer;
}

absl::StatusOr<Answer<grpc::Slice>> Coverage::GetCoverage(const v1::GetCoverageRequest& req) {
  FieldViolations v;
  CheckRegion(req.region(), "region", v);
  const std::optional<absl::CivilDay> day =
      ResolveDate(req.has_date(), req.date(), today_(), "date", v);
  const Lens lens = LensOf(req, v);
  const int target_year = ResolveTargetYear(req.target_year(), day, v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  // Asked as answered: the date and the target year resolved, so the same question spelt with
  // or without the defaults shares one cache entry, and different target years never do.
  return Cached<v1::RegionCoverage>(
      Province(req.region()), CoverageKey(req.region(), *day, lens, target_year),
      [&] {
        return Question("coverage", CoverageQuestion(req.region(), *day, lens,
                                                     req.has_denominator_source(), target_year));
      },
      [&]() -> absl::StatusOr<v1::RegionCoverage> {
        QueryAggregatesRequest q = Query({req.region()}, {*day});
        q.add_target_years(target_year);
        PARITRANA_ASSIGN_OR_RETURN(QueryAggregatesResponse s, registry_.QueryAggregates(q));
        return CoverageOf(s, req.region(), *day, lens, target_year);
      });
}

absl::StatusOr<Answer<v1::TargetGap>> Coverage::GetTargetGap(const v1::GetTargetGapRequest& req) {
  FieldViolations v;
  CheckRegion(req.region(), "region", v);
  if (req.year() < 2000 || req.year() > 2100) v.Add("year", "must be a year from 2000 to 2100");
  const std::optional<absl::CivilDay> day =
      ResolveDate(req.has_date(), req.date(), today_(), "date", v);
  Lens lens;
  if (req.has_denominator_source()) {
    if (req.denominator_source() == type::v1::DENOMINATOR_SOURCE_UNSPECIFIED) {
      v.Add("denominator_source", "when set, must not be DENOMINATOR_SOURCE_UNSPECIFIED");
    } else {
      lens.source = req.denominator_source();
    }
  }
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  v1::GetTargetGapRequest normalized = req;
  *normalized.mutable_date() = ToProtoDate(*day);
  return CachedMessage<v1::TargetGap>(
      req.region(), "gap", normalized, [&]() -> absl::StatusOr<v1::TargetGap> {
        // The year's last day brings that year's baseline and target along with the counts.
        PARITRANA_ASSIGN_OR_RETURN(
            QueryAggregatesResponse s,
            registry_.QueryAggregates(
                Query({req.region()}, {*day, absl::CivilDay(req.year(), 12, 31)})));
        return TargetGapOf(s, req.region(), req.year(), *day, lens);
      });
}

absl::StatusOr<Answer<v1::RankChildRegionsResponse>> Coverage::RankChildRegions(
    const v1::RankChildRegionsRequest& req) {
  FieldViolations v;
  CheckRegion(req.parent(), "parent", v);
  const std::optional<absl::CivilDay> day =
      ResolveDate(req.has_date(), req.date(), today_(), "date", v);
  const Lens lens = LensOf(req, v);
  if (!v1::RankChildRegionsRequest::OrderBy_IsValid(req.order_by())) v.Add("order_by", "unknown");
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());
  PARITRANA_ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size()));

  // The whole ranking is cached; pages are cut from it, so paging never recomputes.
  v1::RankChildRegionsRequest shape = req;
  *shape.mutable_date() = ToProtoDate(*day);
  shape.clear_page_size();
  shape.clear_page_token();
  // Bound like every List method's token (api/pagination.h): to the method and the other fields,
  // with the date resolved so a token of "today" stays on the day it was issued.
  const std::string fingerprint = PageQuery(shape);
  PARITRANA_ASSIGN_OR_RETURN(const std::string offset_text,
                             DecodePageToken(req.page_token(), fingerprint));
  size_t offset = 0;
  if (!offset_text.empty() && !absl::SimpleAtoi(offset_text, &offset)) {
    return InvalidPageToken();
  }
  PARITRANA_ASSIGN_OR_RETURN(
      Answer<v1::RankChildRegionsResponse> all,
      CachedMessage<v1::RankChildRegionsResponse>(
          req.parent(), "rank", shape, [&]() -> absl::StatusOr<v1::RankChildRegionsResponse> {
            PARITRANA_ASSIGN_OR_RETURN(
                QueryAggregatesResponse s,
                registry_.QueryAggregates(Query({req.parent()}, {*day}, true)));
            v1::RankChildRegionsResponse out;
            for (auto& r : Rank(s, req.parent(), *day, req.order_by(), lens)) {
              *out.add_ranked_regions() = std::move(r);
            }
            auto gen = s.province_generations().find(RegionName(Province(req.parent())));
            if (gen != s.province_generations().end()) out.set_generation(gen->second);
            return out;
          }));
  v1::RankChildRegionsResponse page;
  const size_t total = static_cast<size_t>(all.value.ranked_regions_size());
  for (size_t i = offset; i < total && i < offset + page_size; ++i) {
    *page.add_ranked_regions() = all.value.ranked_regions(static_cast<int>(i));
  }
  if (offset + page_size < total) {
    page.set_next_page_token(EncodePageToken(absl::StrCat(offset + page_size), fingerprint));
  }
  page.set_total_size(static_cast<int32_t>(total));
  *page.mutable_date() = ToProtoDate(*day);
  page.set_generation(all.value.generation());
  return Answer<v1::RankChildRegionsResponse>{std::move(page), all.from_cache};
}

absl::StatusOr<Answer<v1::GetCoverageTrendResponse>> Coverage::GetCoverageTrend(
    const v1::GetCoverageTrendRequest& req) {
  FieldViolations v;
  CheckRegion(req.region(), "region", v);
  const Lens lens = LensOf(req, v);
  const absl::CivilDay today = today_();
  auto month = [&](const v1::YearMonth& ym, const char* field) -> std::optional<absl::CivilMonth> {
    if (ym.month() < 1 || ym.month() > 12 || ym.year() < 2000 ||
        absl::CivilMonth(ym.year(), ym.month()) > absl::CivilMonth(today)) {
      v.Add(field, "must be a month from 2000-01 to the current month");
      return std::nullopt;
    }
    return absl::CivilMonth(ym.year(), ym.month());
  };
  const auto start = month(req.start_month(), "start_month");
  const auto end = month(req.end_month(), "end_month");
  if (start && end && (*end < *start || *end - *start >= kMaxTrendMonths)) {
    v.Add("end_month",
          absl::StrCat("must be from start_month to ", kMaxTrendMonths, " months after it"));
  }
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());

  // Each month is measured on its last day (today for the current month); the month before the
  // start is measured too, for the first point's change.
  std::vector<absl::CivilDay> days;
  for (absl::CivilMonth m = *start - 1; m <= *end; ++m) {
    const absl::CivilDay last = absl::CivilDay(m + 1) - 1;
    days.push_back(std::min(last, today));
  }
  v1::GetCoverageTrendRequest shape = req;
  *shape.mutable_start_month() = req.start_month();
  return CachedMessage<v1::GetCoverageTrendResponse>(
      req.region(), "trend", shape, [&]() -> absl::StatusOr<v1::GetCoverageTrendResponse> {
        QueryAggregatesRequest q;
        q.add_regions(req.region());
        for (absl::CivilDay d : days) *q.add_dates() = ToProtoDate(d);
        PARITRANA_ASSIGN_OR_RETURN(QueryAggregatesResponse s, registry_.QueryAggregates(q));
        v1::GetCoverageTrendResponse out;
        out.set_region(req.region());
        v1::RegionCoverage previous = CoverageOf(s, req.region(), days[0], lens);
        for (size_t i = 1; i < days.size(); ++i) {
          v1::RegionCoverage c = CoverageOf(s, req.region(), days[i], lens);
          auto* p = out.add_points();
          *p->mutable_date() = c.date();
          p->set_active_persons(c.active_persons());
          p->set_potential_workers(c.potential_workers());
          p->set_coverage_ratio_percent(c.coverage_ratio_percent());
          p->set_denominator_year(c.denominator_year());
          p->set_active_persons_change(c.active_persons() - previous.active_persons());
          p->set_change_from_previous_points(c.coverage_ratio_percent() -
                                             previous.coverage_ratio_percent());
          out.set_generation(c.generation());
          previous = std::move(c);
        }
        return out;
      });
}

absl::StatusOr<Answer<v1::BatchGetCoverageResponse>> Coverage::BatchGetCoverage(
    const v1::BatchGetCoverageRequest& req) {
  FieldViolations v;
  if (req.regions_size() == 0 || req.regions_size() > kMaxBatchRegions) {
    v.Add("regions", absl::StrCat("must list 1 to ", kMaxBatchRegions, " regions"));
  }
  for (int i = 0; i < req.regions_size(); ++i) {
    CheckRegion(req.regions(i), absl::StrCat("regions[", i, "]"), v);
  }
  const std::optional<absl::CivilDay> day =
      ResolveDate(req.has_date(), req.date(), today_(), "date", v);
  const Lens lens = LensOf(req, v);
  const int target_year = ResolveTargetYear(req.target_year(), day, v);
  PARITRANA_RETURN_IF_ERROR(v.ToStatus());

  // Each region is cached as its own GetCoverage answer, in process and in Redis alike; the
  // misses share one registry call.
  struct Slot {
    std::string province, local_key, question;
    LocalCache::Ticket ticket;
    CoverageCache::Lookup lookup;
    std::optional<v1::RegionCoverage> cached;
    bool from_process = false;  // then there is nothing to fill
  };
  std::vector<Slot> slots(req.regions_size());
  QueryAggregatesRequest misses;
  *misses.add_dates() = ToProtoDate(*day);
  misses.add_target_years(target_year);
  for (int i = 0; i < req.regions_size(); ++i) {
    Slot& slot = slots[i];
    slot.province = Province(req.regions(i));
    if (local_ != nullptr) {
      slot.local_key = CoverageKey(req.regions(i), *day, lens, target_year);
      v1::RegionCoverage parsed;
      if (std::optional<grpc::Slice> kept = local_->Get(slot.province, slot.local_key, slot.ticket);
          kept.has_value() && ParseSlice(*kept, parsed)) {
        slot.cached = std::move(parsed);
        slot.from_process = true;
        continue;
      }
    }
    slot.question = Question(
        "coverage",
        CoverageQuestion(req.regions(i), *day, lens, req.has_denominator_source(), target_year));
    slot.lookup = cache_.Get(slot.province, slot.question);
    v1::RegionCoverage parsed;
    if (slot.lookup.value.has_value() && parsed.ParseFromString(*slot.lookup.value)) {
      slot.cached = std::move(parsed);
    } else {
      misses.add_regions(req.regions(i));
    }
  }
  QueryAggregatesResponse snapshot;
  if (misses.regions_size() > 0) {
    PARITRANA_ASSIGN_OR_RETURN(snapshot, registry_.QueryAggregates(misses));
  }
  Answer<v1::BatchGetCoverageResponse> out;
  out.from_cache = misses.regions_size() == 0;
  for (int i = 0; i < req.regions_size(); ++i) {
    Slot& slot = slots[i];
    v1::RegionCoverage* c = out.value.add_coverages();
    std::string bytes;
    if (slot.cached.has_value()) {
      *c = std::move(*slot.cached);
      if (slot.from_process) continue;
      bytes = std::move(*slot.lookup.value);
    } else {
      *c = CoverageOf(snapshot, req.regions(i), *day, lens, target_year);
      bytes = c->SerializeAsString();
      if (slot.lookup.available) {
        cache_.Put(slot.province, slot.lookup.generation, slot.question, bytes);
      }
    }
    if (local_ != nullptr && slot.lookup.available) {
      local_->Put(slot.province, slot.local_key, slot.ticket, grpc::Slice(bytes));
    }
  }
  return out;
}

}  // namespace paritrana::coverage
