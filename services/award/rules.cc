#include "services/award/rules.h"

#include <cmath>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "region/validation.h"
#include "services/award/indicators.h"

namespace paritrana::award {
namespace {

constexpr int kMaxAspects = 20;
constexpr int kMaxIndicators = 100;
constexpr int kMaxGates = 50;
constexpr int kMaxTieBreakKeys = 20;
constexpr int kMaxScores = 100;
constexpr int kMaxZoneProvinces = 38;
constexpr double kWeightTolerance = 1e-6;

std::string At(const std::string& prefix, absl::string_view field) {
  return prefix.empty() ? std::string(field) : absl::StrCat(prefix, ".", field);
}

std::string Item(const std::string& prefix, absl::string_view field, int index) {
  return absl::StrCat(At(prefix, field), "[", index, "]");
}

bool Finite(double d) { return std::isfinite(d); }

// A positive decimal integer without leading zeros that fits in int64.
bool PositiveDecimal(absl::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18 || s[0] == '0') return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return absl::SimpleAtoi(s, out);
}

absl::Status Shape(absl::string_view field, absl::string_view example) {
  return InvalidField(field, absl::StrCat("must look like ", example));
}

void CheckScoring(const v1::Indicator& ind, const std::string& p, FieldViolations& v) {
  switch (ind.scoring_case()) {
    case v1::Indicator::kLinear:
      if (!Finite(ind.linear().lower()) || !Finite(ind.linear().upper()) ||
          ind.linear().lower() >= ind.linear().upper()) {
        v.Add(At(p, "linear"), "lower and upper must be finite with lower < upper");
      }
      break;
    case v1::Indicator::kRelativeToTarget:
      if (!Finite(ind.relative_to_target().target()) || ind.relative_to_target().target() <= 0) {
        v.Add(At(p, "relative_to_target.target"), "must be finite and greater than 0");
      }
      break;
    case v1::Indicator::kRankBased:
      if (ind.rank_based().direction() != v1::RANK_DIRECTION_HIGHER_IS_BETTER &&
          ind.rank_based().direction() != v1::RANK_DIRECTION_LOWER_IS_BETTER) {
        v.Add(At(p, "rank_based.direction"),
              "must be RANK_DIRECTION_HIGHER_IS_BETTER or RANK_DIRECTION_LOWER_IS_BETTER");
      }
      break;
    default:
      v.Add(At(p, "scoring"),
            "exactly one of linear, relative_to_target or rank_based is required");
  }
}

void CheckSource(const v1::Indicator& ind, v1::AwardCategory category, const std::string& p,
                 FieldViolations& v) {
  switch (ind.source_case()) {
    case v1::Indicator::kComputed:
      if (ind.computed() == v1::COMPUTED_INDICATOR_UNSPECIFIED ||
          !v1::ComputedIndicator_IsValid(ind.computed())) {
        v.Add(At(p, "computed"), "unknown computed indicator");
      } else if (v1::AwardCategory_IsValid(category) &&
                 category != v1::AWARD_CATEGORY_UNSPECIFIED &&
                 !ComputedFits(ind.computed(), category)) {
        v.Add(At(p, "computed"), absl::StrCat(v1::ComputedIndicator_Name(ind.computed()),
                                              " does not apply to the rubric's category ",
                                              v1::AwardCategory_Name(category), " (",
                                              FittingSubjects(ind.computed()), ")"));
      }
      break;
    case v1::Indicator::kJury:
      if (!Finite(ind.jury().min_score()) || !Finite(ind.jury().max_score()) ||
          ind.jury().min_score() >= ind.jury().max_score()) {
        v.Add(At(p, "jury"), "min_score and max_score must be finite with min_score < max_score");
      }
      if (!v1::JuryAggregation_IsValid(ind.jury().aggregation())) {
        v.Add(At(p, "jury.aggregation"), "unknown jury aggregation");
      }
      break;
    default:
      v.Add(At(p, "source"), "exactly one of computed or jury is required");
  }
}

}  // namespace

