// The award service end to end: a real registry (SQLite), a real redis-server and the real
// coverage service in-process on port 0, the award service on port 0 with authentication on, and
// a small Jambi province whose ranking is computed by hand below.
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/channel.h"
#include "clients/registry_client.h"
#include "clients/rubric_file.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "services/award/award.h"
#include "services/award/award_service.h"
#include "services/award/rules.h"
#include "services/award/sources.h"
#include "services/coverage/coverage.h"
#include "services/coverage/coverage_cache.h"
#include "services/coverage/coverage_service.h"
#include "tests/support/award_under_test.h"
#include "tests/support/coverage_under_test.h"
#include "tests/support/redis_server.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana::award {
namespace {

namespace rv1 = registry::v1;
using Stub = v1::AwardService::Stub;
using clients::LoadRubricFile;
using type::v1::FundingSource;
using type::v1::Segment;

constexpr char kAdmin[] = "admin-token-7c1e9a0b5d3f";
constexpr char kSiti[] = "assessor-siti-2b8d4f6a";
constexpr char kBudi[] = "assessor-budi-9e3c1a7f";
constexpr char kAni[] = "assessor-ani-5f0b8c2d1";
constexpr char kAnalyst[] = "analyst-token-4a6e8c0b";
constexpr char kSecretariat[] = "award-admin-token-3d9f1e6c";

google::type::Date D(int y, int m, int d) { return ToProtoDate(absl::CivilDay(y, m, d)); }

class AwardServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_.path();
    auto redis = test_support::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    auto registry = test_support::RegistryUnderTest::Start(dir_, redis_->address());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    auto coverage =
        test_support::CoverageUnderTest::Start(registry_->address(), redis_->address(), {});
    ASSERT_TRUE(coverage.ok()) << coverage.status();
    coverage_ = std::move(*coverage);
    coverage_host_ = &coverage_->host();

