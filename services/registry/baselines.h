#pragma once

#include <span>
#include <string>
#include <vector>

#include <map>
#include <optional>

#include "absl/status/statusor.h"
#include "paritrana/registry/v1/resources.pb.h"
#include "services/registry/baseline_check.h"
#include "services/registry/store/registry_store.h"

// Which of a region's stored baselines answers for a year: the rule QueryAggregates applies, and
// QueryEmployerFigures with it, so that both name the same denominator.
namespace paritrana::registry {

// Every baseline stored for `region` (a region name), any source and year, sorted by name.
absl::StatusOr<std::vector<v1::WorkforceBaseline>> LoadBaselines(RegistryTx& tx,
                                                                 const std::string& region);

// Of one region's `baselines`, the one of `source` that applies to `year`: that year's, or else
// the latest one before it; null when none does.
const v1::WorkforceBaseline* BaselineApplying(std::span<const v1::WorkforceBaseline> baselines,
                                              type::v1::DenominatorSource source, int year);

// Every baseline of a region, read once per request however often it is needed (a province's
// children are both in an answer and summed for it). Stored baselines are GIVEN.
class BaselineReader final {
 public:
  explicit BaselineReader(RegistryTx& tx) : tx_(tx) {}
  absl::StatusOr<const std::vector<v1::WorkforceBaseline>*> Of(const std::string& region);

 private:
  RegistryTx& tx_;
  std::map<std::string, std::vector<v1::WorkforceBaseline>> by_region_;
};

// A province's direct children and every baseline they hold: one List of regions (a province has
// a few dozen regencies/cities) and one List of baselines per child.
absl::StatusOr<ProvinceChildren> ChildrenOf(RegistryTx& tx, BaselineReader& reader,
                                            const v1::Region& province);

// The baseline of `source` that answers for `region` in `year`, as QueryAggregates gives it: the
// region's own applying one (GIVEN) or, for a province without one, the one derived from its
// children (DERIVED_FROM_CHILDREN); nullopt when there is neither.
absl::StatusOr<std::optional<v1::WorkforceBaseline>> BaselineFor(RegistryTx& tx,
                                                                 BaselineReader& reader,
                                                                 const v1::Region& region,
                                                                 type::v1::DenominatorSource source,
                                                                 int year);

}  // namespace paritrana::registry
