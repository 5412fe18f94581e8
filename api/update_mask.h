#pragma once

#include <initializer_list>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/field_mask.pb.h"

// AIP-161 update masks, one rule for every Update method of every service (docs/api.md,
// "Conventions"):
// * the mask is required: an empty one is INVALID_ARGUMENT on `update_mask` (an explicit list
//   keeps a client built against an older proto from clearing fields it does not know);
// * "*" means every updatable path (a full replacement of what may change);
// * a path that is unknown, immutable or output-only is INVALID_ARGUMENT on `update_mask`, naming
//   the path and listing the updatable ones.
namespace paritrana {

// The paths the update applies, out of `updatable` (top-level field names of the resource).
absl::StatusOr<std::set<std::string>> UpdatePaths(const google::protobuf::FieldMask& mask,
                                                  std::initializer_list<const char*> updatable);

// `mask` with "*" expanded and checked as UpdatePaths does: for code that applies a FieldMask
// itself (e.g. the registry's reflection-based patch).
absl::StatusOr<google::protobuf::FieldMask> ExpandUpdateMask(
    const google::protobuf::FieldMask& mask, std::initializer_list<const char*> updatable);

}  // namespace paritrana