    // The award service with authentication on and named assessors: the tokens file's third
    // field is the caller's principal id (an assessor's default assessment id, who evaluated).
    test_support::AwardUnderTest::Options options;
    auto auth = Authorizer::FromTokensText(
        absl::StrCat("admin ", kAdmin, " chair\nassessor ", kSiti, " siti\nassessor ", kBudi,
                     " budi  # juror\nassessor ", kAni, " ani\nanalyst ", kAnalyst,
                     "\naward_admin ", kSecretariat, " secretariat\n"),
        "test tokens");
    ASSERT_TRUE(auth.ok()) << auth.status();
    options.auth = std::move(*auth);
    options.today = [this] { return today_; };
    auto award = test_support::AwardUnderTest::Start(dir_, registry_->address(),
                                                     coverage_->address(), std::move(options));
    ASSERT_TRUE(award.ok()) << award.status();
    award_under_test_ = std::move(*award);
    award_ = &award_under_test_->award();
    coverage_client_ = &award_under_test_->coverage_client();
    stub_ = v1::AwardService::NewStub(
        grpc::CreateChannel(award_under_test_->address(), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    stub_.reset();
    award_under_test_.reset();
    coverage_.reset();
    registry_.reset();
  }

  // One unary call with `token`; the error decoded with its details.
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const std::string& token, const std::type_identity_t<Req>& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    Resp resp;
    grpc::Status s = (stub_.get()->*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

  static std::string Reason(const absl::Status& s) {
    auto info = GetErrorInfo(s);
    return info ? info->reason() : "";
  }
  static std::string Field(const absl::Status& s) {
    auto bad = GetBadRequest(s);
    return bad && bad->field_violations_size() > 0 ? bad->field_violations(0).field() : "";
  }

  void Ok(const absl::Status& s) { ASSERT_TRUE(s.ok()) << s; }

  // ----- Registry data -----

  void Employer(const std::string& npp, const std::string& region) {
    rv1::CreateEmployerRequest e;
    e.set_employer_id(npp);
    e.mutable_employer()->set_display_name("UD Synthetic " + npp);
    e.mutable_employer()->set_size_class(rv1::EMPLOYER_SIZE_CLASS_SMALL);
    e.mutable_employer()->set_sector("G");
    e.mutable_employer()->set_region(region);
    e.mutable_employer()->set_worker_count_declared(10);
    Ok(registry_->registry().CreateEmployer(e).status());
  }

  void Baseline(const std::string& region, int64_t potential, int64_t pu, int64_t bpu) {
    rv1::CreateWorkforceBaselineRequest b;
    b.set_parent(region);
    auto* wb = b.mutable_workforce_baseline();
    wb->set_year(2025);
    wb->set_source(type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    wb->set_potential_workers(potential);
    auto* s = wb->add_segment_workers();
    s->set_segment(type::v1::SEGMENT_PU);
    s->set_potential_workers(pu);
    s = wb->add_segment_workers();
    s->set_segment(type::v1::SEGMENT_BPU);
    s->set_potential_workers(bpu);
    Ok(registry_->registry().CreateWorkforceBaseline(b).status());
  }

  void Target(const std::string& region, double percent) {
    rv1::CreateCoverageTargetRequest t;
    t.set_parent(region);
    t.mutable_coverage_target()->set_year(2025);
    t.mutable_coverage_target()->set_target_ratio_percent(percent);
    t.mutable_coverage_target()->set_denominator_source(
        type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    Ok(registry_->registry().CreateCoverageTarget(t).status());
  }

  // How a worker is covered during 2025.
  enum class Span {
    kStay,   // 2024-12-01 through 2025-12-31: active at the start and the end of 2025
    kJoin,   // 2025-06-01 through 2025-12-31: active at the end only
    kLeave,  // 2024-12-01 through 2025-03-31: active at the start only
  };

  // A participant of `region` with one enrollment and its contribution. PU workers are employed
  // by `npp`; BPU workers pay themselves unless `funding` says otherwise.
  void Worker(const std::string& region, Segment segment, Span span, const std::string& npp = "",
              FundingSource funding = type::v1::FUNDING_SOURCE_WORKER,
              const std::string& scheme = "") {
    test_support::RegistryUnderTest::Worker w;
    w.n = ++workers_;
    w.region = region;
    w.segment = segment;
    w.start = span == Span::kJoin ? D(2025, 6, 1) : D(2024, 12, 1);
    w.covers_through = span == Span::kLeave ? D(2025, 3, 31) : D(2025, 12, 31);
    w.funding = funding;
    w.subsidy_scheme = scheme;
    if (segment == type::v1::SEGMENT_PU) {
      w.employer = "employers/" + npp;
      w.funding = type::v1::FUNDING_SOURCE_EMPLOYER;
    }
    registry_->Enroll(w);
  }

  // Jambi in miniature, 2025 (baselines BPJS potential, PU / BPU split; targets for 2025):
  //
  //   regency           potential (PU, BPU)  target  start (1 Jan)      end (31 Dec)
  //   15.01 Kerinci     20 (8, 12)           40%     2 = 10%            6 = 30%: PU 2, BPU 4
  //                                                                     (2 BPU on the regency
  //                                                                     budget)
  //   15.04 Batanghari  40 (20, 20)          20%     6 = 15%            8 = 20%: PU 6, BPU 2
  //   15.08 Bungo       20 (10, 10)          25%     4 = 20%            5 = 25%: PU 2, BPU 3
  //                                                                     (1 regency budget, 2
  //                                                                     provincial Dumisake)
  //   15.71 Kota Jambi  20 (16, 4)           none    4 = 20%            5 = 25%: PU 4, BPU 1
  //   15.09 Tebo        20 (10, 10)          30%     1 = 5%             1 = 5%
  //
  // Each regency has one small employer of its own for its PU workers.
  void SeedProvince() {
    for (const auto& [npp, region] :
         std::vector<std::pair<std::string, std::string>>{{"10000001", "regions/15.01"},
                                                          {"10000004", "regions/15.04"},
                                                          {"10000008", "regions/15.08"},
                                                          {"10000071", "regions/15.71"},
                                                          {"10000009", "regions/15.09"}}) {
      Employer(npp, region);
    }
    Baseline("regions/15.01", 20, 8, 12);
    Baseline("regions/15.04", 40, 20, 20);
    Baseline("regions/15.08", 20, 10, 10);
    Baseline("regions/15.71", 20, 16, 4);
    Baseline("regions/15.09", 20, 10, 10);
    Target("regions/15.01", 40);
    Target("regions/15.04", 20);
    Target("regions/15.08", 25);
    Target("regions/15.09", 30);

    const Segment kPu = type::v1::SEGMENT_PU, kBpu = type::v1::SEGMENT_BPU;
    const FundingSource kRegency = type::v1::FUNDING_SOURCE_REGENCY_BUDGET;
    const FundingSource kProvince = type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET;
    // Kerinci: stay 1 PU + 1 BPU; join 1 PU + 3 BPU (2 on the regency budget).
    Worker("regions/15.01", kPu, Span::kStay, "10000001");
    Worker("regions/15.01", kBpu, Span::kStay);
    Worker("regions/15.01", kPu, Span::kJoin, "10000001");
    Worker("regions/15.01", kBpu, Span::kJoin, "", kRegency, "jamsostek-kerinci");
    Worker("regions/15.01", kBpu, Span::kJoin, "", kRegency, "jamsostek-kerinci");
    Worker("regions/15.01", kBpu, Span::kJoin);
    // Batanghari: stay 4 PU + 2 BPU; join 2 PU.
    for (int i = 0; i < 4; ++i) Worker("regions/15.04", kPu, Span::kStay, "10000004");
    for (int i = 0; i < 2; ++i) Worker("regions/15.04", kBpu, Span::kStay);
    for (int i = 0; i < 2; ++i) Worker("regions/15.04", kPu, Span::kJoin, "10000004");
    // Bungo: stay 2 PU + 1 BPU (Dumisake); join 1 BPU (regency) + 1 BPU (Dumisake); leave 1 PU.
    for (int i = 0; i < 2; ++i) Worker("regions/15.08", kPu, Span::kStay, "10000008");
    Worker("regions/15.08", kBpu, Span::kStay, "", kProvince, "dumisake");
    Worker("regions/15.08", kBpu, Span::kJoin, "", kRegency, "bungo-peduli");
    Worker("regions/15.08", kBpu, Span::kJoin, "", kProvince, "dumisake");
    Worker("regions/15.08", kPu, Span::kLeave, "10000008");
    // Kota Jambi: stay 4 PU; join 1 BPU.
    for (int i = 0; i < 4; ++i) Worker("regions/15.71", kPu, Span::kStay, "10000071");
    Worker("regions/15.71", kBpu, Span::kJoin);
    // Tebo: stay 1 PU.
    Worker("regions/15.09", kPu, Span::kStay, "10000009");
  }

  // ----- Award resources -----

  static v1::Indicator Computed(const char* id, double weight, v1::ComputedIndicator which) {
    v1::Indicator i;
    i.set_id(id);
    i.set_display_name(id);
    i.set_weight(weight);
    i.set_computed(which);
    return i;
  }
  static v1::Indicator Jury(const char* id, double weight, double max,
                            v1::JuryAggregation aggregation) {
    v1::Indicator i;
    i.set_id(id);
    i.set_display_name(id);
    i.set_weight(weight);
    i.mutable_jury()->set_min_score(0);
    i.mutable_jury()->set_max_score(max);
    i.mutable_jury()->set_aggregation(aggregation);
    i.mutable_linear()->set_lower(0);
    i.mutable_linear()->set_upper(max);
    return i;
  }
  static void Linear(v1::Indicator& i, double lower, double upper) {
    i.mutable_linear()->set_lower(lower);
    i.mutable_linear()->set_upper(upper);
  }

  // performance 60: coverage (w 2, linear 0..50), pu (w 1, relative to 50), bpu (w 1, linear
  //   0..20), growth (w 1, rank-based), gap (w 1, linear 0..100);
  // implementation 20: budget (w 1, linear 0..100 per 1000), employers (w 0, reported only);
  // interview 20: presentation (w 3, jury 0..100, median), attendance (w 1, jury 0..1, the
  //   version's mean).
  // Gate: coverage >= 10. Tie-break: interview, then coverage.
  static v1::RubricVersion RegencyVersion() {
    v1::RubricVersion v;
    v.set_description("test rubric");
    v.set_declared_total_weight(100);
    v1::Aspect* perf = v.add_aspects();
    perf->set_id("performance");
    perf->set_display_name("Kinerja");
    perf->set_weight(60);
    v1::Indicator i = Computed("coverage", 2, v1::COMPUTED_INDICATOR_COVERAGE_RATIO);
    Linear(i, 0, 50);
    *perf->add_indicators() = i;
    i = Computed("pu", 1, v1::COMPUTED_INDICATOR_PU_COVERAGE_RATIO);
    i.mutable_relative_to_target()->set_target(50);
    *perf->add_indicators() = i;
    i = Computed("bpu", 1, v1::COMPUTED_INDICATOR_BPU_COVERAGE_RATIO);
    Linear(i, 0, 20);
    *perf->add_indicators() = i;
    i = Computed("growth", 1, v1::COMPUTED_INDICATOR_COVERAGE_GROWTH);
    i.mutable_rank_based()->set_direction(v1::RANK_DIRECTION_HIGHER_IS_BETTER);
    *perf->add_indicators() = i;
    i = Computed("gap", 1, v1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED);
    Linear(i, 0, 100);
    *perf->add_indicators() = i;
    v1::Aspect* impl = v.add_aspects();
    impl->set_id("implementation");
    impl->set_display_name("Implementasi");
    impl->set_weight(20);
    i = Computed("budget", 1, v1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS);
    Linear(i, 0, 100);
    *impl->add_indicators() = i;
    i = Computed("employers", 0, v1::COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE);
    Linear(i, 0, 100);
    *impl->add_indicators() = i;
    v1::Aspect* interview = v.add_aspects();
    interview->set_id("interview");
    interview->set_display_name("Wawancara");
    interview->set_weight(20);
    *interview->add_indicators() = Jury("presentation", 3, 100, v1::JURY_AGGREGATION_MEDIAN);
    *interview->add_indicators() = Jury("attendance", 1, 1, v1::JURY_AGGREGATION_UNSPECIFIED);
    v1::ThresholdGate* gate = v.add_gates();
    gate->set_indicator_id("coverage");
    gate->set_comparison(v1::COMPARISON_OPERATOR_GTE);
    gate->set_threshold(10);
    gate->set_description("Cakupan minimal 10%");
    v.add_tie_break_order()->set_aspect_id("interview");
    v.add_tie_break_order()->set_indicator_id("coverage");
    return v;
  }

  // UMKM: compliance 100: coverage (w 1; the employer's worker coverage), order (jury, w 1).
  static v1::RubricVersion BusinessVersion() {
    v1::RubricVersion v;
    v.set_declared_total_weight(1);
    v1::Aspect* a = v.add_aspects();
    a->set_id("compliance");
    a->set_display_name("Kepatuhan");
    a->set_weight(1);
    v1::Indicator i = Computed("coverage", 1, v1::COMPUTED_INDICATOR_COVERAGE_RATIO);
    Linear(i, 0, 100);
    *a->add_indicators() = i;
    *a->add_indicators() = Jury("order", 1, 100, v1::JURY_AGGREGATION_UNSPECIFIED);
    return v;
  }

  std::string CreateRubric(const std::string& id, v1::AwardCategory category,
                           const v1::RubricVersion& version) {
    v1::CreateRubricRequest r;
    r.set_rubric_id(id);
    r.mutable_rubric()->set_category(category);
    r.mutable_rubric()->set_display_name("Rubric " + id);
    auto rubric = Call(&Stub::CreateRubric, kAdmin, r);
    EXPECT_TRUE(rubric.ok()) << rubric.status();
    v1::CreateRubricVersionRequest v;
    v.set_parent("rubrics/" + id);
    *v.mutable_rubric_version() = version;
    v.set_request_id("version-" + id);
    auto created = Call(&Stub::CreateRubricVersion, kAdmin, v);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->name() : "";
  }

  v1::CreateAwardCycleRequest CycleRequest(const std::string& id, int year,
                                           const std::string& regency_version,
                                           const std::string& business_version = "") {
    v1::CreateAwardCycleRequest c;
    c.set_award_cycle_id(id);
    c.mutable_award_cycle()->set_display_name("Paritrana Award " + std::to_string(year) + " Jambi");
    c.mutable_award_cycle()->set_year(year);
    c.mutable_award_cycle()->set_province("regions/15");
    auto* crv = c.mutable_award_cycle()->add_rubric_versions();
    crv->set_category(v1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
    crv->set_rubric_version(regency_version);
    if (!business_version.empty()) {
      crv = c.mutable_award_cycle()->add_rubric_versions();
      crv->set_category(v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS);
      crv->set_rubric_version(business_version);
    }
    return c;
  }

  absl::StatusOr<v1::Candidate> CreateCandidate(const std::string& cycle, const std::string& id,
                                                v1::AwardCategory category,
                                                const std::string& subject) {
    v1::CreateCandidateRequest c;
    c.set_parent(cycle);
    c.set_candidate_id(id);
    c.mutable_candidate()->set_category(category);
    c.mutable_candidate()->set_subject(subject);
    return Call(&Stub::CreateCandidate, kAdmin, c);
  }

  absl::StatusOr<v1::Assessment> Assess(const std::string& token, const std::string& candidate,
                                        std::vector<std::pair<std::string, double>> scores,
                                        const std::string& assessor = "") {
    v1::CreateAssessmentRequest a;
    a.set_parent(candidate);
    a.set_assessment_id(assessor);
    for (const auto& [id, score] : scores) {
      auto* s = a.mutable_assessment()->add_scores();
      s->set_indicator_id(id);
      s->set_score(score);
    }
    return Call(&Stub::CreateAssessment, token, a);
  }

  // The cycle of the hand computation: rubrics, cycle, candidates and assessments.
  void SetUpCycle() {
    SeedProvince();
    regency_version_ =
        CreateRubric("regency-government", v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, RegencyVersion());
    business_version_ =
        CreateRubric("umkm", v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS, BusinessVersion());
    auto cycle = Call(&Stub::CreateAwardCycle, kAdmin,
                      CycleRequest("2025-jambi", 2025, regency_version_, business_version_));
    ASSERT_TRUE(cycle.ok()) << cycle.status();
    const v1::AwardCategory kRegency = v1::AWARD_CATEGORY_REGENCY_GOVERNMENT;
    for (const auto& [id, region] :
         std::vector<std::pair<std::string, std::string>>{{"kerinci", "regions/15.01"},
                                                          {"batanghari", "regions/15.04"},
                                                          {"bungo", "regions/15.08"},
                                                          {"kota-jambi", "regions/15.71"},
                                                          {"tebo", "regions/15.09"},
                                                          {"merangin", "regions/15.02"}}) {
      Ok(CreateCandidate("cycles/2025-jambi", id, kRegency, region).status());
    }
    for (const auto& [id, npp] : std::vector<std::pair<std::string, std::string>>{
             {"ud-kerinci", "10000001"}, {"ud-bungo", "10000008"}}) {
      Ok(CreateCandidate("cycles/2025-jambi", id, v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS,
                         "employers/" + npp)
             .status());
    }
    v1::UpdateCandidateRequest withdraw;
    withdraw.mutable_candidate()->set_name("cycles/2025-jambi/candidates/merangin");
    withdraw.mutable_candidate()->set_status(v1::Candidate::STATUS_WITHDRAWN);
    withdraw.mutable_candidate()->set_note("Mengundurkan diri");
    withdraw.mutable_update_mask()->add_paths("status");
    withdraw.mutable_update_mask()->add_paths("note");
    Ok(Call(&Stub::UpdateCandidate, kAdmin, withdraw).status());

    // Jury (presentation median, attendance mean):
    //   Kerinci:    siti 70/1, budi 80/1, ani 90/0  -> presentation 80, attendance 2/3
    //   Batanghari: siti 60/1, budi 100/1           -> presentation 80 (median of two), 1
    //   Bungo:      siti 90/0                       -> 90, 0
    //   Kota Jambi: no assessment                   -> NO_JURY_SCORES (scores 0)
    const std::string c = "cycles/2025-jambi/candidates/";
    Ok(Assess(kSiti, c + "kerinci", {{"presentation", 70}, {"attendance", 1}}).status());
    Ok(Assess(kBudi, c + "kerinci", {{"presentation", 80}, {"attendance", 1}}).status());
    Ok(Assess(kAni, c + "kerinci", {{"presentation", 90}, {"attendance", 0}}).status());
    Ok(Assess(kSiti, c + "batanghari", {{"presentation", 60}, {"attendance", 1}}).status());
    Ok(Assess(kBudi, c + "batanghari", {{"presentation", 100}, {"attendance", 1}}).status());
    // An admin may enter an assessor's scores under that assessor's id.
    Ok(Assess(kAdmin, c + "bungo", {{"presentation", 90}, {"attendance", 0}}, "siti").status());
    Ok(Assess(kSiti, c + "ud-kerinci", {{"order", 60}}).status());
    Ok(Assess(kSiti, c + "ud-bungo", {{"order", 90}}).status());
  }

  absl::StatusOr<v1::Evaluation> Evaluate(const std::string& request_id = "") {
    v1::EvaluateCycleRequest e;
    e.set_name("cycles/2025-jambi");
    e.set_request_id(request_id);
    return Call(&Stub::EvaluateCycle, kAdmin, e);
  }

  test_support::TempDir temp_{"award"};  // first: removed after everything using it
  std::string dir_;
  absl::CivilDay today_ = TodayInJakarta();
  int workers_ = 0;
  std::string regency_version_, business_version_;

  std::unique_ptr<test_support::RedisServer> redis_;
  std::unique_ptr<test_support::RegistryUnderTest> registry_;
  std::unique_ptr<test_support::CoverageUnderTest> coverage_;
  ServiceHost* coverage_host_ = nullptr;  // coverage_'s
  std::unique_ptr<test_support::AwardUnderTest> award_under_test_;
  Award* award_ = nullptr;                     // award_under_test_'s
  CoverageClient* coverage_client_ = nullptr;  // award_under_test_'s
  std::unique_ptr<Stub> stub_;
};

const v1::IndicatorResult& Indicator(const v1::RankedEntry& e, const std::string& id) {
  for (const auto& i : e.indicators()) {
    if (i.indicator_id() == id) return i;
  }
  ADD_FAILURE() << "no indicator " << id;
  static const v1::IndicatorResult kNone;
  return kNone;
}

double Input(const v1::IndicatorResult& r, const std::string& key) {
  for (const auto& i : r.inputs()) {
    if (i.key() == key) return i.value();
  }
  ADD_FAILURE() << "no input " << key << " in " << r.indicator_id();
  return -1;
}

TEST_F(AwardServiceTest, FullCycleRanksAsComputedByHand) {
  ASSERT_NO_FATAL_FAILURE(SetUpCycle());
  const int calls_before = coverage_client_->calls();
  auto evaluation = Evaluate("first-run");
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  // One category of regions, 5 ACTIVE subjects, period start and end: two batched calls.
  EXPECT_EQ(coverage_client_->calls() - calls_before, 2);
  EXPECT_EQ(evaluation->name(), "cycles/2025-jambi/evaluations/1");
  EXPECT_EQ(evaluation->state(), v1::Evaluation::STATE_DRAFT);
  EXPECT_EQ(evaluation->evaluated_by(), "chair");
  EXPECT_EQ(evaluation->assessment_period().end_date().day(), 31);
  ASSERT_EQ(evaluation->results_size(), 2);
  const v1::CategoryResult& r = evaluation->results(0);
  EXPECT_EQ(r.category(), v1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
  EXPECT_EQ(r.rubric_version(), regency_version_);

  // Normalized scores (coverage linear 0..50, pu relative to 50, bpu linear 0..20, growth rank
  // among the four that pass the gate, gap linear 0..100, budget linear 0..100 per 1000):
  //              coverage  pu                bpu              growth        gap          budget
  //   Kerinci    30 -> 60  2/8=25 -> 50      4/12 -> 100      20 (1) 100    66.67        100/1000
  //   -> 100 Batanghari 20 -> 40  6/20=30 -> 60     2/20=10 -> 50    5 (2) 66.67   (20-15)/(20-15)
  //   = 100   0 Bungo      25 -> 50  2/10=20 -> 40     3/10=30 -> 100   5 (2) 66.67   100 50 (1
  //   regency-funded of 20) Kota Jambi 25 -> 50  4/16=25 -> 50     1/4=25 -> 100    5 (2) 66.67
  //   NO_DATA 0    0
  // Aspects: performance = (2 cov + pu + bpu + growth + gap) / 6; implementation = budget;
  // interview = (3 presentation + attendance x 100) / 4. Total = .6 perf + .2 impl + .2 interview.
  const double g2 = 100.0 * 2 / 3;  // growth rank 2 of 4
  const double kerinci_perf = (2 * 60 + 50 + 100 + 100 + 100.0 * 20 / 30) / 6;
  const double kerinci_interview = (3 * 80 + 100.0 * 2 / 3) / 4;
  const double kerinci = 0.6 * kerinci_perf + 0.2 * 100 + 0.2 * kerinci_interview;  // 79
  const double bungo_perf = (2 * 50 + 40 + 100 + g2 + 100) / 6;
  const double bungo = 0.6 * bungo_perf + 0.2 * 50 + 0.2 * (3 * 90 + 0) / 4;  // 64.1667
  const double batanghari_perf = (2 * 40 + 60 + 50 + g2 + 100) / 6;
  const double batanghari = 0.6 * batanghari_perf + 0 + 0.2 * (3 * 80 + 100) / 4;  // 52.6667
  const double kota_jambi = 0.6 * (2 * 50 + 50 + 100 + g2 + 0) / 6;                // 31.6667
  EXPECT_NEAR(kerinci, 79, 1e-9);

  ASSERT_EQ(r.ranked_size(), 4);
  const std::vector<std::pair<std::string, double>> expected = {{"regions/15.01", kerinci},
                                                                {"regions/15.08", bungo},
                                                                {"regions/15.04", batanghari},
                                                                {"regions/15.71", kota_jambi}};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(r.ranked(i).rank(), i + 1);
    EXPECT_EQ(r.ranked(i).subject(), expected[i].first) << "rank " << i + 1;
    EXPECT_NEAR(r.ranked(i).total_score(), expected[i].second, 1e-9) << expected[i].first;
    double sum_aspects = 0, sum_indicators = 0;
    for (const auto& a : r.ranked(i).aspect_scores()) sum_aspects += a.weighted_contribution();
    for (const auto& ind : r.ranked(i).indicators()) sum_indicators += ind.weighted_contribution();
    EXPECT_NEAR(sum_aspects, r.ranked(i).total_score(), 1e-9);
    EXPECT_NEAR(sum_indicators, r.ranked(i).total_score(), 1e-9);
  }

  // Kerinci, explained indicator by indicator.
  const v1::RankedEntry& k = r.ranked(0);
  EXPECT_EQ(k.candidate(), "cycles/2025-jambi/candidates/kerinci");
  EXPECT_EQ(k.display_name(), "Kabupaten Kerinci");  // from the registry
  ASSERT_EQ(k.aspect_scores_size(), 3);
  EXPECT_NEAR(k.aspect_scores(0).score(), kerinci_perf, 1e-9);
  EXPECT_NEAR(k.aspect_scores(2).score(), kerinci_interview, 1e-9);
  const auto& cov = Indicator(k, "coverage");
  EXPECT_EQ(cov.value_status(), v1::INDICATOR_VALUE_STATUS_AVAILABLE);
  EXPECT_DOUBLE_EQ(cov.raw_value(), 30);
  EXPECT_DOUBLE_EQ(Input(cov, "active"), 6);
  EXPECT_DOUBLE_EQ(Input(cov, "potential"), 20);
  EXPECT_DOUBLE_EQ(cov.normalized_score(), 60);
  EXPECT_DOUBLE_EQ(cov.effective_weight(), 20);  // 60/100 x 2/6 x 100
  EXPECT_DOUBLE_EQ(cov.weighted_contribution(), 12);
  const auto& pu = Indicator(k, "pu");
  EXPECT_DOUBLE_EQ(Input(pu, "active"), 2);
  EXPECT_DOUBLE_EQ(Input(pu, "potential"), 8);
  EXPECT_DOUBLE_EQ(pu.raw_value(), 25);
  const auto& bpu = Indicator(k, "bpu");
  EXPECT_NEAR(bpu.raw_value(), 100.0 * 4 / 12, 1e-12);
  EXPECT_DOUBLE_EQ(bpu.normalized_score(), 100);
  const auto& growth = Indicator(k, "growth");
  EXPECT_DOUBLE_EQ(growth.raw_value(), 20);
  EXPECT_DOUBLE_EQ(Input(growth, "ratio_start"), 10);
  EXPECT_DOUBLE_EQ(Input(growth, "ratio_end"), 30);
  EXPECT_EQ(growth.rank_position(), 1);
  EXPECT_EQ(growth.rank_population(), 4);  // Tebo was screened out
  const auto& gap = Indicator(k, "gap");
  EXPECT_DOUBLE_EQ(Input(gap, "target"), 40);
  EXPECT_NEAR(gap.raw_value(), 100.0 * 20 / 30, 1e-9);
  const auto& budget = Indicator(k, "budget");
  EXPECT_DOUBLE_EQ(Input(budget, "budget_funded"), 2);
  EXPECT_DOUBLE_EQ(budget.raw_value(), 100);          // 2 / 20 x 1000
  const auto& employers = Indicator(k, "employers");  // the baseline has no potential employers
  EXPECT_EQ(employers.value_status(), v1::INDICATOR_VALUE_STATUS_NO_DATA);
  EXPECT_FALSE(employers.has_raw_value());
  const auto& presentation = Indicator(k, "presentation");
  EXPECT_EQ(presentation.source(), v1::INDICATOR_SOURCE_JURY);
  EXPECT_EQ(presentation.jury_aggregation(), v1::JURY_AGGREGATION_MEDIAN);
  ASSERT_EQ(presentation.jury_scores_size(), 3);
  EXPECT_EQ(presentation.jury_scores(0).assessor(), "ani");  // ordered by assessor id
  EXPECT_DOUBLE_EQ(presentation.jury_scores(0).score(), 90);
  EXPECT_DOUBLE_EQ(presentation.raw_value(), 80);
  const auto& attendance = Indicator(k, "attendance");
  EXPECT_EQ(attendance.jury_aggregation(), v1::JURY_AGGREGATION_MEAN);  // the version's default
  EXPECT_NEAR(attendance.raw_value(), 2.0 / 3, 1e-12);
  ASSERT_EQ(k.gate_outcomes_size(), 1);
  EXPECT_TRUE(k.gate_outcomes(0).passed());
  EXPECT_DOUBLE_EQ(k.gate_outcomes(0).value(), 30);
  ASSERT_EQ(k.tie_break_values_size(), 2);
  EXPECT_NEAR(k.tie_break_values(0), kerinci_interview, 1e-9);
  EXPECT_DOUBLE_EQ(k.tie_break_values(1), 60);

  // Bungo's Dumisake (provincial budget) workers are not the regency's own budget.
  EXPECT_DOUBLE_EQ(Input(Indicator(r.ranked(1), "budget"), "budget_funded"), 1);
  // Kota Jambi: no target, no jury.
  const v1::RankedEntry& kj = r.ranked(3);
  EXPECT_EQ(Indicator(kj, "gap").value_status(), v1::INDICATOR_VALUE_STATUS_NO_DATA);
  EXPECT_EQ(Indicator(kj, "presentation").value_status(),
            v1::INDICATOR_VALUE_STATUS_NO_JURY_SCORES);
  EXPECT_EQ(Indicator(kj, "growth").rank_position(), 2);  // 5 points, tied with two others

  // Tebo (5%) fails the gate; Merangin withdrew.
  ASSERT_EQ(r.screened_out_size(), 1);
  EXPECT_EQ(r.screened_out(0).subject(), "regions/15.09");
  EXPECT_FALSE(r.screened_out(0).gate_outcomes(0).passed());
  EXPECT_DOUBLE_EQ(r.screened_out(0).gate_outcomes(0).value(), 5);
  ASSERT_EQ(r.excluded_size(), 1);
  EXPECT_EQ(r.excluded(0).subject(), "regions/15.02");
  EXPECT_EQ(r.excluded(0).status(), v1::Candidate::STATUS_WITHDRAWN);
  EXPECT_EQ(r.excluded(0).note(), "Mengundurkan diri");
  EXPECT_EQ(r.ranked_count(), 4);
  EXPECT_EQ(r.screened_out_count(), 1);
  EXPECT_EQ(r.excluded_count(), 1);

  // UMKM: worker coverage is 2 active PU workers of the 10 each employer reports (Bungo's third
  // worker left in March), 20% for both; the jury decides: (20 + 90) / 2 vs (20 + 60) / 2.
  const v1::CategoryResult& b = evaluation->results(1);
  ASSERT_EQ(b.ranked_size(), 2);
  EXPECT_EQ(b.ranked(0).subject(), "employers/10000008");
  EXPECT_DOUBLE_EQ(b.ranked(0).total_score(), 55);
  const auto& worker_coverage = Indicator(b.ranked(0), "coverage");
  EXPECT_EQ(worker_coverage.value_status(), v1::INDICATOR_VALUE_STATUS_AVAILABLE);
  EXPECT_DOUBLE_EQ(worker_coverage.raw_value(), 20);
  EXPECT_DOUBLE_EQ(Input(worker_coverage, "active"), 2);
  EXPECT_DOUBLE_EQ(Input(worker_coverage, "potential"), 10);
  EXPECT_DOUBLE_EQ(b.ranked(1).total_score(), 40);

  // Stored: GetEvaluation returns the same result; BASIC drops the entries but keeps counts.
  v1::GetEvaluationRequest get;
  get.set_name(evaluation->name());
  auto stored = Call(&Stub::GetEvaluation, kSiti, get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->SerializeAsString(), evaluation->SerializeAsString());
  get.set_view(v1::EVALUATION_VIEW_BASIC);
  stored = Call(&Stub::GetEvaluation, kAdmin, get);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->results(0).ranked_size(), 0);
  EXPECT_EQ(stored->results(0).ranked_count(), 4);
  // A DRAFT is invisible to an analyst.
  get.clear_view();
  EXPECT_EQ(Call(&Stub::GetEvaluation, kAnalyst, get).status().code(), absl::StatusCode::kNotFound);
  v1::ListEvaluationsRequest list;
  list.set_parent("cycles/2025-jambi");
  auto listed = Call(&Stub::ListEvaluations, kAnalyst, list);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->evaluations_size(), 0);

  // A retry with the same request id returns the first evaluation; a new run is number 2 and
  // gives the same ranking (deterministic).
  auto retry = Evaluate("first-run");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->name(), evaluation->name());
  auto second = Evaluate();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->name(), "cycles/2025-jambi/evaluations/2");
  ASSERT_EQ(second->results(0).ranked_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(second->results(0).ranked(i).SerializeAsString(),
              evaluation->results(0).ranked(i).SerializeAsString());
  }
  listed = Call(&Stub::ListEvaluations, kAdmin, list);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->evaluations_size(), 2);
  EXPECT_EQ(listed->evaluations(0).name(), second->name());       // newest first
  EXPECT_EQ(listed->evaluations(0).results(0).ranked_size(), 0);  // BASIC by default

