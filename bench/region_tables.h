#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// The region tree the dataset generators place people in: either the national catalogue read
// from the npm package `idn-area-data` 4.0.1 (Kepmendagri 2025: 38 provinces, 514 regencies and
// cities, 7,285 districts, 83,762 villages; data under the Open Database License, installed at
// set-up into tools/node_modules/idn-area-data, never committed), or, without it, Jambi's eleven
// real regencies/cities with synthetic districts and villages below them.
namespace paritrana::bench {

// One CSV record split into fields, RFC 4180 quoting: `"Lubuk Pakam I,II"` is one field and `""`
// inside quotes is one quote. Records do not span lines.
std::vector<std::string> SplitCsvLine(absl::string_view line);

class RegionTables final {
 public:
  struct Region {
    std::string code;  // "15.08.01.2001"
    std::string name;  // "Kabupaten Bungo"
    int parent = -1;   // index in the parent level's table; -1 for provinces
    // The children, a contiguous range of the next level's table (tables are sorted by code).
    int first_child = 0;
    int children = 0;
  };

  // Reads DIR/data/{provinces,regencies,districts,villages}.csv (DIR is the package directory,
  // e.g. tools/node_modules/idn-area-data). With `province` ("15"), keeps that province only.
  static absl::StatusOr<RegionTables> LoadCatalog(const std::string& dir,
                                                  absl::string_view province = "");

  // Jambi (15) and its eleven regencies/cities from the registry's built-in catalogue, each with
  // `districts` synthetic districts (`15.01.01`...) of `villages` synthetic villages
  // (`15.01.01.2001`...).
  static RegionTables SyntheticJambi(int districts, int villages);

  // True when loaded from idn-area-data (every code real); false for SyntheticJambi.
  bool from_catalog() const { return from_catalog_; }

  const std::vector<Region>& provinces() const { return provinces_; }
  const std::vector<Region>& regencies() const { return regencies_; }
  const std::vector<Region>& districts() const { return districts_; }
  const std::vector<Region>& villages() const { return villages_; }

  // The villages of regency `r`: [first, first + count) of villages().
  std::pair<int, int> VillagesOfRegency(int r) const {
    return regency_villages_[static_cast<size_t>(r)];
  }

 private:
  void Index();  // fills regency_villages_

  bool from_catalog_ = false;
  std::vector<std::pair<int, int>> regency_villages_;
  std::vector<Region> provinces_, regencies_, districts_, villages_;
};

}  // namespace paritrana::bench
