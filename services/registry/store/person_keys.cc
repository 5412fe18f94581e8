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
