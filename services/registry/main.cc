#include <cmath>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "platform/log.h"
#include "platform/server.h"
#include "redis/redis_client.h"
#include "redis/redis_flags.h"
#include "region/validation.h"
#include "security/auth.h"
#include "security/nik_vault.h"
#include "services/audit/audit_service.h"
#include "services/registry/generation_bumper.h"
#include "services/registry/registry.h"
#include "services/registry/registry_service.h"
#include "services/registry/store/open_store.h"

ABSL_FLAG(std::string, store, "sqlite:data/registry.db",
          "Where the registry keeps its data: sqlite:PATH, or PostgreSQL as postgresql://... or "
          "postgres:CONNINFO (password from PGPASSWORD or a passfile, never here)");
ABSL_FLAG(std::string, redis, "",
          "HOST:PORT or unix:/path/redis.sock of Redis, whose cache generations the registry "
          "bumps after each write; empty: no cache");
ABSL_FLAG(std::string, nik_key_file, "data/registry-nik.key",
          "File with the 64-byte key that hashes and seals NIKs (mode 0600). Losing it makes "
          "stored NIKs unreadable; back it up apart from the database");
ABSL_FLAG(std::string, region_catalog, "",
          "Directory of the idn-area-data npm package (e.g. tools/node_modules/idn-area-data): "
          "the national region catalogue, all 91,599 regions, loaded in one transaction at the "
          "first start with it and whenever the package version changes; real regions outside it "
          "are then refused. Empty: only the shipped catalogue (provinces, Jambi's regencies)");
ABSL_FLAG(double, baseline_tolerance_percent, paritrana::registry::kDefaultBaselineTolerancePercent,
          "How far, in percent of its potential workers, a province's given baseline may differ "
          "from the sum of its regencies'/cities' baselines of the same source and year before "
          "QueryAggregates (and so GetCoverage) reports the disagreement; such baselines are "
          "always accepted. 0 reports every difference; a province whose children do not all "
          "have a baseline is reported only when their sum exceeds its figure. At least 0");
ABSL_FLAG(bool, create_nik_key, false,
          "Create --nik_key_file when missing (first start of a new installation only)");

namespace {

using paritrana::log::Error;
using paritrana::log::Info;

int Run() {
  const paritrana::ServerOptions server_options =
      paritrana::ServerOptionsFromFlags("paritrana.registry.v1.RegistryService", 50051);
  auto store = paritrana::registry::OpenRegistryStore(absl::GetFlag(FLAGS_store));
  if (!store.ok()) {
    Error("cannot open store", {{"error", store.status().ToString()}});
    return 1;
  }
  if (absl::GetFlag(FLAGS_production) && absl::GetFlag(FLAGS_create_nik_key)) {
    // A new key over an existing database would start a second, unrelated set of hashes.
    Error("--production refuses --create_nik_key: provision the NIK key and back it up");
    return 1;
  }
  auto vault = paritrana::NikVault::FromKeyFile(absl::GetFlag(FLAGS_nik_key_file),
                                                absl::GetFlag(FLAGS_create_nik_key));
  if (!vault.ok()) {
    Error("cannot load the NIK key", {{"error", vault.status().ToString()}});
    return 1;
  }
  auto auth = paritrana::Authorizer::FromFlags();
  if (!auth.ok()) {
    Error("cannot load tokens", {{"error", auth.status().ToString()}});
    return 1;
  }

  std::unique_ptr<paritrana::RedisClient> redis;
  std::unique_ptr<paritrana::registry::GenerationBumper> bumper;
  if (!absl::GetFlag(FLAGS_redis).empty()) {
    auto options = paritrana::RedisOptionsFromFlags(absl::GetFlag(FLAGS_redis));
    if (!options.ok()) {
      Error("bad Redis credentials", {{"error", options.status().ToString()}});
      return 1;
    }
    // Bumps that fail are retried (GenerationBumper); a short backoff cap keeps the time between
    // Redis coming back and the retry going through, which coverage may serve stale, short.
    options->max_backoff = absl::Milliseconds(500);
    auto client = paritrana::RedisClient::Create(*std::move(options));
    if (!client.ok()) {
      Error("bad --redis", {{"error", client.status().ToString()}});
      return 1;
    }
    redis = std::move(*client);
    bumper = paritrana::registry::GenerationBumper::ForRedis(*redis);
    bumper->BumpEveryProvince();
  }
  auto publish = [&bumper](const std::set<std::string>& provinces) {
    if (bumper != nullptr) bumper->Bump(provinces);
  };

  const double tolerance = absl::GetFlag(FLAGS_baseline_tolerance_percent);
  if (!(tolerance >= 0) || !std::isfinite(tolerance)) {
    Error("--baseline_tolerance_percent must be a finite number of at least 0");
    return 1;
  }
  paritrana::registry::Registry registry(**store, *vault, publish, paritrana::TodayInJakarta);
  registry.set_baseline_tolerance_percent(tolerance);
  if (absl::Status s = registry.CheckNikKey(); !s.ok()) {
    Error("refusing the NIK key", {{"error", s.ToString()}});
    return 1;
  }
  if (absl::Status s = registry.LoadCatalog(); !s.ok()) {
    Error("cannot load the region catalogue", {{"error", s.ToString()}});
    return 1;
  }
  if (const std::string dir = absl::GetFlag(FLAGS_region_catalog); !dir.empty()) {
    // A first load adds about 91,550 regions before the port opens: say why it is not open yet.
    Info("reading the national region catalogue before serving", {{"dir", dir}});
    const absl::Time start = absl::Now();
    auto load = registry.LoadNationalCatalog(dir);
    if (!load.ok()) {
      Error("cannot load the national region catalogue --region_catalog",
            {{"dir", dir}, {"error", load.status().ToString()}});
      return 1;
    }
    Info(load->loaded ? "national region catalogue loaded" : "national region catalogue present",
         {{"version", load->version},
          {"inserted", load->inserted},
          {"ms", absl::ToInt64Milliseconds(absl::Now() - start)}});
  }
  if (absl::Status s = registry.RebuildCounts(); !s.ok()) {
    Error("cannot rebuild the counts", {{"error", s.ToString()}});
    return 1;
  }
  paritrana::registry::RegistryService service(registry, **auth);

  std::vector<paritrana::Dependency> dependencies = {
      {"store", true, [&] { return (*store)->Ping(); }}};
  if (redis != nullptr) dependencies.push_back({"redis", false, [&] { return redis->Ping(); }});
  // The registry's audit trail, for auditors (security/audit.h).
  paritrana::audit::AuditService audit_service(service.audit_log(), **auth);
  return paritrana::ServeProcess(server_options, {&service, &audit_service}, dependencies);
}

}  // namespace

int main(int argc, char** argv) {
  paritrana::InitServiceProcess(argc, argv, "registry",
                                "paritrana-registry: the Paritrana registry, system of record.\n"
                                "Every flag also reads PARITRANA_<FLAG> from the environment.");
  return Run();
}
