#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "paritrana/registry/v1/resources.pb.h"
#include "services/registry/store/registry_store.h"

// How enrollments turn into counts of active persons. A person is active in a key (region x
// segment x programme or funding) on day D when one of their enrollments matching the key covers
// D; overlapping enrollments count once.
//
// Provinces and regencies/cities keep deltas per day by profile (registry_store.h): the set of
// dimension combinations a person's active enrollments in the region have. A person joins a
// profile when their activity there starts or changes and leaves it when it changes or ends, so a
// one-enrollment person is two delta rows per region, and a count sums one region's deltas up to
// the day, then spreads each profile over the keys it holds. Districts and villages count the
// spans of their enrollments instead (a few hundred to a few thousand people each).
namespace paritrana::registry {

// Counts are kept as deltas for the first kDeltaLevels levels (province, regency/city); the
// levels below count enrollment spans when asked (CountSpansOn).
inline constexpr int kDeltaLevels = 2;

// One key of the counts in a region. Zero/empty means "any": segment 0 is the count of distinct
// persons over all segments; a programme or funding source is always paired with a segment.
struct CountKey {
  int segment = 0;
  int programme = 0;
  int funding = 0;
  std::string scheme;
  auto operator<=>(const CountKey&) const = default;
};

// Active persons by key, sorted (the total first).
using Counts = std::map<CountKey, int64_t>;

int64_t DayNumber(absl::CivilDay day);
absl::CivilDay DayFromNumber(int64_t day);

// The span of a stored enrollment: start_date to the earlier of paid_through_date and the day
// before end_date. No paid-through date yet means never active. The span carries the employer of
// a PU enrollment, whose own counts (key: the employer's name) it joins.
EnrollmentSpan SpanOf(const v1::Enrollment& enrollment);

// The deltas that turn one person's contribution to the counts from what `before` gives into what
// `after` gives, at the delta levels and for the employers of the spans (key "employers/{npp}",
// profiles made of the person's spans with that employer only, so a person working for two
// employers counts for each). Empty when nothing changes.
std::vector<AggregateDelta> PersonDeltas(std::span<const EnrollmentSpan> before,
                                         std::span<const EnrollmentSpan> after);

// The counts by key from a region's counts by profile (RegistryTx::CountActive).
Counts CountsOfProfiles(std::span<const AggregateCount> profiles);

// The persons among `profiles` (RegistryTx::CountActive) whose active combinations of `segment`
// together insure every one of `programmes`: e.g. an employer's workers with every programme
// the PU segment allows, whether one enrollment or several give them.
int64_t CountHolding(std::span<const AggregateCount> profiles, int segment,
                     std::span<const int> programmes);

// The counts of a district or village on `day` from the spans of its enrollments and its
// descendants' (RegistryTx::SpansOn): a person counts once per key however many of their spans
// cover the day.
Counts CountSpansOn(std::span<const EnrollmentSpan> spans, int64_t day);

// Whether counts of a region with this code are kept as deltas (else counted from spans).
bool HasDeltas(absl::string_view code);

// "15.08.01.2001" -> {"15", "15.08", "15.08.01", "15.08.01.2001"}.
std::vector<std::string> RegionAndAncestors(const std::string& code);

}  // namespace paritrana::registry
