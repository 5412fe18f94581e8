#include "services/award/evaluation.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "services/award/indicators.h"
#include "services/award/scoring.h"

namespace paritrana::award {
namespace {

using coverage::v1::RegionCoverage;

// What the rubric version needs from the coverage service.
struct Needs {
  bool end = false;
  bool start = false;
};

Needs CoverageNeeds(const v1::RubricVersion& version) {
  Needs n;
  for (const v1::Aspect& a : version.aspects()) {
    for (const v1::Indicator& i : a.indicators()) {
      if (!i.has_computed() || !UsesCoverage(i.computed())) continue;
      n.end = true;
      n.start = n.start || NeedsStartDate(i.computed());
    }
  }
  return n;
}

absl::StatusOr<std::map<std::string, RegionCoverage>> Fetch(CoverageSource& coverage,
                                                            const std::vector<std::string>& regions,
                                                            absl::CivilDay day,
                                                            type::v1::DenominatorSource source) {
  std::map<std::string, RegionCoverage> out;
  if (regions.empty()) return out;
  PARITRANA_ASSIGN_OR_RETURN(std::vector<RegionCoverage> answers,
                             coverage.BatchGetCoverage(regions, day, source));
  for (size_t i = 0; i < regions.size() && i < answers.size(); ++i) {
    out[regions[i]] = std::move(answers[i]);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<v1::CategoryResult>> EvaluateSnapshot(const CycleSnapshot& snapshot,
                                                                 CoverageSource& coverage) {
  PARITRANA_ASSIGN_OR_RETURN(absl::CivilDay start,
                             ToCivilDay(snapshot.cycle.assessment_period().start_date()));
  PARITRANA_ASSIGN_OR_RETURN(absl::CivilDay end,
                             ToCivilDay(snapshot.cycle.assessment_period().end_date()));

  // Jury scores by candidate, then indicator: (assessor, score).
  std::map<std::string, std::map<std::string, std::vector<std::pair<std::string, double>>>> jury;
  for (const v1::Assessment& a : snapshot.assessments) {
    const std::string candidate = a.name().substr(0, a.name().find("/assessments/"));
    for (const v1::JuryScore& s : a.scores()) {
      jury[candidate][s.indicator_id()].emplace_back(a.assessor(), s.score());
    }
  }

  std::vector<v1::CategoryResult> results;
  for (const v1::CategoryRubricVersion& crv : snapshot.cycle.rubric_versions()) {
    auto vit = snapshot.versions.find(crv.category());
    if (vit == snapshot.versions.end()) {
      return absl::InternalError(absl::StrCat("rubric version ", crv.rubric_version(),
                                              " missing from the evaluation snapshot"));
    }
    const v1::RubricVersion& version = vit->second;
    const bool regions = IsRegionCategory(crv.category());

    std::vector<const v1::Candidate*> active;
    std::vector<v1::ExcludedCandidate> excluded;
    std::vector<std::string> subjects;
    for (const v1::Candidate& c : snapshot.candidates) {
      if (c.category() != crv.category()) continue;
      if (c.status() == v1::Candidate::STATUS_WITHDRAWN ||
          c.status() == v1::Candidate::STATUS_DISQUALIFIED) {
        v1::ExcludedCandidate e;
        e.set_candidate(c.name());
        e.set_subject(c.subject());
        e.set_display_name(c.display_name());
        e.set_status(c.status());
        e.set_note(c.note());
        excluded.push_back(std::move(e));
        continue;
      }
      active.push_back(&c);
      if (regions) subjects.push_back(c.subject());
    }

    const Needs needs = regions ? CoverageNeeds(version) : Needs{};
    std::map<std::string, RegionCoverage> at_end, at_start;
    if (needs.end) {
      PARITRANA_ASSIGN_OR_RETURN(at_end,
                                 Fetch(coverage, subjects, end, version.denominator_source()));
    }
    if (needs.start) {
      PARITRANA_ASSIGN_OR_RETURN(at_start,
                                 Fetch(coverage, subjects, start, version.denominator_source()));
    }

    const std::vector<v1::IndicatorResult> skeletons = IndicatorSkeletons(version);
    std::vector<CandidateValues> values;
    for (const v1::Candidate* c : active) {
      CandidateValues cv;
      cv.candidate = c->name();
      cv.subject = c->subject();
      cv.display_name = c->display_name();
      cv.indicators = skeletons;
      const auto& scores = jury[c->name()];
      for (v1::IndicatorResult& r : cv.indicators) {
        if (r.source() == v1::INDICATOR_SOURCE_JURY) {
          auto it = scores.find(r.indicator_id());
          CombineJuryIndicator(
              it != scores.end() ? it->second : std::vector<std::pair<std::string, double>>{}, r);
        } else if (!regions) {
          ComputeEmployerIndicator(r);
        } else {
          auto e = at_end.find(c->subject());
          auto s = at_start.find(c->subject());
          if (e == at_end.end()) {
            ComputeEmployerIndicator(r);  // employer indicators on a region: NO_DATA
            continue;
          }
          ComputeRegionIndicator(SubjectLevel(crv.category()), snapshot.cycle.year(),
                                 s != at_start.end() ? &s->second : nullptr, e->second, r);
        }
      }
      values.push_back(std::move(cv));
    }
    results.push_back(ScoreCategory(version, crv.category(), crv.rubric_version(),
                                    std::move(values), std::move(excluded)));
  }
  return results;
}

}  // namespace paritrana::award
