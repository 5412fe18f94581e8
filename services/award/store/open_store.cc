#include "services/award/store/open_store.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/award/store/postgres/postgres_award_store.h"
#include "services/award/store/sqlite/sqlite_award_store.h"
#include "storage/postgres/postgres.h"

namespace paritrana::award {

absl::StatusOr<std::unique_ptr<AwardStore>> OpenAwardStore(absl::string_view url) {
  constexpr absl::string_view kSqlite = "sqlite:";
  if (absl::StartsWith(url, kSqlite) && url.size() > kSqlite.size()) {
    return OpenSqliteAwardStore(std::string(url.substr(kSqlite.size())));
  }
  if (std::optional<std::string> conninfo = postgres::ConnInfoOfStoreUrl(url)) {
    return OpenPostgresAwardStore(*conninfo);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--store must be sqlite:PATH, postgres:CONNINFO or a postgresql:// URI, not \"", url, "\""));
}

}  // namespace paritrana::award
