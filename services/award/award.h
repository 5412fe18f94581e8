#pragma once

#include <functional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "paritrana/award/v1/award.pb.h"
#include "services/award/sources.h"
#include "services/award/store/award_store.h"

// The award service's rules, independent of gRPC: validation, idempotent creates, pagination,
// rubric freezing, cycle states, evaluation and publication. The gRPC adapter (award_service.h)
// authenticates callers, checks the coarse role of each method and turns errors into wire
// statuses; the rules that depend on who calls (an assessor's own id, who sees DRAFT
// evaluations) are applied here from the Principal.
namespace paritrana::award {

// Who is calling, as the adapter established it.
struct Principal {
  // The caller's principal id: an assessor's default assessment id and the `evaluated_by` /
  // `published_by` of evaluations. Matches the resource-id pattern.
  std::string id;
  bool admin = false;
  bool assessor = false;  // holds the assessor role (admins act as assessors too)
};

class Award final {
 public:
  Award(AwardStore& store, Directory& directory, CoverageSource& coverage,
        std::function<absl::CivilDay()> today);

  absl::StatusOr<v1::Rubric> CreateRubric(const v1::CreateRubricRequest& req);
  absl::StatusOr<v1::Rubric> GetRubric(const v1::GetRubricRequest& req);
  absl::StatusOr<v1::ListRubricsResponse> ListRubrics(const v1::ListRubricsRequest& req);

  absl::StatusOr<v1::RubricVersion> CreateRubricVersion(const v1::CreateRubricVersionRequest& req);
  absl::StatusOr<v1::RubricVersion> GetRubricVersion(const v1::GetRubricVersionRequest& req);
  absl::StatusOr<v1::ListRubricVersionsResponse> ListRubricVersions(
      const v1::ListRubricVersionsRequest& req);
  absl::StatusOr<v1::RubricVersion> UpdateRubricVersion(const v1::UpdateRubricVersionRequest& req);

  absl::StatusOr<v1::AwardCycle> CreateAwardCycle(const v1::CreateAwardCycleRequest& req);
  absl::StatusOr<v1::AwardCycle> GetAwardCycle(const v1::GetAwardCycleRequest& req);
  absl::StatusOr<v1::ListAwardCyclesResponse> ListAwardCycles(
      const v1::ListAwardCyclesRequest& req);
  absl::StatusOr<v1::AwardCycle> UpdateAwardCycle(const v1::UpdateAwardCycleRequest& req);

  absl::StatusOr<v1::Candidate> CreateCandidate(const v1::CreateCandidateRequest& req);
  absl::StatusOr<v1::Candidate> GetCandidate(const v1::GetCandidateRequest& req);
  absl::StatusOr<v1::ListCandidatesResponse> ListCandidates(const v1::ListCandidatesRequest& req);
  absl::StatusOr<v1::Candidate> UpdateCandidate(const v1::UpdateCandidateRequest& req);

  absl::StatusOr<v1::Assessment> CreateAssessment(const v1::CreateAssessmentRequest& req,
                                                  const Principal& caller);
  absl::StatusOr<v1::Assessment> GetAssessment(const v1::GetAssessmentRequest& req);
  absl::StatusOr<v1::ListAssessmentsResponse> ListAssessments(
      const v1::ListAssessmentsRequest& req);
  absl::StatusOr<v1::Assessment> UpdateAssessment(const v1::UpdateAssessmentRequest& req,
                                                  const Principal& caller);

  absl::StatusOr<v1::Evaluation> EvaluateCycle(const v1::EvaluateCycleRequest& req,
                                               const Principal& caller);
  absl::StatusOr<v1::Evaluation> GetEvaluation(const v1::GetEvaluationRequest& req,
                                               const Principal& caller);
  absl::StatusOr<v1::ListEvaluationsResponse> ListEvaluations(const v1::ListEvaluationsRequest& req,
                                                              const Principal& caller);
  absl::StatusOr<v1::Evaluation> PublishEvaluation(const v1::PublishEvaluationRequest& req,
                                                   const Principal& caller);

  // The national tier: the top ranked entries of a published provincial cycle become
  // candidates of a national (zone) cycle, in one write (award.proto, PromoteCandidates).
  absl::StatusOr<v1::PromoteCandidatesResponse> PromoteCandidates(
      const v1::PromoteCandidatesRequest& req);

  // Creates `rubrics/{rubric_id}` with `version` as its version 1 unless the rubric exists (then
  // nothing changes and false is returned). Used to install rubric files at start-up.
  absl::StatusOr<bool> InstallRubric(const std::string& rubric_id, const v1::Rubric& rubric,
                                     const v1::RubricVersion& version);

  // The store, for the audit trail's own transactions (StoreAuditLog, security/audit.h).
  AwardStore& store() { return store_; }

 private:
  // Runs `fn` in one write transaction that also records the write in the audit trail (for the
  // current call; writes outside any call, at start-up, are not recorded). A write that fails
  // records its outcome in a transaction of its own.
  absl::Status Write(absl::FunctionRef<absl::Status(AwardTx&)> fn);

  // Runs `create` in one write transaction, once per request id (see AwardService): a repeat
  // within 24 hours returns the resource the first call created, as it is now.
  template <typename M>
  absl::StatusOr<M> Once(absl::string_view method, const std::string& request_id,
                         const std::string& fingerprint, int kind,
                         const std::function<absl::StatusOr<M>(AwardTx&)>& create);

  AwardStore& store_;
  Directory& directory_;
  CoverageSource& coverage_;
  std::function<absl::CivilDay()> today_;

  // Cycles with an evaluation running in this process (evaluations of one cycle are serialized).
  absl::Mutex running_mu_;
  std::set<std::string> running_ ABSL_GUARDED_BY(running_mu_);
};

}  // namespace paritrana::award
