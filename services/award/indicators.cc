#include "services/award/indicators.h"

#include <algorithm>

#include "services/award/scoring.h"

namespace paritrana::award {
namespace {

using coverage::v1::RegionCoverage;

void AddInput(v1::IndicatorResult& out, const char* key, double value) {
  v1::NamedValue* v = out.add_inputs();
  v->set_key(key);
  v->set_value(value);
}

void NoData(v1::IndicatorResult& out) {
  out.set_value_status(v1::INDICATOR_VALUE_STATUS_NO_DATA);
  out.clear_raw_value();
}

void Value(v1::IndicatorResult& out, double value) {
  out.set_value_status(v1::INDICATOR_VALUE_STATUS_AVAILABLE);
  out.set_raw_value(value);
}

const coverage::v1::SegmentCoverage* SegmentOf(const RegionCoverage& c, type::v1::Segment s) {
  for (const auto& sc : c.segments()) {
    if (sc.segment() == s) return &sc;
  }
  return nullptr;
}

// The target ratio for the cycle's year, from whichever answer carries that year's target.
const coverage::v1::TargetProgress* TargetFor(int year, const RegionCoverage* start,
                                              const RegionCoverage& end) {
  if (end.has_target() && end.target().year() == year) return &end.target();
  if (start != nullptr && start->has_target() && start->target().year() == year) {
    return &start->target();
  }
  return nullptr;
}

// active / potential x 100 with the segment's figures (or all segments).
void Ratio(const RegionCoverage& c, const type::v1::Segment* segment, v1::IndicatorResult& out) {
  int64_t active = c.active_persons();
  int64_t potential = c.potential_workers();
  double ratio = c.coverage_ratio_percent();
  if (segment != nullptr) {
    const auto* sc = SegmentOf(c, *segment);
    active = sc != nullptr ? sc->active_persons() : 0;
    potential = sc != nullptr ? sc->potential_workers() : 0;
    ratio = sc != nullptr ? sc->coverage_ratio_percent() : 0;
  }
  AddInput(out, "active", static_cast<double>(active));
  AddInput(out, "potential", static_cast<double>(potential));
  if (potential <= 0) return NoData(out);
  Value(out, ratio);
}

}  // namespace

bool IsRegionCategory(v1::AwardCategory category) {
  return category == v1::AWARD_CATEGORY_PROVINCIAL_GOVERNMENT ||
         category == v1::AWARD_CATEGORY_REGENCY_GOVERNMENT ||
         category == v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT;
}

type::v1::RegionLevel SubjectLevel(v1::AwardCategory category) {
  switch (category) {
    case v1::AWARD_CATEGORY_PROVINCIAL_GOVERNMENT:
      return type::v1::REGION_LEVEL_PROVINCE;
    case v1::AWARD_CATEGORY_REGENCY_GOVERNMENT:
      return type::v1::REGION_LEVEL_REGENCY;
    case v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT:
      return type::v1::REGION_LEVEL_VILLAGE;
    default:
      return type::v1::REGION_LEVEL_UNSPECIFIED;
  }
}

bool ComputedFits(v1::ComputedIndicator indicator, v1::AwardCategory category) {
  switch (indicator) {
    case v1::COMPUTED_INDICATOR_COVERAGE_RATIO:
    case v1::COMPUTED_INDICATOR_PU_COVERAGE_RATIO:
    case v1::COMPUTED_INDICATOR_COVERAGE_GROWTH:
    case v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE:
      return true;  // region and employer subjects
    case v1::COMPUTED_INDICATOR_BPU_COVERAGE_RATIO:
    case v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED:
    case v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS:
    case v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE:
      return IsRegionCategory(category);
    default:
      return false;
  }
}

bool NeedsStartDate(v1::ComputedIndicator indicator) {
  return indicator == v1::COMPUTED_INDICATOR_COVERAGE_GROWTH ||
         indicator == v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED;
}

bool UsesCoverage(v1::ComputedIndicator indicator) {
  return indicator != v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE &&
         indicator != v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE;
}

type::v1::FundingSource OwnBudget(type::v1::RegionLevel level) {
  switch (level) {
    case type::v1::REGION_LEVEL_PROVINCE:
      return type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET;
    case type::v1::REGION_LEVEL_REGENCY:
      return type::v1::FUNDING_SOURCE_REGENCY_BUDGET;
    case type::v1::REGION_LEVEL_VILLAGE:
      return type::v1::FUNDING_SOURCE_VILLAGE_BUDGET;
    default:
      return type::v1::FUNDING_SOURCE_UNSPECIFIED;
  }
}

void ComputeRegionIndicator(type::v1::RegionLevel level, int cycle_year,
                            const RegionCoverage* start, const RegionCoverage& end,
                            v1::IndicatorResult& out) {
  out.clear_inputs();
  switch (out.computed()) {
    case v1::COMPUTED_INDICATOR_COVERAGE_RATIO:
      return Ratio(end, nullptr, out);
    case v1::COMPUTED_INDICATOR_PU_COVERAGE_RATIO: {
      const type::v1::Segment pu = type::v1::SEGMENT_PU;
      return Ratio(end, &pu, out);
    }
    case v1::COMPUTED_INDICATOR_BPU_COVERAGE_RATIO: {
      const type::v1::Segment bpu = type::v1::SEGMENT_BPU;
      return Ratio(end, &bpu, out);
    }
    case v1::COMPUTED_INDICATOR_COVERAGE_GROWTH:
    case v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED: {
      if (start == nullptr) return NoData(out);
      AddInput(out, "ratio_start", start->coverage_ratio_percent());
      AddInput(out, "ratio_end", end.coverage_ratio_percent());
      // A ratio without a denominator is no measurement (the coverage service reports 0).
      const bool measured = start->potential_workers() > 0 && end.potential_workers() > 0;
      const double growth = end.coverage_ratio_percent() - start->coverage_ratio_percent();
      if (out.computed() == v1::COMPUTED_INDICATOR_COVERAGE_GROWTH) {
        if (!measured) return NoData(out);
        return Value(out, growth);
      }
      const coverage::v1::TargetProgress* target = TargetFor(cycle_year, start, end);
      if (target == nullptr) return NoData(out);
      AddInput(out, "target", target->target_ratio_percent());
      if (!measured) return NoData(out);
      const double gap = target->target_ratio_percent() - start->coverage_ratio_percent();
      if (gap <= 0) return Value(out, 100);  // the target was already met at the start
      return Value(out, growth / gap * 100);
    }
    case v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS: {
      const type::v1::FundingSource own = OwnBudget(level);
      int64_t funded = 0;
      for (const auto& f : end.funding()) {
        if (f.funding_source() == own) funded += f.active_persons();
      }
      AddInput(out, "budget_funded", static_cast<double>(funded));
      AddInput(out, "potential", static_cast<double>(end.potential_workers()));
      if (end.potential_workers() <= 0 || own == type::v1::FUNDING_SOURCE_UNSPECIFIED) {
        return NoData(out);
      }
      return Value(
          out, 1000.0 * static_cast<double>(funded) / static_cast<double>(end.potential_workers()));
    }
    default:  // employer indicators: no registry data yet
      return NoData(out);
  }
}

void ComputeEmployerIndicator(v1::IndicatorResult& out) {
  out.clear_inputs();
  NoData(out);
}

void CombineJuryIndicator(std::vector<std::pair<std::string, double>> scores,
                          v1::IndicatorResult& out) {
  std::sort(scores.begin(), scores.end());
  out.clear_jury_scores();
  std::vector<double> values;
  for (const auto& [assessor, score] : scores) {
    v1::AssessorScore* s = out.add_jury_scores();
    s->set_assessor(assessor);
    s->set_score(score);
    values.push_back(score);
  }
  if (values.empty()) {
    out.set_value_status(v1::INDICATOR_VALUE_STATUS_NO_JURY_SCORES);
    out.clear_raw_value();
    return;
  }
  Value(out, CombineJury(std::move(values), out.jury_aggregation()));
}

}  // namespace paritrana::award
