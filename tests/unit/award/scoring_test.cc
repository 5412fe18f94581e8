// The award's arithmetic against hand-computed figures: scoring functions at and beyond their
// bounds, jury aggregation, gates, weights, rank-based scoring, tie-breaks and determinism.
#include <algorithm>
#include <random>

#include "gtest/gtest.h"
#include "services/award/indicators.h"
#include "services/award/scoring.h"

namespace paritrana::award {
namespace {

TEST(ScoringFunctionsTest, LinearAtAndBeyondItsBounds) {
  EXPECT_DOUBLE_EQ(LinearScore(-5, 10, 60), 0);
  EXPECT_DOUBLE_EQ(LinearScore(10, 10, 60), 0);   // at lower
  EXPECT_DOUBLE_EQ(LinearScore(35, 10, 60), 50);  // half way
  EXPECT_DOUBLE_EQ(LinearScore(22.5, 10, 60), 25);
  EXPECT_DOUBLE_EQ(LinearScore(60, 10, 60), 100);  // at upper
  EXPECT_DOUBLE_EQ(LinearScore(1e9, 10, 60), 100);
}

TEST(ScoringFunctionsTest, RelativeToTargetClampsToZeroAndHundred) {
  EXPECT_DOUBLE_EQ(RelativeToTargetScore(-3, 60), 0);
  EXPECT_DOUBLE_EQ(RelativeToTargetScore(0, 60), 0);
  EXPECT_DOUBLE_EQ(RelativeToTargetScore(30, 60), 50);
  EXPECT_DOUBLE_EQ(RelativeToTargetScore(60, 60), 100);
  EXPECT_DOUBLE_EQ(RelativeToTargetScore(75, 60), 100);
}

TEST(ScoringFunctionsTest, RankBasedUsesCompetitionRanks) {
  EXPECT_EQ(CompetitionRanks({5, 9, 9, 1}, true), (std::vector<int>{3, 1, 1, 4}));
  EXPECT_EQ(CompetitionRanks({5, 9, 9, 1}, false), (std::vector<int>{2, 3, 3, 1}));
  EXPECT_EQ(CompetitionRanks({7, 7, 7}, true), (std::vector<int>{1, 1, 1}));
  EXPECT_DOUBLE_EQ(RankScore(1, 1), 100);  // alone: full marks
  EXPECT_DOUBLE_EQ(RankScore(1, 4), 100);
  EXPECT_DOUBLE_EQ(RankScore(2, 4), 100.0 * 2 / 3);
  EXPECT_DOUBLE_EQ(RankScore(4, 4), 0);
  EXPECT_DOUBLE_EQ(RankScore(1, 3), 100);  // three tied at rank 1
}

TEST(ScoringFunctionsTest, JuryMeanAndMedian) {
  EXPECT_DOUBLE_EQ(CombineJury({80, 70, 90}, v1::JURY_AGGREGATION_MEAN), 80);
  EXPECT_DOUBLE_EQ(CombineJury({80, 70, 90}, v1::JURY_AGGREGATION_MEDIAN), 80);
  EXPECT_DOUBLE_EQ(CombineJury({10, 70, 90, 100}, v1::JURY_AGGREGATION_MEDIAN), 80);
  EXPECT_DOUBLE_EQ(CombineJury({10, 70, 90, 100}, v1::JURY_AGGREGATION_MEAN), 67.5);
  EXPECT_DOUBLE_EQ(CombineJury({42}, v1::JURY_AGGREGATION_MEDIAN), 42);
  EXPECT_DOUBLE_EQ(CombineJury({40, 60}, v1::JURY_AGGREGATION_UNSPECIFIED), 50);  // mean
}

TEST(ScoringFunctionsTest, GatesCompareRawValuesAtTheBoundary) {
  EXPECT_TRUE(GateHolds(v1::COMPARISON_OPERATOR_GTE, 20, 20));
  EXPECT_FALSE(GateHolds(v1::COMPARISON_OPERATOR_GT, 20, 20));
  EXPECT_TRUE(GateHolds(v1::COMPARISON_OPERATOR_GT, 20.000001, 20));
  EXPECT_TRUE(GateHolds(v1::COMPARISON_OPERATOR_LTE, 20, 20));
  EXPECT_FALSE(GateHolds(v1::COMPARISON_OPERATOR_LT, 20, 20));
  EXPECT_TRUE(GateHolds(v1::COMPARISON_OPERATOR_LT, 19.9, 20));
  EXPECT_FALSE(GateHolds(v1::COMPARISON_OPERATOR_UNSPECIFIED, 20, 20));
}

TEST(ScoringFunctionsTest, RoundsToSixDecimals) {
  EXPECT_EQ(Round6(12.3456789), 12345679);
  EXPECT_EQ(Round6(-12.3456789), -12345679);  // away from zero
  EXPECT_EQ(Round6(50.0000001), Round6(50.0));
  EXPECT_NE(Round6(50.000001), Round6(50.0));
}

// ----- A small rubric, scored by hand -----

v1::Indicator Computed(const char* id, double weight, v1::ComputedIndicator which) {
  v1::Indicator i;
  i.set_id(id);
  i.set_display_name(id);
  i.set_weight(weight);
  i.set_computed(which);
  return i;
}

v1::Indicator Jury(const char* id, double weight) {
  v1::Indicator i;
  i.set_id(id);
  i.set_display_name(id);
  i.set_weight(weight);
  i.mutable_jury()->set_min_score(0);
  i.mutable_jury()->set_max_score(100);
  return i;
}

// performance (weight 6 of declared 10): coverage (w 3, linear 10..60), growth (w 1, rank),
// registered (w 0, reported only); policy (weight 4): regulation (jury, w 1, linear 0..100).
// Gate: coverage >= 20. Tie-break: policy, then coverage.
v1::RubricVersion SmallRubric() {
  v1::RubricVersion v;
  v.set_declared_total_weight(10);
  v.set_jury_aggregation(v1::JURY_AGGREGATION_MEAN);
  v1::Aspect* perf = v.add_aspects();
  perf->set_id("performance");
  perf->set_display_name("Kinerja");
  perf->set_weight(6);
  v1::Indicator cov = Computed("coverage", 3, v1::COMPUTED_INDICATOR_COVERAGE_RATIO);
  cov.mutable_linear()->set_lower(10);
  cov.mutable_linear()->set_upper(60);
  *perf->add_indicators() = cov;
  v1::Indicator growth = Computed("growth", 1, v1::COMPUTED_INDICATOR_COVERAGE_GROWTH);
  growth.mutable_rank_based()->set_direction(v1::RANK_DIRECTION_HIGHER_IS_BETTER);
  *perf->add_indicators() = growth;
  v1::Indicator reg = Computed("registered", 0, v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE);
  reg.mutable_linear()->set_lower(0);
  reg.mutable_linear()->set_upper(100);
  *perf->add_indicators() = reg;
  v1::Aspect* policy = v.add_aspects();
  policy->set_id("policy");
  policy->set_display_name("Kebijakan");
  policy->set_weight(4);
  v1::Indicator rule = Jury("regulation", 1);
  rule.mutable_linear()->set_lower(0);
  rule.mutable_linear()->set_upper(100);
  *policy->add_indicators() = rule;
  v1::ThresholdGate* gate = v.add_gates();
  gate->set_indicator_id("coverage");
  gate->set_comparison(v1::COMPARISON_OPERATOR_GTE);
  gate->set_threshold(20);
  v.add_tie_break_order()->set_aspect_id("policy");
  v.add_tie_break_order()->set_indicator_id("coverage");
  return v;
}

// A candidate with raw values for coverage, growth and regulation (nullopt = no value).
CandidateValues Candidate(const v1::RubricVersion& v, const std::string& subject,
                          std::optional<double> coverage, std::optional<double> growth,
                          std::optional<double> regulation) {
  CandidateValues c;
  c.candidate = "cycles/c/candidates/" + subject.substr(subject.size() - 2);
  c.subject = subject;
  c.display_name = subject;
  c.indicators = IndicatorSkeletons(v);
  auto set = [](v1::IndicatorResult& r, std::optional<double> value,
                v1::IndicatorValueStatus missing) {
    if (value.has_value()) {
      r.set_value_status(v1::INDICATOR_VALUE_STATUS_AVAILABLE);
      r.set_raw_value(*value);
    } else {
      r.set_value_status(missing);
    }
  };
  set(c.indicators[0], coverage, v1::INDICATOR_VALUE_STATUS_NO_DATA);
  set(c.indicators[1], growth, v1::INDICATOR_VALUE_STATUS_NO_DATA);
  set(c.indicators[2], std::nullopt, v1::INDICATOR_VALUE_STATUS_NO_DATA);
  set(c.indicators[3], regulation, v1::INDICATOR_VALUE_STATUS_NO_JURY_SCORES);
  return c;
}

TEST(IndicatorSkeletonsTest, EffectiveWeightsFollowAspectAndIndicatorWeights) {
  const auto s = IndicatorSkeletons(SmallRubric());
  ASSERT_EQ(s.size(), 4u);
  // coverage: 6/10 x 3/4 x 100 = 45; growth 6/10 x 1/4 x 100 = 15; registered 0; regulation 40.
  EXPECT_DOUBLE_EQ(s[0].effective_weight(), 45);
  EXPECT_DOUBLE_EQ(s[1].effective_weight(), 15);
  EXPECT_DOUBLE_EQ(s[2].effective_weight(), 0);
  EXPECT_DOUBLE_EQ(s[3].effective_weight(), 40);
  EXPECT_EQ(s[3].source(), v1::INDICATOR_SOURCE_JURY);
  EXPECT_EQ(s[3].jury_aggregation(), v1::JURY_AGGREGATION_MEAN);
  EXPECT_EQ(s[0].aspect_id(), "performance");
  EXPECT_EQ(s[3].aspect_id(), "policy");
}

TEST(ScoreCategoryTest, MatchesHandComputation) {
  const v1::RubricVersion v = SmallRubric();
  std::vector<CandidateValues> active = {
      // A: coverage 35 -> 50; growth 2.0 (rank 1 of 3) -> 100; regulation 80.
      Candidate(v, "regions/15.01", 35, 2.0, 80),
      // B: coverage 60 -> 100; growth 0.5 (rank 3) -> 0; no jury score -> 0.
      Candidate(v, "regions/15.02", 60, 0.5, std::nullopt),
      // C: coverage 19.99 fails the gate: screened out, not part of the growth population.
      Candidate(v, "regions/15.03", 19.99, 9.0, 100),
      // D: coverage 22.5 -> 25; growth 1.0 (rank 2) -> 50; regulation 50.
      Candidate(v, "regions/15.04", 22.5, 1.0, 50),
      // E: no coverage value: fails the gate.
      Candidate(v, "regions/15.05", std::nullopt, 1.0, 50),
  };
  v1::ExcludedCandidate withdrawn;
  withdrawn.set_subject("regions/15.06");
  withdrawn.set_status(v1::Candidate::STATUS_WITHDRAWN);
  const v1::CategoryResult r = ScoreCategory(v, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT,
                                             "rubrics/r/versions/1", active, {withdrawn});
  // Totals: performance = (3 x cov + 1 x growth + 0) / 4; total = (6 x perf + 4 x policy) / 10.
  // A: perf (150 + 100) / 4 = 62.5; total (375 + 320) / 10 = 69.5
  // B: perf 300 / 4 = 75;            total 450 / 10 = 45
  // D: perf (75 + 50) / 4 = 31.25;   total (187.5 + 200) / 10 = 38.75
  ASSERT_EQ(r.ranked_size(), 3);
  EXPECT_EQ(r.ranked_count(), 3);
  EXPECT_EQ(r.screened_out_count(), 2);
  EXPECT_EQ(r.excluded_count(), 1);
  EXPECT_EQ(r.ranked(0).subject(), "regions/15.01");
  EXPECT_DOUBLE_EQ(r.ranked(0).total_score(), 69.5);
  EXPECT_EQ(r.ranked(1).subject(), "regions/15.02");
  EXPECT_DOUBLE_EQ(r.ranked(1).total_score(), 45);
  EXPECT_EQ(r.ranked(2).subject(), "regions/15.04");
  EXPECT_DOUBLE_EQ(r.ranked(2).total_score(), 38.75);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(r.ranked(i).rank(), i + 1);

  const v1::RankedEntry& a = r.ranked(0);
  ASSERT_EQ(a.aspect_scores_size(), 2);
  EXPECT_DOUBLE_EQ(a.aspect_scores(0).score(), 62.5);
  EXPECT_DOUBLE_EQ(a.aspect_scores(0).weighted_contribution(), 37.5);
  EXPECT_DOUBLE_EQ(a.aspect_scores(1).score(), 80);
  EXPECT_DOUBLE_EQ(a.aspect_scores(1).weighted_contribution(), 32);
  ASSERT_EQ(a.indicators_size(), 4);
  EXPECT_DOUBLE_EQ(a.indicators(0).normalized_score(), 50);
  EXPECT_DOUBLE_EQ(a.indicators(0).weighted_contribution(), 22.5);
  EXPECT_EQ(a.indicators(1).rank_position(), 1);
  EXPECT_EQ(a.indicators(1).rank_population(), 3);  // C is screened out, so not counted
  EXPECT_DOUBLE_EQ(a.indicators(1).normalized_score(), 100);
  EXPECT_EQ(a.indicators(2).value_status(), v1::INDICATOR_VALUE_STATUS_NO_DATA);
  EXPECT_DOUBLE_EQ(a.indicators(2).weighted_contribution(), 0);
  double by_indicator = 0;
  for (const auto& i : a.indicators()) by_indicator += i.weighted_contribution();
  EXPECT_NEAR(by_indicator, a.total_score(), 1e-9);
  ASSERT_EQ(a.gate_outcomes_size(), 1);
  EXPECT_TRUE(a.gate_outcomes(0).passed());
  EXPECT_DOUBLE_EQ(a.gate_outcomes(0).value(), 35);
  ASSERT_EQ(a.tie_break_values_size(), 2);
  EXPECT_DOUBLE_EQ(a.tie_break_values(0), 80);  // policy aspect score
  EXPECT_DOUBLE_EQ(a.tie_break_values(1), 50);  // coverage normalized score

  // B has no jury score: NO_JURY_SCORES scores 0.
  EXPECT_EQ(r.ranked(1).indicators(3).value_status(), v1::INDICATOR_VALUE_STATUS_NO_JURY_SCORES);
  EXPECT_DOUBLE_EQ(r.ranked(1).indicators(3).normalized_score(), 0);
  EXPECT_EQ(r.ranked(1).indicators(1).rank_position(), 3);

  // Screened out in subject order, with the failing gate's value (none for E).
  ASSERT_EQ(r.screened_out_size(), 2);
  EXPECT_EQ(r.screened_out(0).subject(), "regions/15.03");
  EXPECT_FALSE(r.screened_out(0).gate_outcomes(0).passed());
  EXPECT_DOUBLE_EQ(r.screened_out(0).gate_outcomes(0).value(), 19.99);
  EXPECT_EQ(r.screened_out(1).subject(), "regions/15.05");
  EXPECT_FALSE(r.screened_out(1).gate_outcomes(0).has_value());
  EXPECT_EQ(r.excluded(0).subject(), "regions/15.06");
}

TEST(ScoreCategoryTest, WeightZeroIndicatorDoesNotChangeTheScore) {
  const v1::RubricVersion v = SmallRubric();
  CandidateValues with = Candidate(v, "regions/15.01", 35, 2.0, 80);
  with.indicators[2].set_value_status(v1::INDICATOR_VALUE_STATUS_AVAILABLE);
  with.indicators[2].set_raw_value(100);
  const auto r1 = ScoreCategory(v, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, "x", {with}, {});
  const auto r2 = ScoreCategory(v, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, "x",
                                {Candidate(v, "regions/15.01", 35, 2.0, 80)}, {});
  EXPECT_DOUBLE_EQ(r1.ranked(0).indicators(2).normalized_score(), 100);  // still reported
  EXPECT_DOUBLE_EQ(r1.ranked(0).total_score(), r2.ranked(0).total_score());
}

TEST(ScoreCategoryTest, TiesAreBrokenInTheRubricsOrderThenBySubject) {
  const v1::RubricVersion v = SmallRubric();
  // Totals tie exactly when they are built from equal values, so vary only the tie-break keys.
  v1::RubricVersion tie = v;
  // Make the performance aspect depend only on growth (coverage weight 0, still gated) and
  // policy weigh as much as performance, so two candidates trade points between aspects.
  tie.mutable_aspects(0)->mutable_indicators(0)->set_weight(0);
  tie.mutable_aspects(0)->set_weight(5);
  tie.mutable_aspects(1)->set_weight(5);
  // growth: all equal -> 100 each. Totals = (5 x 100 + 5 x regulation) / 10.
  std::vector<CandidateValues> c = {
      Candidate(tie, "regions/15.09", 30, 1, 60),  // total 80, policy 60, coverage 40
      Candidate(tie, "regions/15.02", 50, 1, 60),  // total 80, policy 60, coverage 80
      Candidate(tie, "regions/15.07", 50, 1, 60),  // total 80, policy 60, coverage 80
      Candidate(tie, "regions/15.01", 25, 1, 70),  // total 85
  };
  const auto r = ScoreCategory(tie, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, "x", c, {});
  ASSERT_EQ(r.ranked_size(), 4);
  EXPECT_EQ(r.ranked(0).subject(), "regions/15.01");  // best total
  // 15.02 and 15.07 tie on total, policy and coverage: subject ascending decides.
  EXPECT_EQ(r.ranked(1).subject(), "regions/15.02");
  EXPECT_EQ(r.ranked(2).subject(), "regions/15.07");
  // 15.09 ties on total and policy but loses on the coverage key.
  EXPECT_EQ(r.ranked(3).subject(), "regions/15.09");
  EXPECT_DOUBLE_EQ(r.ranked(1).total_score(), r.ranked(3).total_score());
  EXPECT_DOUBLE_EQ(r.ranked(3).tie_break_values(1), 40);
  EXPECT_DOUBLE_EQ(r.ranked(1).tie_break_values(1), 80);

  // Without tie-break keys, equal totals go by subject, whatever the coverage.
  v1::RubricVersion no_keys = tie;
  no_keys.clear_tie_break_order();
  std::vector<CandidateValues> c2 = {Candidate(no_keys, "regions/15.09", 50, 1, 60),
                                     Candidate(no_keys, "regions/15.03", 30, 1, 60)};
  const auto r2 = ScoreCategory(no_keys, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, "x", c2, {});
  EXPECT_EQ(r2.ranked(0).subject(), "regions/15.03");  // keys gone: subject ascending
  EXPECT_EQ(r2.ranked(0).tie_break_values_size(), 0);
}

TEST(ScoreCategoryTest, TotalsEqualAtSixDecimalsAreTies) {
  v1::RubricVersion v = SmallRubric();
  v.clear_tie_break_order();
  v.add_tie_break_order()->set_aspect_id("policy");
  // Two jury averages differing below 1e-6 in the total: treated as a tie, then policy decides.
  std::vector<CandidateValues> c = {Candidate(v, "regions/15.01", 35, 1, 80),
                                    Candidate(v, "regions/15.02", 35, 1, 80.000001)};
  // 15.02's total is 0.0000004 higher (4/10 x 0.000001): equal at 6 decimals, so the policy
  // key (80.000001 vs 80, different at 6 decimals) ranks 15.02 first.
  auto r = ScoreCategory(v, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, "x", c, {});
  EXPECT_EQ(r.ranked(0).subject(), "regions/15.02");
  // A lead below 1e-6 in the total does not count: with the policy key tied too, the subject
  // decides against the (unrounded) higher total.
  c = {Candidate(v, "regions/15.02", 35.0000005, 1, 80), Candidate(v, "regions/15.01", 35, 1, 80)};
  r = ScoreCategory(v, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, "x", c, {});
  EXPECT_GT(r.ranked(1).total_score(), r.ranked(0).total_score());
  EXPECT_EQ(r.ranked(0).subject(), "regions/15.01");
}

TEST(ScoreCategoryTest, DeterministicWhateverTheInputOrder) {
  const v1::RubricVersion v = SmallRubric();
  std::vector<CandidateValues> c;
  for (int i = 0; i < 30; ++i) {
    // Many exact ties on purpose: only 3 distinct coverage and jury values.
    c.push_back(Candidate(v, "regions/15." + std::to_string(10 + i), 20 + (i % 3) * 10, i % 4,
                          50 + (i % 2) * 10));
  }
  const std::string first =
      ScoreCategory(v, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, "x", c, {}).SerializeAsString();
  std::mt19937 rng(7);
  for (int run = 0; run < 20; ++run) {
    std::shuffle(c.begin(), c.end(), rng);
    EXPECT_EQ(
        ScoreCategory(v, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, "x", c, {}).SerializeAsString(),
        first)
        << "run " << run;
  }
}

// ----- Computed indicators from coverage answers -----

coverage::v1::RegionCoverage Coverage(int64_t active, int64_t potential, int64_t pu_active,
                                      int64_t pu_potential) {
  coverage::v1::RegionCoverage c;
  c.set_active_persons(active);
  c.set_potential_workers(potential);
  c.set_coverage_ratio_percent(potential > 0 ? 100.0 * active / potential : 0);
  auto* pu = c.add_segments();
  pu->set_segment(type::v1::SEGMENT_PU);
  pu->set_active_persons(pu_active);
  pu->set_potential_workers(pu_potential);
  pu->set_coverage_ratio_percent(pu_potential > 0 ? 100.0 * pu_active / pu_potential : 0);
  auto* bpu = c.add_segments();
  bpu->set_segment(type::v1::SEGMENT_BPU);
  bpu->set_active_persons(active - pu_active);
  bpu->set_potential_workers(potential - pu_potential);
  bpu->set_coverage_ratio_percent(
      potential - pu_potential > 0 ? 100.0 * (active - pu_active) / (potential - pu_potential) : 0);
  return c;
}

v1::IndicatorResult Compute(v1::ComputedIndicator which, const coverage::v1::RegionCoverage* start,
                            const coverage::v1::RegionCoverage& end,
                            type::v1::RegionLevel level = type::v1::REGION_LEVEL_REGENCY) {
  v1::IndicatorResult r;
  r.set_computed(which);
  ComputeRegionIndicator(level, 2025, start, end, r);
  return r;
}

double Input(const v1::IndicatorResult& r, const std::string& key) {
  for (const auto& i : r.inputs()) {
    if (i.key() == key) return i.value();
  }
  ADD_FAILURE() << "no input " << key;
  return -1;
}

TEST(ComputedIndicatorTest, RatiosGrowthGapAndBudget) {
  coverage::v1::RegionCoverage start = Coverage(20, 200, 10, 120);
  coverage::v1::RegionCoverage end = Coverage(50, 200, 30, 120);
  auto* target = end.mutable_target();
  target->set_year(2025);
  target->set_target_ratio_percent(40);
  auto* funded = end.add_funding();
  funded->set_funding_source(type::v1::FUNDING_SOURCE_REGENCY_BUDGET);
  funded->set_subsidy_scheme("a");
  funded->set_active_persons(3);
  funded = end.add_funding();
  funded->set_funding_source(type::v1::FUNDING_SOURCE_REGENCY_BUDGET);
  funded->set_subsidy_scheme("b");
  funded->set_active_persons(1);
  funded = end.add_funding();
  funded->set_funding_source(type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET);
  funded->set_subsidy_scheme("dumisake");
  funded->set_active_persons(9);

  auto r = Compute(v1::COMPUTED_INDICATOR_COVERAGE_RATIO, &start, end);
  EXPECT_DOUBLE_EQ(r.raw_value(), 25);
  EXPECT_DOUBLE_EQ(Input(r, "active"), 50);
  EXPECT_DOUBLE_EQ(Input(r, "potential"), 200);
  r = Compute(v1::COMPUTED_INDICATOR_PU_COVERAGE_RATIO, &start, end);
  EXPECT_DOUBLE_EQ(r.raw_value(), 25);  // 30 / 120
  r = Compute(v1::COMPUTED_INDICATOR_BPU_COVERAGE_RATIO, &start, end);
  EXPECT_DOUBLE_EQ(r.raw_value(), 25);  // 20 / 80
  r = Compute(v1::COMPUTED_INDICATOR_COVERAGE_GROWTH, &start, end);
  EXPECT_DOUBLE_EQ(r.raw_value(), 15);  // 25 - 10 points
  EXPECT_DOUBLE_EQ(Input(r, "ratio_start"), 10);
  r = Compute(v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED, &start, end);
  EXPECT_DOUBLE_EQ(r.raw_value(), 50);  // (25 - 10) / (40 - 10) x 100
  EXPECT_DOUBLE_EQ(Input(r, "target"), 40);
  // Regency budget only (4 of the 13 subsidised), per 1000 potential: 4 / 200 x 1000 = 20.
  r = Compute(v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS, &start, end);
  EXPECT_DOUBLE_EQ(r.raw_value(), 20);
  EXPECT_DOUBLE_EQ(Input(r, "budget_funded"), 4);
  // A province counts its own (provincial) budget: 9 / 200 x 1000.
  r = Compute(v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS, &start, end,
              type::v1::REGION_LEVEL_PROVINCE);
  EXPECT_DOUBLE_EQ(r.raw_value(), 45);

  // Target already met at the start: 100; no clamping above 100 otherwise.
  target->set_target_ratio_percent(8);
  EXPECT_DOUBLE_EQ(Compute(v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED, &start, end).raw_value(), 100);
  target->set_target_ratio_percent(20);
  EXPECT_DOUBLE_EQ(Compute(v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED, &start, end).raw_value(), 150);
  // A target of another year does not count.
  target->set_year(2026);
  EXPECT_EQ(Compute(v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED, &start, end).value_status(),
            v1::INDICATOR_VALUE_STATUS_NO_DATA);
}

TEST(ComputedIndicatorTest, NoDenominatorIsNoData) {
  coverage::v1::RegionCoverage none = Coverage(5, 0, 5, 0);
  for (auto which :
       {v1::COMPUTED_INDICATOR_COVERAGE_RATIO, v1::COMPUTED_INDICATOR_PU_COVERAGE_RATIO,
        v1::COMPUTED_INDICATOR_BPU_COVERAGE_RATIO, v1::COMPUTED_INDICATOR_COVERAGE_GROWTH,
        v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS,
        v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE,
        v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE}) {
    const auto r = Compute(which, &none, none);
    EXPECT_EQ(r.value_status(), v1::INDICATOR_VALUE_STATUS_NO_DATA)
        << v1::ComputedIndicator_Name(which);
    EXPECT_FALSE(r.has_raw_value());
  }
  // Employer figures are not coverage: ComputeRegionEmployerIndicator computes those.
}

TEST(JuryIndicatorTest, CombinesByTheIndicatorsAggregationInAssessorOrder) {
  v1::IndicatorResult r;
  r.set_jury_aggregation(v1::JURY_AGGREGATION_MEDIAN);
  CombineJuryIndicator({{"siti", 90}, {"budi", 60}, {"ani", 70}, {"dewi", 100}}, r);
  EXPECT_DOUBLE_EQ(r.raw_value(), 80);
  ASSERT_EQ(r.jury_scores_size(), 4);
  EXPECT_EQ(r.jury_scores(0).assessor(), "ani");
  EXPECT_EQ(r.jury_scores(3).assessor(), "siti");
  CombineJuryIndicator({}, r);
  EXPECT_EQ(r.value_status(), v1::INDICATOR_VALUE_STATUS_NO_JURY_SCORES);
  EXPECT_FALSE(r.has_raw_value());
}

}  // namespace
}  // namespace paritrana::award
