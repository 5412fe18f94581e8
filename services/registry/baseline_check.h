#pragma once

#include <optional>
#include <string>
#include <vector>

#include "paritrana/registry/v1/registry.pb.h"

// Baselines that add up (issue 19): a province's potential workers are either given (its own
// stored baseline) or derived from its regencies'/cities' baselines, and a given one that
// disagrees with its children's sum is reported, never refused (the figures may come from
// different publications). Pure functions over the baselines of one province's children, so
// QueryAggregates reads them once per province with bounded calls and the rules are tested alone.
namespace paritrana::registry {

// The registry's default --baseline_tolerance_percent.
inline constexpr double kDefaultBaselineTolerancePercent = 2;

// A province and what its direct children (regencies/cities) hold.
struct ProvinceChildren {
  std::string province;  // e.g. "regions/15"
  int children = 0;      // its direct children, with a baseline or not
  // Every baseline of those children, any source and year (each child's own `region` says whose).
  std::vector<v1::WorkforceBaseline> baselines;
};

// The baseline of `p.province` derived from its children for `source` and `year`: for each child,
// its baseline of that source of `year` or, when it has none, its latest one before (the rule
// QueryAggregates applies to every region); unset when no child has one. potential_workers is
// the sum over those children; a segment's workers, formal_workers, informal_workers and
// potential_employers are summed only when every summed child has them (otherwise they stay
// unknown). Its year is the latest year among the summed baselines, its name the one a given
// baseline of that year and source would have, origin DERIVED_FROM_CHILDREN, and source_note
// says how many children it sums. The result depends on that year only, never on `year`, so the
// same name always carries the same figures.
std::optional<v1::WorkforceBaseline> DeriveProvinceBaseline(const ProvinceChildren& p,
                                                            type::v1::DenominatorSource source,
                                                            int year);

// Compares the province's given baseline with the sum of its children's baselines of the same
// source and exactly the same year. Reported (difference_percent = (given - sum) / given x 100)
// when some child has such a baseline and:
//   - every child has one, and |difference_percent| > tolerance_percent;
//   - only some children have one (the sum is then a lower bound of the complete sum), and the
//     sum exceeds the given figure by more than tolerance_percent (difference_percent <
//     -tolerance_percent): a shortfall could be the missing children's, an excess cannot.
// tolerance_percent 0 reports every difference.
std::optional<v1::BaselineDisagreement> CheckProvinceBaseline(const v1::WorkforceBaseline& given,
                                                              const ProvinceChildren& p,
                                                              double tolerance_percent);

}  // namespace paritrana::registry
