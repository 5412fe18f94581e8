#include "services/award/store/award_store.h"

#include "absl/strings/match.h"
#include "services/award/store/sqlite/sqlite_award_store.h"

namespace paritrana::award {

absl::StatusOr<std::unique_ptr<AwardStore>> OpenAwardStore(absl::string_view url) {
  if (absl::StartsWith(url, "sqlite:") && url.size() > 7) {
    return OpenSqliteAwardStore(std::string(url.substr(7)));
  }
  return absl::InvalidArgumentError(
      "--store must be sqlite:PATH (postgres:DSN is not available in this build yet)");
}

}  // namespace paritrana::award
