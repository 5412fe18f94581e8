#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/field_mask.pb.h"
#include "paritrana/registry/v1/resources.pb.h"
#include "security/nik_vault.h"
#include "services/registry/store/registry_store.h"

// Writes of registry resources inside one transaction, shared by the single-record RPCs and
// ImportRecords. Inputs are already checked field by field (resource_rules.h); the Writer checks
// what needs stored state (references, natural keys, NIK uniqueness, dates against the stored
// enrollment), keeps the aggregates, and remembers which provinces changed.
namespace paritrana::registry {

// Settings recorded when the national region catalogue is loaded (Registry::LoadNationalCatalog):
// its version (e.g. "idn-area-data 4.0.1") and the ODbL attribution of its data. While the version
// is recorded, every real region exists and PutRegion refuses real ones that are missing.
inline constexpr absl::string_view kRegionCatalogVersionSetting = "region_catalog_version";
inline constexpr absl::string_view kRegionCatalogAttributionSetting = "region_catalog_attribution";

// What a write did; import counts rows by it.
enum class Outcome { kCreated, kUpdated, kUnchanged };

template <typename M>
struct Written {
  M resource;
  Outcome outcome = Outcome::kCreated;
};

class Writer final {
 public:
  Writer(RegistryTx& tx, const NikVault& vault, absl::CivilDay today)
      : tx_(tx), vault_(vault), today_(today) {}

  RegistryTx& tx() { return tx_; }
  const std::set<std::string>& touched_provinces() const { return touched_; }

  // Creates (create_only) or creates-or-updates the resource named in `region.name` etc.:
  // an existing one with different updatable fields is updated, an identical one unchanged.
  // Regions: without a national catalogue only districts, villages and synthetic regencies can be
  // added; with one, a real region must already exist (it came with the catalogue) and synthetic
  // ones can be added at any level below the province.
  absl::StatusOr<Written<v1::Region>> PutRegion(const v1::Region& region, bool create_only);
  absl::StatusOr<Written<v1::WorkforceBaseline>> PutBaseline(const v1::WorkforceBaseline& b,
                                                             bool create_only);
  absl::StatusOr<Written<v1::CoverageTarget>> PutTarget(const v1::CoverageTarget& t,
                                                        bool create_only);
  // Who writes an employer, which decides what an unset day means (PutEmployer).
  enum class EmployerWrite {
    kCreate,     // CreateEmployer: ALREADY_EXISTS when it exists
    kUpdate,     // UpdateEmployer: the patched employer, an unset worker_count_date cleared
    kImportRow,  // an import row: created, or updated keeping the days it leaves unset (below)
  };
  // An employer's registration_date, when unset, is the stored one or (new employer) today; it
  // counts among its region's registered employers from that day (employer_counts.h), and an
  // employer that moves to another region takes its bills' counts along and is listed under its
  // new region (ListEmployers). An import row without worker_count_date keeps the stored one
  // while it restates the stored headcount.
  absl::StatusOr<Written<v1::Employer>> PutEmployer(const v1::Employer& e, EmployerWrite how);
  // Creates or updates the bill named in `bill.name` (fields checked by CheckBill); the employer
  // must exist (NOT_FOUND on `bill.name`) and be within the caller's region scope. An identical
  // bill is unchanged. The employer's region's bill counts follow (employer_counts.h).
  absl::StatusOr<Written<v1::ContributionBill>> PutBill(const v1::ContributionBill& bill);
  // Adds a stored employer's registration and its bills to the counts as if they were new, for
  // Registry::RebuildCounts on emptied count tables. An employer stored before registration
  // dates were kept gets the day (Asia/Jakarta) it was created in the registry.
  absl::Status RecountEmployer(const v1::Employer& employer);
  // The participant's NIK is sealed into the NIK index; the stored message never holds it.
  absl::StatusOr<Written<v1::Participant>> PutParticipant(const v1::Participant& p,
                                                          bool create_only);
  // `participant` is `participants/{kpj}`; matched by the natural key (segment, employer,
  // start_date) unless create_only, where a match is ALREADY_EXISTS.
  absl::StatusOr<Written<v1::Enrollment>> PutEnrollment(const std::string& participant,
                                                        const v1::Enrollment& e, bool create_only);
  // Applies a contribution: paid-through moves to covers_through and the counts follow. With
  // `skip_if_recorded`, a contribution equal to one already recorded is unchanged (import). Every
  // check runs before the first write, so a refused contribution has written nothing and needs no
  // savepoint (the importer relies on it).
  absl::StatusOr<Written<v1::Contribution>> AddContribution(const std::string& enrollment,
                                                            const v1::Contribution& c,
                                                            bool skip_if_recorded);
  absl::StatusOr<Written<v1::Enrollment>> Terminate(const std::string& enrollment,
                                                    absl::CivilDay end_date);

