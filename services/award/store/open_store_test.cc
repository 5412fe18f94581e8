// open_store: the one place that maps --store URLs to backends.
#include "services/award/store/open_store.h"

#include "gtest/gtest.h"

namespace paritrana::award {
namespace {

TEST(AwardStoreUrlTest, RefusesUnknownBackends) {
  EXPECT_EQ(OpenAwardStore("postgres://x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenAwardStore("sqlite:").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace paritrana::award
