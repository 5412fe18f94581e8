// The aggregate invariant: after a long seeded random sequence of creates, enrollments,
// contributions and terminations (valid and invalid), the counts the registry maintains
// transaction by transaction equal a brute-force recount from the enrollments, for every region
// level, segment, programme and funding source, on a set of dates. Runs on a real SQLite file.
#include <sqlite3.h>

#include <map>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "region/validation.h"
#include "security/nik_vault.h"
#include "services/registry/active_counts.h"
#include "services/registry/registry.h"
#include "services/registry/store/open_store.h"
#include "tests/support/aggregate_recount.h"
#include "tests/support/temp_dir.h"

namespace paritrana::registry {
namespace {

using type::v1::FundingSource;
using type::v1::Segment;

constexpr int kOperations = 10000;
const absl::CivilDay kToday(2026, 11, 26);

google::type::Date Date(absl::CivilDay d) { return ToProtoDate(d); }
absl::CivilDay Day(const google::type::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

class RegistryAggregatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_.path();
    auto store = OpenRegistryStore("sqlite:" + dir_ + "/registry.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto vault = NikVault::FromKeyFile(dir_ + "/nik.key", true);
    ASSERT_TRUE(vault.ok()) << vault.status();
    vault_ = std::make_unique<NikVault>(std::move(*vault));
    registry_ = std::make_unique<Registry>(
        *store_, *vault_,
        [this](const std::set<std::string>& p) { published_.insert(p.begin(), p.end()); },
        [] { return kToday; });
    ASSERT_TRUE(registry_->LoadCatalog().ok());
  }

  test_support::TempDir temp_{"aggregates"};  // first: removed after the store closes
  std::string dir_;
  std::unique_ptr<RegistryStore> store_;
  std::unique_ptr<NikVault> vault_;
  std::unique_ptr<Registry> registry_;
  std::set<std::string> published_;
};

// A valid NIK for the n-th synthetic person of Jambi.
std::string Nik(int n, bool female, absl::CivilDay birth) {
  return absl::StrFormat("150801%02d%02d%02d%04d", birth.day() + (female ? 40 : 0), birth.month(),
                         birth.year() % 100, n % 9999 + 1);
}

TEST_F(RegistryAggregatesTest, MaintainedCountsEqualABruteForceRecount) {
  std::mt19937 rng(20240610);  // the day of the seed article; any fixed seed will do
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };

  // Regions: three regencies (one city), two districts each, two villages per district.
  std::vector<std::string> villages;
  for (const char* regency : {"15.08", "15.71", "15.04"}) {
    for (int d = 1; d <= 2; ++d) {
      v1::CreateRegionRequest district;
      district.set_region_id(absl::StrFormat("%s.%02d", regency, d));
      district.mutable_region()->set_display_name("Kecamatan (synthetic)");
      ASSERT_TRUE(registry_->CreateRegion(district).ok());
      for (int v = 1; v <= 2; ++v) {
        v1::CreateRegionRequest village;
        village.set_region_id(absl::StrFormat("%s.%04d", district.region_id(), 2000 + v));
        village.mutable_region()->set_display_name("Desa (synthetic)");
        ASSERT_TRUE(registry_->CreateRegion(village).ok());
        villages.push_back(RegionName(village.region_id()));
      }
    }
  }
  std::vector<std::string> employers;
  for (int i = 0; i < 5; ++i) {
    v1::CreateEmployerRequest req;
    req.set_employer_id(absl::StrFormat("%08d", 10000000 + i));
    req.mutable_employer()->set_display_name("PT Contoh (synthetic)");
    req.mutable_employer()->set_size_class(v1::EMPLOYER_SIZE_CLASS_SMALL);
    req.mutable_employer()->set_sector("C");
    req.mutable_employer()->set_region(villages[i % villages.size()]);
    ASSERT_TRUE(registry_->CreateEmployer(req).ok());
    employers.push_back("employers/" + req.employer_id());
  }

