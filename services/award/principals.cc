#include "services/award/principals.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "openssl/evp.h"
#include "services/award/rules.h"

namespace paritrana::award {

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) return "";
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), len));
}

absl::StatusOr<PrincipalMap> PrincipalMap::FromFile(const std::string& path) {
  if (path.empty()) return PrincipalMap();
  std::ifstream in(path);
  if (!in)
    return absl::FailedPreconditionError(absl::StrCat("--principals_file: cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return FromText(text.str(), path);
}

absl::StatusOr<PrincipalMap> PrincipalMap::FromText(absl::string_view text,
                                                    absl::string_view source) {
  PrincipalMap out;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    std::vector<absl::string_view> fields;
    for (absl::string_view f : absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty())) {
      if (absl::StartsWith(f, "#")) break;
      fields.push_back(f);
    }
    if (fields.empty()) continue;
    auto bad = [&](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat("principals file ", source, " line ", line_number, ": ", what));
    };
    if (fields.size() != 2) return bad("expected PRINCIPAL_ID SHA256_HEX [# comment]");
    if (!IsResourceId(fields[0])) {
      return bad("the principal id must be 1 to 63 lower-case letters, digits and hyphens");
    }
    std::string hash = absl::AsciiStrToLower(fields[1]);
    bool hex = hash.size() == 64;
    for (char c : hash) hex = hex && absl::ascii_isxdigit(c);
    if (!hex) return bad("the second field must be the 64 hex digits of the token's SHA-256");
    if (!out.id_by_hash_.emplace(hash, std::string(fields[0])).second) {
      return bad("the token hash is listed twice");
    }
  }
  return out;
}

std::string PrincipalMap::IdOfToken(absl::string_view token) const {
  const std::string hash = Sha256Hex(token);
  auto it = id_by_hash_.find(hash);
  if (it != id_by_hash_.end()) return it->second;
  return absl::StrCat("t-", hash.substr(0, 16));
}

std::string PrincipalMap::IdOf(const grpc::ServerContextBase& ctx) const {
  const auto& metadata = ctx.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "anonymous";
  const absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return "anonymous";
  }
  return IdOfToken(absl::StripAsciiWhitespace(value.substr(kScheme.size())));
}

}  // namespace paritrana::award
