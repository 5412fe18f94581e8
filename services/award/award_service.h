#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

#include "absl/strings/str_cat.h"
#include "paritrana/award/v1/award.grpc.pb.h"
#include "security/auth.h"
#include "security/serve_unary.h"
#include "services/award/award.h"

namespace paritrana::award {

// paritrana.award.v1.AwardService over gRPC: authenticates each call, checks the role the
// contract gives the method, runs it on the Award and turns the outcome into a wire status.
// Roles are those of the access table (docs/security.md): reads any role; rubrics, cycles,
// candidates, promotion, evaluation and publication award_admin; assessments assessor. The caller's
// id is its principal: an assessor's default assessment id, and who evaluated or published.
class AwardService final : public v1::AwardService::CallbackService {
 public:
  AwardService(Award& award, const Authorizer& auth)
      : award_(award), auth_(auth), audit_(award.store()) {}

  // The award's audit trail, which this service records refused calls to (security/serve_unary.h)
  // and the AuditService of the process lists.
  AuditLog& audit_log() { return audit_; }

  grpc::ServerUnaryReactor* CreateRubric(grpc::CallbackServerContext* ctx,
                                         const v1::CreateRubricRequest* req,
                                         v1::Rubric* resp) override {
    return Serve(ctx, "CreateRubric", req, resp,
                 [&](const Principal&) { return award_.CreateRubric(*req); });
  }
  grpc::ServerUnaryReactor* GetRubric(grpc::CallbackServerContext* ctx,
                                      const v1::GetRubricRequest* req, v1::Rubric* resp) override {
    return Serve(ctx, "GetRubric", req, resp,
                 [&](const Principal&) { return award_.GetRubric(*req); });
  }
  grpc::ServerUnaryReactor* ListRubrics(grpc::CallbackServerContext* ctx,
                                        const v1::ListRubricsRequest* req,
                                        v1::ListRubricsResponse* resp) override {
    return Serve(ctx, "ListRubrics", req, resp,
                 [&](const Principal&) { return award_.ListRubrics(*req); });
  }
  grpc::ServerUnaryReactor* CreateRubricVersion(grpc::CallbackServerContext* ctx,
                                                const v1::CreateRubricVersionRequest* req,
                                                v1::RubricVersion* resp) override {
    return Serve(ctx, "CreateRubricVersion", req, resp,
                 [&](const Principal&) { return award_.CreateRubricVersion(*req); });
  }
  grpc::ServerUnaryReactor* GetRubricVersion(grpc::CallbackServerContext* ctx,
                                             const v1::GetRubricVersionRequest* req,
                                             v1::RubricVersion* resp) override {
    return Serve(ctx, "GetRubricVersion", req, resp,
                 [&](const Principal&) { return award_.GetRubricVersion(*req); });
  }
  grpc::ServerUnaryReactor* ListRubricVersions(grpc::CallbackServerContext* ctx,
                                               const v1::ListRubricVersionsRequest* req,
                                               v1::ListRubricVersionsResponse* resp) override {
    return Serve(ctx, "ListRubricVersions", req, resp,
                 [&](const Principal&) { return award_.ListRubricVersions(*req); });
  }
  grpc::ServerUnaryReactor* UpdateRubricVersion(grpc::CallbackServerContext* ctx,
                                                const v1::UpdateRubricVersionRequest* req,
                                                v1::RubricVersion* resp) override {
    return Serve(ctx, "UpdateRubricVersion", req, resp,
                 [&](const Principal&) { return award_.UpdateRubricVersion(*req); });
  }
  grpc::ServerUnaryReactor* CreateAwardCycle(grpc::CallbackServerContext* ctx,
                                             const v1::CreateAwardCycleRequest* req,
                                             v1::AwardCycle* resp) override {
    return Serve(ctx, "CreateAwardCycle", req, resp,
                 [&](const Principal&) { return award_.CreateAwardCycle(*req); });
  }
  grpc::ServerUnaryReactor* GetAwardCycle(grpc::CallbackServerContext* ctx,
                                          const v1::GetAwardCycleRequest* req,
                                          v1::AwardCycle* resp) override {
    return Serve(ctx, "GetAwardCycle", req, resp,
                 [&](const Principal&) { return award_.GetAwardCycle(*req); });
  }
  grpc::ServerUnaryReactor* ListAwardCycles(grpc::CallbackServerContext* ctx,
                                            const v1::ListAwardCyclesRequest* req,
                                            v1::ListAwardCyclesResponse* resp) override {
    return Serve(ctx, "ListAwardCycles", req, resp,
                 [&](const Principal&) { return award_.ListAwardCycles(*req); });
  }
  grpc::ServerUnaryReactor* UpdateAwardCycle(grpc::CallbackServerContext* ctx,
                                             const v1::UpdateAwardCycleRequest* req,
                                             v1::AwardCycle* resp) override {
    return Serve(ctx, "UpdateAwardCycle", req, resp,
                 [&](const Principal&) { return award_.UpdateAwardCycle(*req); });
  }
  grpc::ServerUnaryReactor* CreateCandidate(grpc::CallbackServerContext* ctx,
                                            const v1::CreateCandidateRequest* req,
                                            v1::Candidate* resp) override {
    return Serve(ctx, "CreateCandidate", req, resp,
                 [&](const Principal&) { return award_.CreateCandidate(*req); });
  }
  grpc::ServerUnaryReactor* GetCandidate(grpc::CallbackServerContext* ctx,
                                         const v1::GetCandidateRequest* req,
                                         v1::Candidate* resp) override {
    return Serve(ctx, "GetCandidate", req, resp,
                 [&](const Principal&) { return award_.GetCandidate(*req); });
  }
  grpc::ServerUnaryReactor* ListCandidates(grpc::CallbackServerContext* ctx,
                                           const v1::ListCandidatesRequest* req,
                                           v1::ListCandidatesResponse* resp) override {
    return Serve(ctx, "ListCandidates", req, resp,
                 [&](const Principal&) { return award_.ListCandidates(*req); });
  }
  grpc::ServerUnaryReactor* UpdateCandidate(grpc::CallbackServerContext* ctx,
                                            const v1::UpdateCandidateRequest* req,
                                            v1::Candidate* resp) override {
    return Serve(ctx, "UpdateCandidate", req, resp,
                 [&](const Principal&) { return award_.UpdateCandidate(*req); });
  }
  grpc::ServerUnaryReactor* CreateAssessment(grpc::CallbackServerContext* ctx,
                                             const v1::CreateAssessmentRequest* req,
                                             v1::Assessment* resp) override {
    return Serve(ctx, "CreateAssessment", req, resp,
                 [&](const Principal& caller) { return award_.CreateAssessment(*req, caller); });
  }
  grpc::ServerUnaryReactor* GetAssessment(grpc::CallbackServerContext* ctx,
                                          const v1::GetAssessmentRequest* req,
                                          v1::Assessment* resp) override {
    return Serve(ctx, "GetAssessment", req, resp,
                 [&](const Principal&) { return award_.GetAssessment(*req); });
  }
  grpc::ServerUnaryReactor* ListAssessments(grpc::CallbackServerContext* ctx,
                                            const v1::ListAssessmentsRequest* req,
                                            v1::ListAssessmentsResponse* resp) override {
    return Serve(ctx, "ListAssessments", req, resp,
                 [&](const Principal&) { return award_.ListAssessments(*req); });
  }
  grpc::ServerUnaryReactor* UpdateAssessment(grpc::CallbackServerContext* ctx,
                                             const v1::UpdateAssessmentRequest* req,
                                             v1::Assessment* resp) override {
    return Serve(ctx, "UpdateAssessment", req, resp,
                 [&](const Principal& caller) { return award_.UpdateAssessment(*req, caller); });
  }
  grpc::ServerUnaryReactor* GetEvaluation(grpc::CallbackServerContext* ctx,
                                          const v1::GetEvaluationRequest* req,
                                          v1::Evaluation* resp) override {
    return Serve(ctx, "GetEvaluation", req, resp,
                 [&](const Principal& caller) { return award_.GetEvaluation(*req, caller); });
  }
  grpc::ServerUnaryReactor* ListEvaluations(grpc::CallbackServerContext* ctx,
                                            const v1::ListEvaluationsRequest* req,
                                            v1::ListEvaluationsResponse* resp) override {
    return Serve(ctx, "ListEvaluations", req, resp,
                 [&](const Principal& caller) { return award_.ListEvaluations(*req, caller); });
  }
  grpc::ServerUnaryReactor* PublishEvaluation(grpc::CallbackServerContext* ctx,
                                              const v1::PublishEvaluationRequest* req,
                                              v1::Evaluation* resp) override {
    return Serve(ctx, "PublishEvaluation", req, resp,
                 [&](const Principal& caller) { return award_.PublishEvaluation(*req, caller); });
  }
  grpc::ServerUnaryReactor* PromoteCandidates(grpc::CallbackServerContext* ctx,
                                              const v1::PromoteCandidatesRequest* req,
                                              v1::PromoteCandidatesResponse* resp) override {
    return Serve(ctx, "PromoteCandidates", req, resp,
                 [&](const Principal&) { return award_.PromoteCandidates(*req); });
  }