bool IsResourceId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  auto alnum = [](char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c); };
  if (!alnum(id.front()) || !alnum(id.back())) return false;
  for (char c : id) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

bool IsLowerSnake(absl::string_view id) {
  if (id.empty() || id.size() > 63 || !absl::ascii_islower(id.front())) return false;
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') return false;
  }
  return true;
}

size_t CodePoints(absl::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

void CheckResourceId(absl::string_view id, const std::string& field, FieldViolations& v) {
  if (!IsResourceId(id)) {
    v.Add(field,
          "must be 1 to 63 lower-case letters, digits and hyphens, not starting or ending with a "
          "hyphen");
  }
}

void CheckDisplayName(absl::string_view name, const std::string& field, FieldViolations& v) {
  const size_t n = CodePoints(name);
  if (n == 0 || absl::StripAsciiWhitespace(name).empty()) {
    v.Add(field, "is required and must not be blank");
  } else if (n > 200) {
    v.Add(field, "must be at most 200 characters");
  }
}

void CheckText(absl::string_view text, const std::string& field, FieldViolations& v) {
  if (CodePoints(text) > 2000) v.Add(field, "must be at most 2000 characters");
}

void CheckDateRange(const v1::DateRange& range, const std::string& field, FieldViolations& v) {
  std::optional<absl::CivilDay> days[2];
  const google::type::Date* dates[2] = {&range.start_date(), &range.end_date()};
  const char* names[2] = {"start_date", "end_date"};
  const bool present[2] = {range.has_start_date(), range.has_end_date()};
  for (int i = 0; i < 2; ++i) {
    const std::string f = At(field, names[i]);
    if (!present[i]) {
      v.Add(f, "is required");
      continue;
    }
    absl::StatusOr<absl::CivilDay> d = ToCivilDay(*dates[i]);
    if (!v.Check(f, d.status())) continue;
    if (d->year() < 2000 || d->year() > 2100) {
      v.Add(f, "must be a date from 2000-01-01 to 2100-12-31");
      continue;
    }
    days[i] = *d;
  }
  if (days[0] && days[1] && *days[0] > *days[1]) {
    v.Add(At(field, "end_date"), "must not be before start_date");
  }
}

absl::Status ParseRubricName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> p = absl::StrSplit(name, '/');
  if (p.size() != 2 || p[0] != "rubrics" || !IsResourceId(p[1])) {
    return Shape(field, "rubrics/{rubric}, e.g. rubrics/regency-government");
  }
  return absl::OkStatus();
}

absl::StatusOr<VersionName> ParseVersionName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> p = absl::StrSplit(name, '/');
  int64_t n = 0;
  if (p.size() != 4 || p[0] != "rubrics" || !IsResourceId(p[1]) || p[2] != "versions" ||
      !PositiveDecimal(p[3], &n) || n > INT32_MAX) {
    return Shape(field,
                 "rubrics/{rubric}/versions/{version}, e.g. rubrics/regency-government/versions/1");
  }
  return VersionName{absl::StrCat("rubrics/", p[1]), static_cast<int32_t>(n)};
}

absl::Status ParseCycleName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> p = absl::StrSplit(name, '/');
  if (p.size() != 2 || p[0] != "cycles" || !IsResourceId(p[1])) {
    return Shape(field, "cycles/{cycle}, e.g. cycles/2024-jambi");
  }
  return absl::OkStatus();
}

absl::StatusOr<CandidateName> ParseCandidateName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> p = absl::StrSplit(name, '/');
  if (p.size() != 4 || p[0] != "cycles" || !IsResourceId(p[1]) || p[2] != "candidates" ||
      !IsResourceId(p[3])) {
    return Shape(field,
                 "cycles/{cycle}/candidates/{candidate}, e.g. cycles/2024-jambi/candidates/bungo");
  }
  return CandidateName{absl::StrCat("cycles/", p[1]), std::string(p[3])};
}

