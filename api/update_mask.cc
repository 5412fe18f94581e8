#include "api/update_mask.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/errors.h"

namespace paritrana {

absl::StatusOr<std::set<std::string>> UpdatePaths(const google::protobuf::FieldMask& mask,
                                                  std::initializer_list<const char*> updatable) {
  if (mask.paths_size() == 0) {
    return InvalidField("update_mask", absl::StrCat("is required: list the fields to update (",
                                                    absl::StrJoin(updatable, ", "), ") or \"*\""));
  }
  std::set<std::string> out;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      out.insert(updatable.begin(), updatable.end());
      continue;
    }
    if (std::none_of(updatable.begin(), updatable.end(),
                     [&](const char* p) { return path == p; })) {
      return InvalidField("update_mask",
                          absl::StrCat("path \"", path, "\" cannot be updated; updatable: ",
                                       absl::StrJoin(updatable, ", "), " or \"*\""));
    }
    out.insert(path);
  }
  return out;
}

absl::StatusOr<google::protobuf::FieldMask> ExpandUpdateMask(
    const google::protobuf::FieldMask& mask, std::initializer_list<const char*> updatable) {
  PARITRANA_ASSIGN_OR_RETURN(std::set<std::string> paths, UpdatePaths(mask, updatable));
  google::protobuf::FieldMask out;
  for (const std::string& p : paths) out.add_paths(p);
  return out;
}

}  // namespace paritrana
