#include "tests/support/registry_under_test.h"

#include "platform/errors.h"
#include "region/validation.h"
#include "services/registry/store/open_store.h"

namespace paritrana::test_support {

absl::StatusOr<std::unique_ptr<RegistryUnderTest>> RegistryUnderTest::Start(
    const std::string& dir, const std::string& redis_address, std::unique_ptr<Authorizer> auth) {
  std::unique_ptr<RegistryUnderTest> r(new RegistryUnderTest());
  PARITRANA_ASSIGN_OR_RETURN(r->store_,
                             registry::OpenRegistryStore("sqlite:" + dir + "/registry.db"));
  PARITRANA_ASSIGN_OR_RETURN(NikVault vault, NikVault::FromKeyFile(dir + "/nik.key", true));
  r->vault_ = std::make_unique<NikVault>(std::move(vault));
  if (!redis_address.empty()) {
    RedisClient::Options options;
    options.address = redis_address;
    PARITRANA_ASSIGN_OR_RETURN(r->redis_, RedisClient::Create(options));
    r->bumper_ = registry::GenerationBumper::ForRedis(*r->redis_);
  }
  r->auth_ = auth != nullptr ? std::move(auth) : Authorizer::Disabled();
  registry::GenerationBumper* bumper = r->bumper_.get();
  r->registry_ = std::make_unique<registry::Registry>(
      *r->store_, *r->vault_,
      [bumper](const std::set<std::string>& provinces) {
        if (bumper != nullptr) bumper->Bump(provinces);
      },
      TodayInJakarta);
  PARITRANA_RETURN_IF_ERROR(r->registry_->CheckNikKey());
  PARITRANA_RETURN_IF_ERROR(r->registry_->LoadCatalog());
  r->service_ = std::make_unique<registry::RegistryService>(*r->registry_, *r->auth_);
  ServerOptions options;
  options.service_name = "paritrana.registry.v1.RegistryService";
  options.drain_grace = absl::ZeroDuration();
  options.shutdown_deadline = absl::Seconds(1);
  options.max_message_bytes = 64 * 1024 * 1024;
  PARITRANA_ASSIGN_OR_RETURN(r->host_, ServiceHost::Start(options, {r->service_.get()}));
  return r;
}

}  // namespace paritrana::test_support
