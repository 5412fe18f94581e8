#include "absl/flags/flag.h"
#include "common/log.h"
#include "common/server.h"
#include "services/registry/registry_service.h"

ABSL_FLAG(std::string, store, "sqlite:data/registry.db",
          "Where the registry keeps its data: sqlite:PATH (later also postgres:DSN)");
ABSL_FLAG(std::string, redis, "",
          "HOST:PORT of Redis, whose cache generations the registry bumps after each write; "
          "empty: no cache");

int main(int argc, char** argv) {
  paritrana::InitServiceProcess(argc, argv, "registry",
                                "paritrana-registry: the Paritrana registry service.\n"
                                "Every flag also reads PARITRANA_<FLAG> from the environment.");
  paritrana::registry::RegistryService service;
  auto host = paritrana::ServiceHost::Start(
      paritrana::ServerOptionsFromFlags("paritrana.registry.v1.RegistryService", 50051), {&service});
  if (!host.ok()) {
    paritrana::log::Error("cannot start", {{"error", host.status().ToString()}});
    return 1;
  }
  paritrana::ServeUntilTerminated(**host);
  return 0;
}