  std::vector<std::string> participants;
  std::vector<std::string> enrollments;
  int ok = 0, refused = 0;
  for (int op = 0; op < kOperations; ++op) {
    const int kind = participants.empty() ? 0 : pick(100);
    if (kind < 15) {  // a new participant
      const int n = static_cast<int>(participants.size());
      const bool female = pick(2) == 1;
      const absl::CivilDay birth = absl::CivilDay(1960, 1, 1) + pick(15000);
      v1::CreateParticipantRequest req;
      req.set_participant_id(absl::StrFormat("%011d", 24000000000LL + n));
      auto* p = req.mutable_participant();
      p->set_nik(Nik(n, female, birth));
      p->set_display_name("Pekerja (synthetic)");
      p->set_sex(female ? v1::SEX_FEMALE : v1::SEX_MALE);
      *p->mutable_birth_date() = Date(birth);
      p->set_domicile_region(villages[pick(villages.size())]);
      auto r = registry_->CreateParticipant(req, false);
      if (r.ok()) {
        participants.push_back(r->name());
        ++ok;
      } else {
        ++refused;  // a NIK serial collision: refused, and must change nothing
      }
    } else if (kind < 40) {  // an enrollment
      v1::CreateEnrollmentRequest req;
      req.set_parent(participants[pick(participants.size())]);
      auto* e = req.mutable_enrollment();
      const Segment segment = static_cast<Segment>(1 + pick(4));
      e->set_segment(segment);
      e->add_programmes(type::v1::PROGRAMME_JKK);
      e->add_programmes(type::v1::PROGRAMME_JKM);
      if (segment == type::v1::SEGMENT_PU) {
        e->set_employer(employers[pick(employers.size())]);
        e->set_funding_source(type::v1::FUNDING_SOURCE_EMPLOYER);
        e->add_programmes(type::v1::PROGRAMME_JHT);
        if (pick(2)) e->add_programmes(type::v1::PROGRAMME_JP);
      } else if (segment == type::v1::SEGMENT_BPU && pick(3) == 0) {
        e->set_funding_source(type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET);
        e->set_subsidy_scheme("dumisake");
      } else if (segment == type::v1::SEGMENT_BPU && pick(4) == 0) {
        e->set_funding_source(type::v1::FUNDING_SOURCE_VILLAGE_BUDGET);
        e->set_subsidy_scheme("desa-peduli");
      } else {
        e->set_funding_source(type::v1::FUNDING_SOURCE_WORKER);
      }
      if (pick(20) == 0) e->add_programmes(type::v1::PROGRAMME_JKP);  // refused unless PU
      e->set_region(villages[pick(villages.size())]);
      *e->mutable_start_date() = Date(absl::CivilDay(2023, 1, 1) + pick(1000));
      auto r = registry_->CreateEnrollment(req);
      if (r.ok()) {
        enrollments.push_back(r->name());
        ++ok;
      } else {
        ++refused;
      }
    } else if (kind < 90 && !enrollments.empty()) {  // a contribution
      const std::string& name = enrollments[pick(enrollments.size())];
      auto current = registry_->GetEnrollment([&] {
        v1::GetEnrollmentRequest g;
        g.set_name(name);
        return g;
      }());
      ASSERT_TRUE(current.ok());
      absl::CivilDay from = Day(current->start_date());
      if (current->has_paid_through_date()) from = Day(current->paid_through_date());
      v1::CreateContributionRequest req;
      req.set_parent(name);
      req.mutable_contribution()->set_amount_rupiah(16800);
      *req.mutable_contribution()->mutable_paid_date() = Date(from);
      // One in ten does not move paid-through forward: it must be refused and change nothing.
      const int step = pick(10) == 0 ? -pick(5) : 20 + pick(200);
      *req.mutable_contribution()->mutable_covers_through() = Date(from + step);
      registry_->CreateContribution(req).ok() ? ++ok : ++refused;
    } else if (!enrollments.empty()) {  // a termination
      const std::string& name = enrollments[pick(enrollments.size())];
      v1::GetEnrollmentRequest g;
      g.set_name(name);
      auto current = registry_->GetEnrollment(g);
      ASSERT_TRUE(current.ok());
      v1::TerminateEnrollmentRequest req;
      req.set_name(name);
      *req.mutable_end_date() = Date(Day(current->start_date()) + 1 + pick(700));
      registry_->TerminateEnrollment(req).ok() ? ++ok : ++refused;
    }
  }
  ASSERT_GT(ok, kOperations / 2);
  ASSERT_GT(refused, 100);  // invalid writes were exercised too

