#pragma once

#include <memory>

#include "absl/strings/str_cat.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "security/auth.h"
#include "security/serve_unary.h"
#include "services/registry/employer_figures.h"
#include "services/registry/registry.h"

namespace paritrana::registry {

// paritrana.registry.v1.RegistryService over gRPC: authenticates each call, checks its role
// against the access table (docs/security.md), runs it on the Registry and turns the outcome into
// a wire status. NIKs are shown only to callers with the PII right.
class RegistryService final : public v1::RegistryService::CallbackService {
 public:
  RegistryService(Registry& registry, const Authorizer& auth)
      : registry_(registry), auth_(auth), audit_(registry.store()) {}

  // The registry's audit trail, which this service records refused calls and reads of personal
  // data to (security/serve_unary.h), and the AuditService of the process lists.
  AuditLog& audit_log() { return audit_; }

  grpc::ServerUnaryReactor* GetRegion(grpc::CallbackServerContext* ctx,
                                      const v1::GetRegionRequest* req, v1::Region* resp) override {
    return Serve(ctx, "GetRegion", req, resp,
                 [&](const Caller&) { return registry_.GetRegion(*req); });
  }

  grpc::ServerUnaryReactor* ListRegions(grpc::CallbackServerContext* ctx,
                                        const v1::ListRegionsRequest* req,
                                        v1::ListRegionsResponse* resp) override {
    return Serve(ctx, "ListRegions", req, resp,
                 [&](const Caller&) { return registry_.ListRegions(*req); });
  }

  grpc::ServerUnaryReactor* CreateRegion(grpc::CallbackServerContext* ctx,
                                         const v1::CreateRegionRequest* req,
                                         v1::Region* resp) override {
    return Serve(ctx, "CreateRegion", req, resp,
                 [&](const Caller&) { return registry_.CreateRegion(*req); });
  }

  grpc::ServerUnaryReactor* UpdateRegion(grpc::CallbackServerContext* ctx,
                                         const v1::UpdateRegionRequest* req,
                                         v1::Region* resp) override {
    return Serve(ctx, "UpdateRegion", req, resp,
                 [&](const Caller&) { return registry_.UpdateRegion(*req); });
  }

  grpc::ServerUnaryReactor* CreateWorkforceBaseline(grpc::CallbackServerContext* ctx,
                                                    const v1::CreateWorkforceBaselineRequest* req,
                                                    v1::WorkforceBaseline* resp) override {
    return Serve(ctx, "CreateWorkforceBaseline", req, resp,
                 [&](const Caller&) { return registry_.CreateWorkforceBaseline(*req); });
  }

  grpc::ServerUnaryReactor* GetWorkforceBaseline(grpc::CallbackServerContext* ctx,
                                                 const v1::GetWorkforceBaselineRequest* req,
                                                 v1::WorkforceBaseline* resp) override {
    return Serve(ctx, "GetWorkforceBaseline", req, resp,
                 [&](const Caller&) { return registry_.GetWorkforceBaseline(*req); });
  }

  grpc::ServerUnaryReactor* ListWorkforceBaselines(
      grpc::CallbackServerContext* ctx, const v1::ListWorkforceBaselinesRequest* req,
      v1::ListWorkforceBaselinesResponse* resp) override {
    return Serve(ctx, "ListWorkforceBaselines", req, resp,
                 [&](const Caller&) { return registry_.ListWorkforceBaselines(*req); });
  }

  grpc::ServerUnaryReactor* UpdateWorkforceBaseline(grpc::CallbackServerContext* ctx,
                                                    const v1::UpdateWorkforceBaselineRequest* req,
                                                    v1::WorkforceBaseline* resp) override {
    return Serve(ctx, "UpdateWorkforceBaseline", req, resp,
                 [&](const Caller&) { return registry_.UpdateWorkforceBaseline(*req); });
  }

  grpc::ServerUnaryReactor* CreateCoverageTarget(grpc::CallbackServerContext* ctx,
                                                 const v1::CreateCoverageTargetRequest* req,
                                                 v1::CoverageTarget* resp) override {
    return Serve(ctx, "CreateCoverageTarget", req, resp,
                 [&](const Caller&) { return registry_.CreateCoverageTarget(*req); });
  }

  grpc::ServerUnaryReactor* GetCoverageTarget(grpc::CallbackServerContext* ctx,
                                              const v1::GetCoverageTargetRequest* req,
                                              v1::CoverageTarget* resp) override {
    return Serve(ctx, "GetCoverageTarget", req, resp,
                 [&](const Caller&) { return registry_.GetCoverageTarget(*req); });
  }

