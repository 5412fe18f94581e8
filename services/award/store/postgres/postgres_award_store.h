#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/award/store/award_store.h"

namespace paritrana::award {

// The award service on PostgreSQL (15 or later), through a libpq connection string, as the
// registry's PostgreSQL store (services/registry/store/postgres/postgres_registry_store.h): schema
// created or migrated at open under an advisory lock, SERIALIZABLE writes retried on conflicts.
absl::StatusOr<std::unique_ptr<AwardStore>> OpenPostgresAwardStore(const std::string& conninfo);

}  // namespace paritrana::award