  // The cycle is EVALUATED; only the latest evaluation may be published.
  v1::GetAwardCycleRequest get_cycle;
  get_cycle.set_name("cycles/2025-jambi");
  EXPECT_EQ(Call(&Stub::GetAwardCycle, kAnalyst, get_cycle)->state(),
            v1::AwardCycle::STATE_EVALUATED);
  v1::PublishEvaluationRequest publish;
  publish.set_name(evaluation->name());
  auto refused = Call(&Stub::PublishEvaluation, kAdmin, publish);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(refused.status()), "EVALUATION_NOT_LATEST");
}

TEST_F(AwardServiceTest, PublishFreezesTheCycle) {
  ASSERT_NO_FATAL_FAILURE(SetUpCycle());
  auto evaluation = Evaluate();
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  v1::PublishEvaluationRequest publish;
  publish.set_name(evaluation->name());
  EXPECT_EQ(Call(&Stub::PublishEvaluation, kSiti, publish).status().code(),
            absl::StatusCode::kPermissionDenied);
  // An award_admin publishes under its principal id from the tokens file.
  auto published = Call(&Stub::PublishEvaluation, kSecretariat, publish);
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(published->state(), v1::Evaluation::STATE_PUBLISHED);
  EXPECT_EQ(published->published_by(), "secretariat");
  EXPECT_EQ(published->results(0).ranked_size(), 0);  // BASIC
  EXPECT_EQ(published->results(0).ranked_count(), 4);
  // Publishing it again is idempotent.
  auto again = Call(&Stub::PublishEvaluation, kAdmin, publish);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->publish_time().seconds(), published->publish_time().seconds());

  // Now every role reads it.
  v1::GetEvaluationRequest get;
  get.set_name(evaluation->name());
  auto seen = Call(&Stub::GetEvaluation, kAnalyst, get);
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->results(0).ranked(0).subject(), "regions/15.01");
  v1::GetAwardCycleRequest get_cycle;
  get_cycle.set_name("cycles/2025-jambi");
  auto cycle = Call(&Stub::GetAwardCycle, kAnalyst, get_cycle);
  EXPECT_EQ(cycle->state(), v1::AwardCycle::STATE_PUBLISHED);
  EXPECT_EQ(cycle->published_evaluation(), evaluation->name());

  // EvaluateCycle on a published cycle: FAILED_PRECONDITION, and nothing is stored.
  auto evaluate = Evaluate();
  EXPECT_EQ(evaluate.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(evaluate.status()), "CYCLE_PUBLISHED");
  v1::ListEvaluationsRequest list;
  list.set_parent("cycles/2025-jambi");
  EXPECT_EQ(Call(&Stub::ListEvaluations, kAdmin, list)->evaluations_size(), 1);

  // Candidates, assessments, the period and rubric versions are read-only.
  auto candidate = CreateCandidate("cycles/2025-jambi", "sarolangun",
                                   v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, "regions/15.03");
  EXPECT_EQ(Reason(candidate.status()), "CYCLE_PUBLISHED");
  v1::UpdateAssessmentRequest update;
  update.mutable_assessment()->set_name("cycles/2025-jambi/candidates/kerinci/assessments/siti");
  auto* s = update.mutable_assessment()->add_scores();
  s->set_indicator_id("presentation");
  s->set_score(100);
  update.mutable_update_mask()->add_paths("scores");
  EXPECT_EQ(Reason(Call(&Stub::UpdateAssessment, kSiti, update).status()), "CYCLE_PUBLISHED");
  v1::UpdateAwardCycleRequest period;
  period.mutable_award_cycle()->set_name("cycles/2025-jambi");
  *period.mutable_award_cycle()->mutable_assessment_period() = DefaultPeriod(2025);
  period.mutable_award_cycle()->mutable_assessment_period()->mutable_end_date()->set_month(6);
  period.mutable_update_mask()->add_paths("assessment_period");
  EXPECT_EQ(Reason(Call(&Stub::UpdateAwardCycle, kAdmin, period).status()), "CYCLE_PUBLISHED");
  // The display name still may change.
  period.mutable_award_cycle()->set_display_name("Paritrana Award 2025 Provinsi Jambi");
  period.mutable_update_mask()->Clear();
  period.mutable_update_mask()->add_paths("display_name");
  EXPECT_TRUE(Call(&Stub::UpdateAwardCycle, kAdmin, period).ok());
}

