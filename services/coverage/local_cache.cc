#include "services/coverage/local_cache.h"

#include "absl/strings/str_cat.h"
#include "platform/metrics.h"

namespace paritrana::coverage {

std::optional<grpc::Slice> LocalCache::Get(absl::string_view province, absl::string_view key,
                                           Ticket& ticket) {
  absl::ReaderMutexLock lock(&mu_);
  ticket.reset_epoch = reset_epoch_;
  auto p = provinces_.find(province);
  ticket.province_epoch = p == provinces_.end() ? 0 : p->second.epoch;
  if (p == provinces_.end() || !live_()) return std::nullopt;
  auto a = p->second.answers.find(key);
  if (a == p->second.answers.end()) return std::nullopt;
  hits_.fetch_add(1, std::memory_order_relaxed);
  return a->second;
}

void LocalCache::Put(absl::string_view province, absl::string_view key, const Ticket& ticket,
                     grpc::Slice answer) {
  if (max_entries_ == 0 || !live_()) return;
  absl::MutexLock lock(&mu_);
  Province& p = provinces_[province];
  if (ticket.reset_epoch != reset_epoch_ || ticket.province_epoch != p.epoch) return;
  if (entries_ >= max_entries_) {
    evictions_.fetch_add(static_cast<int64_t>(entries_), std::memory_order_relaxed);
    for (auto& [code, other] : provinces_) other.answers.clear();
    entries_ = 0;
  }
  if (p.answers.insert_or_assign(std::string(key), std::move(answer)).second) ++entries_;
}

void LocalCache::Invalidate(absl::string_view province) {
  absl::MutexLock lock(&mu_);
  Province& p = provinces_[province];
  ++p.epoch;
  entries_ -= p.answers.size();
  p.answers.clear();
  invalidations_.fetch_add(1, std::memory_order_relaxed);
}

void LocalCache::Reset() {
  absl::MutexLock lock(&mu_);
  ++reset_epoch_;  // every outstanding ticket is now void, so the epochs per province can go
  provinces_.clear();
  entries_ = 0;
  resets_.fetch_add(1, std::memory_order_relaxed);
}

LocalCache::Stats LocalCache::stats() const {
  Stats s{hits_.load(), invalidations_.load(), resets_.load(), evictions_.load(), 0};
  absl::ReaderMutexLock lock(&mu_);
  s.entries = static_cast<int64_t>(entries_);
  return s;
}

void LocalCache::ExportMetrics() {
  metrics::Registry::Global().AddCollector([this](std::string& out) {
    const Stats s = stats();
    absl::StrAppend(&out, "# TYPE paritrana_local_cache_hits_total counter\n",
                    "paritrana_local_cache_hits_total ", s.hits, "\n",
                    "# TYPE paritrana_local_cache_invalidations_total counter\n",
                    "paritrana_local_cache_invalidations_total ", s.invalidations, "\n",
                    "# TYPE paritrana_local_cache_resets_total counter\n",
                    "paritrana_local_cache_resets_total ", s.resets, "\n",
                    "# TYPE paritrana_local_cache_evictions_total counter\n",
                    "paritrana_local_cache_evictions_total ", s.evictions, "\n",
                    "# TYPE paritrana_local_cache_entries gauge\n",
                    "paritrana_local_cache_entries ", s.entries, "\n");
  });
}

}  // namespace paritrana::coverage
