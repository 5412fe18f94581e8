#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "paritrana/coverage/v1/coverage.pb.h"
#include "paritrana/registry/v1/registry.pb.h"

// Coverage arithmetic on the registry's aggregates, with no I/O: ratios, target gaps, rankings
// and trends. Everything here is a pure function of a QueryAggregates answer, so it is tested
// against hand-computed figures and costs the same whatever the number of participants.
namespace paritrana::coverage {

// What the figures are about: one segment or all, measured against which denominator.
struct Lens {
  std::optional<type::v1::Segment> segment;
  type::v1::DenominatorSource source = type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL;
};

// Coverage of `region` on `date` from `snapshot`, which must hold that region and date, with
// progress towards the target of `target_year` (0: the year of `date`), which the snapshot holds
// when it was asked for (QueryAggregatesRequest.target_years). The denominator is the baseline
// applying to `date`, given or derived, with the registry's disagreement when it reports one.
v1::RegionCoverage CoverageOf(const registry::v1::QueryAggregatesResponse& snapshot,
                              const std::string& region, absl::CivilDay date, const Lens& lens,
                              int target_year = 0);

// Target and gap for `year`, with counts on `date`. FAILED_PRECONDITION (TARGET_NOT_FOUND or
// BASELINE_NOT_FOUND) when the registry holds no target or baseline for that year.
absl::StatusOr<v1::TargetGap> TargetGapOf(const registry::v1::QueryAggregatesResponse& snapshot,
                                          const std::string& region, int year, absl::CivilDay date,
                                          const Lens& lens);

// Every direct child of `parent`, ranked by `order` (ties by region code), ranks from 1.
std::vector<v1::RankedRegion> Rank(const registry::v1::QueryAggregatesResponse& snapshot,
                                   const std::string& parent, absl::CivilDay date,
                                   v1::RankChildRegionsRequest::OrderBy order, const Lens& lens);

// Workers still to enroll to reach `target_percent` of `potential`: ceil(potential x target),
// computed in integers on the target rounded to hundredths of a percent, never negative.
int64_t TargetWorkers(int64_t potential, double target_percent);

}  // namespace paritrana::coverage