TEST_F(AwardServiceTest, InvalidRubricsAreRefusedWithFieldViolations) {
  v1::CreateRubricRequest r;
  r.set_rubric_id("regency-government");
  r.mutable_rubric()->set_category(v1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
  r.mutable_rubric()->set_display_name("Paritrana Pemerintah Kabupaten/Kota");
  ASSERT_TRUE(Call(&Stub::CreateRubric, kAdmin, r).ok());

  v1::CreateRubricVersionRequest v;
  v.set_parent("rubrics/regency-government");
  // Aspect weights 60 + 20 + 20 = 100, declared 90.
  *v.mutable_rubric_version() = RegencyVersion();
  v.mutable_rubric_version()->set_declared_total_weight(90);
  auto bad = Call(&Stub::CreateRubricVersion, kAdmin, v);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Field(bad.status()), "rubric_version.declared_total_weight");

  // A gate and a tie-break key naming indicators the version does not have.
  *v.mutable_rubric_version() = RegencyVersion();
  v.mutable_rubric_version()->mutable_gates(0)->set_indicator_id("coverage_ratio");
  v.mutable_rubric_version()->mutable_tie_break_order(1)->set_indicator_id("nope");
  bad = Call(&Stub::CreateRubricVersion, kAdmin, v);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  auto violations = GetBadRequest(bad.status());
  ASSERT_TRUE(violations.has_value());
  ASSERT_EQ(violations->field_violations_size(), 2);
  EXPECT_EQ(violations->field_violations(0).field(), "rubric_version.gates[0].indicator_id");
  EXPECT_EQ(violations->field_violations(1).field(),
            "rubric_version.tie_break_order[1].indicator_id");

  // An unknown computed indicator, and one that does not fit a business category.
  *v.mutable_rubric_version() = RegencyVersion();
  v.mutable_rubric_version()->mutable_aspects(0)->mutable_indicators(1)->set_computed(
      static_cast<v1::ComputedIndicator>(99));
  bad = Call(&Stub::CreateRubricVersion, kAdmin, v);
  EXPECT_EQ(Field(bad.status()), "rubric_version.aspects[0].indicators[1].computed");
  r.set_rubric_id("umkm");
  r.mutable_rubric()->set_category(v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS);
  ASSERT_TRUE(Call(&Stub::CreateRubric, kAdmin, r).ok());
  v.set_parent("rubrics/umkm");
  *v.mutable_rubric_version() = RegencyVersion();  // BPU, gap and budget are region-only
  bad = Call(&Stub::CreateRubricVersion, kAdmin, v);
  violations = GetBadRequest(bad.status());
  ASSERT_TRUE(violations.has_value());
  std::set<std::string> fields;
  for (const auto& f : violations->field_violations()) fields.insert(f.field());
  EXPECT_EQ(fields, (std::set<std::string>{"rubric_version.aspects[0].indicators[2].computed",
                                           "rubric_version.aspects[0].indicators[4].computed",
                                           "rubric_version.aspects[1].indicators[0].computed",
                                           "rubric_version.aspects[1].indicators[1].computed"}));
  // NOT_FOUND for a version of a rubric that does not exist; nothing was created above.
  v.set_parent("rubrics/village-government");
  EXPECT_EQ(Call(&Stub::CreateRubricVersion, kAdmin, v).status().code(),
            absl::StatusCode::kNotFound);
  v1::ListRubricVersionsRequest versions;
  versions.set_parent("rubrics/regency-government");
  EXPECT_EQ(Call(&Stub::ListRubricVersions, kAnalyst, versions)->rubric_versions_size(), 0);

  // A cycle naming a missing version: NOT_FOUND naming the field; a malformed or wrong-category
  // version: INVALID_ARGUMENT with a field violation.
  auto cycle = Call(&Stub::CreateAwardCycle, kAdmin,
                    CycleRequest("2025-jambi", 2025, "rubrics/regency-government/versions/7"));
  ASSERT_EQ(cycle.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorField(cycle.status()), "award_cycle.rubric_versions[0].rubric_version");
  cycle = Call(&Stub::CreateAwardCycle, kAdmin,
               CycleRequest("2025-jambi", 2025, "rubrics/regency-government/versions/07"));
  ASSERT_EQ(cycle.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Field(cycle.status()), "award_cycle.rubric_versions[0].rubric_version");
  const std::string umkm =
      CreateRubric("umkm-2", v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS, BusinessVersion());
  cycle = Call(&Stub::CreateAwardCycle, kAdmin, CycleRequest("2025-jambi", 2025, umkm));
  ASSERT_EQ(cycle.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Field(cycle.status()), "award_cycle.rubric_versions[0].rubric_version");
  // Several bad fields at once are all reported.
  v1::CreateAwardCycleRequest many = CycleRequest("Bad_Id", 1999, "rubrics/x/versions/1");
  many.mutable_award_cycle()->set_province("regions/15.08");
  cycle = Call(&Stub::CreateAwardCycle, kAdmin, many);
  violations = GetBadRequest(cycle.status());
  ASSERT_TRUE(violations.has_value());
  EXPECT_EQ(violations->field_violations_size(), 3);  // id, year, province

  // Only award_admin (which admin implies) defines rubrics.
  r.set_rubric_id("other");
  auto by_assessor = Call(&Stub::CreateRubric, kSiti, r);
  EXPECT_EQ(by_assessor.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Reason(by_assessor.status()), "PERMISSION_DENIED");
  EXPECT_EQ(GetErrorInfo(by_assessor.status())->metadata().at("required_role"), "award_admin");
  EXPECT_EQ(Call(&Stub::CreateRubric, kAnalyst, r).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Call(&Stub::CreateRubric, "", r).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Call(&Stub::CreateRubric, kSecretariat, r).ok());
}

