#include "api/resource_errors.h"

#include "absl/strings/str_cat.h"
#include "platform/errors.h"

namespace paritrana {
namespace {

absl::Status About(absl::StatusCode code, absl::string_view reason, absl::string_view resource,
                   absl::string_view field, absl::string_view message) {
  std::map<std::string, std::string> metadata = {
      {std::string(kResourceKey), std::string(resource)}};
  if (!field.empty()) metadata["field"] = std::string(field);
  return WithReason(absl::Status(code, message), reason, metadata);
}

}  // namespace

absl::Status NotFound(absl::string_view resource, absl::string_view field,
                      absl::string_view description) {
  return About(absl::StatusCode::kNotFound, "NOT_FOUND", resource, field,
               field.empty() ? absl::StrCat(resource, " does not exist")
                             : absl::StrCat(field, ": ", description));
}

absl::Status AlreadyExists(absl::string_view resource, absl::string_view field,
                           absl::string_view description) {
  return About(absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS", resource, field,
               field.empty() ? absl::StrCat(resource, " already exists")
                             : absl::StrCat(field, ": ", description));
}

}  // namespace paritrana
