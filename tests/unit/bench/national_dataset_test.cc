#include "bench/national_dataset.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "bench/dataset.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "services/registry/resource_rules.h"
#include "tests/support/temp_dir.h"

namespace paritrana::bench {
namespace {

namespace rv1 = registry::v1;
namespace tv1 = type::v1;

// A small catalogue in idn-area-data's layout: Jambi with a regency and a city, DKI Jakarta with
// a city and Kepulauan Seribu, villages with quoted names.
void WriteCatalog(const std::string& dir) {
  std::filesystem::create_directories(dir + "/data");
  std::ofstream(dir + "/data/provinces.csv") << "code,name\n15,Jambi\n31,DKI Jakarta\n";
  std::ofstream(dir + "/data/regencies.csv")
      << "code,province_code,name\n15.01,15,Kabupaten Kerinci\n15.71,15,Kota Jambi\n"
         "31.01,31,Kabupaten Administrasi Kepulauan Seribu\n31.71,31,Kota Administrasi Jakarta "
         "Pusat\n";
  std::ofstream(dir + "/data/districts.csv")
      << "code,regency_code,name\n15.01.01,15.01,Gunung Kerinci\n15.01.02,15.01,Kayu Aro\n"
         "15.71.01,15.71,Telanaipura\n31.01.01,31.01,Kepulauan Seribu Utara\n"
         "31.71.01,31.71,Gambir\n";
  std::ofstream villages(dir + "/data/villages.csv");
  villages << "code,district_code,name\r\n";
  for (const char* d : {"15.01.01", "15.01.02", "15.71.01", "31.01.01", "31.71.01"}) {
    for (int v = 1; v <= 4; ++v) {
      villages << d << "." << 2000 + v << "," << d << ",\"Desa " << v << ", \"\"Contoh\"\"\"\r\n";
    }
  }
}

class NationalDatasetTest : public testing::Test {
 protected:
  void SetUp() override { WriteCatalog(dir_.path()); }

  RegionTables Catalog() {
    absl::StatusOr<RegionTables> t = RegionTables::LoadCatalog(dir_.path());
    EXPECT_TRUE(t.ok()) << t.status();
    return *std::move(t);
  }

  NationalDataset National(uint64_t n, uint64_t seed = 7) {
    DatasetOptions o;
    o.shape = DatasetShape::kNational;
    o.participants = n;
    o.seed = seed;
    return NationalDataset(Catalog(), o);
  }

