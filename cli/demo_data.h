#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "paritrana/registry/v1/registry.pb.h"

// A synthetic but calibrated Jambi dataset for the demo and for load tests. Province and regency
// figures follow the public ones in shared/domain.md (12 Aug 2024: 518,632 active of 1,312,370
// potential workers, 39.52%; Batanghari 50.71%, Kota Jambi 48.64%, Tebo 31.49%, Tanjung Jabung
// Timur 26.66%; about 117,000 vulnerable workers paid by the province's Dumisake programme; a 55%
// target for 2025). Everything else (districts, villages, people, employers, the other regencies'
// ratios and workforce split) is invented and marked synthetic. Deterministic for a given seed;
// rows are produced one at a time, so any scale streams in constant memory.
namespace paritrana::cli {

struct DemoOptions {
  uint64_t seed = 20240610;
  // 1.0 is Jambi's real size (about 590,000 participants with lapsed ones); potentials scale too,
  // so ratios are the same at any scale.
  double scale = 0.05;
};

// The day the demo's figures describe: BPJS Ketenagakerjaan's published Jambi snapshot.
inline constexpr int kSnapshotYear = 2024, kSnapshotMonth = 8, kSnapshotDay = 12;

// Calls `emit` with every import row, numbered from 1: regions, employers, baselines, targets,
// then participants with their enrollment and first contribution.
void GenerateDemoRows(const DemoOptions& options,
                      const std::function<void(const registry::v1::ImportRow&)>& emit);

}  // namespace paritrana::cli
