#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "paritrana/type/v1/types.pb.h"

// The national region catalogue: every province, regency/city, district and village of Indonesia
// with its Kemendagri code and name, read from an installed copy of the npm package
// `idn-area-data` (`npm ci --prefix tools` installs it into tools/node_modules; its data is under
// the Open Database License, see docs/data.md). The registry loads it at start with
// --region_catalog.
namespace paritrana {

// Who made the catalogue and under which licence: what the docs and the store's metadata repeat.
struct NationalCatalogInfo {
  std::string version;      // "idn-area-data 4.0.1"
  std::string attribution;  // the ODbL notice naming the package, its source and the licence
};

struct NationalRegion {
  std::string code;    // "15.08.01.2001"
  std::string name;    // "Sungai Mengkuang"
  std::string parent;  // "15.08.01"; empty for a province
  type::v1::RegionLevel level = type::v1::REGION_LEVEL_UNSPECIFIED;
};

struct NationalCatalog {
  NationalCatalogInfo info;
  // Provinces, then regencies/cities, districts and villages, each level in file order; every
  // parent comes before its children.
  std::vector<NationalRegion> regions;
};

// Reads `dir`/package.json (name and version) and checks that `dir`/data/LICENSE.md is still the
// Open Database License. Cheap: lets the registry skip the CSV files when it holds this version.
absl::StatusOr<NationalCatalogInfo> ReadNationalCatalogInfo(const std::string& dir);

// Reads the package directory `dir`: the info above and data/provinces.csv, regencies.csv,
// districts.csv and villages.csv (RFC 4180: a header line, fields quoted when they hold a comma
// or a quote). Every code must be a valid Kemendagri code of its file's level, unique, with its
// parent column equal to its code's parent and that parent listed one level up. Errors are
// INVALID_ARGUMENT (NOT_FOUND for a missing file) naming the file and line.
absl::StatusOr<NationalCatalog> ReadNationalCatalog(const std::string& dir);

}  // namespace paritrana
