#include "services/registry/generation_bumper.h"

#include <algorithm>

#include "platform/log.h"
#include "region/region_catalog.h"

namespace paritrana::registry {

GenerationBumper::GenerationBumper(BumpFn bump, Options options)
    : bump_(std::move(bump)), options_(options), thread_([this] { Run(); }) {}

GenerationBumper::~GenerationBumper() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  absl::MutexLock lock(&mu_);
  if (!pending_.empty()) {
    log::Error(
        "cache generations not bumped at shutdown: coverage may serve "
        "older answers "
        "until the registry starts again",
        {{"provinces", pending_.size()}});
  }
}

std::unique_ptr<GenerationBumper> GenerationBumper::ForRedis(RedisClient& redis) {
  return std::make_unique<GenerationBumper>(
      [&redis](const std::vector<std::string>& provinces) {
        return redis.BumpGenerations(provinces);
      },
      Options());
}

void GenerationBumper::Bump(const std::set<std::string>& provinces) {
  if (provinces.empty()) return;
  absl::MutexLock lock(&mu_);
  if (pending_.empty() && in_flight_.empty()) {
    // Nothing to retry: Redis is presumed healthy, so try now and answer the write fresh.
    mu_.Unlock();
    const absl::Status s = bump_({provinces.begin(), provinces.end()});
    mu_.Lock();
    if (s.ok()) return;
  }
  pending_.insert(provinces.begin(), provinces.end());
}

void GenerationBumper::BumpEveryProvince() {
  absl::MutexLock lock(&mu_);
  for (const CatalogRegion& p : Provinces()) pending_.insert(std::string(p.code));
}

bool GenerationBumper::WaitIdle(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return pending_.empty() && in_flight_.empty();
  };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

size_t GenerationBumper::pending() const {
  absl::MutexLock lock(&mu_);
  // A province bumped again while its earlier bump is in flight counts once.
  size_t n = pending_.size();
  for (const std::string& p : in_flight_) n += pending_.contains(p) ? 0 : 1;
  return n;
}

void GenerationBumper::Run() {
  absl::Duration backoff = options_.retry_min;
  int64_t failures = 0;
  absl::MutexLock lock(&mu_);
  while (true) {
    auto ready = [this]()
                     ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || !pending_.empty(); };
    mu_.Await(absl::Condition(&ready));
    if (pending_.empty()) return;  // stopping with nothing to send
    const bool last_attempt = stopping_;
    std::vector<std::string> batch(pending_.begin(), pending_.end());
    in_flight_.swap(pending_);
    mu_.Unlock();
    const absl::Status s = bump_(batch);
    mu_.Lock();
    in_flight_.clear();
    if (s.ok()) {
      if (failures > 0) log::Info("cache generations bumped again", {{"failed_tries", failures}});
      failures = 0;
      backoff = options_.retry_min;
      continue;
    }
    pending_.insert(batch.begin(), batch.end());
    if (failures++ == 0) {
      log::Warn("cache generation bump failed; retrying until Redis takes it",
                {{"error", s.ToString()}, {"provinces", batch.size()}});
    }
    if (last_attempt) return;
    auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff);
    backoff = std::min(backoff * 2, options_.retry_max);
  }
}

}  // namespace paritrana::registry
