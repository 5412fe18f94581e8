#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/registry/store/registry_store.h"

namespace paritrana::registry {

// The embedded default: one SQLite file in WAL mode. One writer connection (writes are
// serialized, as SQLite requires) and a small pool of read-only connections, so reads never wait
// for writes.
absl::StatusOr<std::unique_ptr<RegistryStore>> OpenSqliteRegistryStore(const std::string& path);

}  // namespace paritrana::registry
