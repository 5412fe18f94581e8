// The JSON/HTTP gateway against running services: a real registry (SQLite), redis-server, the
// coverage and award services with authentication on, all in-process on port 0, and the gateway
// (its library and HTTP server) in front of them, called with cpp-httplib. Every annotated method
// must answer what its gRPC method answers, as protobuf's JSON; errors come as google.rpc.Status
// JSON with the standard HTTP statuses; ETags, gzip, CORS, request ids and the rate limit behave
// as docs/api.md ("JSON over HTTP") says.
#include <zlib.h>

#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/rubric_file.h"
#include "gateway/gateway.h"
#include "gateway/http_server.h"
#include "gateway/transcoder.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "paritrana/award/v1/award.grpc.pb.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "security/auth.h"
#include "services/award/award.h"
#include "tests/support/award_under_test.h"
#include "tests/support/coverage_under_test.h"
#include "tests/support/redis_server.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana::gateway {
namespace {

namespace rv1 = registry::v1;
namespace av1 = award::v1;
using nlohmann::json;

constexpr char kAdmin[] = "gateway-admin-token-01";
constexpr char kSiti[] = "gateway-assessor-siti-02";
constexpr char kAnalyst[] = "gateway-analyst-token-03";
constexpr char kOrigin[] = "https://dashboard.example";

google::type::Date D(int y, int m, int d) { return ToProtoDate(absl::CivilDay(y, m, d)); }

std::unique_ptr<Authorizer> Auth() {
  auto auth = Authorizer::FromTokensText(absl::StrCat("admin ", kAdmin, " chair\nassessor ", kSiti,
                                                      " siti\nanalyst ", kAnalyst, " analyst\n"),
                                         "gateway test tokens");
  EXPECT_TRUE(auth.ok()) << auth.status();
  return auth.ok() ? *std::move(auth) : Authorizer::Disabled();
}

std::string Gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

// A gateway with its HTTP server on 127.0.0.1:0.
struct Served {
  std::unique_ptr<Gateway> gateway;
  std::unique_ptr<HttpServer> server;
  int port() const { return server->port(); }
  ~Served() {
    if (server) server->Shutdown(absl::Seconds(1));
  }
};

std::unique_ptr<Served> Serve(GatewayOptions options, Backends backends) {
  auto served = std::make_unique<Served>();
  auto gateway = Gateway::Create(std::move(options), std::move(backends));
  EXPECT_TRUE(gateway.ok()) << gateway.status();
  if (!gateway.ok()) return nullptr;
  served->gateway = *std::move(gateway);
  HttpServerOptions http;
  http.listen = "127.0.0.1:0";
  auto server = HttpServer::Start(http, *served->gateway);
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return nullptr;
  served->server = *std::move(server);
  return served;
}

class GatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test_support::TempDir("gateway");
    auto redis = test_support::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = redis->release();
    // Authentication on the award service only: it calls coverage and coverage calls the
    // registry as themselves, with no token of their own here. That is enough to see the
    // gateway forward (or not) the caller's credential.
    auto registry =
        test_support::RegistryUnderTest::Start(dir_->File("registry"), redis_->address());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = registry->release();
    auto coverage =
        test_support::CoverageUnderTest::Start(registry_->address(), redis_->address(), {});
    ASSERT_TRUE(coverage.ok()) << coverage.status();
    coverage_ = coverage->release();
    test_support::AwardUnderTest::Options award_options;
    award_options.auth = Auth();
    auto award = test_support::AwardUnderTest::Start(
        dir_->File("award"), registry_->address(), coverage_->address(), std::move(award_options));
    ASSERT_TRUE(award.ok()) << award.status();
    award_ = award->release();
    Seed();
    GatewayOptions options;
    options.cors_allowed_origins = {kOrigin};
    options.rate_limit = 0;  // the rate limit has its own gateway below
    served_ = Serve(std::move(options), SuiteBackends()).release();
    ASSERT_NE(served_, nullptr);
  }

  static void TearDownTestSuite() {
    delete served_;
    delete award_;
    delete coverage_;
    delete registry_;
    delete redis_;
    delete dir_;
  }

  static Backends SuiteBackends() {
    return {
        {"paritrana.registry.v1.RegistryService",
         grpc::CreateChannel(registry_->address(), grpc::InsecureChannelCredentials())},
        {"paritrana.coverage.v1.CoverageService",
         grpc::CreateChannel(coverage_->address(), grpc::InsecureChannelCredentials())},
        {"paritrana.award.v1.AwardService",
         grpc::CreateChannel(award_->address(), grpc::InsecureChannelCredentials())},
    };
  }

  // ----- Data: a worker, employer, baseline and target in Kerinci; an evaluated award cycle.

  template <typename Stub, typename Req, typename Resp>
  static absl::StatusOr<Resp> Call(Stub& stub,
                                   grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&,
                                                                Resp*),
                                   const std::type_identity_t<Req>& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kAdmin));
    Resp resp;
    grpc::Status s = (stub.*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

  static void Seed() {
    auto& registry = registry_->registry();
    rv1::CreateEmployerRequest e;
    e.set_employer_id("10000001");
    e.mutable_employer()->set_display_name("UD Kerinci");
    e.mutable_employer()->set_size_class(rv1::EMPLOYER_SIZE_CLASS_SMALL);
    e.mutable_employer()->set_sector("G");
    e.mutable_employer()->set_region("regions/15.01");
    e.mutable_employer()->set_worker_count_declared(10);
    ASSERT_TRUE(registry.CreateEmployer(e).ok());
    rv1::CreateWorkforceBaselineRequest b;
    b.set_parent("regions/15.01");
    b.mutable_workforce_baseline()->set_year(2025);
    b.mutable_workforce_baseline()->set_source(type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    b.mutable_workforce_baseline()->set_potential_workers(20);
    auto baseline = registry.CreateWorkforceBaseline(b);
    ASSERT_TRUE(baseline.ok()) << baseline.status();
    rv1::CreateCoverageTargetRequest t;
    t.set_parent("regions/15.01");
    t.mutable_coverage_target()->set_year(2025);
    t.mutable_coverage_target()->set_target_ratio_percent(40);
    t.mutable_coverage_target()->set_denominator_source(
        type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    auto target = registry.CreateCoverageTarget(t);
    ASSERT_TRUE(target.ok()) << target.status();
    for (int n = 1; n <= 5; ++n) {
      test_support::RegistryUnderTest::Worker w;
      w.n = n;
      w.region = "regions/15.01";
      w.start = D(2024, 12, 1);
      w.covers_through = D(2025, 12, 31);
      registry_->Enroll(w);
    }
    const std::string participant = "participants/24000000001";
    rv1::ListEnrollmentsRequest le;
    le.set_parent(participant);
    auto enrollments = registry.ListEnrollments(le);
    ASSERT_TRUE(enrollments.ok() && enrollments->enrollments_size() > 0);
    const std::string enrollment = enrollments->enrollments(0).name();
    rv1::ListContributionsRequest lc;
    lc.set_parent(enrollment);
    auto contributions = registry.ListContributions(lc);
    ASSERT_TRUE(contributions.ok() && contributions->contributions_size() > 0);

    auto file = clients::LoadRubricFile(PARITRANA_DEFAULT_RUBRIC);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE(award_->award().InstallRubric(file->rubric_id, file->rubric, file->version).ok());
    auto stub = av1::AwardService::NewStub(
        grpc::CreateChannel(award_->address(), grpc::InsecureChannelCredentials()));
    av1::CreateAwardCycleRequest c;
    c.set_award_cycle_id("2025-jambi");
    c.mutable_award_cycle()->set_display_name("Paritrana Award 2025 Jambi");
    c.mutable_award_cycle()->set_year(2025);
    c.mutable_award_cycle()->set_province("regions/15");
    auto* crv = c.mutable_award_cycle()->add_rubric_versions();
    crv->set_category(av1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
    const std::string version = absl::StrCat("rubrics/", file->rubric_id, "/versions/1");
    crv->set_rubric_version(version);
    auto cycle = Call(*stub, &av1::AwardService::Stub::CreateAwardCycle, c);
    ASSERT_TRUE(cycle.ok()) << cycle.status();
    av1::CreateCandidateRequest cc;
    cc.set_parent("cycles/2025-jambi");
    cc.set_candidate_id("kerinci");
    cc.mutable_candidate()->set_category(av1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
    cc.mutable_candidate()->set_subject("regions/15.01");
    auto candidate = Call(*stub, &av1::AwardService::Stub::CreateCandidate, cc);
    ASSERT_TRUE(candidate.ok()) << candidate.status();
    av1::CreateAssessmentRequest a;
    a.set_parent(candidate->name());
    a.set_assessment_id("siti");
    for (const auto& [id, score] :
         std::vector<std::pair<std::string, double>>{{"presentation", 80}, {"head_attends", 1}}) {
      auto* s = a.mutable_assessment()->add_scores();
      s->set_indicator_id(id);
      s->set_score(score);
    }
    auto assessment = Call(*stub, &av1::AwardService::Stub::CreateAssessment, a);
    ASSERT_TRUE(assessment.ok()) << assessment.status();
    av1::EvaluateCycleRequest ev;
    ev.set_name("cycles/2025-jambi");
    auto evaluation = Call(*stub, &av1::AwardService::Stub::EvaluateCycle, ev);
    ASSERT_TRUE(evaluation.ok()) << evaluation.status();

    // One example URL per annotated method: a new annotation without one fails the test below.
    const std::string rubric = absl::StrCat("rubrics/", file->rubric_id);
    examples_ = new std::map<std::string, std::string>{
        {"GetRegion", "/v1/regions/15"},
        {"ListRegions", "/v1/regions?parent=regions%2F15"},
        {"GetWorkforceBaseline", absl::StrCat("/v1/", baseline->name())},
        {"ListWorkforceBaselines", "/v1/regions/15.01/baselines"},
        {"GetCoverageTarget", absl::StrCat("/v1/", target->name())},
        {"ListCoverageTargets", "/v1/regions/15.01/targets"},
        {"GetEmployer", "/v1/employers/10000001"},
        {"ListEmployers", "/v1/employers?region=regions/15"},
        {"GetParticipant", absl::StrCat("/v1/", participant)},
        {"ListParticipants", "/v1/participants?pageSize=3"},
        {"GetEnrollment", absl::StrCat("/v1/", enrollment)},
        {"ListEnrollments", absl::StrCat("/v1/", participant, "/enrollments")},
        {"GetContribution", absl::StrCat("/v1/", contributions->contributions(0).name())},
        {"ListContributions", absl::StrCat("/v1/", enrollment, "/contributions")},
        {"GetCoverage", "/v1/regions/15/coverage?date=2025-12-31"},
        {"GetTargetGap", "/v1/regions/15.01/targetGap?year=2025"},
        {"RankChildRegions", "/v1/regions/15:rankChildren?date=2025-12-31"},
        {"GetCoverageTrend", "/v1/regions/15.01/coverageTrend?startMonth=2025-01&endMonth=2025-12"},
        {"BatchGetCoverage",
         "/v1/regions:batchGetCoverage?regions=regions/15&regions=regions/15.01&date=2025-12-31"},
        {"GetRubric", absl::StrCat("/v1/", rubric)},
        {"ListRubrics", "/v1/rubrics"},
        {"GetRubricVersion", absl::StrCat("/v1/", version)},
        {"ListRubricVersions", absl::StrCat("/v1/", rubric, "/versions")},
        {"GetAwardCycle", "/v1/cycles/2025-jambi"},
        {"ListAwardCycles", "/v1/cycles"},
        {"GetCandidate", absl::StrCat("/v1/", candidate->name())},
        {"ListCandidates", "/v1/cycles/2025-jambi/candidates"},
        {"GetAssessment", absl::StrCat("/v1/", assessment->name())},
        {"ListAssessments", absl::StrCat("/v1/", candidate->name(), "/assessments")},
        {"GetEvaluation", absl::StrCat("/v1/", evaluation->name())},
        {"ListEvaluations", "/v1/cycles/2025-jambi/evaluations"},
    };
  }

  // ----- HTTP

  static httplib::Result Get(int port, const std::string& target, const std::string& token,
                             httplib::Headers headers = {}) {
    httplib::Client client("127.0.0.1", port);
    client.set_decompress(false);
    client.set_read_timeout(30, 0);
    if (!token.empty()) headers.emplace("Authorization", absl::StrCat("Bearer ", token));
    return client.Get(target.c_str(), headers);
  }
  static httplib::Result Get(const std::string& target, const std::string& token = kAdmin,
                             httplib::Headers headers = {}) {
    return Get(served_->port(), target, token, std::move(headers));
  }

  // The google.rpc.Status JSON of an error answer, checked for its shape.
  static json Error(const httplib::Result& r, int http, const std::string& status) {
    EXPECT_TRUE(r) << "no answer";
    if (!r) return json::object();
    EXPECT_EQ(r->status, http) << r->body;
    EXPECT_TRUE(absl::StartsWith(r->get_header_value("Content-Type"), "application/json"));
    json body = json::parse(r->body, nullptr, false);
    EXPECT_FALSE(body.is_discarded()) << r->body;
    if (body.is_discarded()) return json::object();
    EXPECT_EQ(body["error"]["code"], http) << r->body;
    EXPECT_EQ(body["error"]["status"], status) << r->body;
    EXPECT_TRUE(body["error"]["message"].is_string());
    return body["error"];
  }

  // The detail of type `type` ("google.rpc.BadRequest"), or null.
  static json Detail(const json& error, const std::string& type) {
    for (const auto& d : error.value("details", json::array())) {
      if (d["@type"] == absl::StrCat("type.googleapis.com/", type)) return d;
    }
    return nullptr;
  }

  // The gRPC answer to what `target` asks for, as protobuf's JSON (or the error).
  static absl::StatusOr<std::string> GrpcAnswerAsJson(const std::string& target) {
    const size_t q = target.find('?');
    const std::string path = target.substr(0, q);
    const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    auto match = served_->gateway->routes().Find("GET", path);
    if (!match.has_value()) return absl::NotFoundError(path);
    auto request = BuildRequest(*match, query, "");
    if (!request.ok()) return request.status();
    const std::string service = match->route->method->service()->full_name();
    grpc::GenericStub stub(SuiteBackends()[service]);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kAdmin));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    const std::string bytes = (*request)->SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer req(&slice, 1);
    grpc::ByteBuffer resp;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, match->route->grpc_path, grpc::StubOptions(), &req, &resp,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    grpc::Status status = done.get_future().get();
    if (!status.ok()) return FromGrpcStatus(status);
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(resp.Dump(&slices).ok());
    std::string payload;
    for (const auto& s : slices) payload.append(reinterpret_cast<const char*>(s.begin()), s.size());
    std::unique_ptr<google::protobuf::Message> answer(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(match->route->method->output_type())
            ->New());
    EXPECT_TRUE(answer->ParseFromString(payload));
    std::string out;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(*answer, &out).ok());
    return out;
  }

  static test_support::TempDir* dir_;
  static test_support::RedisServer* redis_;
  static test_support::RegistryUnderTest* registry_;
  static test_support::CoverageUnderTest* coverage_;
  static test_support::AwardUnderTest* award_;
  static Served* served_;
  static std::map<std::string, std::string>* examples_;
};

test_support::TempDir* GatewayTest::dir_ = nullptr;
test_support::RedisServer* GatewayTest::redis_ = nullptr;
test_support::RegistryUnderTest* GatewayTest::registry_ = nullptr;
test_support::CoverageUnderTest* GatewayTest::coverage_ = nullptr;
test_support::AwardUnderTest* GatewayTest::award_ = nullptr;
Served* GatewayTest::served_ = nullptr;
std::map<std::string, std::string>* GatewayTest::examples_ = nullptr;

TEST_F(GatewayTest, EveryAnnotatedMethodAnswersWhatItsGrpcMethodAnswers) {
  ASSERT_NE(examples_, nullptr);
  std::set<std::string> covered;
  for (const Route& route : served_->gateway->routes().routes()) {
    const std::string& name = route.method->name();
    auto example = examples_->find(name);
    ASSERT_NE(example, examples_->end()) << name << " is annotated: give it an example URL here";
    const std::string& target = example->second;
    // The example must reach this route, not another one.
    const std::string path = target.substr(0, target.find('?'));
    auto match = served_->gateway->routes().Find("GET", path);
    ASSERT_TRUE(match.has_value()) << target;
    EXPECT_EQ(match->route->method, route.method) << target;

    auto http = Get(target);
    ASSERT_TRUE(http) << target;
    ASSERT_EQ(http->status, 200) << target << ": " << http->body;
    EXPECT_EQ(http->get_header_value("Cache-Control"), "private, no-cache");
    EXPECT_FALSE(http->get_header_value("ETag").empty());
    const absl::StatusOr<std::string> grpc = GrpcAnswerAsJson(target);
    ASSERT_TRUE(grpc.ok()) << target << ": " << grpc.status();
    EXPECT_EQ(json::parse(http->body), json::parse(*grpc)) << target;
    covered.insert(name);
  }
  // The read-only surface the issue names, and nothing that reads NIKs by value or exports.
  for (const char* m : {"GetCoverage", "RankChildRegions", "GetEvaluation", "GetRegion"}) {
    EXPECT_TRUE(covered.contains(m)) << m;
  }
  for (const char* m : {"FindParticipantByNik", "ExportPersonalData", "CreateParticipant"}) {
    EXPECT_FALSE(covered.contains(m)) << m;
  }
}

TEST_F(GatewayTest, BadQueriesAre400WithFieldViolations) {
  json error = Error(Get("/v1/regions/15/coverage?colour=red"), 400, "INVALID_ARGUMENT");
  json bad = Detail(error, "google.rpc.BadRequest");
  ASSERT_TRUE(bad.is_object()) << error;
  EXPECT_EQ(bad["fieldViolations"][0]["field"], "colour");
  // A service's own validation comes back with its details.
  error = Error(Get("/v1/regions/15:rankChildren?date=2025-02-30"), 400, "INVALID_ARGUMENT");
  EXPECT_TRUE(Detail(error, "google.rpc.ErrorInfo").is_object()) << error;
  bad = Detail(error, "google.rpc.BadRequest");
  ASSERT_TRUE(bad.is_object()) << error;
  EXPECT_EQ(bad["fieldViolations"][0]["field"], "date");
}

TEST_F(GatewayTest, NoTokenIs401AndAWrongRoleIs403) {
  Error(Get("/v1/cycles/2025-jambi", ""), 401, "UNAUTHENTICATED");
  Error(Get("/v1/cycles/2025-jambi", "not-a-token-of-this-suite"), 401, "UNAUTHENTICATED");
  // Analysts may not read assessments; the assessor may.
  const std::string assessment = "/v1/cycles/2025-jambi/candidates/kerinci/assessments/siti";
  Error(Get(assessment, kAnalyst), 403, "PERMISSION_DENIED");
  auto assessor = Get(assessment, kSiti);
  ASSERT_TRUE(assessor);
  EXPECT_EQ(assessor->status, 200) << assessor->body;
}

TEST_F(GatewayTest, UnknownResourcesAndUnservedMethodsAre404) {
  json error = Error(Get("/v1/employers/99999999"), 404, "NOT_FOUND");
  EXPECT_TRUE(Detail(error, "google.rpc.ErrorInfo").is_object());
  Error(Get("/v1/cycles/no-such-cycle/evaluations/1"), 404, "NOT_FOUND");
  Error(Get("/v1/nothing/here"), 404, "NOT_FOUND");
  // FindParticipantByNik has no annotation: no URL reaches it.
  Error(Get("/v1/participants:findByNik?nik=1571010101900001"), 404, "NOT_FOUND");
  Error(Get("/no/such/file.txt"), 404, "NOT_FOUND");
  // An annotated path with another method.
  httplib::Client client("127.0.0.1", served_->port());
  auto post = client.Post("/v1/regions", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD, OPTIONS");
}

// Input that HTTP allows but gRPC or a proto string does not: each is refused with an error
// answer, and the gateway keeps serving (a tab in a metadata value once aborted the process
// inside gRPC; bytes that are not UTF-8 once made the error's JSON throw).
TEST_F(GatewayTest, HostileInputIsRefusedAndTheGatewayKeepsServing) {
  const std::string coverage = "/v1/regions/15/coverage?date=2024-08-12";
  EXPECT_TRUE(absl::StrContains(
      Error(Get(coverage, "a\tb"), 401, "UNAUTHENTICATED")["message"].get<std::string>(),
      "characters no credential has"));
  Error(Get(coverage, "caf\xc3\xa9"), 401, "UNAUTHENTICATED");
  json error = Error(Get("/v1/regions?%FF=1"), 400, "INVALID_ARGUMENT");
  EXPECT_TRUE(Detail(error, "google.rpc.BadRequest").is_object());
  Error(Get("/v1/regions/15/coverage?date=2024-08-12&region=%C0%AF"), 400, "INVALID_ARGUMENT");
  Error(Get("/v1/regions/%FF/coverage"), 404, "NOT_FOUND");
  Error(Get("/v1/no/\xff/such"), 404, "NOT_FOUND");
  auto still = Get(coverage);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200) << still->body;
  // HEAD answers the length its GET would have, without the body.
  httplib::Client client("127.0.0.1", served_->port());
  auto head = client.Head(coverage.c_str(), {{"Authorization", absl::StrCat("Bearer ", kAdmin)}});
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(still->body.size()));
}

