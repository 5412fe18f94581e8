#pragma once

#include <span>

#include "absl/status/status.h"
#include "paritrana/type/v1/types.pb.h"

// Which social-security programmes each participant segment may join (domain.md):
//   PU     JKK JKM JHT JP JKP
//   BPU    JKK JKM (JHT optional)
//   JAKON  JKK JKM
//   PMI    JKK JKM (JHT optional)
// JKK and JKM are the base package every segment must hold.
namespace paritrana {

bool IsEligible(type::v1::Segment segment, type::v1::Programme programme);

// OK when `programmes` holds JKK and JKM, only programmes eligible for `segment`, and no
// repeats; otherwise INVALID_ARGUMENT saying which programme is wrong.
absl::Status ValidateProgrammes(type::v1::Segment segment,
                                std::span<const type::v1::Programme> programmes);

}  // namespace paritrana
