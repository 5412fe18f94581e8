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

// What the rubric version needs from the other services for its subjects.
struct Needs {
  bool end = false;        // coverage on the period's end date (region subjects)
  bool start = false;      // coverage on its start date (region subjects)
  bool employers = false;  // the registry's employer figures over the period
};

Needs NeedsOf(const v1::RubricVersion& version, bool regions) {
  Needs n;
  for (const v1::Aspect& a : version.aspects()) {
    for (const v1::Indicator& i : a.indicators()) {
      if (!i.has_computed()) continue;
      if (!regions) {
        n.employers = true;  // every computed indicator of an employer comes from its figures
      } else if (UsesRegionEmployerFigures(i.computed())) {
        n.employers = true;
      } else {
        n.end = true;
        n.start = n.start || NeedsStartDate(i.computed());
      }
    }
  }
  return n;
}

absl::StatusOr<std::map<std::string, RegionCoverage>> Fetch(CoverageSource& coverage,
                                                            const std::vector<std::string>& regions,
                                                            absl::CivilDay day,
                                                            type::v1::DenominatorSource source,
                                                            int target_year) {
  std::map<std::string, RegionCoverage> out;
  if (regions.empty()) return out;
  PARITRANA_ASSIGN_OR_RETURN(std::vector<RegionCoverage> answers,
                             coverage.BatchGetCoverage(regions, day, source, target_year));
  for (size_t i = 0; i < regions.size() && i < answers.size(); ++i) {
    out[regions[i]] = std::move(answers[i]);
  }
  return out;
}

// The employer figures of a category's subjects, by subject name: employers for a business
// category, provinces and regencies for a government one (the registry keeps none for
// villages, whose employer indicators rubrics cannot use).
struct Figures {
  std::map<std::string, registry::v1::EmployerFigures> employers;
  std::map<std::string, registry::v1::RegionEmployerFigures> regions;
};

absl::StatusOr<Figures> FetchFigures(Directory& registry, const std::vector<std::string>& subjects,
                                     v1::AwardCategory category, absl::CivilDay start,
                                     absl::CivilDay end, type::v1::DenominatorSource source) {
  Figures out;
  const bool regions = IsRegionCategory(category);
  if (subjects.empty() || category == v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT) return out;
  const std::vector<std::string> none;
  PARITRANA_ASSIGN_OR_RETURN(
      registry::v1::QueryEmployerFiguresResponse figures,
      registry.QueryEmployerFigures(regions ? none : subjects, regions ? subjects : none, start,
                                    end, source));
  for (auto& e : *figures.mutable_employers()) {
    std::string name = e.employer();
    out.employers[std::move(name)] = std::move(e);
  }
  for (auto& r : *figures.mutable_regions()) {
    std::string name = r.region();
    out.regions[std::move(name)] = std::move(r);
  }
  return out;
}

template <typename Map>
const typename Map::mapped_type* Find(const Map& map, const std::string& key) {
  auto it = map.find(key);
  return it != map.end() ? &it->second : nullptr;
}

}  // namespace

absl::StatusOr<std::vector<v1::CategoryResult>> EvaluateSnapshot(const CycleSnapshot& snapshot,
                                                                 Directory& registry,
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
      subjects.push_back(c.subject());
    }

    const Needs needs = NeedsOf(version, regions);
    const int target_year = TargetYear(version, end);
    std::map<std::string, RegionCoverage> at_end, at_start;
    if (needs.end) {
      PARITRANA_ASSIGN_OR_RETURN(
          at_end, Fetch(coverage, subjects, end, version.denominator_source(), target_year));
    }
    if (needs.start) {
      PARITRANA_ASSIGN_OR_RETURN(
          at_start, Fetch(coverage, subjects, start, version.denominator_source(), target_year));
    }
    Figures figures;
    if (needs.employers) {
      PARITRANA_ASSIGN_OR_RETURN(figures, FetchFigures(registry, subjects, crv.category(), start,
                                                       end, version.denominator_source()));
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
          ComputeEmployerIndicator(Find(figures.employers, c->subject()), r);
        } else if (UsesRegionEmployerFigures(r.computed())) {
          ComputeRegionEmployerIndicator(Find(figures.regions, c->subject()), r);
        } else {
          const RegionCoverage* e = Find(at_end, c->subject());
          if (e == nullptr) {
            return absl::InternalError(absl::StrCat("no coverage was fetched for ", c->subject()));
          }
          ComputeRegionIndicator(SubjectLevel(crv.category()), target_year,
                                 Find(at_start, c->subject()), *e, r);
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