absl::StatusOr<AssessmentName> ParseAssessmentName(absl::string_view name,
                                                   absl::string_view field) {
  std::vector<absl::string_view> p = absl::StrSplit(name, '/');
  if (p.size() != 6 || p[0] != "cycles" || !IsResourceId(p[1]) || p[2] != "candidates" ||
      !IsResourceId(p[3]) || p[4] != "assessments" || !IsResourceId(p[5])) {
    return Shape(field, "cycles/{cycle}/candidates/{candidate}/assessments/{assessor}");
  }
  return AssessmentName{absl::StrCat("cycles/", p[1]),
                        absl::StrCat("cycles/", p[1], "/candidates/", p[3]), std::string(p[5])};
}

absl::StatusOr<EvaluationName> ParseEvaluationName(absl::string_view name,
                                                   absl::string_view field) {
  std::vector<absl::string_view> p = absl::StrSplit(name, '/');
  int64_t n = 0;
  if (p.size() != 4 || p[0] != "cycles" || !IsResourceId(p[1]) || p[2] != "evaluations" ||
      !PositiveDecimal(p[3], &n)) {
    return Shape(field,
                 "cycles/{cycle}/evaluations/{evaluation}, e.g. cycles/2024-jambi/evaluations/1");
  }
  return EvaluationName{absl::StrCat("cycles/", p[1]), n};
}

std::string VersionResourceName(absl::string_view rubric, int32_t version) {
  return absl::StrCat(rubric, "/versions/", version);
}

void CheckRubric(const v1::Rubric& rubric, const std::string& prefix, FieldViolations& v) {
  if (rubric.category() == v1::AWARD_CATEGORY_UNSPECIFIED ||
      !v1::AwardCategory_IsValid(rubric.category())) {
    v.Add(At(prefix, "category"), "is required: one of the AWARD_CATEGORY_* values");
  }
  CheckDisplayName(rubric.display_name(), At(prefix, "display_name"), v);
  CheckText(rubric.description(), At(prefix, "description"), v);
}

