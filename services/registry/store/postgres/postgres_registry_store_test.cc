// The PostgreSQL backend: the RegistryStore conformance suite against a real PostgreSQL 15 server
// the test starts itself (tests/support/postgres_server.h), one database per test folder.
#include "services/registry/store/postgres/postgres_registry_store.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "services/registry/store/conformance/registry_store_conformance.h"
#include "tests/support/postgres_server.h"

namespace paritrana::registry {
namespace {

absl::StatusOr<std::unique_ptr<RegistryStore>> OpenPostgres(const std::string& dir) {
  PARITRANA_ASSIGN_OR_RETURN(std::string conninfo, test_support::PostgresDatabaseFor(dir));
  return OpenPostgresRegistryStore(conninfo);
}

INSTANTIATE_TEST_SUITE_P(Postgres, RegistryStoreConformance, testing::Values(&OpenPostgres));

}  // namespace
}  // namespace paritrana::registry

namespace paritrana::registry {
namespace {

// A server that goes away makes calls UNAVAILABLE (never INTERNAL, never a hang), and the store
// reconnects by itself once the server is back, with what was committed before.
TEST(PostgresRegistryStoreTest, ALostServerIsUnavailableAndTheStoreReconnects) {
  absl::StatusOr<std::unique_ptr<test_support::PostgresServer>> server =
      test_support::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->CreateDatabase("registry").ok());
  absl::StatusOr<std::unique_ptr<RegistryStore>> store =
      OpenPostgresRegistryStore((*server)->ConnInfo("registry"));
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Write([](RegistryTx& tx) { return tx.PutSetting("before", "kept"); }).ok());

  ASSERT_TRUE((*server)->Stop().ok());
  for (int i = 0; i < 2; ++i) {  // the pooled connection, then a new one
    absl::Status s = (*store)->Write([](RegistryTx& tx) { return tx.PutSetting("during", "x"); });
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    s = (*store)->Ping();
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  }

  ASSERT_TRUE((*server)->Restart().ok());
  // A connection pooled before the restart is found dead at BEGIN and replaced within the call.
  ASSERT_TRUE((*store)->Ping().ok());
  ASSERT_TRUE((*server)->Stop().ok());
  ASSERT_TRUE((*server)->Restart().ok());
  std::optional<std::string> before, during;
  ASSERT_TRUE((*store)
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(before, tx.GetSetting("before"));
                    PARITRANA_ASSIGN_OR_RETURN(during, tx.GetSetting("during"));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(before, "kept");
  EXPECT_EQ(during, std::nullopt);
}

}  // namespace
}  // namespace paritrana::registry

namespace paritrana::registry {
namespace {

// Two stores on one database, as two registry replicas would be: writes from both at once, each
// taking an id from the same sequence and inserting a record under it. PostgreSQL aborts the
// transactions that conflict and the pool runs them again, so every write lands once, with an id
// of its own.
TEST(PostgresRegistryStoreTest, TwoStoresOnOneDatabaseNeverHandOutAnIdTwice) {
  absl::StatusOr<std::string> conninfo = test_support::PostgresDatabaseFor("two-stores");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  std::vector<std::unique_ptr<RegistryStore>> stores;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::unique_ptr<RegistryStore>> store = OpenPostgresRegistryStore(*conninfo);
    ASSERT_TRUE(store.ok()) << store.status();
    stores.push_back(*std::move(store));
  }
  constexpr int kWritesEach = 100;
  std::vector<absl::Status> failures[2];
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWritesEach; ++i) {
        absl::Status s = stores[w]->Write([&](RegistryTx& tx) -> absl::Status {
          PARITRANA_ASSIGN_OR_RETURN(int64_t id, tx.NextId("enrollment"));
          const std::string name = absl::StrCat("participants/00000000001/enrollments/e", id);
          return tx.Insert(Kind::kEnrollment, name, "participants/00000000001", "15.08",
                           absl::StrCat("writer ", w));
        });
        if (!s.ok()) failures[w].push_back(s);
      }
    });
  }
  for (std::thread& t : writers) t.join();
  for (int w = 0; w < 2; ++w) {
    EXPECT_TRUE(failures[w].empty()) << "writer " << w << ": " << failures[w].size()
                                     << " failed, first: " << failures[w].front();
  }

  std::vector<StoredResource> rows;
  ASSERT_TRUE(stores[0]
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    ListQuery q;
                    q.kind = Kind::kEnrollment;
                    q.limit = 1000;
                    PARITRANA_ASSIGN_OR_RETURN(rows, tx.List(q));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(rows.size(), 2u * kWritesEach);
  std::set<std::string> names;
  for (const StoredResource& r : rows) names.insert(r.name);
  EXPECT_EQ(names.size(), rows.size());
  std::optional<int64_t> next;
  ASSERT_TRUE(stores[1]
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(next, tx.NextId("enrollment"));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(next, 2 * kWritesEach + 1);  // no id skipped or reused
}

}  // namespace
}  // namespace paritrana::registry
