#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "paritrana/registry/v1/resources.pb.h"
#include "services/registry/store/registry_store.h"

// How enrollments turn into counts of active persons. A person is active in a key (region at any
// level x segment x programme or funding) on day D when one of their enrollments matching the key
// covers D; overlapping enrollments count once. Counts are kept as deltas per day, so a write
// changes a handful of rows and a read sums one region's deltas, never scanning participants.
namespace paritrana::registry {

// What one enrollment contributes: where, in which dimensions, and on which days.
struct EnrollmentSpan {
  std::string region;  // finest region code
  int segment = 0;
  std::vector<int> programmes;
  int funding = 0;
  std::string scheme;
  int64_t first_day = 0;  // inclusive, days since 1970-01-01
  int64_t last_day = -1;  // inclusive; before first_day: never active
};

int64_t DayNumber(absl::CivilDay day);
absl::CivilDay DayFromNumber(int64_t day);

// The span of a stored enrollment: start_date to the earlier of paid_through_date and the day
// before end_date. No paid-through date yet means never active.
EnrollmentSpan SpanOf(const v1::Enrollment& enrollment);

// The deltas that turn one person's contribution to the counts from what `before` gives into what
// `after` gives, at every region level. Empty when nothing changes.
std::vector<AggregateDelta> PersonDeltas(std::span<const EnrollmentSpan> before,
                                         std::span<const EnrollmentSpan> after);

// "15.08.01.2001" -> {"15", "15.08", "15.08.01", "15.08.01.2001"}.
std::vector<std::string> RegionAndAncestors(const std::string& code);

}  // namespace paritrana::registry
