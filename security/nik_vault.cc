#include "security/nik_vault.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "openssl/crypto.h"
#include "openssl/evp.h"
#include "openssl/hmac.h"
#include "openssl/rand.h"
#include "platform/errors.h"
#include "platform/log.h"
#include "platform/secret_file.h"

namespace paritrana {
namespace {

constexpr size_t kKeyBytes = 64;  // HMAC key || AES key
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
// Anything longer than a key line plus some whitespace is not a key file; reading stops there so a
// wrong --flag pointing at a large file fails fast.
constexpr size_t kMaxKeyFileBytes = 4096;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// Secrets do not outlive their use in freed heap memory.
class ScrubbedString final {
 public:
  ScrubbedString() = default;
  ~ScrubbedString() { OPENSSL_cleanse(s_.data(), s_.size()); }
  ScrubbedString(const ScrubbedString&) = delete;
  ScrubbedString& operator=(const ScrubbedString&) = delete;
  std::string& operator*() { return s_; }
  std::string* operator->() { return &s_; }

 private:
  std::string s_;
};

absl::Status ErrnoStatus(absl::string_view what, const std::string& path) {
  const int err = errno;
  std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::FailedPreconditionError(message);
}

// The vault cannot return an error from Seal: a failure here means the process's crypto library is
// broken (or out of memory), and writing a NIK unprotected, or not at all, would be worse than
// stopping.
[[noreturn]] void CryptoFailure(absl::string_view what) {
  log::Error("NIK vault: OpenSSL failure", {{"operation", std::string(what)}});
  std::abort();
}

// Writes a fresh key to `path` unless a file is already there (CreateSecretFileIfMissing: mode
// 0600, private directories, never half a file, never over another process's key).
absl::Status CreateKeyFile(const std::string& path) {
  uint8_t key[kKeyBytes];
  if (RAND_bytes(key, sizeof(key)) != 1) {
    return absl::InternalError("RAND_bytes failed: cannot generate a NIK key");
  }
  ScrubbedString line;
  *line =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(key), sizeof(key))) +
      "\n";
  OPENSSL_cleanse(key, sizeof(key));
  PARITRANA_RETURN_IF_ERROR(CreateSecretFileIfMissing(path, *line));
  log::Warn("created a new NIK key file; back it up: sealed NIKs cannot be read without it",
            {{"path", path}});
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NikVault> NikVault::FromKeyFile(const std::string& path, bool create_if_missing) {
  if (path.empty()) return absl::InvalidArgumentError("no NIK key file path given");
  if (create_if_missing) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) return ErrnoStatus("cannot stat NIK key file", path);
      if (absl::Status s = CreateKeyFile(path); !s.ok()) return s;
    }
  }

  ScrubbedString content;
  {
    absl::StatusOr<std::string> read = ReadSecretFile(path, "NIK key file", kMaxKeyFileBytes);
    if (!read.ok()) return read.status();
    *content = std::move(*read);
  }
  // The message states the expected shape and what was found, never the content: it is the key.
  const absl::string_view hex = absl::StripAsciiWhitespace(*content);
  if (hex.size() != 2 * kKeyBytes) {
    return absl::FailedPreconditionError(absl::StrCat(
        "NIK key file ", path, " must hold ", 2 * kKeyBytes, " hex characters on one line (",
        kKeyBytes, " random bytes); found ", hex.size(), " characters"));
  }
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::FailedPreconditionError(
          absl::StrCat("NIK key file ", path, " must hold only hex characters"));
    }
  }
  ScrubbedString bytes;
  *bytes = absl::HexStringToBytes(hex);
  Key hmac_key;
  Key aes_key;
  std::memcpy(hmac_key.data(), bytes->data(), hmac_key.size());
  std::memcpy(aes_key.data(), bytes->data() + hmac_key.size(), aes_key.size());
  NikVault vault(hmac_key, aes_key);
  OPENSSL_cleanse(hmac_key.data(), hmac_key.size());
  OPENSSL_cleanse(aes_key.data(), aes_key.size());
  return vault;
}

NikVault::~NikVault() {
  OPENSSL_cleanse(hmac_key_.data(), hmac_key_.size());
  OPENSSL_cleanse(aes_key_.data(), aes_key_.size());
}

std::string NikVault::LookupHash(absl::string_view nik) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), hmac_key_.data(), static_cast<int>(hmac_key_.size()),
           reinterpret_cast<const unsigned char*>(nik.data()), nik.size(), mac,
           &mac_len) == nullptr) {
    CryptoFailure("HMAC-SHA256");
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

std::string NikVault::Fingerprint() const {
  constexpr absl::string_view kLabel = "paritrana nik key fingerprint v1";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), kLabel.data(), kLabel.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), hmac_key_.data(), hmac_key_.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), aes_key_.data(), aes_key_.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &digest_len) != 1) {
    CryptoFailure("SHA-256");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), digest_len));
}

std::string NikVault::Seal(absl::string_view nik) const {
  std::string out(kNonceBytes + nik.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  auto* ciphertext = nonce + kNonceBytes;
  // A random 96-bit nonce per message: with one key, the chance of a repeat stays negligible far
  // beyond the number of NIKs that exist (birthday bound ~2^48 messages).
  if (RAND_bytes(nonce, kNonceBytes) != 1) CryptoFailure("RAND_bytes");

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (ctx == nullptr ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, aes_key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ciphertext, &len,
                        reinterpret_cast<const unsigned char*>(nik.data()),
                        static_cast<int>(nik.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ciphertext + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, ciphertext + nik.size()) !=
          1) {
    CryptoFailure("AES-256-GCM encrypt");
  }
  return absl::Base64Escape(out);
}

absl::StatusOr<std::string> NikVault::Open(absl::string_view sealed) const {
  std::string raw;
  if (!absl::Base64Unescape(sealed, &raw)) {
    return absl::InvalidArgumentError("sealed NIK is not valid base64");
  }
  if (raw.size() < kNonceBytes + kTagBytes) {
    return absl::InvalidArgumentError("sealed NIK is too short to hold a nonce and a tag");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw.data());
  const auto* ciphertext = nonce + kNonceBytes;
  const size_t ciphertext_len = raw.size() - kNonceBytes - kTagBytes;
  // The tag is passed through a copy: EVP_CTRL_GCM_SET_TAG takes a non-const pointer.
  unsigned char tag[kTagBytes];
  std::memcpy(tag, ciphertext + ciphertext_len, kTagBytes);

  std::string nik(ciphertext_len, '\0');
  auto* plaintext = reinterpret_cast<unsigned char*>(nik.data());
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (ctx == nullptr ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, aes_key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plaintext, &len, ciphertext, static_cast<int>(ciphertext_len)) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) != 1) {
    return absl::InternalError("AES-256-GCM decrypt setup failed");
  }
  // Only the final step checks the tag; until it passes, the plaintext is not to be trusted.
  if (EVP_DecryptFinal_ex(ctx.get(), plaintext + len, &len) != 1) {
    OPENSSL_cleanse(nik.data(), nik.size());
    return absl::DataLossError(
        "sealed NIK failed authentication: altered, truncated, or sealed under another key");
  }
  return nik;
}

std::string NikVault::Mask(absl::string_view nik) {
  if (nik.size() != 16) return std::string(16, '*');
  return absl::StrCat(nik.substr(0, 4), std::string(10, '*'), nik.substr(14, 2));
}

}  // namespace paritrana
