// open_store: the one place that maps --store URLs to backends.
#include "services/registry/store/open_store.h"

#include "gtest/gtest.h"

namespace paritrana::registry {
namespace {

TEST(OpenRegistryStoreTest, RejectsUnknownUrls) {
  for (const char* url : {"", "sqlite:", "mysql://localhost/registry", "registry.db"}) {
    auto store = OpenRegistryStore(url);
    EXPECT_FALSE(store.ok()) << url;
    if (!store.ok()) {
      EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << url;
    }
  }
}

// A PostgreSQL URI goes to the PostgreSQL backend: with no server there, the answer is that it
// cannot connect (UNAVAILABLE), not that the URL is unknown.
TEST(OpenRegistryStoreTest, PostgresUrisOpenThePostgresBackend) {
  for (const char* url : {"postgresql:///registry?host=/nonexistent&connect_timeout=1",
                          "postgres:host=/nonexistent dbname=registry connect_timeout=1"}) {
    auto store = OpenRegistryStore(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable) << store.status();
  }
}

}  // namespace
}  // namespace paritrana::registry
