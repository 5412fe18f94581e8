#include "security/nik_vault.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace paritrana {
namespace {

constexpr char kNik[] = "1508014501900001";  // valid shape, fictitious holder

// A fresh directory per test, removed afterwards, so tests never see each other's key files.
class NikVaultTest : public testing::Test {
 protected:
  void SetUp() override { dir_ = temp_.path(); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  NikVault MustCreate(const std::string& name) {
    absl::StatusOr<NikVault> vault = NikVault::FromKeyFile(Path(name), true);
    EXPECT_TRUE(vault.ok()) << vault.status();
    return *vault;
  }

  void WriteFile(const std::string& path, const std::string& content, mode_t mode) {
    std::ofstream(path) << content;
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
  }

  test_support::TempDir temp_{"nik_vault_test"};
  std::string dir_;
};

TEST_F(NikVaultTest, SealThenOpenRoundTrips) {
  NikVault vault = MustCreate("key");
  const std::string sealed = vault.Seal(kNik);
  absl::StatusOr<std::string> opened = vault.Open(sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, kNik);
}

TEST_F(NikVaultTest, SealedTextHidesTheNikAndDiffersEachTime) {
  NikVault vault = MustCreate("key");
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    const std::string sealed = vault.Seal(kNik);
    EXPECT_EQ(sealed.find(kNik), std::string::npos);
    EXPECT_EQ(sealed.find("150801"), std::string::npos);
    std::string raw;
    ASSERT_TRUE(absl::Base64Unescape(sealed, &raw));
    EXPECT_EQ(raw.find(kNik), std::string::npos);
    EXPECT_EQ(raw.size(), 12u + 16u + 16u);  // nonce, ciphertext, tag
    seen.insert(sealed);
  }
  // A random nonce per seal: equal NIKs cannot be spotted by equal sealed texts.
  EXPECT_EQ(seen.size(), 20u);
}

TEST_F(NikVaultTest, LookupHashIsDeterministicAndKeyed) {
  NikVault a = MustCreate("a");
  NikVault b = MustCreate("b");
  const std::string hash = a.LookupHash(kNik);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(a.LookupHash(kNik), hash);
  EXPECT_NE(a.LookupHash("1508014501900002"), hash);
  EXPECT_NE(b.LookupHash(kNik), hash);
}

TEST_F(NikVaultTest, TamperedSealedTextIsRefused) {
  NikVault vault = MustCreate("key");
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(vault.Seal(kNik), &raw));

