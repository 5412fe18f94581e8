// Field rules of the award contract: invalid rubric versions are refused with a violation naming
// each offending field, and the shipped default rubric parses and passes every rule.
#include <set>

#include "clients/rubric_file.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "services/award/rules.h"
#include "services/award/scoring.h"

namespace paritrana::award {
namespace {
using clients::LoadRubricFile;
using clients::ParseRubricFile;
using clients::RubricFile;

v1::RubricVersion Valid() {
  v1::RubricVersion v;
  v.set_declared_total_weight(100);
  v1::Aspect* a = v.add_aspects();
  a->set_id("performance");
  a->set_display_name("Kinerja");
  a->set_weight(70);
  v1::Indicator* i = a->add_indicators();
  i->set_id("coverage");
  i->set_display_name("Cakupan");
  i->set_weight(1);
  i->set_computed(v1::COMPUTED_INDICATOR_COVERAGE_RATIO);
  i->mutable_linear()->set_lower(0);
  i->mutable_linear()->set_upper(60);
  v1::Aspect* b = v.add_aspects();
  b->set_id("interview");
  b->set_display_name("Wawancara");
  b->set_weight(30);
  v1::Indicator* j = b->add_indicators();
  j->set_id("presentation");
  j->set_display_name("Presentasi");
  j->set_weight(1);
  j->mutable_jury()->set_min_score(0);
  j->mutable_jury()->set_max_score(10);
  j->mutable_rank_based()->set_direction(v1::RANK_DIRECTION_HIGHER_IS_BETTER);
  v1::ThresholdGate* g = v.add_gates();
  g->set_indicator_id("coverage");
  g->set_comparison(v1::COMPARISON_OPERATOR_GTE);
  g->set_threshold(20);
  v.add_tie_break_order()->set_aspect_id("performance");
  return v;
}

// The fields named by the violations of `version` for a rubric of `category`.
std::set<std::string> Violations(
    const v1::RubricVersion& version,
    v1::AwardCategory category = v1::AWARD_CATEGORY_REGENCY_GOVERNMENT) {
  FieldViolations v;
  CheckRubricVersion(version, category, "rubric_version", v);
  std::set<std::string> fields;
  if (auto bad = GetBadRequest(v.ToStatus())) {
    for (const auto& f : bad->field_violations()) fields.insert(f.field());
  }
  return fields;
}

using Fields = std::set<std::string>;

TEST(RubricVersionRulesTest, ValidVersionPasses) { EXPECT_EQ(Violations(Valid()), Fields{}); }

TEST(RubricVersionRulesTest, WeightsMustSumAsDeclared) {
  v1::RubricVersion v = Valid();
  v.mutable_aspects(1)->set_weight(29);
  EXPECT_EQ(Violations(v), Fields{"rubric_version.declared_total_weight"});
  v.mutable_aspects(1)->set_weight(30.0000005);  // within 1e-6
  EXPECT_EQ(Violations(v), Fields{});
  v = Valid();
  v.set_declared_total_weight(0);
  EXPECT_EQ(Violations(v), Fields{"rubric_version.declared_total_weight"});
  v = Valid();
  v.mutable_aspects(0)->set_weight(-70);
  EXPECT_EQ(Violations(v), Fields{"rubric_version.aspects[0].weight"});
  v = Valid();
  v.mutable_aspects(0)->mutable_indicators(0)->set_weight(0);  // no positive weight left
  EXPECT_EQ(Violations(v), Fields{"rubric_version.aspects[0].indicators"});
  v = Valid();
  v.mutable_aspects(0)->mutable_indicators(0)->set_weight(std::nan(""));
  EXPECT_EQ(Violations(v), (Fields{"rubric_version.aspects[0].indicators[0].weight",
                                   "rubric_version.aspects[0].indicators"}));
}

TEST(RubricVersionRulesTest, UnknownIndicatorsAreRefused) {
  v1::RubricVersion v = Valid();
  v.mutable_gates(0)->set_indicator_id("coverage_typo");
  v.add_tie_break_order()->set_indicator_id("nope");
  v.add_tie_break_order()->set_aspect_id("coverage");  // an indicator id is not an aspect id
  EXPECT_EQ(Violations(v), (Fields{"rubric_version.gates[0].indicator_id",
                                   "rubric_version.tie_break_order[1].indicator_id",
                                   "rubric_version.tie_break_order[2].aspect_id"}));
  v = Valid();
  v.mutable_aspects(0)->mutable_indicators(0)->set_computed(static_cast<v1::ComputedIndicator>(42));
  EXPECT_EQ(Violations(v), Fields{"rubric_version.aspects[0].indicators[0].computed"});
  v.mutable_aspects(0)->mutable_indicators(0)->set_computed(v1::COMPUTED_INDICATOR_UNSPECIFIED);
  EXPECT_EQ(Violations(v), Fields{"rubric_version.aspects[0].indicators[0].computed"});
}

TEST(RubricVersionRulesTest, IndicatorsMustFitTheCategory) {
  v1::RubricVersion v = Valid();
  v.mutable_aspects(0)->mutable_indicators(0)->set_computed(
      v1::COMPUTED_INDICATOR_BPU_COVERAGE_RATIO);
  EXPECT_EQ(Violations(v), Fields{});
  EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS),
            Fields{"rubric_version.aspects[0].indicators[0].computed"});
  v.mutable_aspects(0)->mutable_indicators(0)->set_computed(
      v1::COMPUTED_INDICATOR_PU_COVERAGE_RATIO);
  EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS), Fields{});
}

