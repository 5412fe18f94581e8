#pragma once

#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "paritrana/award/v1/resources.pb.h"
#include "services/award/sources.h"

// One evaluation of a cycle, from what the store holds to the per-category results: computed
// indicators fetched in batches from the coverage service, jury scores combined, then gates,
// scores and ranks (scoring.h). Stores nothing: the caller saves the result.
namespace paritrana::award {

// Everything an evaluation reads from the store, read in one snapshot.
struct CycleSnapshot {
  v1::AwardCycle cycle;
  std::map<int, v1::RubricVersion> versions;  // by category, as the cycle names them
  std::vector<v1::Candidate> candidates;      // every candidate of the cycle
  std::vector<v1::Assessment> assessments;    // every assessment of the cycle
};

// The results, one per entry of cycle.rubric_versions and in that order. For each category, the
// region subjects of its ACTIVE candidates are fetched with one BatchGetCoverage per date (period
// end, and period start when a growth or gap indicator needs it), split in calls of at most
// kMaxCoverageBatch regions. Any failure of the coverage service fails the whole evaluation.
absl::StatusOr<std::vector<v1::CategoryResult>> EvaluateSnapshot(const CycleSnapshot& snapshot,
                                                                 CoverageSource& coverage);

}  // namespace paritrana::award