TEST_F(GatewayTest, DashboardFilesCarryProtectiveHeaders) {
  for (const std::string path : {"/", "/app.js", "/dashboard/style.css"}) {
    auto r = Get(path, "");
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_TRUE(
        absl::StrContains(r->get_header_value("Content-Security-Policy"), "frame-ancestors 'none'"))
        << path;
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << path;
  }
}

TEST_F(GatewayTest, RateLimitIs429WithRetryAfterPerCaller) {
  GatewayOptions options;
  options.rate_limit = 0.5;
  options.rate_limit_burst = 2;
  auto limited = Serve(std::move(options), SuiteBackends());
  ASSERT_NE(limited, nullptr);
  for (int i = 0; i < 2; ++i) {
    auto r = Get(limited->port(), "/v1/regions/15", kAdmin);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << i;
  }
  auto refused = Get(limited->port(), "/v1/regions/15", kAdmin);
  json error = Error(refused, 429, "RESOURCE_EXHAUSTED");
  int retry_after = 0;
  ASSERT_TRUE(absl::SimpleAtoi(refused->get_header_value("Retry-After"), &retry_after));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 2);
  json retry = Detail(error, "google.rpc.RetryInfo");
  ASSERT_TRUE(retry.is_object()) << error;
  EXPECT_TRUE(retry["retryDelay"].is_string());
  // Another caller has its own bucket.
  auto other = Get(limited->port(), "/v1/regions/15", kAnalyst);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
}

