#include "services/registry/store/open_store.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/registry/store/sqlite/sqlite_registry_store.h"

namespace paritrana::registry {

absl::StatusOr<std::unique_ptr<RegistryStore>> OpenRegistryStore(absl::string_view url) {
  constexpr absl::string_view kSqlite = "sqlite:";
  if (absl::StartsWith(url, kSqlite) && url.size() > kSqlite.size()) {
    return OpenSqliteRegistryStore(std::string(url.substr(kSqlite.size())));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--store must be sqlite:PATH (the only backend in this build), not \"", url, "\""));
}

}  // namespace paritrana::registry