  // Bulk import's fast path: creates a person the registry does not know yet with their first
  // enrollment (and contribution, when `contribution` is set) without a savepoint. Every check that
  // could reject the row runs before the first write; nullopt (nothing written) means the row is
  // not such a simple case, and the caller applies it through PutParticipant, PutEnrollment and
  // AddContribution inside a savepoint, which also reports the precise error. Fields are already
  // checked (resource_rules.h).
  absl::StatusOr<std::optional<Outcome>> CreateNewPerson(const v1::Participant& participant,
                                                         const v1::Enrollment& enrollment,
                                                         const v1::Contribution* contribution);
  // Tells the store what CreateNewPerson is about to look up for these participants and their
  // enrollments (RegistryTx::Prefetch): the participants, their NIKs, regions and employers.
  absl::Status PrefetchPersons(std::span<const v1::Participant* const> participants,
                               std::span<const v1::Enrollment* const> enrollments);
  // Forgets the references found so far (after a unit of work was rolled back, since it may have
  // created some of them).
  void ForgetKnownReferences() { known_.clear(); }

  // Applies `mask` (paths checked by the caller) from `patch` onto the stored resource `name`.
  template <typename M>
  absl::StatusOr<M> Patch(Kind kind, const std::string& name, const M& patch,
                          const google::protobuf::FieldMask& mask);
  // Claims `after`'s BPS code for it (releasing `before`'s), after checking its length for the
  // level: BPS codes are unique among regions. `field` names the code in errors.
  absl::Status ClaimBpsCode(const v1::Region* before, const v1::Region& after,
                            const std::string& field);
  // Rewrites an existing resource (update_time set) and records its province as touched when
  // `region` is not empty.
  absl::Status Replace(Kind kind, google::protobuf::Message& resource, const std::string& region);

 private:
  absl::Status RequireRegion(const std::string& name, const std::string& field);
  // Region scope of an update by a caller limited to some regions (security/call_context.h): the
  // stored resource's region and the new one must both be within the caller's scope.
  absl::Status CheckScopeOfUpdate(Kind kind, const google::protobuf::Message& after);
  // The participant as stored: trimmed, KPJ and masked NIK set, the NIK itself removed.
  static v1::Participant StoredForm(const v1::Participant& input);
  // A new ACTIVE enrollment of `participant`, named with the next enrollment id.
  absl::StatusOr<v1::Enrollment> NewEnrollment(const std::string& participant,
                                               const v1::Enrollment& input);
  // Whether `input` may extend the paid-through date of `stored`.
  static absl::Status CheckExtends(const v1::Enrollment& stored, const v1::Contribution& input);
  // The contribution as recorded against `stored`, named with the next contribution id.
  absl::StatusOr<v1::Contribution> NewContribution(const v1::Enrollment& stored,
                                                   const v1::Contribution& input);
  // Whether a region or employer exists, remembered for the transaction once found (neither is
  // ever deleted), so a batch of rows naming the same few regions looks each up once.
  absl::StatusOr<bool> Exists(Kind kind, const std::string& name);
  void Touch(const std::string& region_name);
  absl::Status Insert(Kind kind, google::protobuf::Message& resource, const std::string& parent,
                      const std::string& region);
  // Moves the counts of every bill of `employer` from region `from` to region `to`.
  absl::Status MoveBills(const std::string& employer, const std::string& from,
                         const std::string& to);
  absl::Status RecountPerson(const std::string& participant, const v1::Enrollment& before,
                             const v1::Enrollment& after);

  RegistryTx& tx_;
  const NikVault& vault_;
  const absl::CivilDay today_;
  std::set<std::string> touched_;
  std::set<std::pair<Kind, std::string>> known_;
  // NIK -> its lookup hash, computed once by PrefetchPersons for CreateNewPerson (an HMAC a row).
  std::map<std::string, std::string> nik_hashes_;
  std::string NikHash(const std::string& nik);
};

// Loads a stored resource; nullopt when absent.
template <typename M>
absl::StatusOr<std::optional<M>> Load(RegistryTx& tx, Kind kind, absl::string_view name) {
  absl::StatusOr<std::optional<std::string>> body = tx.Get(kind, name);
  if (!body.ok()) return body.status();
  if (!body->has_value()) return std::nullopt;
  M m;
  if (!m.ParseFromString(**body)) return absl::DataLossError("stored record does not parse");
  return m;
}

}  // namespace paritrana::registry
