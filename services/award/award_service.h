#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

#include "paritrana/award/v1/award.grpc.pb.h"
#include "platform/unary_call.h"
#include "security/auth.h"
#include "services/award/award.h"
#include "services/award/principals.h"

namespace paritrana::award {

// paritrana.award.v1.AwardService over gRPC: authenticates each call, checks the role the
// contract gives the method, runs it on the Award and turns the outcome into a wire status.
// Roles: reads of rubrics, cycles, candidates and evaluations any authenticated role; writes of
// rubrics, cycles and candidates, EvaluateCycle and PublishEvaluation `admin`; assessments
// `assessor` or `admin`. With authentication off (no --tokens_file) every caller is treated as
// an admin named `anonymous`, as the other services let everyone write in that mode.
class AwardService final : public v1::AwardService::CallbackService {
 public:
  AwardService(Award& award, const Authorizer& auth, const PrincipalMap& principals)
      : award_(award), auth_(auth), principals_(principals) {}

  grpc::ServerUnaryReactor* CreateRubric(grpc::CallbackServerContext* ctx,
                                         const v1::CreateRubricRequest* req,
                                         v1::Rubric* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAdmin), resp,
                      [&](const Principal&) { return award_.CreateRubric(*req); });
  }
  grpc::ServerUnaryReactor* GetRubric(grpc::CallbackServerContext* ctx,
                                      const v1::GetRubricRequest* req, v1::Rubric* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Principal&) { return award_.GetRubric(*req); });
  }
  grpc::ServerUnaryReactor* ListRubrics(grpc::CallbackServerContext* ctx,
                                        const v1::ListRubricsRequest* req,
                                        v1::ListRubricsResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Principal&) { return award_.ListRubrics(*req); });
  }
  grpc::ServerUnaryReactor* CreateRubricVersion(grpc::CallbackServerContext* ctx,
                                                const v1::CreateRubricVersionRequest* req,
                                                v1::RubricVersion* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAdmin), resp,
                      [&](const Principal&) { return award_.CreateRubricVersion(*req); });
  }
  grpc::ServerUnaryReactor* GetRubricVersion(grpc::CallbackServerContext* ctx,
                                             const v1::GetRubricVersionRequest* req,
                                             v1::RubricVersion* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Principal&) { return award_.GetRubricVersion(*req); });
  }
  grpc::ServerUnaryReactor* ListRubricVersions(grpc::CallbackServerContext* ctx,
                                               const v1::ListRubricVersionsRequest* req,
                                               v1::ListRubricVersionsResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Principal&) { return award_.ListRubricVersions(*req); });
  }
  grpc::ServerUnaryReactor* UpdateRubricVersion(grpc::CallbackServerContext* ctx,
                                                const v1::UpdateRubricVersionRequest* req,
                                                v1::RubricVersion* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAdmin), resp,
                      [&](const Principal&) { return award_.UpdateRubricVersion(*req); });
  }
  grpc::ServerUnaryReactor* CreateAwardCycle(grpc::CallbackServerContext* ctx,
                                             const v1::CreateAwardCycleRequest* req,
                                             v1::AwardCycle* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAdmin), resp,
                      [&](const Principal&) { return award_.CreateAwardCycle(*req); });
  }
  grpc::ServerUnaryReactor* GetAwardCycle(grpc::CallbackServerContext* ctx,
                                          const v1::GetAwardCycleRequest* req,
                                          v1::AwardCycle* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Principal&) { return award_.GetAwardCycle(*req); });
  }
  grpc::ServerUnaryReactor* ListAwardCycles(grpc::CallbackServerContext* ctx,
                                            const v1::ListAwardCyclesRequest* req,
                                            v1::ListAwardCyclesResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Principal&) { return award_.ListAwardCycles(*req); });
  }
  grpc::ServerUnaryReactor* UpdateAwardCycle(grpc::CallbackServerContext* ctx,
                                             const v1::UpdateAwardCycleRequest* req,
                                             v1::AwardCycle* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAdmin), resp,
                      [&](const Principal&) { return award_.UpdateAwardCycle(*req); });
  }
  grpc::ServerUnaryReactor* CreateCandidate(grpc::CallbackServerContext* ctx,
                                            const v1::CreateCandidateRequest* req,
                                            v1::Candidate* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAdmin), resp,
                      [&](const Principal&) { return award_.CreateCandidate(*req); });
  }
  grpc::ServerUnaryReactor* GetCandidate(grpc::CallbackServerContext* ctx,
                                         const v1::GetCandidateRequest* req,
                                         v1::Candidate* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Principal&) { return award_.GetCandidate(*req); });
  }
  grpc::ServerUnaryReactor* ListCandidates(grpc::CallbackServerContext* ctx,
                                           const v1::ListCandidatesRequest* req,
                                           v1::ListCandidatesResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Principal&) { return award_.ListCandidates(*req); });
  }
  grpc::ServerUnaryReactor* UpdateCandidate(grpc::CallbackServerContext* ctx,
                                            const v1::UpdateCandidateRequest* req,
                                            v1::Candidate* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAdmin), resp,
                      [&](const Principal&) { return award_.UpdateCandidate(*req); });
  }
  grpc::ServerUnaryReactor* CreateAssessment(grpc::CallbackServerContext* ctx,
                                             const v1::CreateAssessmentRequest* req,
                                             v1::Assessment* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAssessor), resp, [&](const Principal& caller) {
      return award_.CreateAssessment(*req, caller);
    });
  }
  grpc::ServerUnaryReactor* GetAssessment(grpc::CallbackServerContext* ctx,
                                          const v1::GetAssessmentRequest* req,
                                          v1::Assessment* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAssessor), resp,
                      [&](const Principal&) { return award_.GetAssessment(*req); });
  }
  grpc::ServerUnaryReactor* ListAssessments(grpc::CallbackServerContext* ctx,
                                            const v1::ListAssessmentsRequest* req,
                                            v1::ListAssessmentsResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAssessor), resp,
                      [&](const Principal&) { return award_.ListAssessments(*req); });
  }
  grpc::ServerUnaryReactor* UpdateAssessment(grpc::CallbackServerContext* ctx,
                                             const v1::UpdateAssessmentRequest* req,
                                             v1::Assessment* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAssessor), resp, [&](const Principal& caller) {
      return award_.UpdateAssessment(*req, caller);
    });
  }
  grpc::ServerUnaryReactor* GetEvaluation(grpc::CallbackServerContext* ctx,
                                          const v1::GetEvaluationRequest* req,
                                          v1::Evaluation* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp,
                      [&](const Principal& caller) { return award_.GetEvaluation(*req, caller); });
  }
  grpc::ServerUnaryReactor* ListEvaluations(grpc::CallbackServerContext* ctx,
                                            const v1::ListEvaluationsRequest* req,
                                            v1::ListEvaluationsResponse* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kRead), resp, [&](const Principal& caller) {
      return award_.ListEvaluations(*req, caller);
    });
  }
  grpc::ServerUnaryReactor* PublishEvaluation(grpc::CallbackServerContext* ctx,
                                              const v1::PublishEvaluationRequest* req,
                                              v1::Evaluation* resp) override {
    return ServeUnary(ctx, Admit(*ctx, Access::kAdmin), resp, [&](const Principal& caller) {
      return award_.PublishEvaluation(*req, caller);
    });
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
  // kRead: any authenticated role; kAssessor: assessor or admin; kAdmin: admin.
  enum class Access { kRead, kAssessor, kAdmin };

  // Authenticates and checks `access`; the principal on success.
  absl::StatusOr<Principal> Admit(const grpc::CallbackServerContext& ctx, Access access) const;

  Award& award_;
  const Authorizer& auth_;
  const PrincipalMap& principals_;

  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  absl::Mutex workers_mu_;
  std::vector<Worker> workers_ ABSL_GUARDED_BY(workers_mu_);
};

}  // namespace paritrana::award
