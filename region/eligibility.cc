#include "region/eligibility.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"

namespace paritrana {

using type::v1::Programme;
using type::v1::Segment;

bool IsEligible(Segment segment, Programme programme) {
  switch (programme) {
    case type::v1::PROGRAMME_JKK:
    case type::v1::PROGRAMME_JKM:
      return segment != type::v1::SEGMENT_UNSPECIFIED;
    case type::v1::PROGRAMME_JHT:
      return segment == type::v1::SEGMENT_PU || segment == type::v1::SEGMENT_BPU ||
             segment == type::v1::SEGMENT_PMI;
    case type::v1::PROGRAMME_JP:
    case type::v1::PROGRAMME_JKP:
      return segment == type::v1::SEGMENT_PU;
    default:
      return false;
  }
}

absl::Status ValidateProgrammes(Segment segment, std::span<const Programme> programmes) {
  if (segment == type::v1::SEGMENT_UNSPECIFIED || !type::v1::Segment_IsValid(segment)) {
    return absl::InvalidArgumentError("segment must be PU, BPU, JAKON or PMI");
  }
  std::set<Programme> seen;
  for (Programme p : programmes) {
    if (!type::v1::Programme_IsValid(p) || p == type::v1::PROGRAMME_UNSPECIFIED) {
      return absl::InvalidArgumentError("programme must be JKK, JKM, JHT, JP or JKP");
    }
    if (!seen.insert(p).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(type::v1::Programme_Name(p), " is listed twice"));
    }
    if (!IsEligible(segment, p)) {
      return absl::InvalidArgumentError(
          absl::StrCat(type::v1::Programme_Name(p), " is not available to ",
                       type::v1::Segment_Name(segment), " participants"));
    }
  }
  for (Programme required : {type::v1::PROGRAMME_JKK, type::v1::PROGRAMME_JKM}) {
    if (!seen.contains(required)) {
      return absl::InvalidArgumentError(
          absl::StrCat(type::v1::Programme_Name(required), " is required for every segment"));
    }
  }
  return absl::OkStatus();
}

}  // namespace paritrana
