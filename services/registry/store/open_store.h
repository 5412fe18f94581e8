#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/registry/store/registry_store.h"

namespace paritrana::registry {

// Opens the store a --store URL names. This is the one place that knows the backends, so the
// interface (registry_store.h) stays backend-free and a new backend is added here and nowhere
// else:
//   sqlite:PATH                one SQLite file, created and migrated if needed.
//   postgres:CONNINFO          a PostgreSQL database, CONNINFO being a libpq connection string
//                              (key=value pairs or a URI); a bare postgresql:// or postgres://
//                              URI is the same. The password comes from `passfile`, PGPASSFILE or
//                              PGPASSWORD (or the URL in an environment variable, as the Helm
//                              chart passes it), never from a flag that `ps` shows. The schema is
//                              created or migrated.
// Any other URL is INVALID_ARGUMENT naming --store.
absl::StatusOr<std::unique_ptr<RegistryStore>> OpenRegistryStore(absl::string_view url);

}  // namespace paritrana::registry
