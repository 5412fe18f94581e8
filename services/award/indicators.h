#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "paritrana/award/v1/resources.pb.h"
#include "paritrana/coverage/v1/coverage.pb.h"
#include "paritrana/registry/v1/registry.pb.h"
#include "paritrana/type/v1/types.pb.h"

// Raw values of indicators, with no I/O: computed indicators of a region from the coverage
// service's answers at the start and end of the assessment period and from the registry's
// employer figures of the region, computed indicators of an employer from its registry figures,
// and jury indicators from the assessors' scores. Each fills value_status, raw_value and inputs (or
// jury_scores) of an IndicatorResult made by IndicatorSkeletons (scoring.h).
namespace paritrana::award {

// Whether the category's subjects are regions (the government categories) or employers.
bool IsRegionCategory(v1::AwardCategory category);
// The region level a government category's subject must have; UNSPECIFIED for businesses.
type::v1::RegionLevel SubjectLevel(v1::AwardCategory category);
// Whether `indicator` may be used by a rubric of `category` (see ComputedIndicator): the
// coverage-only ones (BPU, gap closed, budget-funded) fit the government categories, the
// employer-only ones (programme completeness, arrears) the business categories, and the region
// side of the employer indicators (registered share, on-time share) provinces and regencies, the
// levels the registry keeps employer figures for.
bool ComputedFits(v1::ComputedIndicator indicator, v1::AwardCategory category);
// Which subjects `indicator` fits, for error messages, e.g. "employer subjects only".
absl::string_view FittingSubjects(v1::ComputedIndicator indicator);
// Whether `indicator` needs the coverage on the period's start date (growth and gap closed).
// Region subjects only: an employer's start figures come with its other figures.
bool NeedsStartDate(v1::ComputedIndicator indicator);
// Whether `indicator`, for a region subject, is computed from the coverage service (all but
// the registered and on-time shares of employers).
bool UsesCoverage(v1::ComputedIndicator indicator);
// Whether `indicator`, for a region subject, is computed from the registry's employer figures of
// the region (the registered share and the on-time share of employers).
bool UsesRegionEmployerFigures(v1::ComputedIndicator indicator);

// The year of the target TARGET_GAP_CLOSED measures against: the version's target_year, or the
// year of the assessment period's end date when it is 0.
int TargetYear(const v1::RubricVersion& version, absl::CivilDay period_end);

// The subsidy source counted as the subject's "own budget": provincial budget for a province,
// regency budget for a regency or city, village budget for a village.
type::v1::FundingSource OwnBudget(type::v1::RegionLevel level);

// A computed indicator of a region subject that UsesCoverage. `start` and `end` are the region's
// coverage on the period's start and end dates (`start` may be null when no start indicator is
// needed), both for all segments with the rubric version's denominator source, asked with
// `target_year` (TargetYear), the only target year TARGET_GAP_CLOSED accepts.
void ComputeRegionIndicator(type::v1::RegionLevel level, int target_year,
                            const coverage::v1::RegionCoverage* start,
                            const coverage::v1::RegionCoverage& end, v1::IndicatorResult& out);

// A computed indicator of a region subject that UsesRegionEmployerFigures, from the region's
// figures over the period; NO_DATA when `figures` is null (e.g. a village: the registry keeps
// employer figures for provinces and regencies only).
void ComputeRegionEmployerIndicator(const registry::v1::RegionEmployerFigures* figures,
                                    v1::IndicatorResult& out);

// A computed indicator of an employer subject from its figures over the period, as
// ComputedIndicator defines it for employers: worker coverage against the reported headcount,
// its growth, programme completeness, on-time share of bills and arrears. NO_DATA when `figures`
// is null, the denominator is 0, or the indicator does not apply to employers.
void ComputeEmployerIndicator(const registry::v1::EmployerFigures* figures,
                              v1::IndicatorResult& out);

// A jury indicator from the assessors' scores (assessor id, score), in any order: recorded by
// assessor id and combined with out.jury_aggregation(); NO_JURY_SCORES when there is none.
void CombineJuryIndicator(std::vector<std::pair<std::string, double>> scores,
                          v1::IndicatorResult& out);

}  // namespace paritrana::award
