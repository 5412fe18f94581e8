#include "cli/demo_data.h"

#include <array>
#include <cmath>
#include <random>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "region/validation.h"

namespace paritrana::cli {
namespace {

namespace rv1 = registry::v1;
using type::v1::FundingSource;
using type::v1::Segment;

struct Regency {
  const char* code;
  double potential;  // BPJS potential workers, 2024
  double ratio;      // coverage on 12 Aug 2024
};

// Batanghari's potential and the four published ratios are real; the other potentials follow
// 2024 population shares and the other ratios are chosen so the province adds up to 518,632 of
// 1,312,370 (39.52%). [synthetic allocation]
constexpr std::array<Regency, 11> kRegencies = {{
    {"15.01", 89'500, 0.3504},   // Kerinci
    {"15.02", 136'900, 0.3264},  // Merangin
    {"15.03", 105'300, 0.3394},  // Sarolangun
    {"15.04", 98'206, 0.5071},   // Batanghari (published: 49,803 / 98,206)
    {"15.05", 154'400, 0.4304},  // Muaro Jambi
    {"15.06", 115'800, 0.3674},  // Tanjung Jabung Barat
    {"15.07", 82'500, 0.2666},   // Tanjung Jabung Timur (published ratio)
    {"15.08", 133'300, 0.4444},  // Bungo
    {"15.09", 129'900, 0.3149},  // Tebo (published ratio)
    {"15.71", 221'064, 0.4864},  // Kota Jambi (published ratio)
    {"15.72", 45'500, 0.4034},   // Kota Sungai Penuh
}};
constexpr double kProvincePotential = 1'312'370;
constexpr int kDistricts = 3, kVillagesPerDistrict = 3;

// Who the active people are (shares of active participants). The Dumisake share is 117,000 of
// 518,632; the rest is a plausible mix. PU potential is 40% of the workforce. [synthetic]
constexpr double kDumisakeShare = 117'000.0 / 518'632.0;
constexpr double kPuShare = 0.55, kBpuSelfShare = 0.15, kJakonShare = 0.05;
constexpr double kPuPotentialShare = 0.40;
constexpr double kLapsedShare = 0.12;  // extra people whose cover ended before the snapshot

google::type::Date Date(absl::CivilDay d) { return ToProtoDate(d); }

std::string Village(const char* regency, int district, int village) {
  return absl::StrFormat("regions/%s.%02d.%04d", regency, district, 2000 + village);
}

class Generator {
 public:
  Generator(const DemoOptions& o, const std::function<void(const rv1::ImportRow&)>& emit)
      : options_(o), emit_(emit), rng_(o.seed) {}

  void Run() {
    for (const Regency& r : kRegencies) Regions(r);
    for (const Regency& r : kRegencies) Employers(r);
    Baseline("regions/15", kProvincePotential * options_.scale);
    Target("regions/15");
    for (const Regency& r : kRegencies) {
      Baseline(absl::StrCat("regions/", r.code), r.potential * options_.scale);
      Target(absl::StrCat("regions/", r.code));
    }
    for (size_t i = 0; i < kRegencies.size(); ++i) People(i);
  }

 private:
  void Emit(rv1::ImportRow& row) {
    row.set_row_number(++row_number_);
    emit_(row);
  }

  void Regions(const Regency& r) {
    for (int d = 1; d <= kDistricts; ++d) {
      rv1::ImportRow row;
      auto* region = row.mutable_region();
      region->set_name(absl::StrFormat("regions/%s.%02d", r.code, d));
      region->set_display_name(absl::StrFormat("Kecamatan Contoh %s-%d (synthetic)", r.code, d));
      region->set_synthetic(true);
      Emit(row);
      for (int v = 1; v <= kVillagesPerDistrict; ++v) {
        rv1::ImportRow vrow;
        auto* village = vrow.mutable_region();
        village->set_name(Village(r.code, d, v));
        village->set_display_name(
            absl::StrFormat("Desa Contoh %s-%d-%d (synthetic)", r.code, d, v));
        village->set_synthetic(true);
        Emit(vrow);
      }
    }
  }

  int EmployerCount(const Regency& r) const {
    const double pu = r.potential * options_.scale * r.ratio * kPuShare;
    return std::max(2, static_cast<int>(pu / 60));  // about 60 PU workers each
  }

  std::string EmployerName(size_t regency, int i) const {
    return absl::StrFormat("employers/%02d%06d", 10 + regency, i + 1);
  }

  void Employers(const Regency& r) {
    const size_t index = static_cast<size_t>(&r - kRegencies.data());
    const int n = EmployerCount(r);
    for (int i = 0; i < n; ++i) {
      rv1::ImportRow row;
      auto* e = row.mutable_employer();
      e->set_name(EmployerName(index, i));
      e->set_display_name(absl::StrFormat("PT Contoh %s-%d (synthetic)", r.code, i + 1));
      static constexpr rv1::EmployerSizeClass kSizes[] = {
          rv1::EMPLOYER_SIZE_CLASS_MICRO, rv1::EMPLOYER_SIZE_CLASS_SMALL,
          rv1::EMPLOYER_SIZE_CLASS_SMALL, rv1::EMPLOYER_SIZE_CLASS_MEDIUM,
          rv1::EMPLOYER_SIZE_CLASS_LARGE};
      e->set_size_class(kSizes[i % 5]);
      static constexpr char kSectors[] = "ACGHFIP";  // agriculture, manufacturing, trade, ...
      e->set_sector(std::string(1, kSectors[i % 7]));
      e->set_region(Village(r.code, 1 + i % kDistricts, 1 + i % kVillagesPerDistrict));
      e->set_worker_count_declared(10 + (i * 37) % 400);
      Emit(row);
    }
  }

  void Baseline(const std::string& region, double potential) {
    rv1::ImportRow row;
    auto* b = row.mutable_baseline();
    b->set_name(region + "/baselines/2024-bpjs-potential");
    b->set_source_note(region == "regions/15"
                           ? "BPJS Ketenagakerjaan, Jambi potential workers, 12 Aug 2024"
                           : "Allocated from the province's figure by population (synthetic)");
    const auto total = std::max<int64_t>(1, std::llround(potential));
    b->set_potential_workers(total);
    auto* pu = b->add_segment_workers();
    pu->set_segment(type::v1::SEGMENT_PU);
    pu->set_potential_workers(std::llround(total * kPuPotentialShare));
    auto* bpu = b->add_segment_workers();
    bpu->set_segment(type::v1::SEGMENT_BPU);
    bpu->set_potential_workers(total - pu->potential_workers());
    Emit(row);
  }

  void Target(const std::string& region) {
    rv1::ImportRow row;
    auto* t = row.mutable_target();
    t->set_name(region + "/targets/2025");
    t->set_target_ratio_percent(55);
    t->set_denominator_source(type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    t->set_note(region == "regions/15" ? "Governor of Jambi, Paritrana Award 2024 (10 Jun 2024)"
                                       : "The province's target applied to each regency");
    Emit(row);
  }

  void People(size_t index) {
    const Regency& r = kRegencies[index];
    const int64_t active = std::llround(r.potential * options_.scale * r.ratio);
    const int64_t lapsed = std::llround(active * kLapsedShare);
    const absl::CivilDay snapshot(kSnapshotYear, kSnapshotMonth, kSnapshotDay);
    std::uniform_real_distribution<double> unit(0, 1);
    for (int64_t i = 0; i < active + lapsed; ++i) {
      const bool is_active = i < active;
      const double u = unit(rng_);
      Segment segment = type::v1::SEGMENT_BPU;
      FundingSource funding = type::v1::FUNDING_SOURCE_WORKER;
      std::string scheme;
      if (u < kDumisakeShare) {
        funding = type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET;
        scheme = "dumisake";
      } else if (u < kDumisakeShare + kPuShare) {
        segment = type::v1::SEGMENT_PU;
        funding = type::v1::FUNDING_SOURCE_EMPLOYER;
      } else if (u < kDumisakeShare + kPuShare + kBpuSelfShare) {
        segment = type::v1::SEGMENT_BPU;
      } else if (u < kDumisakeShare + kPuShare + kBpuSelfShare + kJakonShare) {
        segment = type::v1::SEGMENT_JAKON;
      } else {
        segment = type::v1::SEGMENT_PMI;
      }
      // Active people joined between Jan 2023 and the snapshot and are paid past it; lapsed ones
      // joined in 2022 and stopped paying before it.
      absl::CivilDay start, through;
      if (is_active) {
        start = absl::CivilDay(2023, 1, 1) +
                static_cast<int>(unit(rng_) * (snapshot - absl::CivilDay(2023, 1, 1)));
        through = absl::CivilDay(2024, 12, 31) - static_cast<int>(unit(rng_) * 90);
      } else {
        start = absl::CivilDay(2022, 1, 1) + static_cast<int>(unit(rng_) * 300);
        through = start + 60 + static_cast<int>(unit(rng_) * 400);
      }
      Person(index, i, segment, funding, scheme, start, through);
    }
  }

  void Person(size_t regency, int64_t local, Segment segment, FundingSource funding,
              const std::string& scheme, absl::CivilDay start, absl::CivilDay through) {
    const Regency& r = kRegencies[regency];
    const int district = 1 + static_cast<int>(local % kDistricts);
    const int village = 1 + static_cast<int>((local / kDistricts) % kVillagesPerDistrict);
    const std::string village_name = Village(r.code, district, village);
    // NIK: issued in the person's district; birth dates cycle over 40 years and the serial counts
    // the cycles, so (district, date, serial) never repeats.
    constexpr int kBirthDays = 14'600;
    const absl::CivilDay birth = absl::CivilDay(1965, 1, 1) + static_cast<int>(local % kBirthDays);
    const bool female = ((local * 2654435761u) >> 7) % 100 < 45;
    const int serial = 1 + static_cast<int>(local / kBirthDays);
    const std::string nik = absl::StrFormat(
        "%c%c%c%c%02d%02d%02d%02d%04d", r.code[0], r.code[1], r.code[3], r.code[4], district,
        birth.day() + (female ? 40 : 0), birth.month(), birth.year() % 100, serial);

    rv1::ImportRow row;
    auto* pe = row.mutable_participant_enrollment();
    auto* p = pe->mutable_participant();
    p->set_name(absl::StrFormat("participants/%02d%09d", 10 + regency, local + 1));
    p->set_nik(nik);
    p->set_display_name(absl::StrFormat("Peserta %s-%d (synthetic)", r.code, local + 1));
    p->set_sex(female ? rv1::SEX_FEMALE : rv1::SEX_MALE);
    *p->mutable_birth_date() = Date(birth);
    p->set_domicile_region(village_name);

    auto* e = pe->mutable_enrollment();
    e->set_segment(segment);
    e->add_programmes(type::v1::PROGRAMME_JKK);
    e->add_programmes(type::v1::PROGRAMME_JKM);
    if (segment == type::v1::SEGMENT_PU) {
      e->add_programmes(type::v1::PROGRAMME_JHT);
      e->add_programmes(type::v1::PROGRAMME_JP);
      e->add_programmes(type::v1::PROGRAMME_JKP);
      e->set_employer(EmployerName(regency, static_cast<int>(local % EmployerCount(r))));
    }
    e->set_funding_source(funding);
    e->set_subsidy_scheme(scheme);
    e->set_region(village_name);
    *e->mutable_start_date() = Date(start);

    auto* c = pe->mutable_contribution();
    const int64_t months = std::max<int64_t>(1, (through - start) / 30);
    c->set_amount_rupiah(segment == type::v1::SEGMENT_PU ? months * 300'000 : months * 16'800);
    *c->mutable_paid_date() = Date(start);
    *c->mutable_covers_through() = Date(through);
    Emit(row);
  }

  const DemoOptions options_;
  const std::function<void(const rv1::ImportRow&)>& emit_;
  std::mt19937_64 rng_;
  int64_t row_number_ = 0;
};

}  // namespace

void GenerateDemoRows(const DemoOptions& options,
                      const std::function<void(const rv1::ImportRow&)>& emit) {
  Generator(options, emit).Run();
}

}  // namespace paritrana::cli
