#include "tests/support/coverage_under_test.h"

#include <utility>

#include "grpcpp/security/credentials.h"
#include "platform/errors.h"
#include "tests/support/redis_server.h"

namespace paritrana::test_support {

absl::StatusOr<std::unique_ptr<CoverageUnderTest>> CoverageUnderTest::Start(
    const std::string& registry_address, const std::string& redis_address, Options options) {
  std::unique_ptr<CoverageUnderTest> c(new CoverageUnderTest());
  const RedisClient::Options redis = RedisOptionsFor(redis_address);
  PARITRANA_ASSIGN_OR_RETURN(c->redis_, RedisClient::Create(redis));
  PARITRANA_ASSIGN_OR_RETURN(coverage::CacheMac mac,
                             coverage::CacheMac::FromKey(options.cache_key));
  c->registry_ = std::make_unique<coverage::RegistryClient>(
      coverage::RegistryClient::Connect(registry_address, grpc::InsecureChannelCredentials()),
      options.registry_deadline);
  c->cache_ =
      std::make_unique<coverage::CoverageCache>(c->redis_.get(), std::move(mac), absl::Hours(1));
  if (options.local_cache) {
    // The subscriber is made after the cache it feeds, so liveness reads it through `self`.
    CoverageUnderTest* self = c.get();
    c->local_ = std::make_unique<coverage::LocalCache>(
        1000, [self] { return self->subscriber_ != nullptr && self->subscriber_->live(); });
    RedisSubscriber::Options so;
    so.address = redis_address;
    so.username = redis.username;
    so.password = redis.password;
    so.channel = std::string(RedisClient::kGenerationChannel);
    so.max_backoff = absl::Milliseconds(200);  // resubscribe quickly after a test restarts Redis
    coverage::LocalCache* local = c->local_.get();
    PARITRANA_ASSIGN_OR_RETURN(
        c->subscriber_,
        RedisSubscriber::Start(
            so, [local](absl::string_view province) { local->Invalidate(province); },
            [local] { local->Reset(); }));
  }
  c->coverage_ = std::make_unique<coverage::Coverage>(*c->registry_, *c->cache_,
                                                      std::move(options.today), c->local_.get());
  c->auth_ = options.auth != nullptr ? std::move(options.auth) : Authorizer::Disabled();
  c->service_ = std::make_unique<coverage::CoverageService>(*c->coverage_, *c->auth_);
  ServerOptions so;
  so.service_name = "paritrana.coverage.v1.CoverageService";
  so.drain_grace = absl::ZeroDuration();
  so.shutdown_deadline = absl::Seconds(1);
  PARITRANA_ASSIGN_OR_RETURN(c->host_, ServiceHost::Start(so, {c->service_.get()}));
  return c;
}

// The host stops serving first, then the subscriber stops calling into the local cache, before
// the members they use go.
CoverageUnderTest::~CoverageUnderTest() {
  host_.reset();
  subscriber_.reset();
}

}  // namespace paritrana::test_support
