#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/slice.h"

namespace paritrana::coverage {

// Answers kept in the coverage process itself, in front of the Redis cache, as the bytes that go
// on the wire: a hit costs a hash look-up instead of a Redis round trip, and is sent as it is
// kept (a grpc::Slice is reference counted, so every call shares one copy of the bytes). The
// round trip is, on a busy 2-core machine, most of a Redis hit's cost (bench/analysis.md). It stays
// exact the same way the Redis cache does, by listening instead of asking: the registry publishes
// each province it bumps (RedisClient::kGenerationChannel) and the subscriber calls
// Invalidate(province), which drops the province's answers. Entries are used only while `live()`
// says that no message can have been missed (RedisSubscriber::live); a (re)subscription calls
// Reset().
//
// The race between a reader filling the cache and a write is closed with epochs: a reader takes
// a Ticket before it reads Redis or the registry, and Put() refuses the answer if the province
// was invalidated (or the cache reset) since, because the answer may predate that write.
//
// Staleness: after the registry acknowledges a write, this cache may answer from before it for
// as long as the pub/sub message takes to arrive and be handled (well under a millisecond on one
// host), or, if the link to Redis breaks silently, until `live()` turns false (about a second).
class LocalCache final {
 public:
  struct Ticket {
    uint64_t reset_epoch = 0;
    uint64_t province_epoch = 0;
  };
  struct Stats {
    int64_t hits = 0;
    int64_t invalidations = 0;  // provinces dropped on a message
    int64_t resets = 0;
    int64_t evictions = 0;  // entries dropped because the cache was full
    int64_t entries = 0;
  };

  // At most `max_entries` answers (when full, the whole cache is emptied: simple, and cheap
  // next to a Redis round trip per answer while it refills).
  LocalCache(size_t max_entries, std::function<bool()> live)
      : max_entries_(max_entries), live_(std::move(live)) {}

  // The serialized answer cached for `key` of `province`, if any; fills `ticket` for a later Put().
  std::optional<grpc::Slice> Get(absl::string_view province, absl::string_view key, Ticket& ticket);
  // Keeps `answer` unless the province was invalidated or the cache reset since `ticket`.
  void Put(absl::string_view province, absl::string_view key, const Ticket& ticket,
           grpc::Slice answer);

  void Invalidate(absl::string_view province);
  void Reset();

  // Publishes stats() as paritrana_local_cache_* metrics; the cache must outlive the endpoint.
  void ExportMetrics();
  Stats stats() const;

 private:
  struct Province {
    uint64_t epoch = 0;
    absl::flat_hash_map<std::string, grpc::Slice> answers;
  };

  const size_t max_entries_;
  const std::function<bool()> live_;
  mutable absl::Mutex mu_;
  uint64_t reset_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Province> provinces_ ABSL_GUARDED_BY(mu_);
  size_t entries_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<int64_t> hits_{0}, invalidations_{0}, resets_{0}, evictions_{0};
};

}  // namespace paritrana::coverage
