#include "security/caller.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "platform/errors.h"

namespace paritrana {
namespace {

constexpr std::pair<Role, absl::string_view> kRoleNames[] = {
    {Role::kRegistrar, "registrar"},
    {Role::kPiiReader, "pii_reader"},
    {Role::kAnalyst, "analyst"},
    {Role::kAssessor, "assessor"},
    {Role::kAwardAdmin, "award_admin"},
    {Role::kAuditor, "auditor"},
    {Role::kAdmin, "admin"},
};

absl::string_view CodeOf(absl::string_view region) {
  absl::ConsumePrefix(&region, "regions/");
  return region;
}

}  // namespace

absl::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "unknown";
}

absl::string_view KnownRoleNames() {
  return "registrar, pii_reader, analyst, assessor, award_admin, auditor, admin";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (const auto& [r, n] : kRoleNames) {
    if (n == name) return r;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role \"", name, "\"; known roles: ", KnownRoleNames()));
}

absl::string_view AuthMethodName(AuthMethod how) {
  switch (how) {
    case AuthMethod::kNone:
      return "none";
    case AuthMethod::kStaticToken:
      return "token";
    case AuthMethod::kJwt:
      return "jwt";
    case AuthMethod::kCertificate:
      return "certificate";
  }
  return "unknown";
}

absl::Status CheckRegionCode(absl::string_view code, absl::string_view what) {
  bool ok = !code.empty() && code.size() <= 13 && absl::ascii_isdigit(code.front()) &&
            absl::ascii_isdigit(code.back());
  for (size_t i = 0; ok && i < code.size(); ++i) {
    ok = absl::ascii_isdigit(code[i]) || (code[i] == '.' && code[i + 1] != '.');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": \"", code, "\" is not a region code such as 15 or 15.08 (digits and dots)"));
}

bool Caller::has(Role role) const {
  if (roles.count(role) > 0) return true;
  return roles.count(Role::kAdmin) > 0 && role != Role::kPiiReader && role != Role::kAuditor;
}

bool Caller::can_read_pii() const { return authenticated() && has(Role::kPiiReader); }

bool Caller::Covers(absl::string_view region) const {
  if (regions.empty()) return true;
  const absl::string_view code = CodeOf(region);
  for (const std::string& scope : regions) {
    if (code == scope) return true;
    if (absl::StartsWith(code, scope) && code.size() > scope.size() && code[scope.size()] == '.') {
      return true;
    }
  }
  return false;
}

absl::Status Caller::CheckRegion(absl::string_view region) const {
  if (Covers(region)) return absl::OkStatus();
  const std::string code(CodeOf(region));
  return WithReason(
      absl::PermissionDeniedError(absl::StrCat("region ", code, " is outside the caller's scope (",
                                               absl::StrJoin(regions, ", "), ")")),
      "REGION_OUT_OF_SCOPE", {{"region", code}});
}

}  // namespace paritrana