  // Runs on a thread of its own rather than a gRPC callback thread: an evaluation waits on the
  // coverage service (which waits on the registry) for up to a minute, and callback threads are
  // few (about one per core) and shared by every service of the process.
  grpc::ServerUnaryReactor* EvaluateCycle(grpc::CallbackServerContext* ctx,
                                          const v1::EvaluateCycleRequest* req,
                                          v1::Evaluation* resp) override;

  // Waits for evaluations still running on their own threads.
  ~AwardService() override;

 private:
  // ServeUnary for `method`, a method of this service; `handler` takes the caller's Principal.
  // `req` names the resource for the audit trail (AuditResourceOf).
  template <typename Response, typename Handler>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, absl::string_view method,
                                  const google::protobuf::Message* req, Response* resp,
                                  Handler&& handler) {
    return ServeUnary(ctx, auth_, &audit_, FullName(method), req, resp,
                      [&](const Caller& caller) { return handler(PrincipalOf(caller)); });
  }
  template <typename Response, typename Handler>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, absl::string_view method,
                                  Response* resp, Handler&& handler) {
    return Serve(ctx, method, nullptr, resp, std::forward<Handler>(handler));
  }
  static std::string FullName(absl::string_view method) {
    return absl::StrCat(v1::AwardService::service_full_name(), "/", method);
  }
  static Principal PrincipalOf(const Caller& caller);

  Award& award_;
  const Authorizer& auth_;
  StoreAuditLog<AwardStore> audit_;

  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  absl::Mutex workers_mu_;
  std::vector<Worker> workers_ ABSL_GUARDED_BY(workers_mu_);
};

}  // namespace paritrana::award
