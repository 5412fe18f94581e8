#include "services/registry/employer_counts.h"

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/registry/active_counts.h"

namespace paritrana::registry {
namespace {

constexpr absl::string_view kRegistered = "registered";
constexpr absl::string_view kDue = "due";
constexpr absl::string_view kOnTime = "on_time";
constexpr absl::string_view kLatePrefix = "late:";

absl::CivilDay Day(const google::type::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

// The EmployersKeys of a region name's region and its ancestors at the delta levels.
std::vector<std::string> KeysOf(const std::string& region_name) {
  std::vector<std::string> regions =
      RegionAndAncestors(region_name.substr(region_name.find('/') + 1));
  if (regions.size() > kDeltaLevels) regions.resize(kDeltaLevels);
  for (std::string& r : regions) r = EmployersKey(r);
  return regions;
}

// Deltas summed by key and day, so that what did not change cancels out.
class DeltaSum final {
 public:
  void Add(const std::string& region_name, absl::string_view profile, absl::CivilDay day,
           int64_t delta) {
    for (const std::string& key : KeysOf(region_name)) {
      sums_[{AggregateKey{key, std::string(profile)}, DayNumber(day)}] += delta;
    }
  }
  std::vector<AggregateDelta> Deltas() const {
    std::vector<AggregateDelta> out;
    for (const auto& [key_day, delta] : sums_) {
      if (delta != 0) out.push_back({key_day.first, key_day.second, delta});
    }
    return out;
  }

 private:
  std::map<std::pair<AggregateKey, int64_t>, int64_t> sums_;
};

// Adds one bill's profiles with `sign`.
void AddBill(DeltaSum& sum, const std::string& region, const v1::ContributionBill& bill, int sign) {
  const absl::CivilDay due = DueDay(bill);
  sum.Add(region, kDue, due, sign);
  if (!bill.has_paid_date()) return;
  const absl::CivilDay paid = Day(bill.paid_date());
  if (paid <= due) {
    sum.Add(region, kOnTime, due, sign);
  } else {
    sum.Add(region, absl::StrCat(kLatePrefix, absl::FormatCivilTime(due)), paid, sign);
  }
}

int64_t ProfileCount(std::span<const AggregateCount> profiles, absl::string_view profile) {
  for (const AggregateCount& c : profiles) {
    if (c.key.profile == profile) return c.active;
  }
  return 0;
}

}  // namespace

std::string EmployersKey(absl::string_view code) { return absl::StrCat(code, "/employers"); }

absl::CivilDay DueDay(const v1::ContributionBill& bill) { return Day(bill.due_date()); }

bool PaidBy(const v1::ContributionBill& bill, absl::CivilDay day) {
  return bill.has_paid_date() && Day(bill.paid_date()) <= day;
}

std::vector<AggregateDelta> RegistrationDeltas(const v1::Employer* before,
                                               const v1::Employer* after) {
  DeltaSum sum;
  if (before != nullptr && before->has_registration_date()) {
    sum.Add(before->region(), kRegistered, Day(before->registration_date()), -1);
  }
  if (after != nullptr && after->has_registration_date()) {
    sum.Add(after->region(), kRegistered, Day(after->registration_date()), +1);
  }
  return sum.Deltas();
}

std::vector<AggregateDelta> BillDeltas(const std::string& region_before,
                                       const v1::ContributionBill* before,
                                       const std::string& region_after,
                                       const v1::ContributionBill* after) {
  DeltaSum sum;
  if (before != nullptr) AddBill(sum, region_before, *before, -1);
  if (after != nullptr) AddBill(sum, region_after, *after, +1);
  return sum.Deltas();
}

int64_t RegisteredOf(std::span<const AggregateCount> profiles) {
  return ProfileCount(profiles, kRegistered);
}

v1::BillCounts RegionBillCounts(std::span<const AggregateCount> before_start,
                                std::span<const AggregateCount> on_end, absl::CivilDay start,
                                absl::CivilDay end) {
  v1::BillCounts counts;
  counts.set_due(ProfileCount(on_end, kDue) - ProfileCount(before_start, kDue));
  counts.set_on_time(ProfileCount(on_end, kOnTime) - ProfileCount(before_start, kOnTime));
  int64_t late = 0;
  for (const AggregateCount& c : on_end) {
    absl::string_view due_text = c.key.profile;
    absl::CivilDay due;
    if (absl::ConsumePrefix(&due_text, kLatePrefix) && absl::ParseCivilTime(due_text, &due) &&
        start <= due && due <= end) {
      late += c.active;
    }
  }
  counts.set_late(late);
  counts.set_unpaid(counts.due() - counts.on_time() - counts.late());
  return counts;
}

v1::BillCounts EmployerBillCounts(std::span<const v1::ContributionBill> bills, absl::CivilDay start,
                                  absl::CivilDay end) {
  v1::BillCounts counts;
  for (const v1::ContributionBill& bill : bills) {
    const absl::CivilDay due = DueDay(bill);
    if (due < start || due > end) continue;
    counts.set_due(counts.due() + 1);
    if (PaidBy(bill, due)) {
      counts.set_on_time(counts.on_time() + 1);
    } else if (PaidBy(bill, end)) {
      counts.set_late(counts.late() + 1);
    }
  }
  counts.set_unpaid(counts.due() - counts.on_time() - counts.late());
  return counts;
}

}  // namespace paritrana::registry
