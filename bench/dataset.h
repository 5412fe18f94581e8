#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "paritrana/registry/v1/registry.pb.h"

// Synthetic but valid Jambi (province 15) registry data for the benchmarks, generated row by row
// from (seed, index) so any amount can be streamed without holding it in memory:
//   - a fixed skeleton: 6 districts in each of Jambi's 11 regencies/cities, 8 villages in each
//     district (528 villages), 2,000 employers, 2025 baselines for the province and every
//     regency/city, and the province's 2025 target (55%). It does not grow with the number of
//     participants, so reads against 10 thousand and 1 million participants ask the same
//     questions of the same regions.
//   - participant i: KPJ 2xxxxxxxxxx (11 digits), a NIK valid under ParseNik (province 15, the
//     regency and district of the domicile, birth date 1965-2004 with 40 added to the day for
//     women, serial 0001-9999; unique because (birth date, serial) is unique per i), a village
//     domicile, one enrollment there (60% PU with an employer, 33% BPU, a third of them paid by
//     the provincial "dumisake" scheme, 4% JAKON, 3% PMI) starting between 2019-01-01 and
//     2025-06-30, and a first contribution covering 1 to 36 months.
namespace paritrana::bench {

class Dataset final {
 public:
  static constexpr int kDistrictsPerRegency = 6;
  static constexpr int kVillagesPerDistrict = 8;
  static constexpr int kEmployers = 2000;

  explicit Dataset(uint64_t seed) : seed_(seed) {}

  // Regions (districts, then villages), employers, baselines and the target, in dependency order.
  std::vector<registry::v1::ImportRow> Skeleton() const;
  // Participant `i` (0-based) with its enrollment and first contribution.
  registry::v1::ParticipantEnrollment Participant(uint64_t i) const;
  // The same record as one CSV line (no newline), for the plain-table floor.
  std::string CsvLine(uint64_t i) const;
  // Any participant row (e.g. the national generator's) as the same CSV line; a field holding a
  // comma or a quote is quoted (RFC 4180).
  static std::string CsvLine(const registry::v1::ParticipantEnrollment& pe);
  static const char* CsvHeader();

  // The regency/city codes of Jambi ("15.01" ... "15.72").
  static const std::vector<std::string>& Regencies();

  // A 2025 BPJS-potential baseline of `workers` for region `code`, 55% PU and 40% BPU (Jambi's
  // shares), as an import row.
  static registry::v1::ImportRow Baseline2025(const std::string& code, int64_t workers);

 private:
  uint64_t Hash(uint64_t i) const;
  uint64_t seed_;
};

}  // namespace paritrana::bench
