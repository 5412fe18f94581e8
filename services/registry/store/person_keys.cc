#include "services/registry/store/person_keys.h"

#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace paritrana::registry {
namespace {

constexpr char kNameTag = 0x0a;  // field 1, length-delimited

bool IsId(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c)) return false;
  }
  return true;
}

// The varint length prefix of a length-delimited field.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

std::string NameField(absl::string_view name) {
  return absl::StrCat(absl::string_view(&kNameTag, 1), Varint(name.size()), name);
}

}  // namespace

bool IsPersonKind(Kind kind) {
  return kind == Kind::kParticipant || kind == Kind::kEnrollment || kind == Kind::kContribution;
}

std::optional<PersonKey> ParsePersonKey(Kind kind, absl::string_view name) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  const size_t expected = kind == Kind::kParticipant ? 2 : kind == Kind::kEnrollment ? 4 : 6;
  if (!IsPersonKind(kind) || parts.size() != expected || parts[0] != "participants") {
    return std::nullopt;
  }
  PersonKey key;
  if (parts[1].size() != 11 || !absl::c_all_of(parts[1], absl::ascii_isdigit) ||
      !absl::SimpleAtoi(parts[1], &key.kpj)) {
    return std::nullopt;
  }
  if (expected >= 4) {
    if (parts[2] != "enrollments" || !IsId(parts[3])) return std::nullopt;
    key.enrollment = std::string(parts[3]);
  }
  if (expected == 6) {
    if (parts[4] != "contributions" || !IsId(parts[5])) return std::nullopt;
    key.contribution = std::string(parts[5]);
  }
  return key;
}

std::string PersonName(Kind kind, const PersonKey& key) {
  std::string name = absl::StrFormat("participants/%011d", key.kpj);
  if (kind == Kind::kParticipant) return name;
  absl::StrAppend(&name, "/enrollments/", key.enrollment);
  if (kind == Kind::kEnrollment) return name;
  absl::StrAppend(&name, "/contributions/", key.contribution);
  return name;
}

PersonTable PersonTableOf(Kind kind) {
  switch (kind) {
    case Kind::kParticipant:
      return {"participants", 1, true};
    case Kind::kEnrollment:
      return {"enrollments", 2, true};
    default:
      return {"contributions", 3, false};
  }
}

std::string PersonKeyColumns(int keys) {
  std::string out;
  for (int i = 0; i < keys; ++i) absl::StrAppend(&out, i ? ", " : "", kPersonKeyColumns[i]);
  return out;
}

absl::Status NotAPersonName(Kind kind, absl::string_view name) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", name, "\" is not a name of a ", PersonTableOf(kind).name, " record"));
}

absl::StatusOr<PersonListPlan> PlanPersonList(const ListQuery& q) {
  PersonListPlan plan;
  if (!q.after_name.empty()) {
    std::optional<PersonKey> after = ParsePersonKey(q.kind, q.after_name);
    if (!after.has_value()) return NotAPersonName(q.kind, q.after_name);
    plan.after = *after;
  }
  if (!q.region.empty() && !PersonTableOf(q.kind).by_region) {
    return absl::InvalidArgumentError(
        absl::StrCat(PersonTableOf(q.kind).name, " are not listed by region"));
  }
  if (q.parent.has_value()) {
    if (q.kind == Kind::kParticipant) {
      plan.none = !q.parent->empty();  // participants have no parent
    } else {
      plan.parent = ParsePersonKey(
          q.kind == Kind::kEnrollment ? Kind::kParticipant : Kind::kEnrollment, *q.parent);
      plan.none = !plan.parent.has_value();
    }
  }
  return plan;
}

int64_t ProgrammeBits(const std::vector<int>& programmes) {
  int64_t bits = 0;
  for (int p : programmes) bits |= int64_t{1} << p;
  return bits;
}

std::vector<int> ProgrammesOfBits(int64_t bits) {
  std::vector<int> out;
  for (int p = 0; p < 63; ++p) {
    if ((bits >> p) & 1) out.push_back(p);
  }
  return out;
}

std::string StripName(absl::string_view name, absl::string_view body) {
  const std::string field = NameField(name);
  // Kept whole if what follows starts with field 1 again, which RestoreName would take for the
  // name (protobuf serializers never write it twice).
  if (absl::StartsWith(body, field) &&
      (body.size() == field.size() || body[field.size()] != kNameTag)) {
    body.remove_prefix(field.size());
  }
  return std::string(body);
}

std::string RestoreName(absl::string_view name, absl::string_view stored) {
  if (!stored.empty() && stored[0] == kNameTag) return std::string(stored);
  return absl::StrCat(NameField(name), stored);
}

}  // namespace paritrana::registry
