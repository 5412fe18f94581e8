#pragma once

#include <functional>
#include <set>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "paritrana/registry/v1/registry.pb.h"
#include "security/nik_vault.h"
#include "services/registry/baseline_check.h"
#include "services/registry/store/registry_store.h"

// The registry's rules, independent of gRPC: validation, idempotent creates, pagination, NIK
// protection, and the aggregate counts kept in the same transaction as every write. The gRPC
// adapter (registry_service.h) adds authentication and wire errors; ImportRecords (importer.h)
// applies its rows through the same Writer.
namespace paritrana::registry {

// Called after each commit with the provinces (codes, e.g. "15") whose coverage may have changed,
// so the cache can move on. Must not block for long; failures are the callee's to log.
using GenerationPublisher = std::function<void(const std::set<std::string>& provinces)>;

class Writer;

class Registry final {
 public:
  Registry(RegistryStore& store, const NikVault& vault, GenerationPublisher publisher,
           std::function<absl::CivilDay()> today);

  // Binds the database to the NIK key: records the key's fingerprint at the first start and refuses
  // any other key afterwards (FAILED_PRECONDITION, reason NIK_KEY_MISMATCH). Run at start.
  absl::Status CheckNikKey();

  // Loads the shipped region catalogue (provinces, Jambi's regencies and cities) when missing.
  absl::Status LoadCatalog();

  // Recounts every person (enrollment spans and deltas, employers' worker counts included), then
  // every employer's registration and bills (employer_counts.h), when the store's migration asked
  // for it with a setting because the way counts are kept changed; a page per transaction, the
  // progress recorded with it so that an interrupted rebuild resumes. Run at start; does nothing
  // once done.
  absl::Status RebuildCounts();

  // What LoadNationalCatalog did.
  struct NationalLoad {
    std::string version;   // e.g. "idn-area-data 4.0.1"
    bool loaded = false;   // false: the store already held this version, nothing was read
    int64_t inserted = 0;  // regions added; existing ones are left as they are
  };
  // Loads the national region catalogue from the idn-area-data package directory `dir`
  // (region/national_catalog.h) unless the store records its version already: in one write
  // transaction, adds every region that is missing (keeping the BPS codes of the shipped catalogue;
  // other regions have none), then records the version and the data's ODbL attribution as the
  // settings kRegionCatalogVersionSetting and kRegionCatalogAttributionSetting (writer.h). From
  // then on PutRegion refuses real regions that are not in the catalogue. Run after LoadCatalog.
  absl::StatusOr<NationalLoad> LoadNationalCatalog(const std::string& dir);

  absl::StatusOr<v1::Region> GetRegion(const v1::GetRegionRequest& req);
  absl::StatusOr<v1::ListRegionsResponse> ListRegions(const v1::ListRegionsRequest& req);
  absl::StatusOr<v1::Region> CreateRegion(const v1::CreateRegionRequest& req);
  absl::StatusOr<v1::Region> UpdateRegion(const v1::UpdateRegionRequest& req);

  absl::StatusOr<v1::WorkforceBaseline> CreateWorkforceBaseline(
      const v1::CreateWorkforceBaselineRequest& req);
  absl::StatusOr<v1::WorkforceBaseline> GetWorkforceBaseline(
      const v1::GetWorkforceBaselineRequest& req);
  absl::StatusOr<v1::ListWorkforceBaselinesResponse> ListWorkforceBaselines(
      const v1::ListWorkforceBaselinesRequest& req);
  absl::StatusOr<v1::WorkforceBaseline> UpdateWorkforceBaseline(
      const v1::UpdateWorkforceBaselineRequest& req);

  absl::StatusOr<v1::CoverageTarget> CreateCoverageTarget(
      const v1::CreateCoverageTargetRequest& req);
  absl::StatusOr<v1::CoverageTarget> GetCoverageTarget(const v1::GetCoverageTargetRequest& req);
  absl::StatusOr<v1::ListCoverageTargetsResponse> ListCoverageTargets(
      const v1::ListCoverageTargetsRequest& req);
  absl::StatusOr<v1::CoverageTarget> UpdateCoverageTarget(
      const v1::UpdateCoverageTargetRequest& req);

  absl::StatusOr<v1::Employer> CreateEmployer(const v1::CreateEmployerRequest& req);
  absl::StatusOr<v1::Employer> GetEmployer(const v1::GetEmployerRequest& req);
  absl::StatusOr<v1::ListEmployersResponse> ListEmployers(const v1::ListEmployersRequest& req);
  absl::StatusOr<v1::Employer> UpdateEmployer(const v1::UpdateEmployerRequest& req);

