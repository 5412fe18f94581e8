#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/registry/store/registry_store.h"

// How a backend may key the three kinds there is one of per person (participants, enrollments,
// contributions: nearly all of a national registry's rows) more compactly than by their names,
// and keep each name once instead of also inside its body. Backend-neutral, so every backend
// keys these kinds the same way.
namespace paritrana::registry {

// True for participants, enrollments and contributions.
bool IsPersonKind(Kind kind);

// A participant, enrollment or contribution name as its parts: "participants/{kpj}", then
// "/enrollments/{enrollment}", then "/contributions/{contribution}". Names sort as their keys
// sort (kpj, then enrollment, then contribution): a KPJ is exactly 11 digits and the ids are
// letters and digits, which all sort after the '/' that ends a segment.
struct PersonKey {
  int64_t kpj = -1;
  std::string enrollment;
  std::string contribution;
};

// The key of `name` as a name of `kind` (a person kind); nullopt when it is not one.
std::optional<PersonKey> ParsePersonKey(Kind kind, absl::string_view name);
// The name of `key` as a `kind` (a person kind).
std::string PersonName(Kind kind, const PersonKey& key);

// The table a backend keeps a person kind in: its name, how many of kPersonKeyColumns key it
// (kpj; then enrollment; then contribution), and whether it has a region column, indexed, for
// List (contributions are not listed by region).
struct PersonTable {
  absl::string_view name;
  int keys = 1;
  bool by_region = false;
};
inline constexpr absl::string_view kPersonKeyColumns[] = {"kpj", "enrollment", "contribution"};
PersonTable PersonTableOf(Kind kind);
// "kpj, enrollment" for two key columns.
std::string PersonKeyColumns(int keys);

// INVALID_ARGUMENT: `name` is not a name of a `kind` record.
absl::Status NotAPersonName(Kind kind, absl::string_view name);

// A List over a person kind's table, as keys: the rows to return are those after `after` (kpj -1:
// before every row) whose first `keys - 1` key parts equal `parent`'s (when set), in key order.
// `none` when the query's parent cannot have children of the kind (a participant's parent other
// than "", or a parent that is no name of the parent kind). INVALID_ARGUMENT when after_name is no
// name of the kind, or when a region filter is asked of a table without regions.
struct PersonListPlan {
  PersonKey after;
  std::optional<PersonKey> parent;
  bool none = false;
};
absl::StatusOr<PersonListPlan> PlanPersonList(const ListQuery& query);

// A span's programmes (small enum values, sorted) as one integer with a bit per programme, as
// backends store them, and back.
int64_t ProgrammeBits(const std::vector<int>& programmes);
std::vector<int> ProgrammesOfBits(int64_t bits);

// A body is a serialized protobuf message whose field 1 is the resource's name (AIP-122), which
// serializers write first. StripName drops that field when it holds exactly `name`; RestoreName
// puts it back in front of a body that does not start with field 1. Bodies that do not start
// with their name are kept and returned as they are.
std::string StripName(absl::string_view name, absl::string_view body);
std::string RestoreName(absl::string_view name, absl::string_view stored);

}  // namespace paritrana::registry
