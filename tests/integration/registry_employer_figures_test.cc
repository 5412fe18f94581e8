// The registry's figures of employers (issue 19): a small registry whose every figure is worked
// out by hand below, read back through QueryEmployerFigures from a real registry server on each
// store backend (a SQLite file; a PostgreSQL 15 server of the test's own). Three employers, five
// workers, eleven bills imported with the usual per-row rejects, three regions.
#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "tests/support/postgres_server.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana::registry {
namespace {

using google::protobuf::util::MessageDifferencer;
using test_support::RegistryUnderTest;
using testing::ElementsAre;
using testing::Pair;
using testing::UnorderedElementsAre;
using type::v1::Programme;
using Stub = v1::RegistryService::Stub;

constexpr char kA[] = "employers/11111111";  // in a village of Kabupaten Bungo (15.08)
constexpr char kB[] = "employers/22222222";  // in Kota Jambi (15.71)
constexpr char kC[] = "employers/33333333";  // in Kabupaten Bungo itself
constexpr char kVillage[] = "regions/15.08.01.2001";

google::type::Date Date(int y, int m, int d) { return ToProtoDate(absl::CivilDay(y, m, d)); }

std::string Field(const absl::Status& s) { return ErrorField(s); }

// The fields of every violation of an INVALID_ARGUMENT.
std::vector<std::string> Violations(const absl::Status& s) {
  std::vector<std::string> out;
  if (auto bad = GetBadRequest(s)) {
    for (const auto& v : bad->field_violations()) out.push_back(v.field());
  }
  return out;
}

v1::ContributionBill Bill(const std::string& employer, const std::string& month,
                          google::type::Date due, int64_t amount_due, int64_t amount_paid,
                          std::optional<google::type::Date> paid) {
  v1::ContributionBill b;
  b.set_name(absl::StrCat(employer, "/bills/", month));
  *b.mutable_due_date() = due;
  b.set_amount_due_rupiah(amount_due);
  b.set_amount_paid_rupiah(amount_paid);
  if (paid.has_value()) *b.mutable_paid_date() = *paid;
  return b;
}

// Run on each store backend: "sqlite" or "postgres".
class EmployerFiguresTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RegistryUnderTest>> registry;
    if (GetParam() == "postgres") {
      absl::StatusOr<std::string> database = test_support::PostgresDatabaseFor(temp_.path());
      ASSERT_TRUE(database.ok()) << "cannot start PostgreSQL: " << database.status();
      registry = RegistryUnderTest::StartOnStore("postgres:" + *database, temp_.path(), "");
    } else {
      registry = RegistryUnderTest::Start(temp_.path(), "");
    }
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
    stub_ = v1::RegistryService::NewStub(
        grpc::CreateChannel(registry_->address(), grpc::InsecureChannelCredentials()));
  }

  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const std::type_identity_t<Req>& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    Resp resp;
    grpc::Status s = (stub_.get()->*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

  absl::StatusOr<v1::ImportRecordsResponse> Import(const std::string& import_id,
                                                   const std::vector<v1::ImportRow>& rows) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::ImportRecordsResponse resp;
    auto writer = stub_->ImportRecords(&ctx, &resp);
    v1::ImportRecordsRequest header;
    header.mutable_header()->set_import_id(import_id);
    header.mutable_header()->set_mode(v1::IMPORT_MODE_LENIENT);
    writer->Write(header);
    v1::ImportRecordsRequest batch;
    for (const v1::ImportRow& row : rows) *batch.mutable_rows()->add_rows() = row;
    writer->Write(batch);
    v1::ImportRecordsRequest end;
    end.mutable_end()->set_rows_sent(static_cast<int64_t>(rows.size()));
    writer->Write(end);
    writer->WritesDone();
    absl::Status s = FromGrpcStatus(writer->Finish());
    if (!s.ok()) return s;
    return resp;
  }

  static v1::ImportRow BillRow(int64_t n, v1::ContributionBill bill) {
    v1::ImportRow row;
    row.set_row_number(n);
    *row.mutable_bill() = std::move(bill);
    return row;
  }

  void CreateEmployer(const std::string& name, const std::string& region, int64_t headcount,
                      std::optional<google::type::Date> registered,
                      std::optional<google::type::Date> headcount_date) {
    v1::CreateEmployerRequest req;
    req.set_employer_id(name.substr(10));
    v1::Employer* e = req.mutable_employer();
    e->set_display_name("PT Contoh (synthetic)");
    e->set_size_class(v1::EMPLOYER_SIZE_CLASS_MEDIUM);
    e->set_sector("C");
    e->set_region(region);
    e->set_worker_count_declared(headcount);
    if (registered.has_value()) *e->mutable_registration_date() = *registered;
    if (headcount_date.has_value()) *e->mutable_worker_count_date() = *headcount_date;
    auto created = Call(&Stub::CreateEmployer, req);
    ASSERT_TRUE(created.ok()) << name << ": " << created.status();
  }

  // A PU worker of `employer` (KPJ 24000000000 + n) in the village, paid through `covers`.
  void Worker(int n, const std::string& employer, std::vector<Programme> programmes,
              google::type::Date start, google::type::Date covers) {
    RegistryUnderTest::Worker w;
    w.n = n;
    w.region = kVillage;
    w.segment = type::v1::SEGMENT_PU;
    w.start = start;
    w.covers_through = covers;
    w.programmes = std::move(programmes);
    w.employer = employer;
    w.funding = type::v1::FUNDING_SOURCE_EMPLOYER;
    registry_->Enroll(w);
  }

  // A second enrollment of worker n, with another employer.
  void SecondEnrollment(int n, const std::string& employer, std::vector<Programme> programmes,
                        google::type::Date start, google::type::Date covers) {
    v1::CreateEnrollmentRequest e;
    e.set_parent(absl::StrFormat("participants/%011d", 24000000000LL + n));
    v1::Enrollment* en = e.mutable_enrollment();
    en->set_segment(type::v1::SEGMENT_PU);
    for (Programme p : programmes) en->add_programmes(p);
    en->set_employer(employer);
    en->set_funding_source(type::v1::FUNDING_SOURCE_EMPLOYER);
    en->set_region(kVillage);
    *en->mutable_start_date() = start;
    auto enrollment = Call(&Stub::CreateEnrollment, e);
    ASSERT_TRUE(enrollment.ok()) << enrollment.status();
    v1::CreateContributionRequest c;
    c.set_parent(enrollment->name());
    c.mutable_contribution()->set_amount_rupiah(16800);
    *c.mutable_contribution()->mutable_paid_date() = start;
    *c.mutable_contribution()->mutable_covers_through() = covers;
    auto contribution = Call(&Stub::CreateContribution, c);
    ASSERT_TRUE(contribution.ok()) << contribution.status();
  }

  // The small registry every figure below is computed from. The period asked is the year 2024.
  void Populate() {
    // The village (15.08.01.2001) of Kabupaten Bungo; Kota Jambi (15.71) is in the catalogue.
    for (const char* id : {"15.08.01", "15.08.01.2001"}) {
      v1::CreateRegionRequest r;
      r.set_region_id(id);
      r.mutable_region()->set_display_name("Wilayah (synthetic)");
      ASSERT_TRUE(Call(&Stub::CreateRegion, r).ok()) << id;
    }
    // Registered: A before the period, B and C during it.
    ASSERT_NO_FATAL_FAILURE(CreateEmployer(kA, kVillage, 4, Date(2023, 3, 1), Date(2024, 1, 10)));
    ASSERT_NO_FATAL_FAILURE(CreateEmployer(kB, "regions/15.71", 2, Date(2024, 6, 1), {}));
    ASSERT_NO_FATAL_FAILURE(CreateEmployer(kC, "regions/15.08", 1, Date(2024, 9, 15), {}));

    using type::v1::PROGRAMME_JHT, type::v1::PROGRAMME_JKK, type::v1::PROGRAMME_JKM,
        type::v1::PROGRAMME_JKP, type::v1::PROGRAMME_JP;
    const std::vector<Programme> all = {PROGRAMME_JKK, PROGRAMME_JKM, PROGRAMME_JHT, PROGRAMME_JP,
                                        PROGRAMME_JKP};
    // W1: A, every PU programme, active all through 2024.
    Worker(1, kA, all, Date(2023, 6, 1), Date(2025, 12, 31));
    // W2: A, only JKK, JKM and JHT, active all through 2024.
    Worker(2, kA, {PROGRAMME_JKK, PROGRAMME_JKM, PROGRAMME_JHT}, Date(2023, 6, 1),
           Date(2025, 12, 31));
    // W3: A, lapsed: paid through 2024-06-30, so active on 2024-01-01 but not on 2024-12-31.
    Worker(3, kA, {PROGRAMME_JKK, PROGRAMME_JKM, PROGRAMME_JHT, PROGRAMME_JP}, Date(2023, 6, 1),
           Date(2024, 6, 30));
    // W4: A with every programme from 2023, and B (JKK, JKM) from 2024-07-01 as well.
    Worker(4, kA, all, Date(2023, 1, 1), Date(2025, 6, 30));
    ASSERT_NO_FATAL_FAILURE(SecondEnrollment(4, kB, {PROGRAMME_JKK, PROGRAMME_JKM},
                                             Date(2024, 7, 1), Date(2025, 3, 31)));
    // W5: B from 2024-02-01, JKK, JKM, JHT and JP.
    Worker(5, kB, {PROGRAMME_JKK, PROGRAMME_JKM, PROGRAMME_JHT, PROGRAMME_JP}, Date(2024, 2, 1),
           Date(2025, 1, 31));

    // Jambi's baselines: BPJS's potential of 2023 and 2025, BPS's of 2024.
    for (auto [year, source, employers] :
         {std::tuple{2023, type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL, 10},
          std::tuple{2025, type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL, 12},
          std::tuple{2024, type::v1::DENOMINATOR_SOURCE_BPS_SAKERNAS, 20}}) {
      v1::CreateWorkforceBaselineRequest b;
      b.set_parent("regions/15");
      b.mutable_workforce_baseline()->set_year(year);
      b.mutable_workforce_baseline()->set_source(source);
      b.mutable_workforce_baseline()->set_potential_workers(1000);
      b.mutable_workforce_baseline()->set_potential_employers(employers);
      auto created = Call(&Stub::CreateWorkforceBaseline, b);
      ASSERT_TRUE(created.ok()) << created.status();
    }

    // The bills, from BPJS's billing export, with three rows the registry must refuse.
    auto imported = Import(
        "bills-2024",
        {
            // A 2023-11: due before the period, paid late in it: in no count of the period.
            BillRow(1, Bill(kA, "2023-11", Date(2023, 12, 15), 1'000'000, 1'000'000,
                            Date(2024, 1, 20))),
            // A 2023-12: due 2024-01-15, paid on 2024-01-10: on time.
            BillRow(
                2, Bill(kA, "2023-12", Date(2024, 1, 15), 1'000'000, 1'000'000, Date(2024, 1, 10))),
            // A 2024-01: due 2024-02-15, paid on 2024-03-01: late.
            BillRow(3,
                    Bill(kA, "2024-01", Date(2024, 2, 15), 1'000'000, 1'000'000, Date(2024, 3, 1))),
            // A 2024-02: due 2024-03-15, 200,000 of 1,200,000 paid: unpaid, 1,000,000 in arrears.
            BillRow(4, Bill(kA, "2024-02", Date(2024, 3, 15), 1'200'000, 200'000, std::nullopt)),
            // Refused: due before its own month.
            BillRow(5, Bill(kA, "2024-05", Date(2024, 4, 30), 1'000'000, 0, std::nullopt)),
            // A 2024-11: due 2024-12-15, paid on 2025-01-05, after the period: unpaid on
            // 2024-12-31 and its whole 1,000,000 in arrears.
            BillRow(
                6, Bill(kA, "2024-11", Date(2024, 12, 15), 1'000'000, 1'000'000, Date(2025, 1, 5))),
            // A 2024-12: due 2025-01-15, after the period: in no count, not overdue.
            BillRow(7, Bill(kA, "2024-12", Date(2025, 1, 15), 1'000'000, 0, std::nullopt)),
            // Refused: paid in full without the day it was.
            BillRow(8, Bill(kB, "2024-05", Date(2024, 6, 15), 500'000, 500'000, std::nullopt)),
            // B 2024-06: paid on its due day, 2024-07-15: on time.
            BillRow(9, Bill(kB, "2024-06", Date(2024, 7, 15), 500'000, 500'000, Date(2024, 7, 15))),
            // B 2024-07: due 2024-08-15, paid on 2024-08-20: late.
            BillRow(10,
                    Bill(kB, "2024-07", Date(2024, 8, 15), 500'000, 600'000, Date(2024, 8, 20))),
            // C 2024-10: due 2024-11-15, nothing paid: unpaid.
            BillRow(11, Bill(kC, "2024-10", Date(2024, 11, 15), 300'000, 0, std::nullopt)),
            // Refused: no such employer.
            BillRow(12,
                    Bill("employers/99999999", "2024-01", Date(2024, 2, 15), 1, 0, std::nullopt)),
        });
    ASSERT_TRUE(imported.ok()) << imported.status();
    import_ = *imported;
  }

  absl::StatusOr<v1::QueryEmployerFiguresResponse> Figures(
      std::vector<std::string> employers, std::vector<std::string> regions,
      google::type::Date start, google::type::Date end,
      std::optional<type::v1::DenominatorSource> source = std::nullopt) {
    v1::QueryEmployerFiguresRequest req;
    for (const std::string& e : employers) req.add_employers(e);
    for (const std::string& r : regions) req.add_regions(r);
    *req.mutable_start_date() = start;
    *req.mutable_end_date() = end;
    if (source.has_value()) req.set_denominator_source(*source);
    return Call(&Stub::QueryEmployerFigures, req);
  }

  absl::StatusOr<v1::QueryEmployerFiguresResponse> Figures2024() {
    return Figures({kB, kA, kA}, {"regions/15.71", "regions/15", "regions/15.08"}, Date(2024, 1, 1),
                   Date(2024, 12, 31));
  }

  static std::vector<std::pair<int, int64_t>> Programmes(const v1::EmployerFigures& f) {
    std::vector<std::pair<int, int64_t>> out;
    for (const auto& p : f.programmes()) out.emplace_back(p.programme(), p.active_persons());
    return out;
  }

  static std::vector<int64_t> Counts(const v1::BillCounts& b) {
    return {b.due(), b.on_time(), b.late(), b.unpaid()};
  }

  test_support::TempDir temp_{"employer_figures"};
  std::unique_ptr<RegistryUnderTest> registry_;
  std::unique_ptr<Stub> stub_;
  v1::ImportRecordsResponse import_;
};

TEST_P(EmployerFiguresTest, BillRowsAreImportedWithTheUsualPerRowRejects) {
  ASSERT_NO_FATAL_FAILURE(Populate());
  EXPECT_EQ(import_.rows_received(), 12);
  EXPECT_EQ(import_.rows_accepted(), 9);
  EXPECT_EQ(import_.rows_rejected(), 3);
  ASSERT_EQ(import_.rejected_rows_size(), 3);
  EXPECT_EQ(import_.rejected_rows(0).row_number(), 5);
  EXPECT_EQ(import_.rejected_rows(0).field(), "bill.due_date");
  EXPECT_EQ(import_.rejected_rows(0).code(), "INVALID_ARGUMENT");
  EXPECT_EQ(import_.rejected_rows(1).row_number(), 8);
  EXPECT_EQ(import_.rejected_rows(1).field(), "bill.paid_date");
  EXPECT_EQ(import_.rejected_rows(1).code(), "INVALID_ARGUMENT");
  EXPECT_EQ(import_.rejected_rows(2).row_number(), 12);
  EXPECT_EQ(import_.rejected_rows(2).field(), "bill.name");
  EXPECT_EQ(import_.rejected_rows(2).code(), "NOT_FOUND");

  // The same rows again change nothing; a changed bill is updated.
  auto again = Import(
      "bills-2024-again",
      {BillRow(1, Bill(kA, "2023-11", Date(2023, 12, 15), 1'000'000, 1'000'000, Date(2024, 1, 20))),
       BillRow(2, Bill(kC, "2024-10", Date(2024, 11, 15), 300'000, 300'000, Date(2024, 12, 1)))});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->rows_unchanged(), 1);
  EXPECT_EQ(again->rows_accepted(), 1);

  v1::ListContributionBillsRequest list;
  list.set_parent(kC);
  auto bills = Call(&Stub::ListContributionBills, list);
  ASSERT_TRUE(bills.ok()) << bills.status();
  ASSERT_EQ(bills->bills_size(), 1);
  const v1::ContributionBill& c = bills->bills(0);
  EXPECT_EQ(c.name(), "employers/33333333/bills/2024-10");
  EXPECT_EQ(c.employer(), kC);  // output only, from the name
  EXPECT_EQ(c.amount_paid_rupiah(), 300'000);
  EXPECT_TRUE(MessageDifferencer::Equals(c.paid_date(), Date(2024, 12, 1)));
  EXPECT_TRUE(c.has_create_time());
  EXPECT_GE(c.update_time().seconds(), c.create_time().seconds());
}

TEST_P(EmployerFiguresTest, EmployerFiguresOfAYearAreTheHandComputedOnes) {
  ASSERT_NO_FATAL_FAILURE(Populate());
  auto resp = Figures2024();
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_TRUE(resp->has_read_time());
  // One entry per employer asked (kA twice), sorted by name.
  ASSERT_EQ(resp->employers_size(), 2);
  const v1::EmployerFigures& a = resp->employers(0);
  const v1::EmployerFigures& b = resp->employers(1);
  EXPECT_EQ(a.employer(), kA);
  EXPECT_EQ(b.employer(), kB);

  // A on 2024-01-01: W1, W2, W3 (lapses only on 2024-06-30) and W4 = 4.
  EXPECT_EQ(a.active_workers_start(), 4);
  // A on 2024-12-31: W1, W2, W4 = 3; W3 has lapsed.
  EXPECT_EQ(a.active_workers_end(), 3);
  // On 2024-12-31: JKK, JKM, JHT: W1, W2, W4 = 3 each; JP and JKP: W1, W4 = 2 each.
  EXPECT_THAT(Programmes(a),
              ElementsAre(Pair(type::v1::PROGRAMME_JKK, 3), Pair(type::v1::PROGRAMME_JKM, 3),
                          Pair(type::v1::PROGRAMME_JHT, 3), Pair(type::v1::PROGRAMME_JP, 2),
                          Pair(type::v1::PROGRAMME_JKP, 2)));
  // Every PU programme: W1 and W4; W2 lacks JP and JKP.
  EXPECT_EQ(a.complete_programme_workers(), 2);
  EXPECT_EQ(a.reported_headcount(), 4);
  EXPECT_TRUE(MessageDifferencer::Equals(a.headcount_date(), Date(2024, 1, 10)));
  // Due in 2024: 2023-12 (on time), 2024-01 (late), 2024-02 (unpaid), 2024-11 (paid in 2025,
  // so unpaid on 2024-12-31) = 4, 1 on time, 1 late, 2 unpaid. 2023-11 was due in 2023 and
  // 2024-12 is due in 2025.
  EXPECT_EQ(Counts(a.bills()), (std::vector<int64_t>{4, 1, 1, 2}));
  // Overdue and not paid in full on 2024-12-31: 2024-02 (1,200,000 - 200,000 = 1,000,000 left)
  // and 2024-11 (paid only in 2025: its whole 1,000,000).
  EXPECT_EQ(a.arrears_months(), 2);
  EXPECT_EQ(a.arrears_rupiah(), 2'000'000);

  // B on 2024-01-01: nobody (W5 starts 2024-02-01, W4 with B on 2024-07-01).
  EXPECT_EQ(b.active_workers_start(), 0);
  // B on 2024-12-31: W4 (who counts for A too) and W5 = 2.
  EXPECT_EQ(b.active_workers_end(), 2);
  // JKK, JKM: W4, W5; JHT, JP: W5.
  EXPECT_THAT(Programmes(b),
              ElementsAre(Pair(type::v1::PROGRAMME_JKK, 2), Pair(type::v1::PROGRAMME_JKM, 2),
                          Pair(type::v1::PROGRAMME_JHT, 1), Pair(type::v1::PROGRAMME_JP, 1)));
  // W4 holds every programme with A, but only JKK and JKM with B.
  EXPECT_EQ(b.complete_programme_workers(), 0);
  EXPECT_EQ(b.reported_headcount(), 2);
  EXPECT_FALSE(b.has_headcount_date());
  // 2024-06 paid on its due day (on time), 2024-07 paid five days late.
  EXPECT_EQ(Counts(b.bills()), (std::vector<int64_t>{2, 1, 1, 0}));
  EXPECT_EQ(b.arrears_months(), 0);
  EXPECT_EQ(b.arrears_rupiah(), 0);
}

TEST_P(EmployerFiguresTest, RegionFiguresOfAYearAreTheHandComputedOnes) {
  ASSERT_NO_FATAL_FAILURE(Populate());
  auto resp = Figures2024();
  ASSERT_TRUE(resp.ok()) << resp.status();
  ASSERT_EQ(resp->regions_size(), 3);
  const v1::RegionEmployerFigures& jambi = resp->regions(0);
  const v1::RegionEmployerFigures& bungo = resp->regions(1);
  const v1::RegionEmployerFigures& kota = resp->regions(2);
  EXPECT_EQ(jambi.region(), "regions/15");
  EXPECT_EQ(bungo.region(), "regions/15.08");
  EXPECT_EQ(kota.region(), "regions/15.71");

  // Registered on 2024-01-01: A (2023-03-01); on 2024-12-31 also B (2024-06-01, Kota Jambi) and
  // C (2024-09-15, Bungo).
  EXPECT_EQ(jambi.registered_employers_start(), 1);
  EXPECT_EQ(jambi.registered_employers_end(), 3);
  EXPECT_EQ(bungo.registered_employers_start(), 1);  // A, in a village of Bungo
  EXPECT_EQ(bungo.registered_employers_end(), 2);    // A and C
  EXPECT_EQ(kota.registered_employers_start(), 0);
  EXPECT_EQ(kota.registered_employers_end(), 1);  // B

  // Bungo: A's 4 bills due in 2024 (1 on time, 1 late, 2 unpaid) and C's unpaid one.
  EXPECT_EQ(Counts(bungo.bills()), (std::vector<int64_t>{5, 1, 1, 3}));
  // Kota Jambi: B's two (1 on time, 1 late).
  EXPECT_EQ(Counts(kota.bills()), (std::vector<int64_t>{2, 1, 1, 0}));
  // Jambi: both. A's 2023-11 bill, paid late within 2024, was due in 2023: not counted.
  EXPECT_EQ(Counts(jambi.bills()), (std::vector<int64_t>{7, 2, 2, 3}));

  // BPJS's potential (the default source) applying to 2024: 2023's, the latest before.
  EXPECT_EQ(jambi.baseline().name(), "regions/15/baselines/2023-bpjs-potential");
  EXPECT_EQ(jambi.baseline().potential_employers(), 10);
  EXPECT_EQ(jambi.baseline().origin(), type::v1::DENOMINATOR_ORIGIN_GIVEN);
  EXPECT_FALSE(bungo.has_baseline());
  EXPECT_FALSE(kota.has_baseline());
  auto bps = Figures({}, {"regions/15"}, Date(2024, 1, 1), Date(2024, 12, 31),
                     type::v1::DENOMINATOR_SOURCE_BPS_SAKERNAS);
  ASSERT_TRUE(bps.ok()) << bps.status();
  EXPECT_EQ(bps->regions(0).baseline().name(), "regions/15/baselines/2024-bps-sakernas");
  EXPECT_EQ(bps->regions(0).baseline().potential_employers(), 20);
  // A period ending in 2025 takes the 2025 baseline.
  auto later = Figures({}, {"regions/15"}, Date(2025, 1, 1), Date(2025, 3, 31));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->regions(0).baseline().potential_employers(), 12);

  // C's bill paid late, on 2024-12-01: Bungo 5 due, 1 on time, 2 late, 2 unpaid.
  auto paid = Import(
      "c-paid",
      {BillRow(1, Bill(kC, "2024-10", Date(2024, 11, 15), 300'000, 300'000, Date(2024, 12, 1)))});
  ASSERT_TRUE(paid.ok()) << paid.status();
  auto after = Figures2024();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(Counts(after->regions(1).bills()), (std::vector<int64_t>{5, 1, 2, 2}));
  EXPECT_EQ(Counts(after->regions(0).bills()), (std::vector<int64_t>{7, 2, 3, 2}));
  // The first half of 2024 only: A's 2023-12 (on time), 2024-01 (late by 2024-06-30) and
  // 2024-02 (unpaid): 3 due.
  auto half = Figures({kA}, {"regions/15.08"}, Date(2024, 1, 1), Date(2024, 6, 30));
  ASSERT_TRUE(half.ok()) << half.status();
  EXPECT_EQ(Counts(half->employers(0).bills()), (std::vector<int64_t>{3, 1, 1, 1}));
  EXPECT_EQ(Counts(half->regions(0).bills()), (std::vector<int64_t>{3, 1, 1, 1}));
  // 2024-02 (1,000,000 left) is overdue on 2024-06-30; 2024-01 was paid on 2024-03-01.
  EXPECT_EQ(half->employers(0).arrears_months(), 1);
  EXPECT_EQ(half->employers(0).arrears_rupiah(), 1'000'000);
}

// A province without a baseline of the source has its regencies'/cities' sum, as QueryAggregates
// gives it; a potential_employers out of range is refused naming the field.
TEST_P(EmployerFiguresTest, AProvinceWithoutItsOwnBaselineHasItsChildrensSum) {
  ASSERT_NO_FATAL_FAILURE(Populate());
  for (auto [region, employers] : {std::pair{"regions/15.08", 4}, std::pair{"regions/15.71", 6}}) {
    v1::CreateWorkforceBaselineRequest b;
    b.set_parent(region);
    b.mutable_workforce_baseline()->set_year(2024);
    b.mutable_workforce_baseline()->set_source(type::v1::DENOMINATOR_SOURCE_REGIONAL);
    b.mutable_workforce_baseline()->set_potential_workers(500);
    b.mutable_workforce_baseline()->set_potential_employers(employers);
    auto created = Call(&Stub::CreateWorkforceBaseline, b);
    ASSERT_TRUE(created.ok()) << created.status();
  }
  auto resp = Figures({}, {"regions/15", "regions/15.08"}, Date(2024, 1, 1), Date(2024, 12, 31),
                      type::v1::DENOMINATOR_SOURCE_REGIONAL);
  ASSERT_TRUE(resp.ok()) << resp.status();
  // Jambi has no regional baseline of its own: Bungo's 4 + Kota Jambi's 6.
  EXPECT_EQ(resp->regions(0).baseline().name(), "regions/15/baselines/2024-regional");
  EXPECT_EQ(resp->regions(0).baseline().origin(),
            type::v1::DENOMINATOR_ORIGIN_DERIVED_FROM_CHILDREN);
  EXPECT_EQ(resp->regions(0).baseline().potential_employers(), 10);
  EXPECT_EQ(resp->regions(0).baseline().potential_workers(), 1000);
  EXPECT_EQ(resp->regions(1).baseline().origin(), type::v1::DENOMINATOR_ORIGIN_GIVEN);
  EXPECT_EQ(resp->regions(1).baseline().potential_employers(), 4);

  v1::CreateWorkforceBaselineRequest bad;
  bad.set_parent("regions/15.72");
  bad.mutable_workforce_baseline()->set_year(2024);
  bad.mutable_workforce_baseline()->set_source(type::v1::DENOMINATOR_SOURCE_REGIONAL);
  bad.mutable_workforce_baseline()->set_potential_workers(500);
  bad.mutable_workforce_baseline()->set_potential_employers(-5);
  auto refused = Call(&Stub::CreateWorkforceBaseline, bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Violations(refused.status()), ElementsAre("workforce_baseline.potential_employers"));
}

TEST_P(EmployerFiguresTest, RegistrationDatesDefaultToTodayAndMoveTheCounts) {
  ASSERT_NO_FATAL_FAILURE(Populate());
  // No registration_date: the day of the request in Asia/Jakarta.
  ASSERT_NO_FATAL_FAILURE(CreateEmployer("employers/44444444", "regions/15.71", 3, {}, {}));
  v1::GetEmployerRequest get;
  get.set_name("employers/44444444");
  auto d = Call(&Stub::GetEmployer, get);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(MessageDifferencer::Equals(d->registration_date(), ToProtoDate(TodayInJakarta())));
  EXPECT_FALSE(d->has_worker_count_date());

  // Registered in the future, or in 1999: refused.
  v1::CreateEmployerRequest future;
  future.set_employer_id("55555555");
  *future.mutable_employer() = *d;
  future.mutable_employer()->clear_name();
  *future.mutable_employer()->mutable_registration_date() = ToProtoDate(TodayInJakarta() + 1);
  *future.mutable_employer()->mutable_worker_count_date() = Date(1999, 12, 31);
  auto refused = Call(&Stub::CreateEmployer, future);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Violations(refused.status()),
              UnorderedElementsAre("employer.registration_date", "employer.worker_count_date"));

  // B moves to Bungo and is registered on 2024-01-01: its registration and bills move along.
  v1::UpdateEmployerRequest move;
  move.mutable_employer()->set_name(kB);
  move.mutable_employer()->set_region("regions/15.08");
  *move.mutable_employer()->mutable_registration_date() = Date(2024, 1, 1);
  *move.mutable_employer()->mutable_worker_count_date() = Date(2024, 12, 1);
  move.mutable_update_mask()->add_paths("region");
  move.mutable_update_mask()->add_paths("registration_date");
  move.mutable_update_mask()->add_paths("worker_count_date");
  auto moved = Call(&Stub::UpdateEmployer, move);
  ASSERT_TRUE(moved.ok()) << moved.status();
  // Listed under Bungo now, and no longer under Kota Jambi.
  for (const auto& [region, listed] : std::vector<std::pair<std::string, bool>>{
           {"regions/15.71", false}, {"regions/15.08", true}}) {
    v1::ListEmployersRequest list;
    list.set_region(region);
    auto employers = Call(&Stub::ListEmployers, list);
    ASSERT_TRUE(employers.ok()) << employers.status();
    bool found = false;
    for (const v1::Employer& e : employers->employers()) found = found || e.name() == kB;
    EXPECT_EQ(found, listed) << region;
  }
  auto resp = Figures2024();
  ASSERT_TRUE(resp.ok()) << resp.status();
  // Jambi: A and B on 2024-01-01; A, B and C on 2024-12-31 (and not D, registered today).
  EXPECT_EQ(resp->regions(0).registered_employers_start(), 2);
  EXPECT_EQ(resp->regions(0).registered_employers_end(), 3);
  EXPECT_EQ(resp->regions(1).registered_employers_start(), 2);
  EXPECT_EQ(resp->regions(1).registered_employers_end(), 3);
  EXPECT_EQ(Counts(resp->regions(1).bills()), (std::vector<int64_t>{7, 2, 2, 3}));
  EXPECT_EQ(resp->regions(2).registered_employers_end(), 0);
  EXPECT_EQ(Counts(resp->regions(2).bills()), (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_TRUE(MessageDifferencer::Equals(resp->employers(1).headcount_date(), Date(2024, 12, 1)));

  // The day cannot be cleared; the headcount's day can.
  v1::UpdateEmployerRequest clear;
  clear.mutable_employer()->set_name(kB);
  clear.mutable_update_mask()->add_paths("registration_date");
  EXPECT_THAT(Violations(Call(&Stub::UpdateEmployer, clear).status()),
              ElementsAre("employer.registration_date"));
  clear.mutable_update_mask()->set_paths(0, "worker_count_date");
  auto cleared = Call(&Stub::UpdateEmployer, clear);
  ASSERT_TRUE(cleared.ok()) << cleared.status();
  EXPECT_FALSE(cleared->has_worker_count_date());
  EXPECT_TRUE(MessageDifferencer::Equals(cleared->registration_date(), Date(2024, 1, 1)));
}

// An import row is the whole employer, but without its days it keeps the recorded ones: the
// registration day always, the headcount's day while the row restates the recorded headcount.
TEST_P(EmployerFiguresTest, AnImportRowWithoutItsDaysKeepsTheRecordedOnes) {
  ASSERT_NO_FATAL_FAILURE(Populate());
  v1::GetEmployerRequest get;
  get.set_name(kA);
  auto stored = Call(&Stub::GetEmployer, get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_TRUE(MessageDifferencer::Equals(stored->worker_count_date(), Date(2024, 1, 10)));

  v1::ImportRow row;
  row.set_row_number(1);
  *row.mutable_employer() = *stored;
  row.mutable_employer()->clear_registration_date();
  row.mutable_employer()->clear_worker_count_date();
  row.mutable_employer()->clear_create_time();
  row.mutable_employer()->clear_update_time();
  auto same = Import("employer-restated", {row});
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->rows_unchanged(), 1);
  auto kept = Call(&Stub::GetEmployer, get);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_TRUE(MessageDifferencer::Equals(kept->registration_date(), Date(2023, 3, 1)));
  EXPECT_TRUE(MessageDifferencer::Equals(kept->worker_count_date(), Date(2024, 1, 10)));

  // A new headcount without its day: the day is unknown, not the old headcount's.
  row.mutable_employer()->set_worker_count_declared(9);
  auto recounted = Import("employer-recounted", {row});
  ASSERT_TRUE(recounted.ok()) << recounted.status();
  EXPECT_EQ(recounted->rows_accepted(), 1);
  auto updated = Call(&Stub::GetEmployer, get);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->worker_count_declared(), 9);
  EXPECT_FALSE(updated->has_worker_count_date());
  EXPECT_TRUE(MessageDifferencer::Equals(updated->registration_date(), Date(2023, 3, 1)));
}

TEST_P(EmployerFiguresTest, ListsAnEmployersBillsByMonthInPages) {
  ASSERT_NO_FATAL_FAILURE(Populate());
  v1::ListContributionBillsRequest req;
  req.set_parent(kA);
  req.set_page_size(4);
  auto first = Call(&Stub::ListContributionBills, req);
  ASSERT_TRUE(first.ok()) << first.status();
  std::vector<std::string> names;
  for (const auto& b : first->bills()) names.push_back(b.name().substr(25));
  EXPECT_THAT(names, ElementsAre("2023-11", "2023-12", "2024-01", "2024-02"));
  ASSERT_FALSE(first->next_page_token().empty());
  req.set_page_token(first->next_page_token());
  auto second = Call(&Stub::ListContributionBills, req);
  ASSERT_TRUE(second.ok()) << second.status();
  names.clear();
  for (const auto& b : second->bills()) names.push_back(b.name().substr(25));
  // 2024-05 was refused.
  EXPECT_THAT(names, ElementsAre("2024-11", "2024-12"));
  EXPECT_TRUE(second->next_page_token().empty());

  // The token belongs to A's bills.
  req.set_parent(kB);
  EXPECT_EQ(Field(Call(&Stub::ListContributionBills, req).status()), "page_token");
  req.clear_page_token();
  req.set_page_size(1001);
  EXPECT_EQ(Field(Call(&Stub::ListContributionBills, req).status()), "page_size");
  req.set_page_size(0);
  req.set_parent("employers/99999999");
  auto missing = Call(&Stub::ListContributionBills, req);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  req.set_parent("employers/123");
  EXPECT_EQ(Field(Call(&Stub::ListContributionBills, req).status()), "parent");
}

TEST_P(EmployerFiguresTest, QueryEmployerFiguresNamesWhatIsWrong) {
  ASSERT_NO_FATAL_FAILURE(Populate());
  const google::type::Date start = Date(2024, 1, 1), end = Date(2024, 12, 31);
  auto missing = Figures({kA, "employers/99999999"}, {}, start, end);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_EQ(Field(missing.status()), "employers[1]");
  missing = Figures({kA}, {"regions/15", "regions/15.99"}, start, end);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_EQ(Field(missing.status()), "regions[1]");

  auto bad = Figures({"employers/123"}, {"regions/15", "regions/15.08.01"}, end, start);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  // A malformed employer, a district (no employer counts are kept for it), end before start.
  EXPECT_THAT(Violations(bad.status()), ElementsAre("employers[0]", "regions[1]", "end_date"));
  bad = Figures({}, {}, Date(1999, 12, 31), Date(2101, 1, 1),
                type::v1::DENOMINATOR_SOURCE_UNSPECIFIED);
  EXPECT_THAT(Violations(bad.status()),
              ElementsAre("employers", "start_date", "end_date", "denominator_source"));
  v1::QueryEmployerFiguresRequest no_dates;
  no_dates.add_employers(kA);
  EXPECT_THAT(Violations(Call(&Stub::QueryEmployerFigures, no_dates).status()),
              ElementsAre("start_date", "end_date"));
}

INSTANTIATE_TEST_SUITE_P(Backends, EmployerFiguresTest, testing::Values("sqlite", "postgres"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param == "sqlite" ? "Sqlite" : "Postgres";
                         });

// A database whose counts were emptied by a migration is recounted at start, employers' figures
// included, and gives the same answer (SQLite: the file is at hand to empty them).
class EmployerFiguresRebuildTest : public EmployerFiguresTest {
 protected:
  // Empties the counts as a migration does and sets the rebuild's state.
  void WipeCounts(const std::string& state) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((temp_.path() + "/registry.db").c_str(), &db, SQLITE_OPEN_READWRITE,
                              nullptr),
              SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const std::string sql = absl::StrCat(
        "DELETE FROM active_deltas; DELETE FROM active_deltas_32d; DELETE FROM "
        "active_deltas_1024d; DELETE FROM enrollment_spans; INSERT OR REPLACE INTO settings "
        "(name, value) VALUES ('counts_rebuild', '",
        state, "');");
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK);
  }
};

