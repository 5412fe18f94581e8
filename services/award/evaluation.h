#pragma once

#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "paritrana/award/v1/resources.pb.h"
#include "services/award/sources.h"

// One evaluation of a cycle, from what the store holds to the per-category results: computed
// indicators fetched in batches from the coverage service and the registry, jury scores combined,
// then gates, scores and ranks (scoring.h). Stores nothing: the caller saves the result.
namespace paritrana::award {

// Everything an evaluation reads from the store, read in one snapshot.
struct CycleSnapshot {
  v1::AwardCycle cycle;
  std::map<int, v1::RubricVersion> versions;  // by category, as the cycle names them
  std::vector<v1::Candidate> candidates;      // every candidate of the cycle
  std::vector<v1::Assessment> assessments;    // every assessment of the cycle
};

// The results, one per entry of cycle.rubric_versions and in that order. For each category, the
// subjects of its ACTIVE candidates are fetched:
// - regions whose version has coverage indicators: one BatchGetCoverage per date (period end, and
//   period start when a growth or gap indicator needs it), split in calls of at most
//   kMaxCoverageBatch regions, asking for the version's target year (TargetYear);
// - employers whose version has computed indicators, and provinces and regencies whose version
//   has EMPLOYER_REGISTERED_SHARE or EMPLOYER_ON_TIME_SHARE: one QueryEmployerFigures over the
//   period (split in calls of at most kMaxEmployerFiguresBatch names).
// Both with the version's denominator source. Any failure of either service fails the whole
// evaluation (UNAVAILABLE when it cannot be reached).
absl::StatusOr<std::vector<v1::CategoryResult>> EvaluateSnapshot(const CycleSnapshot& snapshot,
                                                                 Directory& registry,
                                                                 CoverageSource& coverage);

}  // namespace paritrana::award