void CheckRubricVersion(const v1::RubricVersion& version, v1::AwardCategory category,
                        const std::string& prefix, FieldViolations& v) {
  CheckText(version.description(), At(prefix, "description"), v);
  const bool total_ok =
      Finite(version.declared_total_weight()) && version.declared_total_weight() > 0;
  if (!total_ok) v.Add(At(prefix, "declared_total_weight"), "must be finite and greater than 0");
  if (!type::v1::DenominatorSource_IsValid(version.denominator_source())) {
    v.Add(At(prefix, "denominator_source"), "unknown denominator source");
  }
  if (!v1::JuryAggregation_IsValid(version.jury_aggregation())) {
    v.Add(At(prefix, "jury_aggregation"), "unknown jury aggregation");
  }
  if (version.target_year() != 0 &&
      (version.target_year() < 2000 || version.target_year() > 2100)) {
    v.Add(At(prefix, "target_year"),
          "must be 0 (the year of the period's end date) or a year from 2000 to 2100");
  }
  if (version.aspects_size() < 1 || version.aspects_size() > kMaxAspects) {
    v.Add(At(prefix, "aspects"), absl::StrCat("must have 1 to ", kMaxAspects, " aspects"));
  }
  if (version.gates_size() > kMaxGates) {
    v.Add(At(prefix, "gates"), absl::StrCat("must have at most ", kMaxGates, " gates"));
  }
  if (version.tie_break_order_size() > kMaxTieBreakKeys) {
    v.Add(At(prefix, "tie_break_order"),
          absl::StrCat("must have at most ", kMaxTieBreakKeys, " keys"));
  }

  std::set<std::string> aspect_ids;
  std::set<std::string> indicator_ids;
  int indicators = 0;
  double weight_sum = 0;
  bool weights_ok = true;
  for (int i = 0; i < version.aspects_size(); ++i) {
    const v1::Aspect& a = version.aspects(i);
    const std::string ap = Item(prefix, "aspects", i);
    if (!IsLowerSnake(a.id())) {
      v.Add(At(ap, "id"), "must match ^[a-z][a-z0-9_]{0,62}$, e.g. performance");
    } else if (!aspect_ids.insert(a.id()).second) {
      v.Add(At(ap, "id"), absl::StrCat("repeats the aspect id \"", a.id(), "\""));
    }
    CheckDisplayName(a.display_name(), At(ap, "display_name"), v);
    if (!Finite(a.weight()) || a.weight() <= 0) {
      v.Add(At(ap, "weight"), "must be finite and greater than 0");
      weights_ok = false;
    } else {
      weight_sum += a.weight();
    }
    if (a.indicators_size() == 0) {
      v.Add(At(ap, "indicators"), "must have at least one indicator");
    }
    bool positive = false;
    for (int j = 0; j < a.indicators_size(); ++j) {
      ++indicators;
      const v1::Indicator& ind = a.indicators(j);
      const std::string ip = Item(ap, "indicators", j);
      if (!IsLowerSnake(ind.id())) {
        v.Add(At(ip, "id"), "must match ^[a-z][a-z0-9_]{0,62}$, e.g. bpu_coverage");
      } else if (!indicator_ids.insert(ind.id()).second) {
        v.Add(At(ip, "id"), absl::StrCat("repeats the indicator id \"", ind.id(),
                                         "\"; indicator ids are unique in a version"));
      }
      CheckDisplayName(ind.display_name(), At(ip, "display_name"), v);
      if (!Finite(ind.weight()) || ind.weight() < 0) {
        v.Add(At(ip, "weight"), "must be finite and at least 0");
      } else if (ind.weight() > 0) {
        positive = true;
      }
      CheckSource(ind, category, ip, v);
      CheckScoring(ind, ip, v);
    }
    if (a.indicators_size() > 0 && !positive) {
      v.Add(At(ap, "indicators"), "at least one indicator must have a weight greater than 0");
    }
  }
  if (indicators > kMaxIndicators) {
    v.Add(At(prefix, "aspects"),
          absl::StrCat("must have at most ", kMaxIndicators, " indicators in total"));
  }
  if (total_ok && weights_ok && version.aspects_size() > 0 &&
      std::fabs(weight_sum - version.declared_total_weight()) > kWeightTolerance) {
    v.Add(At(prefix, "declared_total_weight"),
          absl::StrCat("the aspect weights sum to ", weight_sum, ", not to the declared ",
                       version.declared_total_weight()));
  }

  for (int k = 0; k < version.gates_size(); ++k) {
    const v1::ThresholdGate& g = version.gates(k);
    const std::string gp = Item(prefix, "gates", k);
    if (indicator_ids.count(g.indicator_id()) == 0) {
      v.Add(At(gp, "indicator_id"),
            absl::StrCat("unknown indicator \"", g.indicator_id(), "\" in this version"));
    }
    if (g.comparison() == v1::COMPARISON_OPERATOR_UNSPECIFIED ||
        !v1::ComparisonOperator_IsValid(g.comparison())) {
      v.Add(At(gp, "comparison"), "must be GTE, GT, LTE or LT");
    }
    if (!Finite(g.threshold())) v.Add(At(gp, "threshold"), "must be finite");
    CheckText(g.description(), At(gp, "description"), v);
  }
  for (int k = 0; k < version.tie_break_order_size(); ++k) {
    const v1::TieBreakKey& t = version.tie_break_order(k);
    const std::string tp = Item(prefix, "tie_break_order", k);
    switch (t.key_case()) {
      case v1::TieBreakKey::kIndicatorId:
        if (indicator_ids.count(t.indicator_id()) == 0) {
          v.Add(At(tp, "indicator_id"),
                absl::StrCat("unknown indicator \"", t.indicator_id(), "\" in this version"));
        }
        break;
      case v1::TieBreakKey::kAspectId:
        if (aspect_ids.count(t.aspect_id()) == 0) {
          v.Add(At(tp, "aspect_id"),
                absl::StrCat("unknown aspect \"", t.aspect_id(), "\" in this version"));
        }
        break;
      default:
        v.Add(tp, "exactly one of indicator_id or aspect_id is required");
    }
  }
}

