#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

#include "paritrana/award/v1/award.grpc.pb.h"
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

#define PARITRANA_AWARD_RPC(Method, Request, Response, access, call)                         \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx, const v1::Request* req, \
                                   v1::Response* resp) override {                            \
    return Unary(ctx, access, [&](const Principal& caller) {                                 \
      (void)caller;                                                                          \
      return Assign(resp, call);                                                             \
    });                                                                                      \
  }

  PARITRANA_AWARD_RPC(CreateRubric, CreateRubricRequest, Rubric, Access::kAdmin,
                      award_.CreateRubric(*req))
  PARITRANA_AWARD_RPC(GetRubric, GetRubricRequest, Rubric, Access::kRead, award_.GetRubric(*req))
  PARITRANA_AWARD_RPC(ListRubrics, ListRubricsRequest, ListRubricsResponse, Access::kRead,
                      award_.ListRubrics(*req))
  PARITRANA_AWARD_RPC(CreateRubricVersion, CreateRubricVersionRequest, RubricVersion,
                      Access::kAdmin, award_.CreateRubricVersion(*req))
  PARITRANA_AWARD_RPC(GetRubricVersion, GetRubricVersionRequest, RubricVersion, Access::kRead,
                      award_.GetRubricVersion(*req))
  PARITRANA_AWARD_RPC(ListRubricVersions, ListRubricVersionsRequest, ListRubricVersionsResponse,
                      Access::kRead, award_.ListRubricVersions(*req))
  PARITRANA_AWARD_RPC(UpdateRubricVersion, UpdateRubricVersionRequest, RubricVersion,
                      Access::kAdmin, award_.UpdateRubricVersion(*req))
  PARITRANA_AWARD_RPC(CreateAwardCycle, CreateAwardCycleRequest, AwardCycle, Access::kAdmin,
                      award_.CreateAwardCycle(*req))
  PARITRANA_AWARD_RPC(GetAwardCycle, GetAwardCycleRequest, AwardCycle, Access::kRead,
                      award_.GetAwardCycle(*req))
  PARITRANA_AWARD_RPC(ListAwardCycles, ListAwardCyclesRequest, ListAwardCyclesResponse,
                      Access::kRead, award_.ListAwardCycles(*req))
  PARITRANA_AWARD_RPC(UpdateAwardCycle, UpdateAwardCycleRequest, AwardCycle, Access::kAdmin,
                      award_.UpdateAwardCycle(*req))
  PARITRANA_AWARD_RPC(CreateCandidate, CreateCandidateRequest, Candidate, Access::kAdmin,
                      award_.CreateCandidate(*req))
  PARITRANA_AWARD_RPC(GetCandidate, GetCandidateRequest, Candidate, Access::kRead,
                      award_.GetCandidate(*req))
  PARITRANA_AWARD_RPC(ListCandidates, ListCandidatesRequest, ListCandidatesResponse, Access::kRead,
                      award_.ListCandidates(*req))
  PARITRANA_AWARD_RPC(UpdateCandidate, UpdateCandidateRequest, Candidate, Access::kAdmin,
                      award_.UpdateCandidate(*req))
  PARITRANA_AWARD_RPC(CreateAssessment, CreateAssessmentRequest, Assessment, Access::kAssessor,
                      award_.CreateAssessment(*req, caller))
  PARITRANA_AWARD_RPC(GetAssessment, GetAssessmentRequest, Assessment, Access::kAssessor,
                      award_.GetAssessment(*req))
  PARITRANA_AWARD_RPC(ListAssessments, ListAssessmentsRequest, ListAssessmentsResponse,
                      Access::kAssessor, award_.ListAssessments(*req))
  PARITRANA_AWARD_RPC(UpdateAssessment, UpdateAssessmentRequest, Assessment, Access::kAssessor,
                      award_.UpdateAssessment(*req, caller))
  PARITRANA_AWARD_RPC(GetEvaluation, GetEvaluationRequest, Evaluation, Access::kRead,
                      award_.GetEvaluation(*req, caller))
  PARITRANA_AWARD_RPC(ListEvaluations, ListEvaluationsRequest, ListEvaluationsResponse,
                      Access::kRead, award_.ListEvaluations(*req, caller))
  PARITRANA_AWARD_RPC(PublishEvaluation, PublishEvaluationRequest, Evaluation, Access::kAdmin,
                      award_.PublishEvaluation(*req, caller))

#undef PARITRANA_AWARD_RPC

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

  template <typename M>
  static absl::Status Assign(M* out, absl::StatusOr<M> result) {
    if (!result.ok()) return result.status();
    *out = std::move(*result);
    return absl::OkStatus();
  }

  // Authenticates, checks `access`, runs `fn` and finishes the call with its status.
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, Access access,
                                  const std::function<absl::Status(const Principal&)>& fn);

  // Authenticates and checks `access`; the principal on success.
  absl::StatusOr<Principal> Admit(grpc::CallbackServerContext* ctx, Access access);

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
