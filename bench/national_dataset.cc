#include "bench/national_dataset.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "region/region_catalog.h"
#include "region/validation.h"

namespace paritrana::bench {
namespace {

namespace rv1 = registry::v1;
namespace tv1 = type::v1;

// (a * b + c) mod m without overflow.
__extension__ typedef unsigned __int128 Wide;
uint64_t MulAddMod(uint64_t a, uint64_t b, uint64_t c, uint64_t m) {
  return static_cast<uint64_t>((static_cast<Wide>(a) * b + c) % m);
}

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Independent draws for one (seed, stream, index).
class Draws {
 public:
  Draws(uint64_t seed, uint64_t stream, uint64_t index)
      : state_(SplitMix(SplitMix(seed ^ (stream << 56)) ^ index)) {}
  uint64_t Next() { return state_ = SplitMix(state_); }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  int Days(int n) { return n <= 0 ? 0 : static_cast<int>(Below(static_cast<uint64_t>(n))); }

 private:
  uint64_t state_;
};

// Streams of Draws.
constexpr uint64_t kPersonStream = 1, kEmployerStream = 2, kRegencyStream = 3, kBillStream = 4,
                   kVillageStream = 5;

// Largest-remainder apportionment of `total` in proportion to `weights`; sums to `total` when
// some weight is positive.
std::vector<uint64_t> Apportion(uint64_t total, const std::vector<double>& weights) {
  std::vector<uint64_t> out(weights.size(), 0);
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (sum <= 0) return out;
  std::vector<std::pair<double, size_t>> remainders;
  uint64_t given = 0;
  for (size_t k = 0; k < weights.size(); ++k) {
    const double quota = static_cast<double>(total) * weights[k] / sum;
    out[k] = static_cast<uint64_t>(std::floor(quota));
    given += out[k];
    if (weights[k] > 0) remainders.emplace_back(quota - std::floor(quota), k);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; given < total && !remainders.empty(); k = (k + 1) % remainders.size()) {
    ++out[remainders[k].second];
    ++given;
  }
  return out;
}

// 2020 census population by province in thousands (BPS, Sensus Penduduk 2020, September 2020).
// Papua (91) and Papua Barat (92) were split in 2022: their 2020 figures are divided among the
// new provinces by the shares of the 2022 split. [approximate: rounded, to be checked against
// BPS table "Jumlah Penduduk Hasil SP2020 menurut Provinsi"; only the shares matter]
struct ProvinceWeight {
  const char* code;
  double thousands;
};
constexpr std::array<ProvinceWeight, 38> kProvincePopulation = {{
    {"11", 5275},  {"12", 14799}, {"13", 5535},  {"14", 6394},  {"15", 3548},  {"16", 8467},
    {"17", 2011},  {"18", 9008},  {"19", 1456},  {"21", 2065},  {"31", 10562}, {"32", 48274},
    {"33", 36516}, {"34", 3669},  {"35", 40666}, {"36", 11905}, {"51", 4317},  {"52", 5320},
    {"53", 5326},  {"61", 5414},  {"62", 2670},  {"63", 4074},  {"64", 3766},  {"65", 702},
    {"71", 2622},  {"72", 2986},  {"73", 9074},  {"74", 2625},  {"75", 1172},  {"76", 1419},
    {"81", 1849},  {"82", 1283},  {"91", 1000},  {"92", 540},   {"93", 500},   {"94", 1400},
    {"95", 1400},  {"96", 594},
}};

// Jambi's regencies for the demo (cli/demo_data.h): BPJS potential workers 2024 and coverage on
// 12 Aug 2024. Batanghari's potential and the ratios of Batanghari, Tanjung Jabung Timur, Tebo
// and Kota Jambi are published; the other potentials follow 2024 population shares and the other
// ratios are chosen so the province adds up to 518,632 of 1,312,370 (39.52%). [synthetic]
struct JambiRegency {
  const char* code;
  double potential;
  double ratio;
};
constexpr std::array<JambiRegency, 11> kJambiRegencies = {{
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
constexpr double kJambiPotential = 1'312'370;
// Jambi's 2024 coverage target [synthetic: none is published; a step towards 2025's 55%].
constexpr double kJambiTarget2024 = 45;

// A provincial subsidy scheme: the share of the province's BPU persons it pays for.
struct ProvincialScheme {
  const char* province;
  const char* slug;
  double bpu_share;
};

// What differs between the shapes.
struct Mix {
  absl::CivilDay query;
  absl::CivilDay active_from;  // current enrollments of active persons start from here
  absl::CivilDay lapsed_from;  // enrollments of lapsed and terminated persons start from here
  // Shares of persons: active with 1, 2, 3 enrollments; lapsed; the rest terminated.
  double active1, active2, active3, lapsed;
  // Shares of enrollments by segment: PU, BPU, JAKON; the rest PMI.
  double pu, bpu, jakon;
  std::vector<ProvincialScheme> schemes;
  double regency_budget, village_budget, csr;  // shares of BPU
  double employers_per_person;
  int baseline_year;
};

const Mix& MixOf(DatasetShape shape) {
  static const Mix kNational = {
      .query = absl::CivilDay(2025, 2, 28),
      .active_from = absl::CivilDay(2015, 1, 1),
      .lapsed_from = absl::CivilDay(2012, 1, 1),
      .active1 = 41.38 / 61.0 - 0.13,
      .active2 = 0.10,
      .active3 = 0.03,
      .lapsed = 0.20,
      .pu = 26.26 / 41.38,
      .bpu = 9.58 / 41.38,
      .jakon = 5.53 / 41.38,
      .schemes = {{"15", "dumisake", 0.50},
                  {"31", "pemprov-31", 0.30},
                  {"32", "pemprov-32", 0.10},
                  {"35", "pemprov-35", 0.10},
                  {"64", "pemprov-64", 0.25},
                  {"73", "pemprov-73", 0.15}},
      .regency_budget = 0.05,
      .village_budget = 0.02,
      .csr = 0.01,
      .employers_per_person = 839'937.0 / 61'000'000.0,
      .baseline_year = 2025,
  };
  // Shares of active persons in the demo: Dumisake 117,000 of 518,632, PU 55%, self-paying BPU
  // 15%, JAKON 5%, PMI the rest; 12 lapsed for every 100 active.
  static const Mix kJambi = [] {
    const double dumisake = 117'000.0 / 518'632.0, bpu = dumisake + 0.15;
    return Mix{
        .query = absl::CivilDay(2024, 8, 12),
        .active_from = absl::CivilDay(2023, 1, 1),
        .lapsed_from = absl::CivilDay(2022, 1, 1),
        .active1 = 1 / 1.12 - 0.10,
        .active2 = 0.08,
        .active3 = 0.02,
        .lapsed = 1 - 1 / 1.12,
        .pu = 0.55,
        .bpu = bpu,
        .jakon = 0.05,
        .schemes = {{"15", "dumisake", dumisake / bpu}},
        .regency_budget = 0,
        .village_budget = 0,
        .csr = 0,
        .employers_per_person = 0.55 / 1.12 / 31,
        .baseline_year = 2024,
    };
  }();
  return shape == DatasetShape::kNational ? kNational : kJambi;
}

constexpr int kBirthDays = 14610;  // 1965-01-01 .. 2004-12-31
constexpr uint64_t kNikSpace = NationalDataset::kMaxPersons;
static_assert(kNikSpace == static_cast<uint64_t>(kBirthDays) * 9999);
constexpr uint64_t kNikMultiplier = 1'000'003;  // prime, coprime with kNikSpace

bool IsCity(const std::string& regency_code) { return regency_code.substr(3, 2) >= "71"; }

std::string Digits(const std::string& code) { return absl::StrReplaceAll(code, {{".", ""}}); }

// Employer size classes (BPS, by persons employed): share of employers, attach weight (typical
// workers), the class's range of workers.
struct SizeClass {
  rv1::EmployerSizeClass value;
  double share;
  uint64_t weight;
  int min_workers, max_workers;
  const char* prefix;
};
constexpr std::array<SizeClass, 4> kSizeClasses = {{
    {rv1::EMPLOYER_SIZE_CLASS_MICRO, 0.60, 3, 1, 4, "UD"},
    {rv1::EMPLOYER_SIZE_CLASS_SMALL, 0.28, 12, 5, 19, "CV"},
    {rv1::EMPLOYER_SIZE_CLASS_MEDIUM, 0.09, 60, 20, 99, "PT"},
    {rv1::EMPLOYER_SIZE_CLASS_LARGE, 0.03, 700, 100, 2999, "PT"},
}};
constexpr char kSectors[] = "ACFGHIP";  // agriculture, manufacturing, construction, trade, ...

// The class of a reported headcount.
const SizeClass& ClassOf(int64_t headcount) {
  for (const SizeClass& s : kSizeClasses) {
    if (headcount <= s.max_workers) return s;
  }
  return kSizeClasses.back();
}

// Registration days are kept as days after this one.
constexpr absl::CivilDay kDayZero(2000, 1, 1);

// A bill's contribution per enrolled worker and month: about 9.24% (JKK 0.24%, JKM 0.3%, JHT
// 5.7%, JP 3%) of Jambi's 2024 minimum wage, Rp 3,037,121 [approximate].
constexpr double kBillPerWorker = 280'000;

absl::CivilDay Day(const google::type::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

}  // namespace

struct NationalDataset::Employer {
  const SizeClass* size;  // the drawn class: its attach weight
  int regency;
  uint64_t village;
  int workers;  // a draw in the drawn class's range: 1 + workers % 4 is the headcount reported
                // by an employer without enrolled workers (a micro business)
  char sector;
  absl::CivilDay registered;
  int count_date_days;  // the headcount was reported this many days before the query date
  double compliance;    // enrolled active workers / reported headcount
  double punctuality;   // picks the bill payment profile
};

bool ParseDatasetShape(const std::string& text, DatasetShape* shape) {
  if (text == "national") {
    *shape = DatasetShape::kNational;
  } else if (text == "demo") {
    *shape = DatasetShape::kJambi;
  } else {
    return false;
  }
  return true;
}

NationalDataset::NationalDataset(RegionTables tables, const DatasetOptions& options)
    : tables_(std::move(tables)), options_(options) {
  const Mix& mix = MixOf(options_.shape);
  const auto& regencies = tables_.regencies();
  const size_t n = regencies.size();

  // Regency weights.
  std::vector<double> weights(n, 0.0);
  if (options_.shape == DatasetShape::kNational) {
    absl::flat_hash_map<std::string, double> population;
    for (const ProvinceWeight& p : kProvincePopulation) population[p.code] = p.thousands;
    std::vector<double> village_weight(n, 0.0), province_villages(tables_.provinces().size(), 0.0);
    for (size_t r = 0; r < n; ++r) {
      village_weight[r] = tables_.VillagesOfRegency(static_cast<int>(r)).second *
                          (IsCity(regencies[r].code) ? 5.0 : 1.0);
      province_villages[static_cast<size_t>(regencies[r].parent)] += village_weight[r];
    }
    for (size_t r = 0; r < n; ++r) {
      const auto& province = tables_.provinces()[static_cast<size_t>(regencies[r].parent)];
      const double total = province_villages[static_cast<size_t>(regencies[r].parent)];
      const auto it = population.find(province.code);
      if (total > 0 && it != population.end()) weights[r] = it->second * village_weight[r] / total;
    }
  } else {
    for (size_t r = 0; r < n; ++r) {
      for (const JambiRegency& j : kJambiRegencies) {
        if (regencies[r].code == j.code && tables_.VillagesOfRegency(static_cast<int>(r)).second) {
          weights[r] = j.potential * j.ratio;
        }
      }
    }
  }
  regency_persons_ = Apportion(options_.participants, weights);
  person_cum_.assign(n + 1, 0);
  for (size_t r = 0; r < n; ++r) person_cum_[r + 1] = person_cum_[r] + regency_persons_[r];

  // Employers: at least one in every populated regency.
  const auto employers_total =
      static_cast<uint64_t>(std::llround(mix.employers_per_person * options_.participants));
  regency_employers_ = Apportion(employers_total, weights);
  employer_first_.assign(n + 1, 0);
  for (size_t r = 0; r < n; ++r) {
    if (regency_persons_[r] > 0)
      regency_employers_[r] = std::max<uint64_t>(1, regency_employers_[r]);
    if (regency_persons_[r] == 0) regency_employers_[r] = 0;
    employer_first_[r + 1] = employer_first_[r] + regency_employers_[r];
  }
  employer_weight_cum_.resize(employer_first_.back());
  employer_registered_.resize(employer_first_.back());
  for (size_t r = 0; r < n; ++r) {
    uint64_t cum = 0;
    for (uint64_t e = employer_first_[r]; e < employer_first_[r + 1]; ++e) {
      const Employer em = EmployerAt(e);
      cum += em.size->weight;
      employer_weight_cum_[e] = cum;
      employer_registered_[e] = static_cast<int32_t>(em.registered - kDayZero);
    }
  }

  // The village round's villages: the desa (codes 2xxx; kelurahan have no village budget) of
  // kVillageRoundDistrict, each with its officials paid by the village budget: 6 to 24 at scale
  // 1, at least one, at most half of the regency's active persons with one enrollment in all.
  if (options_.shape == DatasetShape::kJambi) {
    for (const auto& district : tables_.districts()) {
      if (district.code != kVillageRoundDistrict) continue;
      judged_regency_ = district.parent;
      for (int v = district.first_child; v < district.first_child + district.children; ++v) {
        const std::string& code = tables_.villages()[static_cast<size_t>(v)].code;
        if (code.size() > 4 && code[code.size() - 4] == '2') judged_villages_.push_back(v);
      }
    }
    if (judged_regency_ < 0 || regency_persons_[static_cast<size_t>(judged_regency_)] == 0) {
      judged_villages_.clear();
    }
    const double scale = static_cast<double>(options_.participants) / kJambiPersons;
    const uint64_t limit =
        judged_villages_.empty()
            ? 0
            : static_cast<uint64_t>(
                  static_cast<double>(regency_persons_[static_cast<size_t>(judged_regency_)]) *
                  mix.active1 / 2);
    official_cum_.assign(1, 0);
    for (int v : judged_villages_) {
      Draws d(options_.seed, kVillageStream, static_cast<uint64_t>(v));
      const uint64_t officials = std::max<uint64_t>(
          1, static_cast<uint64_t>(std::llround(static_cast<double>(6 + d.Below(19)) * scale)));
      judged_funded_share_.push_back(0.1 + 0.4 * d.Unit());
      judged_spread_.push_back(0.6 + 0.8 * d.Unit());
      official_cum_.push_back(official_cum_.back() +
                              (official_cum_.back() + officials <= limit ? officials : 0));
    }
  }

  // Persons are spread over the regencies by a bijection of [0, N), so any prefix of the indexes
  // touches every regency in proportion.
  const uint64_t total = std::max<uint64_t>(1, options_.participants);
  permute_a_ = (0x9E3779B97F4A7C15ULL % total) | 1;
  while (std::gcd(permute_a_, total) != 1) permute_a_ += 2;
  permute_a_ %= total;
  if (permute_a_ == 0) permute_a_ = 1;
  permute_b_ = SplitMix(options_.seed) % total;
}

absl::CivilDay NationalDataset::query_date() const { return MixOf(options_.shape).query; }

std::optional<rv1::Contribution> NationalDataset::Posting(const rv1::ParticipantEnrollment& current,
                                                          int months) const {
  if (current.enrollment().has_end_date()) return std::nullopt;
  // The same day of the month `months` later, or the month's last day when it has no such day.
  auto later = [months](absl::CivilDay day) {
    const absl::CivilMonth month = absl::CivilMonth(day) + months;
    const absl::CivilDay last = absl::CivilDay(month + 1) - 1;
    return std::min(absl::CivilDay(month.year(), month.month(), day.day()), last);
  };
  const google::type::Date& through = current.contribution().covers_through();
  rv1::Contribution c;
  c.set_amount_rupiah(current.contribution().amount_rupiah());
  *c.mutable_paid_date() = ToProtoDate(later(query_date()));
  *c.mutable_covers_through() =
      ToProtoDate(later(absl::CivilDay(through.year(), through.month(), through.day())));
  return c;
}

NationalDataset::Employer NationalDataset::EmployerAt(uint64_t e) const {
  Draws d(options_.seed, kEmployerStream, e);
  Employer out{};
  const double u = d.Unit();
  double cum = 0;
  out.size = &kSizeClasses.back();
  for (const SizeClass& s : kSizeClasses) {
    cum += s.share;
    if (u < cum) {
      out.size = &s;
      break;
    }
  }
  out.regency =
      static_cast<int>(std::upper_bound(employer_first_.begin(), employer_first_.end(), e) -
                       employer_first_.begin() - 1);
  const auto [first, count] = tables_.VillagesOfRegency(out.regency);
  out.village = static_cast<uint64_t>(first) + d.Below(static_cast<uint64_t>(count));
  out.workers = out.size->min_workers + static_cast<int>(d.Below(static_cast<uint64_t>(
                                            out.size->max_workers - out.size->min_workers + 1)));
  out.sector = kSectors[d.Below(sizeof(kSectors) - 1)];
  // kJambi: Kota Jambi's first four employers are large, medium, small and micro, registered
  // before the query year, so each business category has candidates with bills at any scale.
  const uint64_t rank = e - employer_first_[static_cast<size_t>(out.regency)];
  const bool anchor = options_.shape == DatasetShape::kJambi && rank < kSizeClasses.size() &&
                      tables_.regencies()[static_cast<size_t>(out.regency)].code == "15.71";
  if (anchor) {
    out.size = &kSizeClasses[kSizeClasses.size() - 1 - rank];
  }
  const Mix& mix = MixOf(options_.shape);
  const absl::CivilDay year_start(mix.query.year(), 1, 1);
  const double when = d.Unit();
  const uint64_t day = d.Next();
  auto within = [day](absl::CivilDay from, absl::CivilDay to) {
    return from + static_cast<int>(day % static_cast<uint64_t>(to - from + 1));
  };
  if (rank == 0) {  // every regency's first employer is old: workers of any time have one
    out.registered = within(kDayZero, absl::CivilDay(2002, 12, 31));
  } else if (when < 0.10 && !anchor) {
    out.registered = within(year_start, mix.query);
  } else if (when < 0.40) {
    out.registered = within(absl::CivilDay(2015, 1, 1), year_start - 1);
  } else {
    out.registered = within(kDayZero, absl::CivilDay(2014, 12, 31));
  }
  out.count_date_days = d.Days(121);
  out.compliance = 0.6 + 0.4 * d.Unit();
  out.punctuality = d.Unit();
  return out;
}

std::string NationalDataset::EmployerOf(int regency, uint64_t draw, absl::CivilDay start) const {
  const uint64_t first = employer_first_[static_cast<size_t>(regency)];
  const uint64_t last = employer_first_[static_cast<size_t>(regency) + 1];
  const uint64_t total = employer_weight_cum_[last - 1];
  const uint64_t pick = draw % total;
  uint64_t e = static_cast<uint64_t>(
      std::upper_bound(employer_weight_cum_.begin() + static_cast<int64_t>(first),
                       employer_weight_cum_.begin() + static_cast<int64_t>(last), pick) -
      employer_weight_cum_.begin());
  // Nobody works for an employer before it registered: take the next one that had, else the
  // regency's first (registered by 2002, before any enrollment starts).
  const int32_t by = static_cast<int32_t>(start - kDayZero);
  uint64_t c = e;
  for (uint64_t step = 0; step < std::min<uint64_t>(64, last - first); ++step) {
    if (employer_registered_[c] <= by) break;
    c = c + 1 == last ? first : c + 1;
  }
  e = employer_registered_[c] <= by ? c : first;
  return absl::StrFormat("employers/%08d", 10'000'000 + e);
}

int NationalDataset::JudgedSlot(uint64_t village) const {
  const auto it =
      std::lower_bound(judged_villages_.begin(), judged_villages_.end(), static_cast<int>(village));
  if (it == judged_villages_.end() || *it != static_cast<int>(village)) return -1;
  return static_cast<int>(it - judged_villages_.begin());
}

NationalDataset::Place NationalDataset::PlaceOf(uint64_t i) const {
  const uint64_t total = std::max<uint64_t>(1, options_.participants);
  const uint64_t p = MulAddMod(permute_a_, i, permute_b_, total);
  Place place;
  place.regency = static_cast<int>(std::upper_bound(person_cum_.begin(), person_cum_.end(), p) -
                                   person_cum_.begin() - 1);
  place.rank = p - person_cum_[static_cast<size_t>(place.regency)];
  return place;
}

int64_t NationalDataset::Skeleton(
    const std::function<void(const registry::v1::ImportRow&)>& emit) const {
  const Mix& mix = MixOf(options_.shape);
  const bool jambi = options_.shape == DatasetShape::kJambi;
  int64_t number = 0;
  rv1::ImportRow row;
  auto send = [&] {
    row.set_row_number(++number);
    emit(row);
    row.Clear();
  };
  const auto& regencies = tables_.regencies();
  if (options_.region_rows) {
    for (const auto& r : regencies) {
      const auto built_in = CatalogRegencies();
      if (std::any_of(built_in.begin(), built_in.end(),
                      [&](const CatalogRegion& c) { return c.code == r.code; })) {
        continue;
      }
      rv1::Region* region = row.mutable_region();
      region->set_name(RegionName(r.code));
      region->set_display_name(r.name.substr(0, 100));
      region->set_synthetic(true);
      send();
    }
    for (const auto* level : {&tables_.districts(), &tables_.villages()}) {
      for (const auto& r : *level) {
        rv1::Region* region = row.mutable_region();
        region->set_name(RegionName(r.code));
        region->set_display_name(r.name.substr(0, 100));
        region->set_synthetic(true);
        send();
      }
    }
  }
  // The employers' active PU workers on the query date and the judged villages' active persons:
  // counted (kJambi, one pass over the people) or expected (kNational, whose people are too many
  // to walk twice).
  const absl::CivilDay q = mix.query;
  const double active_share = mix.active1 + mix.active2 + mix.active3;
  std::vector<int64_t> workers(employers(), 0);
  std::vector<int64_t> judged_active(judged_villages_.size(), 0);
  if (jambi) {
    absl::flat_hash_map<std::string, int> judged;
    for (size_t j = 0; j < judged_villages_.size(); ++j) {
      judged[RegionName(tables_.villages()[static_cast<size_t>(judged_villages_[j])].code)] =
          static_cast<int>(j);
    }
    std::vector<rv1::ParticipantEnrollment> rows;
    for (uint64_t i = 0; i < options_.participants; ++i) {
      Person(i, rows);
      const rv1::Enrollment& e = rows.back().enrollment();
      if (e.has_end_date() || Day(e.start_date()) > q ||
          Day(rows.back().contribution().covers_through()) < q) {
        continue;
      }
      uint64_t npp = 0;
      if (e.segment() == tv1::SEGMENT_PU && absl::SimpleAtoi(e.employer().substr(10), &npp)) {
        ++workers[npp - 10'000'000];
      }
      if (const auto it = judged.find(e.region()); it != judged.end()) ++judged_active[it->second];
    }
  } else {
    for (size_t r = 0; r < regencies.size(); ++r) {
      const uint64_t first = employer_first_[r], last = employer_first_[r + 1];
      if (first == last) continue;
      const double pu = static_cast<double>(regency_persons_[r]) * active_share * mix.pu /
                        static_cast<double>(employer_weight_cum_[last - 1]);
      for (uint64_t e = first; e < last; ++e) {
        const uint64_t w = employer_weight_cum_[e] - (e > first ? employer_weight_cum_[e - 1] : 0);
        workers[e] = std::llround(pu * static_cast<double>(w));
      }
    }
  }

  for (uint64_t e = 0; e < employers(); ++e) {
    const Employer em = EmployerAt(e);
    const int64_t headcount =
        workers[e] > 0
            ? std::max<int64_t>(workers[e],
                                std::llround(static_cast<double>(workers[e]) / em.compliance))
            : 1 + em.workers % 4;
    const SizeClass& size = ClassOf(headcount);
    rv1::Employer* out = row.mutable_employer();
    out->set_name(absl::StrFormat("employers/%08d", 10'000'000 + e));
    out->set_display_name(absl::StrFormat(
        "%s Contoh %s-%d (synthetic)", size.prefix, regencies[static_cast<size_t>(em.regency)].code,
        e - employer_first_[static_cast<size_t>(em.regency)] + 1));
    out->set_size_class(size.value);
    out->set_sector(std::string(1, em.sector));
    out->set_region(RegionName(tables_.villages()[em.village].code));
    out->set_worker_count_declared(headcount);
    *out->mutable_registration_date() = ToProtoDate(em.registered);
    *out->mutable_worker_count_date() =
        ToProtoDate(std::max(em.registered, q - em.count_date_days));
    send();
  }

  // Bills, after every employer: those due from 1 January of the query date's year to the query
  // date, of the months since the employer registered; employers without workers are not billed.
  const absl::CivilMonth first_month = absl::CivilMonth(absl::CivilDay(q.year(), 1, 1)) - 1;
  for (uint64_t e = 0; e < employers(); ++e) {
    if (workers[e] <= 0) continue;
    const Employer em = EmployerAt(e);
    std::vector<absl::CivilMonth> months;
    for (absl::CivilMonth m = std::max(first_month, absl::CivilMonth(em.registered));; ++m) {
      const absl::CivilMonth next = m + 1;
      if (absl::CivilDay(next.year(), next.month(), 15) > q) break;
      months.push_back(m);
    }
    Draws d(options_.seed, kBillStream, e);
    // The employer's profile: punctual, late 1 in 4, late 7 in 10, or in arrears.
    const double p = em.punctuality;
    const double late_share = p < 0.55 ? 0 : p < 0.80 ? 0.25 : p < 0.92 ? 0.70 : 0.50;
    const size_t unpaid = p < 0.92 ? 0 : 1 + d.Below(3);
    for (size_t k = 0; k < months.size(); ++k) {
      const absl::CivilMonth m = months[k], next = m + 1;
      const absl::CivilDay due(next.year(), next.month(), 15);
      const int64_t amount = std::llround(static_cast<double>(workers[e]) * kBillPerWorker *
                                          (0.95 + 0.1 * d.Unit()) / 100) *
                             100;
      const double late = d.Unit(), part = d.Unit(), part_share = d.Unit();
      const absl::CivilDay late_day = due + 1 + d.Days(40), on_time_day = due - d.Days(15);
      rv1::ContributionBill* b = row.mutable_bill();
      b->set_name(
          absl::StrFormat("employers/%08d/bills/%04d-%02d", 10'000'000 + e, m.year(), m.month()));
      *b->mutable_due_date() = ToProtoDate(due);
      b->set_amount_due_rupiah(amount);
      if (k + unpaid >= months.size()) {  // in arrears, half of them partly paid
        if (part < 0.5) b->set_amount_paid_rupiah(std::llround(amount * (0.2 + 0.4 * part_share)));
      } else if (late < late_share) {  // late; unpaid on the query date when paid after it
        if (late_day <= q) {
          b->set_amount_paid_rupiah(amount);
          *b->mutable_paid_date() = ToProtoDate(late_day);
        }
      } else {
        b->set_amount_paid_rupiah(amount);
        *b->mutable_paid_date() = ToProtoDate(on_time_day);
      }
      send();
    }
  }

  // Baselines: regencies first, so each province's is their sum.
  const double scale = static_cast<double>(options_.participants) / kJambiPersons;
  std::vector<int64_t> province_potential(tables_.provinces().size(), 0);
  std::vector<int64_t> province_employers(tables_.provinces().size(), 0);
  auto baseline = [&](const std::string& code, int64_t potential, const std::string& note,
                      std::optional<int64_t> potential_employers) {
    rv1::WorkforceBaseline* b = row.mutable_baseline();
    if (potential_employers.has_value()) b->set_potential_employers(*potential_employers);
    b->set_name(
        absl::StrCat("regions/", code, "/baselines/", mix.baseline_year, "-bpjs-potential"));
    b->set_year(mix.baseline_year);
    b->set_source(tv1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    b->set_source_note(note);
    b->set_potential_workers(std::max<int64_t>(1, potential));
    auto* pu = b->add_segment_workers();
    pu->set_segment(tv1::SEGMENT_PU);
    pu->set_potential_workers(std::llround(static_cast<double>(b->potential_workers()) * 0.40));
    auto* bpu = b->add_segment_workers();
    bpu->set_segment(tv1::SEGMENT_BPU);
    bpu->set_potential_workers(b->potential_workers() - pu->potential_workers());
    send();
  };
  auto target = [&](const std::string& code, double percent, const std::string& note,
                    int year = 2025) {
    rv1::CoverageTarget* t = row.mutable_target();
    t->set_name(absl::StrCat("regions/", code, "/targets/", year));
    t->set_year(year);
    t->set_target_ratio_percent(percent);
    t->set_denominator_source(tv1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    t->set_note(note);
    send();
  };
  // National: a regency's coverage is 35.68% times a spread of 0.6-1.4 drawn per regency,
  // normalised so that the whole dataset's coverage is 35.68% (the national UCJ).
  std::vector<double> inverse_spread(regencies.size(), 0.0), registered_share(regencies.size());
  double persons = 0, weighted = 0;
  for (size_t r = 0; r < regencies.size(); ++r) {
    Draws d(options_.seed, kRegencyStream, r);
    inverse_spread[r] = 1 / (0.6 + 0.8 * d.Unit());
    registered_share[r] = 0.45 + 0.4 * d.Unit();
    persons += static_cast<double>(regency_persons_[r]);
    weighted += static_cast<double>(regency_persons_[r]) * inverse_spread[r];
  }
  const double normalise = weighted > 0 ? persons / weighted : 1;
  for (size_t r = 0; r < regencies.size(); ++r) {
    if (regency_persons_[r] == 0) continue;
    int64_t potential = 0;
    std::string note;
    if (jambi) {
      for (const JambiRegency& j : kJambiRegencies) {
        if (regencies[r].code == j.code) potential = std::llround(j.potential * scale);
      }
      note = "Allocated from the province's figure by population (synthetic)";
    } else {
      potential = std::llround(static_cast<double>(regency_persons_[r]) * active_share / 0.3568 *
                               inverse_spread[r] * normalise);
      note = "Synthetic: active persons / national UCJ 35.68% (Apr 2025), spread 0.6-1.4";
    }
    // Potential employers [synthetic]: the registered ones are a share of 45-85% of them.
    const auto registered = static_cast<int64_t>(regency_employers_[r]);
    const int64_t potential_employers = std::max<int64_t>(
        registered, std::llround(static_cast<double>(registered) / registered_share[r]));
    const size_t province = static_cast<size_t>(regencies[r].parent);
    province_potential[province] += std::max<int64_t>(1, potential);
    province_employers[province] += potential_employers;
    baseline(regencies[r].code, potential,
             absl::StrCat(note, "; potential employers synthetic: registered / 45-85%"),
             potential_employers);
  }
  for (size_t p = 0; p < tables_.provinces().size(); ++p) {
    if (province_potential[p] == 0) continue;
    const std::string& code = tables_.provinces()[p].code;
    if (jambi) {
      baseline(code, std::llround(kJambiPotential * scale),
               "BPJS Ketenagakerjaan, Jambi potential workers, 12 Aug 2024; potential employers "
               "synthetic: the sum of the regencies'",
               province_employers[p]);
      target(code, 55, "Governor of Jambi, Paritrana Award 2024 (10 Jun 2024)");
      // The award's 2024 round measures the gap closed against the period's year's target.
      target(code, kJambiTarget2024, "Synthetic: a 2024 step towards the 2025 target of 55%", 2024);
    } else {
      baseline(code, province_potential[p], "Synthetic: the sum of the province's regencies",
               province_employers[p]);
      if (code == "15") {
        target(code, 55, "Governor of Jambi, Paritrana Award 2024 (10 Jun 2024)");
      } else {
        target(code, 32.15, "RPJMN 2025 national target applied to the province (synthetic)");
      }
    }
  }
  // The village round's villages: their active persons at a ratio of 0.6-1.4 times their
  // regency's [synthetic].
  double judged_ratio = 0.4;
  int64_t judged_potential = 0;
  if (!judged_villages_.empty()) {
    const std::string& code = regencies[static_cast<size_t>(judged_regency_)].code;
    for (const JambiRegency& j : kJambiRegencies) {
      if (code == j.code) {
        judged_ratio = j.ratio;
        judged_potential = std::llround(j.potential * scale);
      }
    }
  }
  for (size_t j = 0; j < judged_villages_.size(); ++j) {
    const int64_t active = judged_active[j];
    const double ratio = std::clamp(judged_ratio * judged_spread_[j], 0.05, 0.95);
    const int64_t potential =
        active > 0
            ? std::max<int64_t>(active, std::llround(static_cast<double>(active) / ratio))
            : judged_potential / std::max(1, tables_.VillagesOfRegency(judged_regency_).second);
    baseline(tables_.villages()[static_cast<size_t>(judged_villages_[j])].code, potential,
             "Synthetic: the village's active persons / 0.6-1.4 times its regency's coverage",
             std::nullopt);
  }
  // Every regency/city takes its province's target.
  for (size_t r = 0; r < regencies.size(); ++r) {
    if (regency_persons_[r] == 0) continue;
    const bool in_jambi =
        tables_.provinces()[static_cast<size_t>(regencies[r].parent)].code == "15";
    target(regencies[r].code, in_jambi ? 55 : 32.15,
           "The province's target applied to each regency");
    if (jambi) {
      target(regencies[r].code, kJambiTarget2024,
             "The province's 2024 target applied to each regency (synthetic)", 2024);
    }
  }
  return number;
}

void NationalDataset::Person(uint64_t i, std::vector<rv1::ParticipantEnrollment>& rows) const {
  const Mix& mix = MixOf(options_.shape);
  Draws d(options_.seed, kPersonStream, i);
  const Place place = PlaceOf(i);
  const int regency = place.regency;
  const auto [first_village, villages] = tables_.VillagesOfRegency(regency);
  const uint64_t village_draw = d.Below(static_cast<uint64_t>(villages));
  // A village official of the village round's villages (the first ranks of their regency, all
  // active with one enrollment), paid by the village budget; else anyone, in a random village.
  int official = -1;
  if (regency == judged_regency_ && !official_cum_.empty() && place.rank < official_cum_.back()) {
    official =
        static_cast<int>(std::upper_bound(official_cum_.begin(), official_cum_.end(), place.rank) -
                         official_cum_.begin() - 1);
  }
  const uint64_t village_index =
      official >= 0 ? static_cast<uint64_t>(judged_villages_[static_cast<size_t>(official)])
                    : static_cast<uint64_t>(first_village) + village_draw;
  const int judged = official >= 0 ? official : JudgedSlot(village_index);
  const auto& village = tables_.villages()[village_index];
  const auto& district = tables_.districts()[static_cast<size_t>(village.parent)];
  const std::string village_name = RegionName(village.code);

  const uint64_t slot =
      MulAddMod(kNikMultiplier, i, SplitMix(options_.seed) % kNikSpace, kNikSpace);
  const absl::CivilDay birth =
      absl::CivilDay(1965, 1, 1) + static_cast<int>(slot % static_cast<uint64_t>(kBirthDays));
  const int serial = static_cast<int>(slot / static_cast<uint64_t>(kBirthDays)) + 1;
  const bool female = d.Unit() < 0.40;

  // The person's history: how many enrollments and how the last one stands on the query date.
  enum class Last { kActive, kLapsed, kTerminated };
  // Statuses are quotas of each regency (its persons' ranks split at the shares), not draws, so a
  // regency's active count is its share of its persons exactly, at any scale.
  const double status = (static_cast<double>(place.rank) + 0.5) /
                        static_cast<double>(regency_persons_[static_cast<size_t>(regency)]);
  const double active = mix.active1 + mix.active2 + mix.active3;
  const Last last = status < active                ? Last::kActive
                    : status < active + mix.lapsed ? Last::kLapsed
                                                   : Last::kTerminated;
  const int episodes = status < mix.active1                 ? 1
                       : status < mix.active1 + mix.active2 ? 2
                       : status < active                    ? 3
                                                            : 1;

  // The rows are reused from the previous call (cleared messages keep their allocations).
  rows.resize(static_cast<size_t>(episodes));
  for (rv1::ParticipantEnrollment& pe : rows) pe.Clear();
  rv1::Participant& participant = *rows[0].mutable_participant();
  participant.set_name(absl::StrFormat("participants/%011d", 20'000'000'000ULL + i));
  participant.set_nik(absl::StrFormat("%s%02d%02d%02d%04d", Digits(district.code),
                                      birth.day() + (female ? 40 : 0), birth.month(),
                                      birth.year() % 100, serial));
  participant.set_display_name(absl::StrCat("Peserta Contoh ", i + 1, " (synthetic)"));
  participant.set_sex(female ? rv1::SEX_FEMALE : rv1::SEX_MALE);
  *participant.mutable_birth_date() = ToProtoDate(birth);
  participant.set_domicile_region(village_name);

  struct Episode {
    absl::CivilDay start, through, paid;
    std::optional<absl::CivilDay> end;
  };
  std::array<Episode, kMaxRowsPerPerson> plan;
  const absl::CivilDay q = mix.query;
  Episode& current = plan[static_cast<size_t>(episodes - 1)];
  if (last == Last::kActive) {
    current.start = mix.active_from + d.Days(static_cast<int>(q - mix.active_from));
    current.through = q + 1 + d.Days(180);
    current.paid = std::max(current.start, q - d.Days(60));
  } else {
    current.start = mix.lapsed_from + d.Days(static_cast<int>(q - 90 - mix.lapsed_from));
    current.through = current.start + 30 + d.Days(static_cast<int>(q - 1 - (current.start + 30)));
    current.paid = std::max(current.start, current.through - 365);
    if (last == Last::kTerminated) {
      current.end = std::min(q, current.through + 1 + d.Days(90));
    }
  }
  for (int k = episodes - 2; k >= 0; --k) {  // earlier episodes, backwards, each terminated
    Episode& e = plan[static_cast<size_t>(k)];
    e.end = plan[static_cast<size_t>(k) + 1].start - d.Days(180);
    e.start = *e.end - 180 - d.Days(1800);
    e.through = *e.end - 1;
    e.paid = std::max(e.start, e.through - 365);
  }

  for (int k = 0; k < episodes; ++k) {
    const Episode& ep = plan[static_cast<size_t>(k)];
    rv1::ParticipantEnrollment& pe = rows[static_cast<size_t>(k)];
    if (k > 0) *pe.mutable_participant() = participant;
    rv1::Enrollment* e = pe.mutable_enrollment();
    e->add_programmes(tv1::PROGRAMME_JKK);
    e->add_programmes(tv1::PROGRAMME_JKM);
    const double segment = d.Unit(), extra = d.Unit();
    int64_t monthly = 16'800;
    if (segment < mix.pu && official < 0) {
      e->set_segment(tv1::SEGMENT_PU);
      e->set_employer(EmployerOf(regency, d.Next(), ep.start));
      e->add_programmes(tv1::PROGRAMME_JHT);
      e->add_programmes(tv1::PROGRAMME_JP);
      if (extra < 0.75) e->add_programmes(tv1::PROGRAMME_JKP);
      e->set_funding_source(tv1::FUNDING_SOURCE_EMPLOYER);
      monthly = 300'000;
    } else if (segment < mix.pu + mix.bpu || official >= 0) {
      e->set_segment(tv1::SEGMENT_BPU);
      if (extra < 0.15) {
        e->add_programmes(tv1::PROGRAMME_JHT);
        monthly += 20'000;
      }
      const auto& province = tables_.provinces()[static_cast<size_t>(
          tables_.regencies()[static_cast<size_t>(regency)].parent)];
      double scheme_share = 0;
      const char* slug = "";
      for (const ProvincialScheme& s : mix.schemes) {
        if (province.code == s.province) {
          scheme_share = s.bpu_share;
          slug = s.slug;
        }
      }
      const double pay = d.Unit();
      // The village round's villages pay for a share of their worker-paid BPU.
      const double village_share = judged >= 0 ? judged_funded_share_[static_cast<size_t>(judged)] *
                                                     (1 - scheme_share - mix.regency_budget)
                                               : mix.village_budget;
      auto village_budget = [&] {
        e->set_funding_source(tv1::FUNDING_SOURCE_VILLAGE_BUDGET);
        e->set_subsidy_scheme(
            judged >= 0
                ? absl::StrCat("apbdes-",
                               Digits(tables_.regencies()[static_cast<size_t>(regency)].code))
                : "apbdes");
      };
      if (official >= 0) {
        village_budget();
      } else if (pay < scheme_share) {
        e->set_funding_source(tv1::FUNDING_SOURCE_PROVINCIAL_BUDGET);
        e->set_subsidy_scheme(slug);
      } else if (pay < scheme_share + mix.regency_budget) {
        e->set_funding_source(tv1::FUNDING_SOURCE_REGENCY_BUDGET);
        e->set_subsidy_scheme(absl::StrCat(
            "pemkab-", Digits(tables_.regencies()[static_cast<size_t>(regency)].code)));
      } else if (pay < scheme_share + mix.regency_budget + village_share) {
        village_budget();
      } else if (pay < scheme_share + mix.regency_budget + village_share + mix.csr) {
        e->set_funding_source(tv1::FUNDING_SOURCE_OTHER);
        e->set_subsidy_scheme("csr");
      } else {
        e->set_funding_source(tv1::FUNDING_SOURCE_WORKER);
      }
    } else if (segment < mix.pu + mix.bpu + mix.jakon) {
      e->set_segment(tv1::SEGMENT_JAKON);
      e->set_funding_source(tv1::FUNDING_SOURCE_OTHER);
    } else {
      e->set_segment(tv1::SEGMENT_PMI);
      if (extra < 0.5) e->add_programmes(tv1::PROGRAMME_JHT);
      e->set_funding_source(tv1::FUNDING_SOURCE_WORKER);
      monthly = 13'500;
    }
    e->set_region(village_name);
    *e->mutable_start_date() = ToProtoDate(ep.start);
    if (ep.end.has_value()) *e->mutable_end_date() = ToProtoDate(*ep.end);
    rv1::Contribution* c = pe.mutable_contribution();
    const int64_t months = std::max<int64_t>(1, (ep.through - ep.start + 29) / 30);
    c->set_amount_rupiah(monthly * months);
    *c->mutable_paid_date() = ToProtoDate(ep.paid);
    *c->mutable_covers_through() = ToProtoDate(ep.through);
  }
}

}  // namespace paritrana::bench