  // Brute force: every enrollment, straight from the store.
  std::vector<v1::Enrollment> all;
  ASSERT_TRUE(store_
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    ListQuery q;
                    q.kind = Kind::kEnrollment;
                    q.limit = 1000000;
                    auto rows = tx.List(q);
                    if (!rows.ok()) return rows.status();
                    for (const auto& row : *rows) all.emplace_back().ParseFromString(row.body);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_GT(all.size(), 1000u);

  std::vector<absl::CivilDay> days;
  for (int i = 0; i < 24; ++i) days.push_back(absl::CivilDay(2022, 12, 31) + i * 67);
  // expected[region][day][dimension] = distinct participants
  std::map<std::string, std::map<absl::CivilDay, test_support::RecountedPersons>> expected =
      test_support::Recount(all, days);

  v1::QueryAggregatesRequest query;
  query.add_regions("regions/15");
  for (const char* r : {"regions/15.08", "regions/15.71", "regions/15.04"}) query.add_regions(r);
  for (const char* r : {"regions/15.08.01", "regions/15.71.02", "regions/15.04.01"}) {
    query.add_regions(r);
  }
  for (const std::string& v : villages) query.add_regions(v);
  for (absl::CivilDay d : days) *query.add_dates() = Date(d);
  auto answer = registry_->QueryAggregates(query);
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_EQ(answer->aggregates_size(), query.regions_size() * static_cast<int>(days.size()));

  int compared = 0;
  for (const v1::RegionAggregate& agg : answer->aggregates()) {
    const std::string code = agg.region().substr(8);
    const absl::CivilDay day = Day(agg.date());
    const test_support::RecountedPersons& want = expected[code][day];
    const std::map<std::string, int64_t> got = test_support::CountsOf(agg);
    const std::map<std::string, int64_t> recount = test_support::CountsOf(want);
    EXPECT_EQ(got, recount) << agg.region() << " on " << day;
    EXPECT_EQ(agg.active_persons(), recount.count("total") ? recount.at("total") : 0);
    ++compared;
  }
  EXPECT_EQ(compared, query.regions_size() * static_cast<int>(days.size()));
  // Some days must actually have people, or the comparison proves nothing.
  EXPECT_GT(expected["15"][absl::CivilDay(2022, 12, 31) + 12 * 67]["total"].size(), 100u);
  EXPECT_EQ(published_, (std::set<std::string>{"15"}));

  // Recounting every person from scratch (what a migrated database does at start) gives the same
  // answer: wipe the maintained counts, ask for the rebuild as the migration does, and rebuild.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((dir_ + "/registry.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
              SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const int rc = sqlite3_exec(
        db,
        "DELETE FROM active_deltas; DELETE FROM active_deltas_32d; DELETE FROM "
        "active_deltas_1024d; DELETE FROM enrollment_spans; INSERT INTO settings (name, value) "
        "VALUES ('counts_rebuild', 'pending');",
        nullptr, nullptr, nullptr);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK);
  }
  // The counts only: read_time moves on.
  auto counts = [&]() -> std::string {
    auto r = registry_->QueryAggregates(query);
    EXPECT_TRUE(r.ok()) << r.status();
    std::string out;
    for (const v1::RegionAggregate& a : r->aggregates()) out += a.SerializeAsString();
    return out;
  };
  std::string before;
  for (const v1::RegionAggregate& a : answer->aggregates()) before += a.SerializeAsString();
  auto wiped = registry_->QueryAggregates(query);
  ASSERT_TRUE(wiped.ok());
  EXPECT_EQ(wiped->aggregates(0).active_persons(), 0);
  ASSERT_TRUE(registry_->RebuildCounts().ok());
  EXPECT_EQ(counts(), before);
  ASSERT_TRUE(registry_->RebuildCounts().ok());  // done: a second start does nothing
  EXPECT_EQ(counts(), before);
}

}  // namespace
}  // namespace paritrana::registry
