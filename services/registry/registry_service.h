#pragma once

#include <memory>

#include "paritrana/registry/v1/registry.grpc.pb.h"
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
    return Unary(ctx, Access::kRead,
                 [&](const Caller& /*caller*/) { return Assign(resp, registry_.GetRegion(*req)); });
  }

  grpc::ServerUnaryReactor* ListRegions(grpc::CallbackServerContext* ctx,
                                        const v1::ListRegionsRequest* req,
                                        v1::ListRegionsResponse* resp) override {
    return Unary(ctx, Access::kRead, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.ListRegions(*req));
    });
  }

  grpc::ServerUnaryReactor* CreateRegion(grpc::CallbackServerContext* ctx,
                                         const v1::CreateRegionRequest* req,
                                         v1::Region* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.CreateRegion(*req));
    });
  }

  grpc::ServerUnaryReactor* UpdateRegion(grpc::CallbackServerContext* ctx,
                                         const v1::UpdateRegionRequest* req,
                                         v1::Region* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.UpdateRegion(*req));
    });
  }

  grpc::ServerUnaryReactor* CreateWorkforceBaseline(grpc::CallbackServerContext* ctx,
                                                    const v1::CreateWorkforceBaselineRequest* req,
                                                    v1::WorkforceBaseline* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.CreateWorkforceBaseline(*req));
    });
  }

  grpc::ServerUnaryReactor* GetWorkforceBaseline(grpc::CallbackServerContext* ctx,
                                                 const v1::GetWorkforceBaselineRequest* req,
                                                 v1::WorkforceBaseline* resp) override {
    return Unary(ctx, Access::kRead, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.GetWorkforceBaseline(*req));
    });
  }

  grpc::ServerUnaryReactor* ListWorkforceBaselines(
      grpc::CallbackServerContext* ctx, const v1::ListWorkforceBaselinesRequest* req,
      v1::ListWorkforceBaselinesResponse* resp) override {
    return Unary(ctx, Access::kRead, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.ListWorkforceBaselines(*req));
    });
  }

  grpc::ServerUnaryReactor* UpdateWorkforceBaseline(grpc::CallbackServerContext* ctx,
                                                    const v1::UpdateWorkforceBaselineRequest* req,
                                                    v1::WorkforceBaseline* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.UpdateWorkforceBaseline(*req));
    });
  }

  grpc::ServerUnaryReactor* CreateCoverageTarget(grpc::CallbackServerContext* ctx,
                                                 const v1::CreateCoverageTargetRequest* req,
                                                 v1::CoverageTarget* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.CreateCoverageTarget(*req));
    });
  }

  grpc::ServerUnaryReactor* GetCoverageTarget(grpc::CallbackServerContext* ctx,
                                              const v1::GetCoverageTargetRequest* req,
                                              v1::CoverageTarget* resp) override {
    return Unary(ctx, Access::kRead, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.GetCoverageTarget(*req));
    });
  }

  grpc::ServerUnaryReactor* ListCoverageTargets(grpc::CallbackServerContext* ctx,
                                                const v1::ListCoverageTargetsRequest* req,
                                                v1::ListCoverageTargetsResponse* resp) override {
    return Unary(ctx, Access::kRead, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.ListCoverageTargets(*req));
    });
  }

  grpc::ServerUnaryReactor* UpdateCoverageTarget(grpc::CallbackServerContext* ctx,
                                                 const v1::UpdateCoverageTargetRequest* req,
                                                 v1::CoverageTarget* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.UpdateCoverageTarget(*req));
    });
  }

  grpc::ServerUnaryReactor* CreateEmployer(grpc::CallbackServerContext* ctx,
                                           const v1::CreateEmployerRequest* req,
                                           v1::Employer* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.CreateEmployer(*req));
    });
  }

  grpc::ServerUnaryReactor* GetEmployer(grpc::CallbackServerContext* ctx,
                                        const v1::GetEmployerRequest* req,
                                        v1::Employer* resp) override {
    return Unary(ctx, Access::kRead, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.GetEmployer(*req));
    });
  }

  grpc::ServerUnaryReactor* ListEmployers(grpc::CallbackServerContext* ctx,
                                          const v1::ListEmployersRequest* req,
                                          v1::ListEmployersResponse* resp) override {
    return Unary(ctx, Access::kRead, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.ListEmployers(*req));
    });
  }

  grpc::ServerUnaryReactor* UpdateEmployer(grpc::CallbackServerContext* ctx,
                                           const v1::UpdateEmployerRequest* req,
                                           v1::Employer* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.UpdateEmployer(*req));
    });
  }

  grpc::ServerUnaryReactor* CreateParticipant(grpc::CallbackServerContext* ctx,
                                              const v1::CreateParticipantRequest* req,
                                              v1::Participant* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& caller) {
      return Assign(resp, registry_.CreateParticipant(*req, caller.can_read_pii()));
    });
  }

  grpc::ServerUnaryReactor* GetParticipant(grpc::CallbackServerContext* ctx,
                                           const v1::GetParticipantRequest* req,
                                           v1::Participant* resp) override {
    return Unary(ctx, Access::kPersonal, [&](const Caller& caller) {
      return Assign(resp, registry_.GetParticipant(*req, caller.can_read_pii()));
    });
  }

  grpc::ServerUnaryReactor* ListParticipants(grpc::CallbackServerContext* ctx,
                                             const v1::ListParticipantsRequest* req,
                                             v1::ListParticipantsResponse* resp) override {
    return Unary(ctx, Access::kPersonal, [&](const Caller& caller) {
      return Assign(resp, registry_.ListParticipants(*req, caller.can_read_pii()));
    });
  }

  grpc::ServerUnaryReactor* UpdateParticipant(grpc::CallbackServerContext* ctx,
                                              const v1::UpdateParticipantRequest* req,
                                              v1::Participant* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& caller) {
      return Assign(resp, registry_.UpdateParticipant(*req, caller.can_read_pii()));
    });
  }

  grpc::ServerUnaryReactor* CreateEnrollment(grpc::CallbackServerContext* ctx,
                                             const v1::CreateEnrollmentRequest* req,
                                             v1::Enrollment* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.CreateEnrollment(*req));
    });
  }

  grpc::ServerUnaryReactor* GetEnrollment(grpc::CallbackServerContext* ctx,
                                          const v1::GetEnrollmentRequest* req,
                                          v1::Enrollment* resp) override {
    return Unary(ctx, Access::kPersonal, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.GetEnrollment(*req));
    });
  }

  grpc::ServerUnaryReactor* ListEnrollments(grpc::CallbackServerContext* ctx,
                                            const v1::ListEnrollmentsRequest* req,
                                            v1::ListEnrollmentsResponse* resp) override {
    return Unary(ctx, Access::kPersonal, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.ListEnrollments(*req));
    });
  }

  grpc::ServerUnaryReactor* TerminateEnrollment(grpc::CallbackServerContext* ctx,
                                                const v1::TerminateEnrollmentRequest* req,
                                                v1::Enrollment* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.TerminateEnrollment(*req));
    });
  }

  grpc::ServerUnaryReactor* CreateContribution(grpc::CallbackServerContext* ctx,
                                               const v1::CreateContributionRequest* req,
                                               v1::Contribution* resp) override {
    return Unary(ctx, Access::kWrite, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.CreateContribution(*req));
    });
  }

  grpc::ServerUnaryReactor* GetContribution(grpc::CallbackServerContext* ctx,
                                            const v1::GetContributionRequest* req,
                                            v1::Contribution* resp) override {
    return Unary(ctx, Access::kPersonal, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.GetContribution(*req));
    });
  }

  grpc::ServerUnaryReactor* ListContributions(grpc::CallbackServerContext* ctx,
                                              const v1::ListContributionsRequest* req,
                                              v1::ListContributionsResponse* resp) override {
    return Unary(ctx, Access::kPersonal, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.ListContributions(*req));
    });
  }

  grpc::ServerUnaryReactor* QueryAggregates(grpc::CallbackServerContext* ctx,
                                            const v1::QueryAggregatesRequest* req,
                                            v1::QueryAggregatesResponse* resp) override {
    return Unary(ctx, Access::kRead, [&](const Caller& /*caller*/) {
      return Assign(resp, registry_.QueryAggregates(*req));
    });
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

  template <typename M>
  static absl::Status Assign(M* out, absl::StatusOr<M> result) {
    if (!result.ok()) return result.status();
    *out = std::move(*result);
    return absl::OkStatus();
  }

  // Authenticates, checks `access`, runs `fn` and finishes the call with its status.
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, Access access,
                                  const std::function<absl::Status(const Caller&)>& fn);

  Registry& registry_;
  const Authorizer& auth_;
};

}  // namespace paritrana::registry
