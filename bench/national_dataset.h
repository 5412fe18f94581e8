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
// tables, the apportionment and the employers' weights and registration days are held; Skeleton
// also a count per employer). Shared by the benchmarks
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
//     drawn as micro 60%, small 28%, medium 9%, large 3% [synthetic]; PU persons work for an
//     employer of their regency already registered when their enrollment starts, chosen with
//     weight 3/12/60/700 by drawn class (about its workers: 26.26M PU / 839,937 employers = 31
//     a piece on average). See "Employer figures" below.
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
// PU 55%, BPU 37.56% (60.06% of it Dumisake), JAKON 5%, PMI 2.44%; about 31 active PU workers
// per employer (the national ratio); 2024 baselines, 2025 targets (55%) and 2024 targets (45%
// [synthetic], which the award's 2024 round measures against) for the province and each
// regency/city. Kota Jambi's first four employers are drawn large, medium, small and micro
// and registered before the query year, so every business category has candidates at any scale.
// The village round's villages (kVillageRoundDistrict's desa, scripts/run_award_demo.sh) have
// their officials paid by the village budget (APBDes, scheme `apbdes-1508`): 6 to 24 per village
// at scale 1, at least 1, placed by rank among Bungo's active persons (one enrollment, BPU), and
// a 10-50% share of their other worker-paid BPU; and a 2024 baseline each [synthetic].
//
// Employer figures (both shapes) [synthetic]:
//   - registration_date: each regency's first employer from 2000 to 2002 (older than any
//     enrollment), the others 60% from 2000 to 2014, 30% from 2015 to the end of the year before
//     the query date, 10% in the query date's year (up to it); worker_count_date within the 120
//     days before the query date (not before registration).
//   - worker_count_declared, the reported headcount: the employer's active PU workers on the
//     query date / a compliance factor drawn from 0.6 to 1.0 (so worker coverage varies from 60%
//     to 100%), or 1 to 4 when it has none. kJambi counts the workers
//     exactly (Skeleton walks every person once first); kNational uses the expected count (its
//     regency's active PU persons x the employer's share of the attach weight). size_class
//     follows the headcount (BPS: micro 1-4, small 5-19, medium 20-99, large 100+).
//   - Monthly ContributionBills (`employers/{npp}/bills/{yyyy-mm}`) for every month since the
//     employer registered whose due date (the 15th of the next month) lies from 1 January of the
//     query date's year to the query date (kJambi: Dec 2023 to Jun 2024; kNational: Dec 2024 and
//     Jan 2025), for employers with active workers: amount due = those workers x Rp 280,000
//     (about 9.24% of Jambi's 2024 minimum wage) +-5%; by a per-employer profile 55% pay every bill
//     on time, 25% pay 1 in 4 late, 12% pay 7 in 10 late, 8% leave their last 1 to 3 bills unpaid
//     (half of those partly paid); a late payment after the query date is unpaid on it.
//   - Baselines carry potential_employers: a regency's registered employers / a registered share
//     drawn from 45% to 85%; a province's is its regencies' sum.
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
  // region_rows), employers, their bills, baselines (village ones for the village round's
  // villages), targets. Returns how many. kJambi first generates every person once to count the
  // employers' and the judged villages' active workers.
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

  // The district whose desa (village codes 2xxx) the demo's village round judges (kJambi), and
  // their indexes in tables().villages(); empty for kNational or when the tables lack it.
  static constexpr const char* kVillageRoundDistrict = "15.08.01";
  const std::vector<int>& judged_villages() const { return judged_villages_; }

 private:
  struct Employer;
  Employer EmployerAt(uint64_t e) const;
  // The employer of a PU enrollment of `regency` starting on `start`: drawn by attach weight,
  // then the next one of the regency already registered on `start` (the regency's first when
  // none of the 64 from it is).
  std::string EmployerOf(int regency, uint64_t draw, absl::CivilDay start) const;
  // The judged village slot of a village index, or -1.
  int JudgedSlot(uint64_t village) const;
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
  std::vector<int32_t> employer_registered_;   // registration day, days after 2000-01-01
  // The village round's villages (kJambi): indexes ascending, and per village the share of its
  // worker-paid BPU the village budget pays and its coverage's spread around its regency's.
  std::vector<int> judged_villages_;
  std::vector<double> judged_funded_share_, judged_spread_;
  // Village officials: ranks [official_cum_[j], official_cum_[j + 1]) of judged_regency_'s
  // persons are judged village j's; empty without judged villages.
  std::vector<uint64_t> official_cum_;
  int judged_regency_ = -1;
  uint64_t permute_a_ = 1, permute_b_ = 0;  // persons are spread over regencies by i -> a*i+b
};

// The tool flag --shape as a DatasetShape: "national" or "demo" (the demo's Jambi).
bool ParseDatasetShape(const std::string& text, DatasetShape* shape);

}  // namespace paritrana::bench
