#pragma once

#include <string>

#include "absl/status/status.h"
#include "cli/connection.h"
#include "cli/output.h"

namespace paritrana::cli {

struct CoverageQuery {
  std::string region;   // "15" or "regions/15"
  std::string date;     // YYYY-MM-DD; "" for today
  std::string segment;  // PU, BPU, JAKON, PMI or ""
  int target_year = 0;  // coverage: the target's year; 0 for the date's
  Format format = Format::kTable;
};

// Coverage of a region: totals, segments, programmes, funding, the target of the date's year (or
// of q.target_year) and, when the denominator is a province's, whether it adds up.
absl::Status RunCoverage(const Connection& c, const CoverageQuery& q);
// Ranking of a region's children; `order` is ratio, ratio-asc, gap or active.
absl::Status RunRank(const Connection& c, const CoverageQuery& q, const std::string& order);
// Monthly trend between two months (YYYY-MM).
absl::Status RunTrend(const Connection& c, const CoverageQuery& q, const std::string& from,
                      const std::string& to);
// Workers still to enroll to reach `year`'s target, for the region and each child.
absl::Status RunGap(const Connection& c, const CoverageQuery& q, int year);

}  // namespace paritrana::cli
