#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Integrity of the answers the coverage service keeps in Redis. Whoever can write to Redis (a pod
// on its network, a leaked password) could otherwise make coverage serve any figure, and award
// evaluations read coverage. So every value carries an HMAC-SHA256 under a key only the coverage
// replicas hold, computed over the Redis key and the value: a value is accepted only under the
// key it was written for, so a genuine answer cannot be moved to another province, date or
// question either. What a MAC cannot stop: deleting entries (misses), and pointing a province's
// generation back at an older, genuine entry still within --cache_ttl (see docs/operations.md).
namespace paritrana::coverage {

class CacheMac final {
 public:
  // Loads the key file: at least 32 random bytes as hex on one line (64+ hex characters). The file
  // must be a regular file with no access for group or other (mode 0600 or 0400):
  // FAILED_PRECONDITION otherwise, or for content that is not such hex; NOT_FOUND when missing.
  // Errors name `flag`, the flag that gave `path`.
  static absl::StatusOr<CacheMac> FromKeyFile(const std::string& path,
                                              absl::string_view flag = "--cache_key_file");
  // Creates `path` (mode 0600, parents 0700) with 32 fresh random bytes as hex, unless it exists.
  // For development, the demo and tests: replicas sharing one Redis must share one key, so a
  // deployment provisions the file (the Helm chart from a Secret) rather than creating it.
  static absl::Status CreateKeyFile(const std::string& path);
  // The key of --cache_key_file (created first with --create_cache_key). FAILED_PRECONDITION
  // when the flag is empty: a coverage service with Redis refuses to start without a key.
  static absl::StatusOr<CacheMac> FromFlags();
  // A MAC with this raw key (tests). INVALID_ARGUMENT when shorter than 32 bytes.
  static absl::StatusOr<CacheMac> FromKey(std::string key);

  CacheMac(const CacheMac&) = default;
  CacheMac& operator=(const CacheMac&) = default;
  CacheMac(CacheMac&&) = default;
  CacheMac& operator=(CacheMac&&) = default;
  ~CacheMac();

  // 16 hex characters naming the key (a truncated SHA-256 of a label and the key; it reveals
  // nothing usable about a 256-bit key). The cache puts it in its Redis keys, so during a key
  // rotation replicas on the old and the new key keep separate entries instead of each rejecting,
  // and overwriting, the other's.
  const std::string& key_id() const { return key_id_; }

  // `value` followed by its 32-byte tag: HMAC-SHA256(key, len(redis_key) || redis_key || value),
  // the length as 8 bytes big-endian so that no two (redis_key, value) pairs share an input.
  std::string Seal(absl::string_view redis_key, absl::string_view value) const;
  // The value inside `sealed` when its tag is right for `redis_key` (compared in constant time);
  // nullopt when it is missing, wrong, or made with another key.
  std::optional<std::string> Open(absl::string_view redis_key, absl::string_view sealed) const;

 private:
  explicit CacheMac(std::string key);
  std::string Tag(absl::string_view redis_key, absl::string_view value) const;

  std::string key_;  // raw bytes
  std::string key_id_;
};

}  // namespace paritrana::coverage
