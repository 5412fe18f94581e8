// The PostgreSQL backend: the AwardStore conformance suite against a real PostgreSQL 15 server the
// test starts itself (tests/support/postgres_server.h), one database per test folder.
#include "services/award/store/postgres/postgres_award_store.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "platform/errors.h"
#include "services/award/store/conformance/award_store_conformance.h"
#include "tests/support/postgres_server.h"

namespace paritrana::award {
namespace {

absl::StatusOr<std::unique_ptr<AwardStore>> OpenPostgres(const std::string& dir) {
  PARITRANA_ASSIGN_OR_RETURN(std::string conninfo, test_support::PostgresDatabaseFor(dir));
  return OpenPostgresAwardStore(conninfo);
}

INSTANTIATE_TEST_SUITE_P(Postgres, AwardStoreConformance, testing::Values(&OpenPostgres));

}  // namespace
}  // namespace paritrana::award
