#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "redis/redis_client.h"

namespace paritrana::coverage {

// Answers cached in Redis under keys that carry the province's generation:
//   paritrana:cov:{province}:{generation}:{question}
// The registry increments paritrana:gen:{province} after every commit that changes the province,
// so a new write moves readers to a new key at once; old keys just expire (the TTL is only a
// backstop for memory). One round trip reads the generation and the value together.
class CoverageCache final {
 public:
  struct Lookup {
    std::string generation;            // the generation the value belongs to
    std::optional<std::string> value;  // serialized answer, on a hit
    bool available = false;            // false: Redis is down or not configured
  };
  struct Stats {
    int64_t hits = 0;
    int64_t misses = 0;
    int64_t bypasses = 0;  // lookups answered without the cache: Redis down or not configured
  };

  // `redis` may be null: every lookup is then a bypass.
  CoverageCache(RedisClient* redis, absl::Duration ttl) : redis_(redis), ttl_(ttl) {}

  // Publishes stats() as paritrana_cache_lookups_total{result=hit|miss|bypass}; the cache must
  // outlive the process's metrics endpoint.
  void ExportMetrics();

  Lookup Get(absl::string_view province, absl::string_view question);
  // Stores `value` at `generation`; failures are counted and otherwise ignored.
  void Put(absl::string_view province, absl::string_view generation, absl::string_view question,
           absl::string_view value);

  Stats stats() const;

 private:
  RedisClient* redis_;
  const absl::Duration ttl_;
  std::atomic<int64_t> hits_{0}, misses_{0}, bypasses_{0};
  std::atomic<bool> reported_down_{false};
};

}  // namespace paritrana::coverage
