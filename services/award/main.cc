#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "clients/channel.h"
#include "clients/rubric_file.h"
#include "platform/log.h"
#include "platform/server.h"
#include "region/validation.h"
#include "security/auth.h"
#include "services/audit/audit_service.h"
#include "services/award/award.h"
#include "services/award/award_service.h"
#include "services/award/sources.h"
#include "services/award/store/open_store.h"

ABSL_FLAG(std::string, store, "sqlite:data/award.db",
          "Where the award service keeps its data: sqlite:PATH, or PostgreSQL as postgresql://... "
          "or postgres:CONNINFO (password from PGPASSWORD or a passfile, never here)");
ABSL_FLAG(std::string, registry, "127.0.0.1:50051", "HOST:PORT of the registry service");
ABSL_FLAG(std::string, coverage, "127.0.0.1:50052", "HOST:PORT of the coverage service");
ABSL_FLAG(absl::Duration, registry_deadline, absl::Seconds(5),
          "Deadline of each call to the registry (region and employer look-ups, and each "
          "QueryEmployerFigures call of EvaluateCycle: at most 1000 employers or regions)");
ABSL_FLAG(absl::Duration, coverage_deadline, absl::Seconds(20),
          "Deadline of each BatchGetCoverage call (at most 100 regions) made by EvaluateCycle");
ABSL_FLAG(std::string, rubric_files, "",
          "Comma-separated rubric files (JSON, see services/award/default_rubric_*.json, one per "
          "category) installed at start-up as version 1 of their rubric when that rubric does "
          "not exist");

namespace {

using paritrana::log::Error;

int Run() {
  namespace award = paritrana::award;
  const paritrana::ServerOptions server_options =
      paritrana::ServerOptionsFromFlags("paritrana.award.v1.AwardService", 50053);
  auto store = award::OpenAwardStore(absl::GetFlag(FLAGS_store));
  if (!store.ok()) {
    Error("cannot open store", {{"error", store.status().ToString()}});
    return 1;
  }
  auto auth = paritrana::Authorizer::FromFlags();
  if (!auth.ok()) {
    Error("cannot load tokens", {{"error", auth.status().ToString()}});
    return 1;
  }
  if (!(*auth)->enabled()) {
    paritrana::log::Warn("authentication is off: every award caller acts as admin 'anonymous'");
  }
  const auto credentials = paritrana::ClientCredentialsFromFlags();
  award::RegistryDirectory directory(
      paritrana::ConnectToService(absl::GetFlag(FLAGS_registry), credentials,
                                  "paritrana.registry.v1.RegistryService"),
      absl::GetFlag(FLAGS_registry_deadline));
  award::CoverageClient coverage(
      paritrana::ConnectToService(absl::GetFlag(FLAGS_coverage), credentials,
                                  "paritrana.coverage.v1.CoverageService"),
      absl::GetFlag(FLAGS_coverage_deadline));
  award::Award rules(**store, directory, coverage, paritrana::TodayInJakarta);

  for (absl::string_view path :
       absl::StrSplit(absl::GetFlag(FLAGS_rubric_files), ',', absl::SkipWhitespace())) {
    auto file = paritrana::clients::LoadRubricFile(std::string(path));
    absl::StatusOr<bool> installed =
        file.ok() ? rules.InstallRubric(file->rubric_id, file->rubric, file->version)
                  : absl::StatusOr<bool>(file.status());
    if (!installed.ok()) {
      Error("cannot install rubric file",
            {{"file", std::string(path)}, {"error", installed.status().ToString()}});
      return 1;
    }
    paritrana::log::Info(*installed ? "rubric installed" : "rubric already present",
                         {{"file", std::string(path)}, {"rubric", file->rubric_id}});
  }

  award::AwardService service(rules, **auth);
  // Only the store takes the service out of rotation: without the registry or coverage service
  // reads and most writes still work; only EvaluateCycle and candidate or cycle creation fail
  // (with UNAVAILABLE). Health shows both under dependency/{name}.
  std::vector<paritrana::Dependency> dependencies = {
      {"store", true, [&] { return (*store)->Ping(); }},
      {"registry", false, [&] { return directory.Probe(); }},
      {"coverage", false, [&] { return coverage.Probe(); }}};
  // The award service's audit trail, for auditors (security/audit.h).
  paritrana::audit::AuditService audit_service(service.audit_log(), **auth);
  return paritrana::ServeProcess(server_options, {&service, &audit_service}, dependencies);
}

}  // namespace

int main(int argc, char** argv) {
  paritrana::InitServiceProcess(argc, argv, "award",
                                "paritrana-award: the Paritrana award service.\n"
                                "Every flag also reads PARITRANA_<FLAG> from the environment.");
  return Run();
}