TEST_F(GatewayTest, AStoppedBackendIs503AndNotReady) {
  // A coverage service of its own, stopped once the gateway is connected.
  auto coverage =
      test_support::CoverageUnderTest::Start(registry_->address(), redis_->address(), {});
  ASSERT_TRUE(coverage.ok()) << coverage.status();
  Backends backends = SuiteBackends();
  backends["paritrana.coverage.v1.CoverageService"] =
      grpc::CreateChannel((*coverage)->address(), grpc::InsecureChannelCredentials());
  GatewayOptions options;
  auto served = Serve(std::move(options), std::move(backends));
  ASSERT_NE(served, nullptr);
  auto ready = Get(served->port(), "/readyz", "");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  auto before = Get(served->port(), "/v1/regions/15/coverage?date=2025-12-31", kAdmin);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200) << before->body;
  (*coverage)->host().Drain();
  json error = Error(Get(served->port(), "/v1/regions/15/coverage?date=2025-12-31", kAdmin), 503,
                     "UNAVAILABLE");
  // gRPC's own message names addresses; the caller gets a plain one.
  EXPECT_FALSE(absl::StrContains(error["message"].get<std::string>(), "127.0.0.1")) << error;
  EXPECT_EQ(Detail(error, "google.rpc.ErrorInfo")["reason"], "BACKEND_UNAVAILABLE");
  ready = Get(served->port(), "/readyz", "");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503) << ready->body;
  auto health = Get(served->port(), "/healthz", "");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(GatewayTest, ETagGives304UntilAWriteToTheProvince) {
  const std::string target = "/v1/regions/15/coverage?date=2025-12-31";
  auto first = Get(target);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  const std::string etag = first->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');

  auto again = Get(target, kAdmin, {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(again->get_header_value("ETag"), etag);
  auto star = Get(target, kAdmin, {{"If-None-Match", "*"}});
  ASSERT_TRUE(star);
  EXPECT_EQ(star->status, 304);
  auto other = Get(target, kAdmin, {{"If-None-Match", "\"0000000000000000\""}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);

  // A new worker in Kerinci: the province's generation moves, so does the tag.
  test_support::RegistryUnderTest::Worker w;
  w.n = 50;
  w.region = "regions/15.01";
  w.start = D(2025, 1, 1);
  w.covers_through = D(2025, 12, 31);
  registry_->Enroll(w);
  auto after = Get(target, kAdmin, {{"If-None-Match", etag}});
  ASSERT_TRUE(after);
  ASSERT_EQ(after->status, 200) << after->body;
  EXPECT_NE(after->get_header_value("ETag"), etag);
  EXPECT_NE(json::parse(after->body), json::parse(first->body));
}

TEST_F(GatewayTest, GzipWhenAccepted) {
  auto plain = Get("/v1/regions?parent=regions%2F15");
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200);
  ASSERT_GE(plain->body.size(), 1024u) << "too small to be compressed";
  auto zipped = Get("/v1/regions?parent=regions%2F15", kAdmin, {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(zipped);
  ASSERT_EQ(zipped->status, 200);
  EXPECT_EQ(zipped->get_header_value("Content-Encoding"), "gzip");
  EXPECT_LT(zipped->body.size(), plain->body.size());
  EXPECT_EQ(json::parse(Gunzip(zipped->body)), json::parse(plain->body));
}

TEST_F(GatewayTest, CorsPreflightAndHeaders) {
  httplib::Client client("127.0.0.1", served_->port());
  auto preflight = client.Options("/v1/regions/15/coverage",
                                  {{"Origin", kOrigin},
                                   {"Access-Control-Request-Method", "GET"},
                                   {"Access-Control-Request-Headers", "authorization"}});
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), kOrigin);
  EXPECT_TRUE(
      absl::StrContains(preflight->get_header_value("Access-Control-Allow-Methods"), "GET"));
  EXPECT_TRUE(absl::StrContains(preflight->get_header_value("Access-Control-Allow-Headers"),
                                "authorization"));
  EXPECT_EQ(preflight->get_header_value("Access-Control-Max-Age"), "600");

  auto answer = Get("/v1/regions/15", kAdmin, {{"Origin", kOrigin}});
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->get_header_value("Access-Control-Allow-Origin"), kOrigin);
  EXPECT_TRUE(absl::StrContains(answer->get_header_value("Access-Control-Expose-Headers"), "etag"));
  EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(answer->get_header_value("Vary")), "origin"));
  // An origin not listed gets no grant.
  auto stranger = Get("/v1/regions/15", kAdmin, {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(stranger);
  EXPECT_FALSE(stranger->has_header("Access-Control-Allow-Origin"));
}

TEST_F(GatewayTest, RequestIdsAreEchoedOrMade) {
  auto given = Get("/v1/regions/15", kAdmin, {{"X-Request-Id", "mobile-req-42"}});
  ASSERT_TRUE(given);
  EXPECT_EQ(given->get_header_value("X-Request-Id"), "mobile-req-42");
  auto made = Get("/v1/regions/15");
  ASSERT_TRUE(made);
  EXPECT_FALSE(made->get_header_value("X-Request-Id").empty());
  auto error = Get("/v1/regions/99", kAdmin, {{"X-Request-Id", "mobile-req-43"}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->get_header_value("X-Request-Id"), "mobile-req-43");
}

TEST_F(GatewayTest, OpenApiListsEveryAnnotatedPath) {
  auto r = Get("/v1/openapi.json", "");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const json doc = json::parse(r->body, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["openapi"], "3.0.3");
  std::set<std::string> templates;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [verb, op] : item.items()) {
      templates.insert(op["x-google-path-template"].get<std::string>());
    }
  }
  for (const Route& route : served_->gateway->routes().routes()) {
    EXPECT_TRUE(templates.contains(route.path.text)) << route.path.text;
  }
  EXPECT_TRUE(doc["paths"].contains("/v1/regions/{regionsId}:rankChildren"));
  auto cached = Get("/v1/openapi.json", "", {{"If-None-Match", r->get_header_value("ETag")}});
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->status, 304);
}

}  // namespace
}  // namespace paritrana::gateway
