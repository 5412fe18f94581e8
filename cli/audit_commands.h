#pragma once

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "cli/connection.h"
#include "cli/output.h"

// `paritrana audit ...`: read a service's audit trail (auditor role) and check its hash chain.
namespace paritrana::cli {

struct AuditArgs {
  std::string service = "registry";  // registry or award
  std::string principal;             // list: only this principal
  std::string resource;              // list: only this resource
  std::string start_time, end_time;  // list: RFC 3339, e.g. 2026-01-31T00:00:00Z
  std::string last_hash;             // verify: the trail must end with this hash (exported)
};

class AuditCommands {
 public:
  AuditCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_output);

  bool parsed() const { return audit_->parsed(); }
  absl::Status Run(const Connection& c, Format format) const;

 private:
  AuditArgs args_;
  CLI::App* audit_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* verify_ = nullptr;
};

// Lists the events matching the filters, every page.
absl::Status RunAuditList(const Connection& c, const AuditArgs& a, Format f);
// Lists every event and checks the chain (security/audit.h, VerifyAuditChain): DATA_LOSS naming
// the first bad seq when an event was altered, removed or reordered, or when the trail does not
// end with --last_hash.
absl::Status RunAuditVerify(const Connection& c, const AuditArgs& a);

}  // namespace paritrana::cli
