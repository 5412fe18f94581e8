// The API conventions of docs/api.md ("Conventions") across the three services: real registry,
// coverage and award servers in-process on port 0 give the same code, reason and detail keys for
// a reused request id, the update mask "*", a bad page token and an unknown resource.
#include <memory>
#include <set>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "clients/rubric_file.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "paritrana/award/v1/award.grpc.pb.h"
#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "tests/support/award_under_test.h"
#include "tests/support/coverage_under_test.h"
#include "tests/support/redis_server.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana {
namespace {

namespace av1 = award::v1;
namespace cv1 = coverage::v1;
namespace rv1 = registry::v1;

// What a client can see of an error: its code, ErrorInfo reason and metadata keys, and the
// fields of its violations.
struct Seen {
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string reason;
  std::set<std::string> keys;
  std::map<std::string, std::string> metadata;
  std::vector<std::string> fields;
  std::string first_description;
};

Seen See(const absl::Status& s) {
  Seen out;
  out.code = s.code();
  if (auto info = GetErrorInfo(s)) {
    out.reason = info->reason();
    for (const auto& [k, v] : info->metadata()) {
      out.keys.insert(k);
      out.metadata[k] = v;
    }
  }
  if (auto bad = GetBadRequest(s)) {
    for (const auto& v : bad->field_violations()) out.fields.push_back(v.field());
    if (bad->field_violations_size() > 0) {
      out.first_description = bad->field_violations(0).description();
    }
  }
  return out;
}

std::string Value(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? "<absent>" : it->second;
}

// One unary call on any stub; the error decoded with its details.
template <typename Stub, typename Req, typename Resp>
absl::StatusOr<Resp> Call(Stub& stub,
                          grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                          const std::type_identity_t<Req>& req) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  Resp resp;
  grpc::Status s = (stub.*method)(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}

class ConventionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = test_support::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    auto registry = test_support::RegistryUnderTest::Start(dir_.path(), redis_->address());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    auto coverage =
        test_support::CoverageUnderTest::Start(registry_->address(), redis_->address(), {});
    ASSERT_TRUE(coverage.ok()) << coverage.status();
    coverage_ = std::move(*coverage);
    // Authentication off: every caller is an admin.
    auto award = test_support::AwardUnderTest::Start(dir_.path(), registry_->address(),
                                                     coverage_->address(), {});
    ASSERT_TRUE(award.ok()) << award.status();
    award_ = std::move(*award);

    registry_stub_ = rv1::RegistryService::NewStub(
        grpc::CreateChannel(registry_->address(), grpc::InsecureChannelCredentials()));
    coverage_stub_ = cv1::CoverageService::NewStub(
        grpc::CreateChannel(coverage_->address(), grpc::InsecureChannelCredentials()));
    award_stub_ = av1::AwardService::NewStub(
        grpc::CreateChannel(award_->address(), grpc::InsecureChannelCredentials()));
  }

  // A rubric with the shipped regency rubric as its first version; returns the version.
  av1::RubricVersion CreateRubricVersion() {
    auto file = clients::LoadRubricFile(PARITRANA_DEFAULT_RUBRIC);
    EXPECT_TRUE(file.ok()) << file.status();
    if (!file.ok()) return {};
    av1::CreateRubricRequest r;
    r.set_rubric_id(file->rubric_id);
    *r.mutable_rubric() = file->rubric;
    auto rubric = Call(*award_stub_, &av1::AwardService::Stub::CreateRubric, r);
    EXPECT_TRUE(rubric.ok()) << rubric.status();
    av1::CreateRubricVersionRequest v;
    v.set_parent(absl::StrCat("rubrics/", file->rubric_id));
    *v.mutable_rubric_version() = file->version;
    auto version = Call(*award_stub_, &av1::AwardService::Stub::CreateRubricVersion, v);
    EXPECT_TRUE(version.ok()) << version.status();
    return version.ok() ? *version : av1::RubricVersion();
  }

  test_support::TempDir dir_{"conventions"};  // first, so it is removed last
  std::unique_ptr<test_support::RedisServer> redis_;
  std::unique_ptr<test_support::RegistryUnderTest> registry_;
  std::unique_ptr<test_support::CoverageUnderTest> coverage_;
  std::unique_ptr<test_support::AwardUnderTest> award_;
  std::unique_ptr<rv1::RegistryService::Stub> registry_stub_;
  std::unique_ptr<cv1::CoverageService::Stub> coverage_stub_;
  std::unique_ptr<av1::AwardService::Stub> award_stub_;
};