TEST_P(EmployerFiguresRebuildTest, RebuildingTheCountsGivesTheSameFigures) {
  ASSERT_NO_FATAL_FAILURE(Populate());
  auto before = Figures2024();
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_NO_FATAL_FAILURE(WipeCounts("pending"));
  auto wiped = Figures2024();
  ASSERT_TRUE(wiped.ok()) << wiped.status();
  EXPECT_EQ(wiped->employers(0).active_workers_end(), 0);
  EXPECT_EQ(wiped->regions(0).registered_employers_end(), 0);
  ASSERT_TRUE(registry_->registry().RebuildCounts().ok());
  auto after = Figures2024();
  ASSERT_TRUE(after.ok()) << after.status();
  before->clear_read_time();
  after->clear_read_time();
  EXPECT_TRUE(MessageDifferencer::Equals(*before, *after)) << before->DebugString() << "\n---\n"
                                                           << after->DebugString();
  EXPECT_EQ(after->employers(0).active_workers_end(), 3);
  EXPECT_EQ(after->regions(0).registered_employers_end(), 3);

  // A rebuild resumes where it stopped: here after the persons and after A, whose counts are
  // then left out.
  ASSERT_NO_FATAL_FAILURE(WipeCounts("employers:employers/11111111"));
  ASSERT_TRUE(registry_->registry().RebuildCounts().ok());
  auto resumed = Figures2024();
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->employers(0).active_workers_start(), 0);
  EXPECT_EQ(resumed->regions(0).registered_employers_start(), 0);
  EXPECT_EQ(resumed->regions(0).registered_employers_end(), 2);  // B and C
  // B's and C's bills are counted again, A's are not: B's 2 (1 on time, 1 late), C's 1 unpaid.
  EXPECT_EQ(Counts(resumed->regions(0).bills()), (std::vector<int64_t>{3, 1, 1, 1}));

  // From the start again, with A's registration_date gone as before the migration: A gets the
  // day it was created in the registry, today, so it is not among 2024's registered employers.
  ASSERT_TRUE(registry_->store()
                  .Write([](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> body,
                                               tx.Get(Kind::kEmployer, kA));
                    v1::Employer a;
                    if (!body.has_value() || !a.ParseFromString(*body)) {
                      return absl::NotFoundError("employer A");
                    }
                    a.clear_registration_date();
                    return tx.Update(Kind::kEmployer, kA, a.SerializeAsString());
                  })
                  .ok());
  ASSERT_NO_FATAL_FAILURE(WipeCounts("pending"));
  ASSERT_TRUE(registry_->registry().RebuildCounts().ok());
  v1::GetEmployerRequest get;
  get.set_name(kA);
  auto a = Call(&Stub::GetEmployer, get);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(MessageDifferencer::Equals(a->registration_date(), ToProtoDate(TodayInJakarta())));
  auto backfilled = Figures2024();
  ASSERT_TRUE(backfilled.ok()) << backfilled.status();
  EXPECT_EQ(backfilled->regions(0).registered_employers_start(), 0);
  EXPECT_EQ(backfilled->regions(0).registered_employers_end(), 2);
  EXPECT_EQ(backfilled->employers(0).active_workers_end(), 3);  // persons counted again
}

INSTANTIATE_TEST_SUITE_P(Sqlite, EmployerFiguresRebuildTest, testing::Values("sqlite"),
                         [](const testing::TestParamInfo<std::string>&) { return "Sqlite"; });

}  // namespace
}  // namespace paritrana::registry