  // Flip one bit in each part in turn: nonce, ciphertext, tag.
  for (size_t pos : {size_t{0}, size_t{12}, size_t{20}, raw.size() - 1}) {
    std::string tampered = raw;
    tampered[pos] ^= 0x01;
    absl::StatusOr<std::string> opened = vault.Open(absl::Base64Escape(tampered));
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss) << "byte " << pos;
  }
  // Truncated to a shorter but still plausible length.
  EXPECT_EQ(vault.Open(absl::Base64Escape(raw.substr(0, raw.size() - 1))).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(vault.Open(absl::Base64Escape(raw.substr(0, 20))).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(vault.Open("not base64 !!").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(vault.Open("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(NikVaultTest, AnotherKeyCannotOpen) {
  NikVault a = MustCreate("a");
  NikVault b = MustCreate("b");
  EXPECT_EQ(b.Open(a.Seal(kNik)).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(NikVaultTest, FingerprintIdentifiesTheWholeKey) {
  NikVault a = MustCreate("a");
  NikVault b = MustCreate("b");
  const std::string fa = a.Fingerprint();
  EXPECT_EQ(fa.size(), 64u);
  EXPECT_EQ(fa.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(fa, b.Fingerprint());
  EXPECT_NE(fa, a.LookupHash(kNik));
  absl::StatusOr<NikVault> reread = NikVault::FromKeyFile(Path("a"), false);
  ASSERT_TRUE(reread.ok()) << reread.status();
  EXPECT_EQ(reread->Fingerprint(), fa);

  // A key that differs only in its encryption half has another fingerprint too.
  std::ifstream in(Path("a"));
  std::string line;
  std::getline(in, line);
  line.back() = line.back() == '0' ? '1' : '0';
  {
    std::ofstream out(Path("c"));
    out << line << "\n";
  }
  ASSERT_EQ(::chmod(Path("c").c_str(), 0600), 0);
  absl::StatusOr<NikVault> c = NikVault::FromKeyFile(Path("c"), false);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->LookupHash(kNik), a.LookupHash(kNik));
  EXPECT_NE(c->Fingerprint(), fa);
}

TEST_F(NikVaultTest, CreatesAPrivateKeyFileThatReadsBackTheSame) {
  const std::string path = Path("secrets/nested/nik.key");  // parents do not exist yet
  absl::StatusOr<NikVault> created = NikVault::FromKeyFile(path, true);
  ASSERT_TRUE(created.ok()) << created.status();

  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat(Path("secrets").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);  // the new directory is private too

  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line.size(), 128u);
  EXPECT_EQ(line.find_first_not_of("0123456789abcdef"), std::string::npos);

  // Re-reading (with or without create_if_missing) keeps the key: same hashes, old seals open.
  const std::string sealed = created->Seal(kNik);
  for (bool create : {false, true}) {
    absl::StatusOr<NikVault> reread = NikVault::FromKeyFile(path, create);
    ASSERT_TRUE(reread.ok()) << reread.status();
    EXPECT_EQ(reread->LookupHash(kNik), created->LookupHash(kNik));
    absl::StatusOr<std::string> opened = reread->Open(sealed);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, kNik);
  }
}

TEST_F(NikVaultTest, MissingKeyFileWithoutCreateIsNotFound) {
  EXPECT_EQ(NikVault::FromKeyFile(Path("absent"), false).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(NikVaultTest, RefusesAKeyFileOthersCanRead) {
  const std::string key(128, 'a');
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    const std::string path = Path("open.key");
    WriteFile(path, key + "\n", mode);
    absl::StatusOr<NikVault> vault = NikVault::FromKeyFile(path, true);
    ASSERT_EQ(vault.status().code(), absl::StatusCode::kFailedPrecondition) << std::oct << mode;
    EXPECT_NE(vault.status().message().find("chmod 600"), std::string::npos);
    // The message must not leak the key.
    EXPECT_EQ(vault.status().message().find(key.substr(0, 16)), std::string::npos);
  }
  WriteFile(Path("ok.key"), key + "\n", 0400);
  EXPECT_TRUE(NikVault::FromKeyFile(Path("ok.key"), false).ok());
}

TEST_F(NikVaultTest, RefusesAKeyFileOfTheWrongShape) {
  for (const std::string& content :
       {std::string(64, 'a'), std::string(130, 'a'), std::string(127, 'a') + "g", std::string(),
        std::string(64, 'a') + "\n" + std::string(64, 'a')}) {
    const std::string path = Path("bad.key");
    WriteFile(path, content, 0600);
    absl::StatusOr<NikVault> vault = NikVault::FromKeyFile(path, false);
    EXPECT_EQ(vault.status().code(), absl::StatusCode::kFailedPrecondition)
        << "content size " << content.size();
    if (!content.empty()) {
      EXPECT_EQ(vault.status().message().find(content.substr(0, 16)), std::string::npos);
    }
  }
}

TEST(NikMaskTest, KeepsFourLeadingAndTwoTrailingDigits) {
  EXPECT_EQ(NikVault::Mask("1508014501900001"), "1508**********01");
  EXPECT_EQ(NikVault::Mask("3171234567890123"), "3171**********23");
  // Not a NIK: nothing of it is shown.
  EXPECT_EQ(NikVault::Mask("123"), "****************");
  EXPECT_EQ(NikVault::Mask("15080145019000011"), "****************");
  EXPECT_EQ(NikVault::Mask(""), "****************");
}

}  // namespace
}  // namespace paritrana
