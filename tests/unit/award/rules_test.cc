// Field rules of the award contract: invalid rubric versions are refused with a violation naming
// each offending field, and the shipped default rubric parses and passes every rule.
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"

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

  // Employer-only indicators: no region category may use them.
  for (auto which :
       {v1::COMPUTED_INDICATOR_PROGRAMME_COMPLETENESS, v1::COMPUTED_INDICATOR_ARREARS_MONTHS}) {
    v.mutable_aspects(0)->mutable_indicators(0)->set_computed(which);
    EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_LARGE_BUSINESS), Fields{});
    EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_PUBLIC_SERVICE_BUSINESS), Fields{});
    EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT),
              Fields{"rubric_version.aspects[0].indicators[0].computed"});
    EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT),
              Fields{"rubric_version.aspects[0].indicators[0].computed"});
  }
  // The registry keeps employer figures for provinces and regencies, not villages; the on-time
  // share applies to employers too, the registered share does not.
  v.mutable_aspects(0)->mutable_indicators(0)->set_computed(
      v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE);
  EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_PROVINCIAL_GOVERNMENT), Fields{});
  EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT), Fields{});
  EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT),
            Fields{"rubric_version.aspects[0].indicators[0].computed"});
  EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_MEDIUM_BUSINESS),
            Fields{"rubric_version.aspects[0].indicators[0].computed"});
  v.mutable_aspects(0)->mutable_indicators(0)->set_computed(
      v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE);
  EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_PROVINCIAL_GOVERNMENT), Fields{});
  EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_MEDIUM_BUSINESS), Fields{});
  EXPECT_EQ(Violations(v, v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT),
            Fields{"rubric_version.aspects[0].indicators[0].computed"});

  // The message says which subjects the indicator fits.
  FieldViolations violations;
  CheckRubricVersion(v, v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT, "rubric_version", violations);
  const auto bad = GetBadRequest(violations.ToStatus());
  ASSERT_TRUE(bad.has_value());
  EXPECT_NE(bad->field_violations(0).description().find(
                "employer, province and regency/city subjects only"),
            std::string::npos)
      << bad->field_violations(0).description();
}

TEST(RubricVersionRulesTest, TargetYearIsZeroOrAYearFrom2000To2100) {
  v1::RubricVersion v = Valid();
  for (int year : {0, 2000, 2026, 2100}) {
    v.set_target_year(year);
    EXPECT_EQ(Violations(v), Fields{}) << year;
  }
  for (int year : {-1, 1999, 2101, 20260}) {
    v.set_target_year(year);
    EXPECT_EQ(Violations(v), Fields{"rubric_version.target_year"}) << year;
  }
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
  std::map<std::string, double> weights;
  for (const auto& r : IndicatorSkeletons(file->version)) {
    effective += r.effective_weight();
    weights[r.indicator_id()] = r.effective_weight();
  }
  EXPECT_NEAR(effective, 100, 1e-9);
  // Performance (40) splits 25 / 15 / 15 / 15 / 20 / 10 among coverage, PU, BPU, growth, gap
  // and the registered share of employers.
  EXPECT_NEAR(weights["coverage_ratio"], 10, 1e-9);
  EXPECT_NEAR(weights["bpu_coverage"], 6, 1e-9);
  EXPECT_NEAR(weights["employer_registered_share"], 4, 1e-9);
  EXPECT_NEAR(weights["regional_regulation"], 12, 1e-9);
}

// Every shipped rubric file, by category: each parses with the loader --rubric_files and
// `paritrana award rubric load` use, names its category, says its numbers are assumptions and
// passes every rule of its category.
TEST(DefaultRubricTest, EveryCategoryShipsAValidRubric) {
  const std::vector<std::tuple<std::string, std::string, v1::AwardCategory>> files = {
      {"province", "province-government", v1::AWARD_CATEGORY_PROVINCIAL_GOVERNMENT},
      {"regency", "regency-government", v1::AWARD_CATEGORY_REGENCY_GOVERNMENT},
      {"village", "village-government", v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT},
      {"large_business", "large-business", v1::AWARD_CATEGORY_LARGE_BUSINESS},
      {"medium_business", "medium-business", v1::AWARD_CATEGORY_MEDIUM_BUSINESS},
      {"micro_small_business", "micro-small-business", v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS}};
  for (const auto& [file_name, rubric_id, category] : files) {
    SCOPED_TRACE(file_name);
    absl::StatusOr<RubricFile> file = LoadRubricFile(
        absl::StrCat(PARITRANA_AWARD_SOURCE_DIR, "/default_rubric_", file_name, ".json"));
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(file->rubric_id, rubric_id);
    EXPECT_EQ(file->rubric.category(), category);
    EXPECT_NE(file->notice.find("CONFIGURABLE"), std::string::npos);
    EXPECT_NE(file->notice.find("no official weights"), std::string::npos);
    EXPECT_NE(file->notice.find("assumption of this project"), std::string::npos);
    FieldViolations v;
    CheckResourceId(file->rubric_id, "rubric_id", v);
    CheckRubric(file->rubric, "rubric", v);
    CheckRubricVersion(file->version, file->rubric.category(), "version", v);
    EXPECT_TRUE(v.empty()) << v.ToStatus();
    double effective = 0;
    int computed = 0, jury = 0;
    for (const auto& r : IndicatorSkeletons(file->version)) {
      effective += r.effective_weight();
      EXPECT_GT(r.effective_weight(), 0) << r.indicator_id() << ": every indicator counts";
      (r.source() == v1::INDICATOR_SOURCE_COMPUTED ? computed : jury) += 1;
    }
    EXPECT_NEAR(effective, 100, 1e-9);
    EXPECT_GE(computed, 2);
    EXPECT_GE(jury, 2);
  }
}

// The village rubric judges what a village budget does (APBDes-funded workers) and the village's
// coverage; the business rubrics compliance (coverage, programmes, on-time bills, arrears),
// administration and participation, as the published aspects say.
TEST(DefaultRubricTest, VillageAndBusinessRubricsUseTheirIndicators) {
  auto computed = [](const std::string& name) {
    absl::StatusOr<RubricFile> file =
        LoadRubricFile(absl::StrCat(PARITRANA_AWARD_SOURCE_DIR, "/default_rubric_", name, ".json"));
    std::set<v1::ComputedIndicator> out;
    if (!file.ok()) {
      ADD_FAILURE() << file.status();
      return out;
    }
    for (const auto& a : file->version.aspects()) {
      for (const auto& i : a.indicators()) {
        if (i.has_computed()) out.insert(i.computed());
      }
    }
    return out;
  };
  EXPECT_EQ(computed("village"),
            (std::set<v1::ComputedIndicator>{v1::COMPUTED_INDICATOR_COVERAGE_RATIO,
                                             v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS}));
  for (const char* business : {"large_business", "medium_business", "micro_small_business"}) {
    EXPECT_EQ(
        computed(business),
        (std::set<v1::ComputedIndicator>{
            v1::COMPUTED_INDICATOR_COVERAGE_RATIO, v1::COMPUTED_INDICATOR_PROGRAMME_COMPLETENESS,
            v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE, v1::COMPUTED_INDICATOR_ARREARS_MONTHS}))
        << business;
  }
  const auto province = computed("province");
  EXPECT_TRUE(province.count(v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE));
  EXPECT_TRUE(province.count(v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE));
  EXPECT_TRUE(computed("regency").count(v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE));
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
