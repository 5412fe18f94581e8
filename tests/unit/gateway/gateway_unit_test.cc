// The gateway's pure parts: path templates, the route table read from the annotations, query
// parsing into request messages, the gRPC -> HTTP status mapping with google.rpc.Status bodies,
// the rate limiter and the OpenAPI document.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gateway/http_rules.h"
#include "gateway/openapi.h"
#include "gateway/rate_limiter.h"
#include "gateway/status_json.h"
#include "gateway/transcoder.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "paritrana/coverage/v1/coverage.pb.h"
#include "paritrana/registry/v1/registry.pb.h"
#include "platform/errors.h"

namespace paritrana::gateway {
namespace {

using Bindings = std::vector<std::pair<std::string, std::string>>;

PathTemplate Parse(absl::string_view text) {
  auto t = ParsePathTemplate(text);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : PathTemplate{};
}

TEST(PathTemplateTest, BindsAWholeResourceNameToItsField) {
  const PathTemplate t = Parse("/v1/{region=regions/*}/coverage");
  EXPECT_EQ(MatchPath(t, "/v1/regions/15/coverage"), (Bindings{{"region", "regions/15"}}));
  // Region codes have dots; a '*' segment takes them.
  EXPECT_EQ(MatchPath(t, "/v1/regions/15.08.01/coverage"),
            (Bindings{{"region", "regions/15.08.01"}}));
  EXPECT_FALSE(MatchPath(t, "/v1/regions/15/coverage/x").has_value());
  EXPECT_FALSE(MatchPath(t, "/v1/employers/15/coverage").has_value());
  EXPECT_FALSE(MatchPath(t, "/v1/regions//coverage").has_value());
  EXPECT_FALSE(MatchPath(t, "/v1/regions/15/coverage/").has_value());
}

TEST(PathTemplateTest, SplitsTheCustomVerbAtTheLastColon) {
  const PathTemplate t = Parse("/v1/{parent=regions/*}:rankChildren");
  EXPECT_EQ(t.verb, "rankChildren");
  EXPECT_EQ(MatchPath(t, "/v1/regions/15:rankChildren"), (Bindings{{"parent", "regions/15"}}));
  EXPECT_FALSE(MatchPath(t, "/v1/regions/15").has_value());
  EXPECT_FALSE(MatchPath(t, "/v1/regions/15:other").has_value());
  const PathTemplate batch = Parse("/v1/regions:batchGetCoverage");
  EXPECT_EQ(MatchPath(batch, "/v1/regions:batchGetCoverage"), Bindings{});
  EXPECT_FALSE(MatchPath(Parse("/v1/{name=regions/*}"), "/v1/regions:batchGetCoverage"));
}

TEST(PathTemplateTest, NestedNamesMultiSegmentsAndPercentDecoding) {
  const PathTemplate t = Parse("/v1/{name=cycles/*/evaluations/*}");
  EXPECT_EQ(MatchPath(t, "/v1/cycles/2024-jambi/evaluations/1"),
            (Bindings{{"name", "cycles/2024-jambi/evaluations/1"}}));
  EXPECT_EQ(MatchPath(Parse("/v1/{name}"), "/v1/a%20b"), (Bindings{{"name", "a b"}}));
  EXPECT_EQ(MatchPath(Parse("/v1/{path=files/**}"), "/v1/files/a/b/c"),
            (Bindings{{"path", "files/a/b/c"}}));
  EXPECT_FALSE(MatchPath(Parse("/v1/{name}"), "/v1/a%2").has_value());
}

TEST(PathTemplateTest, RefusesBadTemplates) {
  for (const char* bad : {"v1/x", "/v1/{name", "/v1/name}", "/v1/{a={b}}", "/v1//x", "/v1/**/x",
                          "/v1/x:", "/v1/x/"}) {
    EXPECT_FALSE(ParsePathTemplate(bad).ok()) << bad;
  }
}

TEST(RouteTableTest, ServesExactlyTheAnnotatedMethods) {
  auto table = RouteTable::FromGeneratedPool(RouteTable::DefaultServices());
  ASSERT_TRUE(table.ok()) << table.status();
  std::set<std::string> methods;
  for (const Route& r : table->routes()) {
    methods.insert(r.method->full_name());
    EXPECT_EQ(r.http_method, "GET") << r.path.text;
  }
  EXPECT_TRUE(methods.contains("paritrana.coverage.v1.CoverageService.GetCoverage"));
  EXPECT_TRUE(methods.contains("paritrana.award.v1.AwardService.GetEvaluation"));
  EXPECT_FALSE(methods.contains("paritrana.registry.v1.RegistryService.FindParticipantByNik"));
  EXPECT_FALSE(methods.contains("paritrana.registry.v1.RegistryService.ExportPersonalData"));
  EXPECT_FALSE(methods.contains("paritrana.registry.v1.RegistryService.CreateParticipant"));

  auto m = table->Find("GET", "/v1/regions/15:rankChildren");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->route->grpc_path, "/paritrana.coverage.v1.CoverageService/RankChildRegions");
  m = table->Find("GET", "/v1/regions/15.08");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->route->method->name(), "GetRegion");
  m = table->Find("GET", "/v1/regions");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->route->method->name(), "ListRegions");
  m = table->Find("GET", "/v1/cycles/2024-jambi/evaluations/1");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->route->method->name(), "GetEvaluation");
  EXPECT_EQ(m->bindings, (Bindings{{"name", "cycles/2024-jambi/evaluations/1"}}));
  EXPECT_FALSE(table->Find("POST", "/v1/regions").has_value());
  EXPECT_EQ(table->MethodsFor("/v1/regions"), std::vector<std::string>{"GET"});
  EXPECT_FALSE(table->Find("GET", "/v1/nothing").has_value());
}

