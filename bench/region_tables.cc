#include "bench/region_tables.h"

#include <algorithm>
#include <fstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "region/region_catalog.h"

namespace paritrana::bench {
namespace {

using Region = RegionTables::Region;

// Reads `path`, a CSV with a header whose first column is the code and whose last is the name;
// with two columns before the name the second is the parent code (checked against the code).
absl::StatusOr<std::vector<Region>> ReadLevel(const std::string& path, absl::string_view province) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<Region> out;
  std::string line;
  bool header = true;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> fields = SplitCsvLine(line);
    if (fields.size() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": expected code,...,name"));
    }
    if (!province.empty() && !absl::StartsWith(fields[0], province)) continue;
    Region r;
    r.code = std::move(fields[0]);
    r.name = std::move(fields.back());
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const Region& a, const Region& b) { return a.code < b.code; });
  return out;
}

// Sets each child's parent and each parent's child range; a child whose parent code (the code
// up to its last '.') is missing is an error.
absl::Status Link(std::vector<Region>& parents, std::vector<Region>& children,
                  absl::string_view what) {
  absl::flat_hash_map<std::string, int> index;
  for (size_t i = 0; i < parents.size(); ++i) index[parents[i].code] = static_cast<int>(i);
  for (size_t i = 0; i < children.size(); ++i) {
    Region& c = children[i];
    const auto it = index.find(c.code.substr(0, c.code.rfind('.')));
    if (it == index.end()) {
      return absl::InvalidArgumentError(absl::StrCat(what, " ", c.code, " has no parent"));
    }
    c.parent = it->second;
    Region& p = parents[static_cast<size_t>(it->second)];
    if (p.children == 0) p.first_child = static_cast<int>(i);
    ++p.children;
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> SplitCsvLine(absl::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

absl::StatusOr<RegionTables> RegionTables::LoadCatalog(const std::string& dir,
                                                       absl::string_view province) {
  RegionTables t;
  t.from_catalog_ = true;
  const std::string data = absl::StrCat(dir, "/data/");
  absl::StatusOr<std::vector<Region>> level = ReadLevel(data + "provinces.csv", province);
  if (!level.ok()) return level.status();
  t.provinces_ = *std::move(level);
  for (auto [file, table] :
       {std::pair{"regencies.csv", &t.regencies_}, std::pair{"districts.csv", &t.districts_},
        std::pair{"villages.csv", &t.villages_}}) {
    level = ReadLevel(data + file, province.empty() ? "" : absl::StrCat(province, "."));
    if (!level.ok()) return level.status();
    *table = *std::move(level);
  }
  if (t.provinces_.empty()) return absl::NotFoundError(absl::StrCat("no province in ", data));
  if (absl::Status s = Link(t.provinces_, t.regencies_, "regency"); !s.ok()) return s;
  if (absl::Status s = Link(t.regencies_, t.districts_, "district"); !s.ok()) return s;
  if (absl::Status s = Link(t.districts_, t.villages_, "village"); !s.ok()) return s;
  t.Index();
  return t;
}

RegionTables RegionTables::SyntheticJambi(int districts, int villages) {
  RegionTables t;
  auto add = [](std::vector<Region>& level, std::string code, std::string name) {
    Region& region = level.emplace_back();
    region.code = std::move(code);
    region.name = std::move(name);
  };
  add(t.provinces_, "15", "Jambi");
  for (const CatalogRegion& r : CatalogRegencies()) {
    if (!absl::StartsWith(r.code, "15.")) continue;
    add(t.regencies_, std::string(r.code), std::string(r.name));
    for (int d = 1; d <= districts; ++d) {
      const std::string district = absl::StrFormat("%s.%02d", r.code, d);
      add(t.districts_, district, absl::StrFormat("Kecamatan Contoh %s-%d", r.code, d));
      for (int v = 1; v <= villages; ++v) {
        add(t.villages_, absl::StrFormat("%s.%04d", district, 2000 + v),
            absl::StrFormat("Desa Contoh %s-%d-%d", r.code, d, v));
      }
    }
  }
  // Codes are generated in order, so linking cannot fail.
  (void)Link(t.provinces_, t.regencies_, "regency");
  (void)Link(t.regencies_, t.districts_, "district");
  (void)Link(t.districts_, t.villages_, "village");
  t.Index();
  return t;
}

void RegionTables::Index() {
  regency_villages_.clear();
  for (const Region& regency : regencies_) {
    int first = -1, count = 0;
    for (int d = regency.first_child; d < regency.first_child + regency.children; ++d) {
      const Region& district = districts_[static_cast<size_t>(d)];
      if (district.children == 0) continue;
      if (first < 0) first = district.first_child;
      count += district.children;
    }
    regency_villages_.emplace_back(std::max(first, 0), count);
  }
}

}  // namespace paritrana::bench
