#include "services/coverage/cache_mac.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "openssl/crypto.h"
#include "openssl/evp.h"
#include "openssl/hmac.h"
#include "openssl/rand.h"
#include "openssl/sha.h"
#include "platform/log.h"
#include "platform/secret_file.h"
#include "platform/server.h"

ABSL_FLAG(std::string, cache_key_file, "",
          "File with the key (32+ random bytes as hex, mode 0600 or 0400) of the HMAC that every "
          "answer cached in Redis carries; values with a wrong or missing MAC are recomputed. "
          "Required with --redis; every replica sharing a Redis needs the same key");
ABSL_FLAG(bool, create_cache_key, false,
          "Create --cache_key_file with a fresh random key when missing (development and demos; "
          "replicas sharing a Redis must share one provisioned key)");

namespace paritrana::coverage {
namespace {

constexpr size_t kMinKeyBytes = 32;
constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kTagBytes = 32;  // SHA-256

}  // namespace

absl::StatusOr<CacheMac> CacheMac::FromKeyFile(const std::string& path, absl::string_view flag) {
  absl::StatusOr<std::string> hex = ReadSecretFile(path, flag, 2 * kMaxKeyBytes + 2);
  if (!hex.ok()) return hex.status();
  const std::string text(absl::StripAsciiWhitespace(*hex));
  OPENSSL_cleanse(hex->data(), hex->size());
  const bool is_hex = text.size() % 2 == 0 && !text.empty() &&
                      std::all_of(text.begin(), text.end(), absl::ascii_isxdigit);
  if (!is_hex || text.size() < 2 * kMinKeyBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(flag, ": ", path, " must hold at least ", kMinKeyBytes,
                     " random bytes as hex on one line (e.g. `openssl rand -hex 32`)"));
  }
  return CacheMac(absl::HexStringToBytes(text));
}

absl::Status CacheMac::CreateKeyFile(const std::string& path) {
  unsigned char key[kMinKeyBytes];
  if (RAND_bytes(key, sizeof(key)) != 1) {
    return absl::InternalError("RAND_bytes failed: cannot generate a cache key");
  }
  std::string line =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(key), sizeof(key))) +
      "\n";
  OPENSSL_cleanse(key, sizeof(key));
  absl::Status created = CreateSecretFileIfMissing(path, line);
  OPENSSL_cleanse(line.data(), line.size());
  return created;
}

absl::StatusOr<CacheMac> CacheMac::FromFlags() {
  const std::string path = absl::GetFlag(FLAGS_cache_key_file);
  if (path.empty()) {
    return absl::FailedPreconditionError(
        "--cache_key_file is required with --redis: answers in Redis carry a MAC under that key "
        "(create one with `(umask 077; openssl rand -hex 32 > FILE)` and give every replica the "
        "same file, or add --create_cache_key for a development setup)");
  }
  if (absl::GetFlag(FLAGS_create_cache_key)) {
    // Replicas must share one provisioned key; creating it belongs to development set-ups.
    if (absl::GetFlag(FLAGS_production)) {
      return absl::FailedPreconditionError("--production refuses --create_cache_key");
    }
    if (absl::Status s = CreateKeyFile(path); !s.ok()) return s;
  }
  return FromKeyFile(path);
}

absl::StatusOr<CacheMac> CacheMac::FromKey(std::string key) {
  if (key.size() < kMinKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a cache key has at least ", kMinKeyBytes, " bytes"));
  }
  return CacheMac(std::move(key));
}

CacheMac::CacheMac(std::string key) : key_(std::move(key)) {
  static constexpr absl::string_view kLabel = "paritrana cache key id v1";
  std::string input = absl::StrCat(kLabel, key_);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  OPENSSL_cleanse(input.data(), input.size());
  key_id_ = absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 8));
}

CacheMac::~CacheMac() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string CacheMac::Tag(absl::string_view redis_key, absl::string_view value) const {
  std::string input;
  input.reserve(8 + redis_key.size() + value.size());
  const uint64_t n = redis_key.size();
  for (int i = 0; i < 8; ++i) input.push_back(static_cast<char>((n >> (56 - 8 * i)) & 0xff));
  absl::StrAppend(&input, redis_key, value);
  unsigned char tag[EVP_MAX_MD_SIZE];
  unsigned int tag_len = 0;
  if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), tag,
           &tag_len) == nullptr ||
      tag_len != kTagBytes) {
    // A broken crypto library: storing answers unprotected, or accepting them unchecked, would be
    // worse than stopping.
    log::Error("cache MAC: OpenSSL HMAC failure");
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(tag), kTagBytes);
}

std::string CacheMac::Seal(absl::string_view redis_key, absl::string_view value) const {
  return absl::StrCat(value, Tag(redis_key, value));
}

std::optional<std::string> CacheMac::Open(absl::string_view redis_key,
                                          absl::string_view sealed) const {
  if (sealed.size() < kTagBytes) return std::nullopt;
  const absl::string_view value = sealed.substr(0, sealed.size() - kTagBytes);
  const std::string expected = Tag(redis_key, value);
  if (CRYPTO_memcmp(expected.data(), sealed.data() + value.size(), kTagBytes) != 0) {
    return std::nullopt;
  }
  return std::string(value);
}

}  // namespace paritrana::coverage
