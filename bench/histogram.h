#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

// A latency histogram in the manner of HdrHistogram: values below 128 are counted exactly, larger
// ones in log-linear buckets (64 per power of two), so every recorded value is known to within
// 1/64 (1.6%) whatever its magnitude, from nanoseconds to hours, in a fixed 30 KiB. Record is
// lock-free and safe from any number of threads; reads are meant for after the recording stops.
namespace paritrana::bench {

class Histogram final {
 public:
  static constexpr int kLinear = 128;
  static constexpr int kSubBuckets = 64;
  static constexpr int kBuckets = kLinear + 58 * kSubBuckets;

  static int IndexOf(uint64_t v) {
    if (v < kLinear) return static_cast<int>(v);
    const int msb = 63 - std::countl_zero(v);  // >= 7
    const int shift = msb - 6;                 // v >> shift is in [64, 128)
    const int top = static_cast<int>(v >> shift);
    return kLinear + (shift - 1) * kSubBuckets + (top - kSubBuckets);
  }
  // The largest value that falls in bucket `i` (what a percentile reports: conservative).
  static uint64_t HighestOf(int i) {
    if (i < kLinear) return static_cast<uint64_t>(i);
    const int shift = (i - kLinear) / kSubBuckets + 1;
    const uint64_t top = static_cast<uint64_t>((i - kLinear) % kSubBuckets + kSubBuckets);
    return ((top + 1) << shift) - 1;
  }

  void Record(uint64_t v) {
    counts_[IndexOf(v)].fetch_add(1, std::memory_order_relaxed);
    uint64_t m = max_.load(std::memory_order_relaxed);
    while (v > m && !max_.compare_exchange_weak(m, v, std::memory_order_relaxed)) {
    }
  }

  uint64_t Count() const {
    uint64_t n = 0;
    for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
    return n;
  }
  uint64_t Max() const { return max_.load(std::memory_order_relaxed); }

  // The value at or below which `p` percent of the recorded values fall (0 when empty).
  uint64_t Percentile(double p) const {
    const uint64_t total = Count();
    if (total == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(p / 100.0 * static_cast<double>(total) + 0.5);
    rank = std::clamp<uint64_t>(rank, 1, total);
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i].load(std::memory_order_relaxed);
      if (seen >= rank) return std::min(HighestOf(i), Max());
    }
    return Max();
  }

  double Mean() const {
    const uint64_t total = Count();
    if (total == 0) return 0;
    long double sum = 0;
    for (int i = 0; i < kBuckets; ++i) {
      const uint64_t c = counts_[i].load(std::memory_order_relaxed);
      if (c == 0) continue;
      const uint64_t lo = i == 0 ? 0 : HighestOf(i - 1) + 1;
      sum += static_cast<long double>(c) * (static_cast<long double>(lo + HighestOf(i)) / 2);
    }
    return static_cast<double>(sum / total);
  }

 private:
  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
  std::atomic<uint64_t> max_{0};
};

}  // namespace paritrana::bench
