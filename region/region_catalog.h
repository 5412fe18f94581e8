#pragma once

#include <span>
#include "absl/strings/string_view.h"

namespace paritrana {

// One region of the shipped catalogue: Kemendagri code, official name, BPS statistical code.
// BPS codes differ from Kemendagri ones for some regencies, so the mapping is data, not arithmetic.
struct CatalogRegion {
  absl::string_view code;
  absl::string_view name;
  absl::string_view bps_code;
};

// The 38 provinces (Kemendagri codes, as of the 2022 Papua split).
std::span<const CatalogRegion> Provinces();

// Regencies and cities shipped with the catalogue: all eleven of Jambi. The registry refuses to
// create other real ones; synthetic regencies (demonstration and benchmark data) can be created
// through the registry API or bulk import.
std::span<const CatalogRegion> CatalogRegencies();

// True if `code` (two digits) is one of the 38 province codes.
bool IsKnownProvince(absl::string_view code);

}  // namespace paritrana