TEST(RubricVersionRulesTest, StructureIdsAndScoring) {
  v1::RubricVersion v = Valid();
  v.mutable_aspects(1)->mutable_indicators(0)->set_id("coverage");  // repeated across aspects
  v.mutable_aspects(1)->set_id("Interview");                        // not lower_snake
  v.mutable_aspects(0)->mutable_indicators(0)->mutable_linear()->set_upper(0);  // upper <= lower
  v.mutable_aspects(1)->mutable_indicators(0)->mutable_jury()->set_max_score(0);
  v.mutable_gates(0)->set_comparison(v1::COMPARISON_OPERATOR_UNSPECIFIED);
  v.mutable_tie_break_order(0)->clear_key();
  EXPECT_EQ(Violations(v),
            (Fields{"rubric_version.aspects[1].indicators[0].id", "rubric_version.aspects[1].id",
                    "rubric_version.aspects[0].indicators[0].linear",
                    "rubric_version.aspects[1].indicators[0].jury",
                    "rubric_version.gates[0].comparison", "rubric_version.tie_break_order[0]"}));
  v = Valid();
  v.mutable_aspects(0)->mutable_indicators(0)->clear_scoring();
  v.mutable_aspects(0)->mutable_indicators(0)->clear_source();
  v.mutable_aspects(1)->mutable_indicators(0)->mutable_rank_based()->set_direction(
      v1::RANK_DIRECTION_UNSPECIFIED);
  EXPECT_EQ(Violations(v),
            (Fields{"rubric_version.aspects[0].indicators[0].scoring",
                    "rubric_version.aspects[0].indicators[0].source",
                    "rubric_version.aspects[1].indicators[0].rank_based.direction"}));
  v = Valid();
  v.clear_aspects();  // the gate and tie-break key then name nothing either
  EXPECT_EQ(Violations(v), (Fields{"rubric_version.aspects", "rubric_version.gates[0].indicator_id",
                                   "rubric_version.tie_break_order[0].aspect_id"}));
}

TEST(RubricVersionRulesTest, NormalizeStoresTheDefaults) {
  v1::RubricVersion v = Valid();
  NormalizeRubricVersion(v);
  EXPECT_EQ(v.denominator_source(), type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
  EXPECT_EQ(v.jury_aggregation(), v1::JURY_AGGREGATION_MEAN);
}

TEST(NameRulesTest, ParsesAndRefusesNames) {
  EXPECT_TRUE(ParseRubricName("rubrics/regency-government", "name").ok());
  EXPECT_FALSE(ParseRubricName("rubrics/Regency", "name").ok());
  EXPECT_FALSE(ParseRubricName("rubrics/-x", "name").ok());
  auto version = ParseVersionName("rubrics/r/versions/12", "name");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->rubric, "rubrics/r");
  EXPECT_EQ(version->version, 12);
  EXPECT_FALSE(ParseVersionName("rubrics/r/versions/012", "name").ok());
  EXPECT_FALSE(ParseVersionName("rubrics/r/versions/0", "name").ok());
  EXPECT_FALSE(ParseVersionName("rubrics/r/versions/", "name").ok());
  EXPECT_TRUE(ParseAssessmentName("cycles/c/candidates/x/assessments/siti", "n").ok());
  EXPECT_FALSE(ParseAssessmentName("cycles/c/candidates/x/assessments/Siti", "n").ok());
  auto evaluation = ParseEvaluationName("cycles/2024-jambi/evaluations/3", "name");
  ASSERT_TRUE(evaluation.ok());
  EXPECT_EQ(evaluation->cycle, "cycles/2024-jambi");
  EXPECT_EQ(evaluation->number, 3);
  const absl::Status bad = ParseCycleName("cycle/x", "award_cycle.name");
  EXPECT_EQ(GetBadRequest(bad)->field_violations(0).field(), "award_cycle.name");
}

