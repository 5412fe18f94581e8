#include "services/registry/store/registry_store.h"

#include "absl/strings/match.h"
#include "services/registry/store/sqlite/sqlite_registry_store.h"

namespace paritrana::registry {

absl::StatusOr<std::unique_ptr<RegistryStore>> OpenRegistryStore(absl::string_view url) {
  if (absl::StartsWith(url, "sqlite:") && url.size() > 7) {
    return OpenSqliteRegistryStore(std::string(url.substr(7)));
  }
  return absl::InvalidArgumentError(
      "--store must be sqlite:PATH (postgres:DSN is not available in this build yet)");
}

}  // namespace paritrana::registry
