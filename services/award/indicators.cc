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

// The target ratio for the target year, from whichever answer carries that year's target (both
// are asked for it; the end answer lacks it when the end date has no denominator).
const coverage::v1::TargetProgress* TargetFor(int year, const RegionCoverage* start,
                                              const RegionCoverage& end) {
  if (end.has_target() && end.target().year() == year) return &end.target();
  if (start != nullptr && start->has_target() && start->target().year() == year) {
    return &start->target();
  }
  return nullptr;
}

// part / whole x 100; whole > 0.
double Percent(int64_t part, int64_t whole) {
  return 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

// Bills paid in full by their due date among those due in the period; NO_DATA when none was due.
void OnTimeShare(const registry::v1::BillCounts& bills, v1::IndicatorResult& out) {
  AddInput(out, "on_time", static_cast<double>(bills.on_time()));
  AddInput(out, "late", static_cast<double>(bills.late()));
  AddInput(out, "unpaid", static_cast<double>(bills.unpaid()));
  AddInput(out, "total", static_cast<double>(bills.due()));
  if (bills.due() <= 0) return NoData(out);
  Value(out, Percent(bills.on_time(), bills.due()));
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
      return true;  // region and employer subjects
    case v1::COMPUTED_INDICATOR_BPU_COVERAGE_RATIO:
    case v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED:
    case v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS:
      return IsRegionCategory(category);
    case v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE:
      return category == v1::AWARD_CATEGORY_PROVINCIAL_GOVERNMENT ||
             category == v1::AWARD_CATEGORY_REGENCY_GOVERNMENT;
    case v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE:
      return category != v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT;
    case v1::COMPUTED_INDICATOR_PROGRAMME_COMPLETENESS:
    case v1::COMPUTED_INDICATOR_ARREARS_MONTHS:
      return !IsRegionCategory(category);
    default:
      return false;
  }
}

absl::string_view FittingSubjects(v1::ComputedIndicator indicator) {
  switch (indicator) {
    case v1::COMPUTED_INDICATOR_BPU_COVERAGE_RATIO:
    case v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED:
    case v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS:
      return "region subjects only";
    case v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE:
      return "province and regency/city subjects only";
    case v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE:
      return "employer, province and regency/city subjects only";
    case v1::COMPUTED_INDICATOR_PROGRAMME_COMPLETENESS:
    case v1::COMPUTED_INDICATOR_ARREARS_MONTHS:
      return "employer subjects only";
    default:
      return "region and employer subjects";
  }
}

bool NeedsStartDate(v1::ComputedIndicator indicator) {
  return indicator == v1::COMPUTED_INDICATOR_COVERAGE_GROWTH ||
         indicator == v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED;
}

bool UsesCoverage(v1::ComputedIndicator indicator) { return !UsesRegionEmployerFigures(indicator); }

bool UsesRegionEmployerFigures(v1::ComputedIndicator indicator) {
  return indicator == v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE ||
         indicator == v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE;
}

int TargetYear(const v1::RubricVersion& version, absl::CivilDay period_end) {
  return version.target_year() != 0 ? version.target_year() : static_cast<int>(period_end.year());
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

void ComputeRegionIndicator(type::v1::RegionLevel level, int target_year,
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
      const coverage::v1::TargetProgress* target = TargetFor(target_year, start, end);
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
    default:  // not computed from coverage (ComputeRegionEmployerIndicator)
      return NoData(out);
  }
}

void ComputeRegionEmployerIndicator(const registry::v1::RegionEmployerFigures* figures,
                                    v1::IndicatorResult& out) {
  out.clear_inputs();
  if (figures == nullptr) return NoData(out);
  switch (out.computed()) {
    case v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE: {
      // No baseline, or one that does not say how many employers there should be: no
      // denominator, so no share (the registered count is still reported).
      const int64_t potential =
          figures->has_baseline() && figures->baseline().has_potential_employers()
              ? figures->baseline().potential_employers()
              : 0;
      AddInput(out, "registered", static_cast<double>(figures->registered_employers_end()));
      AddInput(out, "potential", static_cast<double>(potential));
      if (potential <= 0) return NoData(out);
      return Value(out, Percent(figures->registered_employers_end(), potential));
    }
    case v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE:
      return OnTimeShare(figures->bills(), out);
    default:
      return NoData(out);
  }
}

void ComputeEmployerIndicator(const registry::v1::EmployerFigures* figures,
                              v1::IndicatorResult& out) {
  out.clear_inputs();
  if (figures == nullptr) return NoData(out);
  const int64_t headcount = figures->reported_headcount();
  switch (out.computed()) {
    case v1::COMPUTED_INDICATOR_COVERAGE_RATIO:
    case v1::COMPUTED_INDICATOR_PU_COVERAGE_RATIO:
      // An employer's workers are all PU, so both are its worker coverage.
      AddInput(out, "active", static_cast<double>(figures->active_workers_end()));
      AddInput(out, "potential", static_cast<double>(headcount));
      if (headcount <= 0) return NoData(out);
      return Value(out, Percent(figures->active_workers_end(), headcount));
    case v1::COMPUTED_INDICATOR_COVERAGE_GROWTH: {
      // Both ratios share the one reported headcount, so the growth is the change in workers
      // over that headcount.
      if (headcount <= 0) {
        AddInput(out, "ratio_start", 0);
        AddInput(out, "ratio_end", 0);
        return NoData(out);
      }
      AddInput(out, "ratio_start", Percent(figures->active_workers_start(), headcount));
      AddInput(out, "ratio_end", Percent(figures->active_workers_end(), headcount));
      return Value(
          out, Percent(figures->active_workers_end() - figures->active_workers_start(), headcount));
    }
    case v1::COMPUTED_INDICATOR_PROGRAMME_COMPLETENESS:
      AddInput(out, "complete", static_cast<double>(figures->complete_programme_workers()));
      AddInput(out, "active", static_cast<double>(figures->active_workers_end()));
      if (figures->active_workers_end() <= 0) return NoData(out);
      return Value(out,
                   Percent(figures->complete_programme_workers(), figures->active_workers_end()));
    case v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE:
      return OnTimeShare(figures->bills(), out);
    case v1::COMPUTED_INDICATOR_ARREARS_MONTHS:
      // No overdue bill is a value (0 months), the best one, not a missing measurement.
      AddInput(out, "arrears_months", static_cast<double>(figures->arrears_months()));
      AddInput(out, "arrears_rupiah", static_cast<double>(figures->arrears_rupiah()));
      return Value(out, static_cast<double>(figures->arrears_months()));
    default:  // region-only indicators
      return NoData(out);
  }
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
