#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "paritrana/registry/v1/registry.pb.h"

// The demo datasets, made by the benchmarks' generator (bench/national_dataset.h), so the demo
// and the benchmarks load the same data:
// - by default a synthetic but calibrated Jambi: province and regency figures follow the public
//   ones in shared/domain.md (12 Aug 2024: 518,632 active of 1,312,370 potential workers, 39.52%;
//   Batanghari 50.71%, Kota Jambi 48.64%, Tebo 31.49%, Tanjung Jabung Timur 26.66%; about
//   117,000 vulnerable workers paid by the province's Dumisake programme; a 55% target for 2025).
//   Everything else (districts, villages, people, employers, the other regencies' ratios and
//   workforce split) is invented and marked synthetic, including what the award's rounds need
//   (scripts/run_award_demo.sh): employers' registration dates, reported headcounts and monthly
//   contribution bills paid on time, late or not at all; potential employers in the baselines;
//   2024 targets; and for the village round, the desa of Kecamatan Tanah Tumbuh (15.08.01) with
//   a baseline each and officials paid by their village budgets;
// - with `national` set, the national shape (41.38M active of 61M registered in Feb 2025,
//   scaled to `national` registered persons).
// Deterministic for a given seed; rows are produced one at a time, so any scale streams in
// constant memory.
namespace paritrana::cli {

struct DemoOptions {
  uint64_t seed = 20240610;
  // 1.0 is Jambi's real size (580,868 participants with lapsed ones); potentials scale too, so
  // ratios are the same at any scale.
  double scale = 0.05;
  // When not 0: the national dataset with this many registered persons instead of Jambi.
  uint64_t national = 0;
  // The idn-area-data package directory: people live in its real regions, which the registry
  // must hold (paritrana-registry --region_catalog). Empty: Jambi's eleven regencies with
  // synthetic districts and villages, emitted as region rows.
  std::string region_catalog;
};

// The day the demo's Jambi figures describe: BPJS Ketenagakerjaan's published Jambi snapshot.
inline constexpr int kSnapshotYear = 2024, kSnapshotMonth = 8, kSnapshotDay = 12;

// Calls `emit` with every import row, numbered increasingly from 1: regions (without a
// catalogue), employers, baselines, targets, then participants with their enrollments and
// contributions. Fails only when the catalogue cannot be read.
absl::Status GenerateDemoRows(const DemoOptions& options,
                              const std::function<void(const registry::v1::ImportRow&)>& emit);

}  // namespace paritrana::cli
