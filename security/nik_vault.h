#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Protection of NIKs at rest. A NIK is personal data (UU 27/2022), so a store keeps two columns
// instead of the NIK itself: a keyed hash for exact look-ups (indexed, unique) and an encrypted
// copy for the callers who hold the PII right. A dump of the database without the key file shows
// neither the NIK nor a hash anyone can reverse by enumerating the ~10^10 plausible NIKs, which a
// plain SHA-256 would allow.
namespace paritrana {

class NikVault final {
 public:
  // Loads the key file: 64 random bytes as 128 hex characters on one line (the first 32 bytes key
  // the look-up HMAC, the last 32 the AES-256-GCM encryption). The file must be a regular file
  // with no permission for group or other (0600 or stricter): FAILED_PRECONDITION otherwise, and
  // for content of the wrong length or not hex; NOT_FOUND when it does not exist and
  // `create_if_missing` is false.
  //
  // With `create_if_missing`, a missing file (and missing parent directories, mode 0700) is
  // created with fresh random bytes, mode 0600. Losing the key loses every sealed NIK and breaks
  // every look-up hash, so production deployments provision the key and pass false: a new key over
  // an existing database would silently start a second, unrelated set of hashes.
  static absl::StatusOr<NikVault> FromKeyFile(const std::string& path, bool create_if_missing);

  NikVault(const NikVault&) = default;
  NikVault& operator=(const NikVault&) = default;
  ~NikVault();

  // HMAC-SHA256 of the NIK under the look-up key, 64 lower-case hex characters. Deterministic, so
  // the same NIK always finds the same row; useless without the key.
  std::string LookupHash(absl::string_view nik) const;

  // A fingerprint of the whole key (both halves), 64 lower-case hex characters: SHA-256 of a
  // fixed label and the key. A store records it at its first start and refuses any other key,
  // since a different key would make every stored hash and sealed NIK meaningless. It reveals
  // nothing usable about the key (a 512-bit random secret cannot be guessed from its hash).
  std::string Fingerprint() const;

  // AES-256-GCM with a fresh random 12-byte nonce: base64 of nonce || ciphertext || 16-byte tag.
  // Sealing the same NIK twice gives different texts, so sealed columns cannot be joined or
  // counted; use LookupHash for that.
  std::string Seal(absl::string_view nik) const;

  // The NIK inside `sealed`: INVALID_ARGUMENT when it is not base64 or too short to be sealed text,
  // DATA_LOSS when authentication fails (tampered, truncated, or sealed under another key).
  absl::StatusOr<std::string> Open(absl::string_view sealed) const;

  // A NIK for display to callers without the PII right: the first 4 digits (province and regency
  // of first issue), ten '*' and the last 2, e.g. "1508**********01". Anything that is not 16
  // characters long is masked completely, as 16 '*', since its parts mean nothing.
  static std::string Mask(absl::string_view nik);

 private:
  using Key = std::array<uint8_t, 32>;
  NikVault(const Key& hmac_key, const Key& aes_key) : hmac_key_(hmac_key), aes_key_(aes_key) {}

  Key hmac_key_;
  Key aes_key_;
};

}  // namespace paritrana
