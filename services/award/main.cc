#include "absl/flags/flag.h"
#include "common/log.h"
#include "common/server.h"
#include "services/award/award_service.h"

ABSL_FLAG(std::string, store, "sqlite:data/award.db",
          "Where the award service keeps its data: sqlite:PATH (later also postgres:DSN)");
ABSL_FLAG(std::string, registry, "127.0.0.1:50051", "HOST:PORT of the registry service");
ABSL_FLAG(std::string, coverage, "127.0.0.1:50052", "HOST:PORT of the coverage service");

int main(int argc, char** argv) {
  paritrana::InitServiceProcess(argc, argv, "award",
                                "paritrana-award: the Paritrana award service.\n"
                                "Every flag also reads PARITRANA_<FLAG> from the environment.");
  paritrana::award::AwardService service;
  auto host = paritrana::ServiceHost::Start(
      paritrana::ServerOptionsFromFlags("paritrana.award.v1.AwardService", 50053), {&service});
  if (!host.ok()) {
    paritrana::log::Error("cannot start", {{"error", host.status().ToString()}});
    return 1;
  }
  paritrana::ServeUntilTerminated(**host);
  return 0;
}
