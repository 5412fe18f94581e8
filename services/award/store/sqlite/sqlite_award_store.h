#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/award/store/award_store.h"

namespace paritrana::award {

// The embedded default: one SQLite file in WAL mode, one writer connection (writes are
// serialized) and a small pool of read-only connections, as the registry's store.
absl::StatusOr<std::unique_ptr<AwardStore>> OpenSqliteAwardStore(const std::string& path);

}  // namespace paritrana::award