void NormalizeRubricVersion(v1::RubricVersion& version) {
  if (version.denominator_source() == type::v1::DENOMINATOR_SOURCE_UNSPECIFIED) {
    version.set_denominator_source(type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
  }
  if (version.jury_aggregation() == v1::JURY_AGGREGATION_UNSPECIFIED) {
    version.set_jury_aggregation(v1::JURY_AGGREGATION_MEAN);
  }
}

const v1::Indicator* FindIndicator(const v1::RubricVersion& version, absl::string_view id) {
  for (const v1::Aspect& a : version.aspects()) {
    for (const v1::Indicator& i : a.indicators()) {
      if (i.id() == id) return &i;
    }
  }
  return nullptr;
}

v1::DateRange DefaultPeriod(int year) {
  v1::DateRange r;
  r.mutable_start_date()->set_year(year);
  r.mutable_start_date()->set_month(1);
  r.mutable_start_date()->set_day(1);
  r.mutable_end_date()->set_year(year);
  r.mutable_end_date()->set_month(12);
  r.mutable_end_date()->set_day(31);
  return r;
}

void CheckCycle(const v1::AwardCycle& cycle, const std::string& prefix, FieldViolations& v) {
  CheckDisplayName(cycle.display_name(), At(prefix, "display_name"), v);
  CheckText(cycle.description(), At(prefix, "description"), v);
  if (cycle.year() < 2000 || cycle.year() > 2100) {
    v.Add(At(prefix, "year"), "must be a year from 2000 to 2100");
  }
  if (cycle.has_assessment_period()) {
    CheckDateRange(cycle.assessment_period(), At(prefix, "assessment_period"), v);
  }
  auto province = [&](absl::string_view name, const std::string& field) {
    absl::StatusOr<RegionCode> code = ParseRegionName(name);
    if (!code.ok()) {
      v.Add(field, code.status().message());
    } else if (code->level != type::v1::REGION_LEVEL_PROVINCE) {
      v.Add(field, "must be a province, regions/{PP}, e.g. regions/15");
    }
  };
  switch (cycle.scope_case()) {
    case v1::AwardCycle::kProvince:
      province(cycle.province(), At(prefix, "province"));
      break;
    case v1::AwardCycle::kZone: {
      const std::string zp = At(prefix, "zone");
      CheckDisplayName(cycle.zone().display_name(), At(zp, "display_name"), v);
      if (cycle.zone().provinces_size() < 1 || cycle.zone().provinces_size() > kMaxZoneProvinces) {
        v.Add(At(zp, "provinces"),
              absl::StrCat("must list 1 to ", kMaxZoneProvinces, " provinces"));
      }
      std::set<std::string> seen;
      for (int i = 0; i < cycle.zone().provinces_size(); ++i) {
        const std::string f = Item(zp, "provinces", i);
        province(cycle.zone().provinces(i), f);
        if (!seen.insert(cycle.zone().provinces(i)).second) v.Add(f, "repeats a province");
      }
      break;
    }
    default:
      v.Add(At(prefix, "scope"), "exactly one of province or zone is required");
  }
  if (cycle.rubric_versions_size() == 0) {
    v.Add(At(prefix, "rubric_versions"), "must name the rubric version of at least one category");
  }
  std::set<int> categories;
  for (int i = 0; i < cycle.rubric_versions_size(); ++i) {
    const v1::CategoryRubricVersion& c = cycle.rubric_versions(i);
    const std::string p = Item(prefix, "rubric_versions", i);
    if (c.category() == v1::AWARD_CATEGORY_UNSPECIFIED ||
        !v1::AwardCategory_IsValid(c.category())) {
      v.Add(At(p, "category"), "is required: one of the AWARD_CATEGORY_* values");
    } else if (!categories.insert(c.category()).second) {
      v.Add(At(p, "category"), "repeats a category; a cycle has one rubric version per category");
    }
    v.Check(At(p, "rubric_version"), ParseVersionName(c.rubric_version(), "").status());
  }
}

void CheckCandidate(const v1::Candidate& candidate, bool creating, const std::string& prefix,
                    FieldViolations& v) {
  if (creating) {
    const v1::AwardCategory category = candidate.category();
    if (category == v1::AWARD_CATEGORY_UNSPECIFIED || !v1::AwardCategory_IsValid(category)) {
      v.Add(At(prefix, "category"), "is required: one of the AWARD_CATEGORY_* values");
    } else if (IsRegionCategory(category)) {
      absl::StatusOr<RegionCode> code = ParseRegionName(candidate.subject());
      if (!code.ok()) {
        v.Add(At(prefix, "subject"), code.status().message());
      } else if (code->level != SubjectLevel(category)) {
        v.Add(At(prefix, "subject"),
              absl::StrCat("a ", v1::AwardCategory_Name(category),
                           " candidate must be a region of level ",
                           type::v1::RegionLevel_Name(SubjectLevel(category))));
      }
    } else {
      std::vector<absl::string_view> p = absl::StrSplit(candidate.subject(), '/');
      bool ok = p.size() == 2 && p[0] == "employers" && p[1].size() == 8;
      for (char c : ok ? p[1] : absl::string_view()) ok = ok && absl::ascii_isdigit(c);
      if (!ok) {
        v.Add(At(prefix, "subject"),
              "a business candidate must be an employer, employers/{npp} with an 8-digit NPP");
      }
    }
  }
  if (!candidate.display_name().empty()) {
    CheckDisplayName(candidate.display_name(), At(prefix, "display_name"), v);
  }
  if (!v1::Candidate::Stage_IsValid(candidate.stage())) {
    v.Add(At(prefix, "stage"), "unknown stage");
  }
  if (!v1::Candidate::Status_IsValid(candidate.status())) {
    v.Add(At(prefix, "status"), "unknown status");
  }
  CheckText(candidate.note(), At(prefix, "note"), v);
}

void CheckScores(const v1::Assessment& assessment, const v1::RubricVersion& version,
                 const std::string& prefix, FieldViolations& v) {
  if (assessment.scores_size() > kMaxScores) {
    v.Add(At(prefix, "scores"), absl::StrCat("must have at most ", kMaxScores, " scores"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < assessment.scores_size(); ++i) {
    const v1::JuryScore& s = assessment.scores(i);
    const std::string p = Item(prefix, "scores", i);
    const v1::Indicator* ind = FindIndicator(version, s.indicator_id());
    if (ind == nullptr || !ind->has_jury()) {
      v.Add(At(p, "indicator_id"),
            absl::StrCat("\"", s.indicator_id(),
                         "\" is not a jury indicator of the candidate's rubric version"));
    } else if (!seen.insert(s.indicator_id()).second) {
      v.Add(At(p, "indicator_id"), "repeats an indicator; give at most one score per indicator");
    } else if (!Finite(s.score()) || s.score() < ind->jury().min_score() ||
               s.score() > ind->jury().max_score()) {
      v.Add(At(p, "score"), absl::StrCat("must lie within [", ind->jury().min_score(), ", ",
                                         ind->jury().max_score(), "]"));
    }
    CheckText(s.comment(), At(p, "comment"), v);
  }
}

}  // namespace paritrana::award