TEST(QueryTest, ParsesAndDecodes) {
  auto q = ParseQuery("a=1&b=x%2Fy&c=two+words&&d");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, (Bindings{{"a", "1"}, {"b", "x/y"}, {"c", "two words"}, {"d", ""}}));
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
}

TEST(QueryTest, BuildsTheRequestFromPathAndQuery) {
  auto table = RouteTable::FromGeneratedPool(RouteTable::DefaultServices());
  ASSERT_TRUE(table.ok());
  auto match = table->Find("GET", "/v1/regions/15/coverage");
  ASSERT_TRUE(match.has_value());
  auto request = BuildRequest(*match, "date=2024-08-12&segment=SEGMENT_BPU&region=regions/99", "");
  ASSERT_TRUE(request.ok()) << request.status();
  const auto& get = static_cast<const coverage::v1::GetCoverageRequest&>(**request);
  EXPECT_EQ(get.region(), "regions/15");  // the path wins
  EXPECT_EQ(get.date().year(), 2024);
  EXPECT_EQ(get.date().month(), 8);
  EXPECT_EQ(get.date().day(), 12);
  EXPECT_EQ(get.segment(), type::v1::SEGMENT_BPU);

  match = table->Find("GET", "/v1/regions:batchGetCoverage");
  ASSERT_TRUE(match.has_value());
  request = BuildRequest(*match,
                         "regions=regions/15&regions=regions/16&date.year=2024&date.month=1"
                         "&date.day=31&denominator_source=1",
                         "");
  ASSERT_TRUE(request.ok()) << request.status();
  const auto& batch = static_cast<const coverage::v1::BatchGetCoverageRequest&>(**request);
  ASSERT_EQ(batch.regions_size(), 2);
  EXPECT_EQ(batch.regions(1), "regions/16");
  EXPECT_EQ(batch.date().day(), 31);
  EXPECT_TRUE(batch.has_denominator_source());

  match = table->Find("GET", "/v1/regions/15/coverageTrend");
  ASSERT_TRUE(match.has_value());
  request = BuildRequest(*match, "startMonth=2024-01&end_month.year=2024&endMonth.month=6", "");
  ASSERT_TRUE(request.ok()) << request.status();
  const auto& trend = static_cast<const coverage::v1::GetCoverageTrendRequest&>(**request);
  EXPECT_EQ(trend.start_month().month(), 1);
  EXPECT_EQ(trend.end_month().month(), 6);

  match = table->Find("GET", "/v1/regions");
  ASSERT_TRUE(match.has_value());
  request = BuildRequest(*match, "pageSize=5&parent=regions%2F15", "");
  ASSERT_TRUE(request.ok()) << request.status();
  const auto& list = static_cast<const registry::v1::ListRegionsRequest&>(**request);
  EXPECT_EQ(list.page_size(), 5);
  EXPECT_EQ(list.parent(), "regions/15");
}

