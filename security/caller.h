#pragma once

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Who is calling: the identity, roles and region scope of one call, whichever credential proved
// them (security/auth.h). Every service decides from a Caller alone; nothing downstream looks at
// tokens or certificates.
namespace paritrana {

// Least privilege: reading NIKs, writing, running the award and reading the audit trail are
// separate rights, so a compromised account of one kind cannot do the others' work.
enum class Role {
  kRegistrar,   // writes registry data within its regions; reads participants, NIK masked
  kPiiReader,   // reads NIKs in clear, finds participants by NIK, exports a person's data
  kAnalyst,     // reads aggregates, coverage, award results, and participants with the NIK masked
  kAssessor,    // records jury scores (assessments) under their own id
  kAwardAdmin,  // rubrics, cycles, candidates, evaluation and publication
  kAuditor,     // reads the audit trail
  kAdmin,       // every role except pii_reader and auditor (see Caller::has)
};

// "registrar", "pii_reader", ...: the spelling of tokens files, JWT claims, errors and docs.
absl::string_view RoleName(Role role);
// The role spelled `name`; INVALID_ARGUMENT listing the known roles otherwise.
absl::StatusOr<Role> ParseRole(absl::string_view name);
// "registrar, pii_reader, analyst, ...", for messages.
absl::string_view KnownRoleNames();

// How the caller proved who it is.
enum class AuthMethod {
  kNone,         // authentication is off: nobody proved anything
  kStaticToken,  // a bearer token from --tokens_file (development only)
  kJwt,          // a bearer JWT verified against --jwks_file
  kCertificate,  // a mutual-TLS client certificate mapped by --client_certificates_file
};
// "none", "token", "jwt", "certificate": as recorded in the audit trail.
absl::string_view AuthMethodName(AuthMethod how);

// A region code as it appears in resource names after `regions/`: "15", "15.08", "15.08.01",
// "15.08.01.2001" (Kemendagri). OK or INVALID_ARGUMENT naming `what`.
absl::Status CheckRegionCode(absl::string_view code, absl::string_view what);

struct Caller {
  std::string id;  // principal id: the JWT subject, the mapped certificate or token principal
  std::set<Role> roles;
  // Region codes the caller may write and read personal data in, each with all regions below it
  // ("15" covers "15.08.01"). Empty: national.
  std::set<std::string> regions;
  AuthMethod how = AuthMethod::kNone;

  bool authenticated() const { return how != AuthMethod::kNone; }
  // Whether the caller holds `role`. An admin holds every role except pii_reader and auditor:
  // administration grants neither the sight of NIKs nor the review of its own actions.
  bool has(Role role) const;
  // Whether NIKs may be shown unmasked: a proved pii_reader. With authentication off nobody may,
  // since anyone could be calling.
  bool can_read_pii() const;
  // Whether `region` (a code, or a resource name `regions/CODE`) is within the caller's scope.
  bool Covers(absl::string_view region) const;
  // OK when Covers(region); otherwise PERMISSION_DENIED naming the region and the scope, reason
  // REGION_OUT_OF_SCOPE with metadata {"region": code}.
  absl::Status CheckRegion(absl::string_view region) const;
};

}  // namespace paritrana