  // `pii`: the caller may see NIKs; otherwise `nik` is left empty (nik_masked is always set).
  absl::StatusOr<v1::Participant> CreateParticipant(const v1::CreateParticipantRequest& req,
                                                    bool pii);
  absl::StatusOr<v1::Participant> GetParticipant(const v1::GetParticipantRequest& req, bool pii);
  absl::StatusOr<v1::ListParticipantsResponse> ListParticipants(
      const v1::ListParticipantsRequest& req, bool pii);
  absl::StatusOr<v1::Participant> UpdateParticipant(const v1::UpdateParticipantRequest& req,
                                                    bool pii);
  // Callers must hold the PII right; the adapter checks it before this is called.
  absl::StatusOr<v1::Participant> FindParticipantByNik(const v1::FindParticipantByNikRequest& req);

  // Data-subject rights (UU 27/2022), in data_subject.cc. The adapter checks the rights first
  // (the PII right to export; registrar and the PII right to erase); both check the person's
  // domicile against the caller's region scope.
  //
  // Everything held about the person holding `req.nik()`: the participant with the NIK, every
  // enrollment and every contribution, from one snapshot.
  absl::StatusOr<v1::PersonalDataExport> ExportPersonalData(
      const v1::ExportPersonalDataRequest& req);
  // Deletes the person's NIK (look-up hash and seal) and clears their personal fields, keeping
  // the KPJ, enrollments, contributions and counts; idempotent. Afterwards the store is asked to
  // scrub what the write freed (RegistryStore::ScrubDeleted).
  absl::StatusOr<v1::Participant> ErasePersonalData(const v1::ErasePersonalDataRequest& req);

  absl::StatusOr<v1::Enrollment> CreateEnrollment(const v1::CreateEnrollmentRequest& req);
  absl::StatusOr<v1::Enrollment> GetEnrollment(const v1::GetEnrollmentRequest& req);
  absl::StatusOr<v1::ListEnrollmentsResponse> ListEnrollments(
      const v1::ListEnrollmentsRequest& req);
  absl::StatusOr<v1::Enrollment> TerminateEnrollment(const v1::TerminateEnrollmentRequest& req);

  absl::StatusOr<v1::Contribution> CreateContribution(const v1::CreateContributionRequest& req);
  absl::StatusOr<v1::Contribution> GetContribution(const v1::GetContributionRequest& req);
  absl::StatusOr<v1::ListContributionsResponse> ListContributions(
      const v1::ListContributionsRequest& req);

  absl::StatusOr<v1::QueryAggregatesResponse> QueryAggregates(
      const v1::QueryAggregatesRequest& req);
  // How far, in percent of its potential workers, a province's given baseline may differ from
  // its children's sum before QueryAggregates reports it (baseline_check.h); 0 reports every
  // difference. The registry's --baseline_tolerance_percent; set before serving.
  void set_baseline_tolerance_percent(double percent) { baseline_tolerance_percent_ = percent; }

  // Runs `fn` in one write transaction with a Writer, bumps the generations of the provinces it
  // touched in the same transaction and publishes them after the commit.
  absl::Status Write(std::function<absl::Status(Writer&)> fn);

  // Marks `import_id` as running, in this process and in every process sharing the store
  // (RegistryStore::ClaimImport): false when it already is. EndImport frees it.
  absl::StatusOr<bool> BeginImport(const std::string& import_id);
  void EndImport(const std::string& import_id);

  RegistryStore& store() { return store_; }
  const NikVault& vault() const { return vault_; }
  absl::CivilDay today() const { return today_(); }

 private:
  RegistryStore& store_;
  const NikVault& vault_;
  GenerationPublisher publisher_;
  std::function<absl::CivilDay()> today_;
  double baseline_tolerance_percent_ = kDefaultBaselineTolerancePercent;
  absl::Mutex imports_mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<ImportClaim>> running_imports_
      ABSL_GUARDED_BY(imports_mu_);
};

// FAILED_PRECONDITION, reason PARTICIPANT_ERASED, on `field`: `participant` had its personal data
// erased (Registry::ErasePersonalData), so it can no longer be changed or imported again; a
// person who registers again does so under a new KPJ. Defined in data_subject.cc.
absl::Status ParticipantErased(absl::string_view participant, absl::string_view field);

}  // namespace paritrana::registry
