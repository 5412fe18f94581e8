#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "redis/redis_client.h"
#include "services/coverage/cache_mac.h"

namespace paritrana::coverage {

// Answers cached in Redis under keys that carry the province's generation:
//   paritrana:cov:{province}:{generation}:{question}:{key id}
// The registry increments paritrana:gen:{province} after every commit that changes the province,
// so a new write moves readers to a new key at once; old keys just expire (the TTL is only a
// backstop for memory). One round trip reads the generation and the value together.
//
// Redis is not trusted with the answers' integrity: each value is sealed with a CacheMac over its
// full key (the key id names the MAC key, see cache_mac.h). A value whose MAC is missing or wrong
// is a miss (the caller recomputes it from the registry and stores it again), logged as a warning
// without the value and counted in paritrana_cache_forged_total.
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
    int64_t forged = 0;    // values refused for a missing or wrong MAC (also counted as misses)
  };

  // `redis` may be null: every lookup is then a bypass, and `mac` may be nullopt. With `redis`,
  // `mac` is required (the process aborts without it: serving unchecked values is not an option).
  CoverageCache(RedisClient* redis, std::optional<CacheMac> mac, absl::Duration ttl);

  // Publishes stats() as paritrana_cache_lookups_total{result=hit|miss|bypass} and
  // paritrana_cache_forged_total; the cache must outlive the process's metrics endpoint.
  void ExportMetrics();

  Lookup Get(absl::string_view province, absl::string_view question);
  // Stores `value` at `generation`; failures are counted and otherwise ignored.
  void Put(absl::string_view province, absl::string_view generation, absl::string_view question,
           absl::string_view value);

  Stats stats() const;

 private:
  // The key's part after the generation: ":{question}:{key id}".
  std::string Suffix(absl::string_view question) const;

  RedisClient* redis_;
  const std::optional<CacheMac> mac_;
  const absl::Duration ttl_;
  std::atomic<int64_t> hits_{0}, misses_{0}, bypasses_{0}, forged_{0};
  std::atomic<bool> reported_down_{false};
};

}  // namespace paritrana::coverage