TEST_F(AwardServiceTest, RubricVersionsFreezeWhenACycleUsesThem) {
  const std::string version =
      CreateRubric("regency-government", v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, RegencyVersion());
  ASSERT_EQ(version, "rubrics/regency-government/versions/1");
  // A DRAFT version can be edited; the result is validated as a whole.
  v1::UpdateRubricVersionRequest update;
  update.mutable_rubric_version()->set_name(version);
  update.mutable_rubric_version()->set_description("tuned");
  update.mutable_rubric_version()->set_declared_total_weight(50);
  update.mutable_update_mask()->add_paths("declared_total_weight");
  auto updated = Call(&Stub::UpdateRubricVersion, kAdmin, update);
  EXPECT_EQ(Field(updated.status()), "rubric_version.declared_total_weight");
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("description");
  updated = Call(&Stub::UpdateRubricVersion, kAdmin, update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->description(), "tuned");
  EXPECT_EQ(updated->declared_total_weight(), 100);
  // The target year can be set, and is validated.
  v1::UpdateRubricVersionRequest year;
  year.mutable_rubric_version()->set_name(version);
  year.mutable_update_mask()->add_paths("target_year");
  year.mutable_rubric_version()->set_target_year(1999);
  EXPECT_EQ(Field(Call(&Stub::UpdateRubricVersion, kAdmin, year).status()),
            "rubric_version.target_year");
  year.mutable_rubric_version()->set_target_year(2026);
  auto with_year = Call(&Stub::UpdateRubricVersion, kAdmin, year);
  ASSERT_TRUE(with_year.ok()) << with_year.status();
  EXPECT_EQ(with_year->target_year(), 2026);
  EXPECT_EQ(with_year->description(), "tuned");
  update.mutable_update_mask()->add_paths("state");
  EXPECT_EQ(Field(Call(&Stub::UpdateRubricVersion, kAdmin, update).status()), "update_mask");
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("*");

  // The request id makes a blind retry safe; reusing it for another request is refused.
  v1::CreateRubricVersionRequest again;
  again.set_parent("rubrics/regency-government");
  *again.mutable_rubric_version() = RegencyVersion();
  again.set_request_id("version-regency-government");
  auto replay = Call(&Stub::CreateRubricVersion, kAdmin, again);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->name(), version);
  again.mutable_rubric_version()->set_description("something else");
  auto reused = Call(&Stub::CreateRubricVersion, kAdmin, again);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Reason(reused.status()), "REQUEST_ID_REUSED");

  auto cycle = Call(&Stub::CreateAwardCycle, kAdmin, CycleRequest("2025-jambi", 2025, version));
  ASSERT_TRUE(cycle.ok()) << cycle.status();
  EXPECT_EQ(cycle->state(), v1::AwardCycle::STATE_OPEN);
  EXPECT_EQ(cycle->assessment_period().start_date().month(), 1);  // the default period
  EXPECT_EQ(cycle->assessment_period().end_date().month(), 12);
  v1::GetRubricVersionRequest get;
  get.set_name(version);
  auto frozen = Call(&Stub::GetRubricVersion, kAnalyst, get);
  ASSERT_TRUE(frozen.ok());
  EXPECT_EQ(frozen->state(), v1::RubricVersion::STATE_FROZEN);
  EXPECT_TRUE(frozen->has_freeze_time());
  auto refused = Call(&Stub::UpdateRubricVersion, kAdmin, update);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(refused.status()), "RUBRIC_VERSION_FROZEN");

  v1::GetRubricRequest rubric;
  rubric.set_name("rubrics/regency-government");
  EXPECT_EQ(Call(&Stub::GetRubric, kAnalyst, rubric)->latest_version(), version);
}

