#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "paritrana/registry/v1/resources.pb.h"
#include "services/registry/store/registry_store.h"

// How enrollments turn into counts of active persons. A person is active in a key (region at any
// level x segment x programme or funding) on day D when one of their enrollments matching the key
// covers D; overlapping enrollments count once. Counts are kept as deltas per day, so a write
// changes a handful of rows and a read sums one region's deltas, never scanning participants.
namespace paritrana::registry {

// Counts are kept as deltas for the first kDeltaLevels levels (province, regency/city); the
// levels below count enrollment spans when asked (CountSpansOn).
inline constexpr int kDeltaLevels = 2;

int64_t DayNumber(absl::CivilDay day);
absl::CivilDay DayFromNumber(int64_t day);

// The span of a stored enrollment: start_date to the earlier of paid_through_date and the day
// before end_date. No paid-through date yet means never active.
EnrollmentSpan SpanOf(const v1::Enrollment& enrollment);

// The deltas that turn one person's contribution to the counts from what `before` gives into what
// `after` gives, at the delta levels. Empty when nothing changes.
std::vector<AggregateDelta> PersonDeltas(std::span<const EnrollmentSpan> before,
                                         std::span<const EnrollmentSpan> after);

// The counts of `region` (a district or village) on `day` from the spans of its enrollments and
// its descendants' (RegistryTx::SpansOn), by key as RegistryTx::CountActive gives them: a person
// counts once per key however many of their spans cover the day.
std::vector<AggregateCount> CountSpansOn(const std::string& region,
                                         std::span<const EnrollmentSpan> spans, int64_t day);

// Whether counts of a region with this code are kept as deltas (else counted from spans).
bool HasDeltas(absl::string_view code);

// "15.08.01.2001" -> {"15", "15.08", "15.08.01", "15.08.01.2001"}.
std::vector<std::string> RegionAndAncestors(const std::string& code);

}  // namespace paritrana::registry
