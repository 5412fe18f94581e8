#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/server.h"
#include "redis/redis_client.h"
#include "redis/redis_subscriber.h"
#include "region/validation.h"
#include "security/auth.h"
#include "services/coverage/coverage.h"
#include "services/coverage/coverage_cache.h"
#include "services/coverage/coverage_service.h"
#include "services/coverage/local_cache.h"

namespace paritrana::test_support {

// The coverage service served in-process on 127.0.0.1:0, as its binary assembles it: a client of
// the registry at `registry_address`, the Redis cache at `redis_address` and, if asked, the
// in-process cache kept fresh by the registry's generation messages. Authentication is off. For
// tests of the service and of its callers (the award service), so they share one assembly.
class CoverageUnderTest final {
 public:
  // The default cache MAC key: fixed, so that the coverage processes of one test share it.
  static constexpr char kCacheKey[] = "coverage-under-test cache MAC key, 32+ bytes";
  struct Options {
    // Off by default so that tests see the Redis tier's exact read-after-write.
    bool local_cache = false;
    std::function<absl::CivilDay()> today = TodayInJakarta;
    absl::Duration registry_deadline = absl::Seconds(5);
    std::unique_ptr<Authorizer> auth;  // null: Authorizer::Disabled()
    // The cache MAC key (--cache_key_file's bytes); replicas sharing a Redis share it.
    std::string cache_key = kCacheKey;
  };

  static absl::StatusOr<std::unique_ptr<CoverageUnderTest>> Start(
      const std::string& registry_address, const std::string& redis_address, Options options);
  ~CoverageUnderTest();

  CoverageUnderTest(const CoverageUnderTest&) = delete;
  CoverageUnderTest& operator=(const CoverageUnderTest&) = delete;

  const std::string& address() const { return host_->address(); }
  ServiceHost& host() { return *host_; }
  coverage::Coverage& coverage() { return *coverage_; }
  coverage::CoverageCache& cache() { return *cache_; }
  // Null unless Options::local_cache.
  coverage::LocalCache* local_cache() { return local_.get(); }
  RedisSubscriber* subscriber() { return subscriber_.get(); }

 private:
  CoverageUnderTest() = default;

  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<coverage::RegistryClient> registry_;
  std::unique_ptr<coverage::CoverageCache> cache_;
  std::unique_ptr<coverage::LocalCache> local_;
  std::unique_ptr<RedisSubscriber> subscriber_;
  std::unique_ptr<coverage::Coverage> coverage_;
  std::unique_ptr<Authorizer> auth_;
  std::unique_ptr<coverage::CoverageService> service_;
  std::unique_ptr<ServiceHost> host_;
};

}  // namespace paritrana::test_support
