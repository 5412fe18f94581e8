// The award's two tiers end to end (PromoteCandidates): a real registry (SQLite), redis-server
// and coverage service, the award service on port 0 with authentication on. A provincial round
// for Jambi is judged by one jury indicator, so its ranking is the jury's order; its published
// winners become candidates of a national round for a zone of Sumatran provinces.
#include <map>
#include <set>
#include <tuple>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
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

constexpr char kAdmin[] = "admin-token-5e2a9c7b1d4f";
constexpr char kSecretariat[] = "award-admin-token-8b3f0e6a";
constexpr char kSiti[] = "assessor-siti-7d1c5a9e";
constexpr char kAnalyst[] = "analyst-token-2f6b4d8c";

constexpr v1::AwardCategory kRegency = v1::AWARD_CATEGORY_REGENCY_GOVERNMENT;
constexpr v1::AwardCategory kUmkm = v1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS;

// The provincial round's published evaluation (its first).
constexpr char kJambi[] = "cycles/2025-jambi";
constexpr char kJambiEvaluation[] = "cycles/2025-jambi/evaluations/1";
constexpr char kSumatera[] = "cycles/2025-sumatera";

class AwardTiersTest : public ::testing::Test {
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
    auto auth = Authorizer::FromTokensText(
        absl::StrCat("admin ", kAdmin, " chair\naward_admin ", kSecretariat,
                     " secretariat\nassessor ", kSiti, " siti\nanalyst ", kAnalyst, "\n"),
        "test tokens");
    ASSERT_TRUE(auth.ok()) << auth.status();
    options.auth = std::move(*auth);
    // The 2025 rounds' assessment periods have ended.
    options.today = [] { return absl::CivilDay(2026, 2, 1); };
    auto award = test_support::AwardUnderTest::Start(temp_.path(), registry_->address(),
                                                     coverage_->address(), std::move(options));
    ASSERT_TRUE(award.ok()) << award.status();
    award_ = std::move(*award);
    stub_ = v1::AwardService::NewStub(
        grpc::CreateChannel(award_->address(), grpc::InsecureChannelCredentials()));

    rv1::CreateEmployerRequest e;
    e.set_employer_id("10000001");
    e.mutable_employer()->set_display_name("UD Kerinci Makmur");
    e.mutable_employer()->set_size_class(rv1::EMPLOYER_SIZE_CLASS_SMALL);
    e.mutable_employer()->set_sector("G");
    e.mutable_employer()->set_region("regions/15.01");
    e.mutable_employer()->set_worker_count_declared(10);
    ASSERT_TRUE(registry_->registry().CreateEmployer(e).ok());

