#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/server.h"
#include "redis/redis_client.h"
#include "security/auth.h"
#include "security/nik_vault.h"
#include "services/audit/audit_service.h"
#include "services/registry/generation_bumper.h"
#include "services/registry/registry.h"
#include "services/registry/registry_service.h"
#include "services/registry/store/registry_store.h"

namespace paritrana::test_support {

// A real registry served in-process on 127.0.0.1:0: a SQLite file in `dir` (or the store
// StartOnStore names), a fresh NIK key, the shipped region catalogue, and (when `redis_address`
// is not empty) generation bumps to a real Redis. Authentication is off unless `auth` is given.
// For tests of the registry's callers. Starting again on the same `dir` reopens the same database
// and key.
class RegistryUnderTest final {
 public:
  static absl::StatusOr<std::unique_ptr<RegistryUnderTest>> Start(
      const std::string& dir, const std::string& redis_address,
      std::unique_ptr<Authorizer> auth = nullptr, const std::string& region_catalog = "");
  // The same on the store `store_url` (what --store takes: "postgres:CONNINFO", a postgresql://
  // URI or "sqlite:PATH") instead of a SQLite file in `dir`; the NIK key is still `dir`/nik.key.
  // Registries started on one database with one `dir` are replicas: one database, one key.
  static absl::StatusOr<std::unique_ptr<RegistryUnderTest>> StartOnStore(
      const std::string& store_url, const std::string& dir, const std::string& redis_address,
      std::unique_ptr<Authorizer> auth = nullptr);
  // The registry's store, e.g. to read its audit trail directly.
  registry::RegistryStore& store() { return *store_; }

  // The idn-area-data package `npm ci --prefix tools` installs (tools/node_modules): the value of
  // `region_catalog` that loads the national region catalogue as --region_catalog does. Loading it
  // takes about a second, so only the tests about the catalogue do.
  static std::string InstalledRegionCatalog();

  // What loading the national catalogue did at start (loaded false when not asked for).
  const registry::Registry::NationalLoad& national_load() const { return national_load_; }

  const std::string& address() const { return host_->address(); }
  registry::Registry& registry() { return *registry_; }

  // A worker as the service tests enroll one: participant KPJ 24000000000 + `n` (a valid NIK
  // with serial n + 1, born 1990-01-01) domiciled in `region`, one enrollment there from `start`
  // and one contribution paid on `start` covering it through `covers_through`.
  struct Worker {
    int n = 0;
    std::string region;
    type::v1::Segment segment = type::v1::SEGMENT_BPU;
    google::type::Date start;
    google::type::Date covers_through;
    std::vector<type::v1::Programme> programmes = {type::v1::PROGRAMME_JKK,
                                                   type::v1::PROGRAMME_JKM};
    std::string employer;  // PU: "employers/{npp}", funded by the employer
    type::v1::FundingSource funding = type::v1::FUNDING_SOURCE_WORKER;
    std::string subsidy_scheme;
  };
  // Fails the current test (ADD_FAILURE) when the registry refuses a part.
  void Enroll(const Worker& worker);
  // Stops serving (drains at once); the registry is unreachable afterwards.
  void Stop() { host_->Drain(); }

 private:
  RegistryUnderTest() = default;
  static absl::StatusOr<std::unique_ptr<RegistryUnderTest>> StartWith(
      const std::string& store_url, const std::string& dir, const std::string& redis_address,
      std::unique_ptr<Authorizer> auth, const std::string& region_catalog);

  std::unique_ptr<registry::RegistryStore> store_;
  std::unique_ptr<NikVault> vault_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<registry::GenerationBumper> bumper_;
  std::unique_ptr<Authorizer> auth_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<registry::RegistryService> service_;
  std::unique_ptr<audit::AuditService> audit_service_;  // the registry's audit trail
  std::unique_ptr<ServiceHost> host_;
  registry::Registry::NationalLoad national_load_;
};

}  // namespace paritrana::test_support
