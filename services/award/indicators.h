#pragma once

#include <string>
#include <utility>
#include <vector>

#include "paritrana/award/v1/resources.pb.h"
#include "paritrana/coverage/v1/coverage.pb.h"
#include "paritrana/type/v1/types.pb.h"

// Raw values of indicators, with no I/O: computed indicators from the coverage service's answers
// for a subject at the start and end of the assessment period, and jury indicators from the
// assessors' scores. Each fills value_status, raw_value and inputs (or jury_scores) of an
// IndicatorResult made by IndicatorSkeletons (scoring.h).
namespace paritrana::award {

// Whether the category's subjects are regions (the government categories) or employers.
bool IsRegionCategory(v1::AwardCategory category);
// The region level a government category's subject must have; UNSPECIFIED for businesses.
type::v1::RegionLevel SubjectLevel(v1::AwardCategory category);
// Whether `indicator` may be used by a rubric of `category` (see ComputedIndicator).
bool ComputedFits(v1::ComputedIndicator indicator, v1::AwardCategory category);
// Whether `indicator` needs the coverage on the period's start date (growth and gap closed).
bool NeedsStartDate(v1::ComputedIndicator indicator);
// Whether `indicator` is computed from the coverage service at all (the employer indicators are
// not: the registry holds no employer baselines or obligations yet, so they are NO_DATA).
bool UsesCoverage(v1::ComputedIndicator indicator);

// The subsidy source counted as the subject's "own budget": provincial budget for a province,
// regency budget for a regency or city, village budget for a village.
type::v1::FundingSource OwnBudget(type::v1::RegionLevel level);

// A computed indicator of a region subject. `start` and `end` are the region's coverage on the
// period's start and end dates (`start` may be null when no start indicator is needed), both for
// all segments with the rubric version's denominator source. `cycle_year` picks the target.
void ComputeRegionIndicator(type::v1::RegionLevel level, int cycle_year,
                            const coverage::v1::RegionCoverage* start,
                            const coverage::v1::RegionCoverage& end, v1::IndicatorResult& out);

// A computed indicator of an employer subject: always NO_DATA for now, since the registry has no
// per-employer participant counts, declared-workforce denominators or obligation records yet.
void ComputeEmployerIndicator(v1::IndicatorResult& out);

// A jury indicator from the assessors' scores (assessor id, score), in any order: recorded by
// assessor id and combined with out.jury_aggregation(); NO_JURY_SCORES when there is none.
void CombineJuryIndicator(std::vector<std::pair<std::string, double>> scores,
                          v1::IndicatorResult& out);

}  // namespace paritrana::award
