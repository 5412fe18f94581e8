#pragma once

#include <memory>

#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/unary_call.h"
#include "security/auth.h"
#include "services/registry/registry.h"

namespace paritrana::registry {

// paritrana.registry.v1.RegistryService over gRPC: authenticates each call, checks its role,
// runs it on the Registry and turns the outcome into a wire status. Roles: writes need
// registrar; regions, baselines, targets, employers and aggregates any role; participants,
// enrollments and contributions registrar; NIKs are shown only to callers with the PII right.
class RegistryService final : public v1::RegistryService::CallbackService {
 public:
  RegistryService(Registry& registry, const Authorizer& auth) : registry_(registry), auth_(auth) {}

  grpc::ServerUnaryReactor* GetRegion(grpc::CallbackServerContext* ctx,
                                      const v1::GetRegionRequest* req, v1::Region* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Caller&) { return registry_.GetRegion(*req); });
  }

  grpc::ServerUnaryReactor* ListRegions(grpc::CallbackServerContext* ctx,
                                        const v1::ListRegionsRequest* req,
                                        v1::ListRegionsResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Caller&) { return registry_.ListRegions(*req); });
  }

  grpc::ServerUnaryReactor* CreateRegion(grpc::CallbackServerContext* ctx,
                                         const v1::CreateRegionRequest* req,
                                         v1::Region* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.CreateRegion(*req); });
  }

  grpc::ServerUnaryReactor* UpdateRegion(grpc::CallbackServerContext* ctx,
                                         const v1::UpdateRegionRequest* req,
                                         v1::Region* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.UpdateRegion(*req); });
  }

  grpc::ServerUnaryReactor* CreateWorkforceBaseline(grpc::CallbackServerContext* ctx,
                                                    const v1::CreateWorkforceBaselineRequest* req,
                                                    v1::WorkforceBaseline* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.CreateWorkforceBaseline(*req); });
  }

  grpc::ServerUnaryReactor* GetWorkforceBaseline(grpc::CallbackServerContext* ctx,
                                                 const v1::GetWorkforceBaselineRequest* req,
                                                 v1::WorkforceBaseline* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Caller&) { return registry_.GetWorkforceBaseline(*req); });
  }

  grpc::ServerUnaryReactor* ListWorkforceBaselines(
      grpc::CallbackServerContext* ctx, const v1::ListWorkforceBaselinesRequest* req,
      v1::ListWorkforceBaselinesResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Caller&) { return registry_.ListWorkforceBaselines(*req); });
  }

  grpc::ServerUnaryReactor* UpdateWorkforceBaseline(grpc::CallbackServerContext* ctx,
                                                    const v1::UpdateWorkforceBaselineRequest* req,
                                                    v1::WorkforceBaseline* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.UpdateWorkforceBaseline(*req); });
  }

  grpc::ServerUnaryReactor* CreateCoverageTarget(grpc::CallbackServerContext* ctx,
                                                 const v1::CreateCoverageTargetRequest* req,
                                                 v1::CoverageTarget* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.CreateCoverageTarget(*req); });
  }

  grpc::ServerUnaryReactor* GetCoverageTarget(grpc::CallbackServerContext* ctx,
                                              const v1::GetCoverageTargetRequest* req,
                                              v1::CoverageTarget* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Caller&) { return registry_.GetCoverageTarget(*req); });
  }

  grpc::ServerUnaryReactor* ListCoverageTargets(grpc::CallbackServerContext* ctx,
                                                const v1::ListCoverageTargetsRequest* req,
                                                v1::ListCoverageTargetsResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Caller&) { return registry_.ListCoverageTargets(*req); });
  }

  grpc::ServerUnaryReactor* UpdateCoverageTarget(grpc::CallbackServerContext* ctx,
                                                 const v1::UpdateCoverageTargetRequest* req,
                                                 v1::CoverageTarget* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.UpdateCoverageTarget(*req); });
  }

  grpc::ServerUnaryReactor* CreateEmployer(grpc::CallbackServerContext* ctx,
                                           const v1::CreateEmployerRequest* req,
                                           v1::Employer* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.CreateEmployer(*req); });
  }

  grpc::ServerUnaryReactor* GetEmployer(grpc::CallbackServerContext* ctx,
                                        const v1::GetEmployerRequest* req,
                                        v1::Employer* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Caller&) { return registry_.GetEmployer(*req); });
  }

  grpc::ServerUnaryReactor* ListEmployers(grpc::CallbackServerContext* ctx,
                                          const v1::ListEmployersRequest* req,
                                          v1::ListEmployersResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Caller&) { return registry_.ListEmployers(*req); });
  }

  grpc::ServerUnaryReactor* UpdateEmployer(grpc::CallbackServerContext* ctx,
                                           const v1::UpdateEmployerRequest* req,
                                           v1::Employer* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.UpdateEmployer(*req); });
  }

  grpc::ServerUnaryReactor* CreateParticipant(grpc::CallbackServerContext* ctx,
                                              const v1::CreateParticipantRequest* req,
                                              v1::Participant* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp, [&](const Caller& caller) {
      return registry_.CreateParticipant(*req, caller.can_read_pii());
    });
  }

  grpc::ServerUnaryReactor* GetParticipant(grpc::CallbackServerContext* ctx,
                                           const v1::GetParticipantRequest* req,
                                           v1::Participant* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kPersonal), resp, [&](const Caller& caller) {
      return registry_.GetParticipant(*req, caller.can_read_pii());
    });
  }

  grpc::ServerUnaryReactor* ListParticipants(grpc::CallbackServerContext* ctx,
                                             const v1::ListParticipantsRequest* req,
                                             v1::ListParticipantsResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kPersonal), resp, [&](const Caller& caller) {
      return registry_.ListParticipants(*req, caller.can_read_pii());
    });
  }

  grpc::ServerUnaryReactor* UpdateParticipant(grpc::CallbackServerContext* ctx,
                                              const v1::UpdateParticipantRequest* req,
                                              v1::Participant* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp, [&](const Caller& caller) {
      return registry_.UpdateParticipant(*req, caller.can_read_pii());
    });
  }

  grpc::ServerUnaryReactor* CreateEnrollment(grpc::CallbackServerContext* ctx,
                                             const v1::CreateEnrollmentRequest* req,
                                             v1::Enrollment* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.CreateEnrollment(*req); });
  }

  grpc::ServerUnaryReactor* GetEnrollment(grpc::CallbackServerContext* ctx,
                                          const v1::GetEnrollmentRequest* req,
                                          v1::Enrollment* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kPersonal), resp,
                      [&](const Caller&) { return registry_.GetEnrollment(*req); });
  }

  grpc::ServerUnaryReactor* ListEnrollments(grpc::CallbackServerContext* ctx,
                                            const v1::ListEnrollmentsRequest* req,
                                            v1::ListEnrollmentsResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kPersonal), resp,
                      [&](const Caller&) { return registry_.ListEnrollments(*req); });
  }

  grpc::ServerUnaryReactor* TerminateEnrollment(grpc::CallbackServerContext* ctx,
                                                const v1::TerminateEnrollmentRequest* req,
                                                v1::Enrollment* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.TerminateEnrollment(*req); });
  }

  grpc::ServerUnaryReactor* CreateContribution(grpc::CallbackServerContext* ctx,
                                               const v1::CreateContributionRequest* req,
                                               v1::Contribution* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kWrite), resp,
                      [&](const Caller&) { return registry_.CreateContribution(*req); });
  }

  grpc::ServerUnaryReactor* GetContribution(grpc::CallbackServerContext* ctx,
                                            const v1::GetContributionRequest* req,
                                            v1::Contribution* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kPersonal), resp,
                      [&](const Caller&) { return registry_.GetContribution(*req); });
  }

  grpc::ServerUnaryReactor* ListContributions(grpc::CallbackServerContext* ctx,
                                              const v1::ListContributionsRequest* req,
                                              v1::ListContributionsResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kPersonal), resp,
                      [&](const Caller&) { return registry_.ListContributions(*req); });
  }

  grpc::ServerUnaryReactor* QueryAggregates(grpc::CallbackServerContext* ctx,
                                            const v1::QueryAggregatesRequest* req,
                                            v1::QueryAggregatesResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Caller&) { return registry_.QueryAggregates(*req); });
  }

  grpc::ServerUnaryReactor* FindParticipantByNik(grpc::CallbackServerContext* ctx,
                                                 const v1::FindParticipantByNikRequest* req,
                                                 v1::Participant* resp) override;
  grpc::ServerReadReactor<v1::ImportRecordsRequest>* ImportRecords(
      grpc::CallbackServerContext* ctx, v1::ImportRecordsResponse* resp) override;

 private:
  // Who may call: kRead any role; kWrite and kPersonal (participants and their enrollments and
  // contributions, which are personal data) a registrar.
  enum class Access { kRead, kWrite, kPersonal };

  // Authenticates and checks `access`.
  absl::StatusOr<Caller> Admit(const grpc::CallbackServerContext& ctx, Access access) const;

  Registry& registry_;
  const Authorizer& auth_;
};

}  // namespace paritrana::registry
