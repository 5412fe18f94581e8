#include "services/award/store/open_store.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/award/store/sqlite/sqlite_award_store.h"

namespace paritrana::award {

absl::StatusOr<std::unique_ptr<AwardStore>> OpenAwardStore(absl::string_view url) {
  constexpr absl::string_view kSqlite = "sqlite:";
  if (absl::StartsWith(url, kSqlite) && url.size() > kSqlite.size()) {
    return OpenSqliteAwardStore(std::string(url.substr(kSqlite.size())));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--store must be sqlite:PATH (the only backend in this build), not \"", url, "\""));
}

}  // namespace paritrana::award
