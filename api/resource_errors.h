#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

// Errors about a resource's existence, the same in every service (docs/api.md, "Conventions").
// Each carries ErrorInfo metadata `resource` with the full resource name. When a field of the
// request referred to that resource (e.g. `participant.domicile_region`, `regions[2]`,
// `award_cycle.rubric_versions[0].rubric_version`), metadata `field` names the field too, so a
// client can point at it; a method's own target (`name`, `parent`, coverage's `region`) gives
// `resource` alone.
namespace paritrana {

inline constexpr absl::string_view kResourceKey = "resource";

// NOT_FOUND, reason NOT_FOUND, metadata `resource`: "<resource> does not exist"; with a `field`,
// "<field>: <description>" and metadata `field` too.
absl::Status NotFound(absl::string_view resource, absl::string_view field = "",
                      absl::string_view description = "");

// ALREADY_EXISTS, reason ALREADY_EXISTS, metadata `resource`: "<resource> already exists"; with a
// `field`, "<field>: <description>" and metadata `field` too.
absl::Status AlreadyExists(absl::string_view resource, absl::string_view field = "",
                           absl::string_view description = "");

}  // namespace paritrana
