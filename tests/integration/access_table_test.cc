// The access table of docs/security.md, checked cell by cell against running servers: every RPC
// of every service, called by a caller holding one role (and one holding registrar and pii_reader
// together), is refused with PERMISSION_DENIED exactly where the table says "-". The calls carry
// empty requests: an admitted call then fails its own validation (INVALID_ARGUMENT, NOT_FOUND,
// ...), which is not a refusal, and a refused one never reaches the rules.
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "paritrana/award/v1/award.grpc.pb.h"
#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "security/access_policy.h"
#include "security/auth.h"
#include "tests/support/award_under_test.h"
#include "tests/support/coverage_under_test.h"
#include "tests/support/redis_server.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana {
namespace {

// One token per column of the table, named as the column is.
const std::map<std::string, std::string>& TokensByColumn() {
  static const auto* tokens = new std::map<std::string, std::string>{
      {"registrar", "tok-registrar-0000000001"},
      {"pii_reader", "tok-pii-reader-00000002"},
      {"analyst", "tok-analyst-000000000003"},
      {"assessor", "tok-assessor-00000000004"},
      {"award_admin", "tok-award-admin-0000005"},
      {"auditor", "tok-auditor-000000000006"},
      {"admin", "tok-admin-00000000000007"},
      {"registrar+pii_reader", "tok-registrar-pii-00008"},
  };
  return *tokens;
}

std::string TokensFile() {
  std::string text;
  for (const auto& [column, token] : TokensByColumn()) {
    std::string roles = column;
    absl::StrReplaceAll({{"+", ","}}, &roles);
    absl::StrAppend(&text, roles, " ", token, " p-",
                    column == "registrar+pii_reader" ? "both" : column, "\n");
  }
  return text;
}

struct Row {
  std::string method;                  // "paritrana.registry.v1.RegistryService/GetRegion"
  std::map<std::string, bool> allows;  // column -> admitted
};

// The table of docs/security.md: the header row names the columns; each row starts with the
// method in backquotes and has "yes" or "-" per column.
std::vector<Row> ReadDocsTable() {
  std::ifstream in(std::string(PARITRANA_SOURCE_DIR) + "/docs/security.md");
  EXPECT_TRUE(in) << "cannot read docs/security.md";
  std::vector<std::string> columns;
  std::vector<Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    for (absl::string_view cell : absl::StrSplit(line, '|')) {
      cells.emplace_back(absl::StripAsciiWhitespace(cell));
    }
    if (cells.size() < 3 || !cells.front().empty()) continue;
    if (cells[1] == "RPC") {
      columns.assign(cells.begin() + 2, cells.end() - 1);
      continue;
    }
    if (columns.empty() || !absl::StartsWith(cells[1], "`paritrana.")) continue;
    Row row;
    row.method = std::string(absl::StripSuffix(absl::StripPrefix(cells[1], "`"), "`"));
    EXPECT_EQ(cells.size(), columns.size() + 3) << line;
    for (size_t i = 0; i < columns.size() && i + 2 < cells.size(); ++i) {
      EXPECT_TRUE(cells[i + 2] == "yes" || cells[i + 2] == "-") << line;
      row.allows[columns[i]] = cells[i + 2] == "yes";
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

class AccessTableTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test_support::TempDir("access-table");
    auto redis = test_support::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = redis->release();
    auto registry =
        test_support::RegistryUnderTest::Start(dir_->File("registry"), redis_->address(), Auth());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = registry->release();
    test_support::CoverageUnderTest::Options coverage_options;
    coverage_options.auth = Auth();
    auto coverage = test_support::CoverageUnderTest::Start(registry_->address(), redis_->address(),
                                                           std::move(coverage_options));
    ASSERT_TRUE(coverage.ok()) << coverage.status();
    coverage_ = coverage->release();
    test_support::AwardUnderTest::Options award_options;
    award_options.auth = Auth();
    auto award = test_support::AwardUnderTest::Start(
        dir_->File("award"), registry_->address(), coverage_->address(), std::move(award_options));
    ASSERT_TRUE(award.ok()) << award.status();
    award_ = award->release();
  }

  static void TearDownTestSuite() {
    delete award_;
    delete coverage_;
    delete registry_;
    delete redis_;
    delete dir_;
  }

  static std::unique_ptr<Authorizer> Auth() {
    auto auth = Authorizer::FromTokensText(TokensFile(), "access table tokens");
    EXPECT_TRUE(auth.ok()) << auth.status();
    return auth.ok() ? *std::move(auth) : Authorizer::Disabled();
  }

  // The server serving `service` (a full service name).
  static std::string AddressOf(absl::string_view service) {
    if (absl::StrContains(service, ".coverage.")) return coverage_->address();
    if (absl::StrContains(service, ".award.")) return award_->address();
    return registry_->address();  // the registry's services, and the audit trail it serves
  }

  // Calls `method` with an empty request and `token`; the status.
  static grpc::Status Call(const std::string& method, const std::string& token) {
    const std::string service = method.substr(0, method.find('/'));
    grpc::GenericStub stub(
        grpc::CreateChannel(AddressOf(service), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    grpc::Slice empty;
    request = grpc::ByteBuffer(&empty, 1);
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, absl::StrCat("/", method), grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }

  static test_support::TempDir* dir_;
  static test_support::RedisServer* redis_;
  static test_support::RegistryUnderTest* registry_;
  static test_support::CoverageUnderTest* coverage_;
  static test_support::AwardUnderTest* award_;
};

test_support::TempDir* AccessTableTest::dir_ = nullptr;
test_support::RedisServer* AccessTableTest::redis_ = nullptr;
test_support::RegistryUnderTest* AccessTableTest::registry_ = nullptr;
test_support::CoverageUnderTest* AccessTableTest::coverage_ = nullptr;
test_support::AwardUnderTest* AccessTableTest::award_ = nullptr;

// The docs list every method of every service they name, no other, and agree with the code's
// table, which is what the servers enforce.
TEST_F(AccessTableTest, DocsListEveryMethodOfEveryServiceAsTheCodeDoes) {
  const std::vector<Row> rows = ReadDocsTable();
  ASSERT_FALSE(rows.empty());
  std::set<std::string> documented;
  std::set<std::string> services;
  for (const Row& row : rows) {
    EXPECT_TRUE(documented.insert(row.method).second) << row.method << " is listed twice";
    services.insert(row.method.substr(0, row.method.find('/')));
    EXPECT_TRUE(AccessOf(row.method).ok()) << row.method << " is not in security/access_policy.cc";
  }
  // Every service a server here serves is in the docs.
  for (absl::string_view service : {registry::v1::RegistryService::service_full_name(),
                                    coverage::v1::CoverageService::service_full_name(),
                                    award::v1::AwardService::service_full_name()}) {
    EXPECT_TRUE(services.count(std::string(service)) > 0) << service << " is not documented";
  }
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& service : services) {
    const google::protobuf::ServiceDescriptor* d = pool->FindServiceByName(service);
    ASSERT_NE(d, nullptr) << service;
    for (int i = 0; i < d->method_count(); ++i) {
      const std::string method = absl::StrCat(service, "/", d->method(i)->name());
      EXPECT_TRUE(documented.count(method) > 0) << method << " is missing from docs/security.md";
    }
  }
  std::set<std::string> in_code;
  for (const MethodAccess& m : AccessTable()) in_code.emplace(m.method);
  EXPECT_EQ(in_code, documented) << "security/access_policy.cc and docs/security.md list "
                                    "different methods";
}

TEST_F(AccessTableTest, EveryCellHoldsAgainstRunningServers) {
  const std::vector<Row> rows = ReadDocsTable();
  ASSERT_FALSE(rows.empty());
  int cells = 0;
  for (const Row& row : rows) {
    ASSERT_EQ(row.allows.size(), TokensByColumn().size()) << row.method;
    for (const auto& [column, allowed] : row.allows) {
      auto token = TokensByColumn().find(column);
      ASSERT_NE(token, TokensByColumn().end()) << "unknown column " << column;
      const grpc::Status s = Call(row.method, token->second);
      ++cells;
      if (allowed) {
        EXPECT_NE(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << row.method << " refused " << column << ": " << s.error_message();
        EXPECT_NE(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
            << row.method << " " << column << ": " << s.error_message();
        EXPECT_NE(s.error_code(), grpc::StatusCode::UNIMPLEMENTED)
            << row.method << " is not served";
      } else {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << row.method << " admitted " << column << " (" << s.error_message() << ")";
        EXPECT_TRUE(absl::StrContains(s.error_message(), "needs"))
            << row.method << ": " << s.error_message();
      }
    }
  }
  EXPECT_EQ(cells, static_cast<int>(rows.size() * TokensByColumn().size()));
}

TEST_F(AccessTableTest, NoCredentialAndAnUnknownTokenAreUnauthenticated) {
  const std::string method = "paritrana.registry.v1.RegistryService/GetRegion";
  EXPECT_EQ(Call(method, "tok-nobody-0000000000099").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace paritrana
