#include "services/coverage/coverage_cache.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/log.h"
#include "platform/metrics.h"

namespace paritrana::coverage {
namespace {

std::string Prefix(absl::string_view province) {
  return absl::StrCat("paritrana:cov:", province, ":");
}

}  // namespace

CoverageCache::CoverageCache(RedisClient* redis, std::optional<CacheMac> mac, absl::Duration ttl)
    : redis_(redis), mac_(std::move(mac)), ttl_(ttl) {
  if (redis_ != nullptr && !mac_.has_value()) {
    log::Error("coverage cache: Redis given without a cache MAC key");
    std::abort();
  }
}

std::string CoverageCache::Suffix(absl::string_view question) const {
  return absl::StrCat(":", question, ":", mac_->key_id());
}

CoverageCache::Lookup CoverageCache::Get(absl::string_view province, absl::string_view question) {
  Lookup out;
  if (redis_ == nullptr) {
    bypasses_.fetch_add(1, std::memory_order_relaxed);
    return out;
  }
  const std::string prefix = Prefix(province);
  const std::string suffix = Suffix(question);
  absl::StatusOr<RedisClient::Versioned> v =
      redis_->GetVersioned(RedisClient::GenerationKey(province), prefix, suffix);
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
  if (v->value.has_value()) {
    out.value = mac_->Open(absl::StrCat(prefix, out.generation, suffix), *v->value);
    if (!out.value.has_value()) {
      // Someone with write access to Redis wrote this, or a replica with another key of the same
      // key id (impossible short of a hash collision). Never log the value itself.
      forged_.fetch_add(1, std::memory_order_relaxed);
      log::Warn("cache value with a missing or wrong MAC ignored; recomputing it",
                {{"province", std::string(province)},
                 {"generation", out.generation},
                 {"bytes", static_cast<int64_t>(v->value->size())}});
    }
  }
  (out.value.has_value() ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return out;
}

void CoverageCache::Put(absl::string_view province, absl::string_view generation,
                        absl::string_view question, absl::string_view value) {
  if (redis_ == nullptr) return;
  const std::string key = absl::StrCat(Prefix(province), generation, Suffix(question));
  absl::Status s = redis_->SetEx(key, mac_->Seal(key, value), absl::ToInt64Seconds(ttl_));
  if (!s.ok()) log::Debug("cache store failed", {{"error", s.ToString()}});
}

void CoverageCache::ExportMetrics() {
  metrics::Registry::Global().AddCollector([this](std::string& out) {
    const Stats s = stats();
    absl::StrAppend(&out, "# TYPE paritrana_cache_lookups_total counter\n",
                    "paritrana_cache_lookups_total{result=\"hit\"} ", s.hits, "\n",
                    "paritrana_cache_lookups_total{result=\"miss\"} ", s.misses, "\n",
                    "paritrana_cache_lookups_total{result=\"bypass\"} ", s.bypasses, "\n",
                    "# HELP paritrana_cache_forged_total Cached values refused for a missing or "
                    "wrong MAC (recomputed from the registry)\n",
                    "# TYPE paritrana_cache_forged_total counter\n",
                    "paritrana_cache_forged_total ", s.forged, "\n");
  });
}

CoverageCache::Stats CoverageCache::stats() const {
  return {hits_.load(), misses_.load(), bypasses_.load(), forged_.load()};
}

}  // namespace paritrana::coverage
