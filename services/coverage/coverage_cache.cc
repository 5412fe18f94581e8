#include "services/coverage/coverage_cache.h"

#include "absl/strings/str_cat.h"
#include "platform/log.h"
#include "platform/metrics.h"

namespace paritrana::coverage {
namespace {

std::string Prefix(absl::string_view province) {
  return absl::StrCat("paritrana:cov:", province, ":");
}

}  // namespace

CoverageCache::Lookup CoverageCache::Get(absl::string_view province, absl::string_view question) {
  Lookup out;
  if (redis_ == nullptr) {
    bypasses_.fetch_add(1, std::memory_order_relaxed);
    return out;
  }
  absl::StatusOr<RedisClient::Versioned> v = redis_->GetVersioned(
      RedisClient::GenerationKey(province), Prefix(province), absl::StrCat(":", question));
  if (!v.ok()) {
    bypasses_.fetch_add(1, std::memory_order_relaxed);
    if (!reported_down_.exchange(true)) {
      log::Warn("cache unavailable; answering from the registry",
                {{"error", v.status().ToString()}});
    }
    return out;
  }
  if (reported_down_.exchange(false)) log::Info("cache available again");
  out.available = true;
  out.generation = std::move(v->generation);
  out.value = std::move(v->value);
  (out.value.has_value() ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return out;
}

void CoverageCache::Put(absl::string_view province, absl::string_view generation,
                        absl::string_view question, absl::string_view value) {
  if (redis_ == nullptr) return;
  const std::string key = absl::StrCat(Prefix(province), generation, ":", question);
  absl::Status s = redis_->SetEx(key, value, absl::ToInt64Seconds(ttl_));
  if (!s.ok()) log::Debug("cache store failed", {{"error", s.ToString()}});
}

void CoverageCache::ExportMetrics() {
  metrics::Registry::Global().AddCollector([this](std::string& out) {
    const Stats s = stats();
    absl::StrAppend(&out, "# TYPE paritrana_cache_lookups_total counter\n",
                    "paritrana_cache_lookups_total{result=\"hit\"} ", s.hits, "\n",
                    "paritrana_cache_lookups_total{result=\"miss\"} ", s.misses, "\n",
                    "paritrana_cache_lookups_total{result=\"bypass\"} ", s.bypasses, "\n");
  });
}

CoverageCache::Stats CoverageCache::stats() const {
  return {hits_.load(), misses_.load(), bypasses_.load()};
}

}  // namespace paritrana::coverage
