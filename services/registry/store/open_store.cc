#include "services/registry/store/open_store.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/registry/store/postgres/postgres_registry_store.h"
#include "services/registry/store/sqlite/sqlite_registry_store.h"
#include "storage/postgres/postgres.h"

namespace paritrana::registry {

absl::StatusOr<std::unique_ptr<RegistryStore>> OpenRegistryStore(absl::string_view url) {
  constexpr absl::string_view kSqlite = "sqlite:";
  if (absl::StartsWith(url, kSqlite) && url.size() > kSqlite.size()) {
    return OpenSqliteRegistryStore(std::string(url.substr(kSqlite.size())));
  }
  if (std::optional<std::string> conninfo = postgres::ConnInfoOfStoreUrl(url)) {
    return OpenPostgresRegistryStore(*conninfo);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--store must be sqlite:PATH, postgres:CONNINFO or a postgresql:// URI, not \"", url, "\""));
}

}  // namespace paritrana::registry
