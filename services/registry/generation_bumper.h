#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "redis/redis_client.h"

namespace paritrana::registry {

// Carries the registry's cache-generation bumps to Redis without losing one. Bump sends them at
// once when nothing is pending (so a healthy Redis has the new generation before the write is
// answered); when that fails (Redis down, paused, slower than the client's timeout), or while
// earlier bumps are still pending, the provinces stay pending and a background thread retries with
// a backoff of `retry_min` doubling to `retry_max` until Redis takes them. A coverage answer can
// therefore be stale for as long as Redis refuses writes, plus at most one backoff interval, never
// until some unrelated later write. Bumps of one province coalesce: readers compare generations
// only for equality, so one INCR after several writes is as good as several.
//
// What this cannot keep is a bump pending in a process that dies; the registry's start bumps every
// province once for that (see main.cc).
class GenerationBumper final {
 public:
  using BumpFn = std::function<absl::Status(const std::vector<std::string>& provinces)>;
  struct Options {
    absl::Duration retry_min = absl::Milliseconds(50);
    absl::Duration retry_max = absl::Milliseconds(500);
  };

  GenerationBumper(BumpFn bump, Options options);
  // Stops the thread after one last attempt to send what is pending (bounded by `bump`'s own
  // timeout); what is still pending then is logged as an error.
  ~GenerationBumper();

  GenerationBumper(const GenerationBumper&) = delete;
  GenerationBumper& operator=(const GenerationBumper&) = delete;

  // Bumps every province in `redis`, as RedisClient::BumpGenerations does.
  static std::unique_ptr<GenerationBumper> ForRedis(RedisClient& redis);

  // Bumps each province now, or leaves it pending for the thread. Waits for Redis at most one call
  // of `bump` (its timeout), and not at all while earlier bumps are pending.
  void Bump(const std::set<std::string>& provinces);
  // Leaves every province of the catalogue pending: run at start, since a bump that a registry
  // which died was still retrying is lost with it.
  void BumpEveryProvince();
  // Waits until nothing is pending or `timeout` passes; true when nothing is pending.
  bool WaitIdle(absl::Duration timeout);
  // Provinces waiting for a successful bump (including those being sent).
  size_t pending() const;

 private:
  void Run();

  const BumpFn bump_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::set<std::string> pending_ ABSL_GUARDED_BY(mu_);
  // The batch the thread is sending now, out of pending_ until it fails.
  std::set<std::string> in_flight_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace paritrana::registry
