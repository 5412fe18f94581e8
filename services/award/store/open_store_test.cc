// open_store: the one place that maps --store URLs to backends.
#include "services/award/store/open_store.h"

#include "gtest/gtest.h"

namespace paritrana::award {
namespace {

TEST(AwardStoreUrlTest, RefusesUnknownBackends) {
  EXPECT_EQ(OpenAwardStore("mysql://x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenAwardStore("sqlite:").status().code(), absl::StatusCode::kInvalidArgument);
}

// A PostgreSQL URL goes to the PostgreSQL backend: with no server there, it cannot connect.
TEST(AwardStoreUrlTest, PostgresUrlsOpenThePostgresBackend) {
  EXPECT_EQ(
      OpenAwardStore("postgres:host=/nonexistent dbname=award connect_timeout=1").status().code(),
      absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace paritrana::award
