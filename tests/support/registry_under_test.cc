#include "tests/support/registry_under_test.h"

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "services/registry/store/open_store.h"
#include "tests/support/redis_server.h"

namespace paritrana::test_support {

absl::StatusOr<std::unique_ptr<RegistryUnderTest>> RegistryUnderTest::Start(
    const std::string& dir, const std::string& redis_address, std::unique_ptr<Authorizer> auth,
    const std::string& region_catalog) {
  return StartWith("sqlite:" + dir + "/registry.db", dir, redis_address, std::move(auth),
                   region_catalog);
}

absl::StatusOr<std::unique_ptr<RegistryUnderTest>> RegistryUnderTest::StartOnStore(
    const std::string& store_url, const std::string& dir, const std::string& redis_address,
    std::unique_ptr<Authorizer> auth) {
  return StartWith(store_url, dir, redis_address, std::move(auth), "");
}

absl::StatusOr<std::unique_ptr<RegistryUnderTest>> RegistryUnderTest::StartWith(
    const std::string& store_url, const std::string& dir, const std::string& redis_address,
    std::unique_ptr<Authorizer> auth, const std::string& region_catalog) {
  std::unique_ptr<RegistryUnderTest> r(new RegistryUnderTest());
  PARITRANA_ASSIGN_OR_RETURN(r->store_, registry::OpenRegistryStore(store_url));
  PARITRANA_ASSIGN_OR_RETURN(NikVault vault, NikVault::FromKeyFile(dir + "/nik.key", true));
  r->vault_ = std::make_unique<NikVault>(std::move(vault));
  if (!redis_address.empty()) {
    PARITRANA_ASSIGN_OR_RETURN(r->redis_, RedisClient::Create(RedisOptionsFor(redis_address)));
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
  if (!region_catalog.empty()) {
    PARITRANA_ASSIGN_OR_RETURN(r->national_load_,
                               r->registry_->LoadNationalCatalog(region_catalog));
  }
  r->service_ = std::make_unique<registry::RegistryService>(*r->registry_, *r->auth_);
  ServerOptions options;
  options.service_name = "paritrana.registry.v1.RegistryService";
  options.drain_grace = absl::ZeroDuration();
  options.shutdown_deadline = absl::Seconds(1);
  options.max_message_bytes = 64 * 1024 * 1024;
  r->audit_service_ = std::make_unique<audit::AuditService>(r->service_->audit_log(), *r->auth_);
  PARITRANA_ASSIGN_OR_RETURN(
      r->host_, ServiceHost::Start(options, {r->service_.get(), r->audit_service_.get()}));
  return r;
}

std::string RegistryUnderTest::InstalledRegionCatalog() { return PARITRANA_IDN_AREA_DATA_DIR; }

void RegistryUnderTest::Enroll(const Worker& w) {
  namespace rv1 = registry::v1;
  rv1::CreateParticipantRequest p;
  p.set_participant_id(absl::StrFormat("%011d", 24000000000LL + w.n));
  p.mutable_participant()->set_nik(absl::StrFormat("157101010190%04d", w.n + 1));
  p.mutable_participant()->set_display_name("Pekerja");
  p.mutable_participant()->set_sex(rv1::SEX_MALE);
  *p.mutable_participant()->mutable_birth_date() = ToProtoDate(absl::CivilDay(1990, 1, 1));
  p.mutable_participant()->set_domicile_region(w.region);
  absl::StatusOr<rv1::Participant> person = registry_->CreateParticipant(p, false);
  if (!person.ok()) {
    ADD_FAILURE() << "participant " << w.n << ": " << person.status();
    return;
  }
  rv1::CreateEnrollmentRequest e;
  e.set_parent(person->name());
  rv1::Enrollment* en = e.mutable_enrollment();
  en->set_segment(w.segment);
  for (type::v1::Programme programme : w.programmes) en->add_programmes(programme);
  en->set_employer(w.employer);
  en->set_funding_source(w.funding);
  en->set_subsidy_scheme(w.subsidy_scheme);
  en->set_region(w.region);
  *en->mutable_start_date() = w.start;
  absl::StatusOr<rv1::Enrollment> enrollment = registry_->CreateEnrollment(e);
  if (!enrollment.ok()) {
    ADD_FAILURE() << "enrollment of " << w.n << ": " << enrollment.status();
    return;
  }
  rv1::CreateContributionRequest c;
  c.set_parent(enrollment->name());
  c.mutable_contribution()->set_amount_rupiah(16800);
  *c.mutable_contribution()->mutable_paid_date() = w.start;
  *c.mutable_contribution()->mutable_covers_through() = w.covers_through;
  absl::Status contribution = registry_->CreateContribution(c).status();
  if (!contribution.ok()) ADD_FAILURE() << "contribution of " << w.n << ": " << contribution;
}

}  // namespace paritrana::test_support
