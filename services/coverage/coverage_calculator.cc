#include "services/coverage/coverage_calculator.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "platform/errors.h"
#include "region/validation.h"

namespace paritrana::coverage {
namespace {

using registry::v1::QueryAggregatesResponse;
using registry::v1::RegionAggregate;
using registry::v1::WorkforceBaseline;

double Ratio(int64_t active, int64_t potential) {
  return potential > 0 ? 100.0 * static_cast<double>(active) / static_cast<double>(potential) : 0;
}

const RegionAggregate* FindAggregate(const QueryAggregatesResponse& s, const std::string& region,
                                     absl::CivilDay date) {
  for (const RegionAggregate& a : s.aggregates()) {
    if (a.region() == region && a.date().year() == date.year() &&
        a.date().month() == date.month() && a.date().day() == date.day()) {
      return &a;
    }
  }
  return nullptr;
}

// The baseline of `source` for `year`, or the latest before it.
const WorkforceBaseline* FindBaseline(const QueryAggregatesResponse& s, const std::string& region,
                                      int year, type::v1::DenominatorSource source) {
  const WorkforceBaseline* best = nullptr;
  for (const WorkforceBaseline& b : s.baselines()) {
    if (b.region() != region || b.source() != source || b.year() > year) continue;
    if (best == nullptr || best->year() < b.year()) best = &b;
  }
  return best;
}

const registry::v1::CoverageTarget* FindTarget(const QueryAggregatesResponse& s,
                                               const std::string& region, int year) {
  for (const auto& t : s.targets()) {
    if (t.region() == region && t.year() == year) return &t;
  }
  return nullptr;
}

int64_t SegmentActive(const RegionAggregate& a, type::v1::Segment segment) {
  for (const auto& s : a.segments()) {
    if (s.segment() == segment) return s.active_persons();
  }
  return 0;
}

int64_t SegmentPotential(const WorkforceBaseline* b, type::v1::Segment segment) {
  if (b == nullptr) return 0;
  for (const auto& sw : b->segment_workers()) {
    if (sw.segment() == segment) return sw.potential_workers();
  }
  return 0;
}

// The target ratio that applies: the segment's own when the registry has one, else the region's.
double TargetPercent(const registry::v1::CoverageTarget& t, const Lens& lens) {
  if (lens.segment.has_value()) {
    for (const auto& st : t.segment_targets()) {
      if (st.segment() == *lens.segment) return st.target_ratio_percent();
    }
  }
  return t.target_ratio_percent();
}

struct Figures {
  int64_t active = 0;
  int64_t potential = 0;
};

Figures FiguresOf(const RegionAggregate* a, const WorkforceBaseline* b, const Lens& lens) {
  Figures f;
  if (lens.segment.has_value()) {
    f.active = a != nullptr ? SegmentActive(*a, *lens.segment) : 0;
    f.potential = SegmentPotential(b, *lens.segment);
  } else {
    f.active = a != nullptr ? a->active_persons() : 0;
    f.potential = b != nullptr ? b->potential_workers() : 0;
  }
  return f;
}

}  // namespace

int64_t TargetWorkers(int64_t potential, double target_percent) {
  const int64_t hundredths = std::llround(target_percent * 100);  // 55.0% -> 5500
  return (potential * hundredths + 9999) / 10000;
}

v1::RegionCoverage CoverageOf(const QueryAggregatesResponse& s, const std::string& region,
                              absl::CivilDay date, const Lens& lens, int target_year) {
  const RegionAggregate* a = FindAggregate(s, region, date);
  const int year = static_cast<int>(date.year());
  const WorkforceBaseline* b = FindBaseline(s, region, year, lens.source);
  const Figures f = FiguresOf(a, b, lens);

  v1::RegionCoverage out;
  out.set_region(region);
  if (a != nullptr) {
    out.set_display_name(a->display_name());
    out.set_level(a->level());
  }
  *out.mutable_date() = ToProtoDate(date);
  if (lens.segment.has_value()) out.set_segment(*lens.segment);
  out.set_active_persons(f.active);
  out.set_potential_workers(f.potential);
  out.set_coverage_ratio_percent(Ratio(f.active, f.potential));
  out.set_denominator_source(lens.source);
  out.set_baseline_found(b != nullptr);
  if (b != nullptr) {
    out.set_denominator_year(b->year());
    out.set_denominator_note(b->source_note());
    // A registry from before origins were reported only ever sent stored, i.e. given, baselines.
    out.set_denominator_origin(b->origin() != type::v1::DENOMINATOR_ORIGIN_UNSPECIFIED
                                   ? b->origin()
                                   : type::v1::DENOMINATOR_ORIGIN_GIVEN);
    for (const registry::v1::BaselineDisagreement& d : s.baseline_disagreements()) {
      if (d.baseline() != b->name()) continue;
      auto* dd = out.mutable_denominator_disagreement();
      dd->set_children_potential_workers(d.children_potential_workers());
      dd->set_children_with_baseline(d.children_with_baseline());
      dd->set_children(d.children());
      dd->set_difference_percent(d.difference_percent());
    }
  }
  for (int seg = 1; seg <= 4; ++seg) {
    const auto segment = static_cast<type::v1::Segment>(seg);
    auto* sc = out.add_segments();
    sc->set_segment(segment);
    sc->set_active_persons(a != nullptr ? SegmentActive(*a, segment) : 0);
    sc->set_potential_workers(SegmentPotential(b, segment));
    sc->set_coverage_ratio_percent(Ratio(sc->active_persons(), sc->potential_workers()));
  }
  // Programme and funding counts are kept per segment; across segments they are summed (a person
  // holding two segments at once on the same day counts in both).
  std::map<int, int64_t> programmes;
  std::map<std::pair<int, std::string>, int64_t> funding;
  if (a != nullptr) {
    for (const auto& seg : a->segments()) {
      if (lens.segment.has_value() && seg.segment() != *lens.segment) continue;
      for (const auto& p : seg.programmes()) programmes[p.programme()] += p.active_persons();
      for (const auto& fc : seg.funding()) {
        funding[{fc.funding_source(), fc.subsidy_scheme()}] += fc.active_persons();
      }
    }
  }
  for (int p = 1; p <= 5; ++p) {
    auto* pc = out.add_programmes();
    pc->set_programme(static_cast<type::v1::Programme>(p));
    pc->set_active_persons(programmes[p]);
  }
  for (const auto& [key, count] : funding) {
    if (count <= 0) continue;
    auto* fc = out.add_funding();
    fc->set_funding_source(static_cast<type::v1::FundingSource>(key.first));
    fc->set_subsidy_scheme(key.second);
    fc->set_active_persons(count);
  }
  const int goal_year = target_year != 0 ? target_year : year;
  const registry::v1::CoverageTarget* t = FindTarget(s, region, goal_year);
  if (t != nullptr && b != nullptr) {
    const double target = TargetPercent(*t, lens);
    auto* tp = out.mutable_target();
    tp->set_target(t->name());
    tp->set_year(goal_year);
    tp->set_target_ratio_percent(target);
    tp->set_target_workers(TargetWorkers(f.potential, target));
    tp->set_workers_to_enroll(std::max<int64_t>(0, tp->target_workers() - f.active));
    tp->set_met(tp->workers_to_enroll() == 0);
    tp->set_gap_ratio_points(tp->met() ? 0 : std::max(0.0, target - out.coverage_ratio_percent()));
  }
  auto gen = s.province_generations().find(RegionName(region.substr(8, 2)));
  if (gen != s.province_generations().end()) out.set_generation(gen->second);
  return out;
}

absl::StatusOr<v1::TargetGap> TargetGapOf(const QueryAggregatesResponse& s,
                                          const std::string& region, int year, absl::CivilDay date,
                                          const Lens& lens) {
  const std::map<std::string, std::string> metadata = {{"region", region},
                                                       {"year", absl::StrCat(year)}};
  const registry::v1::CoverageTarget* t = FindTarget(s, region, year);
  if (t == nullptr) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          "the registry holds no coverage target of ", region, " for ", year)),
                      "TARGET_NOT_FOUND", metadata);
  }
  const WorkforceBaseline* b = FindBaseline(s, region, year, lens.source);
  if (b == nullptr) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          "the registry holds no ", type::v1::DenominatorSource_Name(lens.source),
                          " baseline of ", region, " for ", year, " or earlier")),
                      "BASELINE_NOT_FOUND", metadata);
  }
  const Figures f = FiguresOf(FindAggregate(s, region, date), b, lens);
  const double target = TargetPercent(*t, lens);
  v1::TargetGap out;
  out.set_region(region);
  out.set_year(year);
  *out.mutable_date() = ToProtoDate(date);
  out.set_target_ratio_percent(target);
  out.set_active_persons(f.active);
  out.set_potential_workers(f.potential);
  out.set_coverage_ratio_percent(Ratio(f.active, f.potential));
  out.set_denominator_source(lens.source);
  out.set_denominator_year(b->year());
  out.set_target_workers(TargetWorkers(f.potential, target));
  out.set_workers_to_enroll(std::max<int64_t>(0, out.target_workers() - f.active));
  out.set_met(out.workers_to_enroll() == 0);
  out.set_gap_ratio_points(out.met() ? 0 : std::max(0.0, target - out.coverage_ratio_percent()));
  auto gen = s.province_generations().find(RegionName(region.substr(8, 2)));
  if (gen != s.province_generations().end()) out.set_generation(gen->second);
  return out;
}

