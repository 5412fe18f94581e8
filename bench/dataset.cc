#include "bench/dataset.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "region/validation.h"

namespace paritrana::bench {
namespace {

namespace rv1 = registry::v1;
namespace tv1 = type::v1;

constexpr int kBirthDays = 14610;  // 1965-01-01 .. 2004-12-31
constexpr int kStartDays = 2373;   // 2019-01-01 .. 2025-06-30

std::string Iso(const google::type::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string District(int regency, int district) {
  return absl::StrFormat("%s.%02d", Dataset::Regencies()[regency], district + 1);
}
std::string Village(int regency, int district, int village) {
  return absl::StrFormat("%s.%04d", District(regency, district), 2001 + village);
}
std::string Npp(int employer) { return absl::StrFormat("15%06d", employer + 1); }

}  // namespace

registry::v1::ImportRow Dataset::Baseline2025(const std::string& code, int64_t workers) {
  rv1::ImportRow row;
  rv1::WorkforceBaseline* b = row.mutable_baseline();
  b->set_name(absl::StrCat("regions/", code, "/baselines/2025-bpjs-potential"));
  b->set_potential_workers(workers);
  auto* pu = b->add_segment_workers();
  pu->set_segment(tv1::SEGMENT_PU);
  pu->set_potential_workers(workers * 55 / 100);
  auto* bpu = b->add_segment_workers();
  bpu->set_segment(tv1::SEGMENT_BPU);
  bpu->set_potential_workers(workers * 40 / 100);
  return row;
}

const std::vector<std::string>& Dataset::Regencies() {
  static const std::vector<std::string> kRegencies = {"15.01", "15.02", "15.03", "15.04",
                                                      "15.05", "15.06", "15.07", "15.08",
                                                      "15.09", "15.71", "15.72"};
  return kRegencies;
}

uint64_t Dataset::Hash(uint64_t i) const { return SplitMix(SplitMix(seed_) ^ i); }

std::vector<rv1::ImportRow> Dataset::Skeleton() const {
  std::vector<rv1::ImportRow> rows;
  const int regencies = static_cast<int>(Regencies().size());
  for (int r = 0; r < regencies; ++r) {
    for (int d = 0; d < kDistrictsPerRegency; ++d) {
      rv1::Region* region = rows.emplace_back().mutable_region();
      region->set_name("regions/" + District(r, d));
      region->set_display_name(absl::StrCat("Kecamatan Sintetis ", District(r, d)));
      region->set_synthetic(true);
    }
  }
  for (int r = 0; r < regencies; ++r) {
    for (int d = 0; d < kDistrictsPerRegency; ++d) {
      for (int v = 0; v < kVillagesPerDistrict; ++v) {
        rv1::Region* region = rows.emplace_back().mutable_region();
        region->set_name("regions/" + Village(r, d, v));
        region->set_display_name(absl::StrCat("Desa Sintetis ", Village(r, d, v)));
        region->set_synthetic(true);
      }
    }
  }
  for (int e = 0; e < kEmployers; ++e) {
    const uint64_t h = SplitMix(seed_ ^ (0xE000000ULL + static_cast<uint64_t>(e)));
    rv1::Employer* employer = rows.emplace_back().mutable_employer();
    employer->set_name("employers/" + Npp(e));
    employer->set_display_name(absl::StrCat("PT Sintetis ", e + 1));
    employer->set_size_class(static_cast<rv1::EmployerSizeClass>(1 + h % 4));
    employer->set_sector(std::string(1, static_cast<char>('A' + (h >> 8) % 21)));
    const int r = static_cast<int>((h >> 16) % static_cast<uint64_t>(regencies));
    employer->set_region("regions/" + Village(r, static_cast<int>((h >> 24) % kDistrictsPerRegency),
                                              static_cast<int>((h >> 32) % kVillagesPerDistrict)));
    employer->set_worker_count_declared(static_cast<int64_t>(5 + (h >> 40) % 2000));
  }
  // Denominators: Jambi's workforce is about 1.9 million; each regency/city gets a share.
  auto baseline = [&](const std::string& code, int64_t workers) {
    rows.push_back(Baseline2025(code, workers));
  };
  baseline("15", 1'900'000);
  for (int r = 0; r < regencies; ++r) baseline(Regencies()[r], 1'900'000 / regencies);
  rv1::CoverageTarget* t = rows.emplace_back().mutable_target();
  t->set_name("regions/15/targets/2025");
  t->set_target_ratio_percent(55);
  t->set_denominator_source(tv1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
  for (size_t i = 0; i < rows.size(); ++i) rows[i].set_row_number(static_cast<int64_t>(i) + 1);
  return rows;
}

rv1::ParticipantEnrollment Dataset::Participant(uint64_t i) const {
  const uint64_t h = Hash(i);
  const int regencies = static_cast<int>(Regencies().size());
  const int r = static_cast<int>(h % static_cast<uint64_t>(regencies));
  const int d = static_cast<int>((h >> 8) % kDistrictsPerRegency);
  const int v = static_cast<int>((h >> 12) % kVillagesPerDistrict);
  const std::string village = "regions/" + Village(r, d, v);

  const absl::CivilDay birth = absl::CivilDay(1965, 1, 1) + static_cast<int>(i % kBirthDays);
  const int serial = static_cast<int>(i / kBirthDays) + 1;  // 1..9999 up to 146 million rows
  const bool female = ((h >> 16) & 1) != 0;
  const std::string& regency = Regencies()[r];

  rv1::ParticipantEnrollment pe;
  rv1::Participant* p = pe.mutable_participant();
  p->set_name(absl::StrFormat("participants/%011d", 20000000000ULL + i));
  p->set_nik(absl::StrFormat("15%s%02d%02d%02d%02d%04d", regency.substr(3, 2), d + 1,
                             birth.day() + (female ? 40 : 0), birth.month(), birth.year() % 100,
                             serial));
  p->set_display_name(absl::StrCat("Peserta Sintetis ", i + 1));
  p->set_sex(female ? rv1::SEX_FEMALE : rv1::SEX_MALE);
  *p->mutable_birth_date() = paritrana::ToProtoDate(birth);
  p->set_domicile_region(village);

  rv1::Enrollment* e = pe.mutable_enrollment();
  const int mix = static_cast<int>((h >> 20) % 100);
  e->add_programmes(tv1::PROGRAMME_JKK);
  e->add_programmes(tv1::PROGRAMME_JKM);
  int64_t amount = 16800;
  if (mix < 60) {
    e->set_segment(tv1::SEGMENT_PU);
    e->set_employer("employers/" + Npp(static_cast<int>((h >> 28) % kEmployers)));
    e->add_programmes(tv1::PROGRAMME_JHT);
    e->add_programmes(tv1::PROGRAMME_JP);
    if (((h >> 40) & 3) == 0) e->add_programmes(tv1::PROGRAMME_JKP);
    e->set_funding_source(tv1::FUNDING_SOURCE_EMPLOYER);
    amount = 350000;
  } else if (mix < 93) {
    e->set_segment(tv1::SEGMENT_BPU);
    if (((h >> 40) & 1) != 0) e->add_programmes(tv1::PROGRAMME_JHT);
    if (mix < 71) {
      e->set_funding_source(tv1::FUNDING_SOURCE_PROVINCIAL_BUDGET);
      e->set_subsidy_scheme("dumisake");
    } else {
      e->set_funding_source(tv1::FUNDING_SOURCE_WORKER);
    }
  } else if (mix < 97) {
    e->set_segment(tv1::SEGMENT_JAKON);
    e->set_funding_source(tv1::FUNDING_SOURCE_OTHER);
  } else {
    e->set_segment(tv1::SEGMENT_PMI);
    e->add_programmes(tv1::PROGRAMME_JHT);
    e->set_funding_source(tv1::FUNDING_SOURCE_WORKER);
  }
  e->set_region(village);
  const absl::CivilDay start =
      absl::CivilDay(2019, 1, 1) + static_cast<int>((h >> 44) % kStartDays);
  *e->mutable_start_date() = paritrana::ToProtoDate(start);

  rv1::Contribution* c = pe.mutable_contribution();
  const int months = 1 + static_cast<int>((h >> 56) % 36);
  c->set_amount_rupiah(amount * months);
  *c->mutable_paid_date() = paritrana::ToProtoDate(start);
  *c->mutable_covers_through() =
      paritrana::ToProtoDate(absl::CivilDay(absl::CivilMonth(start) + months) - 1);
  return pe;
}

const char* Dataset::CsvHeader() {
  return "kpj,nik,display_name,sex,birth_date,domicile_region,segment,employer,programmes,"
         "region,funding_source,subsidy_scheme,start_date,amount_rupiah,paid_date,covers_through";
}

std::string Dataset::CsvLine(uint64_t i) const { return CsvLine(Participant(i)); }

std::string Dataset::CsvLine(const rv1::ParticipantEnrollment& pe) {
  const auto& p = pe.participant();
  const auto& e = pe.enrollment();
  const auto& c = pe.contribution();
  auto field = [](const std::string& v) {
    if (v.find_first_of(",\"\n") == std::string::npos) return v;
    return absl::StrCat("\"", absl::StrReplaceAll(v, {{"\"", "\"\""}}), "\"");
  };
  return absl::StrCat(p.name().substr(13), ",", p.nik(), ",", field(p.display_name()), ",",
                      static_cast<int>(p.sex()), ",", Iso(p.birth_date()), ",", p.domicile_region(),
                      ",", static_cast<int>(e.segment()), ",", field(e.employer()), ",",
                      absl::StrJoin(e.programmes(), ";"), ",", e.region(), ",",
                      static_cast<int>(e.funding_source()), ",", field(e.subsidy_scheme()), ",",
                      Iso(e.start_date()), ",", c.amount_rupiah(), ",", Iso(c.paid_date()), ",",
                      Iso(c.covers_through()));
}

}  // namespace paritrana::bench
