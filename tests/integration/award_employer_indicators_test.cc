// The award's employer indicators end to end: a real registry (SQLite) holding two employers of
// Bungo with their headcounts, registration dates, workers (one lapsed, one working for both)
// and monthly bills (on time, late, unpaid, paid after the period), the real coverage service and
// the award service, all in-process on port 0. A business cycle and a regency cycle are evaluated
// and every computed value and input is compared with the figures derived by hand below.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/rubric_file.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "services/award/award.h"
#include "tests/support/award_under_test.h"
#include "tests/support/coverage_under_test.h"
#include "tests/support/redis_server.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana::award {
namespace {

namespace rv1 = registry::v1;
using Stub = v1::AwardService::Stub;
using type::v1::Programme;

google::type::Date D(int y, int m, int d) { return ToProtoDate(absl::CivilDay(y, m, d)); }

const std::vector<Programme> kAllFive = {type::v1::PROGRAMME_JKK, type::v1::PROGRAMME_JKM,
                                         type::v1::PROGRAMME_JHT, type::v1::PROGRAMME_JP,
                                         type::v1::PROGRAMME_JKP};

constexpr char kAlpha[] = "employers/20000001";  // PT Alpha, Bungo, registered 2019
constexpr char kBeta[] = "employers/20000002";   // CV Beta, Bungo, registered 2025-04-15
constexpr char kGamma[] = "employers/20000003";  // UD Gamma, Kerinci: not Bungo's

// The registry of the hand computation (assessment period 2025-01-01 to 2025-12-31):
//
// Bungo (regions/15.08): BPJS potential 2025 of 40 workers (PU 20, BPU 20) and 4 employers;
// coverage targets 25% for 2025 and 40% for 2026.
//
// Employers: Alpha reports 5 workers (on 2025-06-30), Beta 4; Gamma (Kerinci) 3.
//
// Workers, all enrolled in Bungo (PU: with an employer; programmes; active span):
//   w1 Alpha  all five           2024-12-01 .. 2025-12-31   start and end
//   w2 Alpha  JKK JKM JHT        2024-12-01 .. 2025-12-31   start and end, not complete
//   w3 Alpha  all five           2024-12-01 .. 2025-06-30   start only: lapsed
//   w4 Alpha  all five           2025-03-01 .. 2025-12-31   end; ALSO
//      Beta   JKK JKM            2025-05-01 .. 2025-12-31   end, not complete with Beta
//   w5 Alpha  all five           2025-07-01 .. 2025-12-31   end
//   w6 Beta   all five           2025-05-01 .. 2025-12-31   end
//   b1, b2 BPU paying themselves, b3 BPU on the regency budget: 2024-12-01 .. 2025-12-31
//
// Bills (month: due date, the 15th of the next month; Alpha Rp 2,000,000 a month, Beta Rp
// 1,000,000):
//   Alpha 2024-11: due 2024-12-15, paid in full 2026-01-10 (after the period)
//   Alpha 2024-12 .. 2025-08 (9): paid on the 10th of the next month, on time
//   Alpha 2025-09: due 2025-10-15, paid 2025-10-30: late
//   Alpha 2025-10: due 2025-11-15, Rp 500,000 paid: unpaid
//   Alpha 2025-11: due 2025-12-15, nothing paid: unpaid
//   Alpha 2025-12: due 2026-01-15, nothing paid: not yet due on the period's end
//   Beta  2025-04 .. 2025-11 (8): paid on the 5th of the next month, on time
//   Gamma 2025-01: due 2025-02-15, unpaid (Kerinci's, not Bungo's)
class AwardEmployerIndicatorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = test_support::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    auto registry = test_support::RegistryUnderTest::Start(temp_.path(), redis_->address());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    auto coverage =
        test_support::CoverageUnderTest::Start(registry_->address(), redis_->address(), {});
    ASSERT_TRUE(coverage.ok()) << coverage.status();
    coverage_ = std::move(*coverage);
    test_support::AwardUnderTest::Options options;
    options.today = [] { return absl::CivilDay(2026, 1, 20); };  // the 2025 period has ended
    auto award = test_support::AwardUnderTest::Start(temp_.path(), registry_->address(),
                                                     coverage_->address(), std::move(options));
    ASSERT_TRUE(award.ok()) << award.status();
    award_ = std::move(*award);
    stub_ = v1::AwardService::NewStub(
        grpc::CreateChannel(award_->address(), grpc::InsecureChannelCredentials()));
    registry_stub_ = rv1::RegistryService::NewStub(
        grpc::CreateChannel(registry_->address(), grpc::InsecureChannelCredentials()));
    ASSERT_NO_FATAL_FAILURE(SeedRegistry());
  }

  void TearDown() override {
    stub_.reset();
    award_.reset();
    coverage_.reset();
    registry_.reset();
  }

  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const std::type_identity_t<Req>& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    Resp resp;
    grpc::Status s = (stub_.get()->*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

  static void Ok(const absl::Status& s) { ASSERT_TRUE(s.ok()) << s; }

  // ----- The registry -----

  void Employer(const std::string& name, const std::string& region, int64_t headcount,
                google::type::Date registered) {
    rv1::CreateEmployerRequest e;
    e.set_employer_id(name.substr(sizeof("employers/") - 1));
    e.mutable_employer()->set_display_name("Usaha " + e.employer_id());
    e.mutable_employer()->set_size_class(rv1::EMPLOYER_SIZE_CLASS_MEDIUM);
    e.mutable_employer()->set_sector("C");
    e.mutable_employer()->set_region(region);
    e.mutable_employer()->set_worker_count_declared(headcount);
    *e.mutable_employer()->mutable_worker_count_date() = D(2025, 6, 30);
    *e.mutable_employer()->mutable_registration_date() = registered;
    Ok(registry_->registry().CreateEmployer(e).status());
  }

  // Worker `n` enrolled in Bungo from `start`, paid through `through`.
  void Worker(int n, type::v1::Segment segment, const std::string& employer,
              std::vector<Programme> programmes, google::type::Date start,
              google::type::Date through,
              type::v1::FundingSource funding = type::v1::FUNDING_SOURCE_WORKER,
              const std::string& scheme = "") {
    test_support::RegistryUnderTest::Worker w;
    w.n = n;
    w.region = "regions/15.08";
    w.segment = segment;
    w.start = start;
    w.covers_through = through;
    w.programmes = std::move(programmes);
    w.employer = employer;
    w.funding = segment == type::v1::SEGMENT_PU ? type::v1::FUNDING_SOURCE_EMPLOYER : funding;
    w.subsidy_scheme = scheme;
    registry_->Enroll(w);
  }

  // A second PU enrollment of worker `n` (RegistryUnderTest::Enroll made the first).
  void SecondEmployer(int n, const std::string& employer, std::vector<Programme> programmes,
                      google::type::Date start, google::type::Date through) {
    rv1::CreateEnrollmentRequest e;
    e.set_parent(absl::StrFormat("participants/%011d", 24000000000LL + n));
    rv1::Enrollment* en = e.mutable_enrollment();
    en->set_segment(type::v1::SEGMENT_PU);
    for (Programme p : programmes) en->add_programmes(p);
    en->set_employer(employer);
    en->set_funding_source(type::v1::FUNDING_SOURCE_EMPLOYER);
    en->set_region("regions/15.08");
    *en->mutable_start_date() = start;
    absl::StatusOr<rv1::Enrollment> enrollment = registry_->registry().CreateEnrollment(e);
    ASSERT_TRUE(enrollment.ok()) << enrollment.status();
    rv1::CreateContributionRequest c;
    c.set_parent(enrollment->name());
    c.mutable_contribution()->set_amount_rupiah(16800);
    *c.mutable_contribution()->mutable_paid_date() = start;
    *c.mutable_contribution()->mutable_covers_through() = through;
    Ok(registry_->registry().CreateContribution(c).status());
  }

  static rv1::ContributionBill Bill(const std::string& employer, int year, int month,
                                    int64_t due_rupiah, int64_t paid_rupiah,
                                    std::optional<google::type::Date> paid) {
    rv1::ContributionBill b;
    b.set_name(absl::StrFormat("%s/bills/%04d-%02d", employer, year, month));
    const absl::CivilMonth next = absl::CivilMonth(year, month) + 1;
    *b.mutable_due_date() = D(static_cast<int>(next.year()), next.month(), 15);
    b.set_amount_due_rupiah(due_rupiah);
    b.set_amount_paid_rupiah(paid_rupiah);
    if (paid.has_value()) *b.mutable_paid_date() = *paid;
    return b;
  }

  // Imports the bills through ImportRecords, the only way bills are written; every row accepted.
  void ImportBills(const std::vector<rv1::ContributionBill>& bills) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    rv1::ImportRecordsResponse response;
    auto writer = registry_stub_->ImportRecords(&ctx, &response);
    rv1::ImportRecordsRequest header;
    header.mutable_header()->set_import_id("bills-2025");
    header.mutable_header()->set_mode(rv1::IMPORT_MODE_STRICT);
    ASSERT_TRUE(writer->Write(header));
    rv1::ImportRecordsRequest rows;
    int64_t n = 0;
    for (const auto& b : bills) {
      rv1::ImportRow* row = rows.mutable_rows()->add_rows();
      row->set_row_number(++n);
      *row->mutable_bill() = b;
    }
    ASSERT_TRUE(writer->Write(rows));
    rv1::ImportRecordsRequest end;
    end.mutable_end()->set_rows_sent(n);
    ASSERT_TRUE(writer->Write(end));
    writer->WritesDone();
    Ok(FromGrpcStatus(writer->Finish()));
    EXPECT_EQ(response.rows_accepted(), n) << response.ShortDebugString();
  }

  void SeedRegistry() {
    rv1::CreateWorkforceBaselineRequest b;
    b.set_parent("regions/15.08");
    auto* wb = b.mutable_workforce_baseline();
    wb->set_year(2025);
    wb->set_source(type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    wb->set_potential_workers(40);
    wb->set_potential_employers(4);
    auto* s = wb->add_segment_workers();
    s->set_segment(type::v1::SEGMENT_PU);
    s->set_potential_workers(20);
    s = wb->add_segment_workers();
    s->set_segment(type::v1::SEGMENT_BPU);
    s->set_potential_workers(20);
    Ok(registry_->registry().CreateWorkforceBaseline(b).status());
    for (const auto& [year, percent] :
         std::vector<std::pair<int, double>>{{2025, 25}, {2026, 40}}) {
      rv1::CreateCoverageTargetRequest t;
      t.set_parent("regions/15.08");
      t.mutable_coverage_target()->set_year(year);
      t.mutable_coverage_target()->set_target_ratio_percent(percent);
      t.mutable_coverage_target()->set_denominator_source(
          type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
      Ok(registry_->registry().CreateCoverageTarget(t).status());
    }

    Employer(kAlpha, "regions/15.08", 5, D(2019, 2, 1));
    Employer(kBeta, "regions/15.08", 4, D(2025, 4, 15));
    Employer(kGamma, "regions/15.01", 3, D(2018, 1, 10));

    const type::v1::Segment kPu = type::v1::SEGMENT_PU, kBpu = type::v1::SEGMENT_BPU;
    const std::vector<Programme> kThree = {type::v1::PROGRAMME_JKK, type::v1::PROGRAMME_JKM,
                                           type::v1::PROGRAMME_JHT};
    const std::vector<Programme> kTwo = {type::v1::PROGRAMME_JKK, type::v1::PROGRAMME_JKM};
    Worker(1, kPu, kAlpha, kAllFive, D(2024, 12, 1), D(2025, 12, 31));
    Worker(2, kPu, kAlpha, kThree, D(2024, 12, 1), D(2025, 12, 31));
    Worker(3, kPu, kAlpha, kAllFive, D(2024, 12, 1), D(2025, 6, 30));  // lapsed
    Worker(4, kPu, kAlpha, kAllFive, D(2025, 3, 1), D(2025, 12, 31));
    ASSERT_NO_FATAL_FAILURE(SecondEmployer(4, kBeta, kTwo, D(2025, 5, 1), D(2025, 12, 31)));
    Worker(5, kPu, kAlpha, kAllFive, D(2025, 7, 1), D(2025, 12, 31));
    Worker(6, kPu, kBeta, kAllFive, D(2025, 5, 1), D(2025, 12, 31));
    Worker(7, kBpu, "", kTwo, D(2024, 12, 1), D(2025, 12, 31));
    Worker(8, kBpu, "", kTwo, D(2024, 12, 1), D(2025, 12, 31));
    Worker(9, kBpu, "", kTwo, D(2024, 12, 1), D(2025, 12, 31),
           type::v1::FUNDING_SOURCE_REGENCY_BUDGET, "bungo-peduli");

    std::vector<rv1::ContributionBill> bills;
    bills.push_back(Bill(kAlpha, 2024, 11, 2000000, 2000000, D(2026, 1, 10)));
    for (absl::CivilMonth m(2024, 12); m <= absl::CivilMonth(2025, 8); ++m) {
      const absl::CivilMonth next = m + 1;
      bills.push_back(Bill(kAlpha, static_cast<int>(m.year()), m.month(), 2000000, 2000000,
                           D(static_cast<int>(next.year()), next.month(), 10)));
    }
    bills.push_back(Bill(kAlpha, 2025, 9, 2000000, 2000000, D(2025, 10, 30)));
    bills.push_back(Bill(kAlpha, 2025, 10, 2000000, 500000, std::nullopt));
    bills.push_back(Bill(kAlpha, 2025, 11, 2000000, 0, std::nullopt));
    bills.push_back(Bill(kAlpha, 2025, 12, 2000000, 0, std::nullopt));
    for (int month = 4; month <= 11; ++month) {
      bills.push_back(Bill(kBeta, 2025, month, 1000000, 1000000, D(2025, month + 1, 5)));
    }
    bills.push_back(Bill(kGamma, 2025, 1, 750000, 0, std::nullopt));
    ASSERT_NO_FATAL_FAILURE(ImportBills(bills));
  }

  // ----- The award -----

  // Weight 1, scored linear 0..100 unless `rank` names a rank-based direction.
  static v1::Indicator Computed(const char* id, v1::ComputedIndicator which,
                                v1::RankDirection rank = v1::RANK_DIRECTION_UNSPECIFIED) {
    v1::Indicator i;
    i.set_id(id);
    i.set_display_name(id);
    i.set_weight(1);
    i.set_computed(which);
    if (rank != v1::RANK_DIRECTION_UNSPECIFIED) {
      i.mutable_rank_based()->set_direction(rank);
    } else {
      i.mutable_linear()->set_lower(0);
      i.mutable_linear()->set_upper(100);
    }
    return i;
  }

  // One aspect, every indicator weight 1: the total is the mean of the normalized scores.
  static v1::RubricVersion Version(std::vector<v1::Indicator> indicators, int target_year = 0) {
    v1::RubricVersion v;
    v.set_declared_total_weight(100);
    v.set_target_year(target_year);
    v1::Aspect* a = v.add_aspects();
    a->set_id("compliance");
    a->set_display_name("Kepatuhan");
    a->set_weight(100);
    for (auto& i : indicators) *a->add_indicators() = std::move(i);
    return v;
  }

  std::string CreateRubric(const std::string& id, v1::AwardCategory category,
                           const v1::RubricVersion& version) {
    v1::CreateRubricRequest r;
    r.set_rubric_id(id);
    r.mutable_rubric()->set_category(category);
    r.mutable_rubric()->set_display_name("Rubric " + id);
    auto rubric = Call(&Stub::CreateRubric, r);
    EXPECT_TRUE(rubric.ok()) << rubric.status();
    return AddVersion(id, version);
  }

  std::string AddVersion(const std::string& id, const v1::RubricVersion& version) {
    v1::CreateRubricVersionRequest v;
    v.set_parent("rubrics/" + id);
    *v.mutable_rubric_version() = version;
    auto created = Call(&Stub::CreateRubricVersion, v);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->name() : "";
  }

  // A default rubric file installed as the service's --rubric_files would; its version 1.
  std::string InstallDefault(const std::string& file_name) {
    auto file = clients::LoadRubricFile(
        absl::StrCat(PARITRANA_AWARD_SOURCE_DIR, "/default_rubric_", file_name, ".json"));
    EXPECT_TRUE(file.ok()) << file.status();
    if (!file.ok()) return "";
    auto installed = award_->award().InstallRubric(file->rubric_id, file->rubric, file->version);
    EXPECT_TRUE(installed.ok()) << installed.status();
    return absl::StrCat("rubrics/", file->rubric_id, "/versions/1");
  }

  // A 2025 cycle of Jambi judging `category` with `version`, its candidates `subjects` (by
  // candidate id), evaluated.
  absl::StatusOr<v1::CategoryResult> EvaluateCycle(
      const std::string& id, v1::AwardCategory category, const std::string& version,
      const std::vector<std::pair<std::string, std::string>>& subjects) {
    v1::CreateAwardCycleRequest c;
    c.set_award_cycle_id(id);
    c.mutable_award_cycle()->set_display_name("Paritrana 2025 " + id);
    c.mutable_award_cycle()->set_year(2025);
    c.mutable_award_cycle()->set_province("regions/15");
    auto* crv = c.mutable_award_cycle()->add_rubric_versions();
    crv->set_category(category);
    crv->set_rubric_version(version);
    PARITRANA_RETURN_IF_ERROR(Call(&Stub::CreateAwardCycle, c).status());
    for (const auto& [candidate, subject] : subjects) {
      v1::CreateCandidateRequest r;
      r.set_parent("cycles/" + id);
      r.set_candidate_id(candidate);
      r.mutable_candidate()->set_category(category);
      r.mutable_candidate()->set_subject(subject);
      PARITRANA_RETURN_IF_ERROR(Call(&Stub::CreateCandidate, r).status());
    }
    v1::EvaluateCycleRequest e;
    e.set_name("cycles/" + id);
    PARITRANA_ASSIGN_OR_RETURN(v1::Evaluation evaluation, Call(&Stub::EvaluateCycle, e));
    if (evaluation.results_size() != 1) return absl::InternalError("one category expected");
    return evaluation.results(0);
  }

  test_support::TempDir temp_{"award-employers"};
  std::unique_ptr<test_support::RedisServer> redis_;
  std::unique_ptr<test_support::RegistryUnderTest> registry_;
  std::unique_ptr<test_support::CoverageUnderTest> coverage_;
  std::unique_ptr<test_support::AwardUnderTest> award_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<rv1::RegistryService::Stub> registry_stub_;
};

const v1::RankedEntry& Entry(const v1::CategoryResult& r, const std::string& subject) {
  for (const auto& e : r.ranked()) {
    if (e.subject() == subject) return e;
  }
  ADD_FAILURE() << "no ranked entry for " << subject;
  static const v1::RankedEntry kNone;
  return kNone;
}

const v1::IndicatorResult& Indicator(const v1::RankedEntry& e, const std::string& id) {
  for (const auto& i : e.indicators()) {
    if (i.indicator_id() == id) return i;
  }
  ADD_FAILURE() << "no indicator " << id << " for " << e.subject();
  static const v1::IndicatorResult kNone;
  return kNone;
}

// The inputs of an indicator, by key.
std::map<std::string, double> Inputs(const v1::IndicatorResult& r) {
  std::map<std::string, double> out;
  for (const auto& i : r.inputs()) out[i.key()] = i.value();
  return out;
}

using In = std::map<std::string, double>;

// Every computed indicator of every ranked or screened-out entry has a value.
void ExpectNoNoData(const v1::CategoryResult& r) {
  int computed = 0;
  for (const auto& e : r.ranked()) {
    for (const auto& i : e.indicators()) {
      if (i.source() != v1::INDICATOR_SOURCE_COMPUTED) continue;
      ++computed;
      EXPECT_EQ(i.value_status(), v1::INDICATOR_VALUE_STATUS_AVAILABLE)
          << e.subject() << " " << i.indicator_id();
    }
  }
  EXPECT_EQ(r.screened_out_size(), 0);
  EXPECT_GT(computed, 0);
}

TEST_F(AwardEmployerIndicatorsTest, BusinessIndicatorsAsComputedByHand) {
  const std::string version =
      CreateRubric("business", v1::AWARD_CATEGORY_LARGE_BUSINESS,
                   Version({Computed("coverage", v1::COMPUTED_INDICATOR_COVERAGE_RATIO),
                            Computed("pu", v1::COMPUTED_INDICATOR_PU_COVERAGE_RATIO),
                            Computed("growth", v1::COMPUTED_INDICATOR_COVERAGE_GROWTH,
                                     v1::RANK_DIRECTION_HIGHER_IS_BETTER),
                            Computed("complete", v1::COMPUTED_INDICATOR_PROGRAMME_COMPLETENESS),
                            Computed("on_time", v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE),
                            Computed("arrears", v1::COMPUTED_INDICATOR_ARREARS_MONTHS,
                                     v1::RANK_DIRECTION_LOWER_IS_BETTER)}));
  auto r = EvaluateCycle("2025-business", v1::AWARD_CATEGORY_LARGE_BUSINESS, version,
                         {{"alpha", kAlpha}, {"beta", kBeta}});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->ranked_size(), 2);
  ExpectNoNoData(*r);

  // Alpha: active on 2025-01-01 w1, w2, w3 = 3; on 2025-12-31 w1, w2, w4, w5 = 4 (w3 lapsed on
  // 2025-06-30); reported headcount 5.
  const v1::RankedEntry& alpha = Entry(*r, kAlpha);
  EXPECT_DOUBLE_EQ(Indicator(alpha, "coverage").raw_value(), 80);  // 4 / 5
  EXPECT_EQ(Inputs(Indicator(alpha, "coverage")), (In{{"active", 4}, {"potential", 5}}));
  EXPECT_DOUBLE_EQ(Indicator(alpha, "pu").raw_value(), 80);  // an employer's workers are PU
  EXPECT_EQ(Inputs(Indicator(alpha, "pu")), (In{{"active", 4}, {"potential", 5}}));
  EXPECT_DOUBLE_EQ(Indicator(alpha, "growth").raw_value(), 20);  // (4 - 3) / 5 = 80 - 60 points
  EXPECT_EQ(Inputs(Indicator(alpha, "growth")), (In{{"ratio_start", 60}, {"ratio_end", 80}}));
  // All five programmes on 2025-12-31: w1, w4, w5 (w2 lacks JP and JKP) = 3 of 4.
  EXPECT_DOUBLE_EQ(Indicator(alpha, "complete").raw_value(), 75);
  EXPECT_EQ(Inputs(Indicator(alpha, "complete")), (In{{"complete", 3}, {"active", 4}}));
  // Due in 2025: the bills of 2024-12 .. 2025-11 = 12; 9 on time (2024-12 .. 2025-08), 1 late
  // (2025-09), 2 unpaid (2025-10 partly, 2025-11); 2024-11 fell due in 2024 and 2025-12 in 2026.
  EXPECT_DOUBLE_EQ(Indicator(alpha, "on_time").raw_value(), 75);  // 9 / 12
  EXPECT_EQ(Inputs(Indicator(alpha, "on_time")),
            (In{{"on_time", 9}, {"late", 1}, {"unpaid", 2}, {"total", 12}}));
  // Overdue on 2025-12-31 and not paid in full by then: 2024-11 (paid only in 2026: its full
  // 2,000,000), 2025-10 (2,000,000 - 500,000) and 2025-11 (2,000,000) = 3 months, 5,500,000.
  EXPECT_DOUBLE_EQ(Indicator(alpha, "arrears").raw_value(), 3);
  EXPECT_EQ(Inputs(Indicator(alpha, "arrears")),
            (In{{"arrears_months", 3}, {"arrears_rupiah", 5500000}}));

  // Beta: nobody on 2025-01-01; w4 (its second employer) and w6 on 2025-12-31; headcount 4.
  const v1::RankedEntry& beta = Entry(*r, kBeta);
  EXPECT_DOUBLE_EQ(Indicator(beta, "coverage").raw_value(), 50);  // 2 / 4
  EXPECT_EQ(Inputs(Indicator(beta, "coverage")), (In{{"active", 2}, {"potential", 4}}));
  EXPECT_DOUBLE_EQ(Indicator(beta, "growth").raw_value(), 50);  // (2 - 0) / 4
  EXPECT_EQ(Inputs(Indicator(beta, "growth")), (In{{"ratio_start", 0}, {"ratio_end", 50}}));
  // w4 is insured by Beta for JKK and JKM only: complete with Alpha, not with Beta. 1 of 2.
  EXPECT_DOUBLE_EQ(Indicator(beta, "complete").raw_value(), 50);
  EXPECT_EQ(Inputs(Indicator(beta, "complete")), (In{{"complete", 1}, {"active", 2}}));
  // 2025-04 .. 2025-11: 8 bills due in 2025, all on time; no arrears (0 is a value).
  EXPECT_DOUBLE_EQ(Indicator(beta, "on_time").raw_value(), 100);
  EXPECT_EQ(Inputs(Indicator(beta, "on_time")),
            (In{{"on_time", 8}, {"late", 0}, {"unpaid", 0}, {"total", 8}}));
  EXPECT_DOUBLE_EQ(Indicator(beta, "arrears").raw_value(), 0);
  EXPECT_EQ(Inputs(Indicator(beta, "arrears")), (In{{"arrears_months", 0}, {"arrears_rupiah", 0}}));

  // Totals, the mean of six normalized scores (linear 0..100; growth and arrears rank-based
  // between the two: Beta is first on both):
  //   Beta  (50 + 50 + 100 + 50 + 100 + 100) / 6 = 75
  //   Alpha (80 + 80 +   0 + 75 +  75 +   0) / 6 = 51.6667
  EXPECT_EQ(r->ranked(0).subject(), kBeta);
  EXPECT_NEAR(r->ranked(0).total_score(), 75, 1e-9);
  EXPECT_NEAR(r->ranked(1).total_score(), 310.0 / 6, 1e-9);
}

