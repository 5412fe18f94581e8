#include "security/access_policy.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/errors.h"

namespace paritrana {
namespace {

constexpr MethodAccess kTable[] = {
    // paritrana.registry.v1.RegistryService
    {"paritrana.registry.v1.RegistryService/GetRegion", Access::kAnyRole},
    {"paritrana.registry.v1.RegistryService/ListRegions", Access::kAnyRole},
    {"paritrana.registry.v1.RegistryService/CreateRegion", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/UpdateRegion", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/CreateWorkforceBaseline", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/GetWorkforceBaseline", Access::kAnyRole},
    {"paritrana.registry.v1.RegistryService/ListWorkforceBaselines", Access::kAnyRole},
    {"paritrana.registry.v1.RegistryService/UpdateWorkforceBaseline", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/CreateCoverageTarget", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/GetCoverageTarget", Access::kAnyRole},
    {"paritrana.registry.v1.RegistryService/ListCoverageTargets", Access::kAnyRole},
    {"paritrana.registry.v1.RegistryService/UpdateCoverageTarget", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/CreateEmployer", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/GetEmployer", Access::kAnyRole},
    {"paritrana.registry.v1.RegistryService/ListEmployers", Access::kAnyRole},
    {"paritrana.registry.v1.RegistryService/UpdateEmployer", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/CreateParticipant", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/GetParticipant", Access::kPersonalRead},
    {"paritrana.registry.v1.RegistryService/ListParticipants", Access::kPersonalRead},
    {"paritrana.registry.v1.RegistryService/UpdateParticipant", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/FindParticipantByNik", Access::kPiiRead},
    {"paritrana.registry.v1.RegistryService/ExportPersonalData", Access::kPiiRead},
    {"paritrana.registry.v1.RegistryService/ErasePersonalData", Access::kPiiWrite},
    {"paritrana.registry.v1.RegistryService/CreateEnrollment", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/GetEnrollment", Access::kPersonalRead},
    {"paritrana.registry.v1.RegistryService/ListEnrollments", Access::kPersonalRead},
    {"paritrana.registry.v1.RegistryService/TerminateEnrollment", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/CreateContribution", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/GetContribution", Access::kPersonalRead},
    {"paritrana.registry.v1.RegistryService/ListContributions", Access::kPersonalRead},
    {"paritrana.registry.v1.RegistryService/ImportRecords", Access::kRegistryWrite},
    {"paritrana.registry.v1.RegistryService/QueryAggregates", Access::kAnyRole},
    {"paritrana.registry.v1.RegistryService/ListContributionBills", Access::kAnyRole},
    {"paritrana.registry.v1.RegistryService/QueryEmployerFigures", Access::kAnyRole},
    // paritrana.coverage.v1.CoverageService
    {"paritrana.coverage.v1.CoverageService/GetCoverage", Access::kAnyRole},
    {"paritrana.coverage.v1.CoverageService/GetTargetGap", Access::kAnyRole},
    {"paritrana.coverage.v1.CoverageService/RankChildRegions", Access::kAnyRole},
    {"paritrana.coverage.v1.CoverageService/GetCoverageTrend", Access::kAnyRole},
    {"paritrana.coverage.v1.CoverageService/BatchGetCoverage", Access::kAnyRole},
    // paritrana.award.v1.AwardService
    {"paritrana.award.v1.AwardService/CreateRubric", Access::kAwardAdmin},
    {"paritrana.award.v1.AwardService/GetRubric", Access::kAnyRole},
    {"paritrana.award.v1.AwardService/ListRubrics", Access::kAnyRole},
    {"paritrana.award.v1.AwardService/CreateRubricVersion", Access::kAwardAdmin},
    {"paritrana.award.v1.AwardService/GetRubricVersion", Access::kAnyRole},
    {"paritrana.award.v1.AwardService/ListRubricVersions", Access::kAnyRole},
    {"paritrana.award.v1.AwardService/UpdateRubricVersion", Access::kAwardAdmin},
    {"paritrana.award.v1.AwardService/CreateAwardCycle", Access::kAwardAdmin},
    {"paritrana.award.v1.AwardService/GetAwardCycle", Access::kAnyRole},
    {"paritrana.award.v1.AwardService/ListAwardCycles", Access::kAnyRole},
    {"paritrana.award.v1.AwardService/UpdateAwardCycle", Access::kAwardAdmin},
    {"paritrana.award.v1.AwardService/CreateCandidate", Access::kAwardAdmin},
    {"paritrana.award.v1.AwardService/GetCandidate", Access::kAnyRole},
    {"paritrana.award.v1.AwardService/ListCandidates", Access::kAnyRole},
    {"paritrana.award.v1.AwardService/UpdateCandidate", Access::kAwardAdmin},
    {"paritrana.award.v1.AwardService/CreateAssessment", Access::kAssess},
    {"paritrana.award.v1.AwardService/GetAssessment", Access::kAssessmentRead},
    {"paritrana.award.v1.AwardService/ListAssessments", Access::kAssessmentRead},
    {"paritrana.award.v1.AwardService/UpdateAssessment", Access::kAssess},
    {"paritrana.award.v1.AwardService/EvaluateCycle", Access::kAwardAdmin},
    {"paritrana.award.v1.AwardService/GetEvaluation", Access::kAnyRole},
    {"paritrana.award.v1.AwardService/ListEvaluations", Access::kAnyRole},
    {"paritrana.award.v1.AwardService/PublishEvaluation", Access::kAwardAdmin},
    {"paritrana.award.v1.AwardService/PromoteCandidates", Access::kAwardAdmin},
    // paritrana.audit.v1.AuditService (served by the registry and the award service)
    {"paritrana.audit.v1.AuditService/ListAuditEvents", Access::kAudit},
};

}  // namespace

std::span<const MethodAccess> AccessTable() { return kTable; }

absl::StatusOr<Access> AccessOf(absl::string_view method) {
  // Every call looks its method up: a hash map rather than a scan of names with long common
  // prefixes, built once.
  static const auto* const by_method = [] {
    auto* map = new absl::flat_hash_map<absl::string_view, Access>();
    for (const MethodAccess& m : kTable) map->emplace(m.method, m.access);
    return map;
  }();
  auto it = by_method->find(method);
  if (it == by_method->end()) {
    return absl::NotFoundError(absl::StrCat("no access rule for ", method));
  }
  return it->second;
}

Requirement RequirementOf(Access access) {
  switch (access) {
    case Access::kAnyRole:
      return {{Role::kRegistrar, Role::kPiiReader, Role::kAnalyst, Role::kAssessor,
               Role::kAwardAdmin, Role::kAuditor}};
    case Access::kPersonalRead:
      return {{Role::kRegistrar, Role::kPiiReader, Role::kAnalyst}};
    case Access::kPiiRead:
      return {{Role::kPiiReader}};
    case Access::kRegistryWrite:
      return {{Role::kRegistrar}};
    case Access::kPiiWrite:
      return {{Role::kRegistrar}, true};
    case Access::kAssess:
      return {{Role::kAssessor}};
    case Access::kAssessmentRead:
      return {{Role::kAssessor, Role::kAwardAdmin}};
    case Access::kAwardAdmin:
      return {{Role::kAwardAdmin}};
    case Access::kAudit:
      return {{Role::kAuditor}};
  }
  return {};
}

absl::Status CheckAccess(const Caller& caller, Access access) {
  const Requirement need = RequirementOf(access);
  bool admitted = false;
  for (Role role : need.any_of) admitted = admitted || caller.has(role);
  if (need.and_pii_reader) admitted = admitted && caller.has(Role::kPiiReader);
  if (admitted) return absl::OkStatus();
  std::vector<absl::string_view> names;
  for (Role role : need.any_of) names.push_back(RoleName(role));
  std::string required = absl::StrJoin(names, ",");
  if (need.and_pii_reader) absl::StrAppend(&required, "+pii_reader");
  return WithReason(
      absl::PermissionDeniedError(absl::StrCat(
          names.size() > 1 ? "this call needs one of the roles " : "this call needs the role ",
          required)),
      "PERMISSION_DENIED", {{"required_role", required}});
}

}  // namespace paritrana
