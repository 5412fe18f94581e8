#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "redis/redis_client.h"

// The Redis credentials every service that uses Redis accepts, defined once here:
//   --redis_user           the Redis 6+ ACL user (empty: the `default` user)
//   --redis_password_file  a file holding the password (mode 0600 or 0400)
// The address itself stays each service's own --redis, whose help says what Redis is for there.
namespace paritrana {

// RedisClient options for the Redis at `address` with the credentials of the flags above. The
// password file's content is the password, trailing newline removed; it must be a regular file
// that group and others cannot access. FAILED_PRECONDITION or NOT_FOUND naming the flag when the
// file is unusable, INVALID_ARGUMENT for --redis_user without --redis_password_file. Other
// options keep their defaults for the caller to adjust.
absl::StatusOr<RedisClient::Options> RedisOptionsFromFlags(const std::string& address);

}  // namespace paritrana