TEST_F(AwardServiceTest, CandidatesAndAssessmentsFollowTheirRules) {
  SeedProvince();
  Employer("20000014", "regions/14");  // an employer of Riau
  const std::string version =
      CreateRubric("regency-government", v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, RegencyVersion());
  const std::string umkm =
      CreateRubric("umkm", v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS, BusinessVersion());
  ASSERT_TRUE(
      Call(&Stub::CreateAwardCycle, kAdmin, CycleRequest("2025-jambi", 2025, version, umkm)).ok());
  const v1::AwardCategory kRegency = v1::AWARD_CATEGORY_REGENCY_GOVERNMENT;
  const v1::AwardCategory kUmkm = v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS;
  auto kerinci = CreateCandidate("cycles/2025-jambi", "", kRegency, "regions/15.01");
  ASSERT_TRUE(kerinci.ok()) << kerinci.status();
  EXPECT_EQ(kerinci->name().size(), std::string("cycles/2025-jambi/candidates/").size() + 16);
  EXPECT_EQ(kerinci->stage(), v1::Candidate::STAGE_SCREENING);
  EXPECT_EQ(kerinci->status(), v1::Candidate::STATUS_ACTIVE);
  // The subject is unique in the cycle; its level must match the category; it must exist and lie
  // in scope; the category must be in the cycle.
  EXPECT_EQ(CreateCandidate("cycles/2025-jambi", "k2", kRegency, "regions/15.01").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Field(CreateCandidate("cycles/2025-jambi", "x", kRegency, "regions/15").status()),
            "candidate.subject");
  EXPECT_EQ(CreateCandidate("cycles/2025-jambi", "x", kRegency, "regions/15.55").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(CreateCandidate("cycles/2025-jambi", "x", kUmkm, "employers/99999999").status().code(),
            absl::StatusCode::kNotFound);
  auto outside = CreateCandidate("cycles/2025-jambi", "x", kUmkm, "employers/20000014");
  EXPECT_EQ(outside.status().code(), absl::StatusCode::kInvalidArgument);  // Riau, not Jambi
  EXPECT_EQ(Field(outside.status()), "candidate.subject");
  EXPECT_EQ(Field(CreateCandidate("cycles/2025-jambi", "x", kUmkm, "regions/15.01").status()),
            "candidate.subject");  // a business candidate is an employer
  EXPECT_EQ(Reason(CreateCandidate("cycles/2025-jambi", "x", v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT,
                                   "regions/15.01.01.2001")
                       .status()),
            "CATEGORY_NOT_IN_CYCLE");
  auto shop = CreateCandidate("cycles/2025-jambi", "ud-kerinci", kUmkm, "employers/10000001");
  ASSERT_TRUE(shop.ok()) << shop.status();
  EXPECT_EQ(shop->display_name(), "UD Synthetic 10000001");
  EXPECT_EQ(CreateCandidate("cycles/nope", "x", kRegency, "regions/15.04").status().code(),
            absl::StatusCode::kNotFound);

  // Assessments: scores must be jury indicators of the version, within their scale.
  auto bad = Assess(kSiti, kerinci->name(), {{"coverage", 50}, {"attendance", 2}});
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  auto violations = GetBadRequest(bad.status());
  ASSERT_EQ(violations->field_violations_size(), 2);
  EXPECT_EQ(violations->field_violations(0).field(), "assessment.scores[0].indicator_id");
  EXPECT_EQ(violations->field_violations(1).field(), "assessment.scores[1].score");
  // An assessor writes only under their own id; an analyst not at all.
  EXPECT_EQ(Assess(kSiti, kerinci->name(), {{"presentation", 50}}, "budi").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Assess(kAnalyst, kerinci->name(), {{"presentation", 50}}).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Running the award is not judging it: award_admin holds no assessor right.
  auto by_award_admin = Assess(kSecretariat, kerinci->name(), {{"presentation", 50}}, "siti");
  EXPECT_EQ(by_award_admin.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(GetErrorInfo(by_award_admin.status())->metadata().at("required_role"), "assessor");
  auto own = Assess(kSiti, kerinci->name(), {{"presentation", 50}});
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->assessor(), "siti");
  EXPECT_EQ(own->name(), kerinci->name() + "/assessments/siti");
  EXPECT_EQ(Assess(kSiti, kerinci->name(), {{"presentation", 60}}).status().code(),
            absl::StatusCode::kAlreadyExists);
  v1::UpdateAssessmentRequest update;
  update.mutable_assessment()->set_name(own->name());
  auto* s = update.mutable_assessment()->add_scores();
  s->set_indicator_id("presentation");
  s->set_score(65);
  update.mutable_update_mask()->add_paths("scores");
  EXPECT_EQ(Call(&Stub::UpdateAssessment, kBudi, update).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto corrected = Call(&Stub::UpdateAssessment, kSiti, update);
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  EXPECT_DOUBLE_EQ(corrected->scores(0).score(), 65);
  // Assessments are for assessors and award admins to read.
  v1::ListAssessmentsRequest list;
  list.set_parent("cycles/2025-jambi/candidates/-");
  EXPECT_EQ(Call(&Stub::ListAssessments, kAnalyst, list).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Call(&Stub::ListAssessments, kBudi, list)->assessments_size(), 1);
  EXPECT_EQ(Call(&Stub::ListAssessments, kSecretariat, list)->assessments_size(), 1);

  // The category's rubric version cannot change once it has assessments, and a category with
  // candidates cannot be removed.
  const std::string v2 = CreateRubric("regency-2", kRegency, RegencyVersion());
  v1::UpdateAwardCycleRequest change;
  change.mutable_award_cycle()->set_name("cycles/2025-jambi");
  auto* crv = change.mutable_award_cycle()->add_rubric_versions();
  crv->set_category(kRegency);
  crv->set_rubric_version(v2);
  change.mutable_update_mask()->add_paths("rubric_versions");
  EXPECT_EQ(Reason(Call(&Stub::UpdateAwardCycle, kAdmin, change).status()), "ASSESSMENTS_EXIST");
  crv->set_category(kUmkm);  // only UMKM left: the regency category would go
  crv->set_rubric_version(umkm);
  EXPECT_EQ(Reason(Call(&Stub::UpdateAwardCycle, kAdmin, change).status()), "ASSESSMENTS_EXIST");
  crv->set_category(kRegency);  // only the regency category left: UMKM has a candidate
  crv->set_rubric_version(version);
  EXPECT_EQ(Reason(Call(&Stub::UpdateAwardCycle, kAdmin, change).status()),
            "CATEGORY_NOT_IN_CYCLE");
  // Adding a category freezes its version.
  *change.mutable_award_cycle()->add_rubric_versions() = *crv;
  change.mutable_award_cycle()->mutable_rubric_versions(0)->set_category(kUmkm);
  change.mutable_award_cycle()->mutable_rubric_versions(0)->set_rubric_version(umkm);
  crv = change.mutable_award_cycle()->add_rubric_versions();
  crv->set_category(v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT);
  v1::RubricVersion village_version = RegencyVersion();
  // The registry keeps no employer figures for villages: no registered share of employers.
  village_version.mutable_aspects(1)->mutable_indicators()->RemoveLast();
  crv->set_rubric_version(
      CreateRubric("village", v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT, village_version));
  auto changed = Call(&Stub::UpdateAwardCycle, kAdmin, change);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->rubric_versions_size(), 3);
  v1::GetRubricVersionRequest village;
  village.set_name(crv->rubric_version());
  EXPECT_EQ(Call(&Stub::GetRubricVersion, kAdmin, village)->state(),
            v1::RubricVersion::STATE_FROZEN);

  // Candidate updates: status unspecified is refused; an empty display name resets it.
  v1::UpdateCandidateRequest uc;
  uc.mutable_candidate()->set_name(kerinci->name());
  uc.mutable_update_mask()->add_paths("status");
  EXPECT_EQ(Field(Call(&Stub::UpdateCandidate, kAdmin, uc).status()), "candidate.status");
  uc.mutable_update_mask()->Clear();
  uc.mutable_update_mask()->add_paths("subject");
  EXPECT_EQ(Field(Call(&Stub::UpdateCandidate, kAdmin, uc).status()), "update_mask");
  uc.mutable_candidate()->set_display_name("Kerinci!");
  uc.mutable_update_mask()->Clear();
  uc.mutable_update_mask()->add_paths("display_name");
  EXPECT_EQ(Call(&Stub::UpdateCandidate, kAdmin, uc)->display_name(), "Kerinci!");
  uc.mutable_candidate()->clear_display_name();
  EXPECT_EQ(Call(&Stub::UpdateCandidate, kAdmin, uc)->display_name(), "Kabupaten Kerinci");
}

TEST_F(AwardServiceTest, ListsPageAndFilter) {
  for (const char* id : {"a-rubric", "b-rubric", "c-rubric"}) {
    v1::CreateRubricRequest r;
    r.set_rubric_id(id);
    r.mutable_rubric()->set_category(id[0] == 'b' ? v1::AWARD_CATEGORY_VILLAGE_GOVERNMENT
                                                  : v1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
    r.mutable_rubric()->set_display_name(id);
    ASSERT_TRUE(Call(&Stub::CreateRubric, kAdmin, r).ok());
  }
  v1::ListRubricsRequest list;
  list.set_page_size(2);
  auto page = Call(&Stub::ListRubrics, kAnalyst, list);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->rubrics_size(), 2);
  EXPECT_EQ(page->rubrics(0).name(), "rubrics/a-rubric");
  ASSERT_FALSE(page->next_page_token().empty());
  list.set_page_token(page->next_page_token());
  auto last = Call(&Stub::ListRubrics, kAnalyst, list);
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_EQ(last->rubrics_size(), 1);
  EXPECT_EQ(last->rubrics(0).name(), "rubrics/c-rubric");
  EXPECT_TRUE(last->next_page_token().empty());
  list.set_category(v1::AWARD_CATEGORY_REGENCY_GOVERNMENT);  // a token of another query
  EXPECT_EQ(Field(Call(&Stub::ListRubrics, kAnalyst, list).status()), "page_token");
  list.clear_page_token();
  EXPECT_EQ(Call(&Stub::ListRubrics, kAnalyst, list)->rubrics_size(), 2);
  list.set_page_size(1001);
  EXPECT_EQ(Field(Call(&Stub::ListRubrics, kAnalyst, list).status()), "page_size");
  list.set_page_size(-1);
  EXPECT_EQ(Field(Call(&Stub::ListRubrics, kAnalyst, list).status()), "page_size");

  // Versions are listed by number (10 after 9, not after 1).
  const std::string first =
      CreateRubric("numbers", v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, RegencyVersion());
  for (int i = 2; i <= 10; ++i) {
    v1::CreateRubricVersionRequest v;
    v.set_parent("rubrics/numbers");
    *v.mutable_rubric_version() = RegencyVersion();
    ASSERT_TRUE(Call(&Stub::CreateRubricVersion, kAdmin, v).ok());
  }
  v1::ListRubricVersionsRequest versions;
  versions.set_parent("rubrics/numbers");
  auto all = Call(&Stub::ListRubricVersions, kAnalyst, versions);
  ASSERT_EQ(all->rubric_versions_size(), 10);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(all->rubric_versions(i).version(), i + 1);
  EXPECT_EQ(all->rubric_versions(9).name(), "rubrics/numbers/versions/10");
}

TEST_F(AwardServiceTest, EvaluationWaitsForThePeriodAndFailsCleanlyWhenCoverageIsDown) {
  ASSERT_NO_FATAL_FAILURE(SetUpCycle());
  today_ = absl::CivilDay(2025, 12, 30);  // the period ends tomorrow
  auto early = Evaluate();
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(early.status()), "ASSESSMENT_PERIOD_NOT_ENDED");
  today_ = TodayInJakarta();

  coverage_host_->Drain();
  auto down = Evaluate("while-down");
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  v1::ListEvaluationsRequest list;
  list.set_parent("cycles/2025-jambi");
  EXPECT_EQ(Call(&Stub::ListEvaluations, kAdmin, list)->evaluations_size(), 0);  // nothing stored
  v1::GetAwardCycleRequest get;
  get.set_name("cycles/2025-jambi");
  EXPECT_EQ(Call(&Stub::GetAwardCycle, kAdmin, get)->state(), v1::AwardCycle::STATE_OPEN);
}

TEST_F(AwardServiceTest, DefaultRubricFileInstallsAndEvaluates) {
  SeedProvince();
  auto file = LoadRubricFile(PARITRANA_DEFAULT_RUBRIC);
  ASSERT_TRUE(file.ok()) << file.status();
  auto installed = award_->InstallRubric(file->rubric_id, file->rubric, file->version);
  ASSERT_TRUE(installed.ok()) << installed.status();
  EXPECT_TRUE(*installed);
  installed = award_->InstallRubric(file->rubric_id, file->rubric, file->version);
  ASSERT_TRUE(installed.ok());
  EXPECT_FALSE(*installed);  // already there: unchanged
  auto cycle = Call(&Stub::CreateAwardCycle, kAdmin,
                    CycleRequest("2025-jambi", 2025, "rubrics/regency-government/versions/1"));
  ASSERT_TRUE(cycle.ok()) << cycle.status();
  for (const auto& [id, region] :
       std::vector<std::pair<std::string, std::string>>{{"kerinci", "regions/15.01"},
                                                        {"batanghari", "regions/15.04"},
                                                        {"bungo", "regions/15.08"},
                                                        {"kota-jambi", "regions/15.71"}}) {
    Ok(CreateCandidate("cycles/2025-jambi", id, v1::AWARD_CATEGORY_REGENCY_GOVERNMENT, region)
           .status());
  }
  auto evaluation = Evaluate();
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  // Coverage >= 20% lets all four through; Kerinci (30%, most growth, most own-budget workers)
  // leads on computed indicators alone.
  const v1::CategoryResult& r = evaluation->results(0);
  ASSERT_EQ(r.ranked_size(), 4);
  EXPECT_EQ(r.ranked(0).subject(), "regions/15.01");
  EXPECT_EQ(r.ranked(0).indicators_size(), 13);
}

}  // namespace
}  // namespace paritrana::award