std::vector<v1::RankedRegion> Rank(const QueryAggregatesResponse& s, const std::string& parent,
                                   absl::CivilDay date, v1::RankChildRegionsRequest::OrderBy order,
                                   const Lens& lens) {
  std::vector<v1::RankedRegion> out;
  for (const RegionAggregate& a : s.aggregates()) {
    if (a.parent() != parent) continue;
    const v1::RegionCoverage c = CoverageOf(s, a.region(), date, lens);
    v1::RankedRegion r;
    r.set_region(a.region());
    r.set_display_name(a.display_name());
    r.set_active_persons(c.active_persons());
    r.set_potential_workers(c.potential_workers());
    r.set_coverage_ratio_percent(c.coverage_ratio_percent());
    r.set_baseline_found(c.baseline_found());
    r.set_workers_to_enroll(c.target().workers_to_enroll());
    out.push_back(std::move(r));
  }
  // Ratios compare as exact fractions (a/p vs b/q by cross-multiplying; counts are at most 1e9,
  // so products fit in 64 bits) so ties are real ties; regions without a denominator come last;
  // remaining ties go by region code.
  auto ratio_less = [](const v1::RankedRegion& x, const v1::RankedRegion& y) {
    return x.active_persons() * y.potential_workers() < y.active_persons() * x.potential_workers();
  };
  std::stable_sort(out.begin(), out.end(), [&](const auto& x, const auto& y) {
    const bool xd = x.potential_workers() > 0, yd = y.potential_workers() > 0;
    switch (order) {
      case v1::RankChildRegionsRequest::ORDER_BY_COVERAGE_RATIO_ASC:
        if (xd != yd) return xd;
        if (ratio_less(x, y) || ratio_less(y, x)) return ratio_less(x, y);
        break;
      case v1::RankChildRegionsRequest::ORDER_BY_WORKERS_TO_ENROLL_DESC:
        if (x.workers_to_enroll() != y.workers_to_enroll()) {
          return x.workers_to_enroll() > y.workers_to_enroll();
        }
        break;
      case v1::RankChildRegionsRequest::ORDER_BY_ACTIVE_PERSONS_DESC:
        if (x.active_persons() != y.active_persons())
          return x.active_persons() > y.active_persons();
        break;
      default:  // coverage ratio, highest first
        if (xd != yd) return xd;
        if (ratio_less(x, y) || ratio_less(y, x)) return ratio_less(y, x);
        break;
    }
    return x.region() < y.region();
  });
  for (size_t i = 0; i < out.size(); ++i) out[i].set_rank(static_cast<int32_t>(i + 1));
  return out;
}

}  // namespace paritrana::coverage
