// Computed indicators from the registry's employer figures (employer subjects and the employer
// side of regions) and the target year, against hand-computed figures: every value, every input
// recorded under the key the contract lists, and NO_DATA exactly where a denominator is missing.
#include <string>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "services/award/indicators.h"

namespace paritrana::award {
namespace {

using registry::v1::EmployerFigures;
using registry::v1::RegionEmployerFigures;

double Input(const v1::IndicatorResult& r, const std::string& key) {
  for (const auto& i : r.inputs()) {
    if (i.key() == key) return i.value();
  }
  ADD_FAILURE() << "no input " << key << " in " << r.ShortDebugString();
  return -1;
}

// An employer reporting 8 workers, with 4 active workers on the period's start and 6 on its
// end (3 of them in all five PU programmes), 12 bills due in the period (9 paid on time, 2 late,
// 1 unpaid) and 2 overdue months (Rp 3,000,000) left on the end date.
EmployerFigures Employer() {
  EmployerFigures f;
  f.set_employer("employers/10000001");
  f.set_reported_headcount(8);
  f.set_active_workers_start(4);
  f.set_active_workers_end(6);
  f.set_complete_programme_workers(3);
  f.mutable_bills()->set_due(12);
  f.mutable_bills()->set_on_time(9);
  f.mutable_bills()->set_late(2);
  f.mutable_bills()->set_unpaid(1);
  f.set_arrears_months(2);
  f.set_arrears_rupiah(3000000);
  return f;
}

v1::IndicatorResult OfEmployer(v1::ComputedIndicator which, const EmployerFigures* f) {
  v1::IndicatorResult r;
  r.set_computed(which);
  ComputeEmployerIndicator(f, r);
  return r;
}

TEST(EmployerIndicatorTest, ValuesAndInputsAsComputedByHand) {
  const EmployerFigures f = Employer();
  // Worker coverage: 6 active of 8 reported = 75%; PU coverage is the same for an employer.
  for (auto which :
       {v1::COMPUTED_INDICATOR_COVERAGE_RATIO, v1::COMPUTED_INDICATOR_PU_COVERAGE_RATIO}) {
    const auto r = OfEmployer(which, &f);
    EXPECT_EQ(r.value_status(), v1::INDICATOR_VALUE_STATUS_AVAILABLE);
    EXPECT_DOUBLE_EQ(r.raw_value(), 75);
    EXPECT_DOUBLE_EQ(Input(r, "active"), 6);
    EXPECT_DOUBLE_EQ(Input(r, "potential"), 8);
    EXPECT_EQ(r.inputs_size(), 2);
  }
  // Growth: 4 / 8 = 50% at the start, 6 / 8 = 75% at the end: 25 points.
  auto r = OfEmployer(v1::COMPUTED_INDICATOR_COVERAGE_GROWTH, &f);
  EXPECT_DOUBLE_EQ(r.raw_value(), 25);
  EXPECT_DOUBLE_EQ(Input(r, "ratio_start"), 50);
  EXPECT_DOUBLE_EQ(Input(r, "ratio_end"), 75);
  // Programme completeness: 3 of the 6 active workers = 50%.
  r = OfEmployer(v1::COMPUTED_INDICATOR_PROGRAMME_COMPLETENESS, &f);
  EXPECT_DOUBLE_EQ(r.raw_value(), 50);
  EXPECT_DOUBLE_EQ(Input(r, "complete"), 3);
  EXPECT_DOUBLE_EQ(Input(r, "active"), 6);
  // On time: 9 of 12 bills = 75%.
  r = OfEmployer(v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE, &f);
  EXPECT_DOUBLE_EQ(r.raw_value(), 75);
  EXPECT_DOUBLE_EQ(Input(r, "on_time"), 9);
  EXPECT_DOUBLE_EQ(Input(r, "late"), 2);
  EXPECT_DOUBLE_EQ(Input(r, "unpaid"), 1);
  EXPECT_DOUBLE_EQ(Input(r, "total"), 12);
  EXPECT_EQ(r.inputs_size(), 4);
  // Arrears: 2 months.
  r = OfEmployer(v1::COMPUTED_INDICATOR_ARREARS_MONTHS, &f);
  EXPECT_DOUBLE_EQ(r.raw_value(), 2);
  EXPECT_DOUBLE_EQ(Input(r, "arrears_months"), 2);
  EXPECT_DOUBLE_EQ(Input(r, "arrears_rupiah"), 3000000);
  // Region-only indicators have no employer meaning.
  for (auto which :
       {v1::COMPUTED_INDICATOR_BPU_COVERAGE_RATIO, v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED,
        v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS,
        v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE}) {
    EXPECT_EQ(OfEmployer(which, &f).value_status(), v1::INDICATOR_VALUE_STATUS_NO_DATA)
        << v1::ComputedIndicator_Name(which);
  }
}

TEST(EmployerIndicatorTest, NoDataOnlyWithoutADenominator) {
  EmployerFigures f = Employer();
  // Growth may be negative: 6 workers at the start, 4 at the end of 8 = -25 points.
  f.set_active_workers_start(6);
  f.set_active_workers_end(4);
  EXPECT_DOUBLE_EQ(OfEmployer(v1::COMPUTED_INDICATOR_COVERAGE_GROWTH, &f).raw_value(), -25);
  // More workers than reported: above 100%, not clamped (12 / 8).
  f.set_active_workers_end(12);
  EXPECT_DOUBLE_EQ(OfEmployer(v1::COMPUTED_INDICATOR_COVERAGE_RATIO, &f).raw_value(), 150);

  // No reported headcount: no worker coverage or growth, but completeness still has a value.
  f = Employer();
  f.set_reported_headcount(0);
  for (auto which :
       {v1::COMPUTED_INDICATOR_COVERAGE_RATIO, v1::COMPUTED_INDICATOR_PU_COVERAGE_RATIO,
        v1::COMPUTED_INDICATOR_COVERAGE_GROWTH}) {
    const auto r = OfEmployer(which, &f);
    EXPECT_EQ(r.value_status(), v1::INDICATOR_VALUE_STATUS_NO_DATA);
    EXPECT_FALSE(r.has_raw_value());
  }
  EXPECT_DOUBLE_EQ(Input(OfEmployer(v1::COMPUTED_INDICATOR_COVERAGE_RATIO, &f), "active"), 6);
  EXPECT_DOUBLE_EQ(OfEmployer(v1::COMPUTED_INDICATOR_PROGRAMME_COMPLETENESS, &f).raw_value(), 50);

  // No active worker: no completeness; no bill due: no on-time share (inputs still recorded).
  f = Employer();
  f.set_active_workers_end(0);
  f.set_complete_programme_workers(0);
  EXPECT_EQ(OfEmployer(v1::COMPUTED_INDICATOR_PROGRAMME_COMPLETENESS, &f).value_status(),
            v1::INDICATOR_VALUE_STATUS_NO_DATA);
  EXPECT_DOUBLE_EQ(OfEmployer(v1::COMPUTED_INDICATOR_COVERAGE_RATIO, &f).raw_value(), 0);
  f.clear_bills();
  const auto none_due = OfEmployer(v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE, &f);
  EXPECT_EQ(none_due.value_status(), v1::INDICATOR_VALUE_STATUS_NO_DATA);
  EXPECT_DOUBLE_EQ(Input(none_due, "total"), 0);

  // No arrears is the best value, not a missing one.
  f.set_arrears_months(0);
  f.set_arrears_rupiah(0);
  const auto clean = OfEmployer(v1::COMPUTED_INDICATOR_ARREARS_MONTHS, &f);
  EXPECT_EQ(clean.value_status(), v1::INDICATOR_VALUE_STATUS_AVAILABLE);
  EXPECT_DOUBLE_EQ(clean.raw_value(), 0);

  // No figures at all.
  EXPECT_EQ(OfEmployer(v1::COMPUTED_INDICATOR_ARREARS_MONTHS, nullptr).value_status(),
            v1::INDICATOR_VALUE_STATUS_NO_DATA);
}

v1::IndicatorResult OfRegion(v1::ComputedIndicator which, const RegionEmployerFigures* f) {
  v1::IndicatorResult r;
  r.set_computed(which);
  ComputeRegionEmployerIndicator(f, r);
  return r;
}

TEST(RegionEmployerIndicatorTest, RegisteredAndOnTimeShares) {
  // 30 employers registered on the end date of 120 the baseline expects: 25%. Of the 40 bills of
  // the region's employers due in the period, 30 were paid on time: 75%.
  RegionEmployerFigures f;
  f.set_region("regions/15.08");
  f.set_registered_employers_start(24);
  f.set_registered_employers_end(30);
  f.mutable_baseline()->set_potential_employers(120);
  f.mutable_bills()->set_due(40);
  f.mutable_bills()->set_on_time(30);
  f.mutable_bills()->set_late(6);
  f.mutable_bills()->set_unpaid(4);
  auto r = OfRegion(v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE, &f);
  EXPECT_EQ(r.value_status(), v1::INDICATOR_VALUE_STATUS_AVAILABLE);
  EXPECT_DOUBLE_EQ(r.raw_value(), 25);
  EXPECT_DOUBLE_EQ(Input(r, "registered"), 30);
  EXPECT_DOUBLE_EQ(Input(r, "potential"), 120);
  r = OfRegion(v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE, &f);
  EXPECT_DOUBLE_EQ(r.raw_value(), 75);
  EXPECT_DOUBLE_EQ(Input(r, "on_time"), 30);
  EXPECT_DOUBLE_EQ(Input(r, "late"), 6);
  EXPECT_DOUBLE_EQ(Input(r, "unpaid"), 4);
  EXPECT_DOUBLE_EQ(Input(r, "total"), 40);

  // A baseline without potential employers, one with 0, or none: no registered share.
  f.mutable_baseline()->clear_potential_employers();
  r = OfRegion(v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE, &f);
  EXPECT_EQ(r.value_status(), v1::INDICATOR_VALUE_STATUS_NO_DATA);
  EXPECT_DOUBLE_EQ(Input(r, "registered"), 30);
  EXPECT_DOUBLE_EQ(Input(r, "potential"), 0);
  f.mutable_baseline()->set_potential_employers(0);
  EXPECT_EQ(OfRegion(v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE, &f).value_status(),
            v1::INDICATOR_VALUE_STATUS_NO_DATA);
  f.clear_baseline();
  EXPECT_EQ(OfRegion(v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE, &f).value_status(),
            v1::INDICATOR_VALUE_STATUS_NO_DATA);
  // No bill due in the region: no on-time share. No figures (a village): NO_DATA.
  f.clear_bills();
  EXPECT_EQ(OfRegion(v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE, &f).value_status(),
            v1::INDICATOR_VALUE_STATUS_NO_DATA);
  EXPECT_EQ(OfRegion(v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE, nullptr).value_status(),
            v1::INDICATOR_VALUE_STATUS_NO_DATA);
}

TEST(IndicatorClassesTest, WhereEachIndicatorComesFrom) {
  EXPECT_TRUE(UsesRegionEmployerFigures(v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE));
  EXPECT_TRUE(UsesRegionEmployerFigures(v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE));
  EXPECT_FALSE(UsesCoverage(v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE));
  EXPECT_TRUE(UsesCoverage(v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS));
  EXPECT_FALSE(UsesRegionEmployerFigures(v1::COMPUTED_INDICATOR_COVERAGE_RATIO));
  EXPECT_TRUE(
      ComputedFits(v1::COMPUTED_INDICATOR_ARREARS_MONTHS, v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS));
  EXPECT_FALSE(ComputedFits(v1::COMPUTED_INDICATOR_PROGRAMME_COMPLETENESS,
                            v1::AWARD_CATEGORY_PROVINCIAL_GOVERNMENT));
  EXPECT_FALSE(ComputedFits(v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE,
                            v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT));
  EXPECT_TRUE(ComputedFits(v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE,
                           v1::AWARD_CATEGORY_LARGE_BUSINESS));
}

TEST(TargetYearTest, TheVersionsYearOrThePeriodEndsYear) {
  v1::RubricVersion v;
  EXPECT_EQ(TargetYear(v, absl::CivilDay(2025, 12, 31)), 2025);
  EXPECT_EQ(TargetYear(v, absl::CivilDay(2024, 8, 12)), 2024);
  v.set_target_year(2026);
  EXPECT_EQ(TargetYear(v, absl::CivilDay(2025, 12, 31)), 2026);

  // TARGET_GAP_CLOSED takes the target of that year only: coverage 10% -> 25%, a 2026 target
  // of 40% closes (25 - 10) / (40 - 10) = 50% of the gap.
  coverage::v1::RegionCoverage start, end;
  start.set_potential_workers(200);
  start.set_active_persons(20);
  start.set_coverage_ratio_percent(10);
  end.set_potential_workers(200);
  end.set_active_persons(50);
  end.set_coverage_ratio_percent(25);
  end.mutable_target()->set_year(2026);
  end.mutable_target()->set_target_ratio_percent(40);
  v1::IndicatorResult r;
  r.set_computed(v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED);
  ComputeRegionIndicator(type::v1::REGION_LEVEL_REGENCY, 2026, &start, end, r);
  EXPECT_DOUBLE_EQ(r.raw_value(), 50);
  EXPECT_DOUBLE_EQ(Input(r, "target"), 40);
  ComputeRegionIndicator(type::v1::REGION_LEVEL_REGENCY, 2025, &start, end, r);
  EXPECT_EQ(r.value_status(), v1::INDICATOR_VALUE_STATUS_NO_DATA);
}

}  // namespace
}  // namespace paritrana::award
