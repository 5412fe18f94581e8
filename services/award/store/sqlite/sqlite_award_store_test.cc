// The SQLite backend: the AwardStore conformance suite.
#include "services/award/store/sqlite/sqlite_award_store.h"

#include <string>

#include "gtest/gtest.h"
#include "services/award/store/conformance/award_store_conformance.h"

namespace paritrana::award {
namespace {

// The backend's one file, in the folder the test owns.
absl::StatusOr<std::unique_ptr<AwardStore>> OpenSqlite(const std::string& dir) {
  return OpenSqliteAwardStore(dir + "/award.db");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AwardStoreConformance, testing::Values(&OpenSqlite));

}  // namespace
}  // namespace paritrana::award
