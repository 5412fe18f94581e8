#pragma once

#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/registry/store/registry_store.h"

namespace paritrana::registry {

// The registry on PostgreSQL (15 or later), through a libpq connection string (`conninfo`: a
// postgresql:// URI or key=value pairs; the password from a passfile or the environment). The
// schema is created or brought up to date at open, under an advisory lock. Writes are
// SERIALIZABLE transactions, retried when PostgreSQL aborts one for a conflict.
absl::StatusOr<std::unique_ptr<RegistryStore>> OpenPostgresRegistryStore(
    const std::string& conninfo);

// The schema's migrations in order (migration i brings it to version i + 1), for tests that start
// from an older version.
std::span<const absl::string_view> PostgresRegistryMigrations();

}  // namespace paritrana::registry
