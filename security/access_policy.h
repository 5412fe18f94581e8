#pragma once

#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "security/caller.h"

// Which roles may call which RPC: the one table of the suite, for every service. Services admit
// a call by its method's name alone (Authorizer::Admit), so no handler can forget a check or
// apply another one, and docs/security.md's table is checked against this one by a test that
// calls every RPC of running servers with every role.
namespace paritrana {

// What an RPC does, which decides who may call it.
enum class Access {
  kAnyRole,         // reference data, aggregates, coverage, award results: any authenticated role
  kPersonalRead,    // participants, enrollments, contributions: NIK masked unless pii_reader
  kPiiRead,         // NIKs in clear (find by NIK, export a person's data)
  kRegistryWrite,   // registry writes, within the caller's regions
  kPiiWrite,        // erasing a person's data: a registrar that also holds pii_reader
  kAssess,          // jury scores under the caller's own id
  kAssessmentRead,  // jury scores of every assessor
  kAwardAdmin,      // rubrics, cycles, candidates, evaluation, publication
  kAudit,           // the audit trail
};

struct MethodAccess {
  absl::string_view method;  // "paritrana.registry.v1.RegistryService/GetRegion"
  Access access;
};

// Every RPC of every Paritrana service, in the order of their protos.
std::span<const MethodAccess> AccessTable();

// The access of `method` ("package.Service/Method"); NOT_FOUND for a method not in the table,
// which no server may serve (a test checks every served method is listed).
absl::StatusOr<Access> AccessOf(absl::string_view method);

// The roles any one of which admits a call of `access` (besides admin, see Caller::has), and
// whether pii_reader is needed as well.
struct Requirement {
  std::vector<Role> any_of;
  bool and_pii_reader = false;
};
Requirement RequirementOf(Access access);

// OK when `caller` meets RequirementOf(access); otherwise PERMISSION_DENIED, reason
// PERMISSION_DENIED with metadata `required_role` (the accepted roles, comma-separated; with
// "+pii_reader" when that is needed too).
absl::Status CheckAccess(const Caller& caller, Access access);

}  // namespace paritrana