TEST_F(AwardEmployerIndicatorsTest, DefaultBusinessRubricsHaveEveryValue) {
  // The shipped business rubrics on the same employers: every computed indicator has a value,
  // the same as above (the jury ones have no scores here), and both pass the gates (coverage
  // at least 30%, at most 3 months of arrears: Alpha has exactly 3).
  for (const auto& [file, category] : std::vector<std::pair<std::string, v1::AwardCategory>>{
           {"large_business", v1::AWARD_CATEGORY_LARGE_BUSINESS},
           {"medium_business", v1::AWARD_CATEGORY_MEDIUM_BUSINESS},
           {"micro_small_business", v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS}}) {
    SCOPED_TRACE(file);
    std::string id = file;
    std::replace(id.begin(), id.end(), '_', '-');
    auto r =
        EvaluateCycle(id, category, InstallDefault(file), {{"alpha", kAlpha}, {"beta", kBeta}});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->ranked_size(), 2);
    ExpectNoNoData(*r);
    const v1::RankedEntry& alpha = Entry(*r, kAlpha);
    EXPECT_DOUBLE_EQ(Indicator(alpha, "worker_coverage").raw_value(), 80);
    EXPECT_DOUBLE_EQ(Indicator(alpha, "programme_completeness").raw_value(), 75);
    EXPECT_DOUBLE_EQ(Indicator(alpha, "on_time_share").raw_value(), 75);
    EXPECT_DOUBLE_EQ(Indicator(alpha, "arrears_months").raw_value(), 3);
  }
}

