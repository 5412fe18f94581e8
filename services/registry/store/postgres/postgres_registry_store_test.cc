// The PostgreSQL backend: the RegistryStore conformance suite against a real PostgreSQL 15 server
// the test starts itself (tests/support/postgres_server.h), one database per test folder.
#include "services/registry/store/postgres/postgres_registry_store.h"

#include <memory>
#include <string>

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
