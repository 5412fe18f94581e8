// The cache MAC and its key file: values are accepted only with their own key and MAC key, and the
// key file follows the rules of every secret file (platform/secret_file.h).
#include "services/coverage/cache_mac.h"

#include <sys/stat.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/secret_file.h"
#include "tests/support/temp_dir.h"

namespace paritrana::coverage {
namespace {

using testing::HasSubstr;
using testing::Optional;

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

TEST(CacheMacTest, OpensOnlyWhatItSealedUnderTheSameRedisKey) {
  auto mac = CacheMac::FromKey(kKey);
  ASSERT_TRUE(mac.ok()) << mac.status();
  const std::string sealed = mac->Seal("paritrana:cov:15:3:q", "answer");
  EXPECT_THAT(mac->Open("paritrana:cov:15:3:q", sealed), Optional(std::string("answer")));
  EXPECT_EQ(mac->Open("paritrana:cov:15:4:q", sealed), std::nullopt);  // another generation
  EXPECT_EQ(mac->Open("paritrana:cov:16:3:q", sealed), std::nullopt);  // another province
  // The boundary between key and value is part of the MAC.
  EXPECT_EQ(mac->Open("paritrana:cov:15:3:", mac->Seal("paritrana:cov:15:3:q", "")), std::nullopt);
  EXPECT_EQ(mac->Open("paritrana:cov:15:3:q", "answer"), std::nullopt);  // no MAC at all
  EXPECT_EQ(mac->Open("paritrana:cov:15:3:q", ""), std::nullopt);
  std::string flipped = sealed;
  flipped[0] ^= 1;
  EXPECT_EQ(mac->Open("paritrana:cov:15:3:q", flipped), std::nullopt);
  auto other = CacheMac::FromKey(std::string(kKey) + "!");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->Open("paritrana:cov:15:3:q", sealed), std::nullopt);
  EXPECT_NE(other->key_id(), mac->key_id());
  EXPECT_EQ(mac->key_id().size(), 16u);
  EXPECT_EQ(CacheMac::FromKey("short").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CacheMacTest, KeyFileIsCreatedPrivateAndRefusedWhenReadable) {
  test_support::TempDir dir("cache-mac");
  const std::string path = dir.File("keys/cache.key");
  ASSERT_TRUE(CacheMac::CreateKeyFile(path).ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto first = CacheMac::FromKeyFile(path);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(CacheMac::CreateKeyFile(path).ok());  // exists: kept as it is
  auto again = CacheMac::FromKeyFile(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->key_id(), first->key_id());

  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  const absl::Status readable = CacheMac::FromKeyFile(path).status();
  EXPECT_EQ(readable.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(readable.message(), HasSubstr("--cache_key_file"));
  EXPECT_THAT(readable.message(), HasSubstr("0644"));

  const std::string short_key = dir.File("short.key");
  ASSERT_TRUE(CreateSecretFileIfMissing(short_key, "abcdef\n").ok());
  const absl::Status too_short = CacheMac::FromKeyFile(short_key).status();
  EXPECT_EQ(too_short.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(too_short.message(), HasSubstr("at least 32"));
  EXPECT_EQ(CacheMac::FromKeyFile(dir.File("missing.key")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(SecretFileTest, StripsTheTrailingNewlineAndRefusesDirectoriesAndEmptyFiles) {
  test_support::TempDir dir("secret-file");
  ASSERT_TRUE(CreateSecretFileIfMissing(dir.File("p"), "pass word\r\n").ok());
  absl::StatusOr<std::string> read = ReadSecretFile(dir.File("p"), "--f");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "pass word");
  ASSERT_TRUE(CreateSecretFileIfMissing(dir.File("empty"), "\n").ok());
  EXPECT_EQ(ReadSecretFile(dir.File("empty"), "--f").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(chmod(dir.path().c_str(), 0700), 0);
  EXPECT_EQ(ReadSecretFile(dir.path(), "--f").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace paritrana::coverage
