#pragma once

#include "paritrana/coverage/v1/coverage.grpc.pb.h"

namespace paritrana::coverage {

// paritrana.coverage.v1.CoverageService: coverage ratios, gaps to target, rankings and trends, computed from the
// registry's aggregates.
// Every RPC answers UNIMPLEMENTED until the service's own issue lands.
class CoverageService final : public v1::CoverageService::CallbackService {};

}  // namespace paritrana::coverage