TEST(TextRulesTest, DisplayNamesCountCodePoints) {
  FieldViolations v;
  CheckDisplayName(std::string(200, 'a'), "a", v);
  CheckDisplayName("Kabupaten Muaro Jambi \xc3\xa9", "b", v);
  EXPECT_TRUE(v.empty());
  std::string long_name;
  for (int i = 0; i < 150; ++i) long_name += "\xc3\xa9";  // 150 code points, 300 bytes
  CheckDisplayName(long_name, "c", v);
  EXPECT_TRUE(v.empty());
  CheckDisplayName("   ", "d", v);
  CheckDisplayName(std::string(201, 'a'), "e", v);
  EXPECT_EQ(GetBadRequest(v.ToStatus())->field_violations_size(), 2);
}

TEST(CycleRulesTest, ScopeAndVersions) {
  v1::AwardCycle c;
  c.set_display_name("Paritrana 2025 Jambi");
  c.set_year(2025);
  c.set_province("regions/15.08");  // not a province
  auto* crv = c.add_rubric_versions();
  crv->set_category(v1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
  crv->set_rubric_version("rubrics/r/versions/1");
  *c.add_rubric_versions() = *crv;  // a category twice
  c.mutable_assessment_period()->mutable_start_date()->set_year(2025);
  c.mutable_assessment_period()->mutable_start_date()->set_month(12);
  c.mutable_assessment_period()->mutable_start_date()->set_day(31);
  c.mutable_assessment_period()->mutable_end_date()->set_year(2025);
  c.mutable_assessment_period()->mutable_end_date()->set_month(1);
  c.mutable_assessment_period()->mutable_end_date()->set_day(1);
  FieldViolations v;
  CheckCycle(c, "award_cycle", v);
  std::set<std::string> fields;
  const std::optional<google::rpc::BadRequest> bad = GetBadRequest(v.ToStatus());
  ASSERT_TRUE(bad.has_value());
  for (const auto& f : bad->field_violations()) fields.insert(f.field());
  EXPECT_EQ(fields, (Fields{"award_cycle.province", "award_cycle.rubric_versions[1].category",
                            "award_cycle.assessment_period.end_date"}));
}

TEST(DefaultRubricTest, ParsesValidatesAndSaysItIsConfigurable) {
  absl::StatusOr<RubricFile> file = LoadRubricFile(PARITRANA_DEFAULT_RUBRIC);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->rubric_id, "regency-government");
  EXPECT_NE(file->notice.find("CONFIGURABLE"), std::string::npos);
  EXPECT_NE(file->notice.find("no official weights"), std::string::npos);
  EXPECT_EQ(file->rubric.category(), v1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
  FieldViolations v;
  CheckRubric(file->rubric, "rubric", v);
  CheckRubricVersion(file->version, file->rubric.category(), "version", v);
  EXPECT_TRUE(v.empty()) << v.ToStatus();
  // The published aspects, in order.
  ASSERT_EQ(file->version.aspects_size(), 4);
  EXPECT_EQ(file->version.aspects(0).id(), "policy");
  EXPECT_EQ(file->version.aspects(1).id(), "implementation");
  EXPECT_EQ(file->version.aspects(2).id(), "performance");
  EXPECT_EQ(file->version.aspects(3).id(), "interview");
  double effective = 0;
  for (const auto& r : IndicatorSkeletons(file->version)) effective += r.effective_weight();
  EXPECT_NEAR(effective, 100, 1e-9);
}

TEST(RubricFileTest, RefusesUnknownFieldsAndBadShapes) {
  EXPECT_FALSE(ParseRubricFile("[]", "t").ok());
  EXPECT_FALSE(
      ParseRubricFile(R"({"rubric_id": "x", "rubric": {}, "version": {}, "extra": 1})", "t").ok());
  // A misspelt field inside the version is an error, not silently dropped.
  const auto typo = ParseRubricFile(
      R"({"rubric_id": "x", "rubric": {}, "version": {"declaredTotalWieght": 100}})", "t");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("version"), std::string::npos);
  EXPECT_TRUE(ParseRubricFile(R"({"rubric_id": "x", "rubric": {}, "version": {}})", "t").ok());
}

}  // namespace
}  // namespace paritrana::award