TEST_F(AwardEmployerIndicatorsTest, RegencyEmployerSideAndTargetYear) {
  const auto indicators = [] {
    return std::vector<v1::Indicator>{
        Computed("coverage", v1::COMPUTED_INDICATOR_COVERAGE_RATIO),
        Computed("gap", v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED),
        Computed("registered", v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE),
        Computed("on_time", v1::COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE)};
  };
  const std::string v1_name =
      CreateRubric("regency", v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, Version(indicators()));
  auto r = EvaluateCycle("2025-regency", v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, v1_name,
                         {{"bungo", "regions/15.08"}});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->ranked_size(), 1);
  ExpectNoNoData(*r);
  const v1::RankedEntry& bungo = r->ranked(0);
  // Active in Bungo on 2025-01-01: w1, w2, w3, b1, b2, b3 = 6 of 40 = 15%; on 2025-12-31: w1,
  // w2, w4 (once, though with two employers), w5, w6, b1, b2, b3 = 8 of 40 = 20%.
  EXPECT_DOUBLE_EQ(Indicator(bungo, "coverage").raw_value(), 20);
  EXPECT_EQ(Inputs(Indicator(bungo, "coverage")), (In{{"active", 8}, {"potential", 40}}));
  // The period ends in 2025: the 2025 target, 25%: (20 - 15) / (25 - 15) = 50%.
  EXPECT_NEAR(Indicator(bungo, "gap").raw_value(), 50, 1e-9);
  EXPECT_EQ(Inputs(Indicator(bungo, "gap")),
            (In{{"ratio_start", 15}, {"ratio_end", 20}, {"target", 25}}));
  // Registered on 2025-12-31: Alpha (2019) and Beta (2025-04-15), not Kerinci's Gamma: 2 of the
  // baseline's 4 potential employers = 50%.
  EXPECT_DOUBLE_EQ(Indicator(bungo, "registered").raw_value(), 50);
  EXPECT_EQ(Inputs(Indicator(bungo, "registered")), (In{{"registered", 2}, {"potential", 4}}));
  // Bills of Bungo's employers due in 2025: Alpha's 12 and Beta's 8 = 20; on time 9 + 8 = 17,
  // late 1, unpaid 2 (Gamma's unpaid bill is Kerinci's): 85%.
  EXPECT_DOUBLE_EQ(Indicator(bungo, "on_time").raw_value(), 85);
  EXPECT_EQ(Inputs(Indicator(bungo, "on_time")),
            (In{{"on_time", 17}, {"late", 1}, {"unpaid", 2}, {"total", 20}}));
  EXPECT_NEAR(bungo.total_score(), (20 + 50 + 50 + 85) / 4.0, 1e-9);

  // The same rubric with target_year 2026 measures against the 2026 target, 40%:
  // (20 - 15) / (40 - 15) = 20%.
  const std::string v2_name = AddVersion("regency", Version(indicators(), 2026));
  r = EvaluateCycle("2025-regency-2026", v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, v2_name,
                    {{"bungo", "regions/15.08"}});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->ranked_size(), 1);
  const auto& gap = Indicator(r->ranked(0), "gap");
  EXPECT_EQ(gap.value_status(), v1::INDICATOR_VALUE_STATUS_AVAILABLE);
  EXPECT_NEAR(gap.raw_value(), 20, 1e-9);
  EXPECT_EQ(Inputs(gap), (In{{"ratio_start", 15}, {"ratio_end", 20}, {"target", 40}}));
}

