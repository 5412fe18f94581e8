#include <algorithm>
#include <optional>

#include "absl/flags/flag.h"
#include "clients/registry_client.h"
#include "platform/log.h"
#include "platform/server.h"
#include "redis/redis_client.h"
#include "redis/redis_flags.h"
#include "redis/redis_subscriber.h"
#include "region/validation.h"
#include "security/auth.h"
#include "services/coverage/cache_mac.h"
#include "services/coverage/coverage.h"
#include "services/coverage/coverage_cache.h"
#include "services/coverage/coverage_service.h"
#include "services/coverage/local_cache.h"

ABSL_FLAG(std::string, registry, "127.0.0.1:50051", "HOST:PORT of the registry service");
ABSL_FLAG(std::string, redis, "",
          "HOST:PORT or unix:/path/redis.sock of the Redis cache; empty: no cache");
ABSL_FLAG(absl::Duration, registry_deadline, absl::Seconds(2),
          "Deadline of each call to the registry");
ABSL_FLAG(absl::Duration, cache_ttl, absl::Hours(1),
          "Backstop lifetime of cached answers; freshness comes from generations, not the TTL");
ABSL_FLAG(int64_t, local_cache_entries, 50000,
          "Answers kept in process in front of Redis, dropped on the registry's change messages "
          "(needs --redis); 0 turns the in-process cache off");

namespace {

using paritrana::log::Error;

int Run() {
  const paritrana::ServerOptions server_options =
      paritrana::ServerOptionsFromFlags("paritrana.coverage.v1.CoverageService", 50052);
  auto auth = paritrana::Authorizer::FromFlags();
  if (!auth.ok()) {
    Error("cannot load tokens", {{"error", auth.status().ToString()}});
    return 1;
  }
  std::unique_ptr<paritrana::RedisClient> redis;
  std::optional<paritrana::coverage::CacheMac> cache_mac;
  if (!absl::GetFlag(FLAGS_redis).empty()) {
    auto options = paritrana::RedisOptionsFromFlags(absl::GetFlag(FLAGS_redis));
    if (!options.ok()) {
      Error("bad Redis credentials", {{"error", options.status().ToString()}});
      return 1;
    }
    options->pool_size = 16;  // sized for concurrent RPCs on the callback threads
    auto client = paritrana::RedisClient::Create(*std::move(options));
    if (!client.ok()) {
      Error("bad --redis", {{"error", client.status().ToString()}});
      return 1;
    }
    redis = std::move(*client);
    // Whatever Redis holds is checked against this key before it is served (cache_mac.h).
    auto mac = paritrana::coverage::CacheMac::FromFlags();
    if (!mac.ok()) {
      Error("cannot load the cache key", {{"error", mac.status().ToString()}});
      return 1;
    }
    cache_mac = *std::move(mac);
  }
  paritrana::coverage::RegistryClient registry(
      paritrana::coverage::RegistryClient::Connect(absl::GetFlag(FLAGS_registry),
                                                   paritrana::ClientCredentialsFromFlags()),
      absl::GetFlag(FLAGS_registry_deadline));
  static paritrana::coverage::CoverageCache cache(redis.get(), std::move(cache_mac),
                                                  absl::GetFlag(FLAGS_cache_ttl));
  cache.ExportMetrics();
  // The in-process tier (local_cache.h) is usable only while the subscription to the registry's
  // change messages is live; it is stopped explicitly below, before the cache it feeds.
  static std::unique_ptr<paritrana::RedisSubscriber> subscriber;
  static paritrana::coverage::LocalCache local(
      static_cast<size_t>(std::max<int64_t>(0, absl::GetFlag(FLAGS_local_cache_entries))),
      [] { return subscriber != nullptr && subscriber->live(); });
  local.ExportMetrics();
  if (redis != nullptr && absl::GetFlag(FLAGS_local_cache_entries) > 0) {
    paritrana::RedisSubscriber::Options options;
    options.address = redis->address();
    options.username = redis->options().username;
    options.password = redis->options().password;
    options.channel = std::string(paritrana::RedisClient::kGenerationChannel);
    auto started = paritrana::RedisSubscriber::Start(
        options, [](absl::string_view province) { local.Invalidate(province); },
        [] { local.Reset(); });
    if (!started.ok()) {
      Error("cannot subscribe to cache invalidations", {{"error", started.status().ToString()}});
      return 1;
    }
    subscriber = std::move(*started);
  }
  paritrana::coverage::Coverage coverage(registry, cache, paritrana::TodayInJakarta,
                                         subscriber != nullptr ? &local : nullptr);
  paritrana::coverage::CoverageService service(coverage, **auth);

  // Neither dependency takes the service out of rotation: without Redis it answers from the
  // registry, and without the registry it still serves cached answers. Health shows both.
  std::vector<paritrana::Dependency> dependencies = {
      {"registry", false, [&] { return registry.Probe(); }}};
  if (redis != nullptr) dependencies.push_back({"redis", false, [&] { return redis->Ping(); }});
  const int exit_code = paritrana::ServeProcess(server_options, {&service}, dependencies);
  subscriber.reset();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  paritrana::InitServiceProcess(argc, argv, "coverage",
                                "paritrana-coverage: coverage ratios, gaps, rankings and trends.\n"
                                "Every flag also reads PARITRANA_<FLAG> from the environment.");
  return Run();
}
