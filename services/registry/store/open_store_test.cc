// open_store: the one place that maps --store URLs to backends.
#include "services/registry/store/open_store.h"

#include "gtest/gtest.h"

namespace paritrana::registry {
namespace {

TEST(OpenRegistryStoreTest, RejectsUnknownUrls) {
  for (const char* url : {"", "sqlite:", "postgres://localhost/registry", "registry.db"}) {
    auto store = OpenRegistryStore(url);
    EXPECT_FALSE(store.ok()) << url;
    if (!store.ok()) {
      EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << url;
    }
  }
}

}  // namespace
}  // namespace paritrana::registry
