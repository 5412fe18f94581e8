#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Files that hold a secret (a password, a key) named by a flag. One rule for all of them: the file
// must be a regular file that neither group nor others may access (mode 0600 or 0400), since a
// secret any local account can read is no secret. Errors name the flag and the path, never the
// content.
namespace paritrana {

// The content of `path`, with trailing "\n" / "\r\n" removed. `flag` (e.g. "--redis_password_file")
// names the file in errors: NOT_FOUND when it does not exist, FAILED_PRECONDITION when it is not a
// regular file, is accessible to group or others, is empty, or is larger than `max_bytes`.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path, absl::string_view flag,
                                           size_t max_bytes = 4096);

// Creates `path` holding `content` with mode 0600 unless a file is already there (then OK, the file
// untouched), creating missing parent directories with mode 0700. The content goes to a private
// temporary file that is fsynced and then hard-linked into place, so two processes starting
// together cannot overwrite each other's secret and no reader ever sees half a file.
absl::Status CreateSecretFileIfMissing(const std::string& path, absl::string_view content);

}  // namespace paritrana
