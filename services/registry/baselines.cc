#include "services/registry/baselines.h"

#include "platform/errors.h"

namespace paritrana::registry {

absl::StatusOr<std::vector<v1::WorkforceBaseline>> LoadBaselines(RegistryTx& tx,
                                                                 const std::string& region) {
  ListQuery q;
  q.kind = Kind::kBaseline;
  q.parent = region;
  // A baseline per source and year: three sources over the years 2000 to 2100 at most.
  q.limit = 3 * 101;
  PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> rows, tx.List(q));
  std::vector<v1::WorkforceBaseline> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!out[i].ParseFromString(rows[i].body)) return absl::DataLossError("bad baseline record");
  }
  return out;
}

const v1::WorkforceBaseline* BaselineApplying(std::span<const v1::WorkforceBaseline> baselines,
                                              type::v1::DenominatorSource source, int year) {
  const v1::WorkforceBaseline* best = nullptr;
  for (const v1::WorkforceBaseline& b : baselines) {
    if (b.source() != source || b.year() > year) continue;
    if (best == nullptr || best->year() < b.year()) best = &b;
  }
  return best;
}

absl::StatusOr<const std::vector<v1::WorkforceBaseline>*> BaselineReader::Of(
    const std::string& region) {
  if (auto it = by_region_.find(region); it != by_region_.end()) return &it->second;
  PARITRANA_ASSIGN_OR_RETURN(std::vector<v1::WorkforceBaseline> all, LoadBaselines(tx_, region));
  for (v1::WorkforceBaseline& b : all) b.set_origin(type::v1::DENOMINATOR_ORIGIN_GIVEN);
  return &(by_region_[region] = std::move(all));
}

absl::StatusOr<ProvinceChildren> ChildrenOf(RegistryTx& tx, BaselineReader& reader,
                                            const v1::Region& province) {
  ProvinceChildren p;
  p.province = province.name();
  ListQuery q;
  q.kind = Kind::kRegion;
  q.parent = province.name();
  q.limit = 1000;  // a province has at most a few dozen regencies/cities
  PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> rows, tx.List(q));
  p.children = static_cast<int>(rows.size());
  for (const StoredResource& row : rows) {
    v1::Region child;
    if (!child.ParseFromString(row.body)) return absl::DataLossError("bad region record");
    PARITRANA_ASSIGN_OR_RETURN(const std::vector<v1::WorkforceBaseline>* own,
                               reader.Of(child.name()));
    p.baselines.insert(p.baselines.end(), own->begin(), own->end());
  }
  return p;
}

absl::StatusOr<std::optional<v1::WorkforceBaseline>> BaselineFor(RegistryTx& tx,
                                                                 BaselineReader& reader,
                                                                 const v1::Region& region,
                                                                 type::v1::DenominatorSource source,
                                                                 int year) {
  PARITRANA_ASSIGN_OR_RETURN(const std::vector<v1::WorkforceBaseline>* own,
                             reader.Of(region.name()));
  if (const v1::WorkforceBaseline* b = BaselineApplying(*own, source, year)) return *b;
  if (region.level() != type::v1::REGION_LEVEL_PROVINCE) return std::nullopt;
  PARITRANA_ASSIGN_OR_RETURN(const ProvinceChildren children, ChildrenOf(tx, reader, region));
  return DeriveProvinceBaseline(children, source, year);
}

}  // namespace paritrana::registry
