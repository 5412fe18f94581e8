#include "tests/support/award_under_test.h"

#include <utility>

#include "clients/channel.h"
#include "grpcpp/security/credentials.h"
#include "platform/errors.h"
#include "services/award/store/open_store.h"

namespace paritrana::test_support {

absl::StatusOr<std::unique_ptr<AwardUnderTest>> AwardUnderTest::Start(
    const std::string& dir, const std::string& registry_address,
    const std::string& coverage_address, Options options) {
  std::unique_ptr<AwardUnderTest> a(new AwardUnderTest());
  PARITRANA_ASSIGN_OR_RETURN(a->store_, award::OpenAwardStore("sqlite:" + dir + "/award.db"));
  a->directory_ = std::make_unique<award::RegistryDirectory>(
      ConnectToService(registry_address, grpc::InsecureChannelCredentials(),
                       "paritrana.registry.v1.RegistryService"),
      absl::Seconds(5));
  a->coverage_client_ = std::make_unique<award::CoverageClient>(
      ConnectToService(coverage_address, grpc::InsecureChannelCredentials(),
                       "paritrana.coverage.v1.CoverageService"),
      absl::Seconds(10));
  a->award_ = std::make_unique<award::Award>(*a->store_, *a->directory_, *a->coverage_client_,
                                             std::move(options.today));
  a->auth_ = options.auth != nullptr ? std::move(options.auth) : Authorizer::Disabled();
  a->service_ = std::make_unique<award::AwardService>(*a->award_, *a->auth_);
  a->audit_service_ = std::make_unique<audit::AuditService>(a->service_->audit_log(), *a->auth_);
  ServerOptions so;
  so.service_name = "paritrana.award.v1.AwardService";
  so.drain_grace = absl::ZeroDuration();
  so.shutdown_deadline = absl::Seconds(1);
  award::AwardStore* store = a->store_.get();
  PARITRANA_ASSIGN_OR_RETURN(
      a->host_, ServiceHost::Start(so, {a->service_.get(), a->audit_service_.get()},
                                   {{"store", true, [store] { return store->Ping(); }}}));
  return a;
}

// Stops serving before the service and the rules it calls go.
AwardUnderTest::~AwardUnderTest() {
  host_.reset();
  service_.reset();
}

}  // namespace paritrana::test_support
