#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "paritrana/registry/v1/registry.pb.h"
#include "services/registry/store/registry_store.h"

// The employer side of a region's counts: its registered employers and their contribution bills,
// kept as deltas like the counts of persons (registry_store.h, active_counts.h), so that a
// region's figures over a period cost a few CountActive calls however many employers and bills it
// has. The key is "{code}/employers" of the region where the employer operates and of its
// ancestors at the delta levels (province, regency/city), e.g. "15.08/employers"; its profiles:
//
//   "registered"    +1 on the employer's registration_date;
//   "due"           +1 on a bill's due_date;
//   "on_time"       +1 on a bill's due_date when it was paid in full on or before it;
//   "late:{due}"    +1 on a bill's paid_date when that is after its due_date, `due` being the
//                   due_date (YYYY-MM-DD).
//
// Over a period [start, end], the bills due in it are due(end) - due(start - 1), those paid on
// time on_time(end) - on_time(start - 1), and those paid late by end the "late:{due}" profiles
// counted on end whose due day lies in the period: exact, because a late bill's paid_date comes
// after its due_date, so paid by end means due before end. The "late:" profiles number the
// distinct due days of bills paid late in the region (about one a month of history).
namespace paritrana::registry {

// The key of the employer side of the region with code `code`: "15.08" -> "15.08/employers".
std::string EmployersKey(absl::string_view code);

// The deltas that move an employer's registration from `before` to `after` (either null: created,
// or removed from the counts). Empty when neither its region nor its registration_date changed.
std::vector<AggregateDelta> RegistrationDeltas(const v1::Employer* before,
                                               const v1::Employer* after);

// The deltas that turn a bill's counts from `before`, of an employer in region `region_before`
// (a region name), into `after` of an employer in `region_after`; either bill may be null. An
// employer that moves takes its bills' counts along with the same bills on both sides.
std::vector<AggregateDelta> BillDeltas(const std::string& region_before,
                                       const v1::ContributionBill* before,
                                       const std::string& region_after,
                                       const v1::ContributionBill* after);

// Employers registered on the day of `profiles` (CountActive of an EmployersKey on that day).
int64_t RegisteredOf(std::span<const AggregateCount> profiles);

// The bills of a region due in [start, end], from its EmployersKey's profiles counted on the day
// before start and on end.
v1::BillCounts RegionBillCounts(std::span<const AggregateCount> before_start,
                                std::span<const AggregateCount> on_end, absl::CivilDay start,
                                absl::CivilDay end);

// The same of one employer's bills themselves (each bill is read: an employer has a bill a month).
v1::BillCounts EmployerBillCounts(std::span<const v1::ContributionBill> bills, absl::CivilDay start,
                                  absl::CivilDay end);

// A bill's days, as validated (resource_rules.h): its due_date and, when paid in full, paid_date.
absl::CivilDay DueDay(const v1::ContributionBill& bill);
bool PaidBy(const v1::ContributionBill& bill, absl::CivilDay day);

}  // namespace paritrana::registry
