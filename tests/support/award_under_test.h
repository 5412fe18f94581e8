#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "platform/server.h"
#include "region/validation.h"
#include "security/auth.h"
#include "services/audit/audit_service.h"
#include "services/award/award.h"
#include "services/award/award_service.h"
#include "services/award/sources.h"
#include "services/award/store/award_store.h"

namespace paritrana::test_support {

// The award service served in-process on 127.0.0.1:0, as its binary assembles it: its SQLite
// store in `dir`, the registry at `registry_address` and the coverage service at
// `coverage_address` (see RegistryUnderTest and CoverageUnderTest). Health reports the store,
// like the binary's. Authentication is off unless Options::auth is given.
class AwardUnderTest final {
 public:
  struct Options {
    std::unique_ptr<Authorizer> auth;  // null: Authorizer::Disabled()
    std::function<absl::CivilDay()> today = TodayInJakarta;
  };

  static absl::StatusOr<std::unique_ptr<AwardUnderTest>> Start(const std::string& dir,
                                                               const std::string& registry_address,
                                                               const std::string& coverage_address,
                                                               Options options);
  ~AwardUnderTest();

  AwardUnderTest(const AwardUnderTest&) = delete;
  AwardUnderTest& operator=(const AwardUnderTest&) = delete;

  const std::string& address() const { return host_->address(); }
  award::Award& award() { return *award_; }
  award::AwardStore& store() { return *store_; }
  award::CoverageClient& coverage_client() { return *coverage_client_; }

 private:
  AwardUnderTest() = default;

  std::unique_ptr<award::AwardStore> store_;
  std::unique_ptr<award::RegistryDirectory> directory_;
  std::unique_ptr<award::CoverageClient> coverage_client_;
  std::unique_ptr<award::Award> award_;
  std::unique_ptr<Authorizer> auth_;
  std::unique_ptr<award::AwardService> service_;
  std::unique_ptr<audit::AuditService> audit_service_;  // the award's audit trail
  std::unique_ptr<ServiceHost> host_;
};

}  // namespace paritrana::test_support
