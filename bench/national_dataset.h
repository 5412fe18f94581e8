#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "bench/region_tables.h"
#include "paritrana/registry/v1/registry.pb.h"

// A synthetic registry population shaped like BPJS Ketenagakerjaan's, generated person by person
// from (seed, index) so tens of millions of people stream in constant memory (only the region
// tables, the apportionment and the employers' weights are held). Shared by the benchmarks
// (paritrana-bench-import --shape=national|demo) and the demo (paritrana demo-data,
// scripts/run_demo.sh). Every figure below is either a published one (shared/domain.md) or marked
// [synthetic]; bench/analysis.md ("The national dataset") has the full rule and its sources.
//
// kNational, on the query date 2025-02-28 (BPJS Ketenagakerjaan, Feb 2025):
//   - N registered persons (--participants); of them 41.38M/61M = 67.84% are active on the query
//     date (a quota of every regency, not a draw): 54.84% with one enrollment, 10% with one earlier
//     terminated enrollment (2 rows), 3% with two (3 rows); 20% lapsed (an open enrollment paid
//     through a day before the query date) and 12.16% terminated (one enrollment that ended before
//     it) [synthetic split].
//   - Segments, of every person's current enrollment: PU 26.26/41.38 = 63.46%, BPU 23.15%, JAKON
//     13.36%, PMI the rest (41.38M - 41.37M: 0.02%), so the active counts reproduce Feb 2025's.
//   - Persons to provinces in proportion to the 2020 census population (BPS SP2020; the 2022
//     Papua provinces split their parents' figure) [approximate, see bench/analysis.md]; within a
//     province to regencies/cities in proportion to their villages, a city's (kota) kelurahan
//     counting 5 times [synthetic]; within a regency uniformly over its villages. Counts are
//     apportioned by largest remainder, so they add up to N exactly.
//   - Employers: 839,937 x N / 61M, at least one per populated regency, apportioned like persons;
//     size classes micro 60%, small 28%, medium 9%, large 3% [synthetic]; PU persons work for an
//     employer of their regency, chosen with weight 3/12/50/300 by class (workers by class).
//   - Funding of BPU: a provincial scheme in six provinces (Jambi's `dumisake` 50% of BPU; others
//     `pemprov-PP` 10% to 30%) [synthetic shares], 5% regency budgets, 2% village funds, 1% CSR,
//     the rest the worker; PU the employer; JAKON other (the contractor); PMI the worker.
//   - 2025 BPJS-potential baselines per province and regency (active / 35.68%, the Apr 2025 UCJ,
//     spread 0.6-1.4x per regency and normalised so the whole dataset is at 35.68% [synthetic];
//     40% PU, 60% BPU) and 2025 targets (Jambi 55%,
//     other provinces the RPJMN's 32.15%; each regency/city its province's).
// kJambi, the demo's Jambi on 12 Aug 2024 (518,632 active of 1,312,370 potential = 39.52%;
// published regency ratios; about 117,000 paid by Dumisake): N = 580,868 x scale persons, of
// whom 1/1.12 active (8% with an earlier terminated enrollment, 2% with two) and the rest lapsed;
// PU 55%, BPU 37.56% (60.06% of it Dumisake), JAKON 5%, PMI 2.44%; about 60 PU workers per
// employer; 2024 baselines and 2025 targets (55%) for the province and each regency/city.
//
// Person i: KPJ 2xxxxxxxxxx (20,000,000,000 + i, 11 digits); NIK of the domicile district
// (PPKKCC), birth date 1965-2004 (+40 to the day for women, 40%), serial 0001-9999, unique because
// (birth date, serial) is a bijection of i (up to 146 million persons); every row of a person
// carries the same participant, its enrollments in date order, each with one contribution.
namespace paritrana::bench {

enum class DatasetShape { kNational, kJambi };

struct DatasetOptions {
  DatasetShape shape = DatasetShape::kNational;
  uint64_t seed = 2025;
  // Registered persons (not rows: a person has 1 to kMaxRowsPerPerson rows).
  uint64_t participants = 100'000;
  // The skeleton carries region rows below the provinces (synthetic regencies outside the
  // registry's built-in catalogue, then districts and villages), for a registry started without
  // --region_catalog. All of them are marked synthetic.
  bool region_rows = false;
};

class NationalDataset final {
 public:
  static constexpr int kMaxRowsPerPerson = 3;
  // NIKs are unique up to this many persons (14,610 birth dates x 9,999 serials).
  static constexpr uint64_t kMaxPersons = 14'610ULL * 9'999ULL;
  // Jambi's registered persons at scale 1: 518,632 active plus 12% lapsed.
  static constexpr double kJambiPersons = 580'868;

  NationalDataset(RegionTables tables, const DatasetOptions& options);

  const DatasetOptions& options() const { return options_; }
  const RegionTables& tables() const { return tables_; }
  // The day the dataset describes: 2025-02-28 (national) or 2024-08-12 (Jambi).
  absl::CivilDay query_date() const;

  // Calls `emit` with the rows that come before the people, numbered from 1: regions (with
  // region_rows), employers, baselines, targets. Returns how many.
  int64_t Skeleton(const std::function<void(const registry::v1::ImportRow&)>& emit) const;

  // Person i's rows (0 <= i < participants): earlier terminated enrollments first, the current
  // (active, lapsed or terminated) enrollment last.
  void Person(uint64_t i, std::vector<registry::v1::ParticipantEnrollment>& rows) const;
  // A monthly posting for a person's current enrollment (`current`, the last of Person(i)'s
  // rows): `months` months beyond its first contribution (1: the next month's), paid that many
  // months after the dataset's date, for the same amount. nullopt when the enrollment ended:
  // terminated enrollments take no contributions.
  std::optional<registry::v1::Contribution> Posting(
      const registry::v1::ParticipantEnrollment& current, int months) const;

  // The row_number of person i's row k when the people follow `base` rows: numbers are
  // increasing in (i, k) and independent of how many rows earlier persons had.
  static int64_t RowNumber(int64_t base, uint64_t i, int k) {
    return base + static_cast<int64_t>(i) * kMaxRowsPerPerson + k + 1;
  }

  // Persons per regency (indexes of tables().regencies()); they add up to participants.
  const std::vector<uint64_t>& regency_persons() const { return regency_persons_; }
  // Employers per regency and in all.
  const std::vector<uint64_t>& regency_employers() const { return regency_employers_; }
  uint64_t employers() const { return employer_first_.empty() ? 0 : employer_first_.back(); }

 private:
  struct Employer;
  Employer EmployerAt(uint64_t e) const;
  std::string EmployerOf(int regency, uint64_t draw) const;
  // Where person i lives: the regency, and the person's rank among the regency's persons.
  struct Place {
    int regency = 0;
    uint64_t rank = 0;
  };
  Place PlaceOf(uint64_t i) const;

  RegionTables tables_;
  DatasetOptions options_;
  std::vector<uint64_t> regency_persons_;
  std::vector<uint64_t> person_cum_;  // person_cum_[r]: persons of regencies before r
  std::vector<uint64_t> regency_employers_;
  std::vector<uint64_t> employer_first_;       // first employer of regency r; back() = all
  std::vector<uint64_t> employer_weight_cum_;  // cumulative attach weight, per regency from 0
  uint64_t permute_a_ = 1, permute_b_ = 0;     // persons are spread over regencies by i -> a*i+b
};

// The tool flag --shape as a DatasetShape: "national" or "demo" (the demo's Jambi).
bool ParseDatasetShape(const std::string& text, DatasetShape* shape);

}  // namespace paritrana::bench