  grpc::ServerUnaryReactor* ListCoverageTargets(grpc::CallbackServerContext* ctx,
                                                const v1::ListCoverageTargetsRequest* req,
                                                v1::ListCoverageTargetsResponse* resp) override {
    return Serve(ctx, "ListCoverageTargets", req, resp,
                 [&](const Caller&) { return registry_.ListCoverageTargets(*req); });
  }

  grpc::ServerUnaryReactor* UpdateCoverageTarget(grpc::CallbackServerContext* ctx,
                                                 const v1::UpdateCoverageTargetRequest* req,
                                                 v1::CoverageTarget* resp) override {
    return Serve(ctx, "UpdateCoverageTarget", req, resp,
                 [&](const Caller&) { return registry_.UpdateCoverageTarget(*req); });
  }

  grpc::ServerUnaryReactor* CreateEmployer(grpc::CallbackServerContext* ctx,
                                           const v1::CreateEmployerRequest* req,
                                           v1::Employer* resp) override {
    return Serve(ctx, "CreateEmployer", req, resp,
                 [&](const Caller&) { return registry_.CreateEmployer(*req); });
  }

  grpc::ServerUnaryReactor* GetEmployer(grpc::CallbackServerContext* ctx,
                                        const v1::GetEmployerRequest* req,
                                        v1::Employer* resp) override {
    return Serve(ctx, "GetEmployer", req, resp,
                 [&](const Caller&) { return registry_.GetEmployer(*req); });
  }

  grpc::ServerUnaryReactor* ListEmployers(grpc::CallbackServerContext* ctx,
                                          const v1::ListEmployersRequest* req,
                                          v1::ListEmployersResponse* resp) override {
    return Serve(ctx, "ListEmployers", req, resp,
                 [&](const Caller&) { return registry_.ListEmployers(*req); });
  }

  grpc::ServerUnaryReactor* UpdateEmployer(grpc::CallbackServerContext* ctx,
                                           const v1::UpdateEmployerRequest* req,
                                           v1::Employer* resp) override {
    return Serve(ctx, "UpdateEmployer", req, resp,
                 [&](const Caller&) { return registry_.UpdateEmployer(*req); });
  }

  grpc::ServerUnaryReactor* CreateParticipant(grpc::CallbackServerContext* ctx,
                                              const v1::CreateParticipantRequest* req,
                                              v1::Participant* resp) override {
    return Serve(ctx, "CreateParticipant", req, resp, [&](const Caller& caller) {
      return registry_.CreateParticipant(*req, caller.can_read_pii());
    });
  }

  grpc::ServerUnaryReactor* GetParticipant(grpc::CallbackServerContext* ctx,
                                           const v1::GetParticipantRequest* req,
                                           v1::Participant* resp) override {
    return Serve(ctx, "GetParticipant", req, resp, [&](const Caller& caller) {
      return registry_.GetParticipant(*req, caller.can_read_pii());
    });
  }

  grpc::ServerUnaryReactor* ListParticipants(grpc::CallbackServerContext* ctx,
                                             const v1::ListParticipantsRequest* req,
                                             v1::ListParticipantsResponse* resp) override {
    return Serve(ctx, "ListParticipants", req, resp, [&](const Caller& caller) {
      return registry_.ListParticipants(*req, caller.can_read_pii());
    });
  }

  grpc::ServerUnaryReactor* UpdateParticipant(grpc::CallbackServerContext* ctx,
                                              const v1::UpdateParticipantRequest* req,
                                              v1::Participant* resp) override {
    return Serve(ctx, "UpdateParticipant", req, resp, [&](const Caller& caller) {
      return registry_.UpdateParticipant(*req, caller.can_read_pii());
    });
  }

  grpc::ServerUnaryReactor* CreateEnrollment(grpc::CallbackServerContext* ctx,
                                             const v1::CreateEnrollmentRequest* req,
                                             v1::Enrollment* resp) override {
    return Serve(ctx, "CreateEnrollment", req, resp,
                 [&](const Caller&) { return registry_.CreateEnrollment(*req); });
  }

  grpc::ServerUnaryReactor* GetEnrollment(grpc::CallbackServerContext* ctx,
                                          const v1::GetEnrollmentRequest* req,
                                          v1::Enrollment* resp) override {
    return Serve(ctx, "GetEnrollment", req, resp,
                 [&](const Caller&) { return registry_.GetEnrollment(*req); });
  }

  grpc::ServerUnaryReactor* ListEnrollments(grpc::CallbackServerContext* ctx,
                                            const v1::ListEnrollmentsRequest* req,
                                            v1::ListEnrollmentsResponse* resp) override {
    return Serve(ctx, "ListEnrollments", req, resp,
                 [&](const Caller&) { return registry_.ListEnrollments(*req); });
  }