TEST(QueryTest, UnknownOrMalformedParametersAreFieldViolations) {
  auto table = RouteTable::FromGeneratedPool(RouteTable::DefaultServices());
  ASSERT_TRUE(table.ok());
  auto match = table->Find("GET", "/v1/regions/15/coverage");
  ASSERT_TRUE(match.has_value());
  auto request = BuildRequest(*match, "colour=red&date=12-08-2024&segment=NOPE", "");
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad = GetBadRequest(request.status());
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 3);
  EXPECT_EQ(bad->field_violations(0).field(), "colour");
  EXPECT_EQ(bad->field_violations(1).field(), "date");
  EXPECT_EQ(bad->field_violations(2).field(), "segment");
  EXPECT_FALSE(BuildRequest(*match, "date.century=1", "").ok());
  EXPECT_FALSE(BuildRequest(*match, "region.x=1", "").ok());
}

TEST(StatusJsonTest, MapsEveryCodeAsGoogleDoes) {
  const std::pair<grpc::StatusCode, int> expected[] = {
      {grpc::StatusCode::OK, 200},
      {grpc::StatusCode::CANCELLED, 499},
      {grpc::StatusCode::UNKNOWN, 500},
      {grpc::StatusCode::INVALID_ARGUMENT, 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504},
      {grpc::StatusCode::NOT_FOUND, 404},
      {grpc::StatusCode::ALREADY_EXISTS, 409},
      {grpc::StatusCode::PERMISSION_DENIED, 403},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {grpc::StatusCode::FAILED_PRECONDITION, 400},
      {grpc::StatusCode::ABORTED, 409},
      {grpc::StatusCode::OUT_OF_RANGE, 400},
      {grpc::StatusCode::UNIMPLEMENTED, 501},
      {grpc::StatusCode::INTERNAL, 500},
      {grpc::StatusCode::UNAVAILABLE, 503},
      {grpc::StatusCode::DATA_LOSS, 500},
      {grpc::StatusCode::UNAUTHENTICATED, 401},
  };
  for (const auto& [code, http] : expected) {
    EXPECT_EQ(HttpStatusOf(code), http) << code;
    if (code == grpc::StatusCode::OK) continue;
    const HttpResponse r = ErrorResponse(grpc::Status(code, "boom"));
    EXPECT_EQ(r.status, http);
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["error"]["code"], http);
    EXPECT_EQ(body["error"]["status"], StatusName(code));
    EXPECT_EQ(body["error"]["message"], "boom");
  }
  EXPECT_EQ(StatusName(grpc::StatusCode::ALREADY_EXISTS), "ALREADY_EXISTS");
}

TEST(StatusJsonTest, CarriesTheDetailsAsTypedJson) {
  // What a service sends: ToGrpcStatus of a field error (BadRequest + ErrorInfo).
  const HttpResponse r = ErrorResponse(InvalidField("date", "must be a valid date"));
  EXPECT_EQ(r.status, 400);
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"]["status"], "INVALID_ARGUMENT");
  bool bad_request = false;
  bool error_info = false;
  for (const auto& d : body["error"]["details"]) {
    if (d["@type"] == "type.googleapis.com/google.rpc.BadRequest") {
      bad_request = true;
      EXPECT_EQ(d["fieldViolations"][0]["field"], "date");
      EXPECT_EQ(d["fieldViolations"][0]["description"], "must be a valid date");
    }
    if (d["@type"] == "type.googleapis.com/google.rpc.ErrorInfo") {
      error_info = true;
      EXPECT_EQ(d["domain"], "paritrana.id");
    }
  }
  EXPECT_TRUE(bad_request) << r.body;
  EXPECT_TRUE(error_info) << r.body;
  // 409 from ALREADY_EXISTS keeps its reason.
  const HttpResponse conflict =
      ErrorResponse(WithReason(absl::AlreadyExistsError("regions/15.99 exists"), "ALREADY_EXISTS"));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_NE(conflict.body.find("ALREADY_EXISTS"), std::string::npos);
}

