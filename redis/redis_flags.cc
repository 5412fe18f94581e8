#include "redis/redis_flags.h"

#include "absl/flags/flag.h"
#include "platform/secret_file.h"
#include "platform/server.h"

ABSL_FLAG(std::string, redis_user, "",
          "Redis ACL user the service authenticates as (AUTH USER PASSWORD); empty: the default "
          "user (AUTH PASSWORD). Needs --redis_password_file");
ABSL_FLAG(std::string, redis_password_file, "",
          "File holding the Redis password (trailing newline ignored; mode 0600 or 0400, refused "
          "if group or others may read it), sent with AUTH on every new connection; empty: no "
          "AUTH");

namespace paritrana {

absl::StatusOr<RedisClient::Options> RedisOptionsFromFlags(const std::string& address) {
  RedisClient::Options options;
  options.address = address;
  options.username = absl::GetFlag(FLAGS_redis_user);
  const std::string password_file = absl::GetFlag(FLAGS_redis_password_file);
  if (password_file.empty()) {
    if (absl::GetFlag(FLAGS_production)) {
      return absl::FailedPreconditionError(
          "--production refuses a Redis without a password: give --redis_password_file");
    }
    if (!options.username.empty()) {
      return absl::InvalidArgumentError("--redis_user needs --redis_password_file");
    }
    return options;
  }
  absl::StatusOr<std::string> password = ReadSecretFile(password_file, "--redis_password_file");
  if (!password.ok()) return password.status();
  options.password = *std::move(password);
  return options;
}

}  // namespace paritrana