TEST_F(AwardEmployerIndicatorsTest, DefaultRegencyRubricHasEveryValue) {
  // The shipped regency rubric on Bungo: PU 5 of 20, BPU 3 of 20, growth 5 points, gap 50%, one
  // worker on the regency budget per 40 potential (25 per 1000), 2 of 4 employers registered.
  auto r = EvaluateCycle("2025-regency-default", v1::AWARD_CATEGORY_REGENCY_GOVERNMENT,
                         InstallDefault("regency"), {{"bungo", "regions/15.08"}});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->ranked_size(), 1);
  ExpectNoNoData(*r);
  const v1::RankedEntry& bungo = r->ranked(0);
  EXPECT_DOUBLE_EQ(Indicator(bungo, "pu_coverage").raw_value(), 25);
  EXPECT_DOUBLE_EQ(Indicator(bungo, "bpu_coverage").raw_value(), 15);
  EXPECT_NEAR(Indicator(bungo, "coverage_growth").raw_value(), 5, 1e-9);
  EXPECT_DOUBLE_EQ(Indicator(bungo, "budget_funded_workers").raw_value(), 25);
  EXPECT_DOUBLE_EQ(Indicator(bungo, "employer_registered_share").raw_value(), 50);
}

}  // namespace
}  // namespace paritrana::award