// AIP-155: the same id and request returns the first result; the same id with another request is
// ALREADY_EXISTS REQUEST_ID_REUSED with metadata `request_id`; one grammar, `.` included.
TEST_F(ConventionsTest, ReusedRequestIdIsTheSameEverywhere) {
  const std::string id = "conventions.0b5c6a1e-2f0e_4c8e";  // '.', '-' and '_' in both services

  rv1::CreateRegionRequest region;
  region.set_region_id("15.08.02");
  region.set_request_id(id);
  region.mutable_region()->set_display_name("Kecamatan Pelepat Ilir");
  auto first_region = Call(*registry_stub_, &rv1::RegistryService::Stub::CreateRegion, region);
  ASSERT_TRUE(first_region.ok()) << first_region.status();
  auto again_region = Call(*registry_stub_, &rv1::RegistryService::Stub::CreateRegion, region);
  ASSERT_TRUE(again_region.ok()) << again_region.status();
  EXPECT_EQ(again_region->name(), first_region->name());
  EXPECT_EQ(again_region->create_time().seconds(), first_region->create_time().seconds());
  EXPECT_EQ(again_region->create_time().nanos(), first_region->create_time().nanos());
  region.mutable_region()->set_display_name("Something else");
  const Seen registry_reused =
      See(Call(*registry_stub_, &rv1::RegistryService::Stub::CreateRegion, region).status());

  av1::CreateRubricRequest rubric;
  rubric.set_rubric_id("conventions");
  rubric.set_request_id(id);
  rubric.mutable_rubric()->set_category(av1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
  rubric.mutable_rubric()->set_display_name("Conventions");
  auto first_rubric = Call(*award_stub_, &av1::AwardService::Stub::CreateRubric, rubric);
  ASSERT_TRUE(first_rubric.ok()) << first_rubric.status();
  auto again_rubric = Call(*award_stub_, &av1::AwardService::Stub::CreateRubric, rubric);
  ASSERT_TRUE(again_rubric.ok()) << again_rubric.status();
  EXPECT_EQ(again_rubric->name(), first_rubric->name());
  EXPECT_EQ(again_rubric->create_time().seconds(), first_rubric->create_time().seconds());
  EXPECT_EQ(again_rubric->create_time().nanos(), first_rubric->create_time().nanos());
  rubric.mutable_rubric()->set_display_name("Something else");
  const Seen award_reused =
      See(Call(*award_stub_, &av1::AwardService::Stub::CreateRubric, rubric).status());

  for (const Seen& seen : {registry_reused, award_reused}) {
    EXPECT_EQ(seen.code, absl::StatusCode::kAlreadyExists);
    EXPECT_EQ(seen.reason, "REQUEST_ID_REUSED");
    EXPECT_EQ(seen.keys, std::set<std::string>{"request_id"});
    EXPECT_EQ(Value(seen.metadata, "request_id"), id);
  }

  // A malformed id is INVALID_ARGUMENT on `request_id` in both, with the same description.
  region.set_region_id("15.08.03");
  region.set_request_id("has spaces");
  rubric.set_rubric_id("conventions-2");
  rubric.set_request_id("has spaces");
  const Seen registry_bad =
      See(Call(*registry_stub_, &rv1::RegistryService::Stub::CreateRegion, region).status());
  const Seen award_bad =
      See(Call(*award_stub_, &av1::AwardService::Stub::CreateRubric, rubric).status());
  for (const Seen& seen : {registry_bad, award_bad}) {
    EXPECT_EQ(seen.code, absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(seen.reason, "INVALID_FIELDS");
    EXPECT_EQ(seen.fields, std::vector<std::string>{"request_id"});
  }
  EXPECT_EQ(registry_bad.first_description, award_bad.first_description);
}

// AIP-161: "*" is every updatable path in both services; an empty mask and a path that cannot be
// updated are INVALID_ARGUMENT on `update_mask`, described the same way.
TEST_F(ConventionsTest, UpdateMaskRulesAreTheSameEverywhere) {
  rv1::GetRegionRequest get;
  get.set_name("regions/15");
  auto jambi = Call(*registry_stub_, &rv1::RegistryService::Stub::GetRegion, get);
  ASSERT_TRUE(jambi.ok()) << jambi.status();
  rv1::UpdateRegionRequest region;
  *region.mutable_region() = *jambi;
  region.mutable_region()->set_display_name("Provinsi Jambi");
  region.mutable_update_mask()->add_paths("*");
  auto updated_region = Call(*registry_stub_, &rv1::RegistryService::Stub::UpdateRegion, region);
  ASSERT_TRUE(updated_region.ok()) << updated_region.status();
  EXPECT_EQ(updated_region->display_name(), "Provinsi Jambi");
  EXPECT_EQ(updated_region->bps_code(), jambi->bps_code());

  const av1::RubricVersion version = CreateRubricVersion();
  ASSERT_FALSE(version.name().empty());
  av1::UpdateRubricVersionRequest rubric;
  *rubric.mutable_rubric_version() = version;
  rubric.mutable_rubric_version()->set_description("every path replaced");
  rubric.mutable_update_mask()->add_paths("*");
  auto updated_version = Call(*award_stub_, &av1::AwardService::Stub::UpdateRubricVersion, rubric);
  ASSERT_TRUE(updated_version.ok()) << updated_version.status();
  EXPECT_EQ(updated_version->description(), "every path replaced");

  for (const char* path : {"", "create_time"}) {
    SCOPED_TRACE(absl::StrCat("path '", path, "'"));
    region.mutable_update_mask()->Clear();
    rubric.mutable_update_mask()->Clear();
    if (*path != '\0') {
      region.mutable_update_mask()->add_paths(path);
      rubric.mutable_update_mask()->add_paths(path);
    }
    const Seen r =
        See(Call(*registry_stub_, &rv1::RegistryService::Stub::UpdateRegion, region).status());
    const Seen a =
        See(Call(*award_stub_, &av1::AwardService::Stub::UpdateRubricVersion, rubric).status());
    for (const Seen& seen : {r, a}) {
      EXPECT_EQ(seen.code, absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(seen.reason, "INVALID_FIELDS");
      EXPECT_EQ(seen.fields, std::vector<std::string>{"update_mask"});
      EXPECT_NE(seen.first_description.find("\"*\""), std::string::npos) << seen.first_description;
      if (*path != '\0') {
        EXPECT_NE(seen.first_description.find(absl::StrCat("\"", path, "\"")), std::string::npos)
            << seen.first_description;
      }
    }
  }
}

// AIP-158: a page token that is not one of the query is INVALID_ARGUMENT on `page_token` with the
// same reason and description in every service.
TEST_F(ConventionsTest, BadPageTokenIsTheSameEverywhere) {
  const std::string token = "bm90LWEtdG9rZW4tb2YtdGhpcy1xdWVyeQ";
  rv1::ListRegionsRequest regions;
  regions.set_page_token(token);
  cv1::RankChildRegionsRequest ranking;
  ranking.set_parent("regions/15");
  ranking.set_page_token(token);
  av1::ListRubricsRequest rubrics;
  rubrics.set_page_token(token);
  const Seen r =
      See(Call(*registry_stub_, &rv1::RegistryService::Stub::ListRegions, regions).status());
  const Seen c =
      See(Call(*coverage_stub_, &cv1::CoverageService::Stub::RankChildRegions, ranking).status());
  const Seen a = See(Call(*award_stub_, &av1::AwardService::Stub::ListRubrics, rubrics).status());
  for (const Seen& seen : {r, c, a}) {
    EXPECT_EQ(seen.code, absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(seen.reason, "INVALID_FIELDS");
    EXPECT_EQ(seen.fields, std::vector<std::string>{"page_token"});
  }
  EXPECT_EQ(r.first_description, c.first_description);
  EXPECT_EQ(r.first_description, a.first_description);

  // A real token of one service is not a token of another's query.
  rv1::ListRegionsRequest first_page;
  first_page.set_page_size(1);
  auto page = Call(*registry_stub_, &rv1::RegistryService::Stub::ListRegions, first_page);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_FALSE(page->next_page_token().empty());
  rubrics.set_page_token(page->next_page_token());
  const Seen foreign =
      See(Call(*award_stub_, &av1::AwardService::Stub::ListRubrics, rubrics).status());
  EXPECT_EQ(foreign.code, absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(foreign.fields, std::vector<std::string>{"page_token"});
}

// An unknown resource is NOT_FOUND, reason NOT_FOUND, with the one metadata key `resource`
// holding its name, in every service (coverage answers for the registry's regions).
TEST_F(ConventionsTest, UnknownResourceIsTheSameEverywhere) {
  rv1::GetRegionRequest region;
  region.set_name("regions/15.99");
  cv1::GetCoverageRequest coverage;
  coverage.set_region("regions/15.99");
  av1::GetRubricRequest rubric;
  rubric.set_name("rubrics/no-such-rubric");
  const Seen r =
      See(Call(*registry_stub_, &rv1::RegistryService::Stub::GetRegion, region).status());
  const Seen c =
      See(Call(*coverage_stub_, &cv1::CoverageService::Stub::GetCoverage, coverage).status());
  const Seen a = See(Call(*award_stub_, &av1::AwardService::Stub::GetRubric, rubric).status());
  for (const Seen& seen : {r, c, a}) {
    EXPECT_EQ(seen.code, absl::StatusCode::kNotFound);
    EXPECT_EQ(seen.reason, "NOT_FOUND");
    EXPECT_EQ(seen.keys, std::set<std::string>{"resource"});
  }
  EXPECT_EQ(Value(r.metadata, "resource"), "regions/15.99");
  EXPECT_EQ(Value(c.metadata, "resource"), "regions/15.99");
  EXPECT_EQ(Value(a.metadata, "resource"), "rubrics/no-such-rubric");
}

}  // namespace
}  // namespace paritrana
