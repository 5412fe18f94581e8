#include "services/registry/baseline_check.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "services/registry/resource_rules.h"

namespace paritrana::registry {
namespace {

// A figure summed over children, known only while every summed child knows it.
struct Sum {
  int64_t value = 0;
  int count = 0;  // children that had it
  void Add(int64_t v) {
    value += v;
    ++count;
  }
};

}  // namespace

std::optional<v1::WorkforceBaseline> DeriveProvinceBaseline(const ProvinceChildren& p,
                                                            type::v1::DenominatorSource source,
                                                            int year) {
  // Each child's baseline of `year` or its latest before.
  std::map<std::string, const v1::WorkforceBaseline*> applying;  // by child region
  for (const v1::WorkforceBaseline& b : p.baselines) {
    if (b.source() != source || b.year() > year) continue;
    const v1::WorkforceBaseline*& slot = applying[b.region()];
    if (slot == nullptr || slot->year() < b.year()) slot = &b;
  }
  if (applying.empty()) return std::nullopt;

  int latest = 0;
  int64_t potential = 0;
  Sum formal, informal, employers;
  std::map<int, Sum> segments;
  for (const auto& [_, b] : applying) {
    latest = std::max(latest, b->year());
    potential += b->potential_workers();
    if (b->has_formal_workers()) formal.Add(b->formal_workers());
    if (b->has_informal_workers()) informal.Add(b->informal_workers());
    if (b->has_potential_employers()) employers.Add(b->potential_employers());
    for (const v1::SegmentWorkers& s : b->segment_workers()) {
      segments[s.segment()].Add(s.potential_workers());
    }
  }
  const int summed = static_cast<int>(applying.size());
  v1::WorkforceBaseline out;
  out.set_name(absl::StrCat(p.province, "/baselines/", latest, "-", SourceSlug(source)));
  out.set_region(p.province);
  out.set_year(latest);
  out.set_source(source);
  out.set_origin(type::v1::DENOMINATOR_ORIGIN_DERIVED_FROM_CHILDREN);
  out.set_source_note(absl::StrCat("derived: the sum of the baselines of ", summed, " of ",
                                   p.children, " regencies/cities (", latest, " or earlier)"));
  out.set_potential_workers(potential);
  for (const auto& [segment, sum] : segments) {  // std::map: sorted by segment, as stored ones
    if (sum.count != summed) continue;
    v1::SegmentWorkers* s = out.add_segment_workers();
    s->set_segment(static_cast<type::v1::Segment>(segment));
    s->set_potential_workers(sum.value);
  }
  if (formal.count == summed) out.set_formal_workers(formal.value);
  if (informal.count == summed) out.set_informal_workers(informal.value);
  if (employers.count == summed) out.set_potential_employers(employers.value);
  return out;
}

std::optional<v1::BaselineDisagreement> CheckProvinceBaseline(const v1::WorkforceBaseline& given,
                                                              const ProvinceChildren& p,
                                                              double tolerance_percent) {
  if (given.potential_workers() <= 0) return std::nullopt;  // stored ones are at least 1
  int64_t sum = 0;
  int with = 0;
  for (const v1::WorkforceBaseline& b : p.baselines) {
    if (b.source() != given.source() || b.year() != given.year()) continue;
    sum += b.potential_workers();
    ++with;  // a child has at most one baseline per source and year (its name)
  }
  if (with == 0) return std::nullopt;
  const double difference = 100.0 * static_cast<double>(given.potential_workers() - sum) /
                            static_cast<double>(given.potential_workers());
  const bool complete = with >= p.children;
  const bool beyond =
      complete ? std::abs(difference) > tolerance_percent : difference < -tolerance_percent;
  if (!beyond) return std::nullopt;
  v1::BaselineDisagreement out;
  out.set_baseline(given.name());
  out.set_given_potential_workers(given.potential_workers());
  out.set_children_potential_workers(sum);
  out.set_children_with_baseline(with);
  out.set_children(p.children);
  out.set_difference_percent(difference);
  return out;
}

}  // namespace paritrana::registry
