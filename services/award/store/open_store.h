#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/award/store/award_store.h"

namespace paritrana::award {

// Opens the store a --store URL names. This is the one place that knows the backends, so the
// interface (award_store.h) stays backend-free and a new backend is added here and nowhere else:
//   sqlite:PATH       one SQLite file, created and migrated if needed.
//   postgres:CONNINFO a PostgreSQL database (or a bare postgresql:// URI), as for the registry
//                     (services/registry/store/open_store.h); give each service its own database.
// Any other URL is INVALID_ARGUMENT naming --store.
absl::StatusOr<std::unique_ptr<AwardStore>> OpenAwardStore(absl::string_view url);

}  // namespace paritrana::award
