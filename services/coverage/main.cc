#include "absl/flags/flag.h"
#include "common/log.h"
#include "common/server.h"
#include "services/coverage/coverage_service.h"

ABSL_FLAG(std::string, registry, "127.0.0.1:50051", "HOST:PORT of the registry service");
ABSL_FLAG(std::string, redis, "", "HOST:PORT of the Redis cache; empty: no cache");

int main(int argc, char** argv) {
  paritrana::InitServiceProcess(argc, argv, "coverage",
                                "paritrana-coverage: the Paritrana coverage service.\n"
                                "Every flag also reads PARITRANA_<FLAG> from the environment.");
  paritrana::coverage::CoverageService service;
  auto host = paritrana::ServiceHost::Start(
      paritrana::ServerOptionsFromFlags("paritrana.coverage.v1.CoverageService", 50052), {&service});
  if (!host.ok()) {
    paritrana::log::Error("cannot start", {{"error", host.status().ToString()}});
    return 1;
  }
  paritrana::ServeUntilTerminated(**host);
  return 0;
}