  test_support::TempDir dir_;
};

TEST(SplitCsvLineTest, QuotesAndDoubledQuotes) {
  EXPECT_EQ(SplitCsvLine("12.07.28.1007,12.07.28,\"Lubuk Pakam I,II\""),
            (std::vector<std::string>{"12.07.28.1007", "12.07.28", "Lubuk Pakam I,II"}));
  EXPECT_EQ(SplitCsvLine("35.13.15.2017,35.13.15,\"Soka\"\"an\""),
            (std::vector<std::string>{"35.13.15.2017", "35.13.15", "Soka\"an"}));
  EXPECT_EQ(SplitCsvLine("a,,b"), (std::vector<std::string>{"a", "", "b"}));
}

// paritrana-bench-import --shape=national --format=csv (the sqlite3 shell floor of bench.sh):
// one line per row in the header's columns; a field with a comma or a quote is quoted.
TEST_F(NationalDatasetTest, EveryRowIsOneCsvLineInTheHeadersColumns) {
  const NationalDataset d = National(500);
  const size_t columns = SplitCsvLine(Dataset::CsvHeader()).size();
  ASSERT_EQ(columns, 16u);
  std::vector<rv1::ParticipantEnrollment> rows;
  for (uint64_t i = 0; i < 500; ++i) {
    d.Person(i, rows);
    for (const rv1::ParticipantEnrollment& row : rows) {
      const std::string line = Dataset::CsvLine(row);
      EXPECT_EQ(line.find('\n'), std::string::npos);
      const std::vector<std::string> f = SplitCsvLine(line);
      ASSERT_EQ(f.size(), columns) << line;
      EXPECT_EQ("participants/" + f[0], row.participant().name());
      EXPECT_EQ(f[1], row.participant().nik());
      EXPECT_EQ(f[2], row.participant().display_name());
      EXPECT_EQ(f[9], row.enrollment().region());
    }
  }
  rv1::ParticipantEnrollment quoted;
  quoted.mutable_participant()->set_name("participants/20000000000");
  quoted.mutable_participant()->set_display_name("Ani, \"Contoh\"");
  EXPECT_EQ(SplitCsvLine(Dataset::CsvLine(quoted))[2], "Ani, \"Contoh\"");
}

TEST_F(NationalDatasetTest, LoadsTheCatalogueAndLinksLevels) {
  const RegionTables t = Catalog();
  ASSERT_EQ(t.provinces().size(), 2u);
  ASSERT_EQ(t.regencies().size(), 4u);
  ASSERT_EQ(t.districts().size(), 5u);
  ASSERT_EQ(t.villages().size(), 20u);
  EXPECT_EQ(t.villages()[0].name, "Desa 1, \"Contoh\"");
  EXPECT_EQ(t.VillagesOfRegency(0), std::make_pair(0, 8));  // 15.01: two districts
  EXPECT_EQ(t.regencies()[2].code, "31.01");
  EXPECT_EQ(t.provinces()[static_cast<size_t>(t.regencies()[2].parent)].code, "31");
  absl::StatusOr<RegionTables> jambi = RegionTables::LoadCatalog(dir_.path(), "15");
  ASSERT_TRUE(jambi.ok());
  EXPECT_EQ(jambi->regencies().size(), 2u);
  EXPECT_FALSE(RegionTables::LoadCatalog(dir_.path() + "/missing").ok());
}

TEST_F(NationalDatasetTest, SameSeedSameRowsOtherSeedOtherRows) {
  const NationalDataset a = National(2000), b = National(2000), c = National(2000, 8);
  std::vector<std::string> sa, sb, sc;
  a.Skeleton([&](const rv1::ImportRow& r) { sa.push_back(r.SerializeAsString()); });
  b.Skeleton([&](const rv1::ImportRow& r) { sb.push_back(r.SerializeAsString()); });
  EXPECT_EQ(sa, sb);
  std::vector<rv1::ParticipantEnrollment> ra, rb, rc;
  int differ = 0;
  for (uint64_t i = 0; i < 2000; ++i) {
    a.Person(i, ra);
    b.Person(i, rb);
    c.Person(i, rc);
    ASSERT_EQ(ra.size(), rb.size());
    for (size_t k = 0; k < ra.size(); ++k) {
      ASSERT_EQ(ra[k].SerializeAsString(), rb[k].SerializeAsString()) << i;
    }
    differ += ra[0].SerializeAsString() != rc[0].SerializeAsString();
  }
  EXPECT_GT(differ, 1900);
}

TEST_F(NationalDatasetTest, ApportioningAddsUpAndMatchesThePeople) {
  for (uint64_t n : {1ULL, 7ULL, 1000ULL, 12345ULL}) {
    const NationalDataset data = National(n);
    uint64_t sum = 0;
    for (uint64_t p : data.regency_persons()) sum += p;
    EXPECT_EQ(sum, n);
    std::map<std::string, uint64_t> seen;
    std::vector<rv1::ParticipantEnrollment> rows;
    for (uint64_t i = 0; i < n; ++i) {
      data.Person(i, rows);
      seen[rows[0].participant().domicile_region().substr(8, 5)]++;
    }
    for (size_t r = 0; r < data.tables().regencies().size(); ++r) {
      const std::string& code = data.tables().regencies()[r].code;
      EXPECT_EQ(seen[code], data.regency_persons()[r]) << code << " at N=" << n;
      if (data.regency_persons()[r] > 0) {
        EXPECT_GE(data.regency_employers()[r], 1u);
      }
    }
  }
  // Provinces by population: DKI Jakarta (10.6M in 2020) has about three times Jambi's (3.5M).
  const NationalDataset data = National(100'000);
  const auto& p = data.regency_persons();
  EXPECT_NEAR(static_cast<double>(p[2] + p[3]) / static_cast<double>(p[0] + p[1]), 10562.0 / 3548.0,
              0.01);
  // A city's villages count 5 times: Kota Jambi's 4 villages against Kerinci's 8.
  EXPECT_NEAR(static_cast<double>(p[1]) / static_cast<double>(p[0]), 20.0 / 8.0, 0.01);
}

// Every row passes the registry's field rules, NIKs match the domicile and are unique, KPJs are
// unique, employers exist in the person's regency, histories are ordered.
void ExpectValid(const NationalDataset& data, uint64_t n) {
  const absl::CivilDay today(2026, 1, 1);
  absl::flat_hash_set<std::string> employers, regions, niks, kpjs;
  std::map<std::string, std::string> employer_regency;
  std::map<std::string, absl::CivilDay> registered;
  int64_t last_number = 0;
  const int64_t base = data.Skeleton([&](const rv1::ImportRow& row) {
    EXPECT_GT(row.row_number(), last_number);
    last_number = row.row_number();
    FieldViolations v;
    switch (row.record_case()) {
      case rv1::ImportRow::kRegion:
        registry::CheckRegion(row.region(), "region", v);
        EXPECT_TRUE(regions.insert(row.region().name()).second);
        break;
      case rv1::ImportRow::kEmployer:
        registry::CheckEmployer(row.employer(), "employer", today, v);
        EXPECT_TRUE(registry::CheckNpp(row.employer().name().substr(10)).ok());
        EXPECT_TRUE(employers.insert(row.employer().name()).second);
        employer_regency[row.employer().name()] = row.employer().region().substr(8, 5);
        registered[row.employer().name()] = *ToCivilDay(row.employer().registration_date());
        EXPECT_LE(registered[row.employer().name()], data.query_date());
        EXPECT_LE(*ToCivilDay(row.employer().worker_count_date()), data.query_date());
        break;
      case rv1::ImportRow::kBaseline:
        registry::CheckBaseline(row.baseline(), "baseline", v);
        break;
      case rv1::ImportRow::kTarget:
        registry::CheckTarget(row.target(), "target", v);
        break;
      case rv1::ImportRow::kBill: {
        // The rules of ContributionBill (resources.proto), the employer emitted before it.
        const rv1::ContributionBill& b = row.bill();
        registry::CheckBill(b, "bill", v);
        const std::string employer = b.name().substr(0, b.name().find("/bills/"));
        EXPECT_TRUE(employers.contains(employer)) << b.name();
        const std::string month = b.name().substr(employer.size() + 7);
        ASSERT_EQ(month.size(), 7u) << b.name();
        const absl::CivilDay first(std::stoi(month.substr(0, 4)), std::stoi(month.substr(5)), 1);
        const absl::CivilDay due = *ToCivilDay(b.due_date());
        EXPECT_EQ(due, absl::CivilDay(absl::CivilMonth(first) + 1) + 14) << b.name();
        EXPECT_LE(due, data.query_date());
        EXPECT_GE(b.amount_due_rupiah(), 1);
        EXPECT_LE(b.amount_paid_rupiah(), b.amount_due_rupiah());
        EXPECT_EQ(b.has_paid_date(), b.amount_paid_rupiah() == b.amount_due_rupiah());
        if (b.has_paid_date()) {
          EXPECT_GE(*ToCivilDay(b.paid_date()), first);
          EXPECT_LE(*ToCivilDay(b.paid_date()), data.query_date());
        }
        break;
      }
      default:
        ADD_FAILURE() << "unexpected row";
    }
    EXPECT_TRUE(v.empty()) << v.ToStatus();
  });
  EXPECT_EQ(base, last_number);
  EXPECT_EQ(employers.size(), data.employers());
  std::vector<rv1::ParticipantEnrollment> rows;
  for (uint64_t i = 0; i < n; ++i) {
    data.Person(i, rows);
    ASSERT_GE(rows.size(), 1u);
    ASSERT_LE(rows.size(), static_cast<size_t>(NationalDataset::kMaxRowsPerPerson));
    const rv1::Participant& p = rows[0].participant();
    EXPECT_TRUE(niks.insert(p.nik()).second) << i;
    EXPECT_TRUE(kpjs.insert(p.name()).second) << i;
    EXPECT_TRUE(registry::CheckKpj(p.name().substr(13)).ok());
    absl::StatusOr<NikFacts> facts = ParseNik(p.nik(), today);
    ASSERT_TRUE(facts.ok()) << facts.status();
    const std::string domicile = absl::StrReplaceAll(p.domicile_region().substr(8), {{".", ""}});
    EXPECT_EQ(facts->issue_region, domicile.substr(0, 6));
    if (data.tables().from_catalog() || data.options().region_rows) {
      EXPECT_TRUE(!data.options().region_rows || regions.contains(p.domicile_region()));
    }
    for (size_t k = 0; k < rows.size(); ++k) {
      const rv1::ParticipantEnrollment& pe = rows[k];
      EXPECT_EQ(pe.participant().SerializeAsString(), p.SerializeAsString());
      FieldViolations v;
      registry::CheckParticipant(pe.participant(), "participant", today, v);
      registry::CheckEnrollment(pe.enrollment(), "enrollment", v);
      registry::CheckContribution(pe.contribution(), "contribution", v);
      EXPECT_TRUE(v.empty()) << v.ToStatus();
      const auto start = *ToCivilDay(pe.enrollment().start_date());
      const auto through = *ToCivilDay(pe.contribution().covers_through());
      const auto paid = *ToCivilDay(pe.contribution().paid_date());
      EXPECT_LE(start, through);
      EXPECT_LE(paid, through);
      EXPECT_LE(through, paid + 3653);
      if (pe.enrollment().segment() == tv1::SEGMENT_PU) {
        ASSERT_TRUE(employers.contains(pe.enrollment().employer()));
        EXPECT_EQ(employer_regency[pe.enrollment().employer()], p.domicile_region().substr(8, 5));
        // Nobody works for an employer before it registered.
        EXPECT_GE(start, registered[pe.enrollment().employer()]) << pe.enrollment().employer();
      }
      if (k + 1 < rows.size()) {  // earlier episodes are terminated before the next one starts
        ASSERT_TRUE(pe.enrollment().has_end_date());
        const auto end = *ToCivilDay(pe.enrollment().end_date());
        EXPECT_LT(start, end);
        EXPECT_LT(through, end);
        EXPECT_LE(end, *ToCivilDay(rows[k + 1].enrollment().start_date()));
      }
    }
  }
}

TEST_F(NationalDatasetTest, EveryRowPassesTheRegistryRules) {
  ExpectValid(National(20'000), 20'000);
  DatasetOptions o;
  o.shape = DatasetShape::kJambi;
  o.participants = 5'000;
  o.region_rows = true;
  ExpectValid(NationalDataset(RegionTables::SyntheticJambi(3, 3), o), 5'000);
  o.shape = DatasetShape::kNational;
  ExpectValid(NationalDataset(RegionTables::SyntheticJambi(6, 8), o), 5'000);
}

struct Shares {
  uint64_t persons = 0, rows = 0, active = 0, lapsed = 0, terminated = 0, multi = 0;
  std::map<tv1::Segment, uint64_t> active_by_segment;
  std::map<std::string, uint64_t> active_by_regency;
  uint64_t active_bpu_15 = 0, active_dumisake = 0;
};

Shares Measure(const NationalDataset& data, uint64_t n) {
  Shares s;
  const absl::CivilDay q = data.query_date();
  std::vector<rv1::ParticipantEnrollment> rows;
  for (uint64_t i = 0; i < n; ++i) {
    data.Person(i, rows);
    ++s.persons;
    s.rows += rows.size();
    s.multi += rows.size() > 1;
    const rv1::Enrollment& e = rows.back().enrollment();
    const bool open = !e.has_end_date();
    const bool paid = *ToCivilDay(rows.back().contribution().covers_through()) >= q;
    if (open && paid && *ToCivilDay(e.start_date()) <= q) {
      ++s.active;
      ++s.active_by_segment[e.segment()];
      ++s.active_by_regency[e.region().substr(8, 5)];
      if (e.segment() == tv1::SEGMENT_BPU && e.region().substr(8, 2) == "15") {
        ++s.active_bpu_15;
        s.active_dumisake += e.subsidy_scheme() == "dumisake";
      }
    } else if (open) {
      ++s.lapsed;
    } else {
      ++s.terminated;
    }
    // No earlier episode counts on the query date.
    for (size_t k = 0; k + 1 < rows.size(); ++k) {
      EXPECT_LE(*ToCivilDay(rows[k].enrollment().end_date()), q);
    }
  }
  return s;
}

TEST_F(NationalDatasetTest, NationalSharesOnAHundredThousandPersons) {
  const uint64_t n = 100'000;
  const Shares s = Measure(National(n), n);
  const auto share = [&](uint64_t x, uint64_t of) {
    return static_cast<double>(x) / static_cast<double>(of);
  };
  EXPECT_NEAR(share(s.active, n), 41.38 / 61.0, 0.01);
  EXPECT_NEAR(share(s.lapsed, n), 0.20, 0.01);
  EXPECT_NEAR(share(s.multi, n), 0.13, 0.01);
  EXPECT_NEAR(share(s.active_by_segment.at(tv1::SEGMENT_PU), s.active), 26.26 / 41.38, 0.01);
  EXPECT_NEAR(share(s.active_by_segment.at(tv1::SEGMENT_BPU), s.active), 9.58 / 41.38, 0.01);
  EXPECT_NEAR(share(s.active_by_segment.at(tv1::SEGMENT_JAKON), s.active), 5.53 / 41.38, 0.01);
  EXPECT_NEAR(share(s.active_dumisake, s.active_bpu_15), 0.50, 0.03);
  // Employers: 839,937 per 61 million registered.
  EXPECT_NEAR(static_cast<double>(National(n).employers()), 839'937.0 * n / 61e6, 2);
  // The provinces' potentials put the whole dataset at the national UCJ, 35.68%.
  int64_t potential = 0;
  National(n).Skeleton([&](const rv1::ImportRow& row) {
    if (row.has_baseline() && row.baseline().name().find('.') == std::string::npos) {
      potential += row.baseline().potential_workers();
    }
  });
  EXPECT_NEAR(share(s.active, static_cast<uint64_t>(potential)), 0.3568, 0.002);
}

TEST_F(NationalDatasetTest, JambiReproducesThePublishedRatios) {
  DatasetOptions o;
  o.shape = DatasetShape::kJambi;
  o.participants = 116'174;  // scale 0.2
  const NationalDataset data(RegionTables::SyntheticJambi(3, 3), o);
  const Shares s = Measure(data, o.participants);
  std::map<std::string, int64_t> potential;
  data.Skeleton([&](const rv1::ImportRow& row) {
    if (row.has_baseline()) {
      potential[row.baseline().name().substr(8, row.baseline().name().find('/', 8) - 8)] =
          row.baseline().potential_workers();
    }
  });
  const auto ratio = [&](const std::string& code, uint64_t active) {
    return static_cast<double>(active) / static_cast<double>(potential.at(code));
  };
  EXPECT_NEAR(ratio("15", s.active), 0.3952, 0.005);
  EXPECT_NEAR(ratio("15.04", s.active_by_regency.at("15.04")), 0.5071, 0.01);
  EXPECT_NEAR(ratio("15.71", s.active_by_regency.at("15.71")), 0.4864, 0.01);
  EXPECT_NEAR(ratio("15.09", s.active_by_regency.at("15.09")), 0.3149, 0.01);
  EXPECT_NEAR(ratio("15.07", s.active_by_regency.at("15.07")), 0.2666, 0.01);
  // About 117,000 Dumisake-paid active workers at scale 1.
  EXPECT_NEAR(static_cast<double>(s.active_dumisake) / 0.2, 117'000, 3'000);
}

// The figures the award's business and village rounds need (scripts/run_award_demo.sh), on the
// demo's Jambi at scale 0.01: headcounts that match the workers attached, bills of every kind,
// employers registered in the period, potential employers, the village round's villages with a
// baseline and village-budget-funded workers.
TEST_F(NationalDatasetTest, JambiCarriesTheAwardsEmployerAndVillageFigures) {
  DatasetOptions o;
  o.shape = DatasetShape::kJambi;
  o.participants = 5'809;  // scale 0.01, the demo test's
  o.region_rows = true;
  const NationalDataset data(RegionTables::SyntheticJambi(3, 3), o);
  const absl::CivilDay q = data.query_date();
  std::map<std::string, rv1::Employer> employers;
  std::map<std::string, std::vector<rv1::ContributionBill>> bills;
  std::map<std::string, rv1::WorkforceBaseline> baselines;  // by region code
  int64_t rows = data.Skeleton([&](const rv1::ImportRow& row) {
    if (row.has_employer()) employers[row.employer().name()] = row.employer();
    if (row.has_bill()) {
      bills[row.bill().name().substr(0, row.bill().name().find("/bills/"))].push_back(row.bill());
    }
    if (row.has_baseline()) {
      const std::string& name = row.baseline().name();
      baselines[name.substr(8, name.find('/', 8) - 8)] = row.baseline();
    }
  });
  // Active workers per employer and active village-budget-funded persons per village.
  std::map<std::string, int64_t> workers, village_active, village_funded;
  std::vector<rv1::ParticipantEnrollment> person;
  for (uint64_t i = 0; i < o.participants; ++i) {
    data.Person(i, person);
    const rv1::Enrollment& e = person.back().enrollment();
    if (e.has_end_date() || *ToCivilDay(e.start_date()) > q ||
        *ToCivilDay(person.back().contribution().covers_through()) < q) {
      continue;
    }
    if (e.segment() == tv1::SEGMENT_PU) ++workers[e.employer()];
    ++village_active[e.region().substr(8)];
    if (e.funding_source() == tv1::FUNDING_SOURCE_VILLAGE_BUDGET) {
      EXPECT_EQ(e.subsidy_scheme(), "apbdes-1508");
      ++village_funded[e.region().substr(8)];
    }
  }
  // Bills stay a small share of the rows: about 7 a billed employer, employers 1 in 63 persons.
  EXPECT_LT(rows, static_cast<int64_t>(o.participants) / 4);

  std::map<rv1::EmployerSizeClass, int> classes;
  int registered_in_period = 0, on_time = 0, late = 0, unpaid = 0;
  for (const auto& [name, employer] : employers) {
    const int64_t headcount = employer.worker_count_declared();
    const int64_t active = workers[name];
    // Worker coverage from 60% to 100%.
    if (active > 0) {
      EXPECT_GE(static_cast<double>(active) / static_cast<double>(headcount), 0.6 - 1e-9) << name;
      EXPECT_LE(active, headcount) << name;
    }
    // The class follows the headcount (BPS: 1-4, 5-19, 20-99, 100+).
    const rv1::EmployerSizeClass expected = headcount < 5     ? rv1::EMPLOYER_SIZE_CLASS_MICRO
                                            : headcount < 20  ? rv1::EMPLOYER_SIZE_CLASS_SMALL
                                            : headcount < 100 ? rv1::EMPLOYER_SIZE_CLASS_MEDIUM
                                                              : rv1::EMPLOYER_SIZE_CLASS_LARGE;
    EXPECT_EQ(employer.size_class(), expected) << name << " " << headcount;
    const absl::CivilDay since = *ToCivilDay(employer.registration_date());
    registered_in_period += since >= absl::CivilDay(2024, 1, 1);
    // Billed every month from Dec 2023 (due 15 Jan) or its registration to Jun 2024 (due 15
    // Jul), when it has workers.
    const absl::CivilMonth from = std::max(absl::CivilMonth(2023, 12), absl::CivilMonth(since));
    const int64_t months = std::max<int64_t>(0, absl::CivilMonth(2024, 6) - from + 1);
    EXPECT_EQ(static_cast<int64_t>(bills[name].size()), active > 0 ? months : 0) << name;
    for (const rv1::ContributionBill& b : bills[name]) {
      EXPECT_NEAR(static_cast<double>(b.amount_due_rupiah()), active * 280'000.0,
                  active * 14'000.0 + 100);
      if (!b.has_paid_date()) {
        ++unpaid;
      } else if (*ToCivilDay(b.paid_date()) <= *ToCivilDay(b.due_date())) {
        ++on_time;
      } else {
        ++late;
      }
    }
    if (active > 0 && months > 0) ++classes[employer.size_class()];
  }
  EXPECT_GT(registered_in_period, 0);
  EXPECT_GT(on_time, late);
  EXPECT_GT(late, 0);
  EXPECT_GT(unpaid, 0);
  // Every business category has billed employers with workers.
  EXPECT_GE(classes[rv1::EMPLOYER_SIZE_CLASS_LARGE], 1);
  EXPECT_GE(classes[rv1::EMPLOYER_SIZE_CLASS_MEDIUM], 1);
  EXPECT_GE(classes[rv1::EMPLOYER_SIZE_CLASS_SMALL] + classes[rv1::EMPLOYER_SIZE_CLASS_MICRO], 1);

  // Potential employers: at least the registered ones; the province's is the regencies' sum.
  std::map<std::string, int64_t> registered_by_regency;
  for (const auto& [name, employer] : employers)
    ++registered_by_regency[employer.region().substr(8, 5)];
  int64_t regencies_potential = 0;
  for (const auto& [code, count] : registered_by_regency) {
    ASSERT_TRUE(baselines[code].has_potential_employers()) << code;
    EXPECT_GE(baselines[code].potential_employers(), count) << code;
    EXPECT_LE(baselines[code].potential_employers(), count / 0.45 + 1) << code;
    regencies_potential += baselines[code].potential_employers();
  }
  EXPECT_EQ(baselines["15"].potential_employers(), regencies_potential);

  // The village round's villages: the desa of 15.08.01, each with a baseline and officials paid
  // by its budget.
  ASSERT_EQ(data.judged_villages().size(), 3u);
  for (const char* village : {"15.08.01.2001", "15.08.01.2002", "15.08.01.2003"}) {
    ASSERT_TRUE(baselines.contains(village)) << village;
    EXPECT_GE(baselines[village].potential_workers(), village_active[village]);
    EXPECT_GE(village_funded[village], 1) << village;
  }
  // Nowhere else does a village budget pay.
  int64_t funded = 0;
  for (const auto& [village, count] : village_funded) funded += count;
  EXPECT_EQ(funded, village_funded["15.08.01.2001"] + village_funded["15.08.01.2002"] +
                        village_funded["15.08.01.2003"]);
}

// The real catalogue, which set-up installs (or PARITRANA_REGION_CATALOG names another copy).
TEST(NationalCatalogTest, FullCatalogueApportionsEveryRegency) {
  const char* env = std::getenv("PARITRANA_REGION_CATALOG");
  const std::string dir = env != nullptr && *env != '\0' ? std::string(env)
                                                         : std::string(PARITRANA_SOURCE_DIR) +
                                                               "/tools/node_modules/idn-area-data";
  ASSERT_TRUE(std::filesystem::exists(dir + "/data/villages.csv"))
      << "no " << dir << ": run `npm ci --prefix tools` (scripts/test.sh does)";
  absl::StatusOr<RegionTables> t = RegionTables::LoadCatalog(dir);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->provinces().size(), 38u);
  EXPECT_EQ(t->regencies().size(), 514u);
  EXPECT_EQ(t->districts().size(), 7285u);
  EXPECT_EQ(t->villages().size(), 83762u);
  DatasetOptions o;
  o.participants = 1'000'000;
  const NationalDataset data(*std::move(t), o);
  uint64_t sum = 0;
  for (uint64_t p : data.regency_persons()) {
    EXPECT_GT(p, 0u);
    sum += p;
  }
  EXPECT_EQ(sum, o.participants);
  ExpectValid(data, 20'000);
}

}  // namespace
}  // namespace paritrana::bench