    regency_version_ = CreateRubric("regency-government", kRegency);
    umkm_version_ = CreateRubric("umkm", kUmkm);
  }

  void TearDown() override {
    stub_.reset();
    award_.reset();
    coverage_.reset();
    registry_.reset();
  }

  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const std::string& token, const std::type_identity_t<Req>& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    Resp resp;
    grpc::Status s = (stub_.get()->*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

  static std::string Reason(const absl::Status& s) {
    auto info = GetErrorInfo(s);
    return info ? info->reason() : "";
  }
  static std::string Metadata(const absl::Status& s, const std::string& key) {
    auto info = GetErrorInfo(s);
    if (!info || info->metadata().count(key) == 0) return "";
    return info->metadata().at(key);
  }
  static std::vector<std::string> Fields(const absl::Status& s) {
    std::vector<std::string> out;
    if (auto bad = GetBadRequest(s)) {
      for (const auto& v : bad->field_violations()) out.push_back(v.field());
    }
    return out;
  }

  // One aspect, one jury indicator 0..100: the ranking is the jury's order.
  std::string CreateRubric(const std::string& id, v1::AwardCategory category) {
    v1::CreateRubricRequest r;
    r.set_rubric_id(id);
    r.mutable_rubric()->set_category(category);
    r.mutable_rubric()->set_display_name("Rubric " + id);
    EXPECT_TRUE(Call(&Stub::CreateRubric, kAdmin, r).ok());
    v1::CreateRubricVersionRequest v;
    v.set_parent("rubrics/" + id);
    v1::RubricVersion* version = v.mutable_rubric_version();
    version->set_declared_total_weight(100);
    v1::Aspect* aspect = version->add_aspects();
    aspect->set_id("interview");
    aspect->set_display_name("Wawancara");
    aspect->set_weight(100);
    v1::Indicator* i = aspect->add_indicators();
    i->set_id("presentation");
    i->set_display_name("Presentation");
    i->set_weight(1);
    i->mutable_jury()->set_min_score(0);
    i->mutable_jury()->set_max_score(100);
    i->mutable_linear()->set_lower(0);
    i->mutable_linear()->set_upper(100);
    auto created = Call(&Stub::CreateRubricVersion, kAdmin, v);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->name() : "";
  }

  // A provincial cycle of `province` (`regions/PP`) or, with `zone`, a national one.
  absl::StatusOr<v1::AwardCycle> CreateCycle(const std::string& id, int year,
                                             const std::string& province,
                                             const std::vector<std::string>& zone,
                                             const std::vector<v1::AwardCategory>& categories) {
    v1::CreateAwardCycleRequest c;
    c.set_award_cycle_id(id);
    v1::AwardCycle* cycle = c.mutable_award_cycle();
    cycle->set_display_name("Paritrana Award " + id);
    cycle->set_year(year);
    if (zone.empty()) {
      cycle->set_province(province);
    } else {
      cycle->mutable_zone()->set_display_name("Zona Sumatera");
      for (const std::string& p : zone) cycle->mutable_zone()->add_provinces(p);
    }
    for (v1::AwardCategory category : categories) {
      auto* crv = cycle->add_rubric_versions();
      crv->set_category(category);
      crv->set_rubric_version(category == kRegency ? regency_version_ : umkm_version_);
    }
    return Call(&Stub::CreateAwardCycle, kAdmin, c);
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

  void Assess(const std::string& candidate, double presentation) {
    v1::CreateAssessmentRequest a;
    a.set_parent(candidate);
    auto* s = a.mutable_assessment()->add_scores();
    s->set_indicator_id("presentation");
    s->set_score(presentation);
    auto assessed = Call(&Stub::CreateAssessment, kSiti, a);
    ASSERT_TRUE(assessed.ok()) << assessed.status();
  }

  absl::StatusOr<v1::Evaluation> Evaluate(const std::string& cycle) {
    v1::EvaluateCycleRequest e;
    e.set_name(cycle);
    return Call(&Stub::EvaluateCycle, kAdmin, e);
  }
  absl::StatusOr<v1::Evaluation> Publish(const std::string& evaluation) {
    v1::PublishEvaluationRequest p;
    p.set_name(evaluation);
    return Call(&Stub::PublishEvaluation, kAdmin, p);
  }

  // The Jambi round of 2025, with candidates and jury scores but not evaluated:
  //   regency: Kerinci 90, Bungo 80, Batanghari 70, Tebo 60; Merangin 100 but WITHDRAWN
  //   micro/small business: UD Kerinci Makmur 50
  // Its ranking: 1 Kerinci (15.01), 2 Bungo (15.08), 3 Batanghari (15.04), 4 Tebo (15.09).
  void OpenJambiRound() {
    auto cycle = CreateCycle("2025-jambi", 2025, "regions/15", {}, {kRegency, kUmkm});
    ASSERT_TRUE(cycle.ok()) << cycle.status();
    for (const auto& [id, region, score] :
         std::vector<std::tuple<std::string, std::string, double>>{
             {"kerinci", "regions/15.01", 90},
             {"bungo", "regions/15.08", 80},
             {"batanghari", "regions/15.04", 70},
             {"tebo", "regions/15.09", 60},
             {"merangin", "regions/15.02", 100}}) {
      auto c = CreateCandidate(kJambi, id, kRegency, region);
      ASSERT_TRUE(c.ok()) << c.status();
      ASSERT_NO_FATAL_FAILURE(Assess(c->name(), score));
    }
    v1::UpdateCandidateRequest withdraw;
    withdraw.mutable_candidate()->set_name("cycles/2025-jambi/candidates/merangin");
    withdraw.mutable_candidate()->set_status(v1::Candidate::STATUS_WITHDRAWN);
    withdraw.mutable_update_mask()->add_paths("status");
    ASSERT_TRUE(Call(&Stub::UpdateCandidate, kAdmin, withdraw).ok());
    auto ud = CreateCandidate(kJambi, "ud-kerinci", kUmkm, "employers/10000001");
    ASSERT_TRUE(ud.ok()) << ud.status();
    ASSERT_NO_FATAL_FAILURE(Assess(ud->name(), 50));
  }

  // OpenJambiRound, evaluated and published as evaluation 1.
  void PublishJambiRound() {
    ASSERT_NO_FATAL_FAILURE(OpenJambiRound());
    auto evaluation = Evaluate(kJambi);
    ASSERT_TRUE(evaluation.ok()) << evaluation.status();
    ASSERT_EQ(evaluation->name(), kJambiEvaluation);
    ASSERT_TRUE(Publish(evaluation->name()).ok());
  }

  // The national round of 2025 for Jambi and South Sumatra, judging regencies only.
  void OpenSumateraRound() {
    auto cycle = CreateCycle("2025-sumatera", 2025, "", {"regions/15", "regions/16"}, {kRegency});
    ASSERT_TRUE(cycle.ok()) << cycle.status();
  }

  absl::StatusOr<v1::PromoteCandidatesResponse> Promote(
      const std::string& cycle, const std::string& source, int top_n,
      const std::vector<v1::AwardCategory>& categories = {},
      const std::string& token = kSecretariat) {
    v1::PromoteCandidatesRequest p;
    p.set_cycle(cycle);
    p.set_source_cycle(source);
    p.set_top_n(top_n);
    for (v1::AwardCategory c : categories) p.add_categories(c);
    return Call(&Stub::PromoteCandidates, token, p);
  }

  std::vector<v1::Candidate> Candidates(const std::string& cycle) {
    v1::ListCandidatesRequest l;
    l.set_parent(cycle);
    l.set_page_size(100);
    auto listed = Call(&Stub::ListCandidates, kAnalyst, l);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (!listed.ok()) return {};
    return {listed->candidates().begin(), listed->candidates().end()};
  }

  static std::vector<std::string> Subjects(
      const google::protobuf::RepeatedPtrField<v1::Candidate>& candidates) {
    std::vector<std::string> out;
    for (const auto& c : candidates) out.push_back(c.subject());
    return out;
  }
  static std::vector<std::string> Names(
      const google::protobuf::RepeatedPtrField<v1::Candidate>& candidates) {
    std::vector<std::string> out;
    for (const auto& c : candidates) out.push_back(c.name());
    return out;
  }

  test_support::TempDir temp_{"award-tiers"};  // first: removed after everything using it
  std::string regency_version_, umkm_version_;
  std::unique_ptr<test_support::RedisServer> redis_;
  std::unique_ptr<test_support::RegistryUnderTest> registry_;
  std::unique_ptr<test_support::CoverageUnderTest> coverage_;
  std::unique_ptr<test_support::AwardUnderTest> award_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(AwardTiersTest, PromotesTheTopRankedOfAPublishedRoundOnceAndTheNationalRoundRanksThem) {
  ASSERT_NO_FATAL_FAILURE(PublishJambiRound());
  ASSERT_NO_FATAL_FAILURE(OpenSumateraRound());
  // A candidate registered by hand: the link to a provincial round is output only.
  v1::CreateCandidateRequest by_hand;
  by_hand.set_parent(kSumatera);
  by_hand.set_candidate_id("kota-jambi");
  by_hand.mutable_candidate()->set_category(kRegency);
  by_hand.mutable_candidate()->set_subject("regions/15.71");
  by_hand.mutable_candidate()->set_promoted_from(kJambiEvaluation);
  by_hand.mutable_candidate()->set_promoted_rank(1);
  auto kota_jambi = Call(&Stub::CreateCandidate, kAdmin, by_hand);
  ASSERT_TRUE(kota_jambi.ok()) << kota_jambi.status();
  EXPECT_EQ(kota_jambi->promoted_from(), "");
  EXPECT_EQ(kota_jambi->promoted_rank(), 0);

  // The top 2 of the regency category: the business category is not judged nationally, the
  // withdrawn Merangin (scored 100) was not ranked.
  auto first = Promote(kSumatera, kJambi, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(Subjects(first->created()),
            (std::vector<std::string>{"regions/15.01", "regions/15.08"}));
  EXPECT_TRUE(first->unchanged().empty());
  for (int i = 0; i < first->created_size(); ++i) {
    const v1::Candidate& c = first->created(i);
    // Named after the subject: regions/15.01 -> 15-01.
    EXPECT_EQ(c.name(), absl::StrCat("cycles/2025-sumatera/candidates/",
                                     absl::StrReplaceAll(c.subject().substr(8), {{".", "-"}})));
    EXPECT_EQ(c.category(), kRegency);
    EXPECT_EQ(c.promoted_from(), kJambiEvaluation);
    EXPECT_EQ(c.promoted_rank(), i + 1);
    EXPECT_EQ(c.status(), v1::Candidate::STATUS_ACTIVE);
    EXPECT_EQ(c.stage(), v1::Candidate::STAGE_SCREENING);
    EXPECT_TRUE(c.has_create_time());
  }
  EXPECT_EQ(first->created(0).display_name(), "Kabupaten Kerinci");  // the provincial entry's
  // Stored as returned.
  v1::GetCandidateRequest get;
  get.set_name(first->created(1).name());
  auto bungo = Call(&Stub::GetCandidate, kAnalyst, get);
  ASSERT_TRUE(bungo.ok()) << bungo.status();
  EXPECT_EQ(bungo->subject(), "regions/15.08");
  EXPECT_EQ(bungo->promoted_from(), kJambiEvaluation);
  EXPECT_EQ(bungo->promoted_rank(), 2);

  // Again: nothing new, the same candidates reported.
  auto again = Promote(kSumatera, kJambi, 2, {kRegency});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->created().empty());
  EXPECT_EQ(Names(again->unchanged()), Names(first->created()));
  // One more place: only the third is new.
  auto third = Promote(kSumatera, kJambi, 3);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(Subjects(third->created()), std::vector<std::string>{"regions/15.04"});
  ASSERT_EQ(third->created_size(), 1);
  EXPECT_EQ(third->created(0).promoted_rank(), 3);
  EXPECT_EQ(Subjects(third->unchanged()),
            (std::vector<std::string>{"regions/15.01", "regions/15.08"}));
  // top_n 0 means 3: all there already. No subject is a candidate twice.
  auto by_default = Promote(kSumatera, kJambi, 0);
  ASSERT_TRUE(by_default.ok()) << by_default.status();
  EXPECT_TRUE(by_default->created().empty());
  EXPECT_EQ(by_default->unchanged_size(), 3);
  const std::vector<v1::Candidate> national = Candidates(kSumatera);
  EXPECT_EQ(national.size(), 4u);  // three promoted and Kota Jambi
  std::set<std::string> subjects;
  for (const auto& c : national) subjects.insert(c.subject());
  EXPECT_EQ(subjects.size(), national.size());

  // The promotion is in the award's audit trail under the national cycle, by its principal.
  std::vector<AuditEvent> events;
  ASSERT_TRUE(award_->store()
                  .Read([&](AwardTx& tx) -> absl::Status {
                    AuditQuery q;
                    q.resource = kSumatera;
                    q.limit = 100;
                    PARITRANA_ASSIGN_OR_RETURN(events, tx.ListAudit(q));
                    return absl::OkStatus();
                  })
                  .ok());
  int promotions = 0;
  for (const AuditEvent& e : events) {
    if (e.method != "paritrana.award.v1.AwardService/PromoteCandidates") continue;
    ++promotions;
    EXPECT_EQ(e.principal, "secretariat");
    EXPECT_EQ(e.outcome, "OK");
  }
  EXPECT_EQ(promotions, 4);

  // The national jury reorders them: Batanghari 95, Kerinci 85, Bungo 75 (Kota Jambi: none).
  for (const v1::Candidate& c : national) {
    const std::map<std::string, double> national_jury = {
        {"regions/15.04", 95}, {"regions/15.01", 85}, {"regions/15.08", 75}};
    if (auto score = national_jury.find(c.subject()); score != national_jury.end()) {
      ASSERT_NO_FATAL_FAILURE(Assess(c.name(), score->second));
    }
  }
  auto evaluation = Evaluate(kSumatera);
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  ASSERT_EQ(evaluation->results_size(), 1);
  const v1::CategoryResult& r = evaluation->results(0);
  ASSERT_EQ(r.ranked_size(), 4);
  EXPECT_EQ(r.ranked(0).subject(), "regions/15.04");
  EXPECT_DOUBLE_EQ(r.ranked(0).total_score(), 95);
  EXPECT_EQ(r.ranked(1).subject(), "regions/15.01");
  EXPECT_EQ(r.ranked(2).subject(), "regions/15.08");
  EXPECT_EQ(r.ranked(3).subject(), "regions/15.71");

  // Once the national round is published it takes no more candidates.
  ASSERT_TRUE(Publish(evaluation->name()).ok());
  auto late = Promote(kSumatera, kJambi, 4);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition) << late.status();
  EXPECT_EQ(Reason(late.status()), "CYCLE_PUBLISHED");
  EXPECT_EQ(Candidates(kSumatera).size(), 4u);
}

TEST_F(AwardTiersTest, AnUnpublishedProvincialRoundIsRefusedAndNothingIsCreated) {
  ASSERT_NO_FATAL_FAILURE(OpenJambiRound());
  ASSERT_NO_FATAL_FAILURE(OpenSumateraRound());
  auto open = Promote(kSumatera, kJambi, 2);
  EXPECT_EQ(open.status().code(), absl::StatusCode::kFailedPrecondition) << open.status();
  EXPECT_EQ(Reason(open.status()), "SOURCE_CYCLE_NOT_PUBLISHED");
  EXPECT_EQ(Metadata(open.status(), "state"), "OPEN");
  // Evaluated, with a DRAFT ranking: still not the official result.
  auto evaluation = Evaluate(kJambi);
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  auto evaluated = Promote(kSumatera, kJambi, 2);
  EXPECT_EQ(evaluated.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(evaluated.status()), "SOURCE_CYCLE_NOT_PUBLISHED");
  EXPECT_EQ(Metadata(evaluated.status(), "state"), "EVALUATED");
  EXPECT_TRUE(Candidates(kSumatera).empty());
  // Published, the same request goes through.
  ASSERT_TRUE(Publish(evaluation->name()).ok());
  auto published = Promote(kSumatera, kJambi, 2);
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(published->created_size(), 2);
}

TEST_F(AwardTiersTest, RoundsOfAnotherYearAreRefused) {
  ASSERT_NO_FATAL_FAILURE(PublishJambiRound());
  ASSERT_TRUE(CreateCycle("2026-sumatera", 2026, "", {"regions/15"}, {kRegency}).ok());
  auto promoted = Promote("cycles/2026-sumatera", kJambi, 3);
  EXPECT_EQ(promoted.status().code(), absl::StatusCode::kFailedPrecondition) << promoted.status();
  EXPECT_EQ(Reason(promoted.status()), "CYCLE_YEAR_MISMATCH");
  EXPECT_EQ(Metadata(promoted.status(), "cycle_year"), "2026");
  EXPECT_EQ(Metadata(promoted.status(), "source_year"), "2025");
  EXPECT_TRUE(Candidates("cycles/2026-sumatera").empty());
}

TEST_F(AwardTiersTest, OnlyAProvincialRoundInsideTheZoneFeedsANationalRound) {
  ASSERT_NO_FATAL_FAILURE(PublishJambiRound());
  ASSERT_NO_FATAL_FAILURE(OpenSumateraRound());
  // The target must be a zone cycle.
  ASSERT_TRUE(CreateCycle("2025-jambi-b", 2025, "regions/15", {}, {kRegency}).ok());
  auto provincial = Promote("cycles/2025-jambi-b", kJambi, 3);
  EXPECT_EQ(provincial.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(provincial.status()), std::vector<std::string>{"cycle"});
  EXPECT_TRUE(Candidates("cycles/2025-jambi-b").empty());
  // The source must be a provincial cycle.
  auto national = Promote(kSumatera, kSumatera, 3);
  EXPECT_EQ(national.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(national.status()), std::vector<std::string>{"source_cycle"});
  // DKI Jakarta (31) is not in the zone of Jambi and South Sumatra.
  ASSERT_TRUE(CreateCycle("2025-jakarta", 2025, "regions/31", {}, {kRegency}).ok());
  auto outside = Promote(kSumatera, "cycles/2025-jakarta", 3);
  EXPECT_EQ(outside.status().code(), absl::StatusCode::kInvalidArgument) << outside.status();
  EXPECT_EQ(Fields(outside.status()), std::vector<std::string>{"source_cycle"});
  // A listed category the national round does not judge.
  auto business = Promote(kSumatera, kJambi, 3, {kRegency, kUmkm});
  EXPECT_EQ(business.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(business.status()), std::vector<std::string>{"categories[1]"});
  EXPECT_TRUE(Candidates(kSumatera).empty());
  // Cycles that do not exist.
  auto missing = Promote("cycles/2025-nowhere", kJambi, 3);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  missing = Promote(kSumatera, "cycles/2025-nowhere", 3);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
}

TEST_F(AwardTiersTest, EveryMalformedFieldIsReportedAtOnce) {
  v1::PromoteCandidatesRequest p;
  p.set_cycle("2025-sumatera");
  p.set_source_cycle("cycles/Jambi");
  p.set_top_n(101);
  p.add_categories(kRegency);
  p.add_categories(v1::AWARD_CATEGORY_UNSPECIFIED);
  p.add_categories(kRegency);
  auto bad = Call(&Stub::PromoteCandidates, kSecretariat, p);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(bad.status()), (std::vector<std::string>{"cycle", "source_cycle", "top_n",
                                                            "categories[1]", "categories[2]"}));
  p.set_cycle(kSumatera);
  p.set_source_cycle(kJambi);
  p.set_top_n(-1);
  p.clear_categories();
  bad = Call(&Stub::PromoteCandidates, kSecretariat, p);
  EXPECT_EQ(Fields(bad.status()), std::vector<std::string>{"top_n"});
}

TEST_F(AwardTiersTest, OnlyAwardAdminsPromote) {
  ASSERT_NO_FATAL_FAILURE(PublishJambiRound());
  ASSERT_NO_FATAL_FAILURE(OpenSumateraRound());
  for (const char* token : {kSiti, kAnalyst}) {
    auto refused = Promote(kSumatera, kJambi, 3, {}, token);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << token;
  }
  EXPECT_TRUE(Candidates(kSumatera).empty());
  auto admin = Promote(kSumatera, kJambi, 1, {}, kAdmin);  // admin holds award_admin
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(Subjects(admin->created()), std::vector<std::string>{"regions/15.01"});
}

}  // namespace
}  // namespace paritrana::award
