// Page tokens (common/pagination.h). Byte 0 picks the check, the rest is the input:
//   even: the rest is a page token from a client, decoded for a fixed query
//   odd:  the rest is the last key of a page; its token must give it back, for its query only
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/pagination.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

// Two query fingerprints (hex SHA-256) that differ in the part a token carries.
constexpr char kQuery[] = "3f1a9c0b7d2e4f6a8b1c3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a";
constexpr char kOtherQuery[] = "3f1a9c0b7d2e4f6b8b1c3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    absl::StatusOr<std::string> key = paritrana::DecodePageToken(rest, kQuery);
    if (!key.ok()) {
      PARITRANA_FUZZ_CHECK(key.status().code() == absl::StatusCode::kInvalidArgument,
                           key.status().ToString());
      return 0;
    }
    if (rest.empty()) {
      PARITRANA_FUZZ_CHECK(key->empty(), "an empty token starts at the beginning");
      return 0;
    }
    PARITRANA_FUZZ_CHECK(!key->empty(), "a token always carries a key");
    // A token that decodes re-encodes to itself: tokens are canonical, so a client cannot make two
    // different tokens for one position.
    PARITRANA_FUZZ_CHECK(paritrana::EncodePageToken(*key, kQuery) == rest, rest);
    PARITRANA_FUZZ_CHECK(!paritrana::DecodePageToken(rest, kOtherQuery).ok(), rest);
  } else {
    const std::string token = paritrana::EncodePageToken(rest, kQuery);
    absl::StatusOr<std::string> key = paritrana::DecodePageToken(token, kQuery);
    if (rest.empty()) {
      // No list ends a page on an empty key; the encoder does not need to support one.
      return 0;
    }
    PARITRANA_FUZZ_CHECK(key.ok() && *key == rest, token);
    PARITRANA_FUZZ_CHECK(!paritrana::DecodePageToken(token, kOtherQuery).ok(), token);
    for (char c : token) {
      // Web-safe: goes in a URL or a header unescaped.
      PARITRANA_FUZZ_CHECK(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_',
                           token);
    }
  }
  return 0;
}
