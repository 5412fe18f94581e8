#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/http_types.h"

// A token bucket per caller: `rate` requests a second on average, up to `burst` at once. Memory
// stays bounded: a bucket that has refilled completely holds nothing worth keeping and is
// dropped when the table is full.
namespace paritrana::gateway {

class RateLimiter final {
 public:
  // `rate` <= 0 turns limiting off (every request is admitted). `burst` is raised to at least 1.
  RateLimiter(double rate, double burst, size_t max_callers = 100000);

  struct Decision {
    bool admitted = true;
    absl::Duration retry_after;  // when refused: until one token is back
  };
  // Takes one token from `caller`'s bucket at `now`.
  Decision Admit(absl::string_view caller, absl::Time now = absl::Now());

  // Buckets currently held (tests check the bound).
  size_t size() const;

  bool enabled() const { return rate_ > 0; }

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time last;
  };
  // Drops full buckets; if the table is still full, drops arbitrary ones down to 90 % (those
  // callers start again with a full bucket, which errs on admitting). Called with mu_ held.
  void Evict(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double rate_;
  const double burst_;
  const size_t max_callers_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// The rate limiter's key for `request`: a hash of its authorization header (never the
// credential itself) when it has one, else its peer's IP address without the port.
std::string CallerKey(const HttpRequest& request);

// FNV-1a, 64 bits: stable across processes and replicas, unlike absl::Hash (ETags use it too).
uint64_t StableHash64(absl::string_view bytes);

}  // namespace paritrana::gateway