TEST(RateLimiterTest, RefillsAtTheRateAndSaysWhenToRetry) {
  RateLimiter limiter(/*rate=*/2, /*burst=*/3);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("a", t0).admitted) << i;
  const RateLimiter::Decision refused = limiter.Admit("a", t0);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after, absl::Milliseconds(500));
  EXPECT_TRUE(limiter.Admit("b", t0).admitted);  // another caller has its own bucket
  EXPECT_TRUE(limiter.Admit("a", t0 + absl::Milliseconds(500)).admitted);
  EXPECT_FALSE(limiter.Admit("a", t0 + absl::Milliseconds(600)).admitted);
  // Never more than the burst, however long the pause.
  const absl::Time later = t0 + absl::Hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("a", later).admitted);
  EXPECT_FALSE(limiter.Admit("a", later).admitted);
}

TEST(RateLimiterTest, MemoryStaysBounded) {
  RateLimiter limiter(/*rate=*/10, /*burst=*/10, /*max_callers=*/100);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 10000; ++i) {
    limiter.Admit(absl::StrCat("caller-", i), t0 + absl::Milliseconds(i));
    ASSERT_LE(limiter.size(), 100u);
  }
  RateLimiter off(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(off.Admit("x").admitted);
  EXPECT_EQ(off.size(), 0u);
}

TEST(RateLimiterTest, KeysCallersByAHashOfTheirCredentialOrTheirAddress) {
  HttpRequest a;
  a.headers = {{"authorization", "Bearer secret-token-1234567890"}};
  a.peer = "10.0.0.1:5555";
  const std::string key = CallerKey(a);
  EXPECT_EQ(key.find("secret"), std::string::npos);
  a.peer = "10.0.0.2:1";
  EXPECT_EQ(CallerKey(a), key);  // the token, not the address
  HttpRequest anonymous;
  anonymous.peer = "10.0.0.1:5555";
  HttpRequest same_ip;
  same_ip.peer = "10.0.0.1:6666";
  EXPECT_EQ(CallerKey(anonymous), CallerKey(same_ip));
  HttpRequest v6;
  v6.peer = "[::1]:8080";
  EXPECT_EQ(CallerKey(v6), "p:::1");
}

TEST(OpenApiTest, DescribesEveryRoute) {
  auto table = RouteTable::FromGeneratedPool(RouteTable::DefaultServices());
  ASSERT_TRUE(table.ok());
  const nlohmann::json doc = OpenApiDocument(*table);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  std::set<std::string> templates;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [verb, op] : item.items()) {
      templates.insert(op["x-google-path-template"].get<std::string>());
      for (const auto& p : op["parameters"]) {
        if (p["in"] == "path") {
          EXPECT_NE(path.find(absl::StrCat("{", p["name"].get<std::string>(), "}")),
                    std::string::npos)
              << path;
        }
      }
      const std::string ref =
          op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"];
      EXPECT_TRUE(doc["components"]["schemas"].contains(ref.substr(ref.rfind('/') + 1))) << ref;
    }
  }
  for (const Route& r : table->routes())
    EXPECT_TRUE(templates.contains(r.path.text)) << r.path.text;
  EXPECT_TRUE(doc["paths"].contains("/v1/regions/{regionsId}/coverage"));
  EXPECT_TRUE(doc["paths"].contains("/v1/cycles/{cyclesId}/evaluations/{evaluationsId}"));
  const auto& coverage = doc["paths"]["/v1/regions/{regionsId}/coverage"]["get"];
  bool date = false;
  for (const auto& p : coverage["parameters"]) {
    if (p["name"] == "date") date = p["schema"]["format"] == "date";
  }
  EXPECT_TRUE(date);
  const auto& region = doc["components"]["schemas"]["paritrana.coverage.v1.RegionCoverage"];
  ASSERT_TRUE(region.contains("properties"));
  EXPECT_TRUE(doc["components"]["securitySchemes"].contains("bearerAuth"));
}

}  // namespace
}  // namespace paritrana::gateway
