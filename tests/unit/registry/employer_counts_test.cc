#include "services/registry/employer_counts.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "region/validation.h"
#include "services/registry/active_counts.h"

namespace paritrana::registry {
namespace {

// What CountActive answers for `key` on `day` from every delta written.
std::vector<AggregateCount> CountOn(const std::vector<AggregateDelta>& deltas,
                                    const std::string& key, absl::CivilDay day) {
  std::map<std::string, int64_t> by_profile;
  for (const AggregateDelta& d : deltas) {
    if (d.key.region == key && d.day <= DayNumber(day)) by_profile[d.key.profile] += d.delta;
  }
  std::vector<AggregateCount> out;
  for (const auto& [profile, active] : by_profile) {
    if (active != 0) out.push_back({{key, profile}, active});
  }
  return out;
}

std::vector<int64_t> Counts(const v1::BillCounts& b) {
  return {b.due(), b.on_time(), b.late(), b.unpaid()};
}

v1::ContributionBill RandomBill(std::mt19937& rng, int employer, int month) {
  const absl::CivilMonth m = absl::CivilMonth(2023, 1) + month;
  v1::ContributionBill b;
  b.set_name(absl::StrFormat("employers/%08d/bills/%s", employer, absl::FormatCivilTime(m)));
  const absl::CivilDay due = absl::CivilDay(m + 1) + 14;  // the 15th of the next month
  *b.mutable_due_date() = ToProtoDate(due);
  b.set_amount_due_rupiah(1000);
  switch (rng() % 4) {
    case 0:  // unpaid
      break;
    case 1:  // on time, up to 20 days early or on the day
      b.set_amount_paid_rupiah(1000);
      *b.mutable_paid_date() = ToProtoDate(due - static_cast<int>(rng() % 21));
      break;
    default:  // late, by up to 200 days
      b.set_amount_paid_rupiah(1000);
      *b.mutable_paid_date() = ToProtoDate(due + 1 + static_cast<int>(rng() % 200));
  }
  return b;
}

// The region's counts kept as deltas, after every bill was written and rewritten at random and
// employers moved between regions, answer for any period what reading each bill answers.
TEST(EmployerCountsTest, RegionCountsEqualTheBillsReadOneByOne) {
  std::mt19937 rng(19);
  const std::vector<std::string> regions = {"regions/15.08.01.2001", "regions/15.71",
                                            "regions/16.01"};
  std::map<int, std::string> region_of;               // employer -> its region
  std::map<std::string, v1::ContributionBill> bills;  // by name
  std::map<std::string, int> employer_of;
  std::vector<AggregateDelta> deltas;
  auto add = [&](const std::vector<AggregateDelta>& more) {
    deltas.insert(deltas.end(), more.begin(), more.end());
  };
  for (int e = 1; e <= 4; ++e) region_of[e] = regions[rng() % regions.size()];
  for (int step = 0; step < 400; ++step) {
    const int e = 1 + static_cast<int>(rng() % 4);
    if (rng() % 10 == 0) {  // the employer moves, taking its bills' counts along
      const std::string to = regions[rng() % regions.size()];
      for (const auto& [name, bill] : bills) {
        if (employer_of[name] == e) add(BillDeltas(region_of[e], &bill, to, &bill));
      }
      region_of[e] = to;
      continue;
    }
    v1::ContributionBill bill = RandomBill(rng, e, static_cast<int>(rng() % 30));
    auto stored = bills.find(bill.name());
    add(BillDeltas(region_of[e], stored == bills.end() ? nullptr : &stored->second, region_of[e],
                   &bill));
    employer_of[bill.name()] = e;
    bills[bill.name()] = bill;
  }
  int compared = 0;
  for (int p = 0; p < 200; ++p) {
    const absl::CivilDay start = absl::CivilDay(2023, 1, 1) + static_cast<int>(rng() % 1000);
    const absl::CivilDay end = start + static_cast<int>(rng() % 400);
    for (const std::string key : {"15", "15.08", "15.71", "16"}) {
      std::vector<v1::ContributionBill> in_region;
      for (const auto& [name, bill] : bills) {
        const std::string code = region_of[employer_of[name]].substr(8);
        if (code == key || code.starts_with(key + ".")) in_region.push_back(bill);
      }
      const v1::BillCounts want = EmployerBillCounts(in_region, start, end);
      const v1::BillCounts got =
          RegionBillCounts(CountOn(deltas, EmployersKey(key), start - 1),
                           CountOn(deltas, EmployersKey(key), end), start, end);
      EXPECT_EQ(Counts(got), Counts(want)) << key << " " << start << " to " << end;
      if (want.due() > 0 && want.late() > 0) ++compared;
    }
  }
  EXPECT_GT(compared, 100);  // periods that hold bills, late ones among them
}

TEST(EmployerCountsTest, RegistrationsCountFromTheirDayAndMoveWithTheEmployer) {
  v1::Employer e;
  e.set_region("regions/15.08.01.2001");
  *e.mutable_registration_date() = ToProtoDate(absl::CivilDay(2024, 6, 1));
  std::vector<AggregateDelta> deltas = RegistrationDeltas(nullptr, &e);
  EXPECT_EQ(deltas.size(), 2u);  // province and regency; districts and villages keep none
  EXPECT_EQ(RegisteredOf(CountOn(deltas, "15/employers", absl::CivilDay(2024, 5, 31))), 0);
  EXPECT_EQ(RegisteredOf(CountOn(deltas, "15/employers", absl::CivilDay(2024, 6, 1))), 1);
  EXPECT_EQ(RegisteredOf(CountOn(deltas, "15.08/employers", absl::CivilDay(2030, 1, 1))), 1);
  v1::Employer moved = e;
  moved.set_region("regions/15.71");
  *moved.mutable_registration_date() = ToProtoDate(absl::CivilDay(2024, 1, 1));
  const std::vector<AggregateDelta> move = RegistrationDeltas(&e, &moved);
  deltas.insert(deltas.end(), move.begin(), move.end());
  EXPECT_EQ(RegisteredOf(CountOn(deltas, "15/employers", absl::CivilDay(2024, 1, 1))), 1);
  EXPECT_EQ(RegisteredOf(CountOn(deltas, "15.08/employers", absl::CivilDay(2030, 1, 1))), 0);
  EXPECT_EQ(RegisteredOf(CountOn(deltas, "15.71/employers", absl::CivilDay(2024, 1, 1))), 1);
  EXPECT_TRUE(RegistrationDeltas(&moved, &moved).empty());
}

}  // namespace
}  // namespace paritrana::registry
