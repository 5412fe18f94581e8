#include "gateway/rate_limiter.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace paritrana::gateway {

RateLimiter::RateLimiter(double rate, double burst, size_t max_callers)
    : rate_(rate), burst_(std::max(burst, 1.0)), max_callers_(std::max<size_t>(max_callers, 1)) {}

RateLimiter::Decision RateLimiter::Admit(absl::string_view caller, absl::Time now) {
  if (rate_ <= 0) return {};
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(caller);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_callers_) Evict(now);
    it = buckets_.emplace(std::string(caller), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  if (now > b.last) {
    b.tokens = std::min(burst_, b.tokens + absl::ToDoubleSeconds(now - b.last) * rate_);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return {};
  }
  Decision refused;
  refused.admitted = false;
  refused.retry_after = absl::Seconds((1 - b.tokens) / rate_);
  return refused;
}

size_t RateLimiter::size() const {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

void RateLimiter::Evict(absl::Time now) {
  const absl::Duration refill = absl::Seconds(burst_ / rate_);
  absl::erase_if(buckets_, [&](const auto& entry) {
    return entry.second.tokens + absl::ToDoubleSeconds(now - entry.second.last) * rate_ >= burst_ ||
           now - entry.second.last >= refill;
  });
  const size_t keep = max_callers_ - max_callers_ / 10 - 1;
  while (buckets_.size() > keep) buckets_.erase(buckets_.begin());
}

uint64_t StableHash64(absl::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string CallerKey(const HttpRequest& request) {
  const absl::string_view auth = request.Header("authorization");
  if (!auth.empty()) return absl::StrCat("a:", absl::Hex(StableHash64(auth)));
  absl::string_view peer = request.peer;
  if (!peer.empty() && peer.front() == '[') {  // "[v6]:port"
    peer = peer.substr(1, peer.find(']') - 1);
  } else if (const size_t colon = peer.rfind(':');
             colon != absl::string_view::npos && peer.find(':') == colon) {
    peer = peer.substr(0, colon);  // "v4:port"; a bare v6 address has several ':'
  }
  return absl::StrCat("p:", peer);
}

}  // namespace paritrana::gateway
