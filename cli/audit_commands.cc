#include "cli/audit_commands.h"

#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "paritrana/audit/v1/audit.grpc.pb.h"
#include "platform/errors.h"
#include "security/audit.h"
#include "security/audit_proto.h"

namespace paritrana::cli {
namespace {

namespace av1 = audit::v1;
using google::protobuf::util::TimeUtil;

absl::Status ParseTime(const std::string& text, const char* flag,
                       google::protobuf::Timestamp* out) {
  if (!TimeUtil::FromString(text, out)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " must be an RFC 3339 time such as 2026-01-31T00:00:00Z, got ", text));
  }
  return absl::OkStatus();
}

// Every event matching `req`'s filters, page by page, passed to `take`.
absl::Status ListAll(const Connection& c, const AuditArgs& a, av1::ListAuditEventsRequest req,
                     const std::function<void(const av1::AuditEvent&)>& take) {
  if (a.service != "registry" && a.service != "award") {
    return absl::InvalidArgumentError(
        absl::StrCat("--service must be registry or award, got ", a.service));
  }
  auto stub = av1::AuditService::NewStub(c.Channel(a.service == "award" ? c.award : c.registry));
  req.set_page_size(1000);
  while (true) {
    av1::ListAuditEventsResponse resp;
    auto ctx = c.Context();
    grpc::Status s = stub->ListAuditEvents(ctx.get(), req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    for (const av1::AuditEvent& e : resp.audit_events()) take(e);
    if (resp.next_page_token().empty()) return absl::OkStatus();
    req.set_page_token(resp.next_page_token());
  }
}

}  // namespace

AuditCommands::AuditCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_output) {
  audit_ = app.add_subcommand("audit",
                              "Read a service's audit trail and verify its hash chain (role "
                              "auditor).\n  example: paritrana audit verify --service registry");
  audit_->require_subcommand(1);
  list_ = audit_->add_subcommand(
      "list", "List audit events in order.\n  example: paritrana audit list --principal alice");
  verify_ = audit_->add_subcommand(
      "verify",
      "Read every audit event and check the hash chain; exits non-zero naming the first bad seq.");
  for (CLI::App* cmd : {list_, verify_}) {
    cmd->add_option("--service", args_.service, "registry or award")
        ->check(CLI::IsMember({"registry", "award"}))
        ->capture_default_str();
  }
  list_->add_option("--principal", args_.principal, "only this principal");
  list_->add_option("--resource", args_.resource, "only this resource, e.g. participants/...");
  list_->add_option("--start", args_.start_time, "from this time (RFC 3339)");
  list_->add_option("--end", args_.end_time, "before this time (RFC 3339)");
  add_output(list_);
  verify_->add_option("--last_hash", args_.last_hash,
                      "the hash of the last event as exported earlier: detects a truncated tail");
}

absl::Status AuditCommands::Run(const Connection& c, Format format) const {
  if (list_->parsed()) return RunAuditList(c, args_, format);
  return RunAuditVerify(c, args_);
}

absl::Status RunAuditList(const Connection& c, const AuditArgs& a, Format f) {
  av1::ListAuditEventsRequest req;
  req.set_principal(a.principal);
  req.set_resource(a.resource);
  if (!a.start_time.empty()) {
    PARITRANA_RETURN_IF_ERROR(ParseTime(a.start_time, "--start", req.mutable_start_time()));
  }
  if (!a.end_time.empty()) {
    PARITRANA_RETURN_IF_ERROR(ParseTime(a.end_time, "--end", req.mutable_end_time()));
  }
  av1::ListAuditEventsResponse all;
  Table table;
  table.header = {"SEQ", "TIME", "PRINCIPAL", "HOW", "METHOD", "RESOURCE", "OUTCOME", "HASH"};
  PARITRANA_RETURN_IF_ERROR(ListAll(c, a, req, [&](const av1::AuditEvent& e) {
    *all.add_audit_events() = e;
    table.rows.push_back({absl::StrCat(e.seq()), TimeUtil::ToString(e.time()), e.principal(),
                          e.how(), e.method(), e.resource(), e.outcome(), e.hash().substr(0, 12)});
  }));
  Print(f, table, all);
  return absl::OkStatus();
}

absl::Status RunAuditVerify(const Connection& c, const AuditArgs& a) {
  std::vector<AuditEvent> events;
  PARITRANA_RETURN_IF_ERROR(
      ListAll(c, a, av1::ListAuditEventsRequest(),
              [&](const av1::AuditEvent& e) { events.push_back(AuditEventFromProto(e)); }));
  if (std::optional<AuditChainBreak> bad = VerifyAuditChain(events, kAuditGenesis);
      bad.has_value()) {
    return absl::DataLossError(absl::StrCat("the ", a.service, " audit trail is broken at seq ",
                                            bad->seq, ": ", bad->reason));
  }
  const std::string last = events.empty() ? std::string(kAuditGenesis) : events.back().hash;
  if (!a.last_hash.empty() && a.last_hash != last) {
    // The exported hash should be in the chain; if it is not the last one, events were cut.
    for (const AuditEvent& e : events) {
      if (e.hash == a.last_hash) {
        std::cout << "the trail continues after the exported hash (seq " << e.seq << ")\n";
        std::cout << "verified " << events.size() << " events of the " << a.service
                  << " audit trail; last seq " << (events.empty() ? 0 : events.back().seq)
                  << ", last hash " << last << "\n";
        return absl::OkStatus();
      }
    }
    return absl::DataLossError(
        absl::StrCat("the ", a.service, " audit trail does not hold --last_hash: events after seq ",
                     events.empty() ? 0 : events.back().seq, " were removed"));
  }
  std::cout << "verified " << events.size() << " events of the " << a.service
            << " audit trail; last seq " << (events.empty() ? 0 : events.back().seq)
            << ", last hash " << last << "\n";
  return absl::OkStatus();
}

}  // namespace paritrana::cli
