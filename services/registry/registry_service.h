#pragma once

#include "paritrana/registry/v1/registry.grpc.pb.h"

namespace paritrana::registry {

// paritrana.registry.v1.RegistryService: the system of record: regions, workforce baselines and targets, employers,
// participants, enrollments and contributions.
// Every RPC answers UNIMPLEMENTED until the service's own issue lands.
class RegistryService final : public v1::RegistryService::CallbackService {};

}  // namespace paritrana::registry