  grpc::ServerUnaryReactor* TerminateEnrollment(grpc::CallbackServerContext* ctx,
                                                const v1::TerminateEnrollmentRequest* req,
                                                v1::Enrollment* resp) override {
    return Serve(ctx, "TerminateEnrollment", req, resp,
                 [&](const Caller&) { return registry_.TerminateEnrollment(*req); });
  }

  grpc::ServerUnaryReactor* CreateContribution(grpc::CallbackServerContext* ctx,
                                               const v1::CreateContributionRequest* req,
                                               v1::Contribution* resp) override {
    return Serve(ctx, "CreateContribution", req, resp,
                 [&](const Caller&) { return registry_.CreateContribution(*req); });
  }

  grpc::ServerUnaryReactor* GetContribution(grpc::CallbackServerContext* ctx,
                                            const v1::GetContributionRequest* req,
                                            v1::Contribution* resp) override {
    return Serve(ctx, "GetContribution", req, resp,
                 [&](const Caller&) { return registry_.GetContribution(*req); });
  }

  grpc::ServerUnaryReactor* ListContributions(grpc::CallbackServerContext* ctx,
                                              const v1::ListContributionsRequest* req,
                                              v1::ListContributionsResponse* resp) override {
    return Serve(ctx, "ListContributions", req, resp,
                 [&](const Caller&) { return registry_.ListContributions(*req); });
  }

  grpc::ServerUnaryReactor* QueryAggregates(grpc::CallbackServerContext* ctx,
                                            const v1::QueryAggregatesRequest* req,
                                            v1::QueryAggregatesResponse* resp) override {
    return Serve(ctx, "QueryAggregates", req, resp,
                 [&](const Caller&) { return registry_.QueryAggregates(*req); });
  }

  grpc::ServerUnaryReactor* ListContributionBills(
      grpc::CallbackServerContext* ctx, const v1::ListContributionBillsRequest* req,
      v1::ListContributionBillsResponse* resp) override {
    return Serve(ctx, "ListContributionBills", req, resp, [&](const Caller&) {
      return registry::ListContributionBills(registry_.store(), *req);
    });
  }

  grpc::ServerUnaryReactor* QueryEmployerFigures(grpc::CallbackServerContext* ctx,
                                                 const v1::QueryEmployerFiguresRequest* req,
                                                 v1::QueryEmployerFiguresResponse* resp) override {
    return Serve(ctx, "QueryEmployerFigures", req, resp, [&](const Caller&) {
      return registry::QueryEmployerFigures(registry_.store(), *req);
    });
  }

  grpc::ServerUnaryReactor* FindParticipantByNik(grpc::CallbackServerContext* ctx,
                                                 const v1::FindParticipantByNikRequest* req,
                                                 v1::Participant* resp) override {
    return Serve(ctx, "FindParticipantByNik", req, resp,
                 [&](const Caller&) { return registry_.FindParticipantByNik(*req); });
  }

  grpc::ServerUnaryReactor* ExportPersonalData(grpc::CallbackServerContext* ctx,
                                               const v1::ExportPersonalDataRequest* req,
                                               v1::PersonalDataExport* resp) override {
    return Serve(ctx, "ExportPersonalData", req, resp,
                 [&](const Caller&) { return registry_.ExportPersonalData(*req); });
  }

  grpc::ServerUnaryReactor* ErasePersonalData(grpc::CallbackServerContext* ctx,
                                              const v1::ErasePersonalDataRequest* req,
                                              v1::Participant* resp) override {
    return Serve(ctx, "ErasePersonalData", req, resp,
                 [&](const Caller&) { return registry_.ErasePersonalData(*req); });
  }
  grpc::ServerReadReactor<v1::ImportRecordsRequest>* ImportRecords(
      grpc::CallbackServerContext* ctx, v1::ImportRecordsResponse* resp) override;

 private:
  // ServeUnary for `method`, a method of this service.
  // `req` names the resource for the audit trail (AuditResourceOf).
  template <typename Response, typename Handler>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, absl::string_view method,
                                  const google::protobuf::Message* req, Response* resp,
                                  Handler&& handler) {
    return ServeUnary(ctx, auth_, &audit_,
                      absl::StrCat(v1::RegistryService::service_full_name(), "/", method), req,
                      resp, std::forward<Handler>(handler));
  }
  template <typename Response, typename Handler>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, absl::string_view method,
                                  Response* resp, Handler&& handler) {
    return Serve(ctx, method, nullptr, resp, std::forward<Handler>(handler));
  }

  Registry& registry_;
  const Authorizer& auth_;
  StoreAuditLog<RegistryStore> audit_;
};

}  // namespace paritrana::registry
