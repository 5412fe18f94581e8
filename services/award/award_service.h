#pragma once

#include "paritrana/award/v1/award.grpc.pb.h"

namespace paritrana::award {

// paritrana.award.v1.AwardService: Paritrana Award rubrics, cycles, candidates, jury assessments,
// evaluations and published rankings.
// Every RPC answers UNIMPLEMENTED until the service's own issue lands.
class AwardService final : public v1::AwardService::CallbackService {};

}  // namespace paritrana::award
