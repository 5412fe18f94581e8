#include "services/registry/active_counts.h"

#include <map>

#include "gtest/gtest.h"
#include "region/validation.h"

namespace paritrana::registry {
namespace {

int64_t D(int y, int m, int d) { return DayNumber(absl::CivilDay(y, m, d)); }

EnrollmentSpan Span(const std::string& region, int segment, int64_t first, int64_t last,
                    int funding = 1) {
  EnrollmentSpan s;
  s.region = region;
  s.segment = segment;
  s.programmes = {1, 2};
  s.funding = funding;
  s.first_day = first;
  s.last_day = last;
  return s;
}

// What a region's count of one key would be on `day`: the store sums the deltas of each profile
// up to the day (CountActive), and CountsOfProfiles spreads them over keys.
int64_t CountOn(const std::vector<AggregateDelta>& deltas, const std::string& region,
                const CountKey& key, int64_t day) {
  std::map<std::string, int64_t> by_profile;
  for (const auto& d : deltas) {
    if (d.key.region == region && d.day <= day) by_profile[d.key.profile] += d.delta;
  }
  std::vector<AggregateCount> profiles;
  for (const auto& [profile, active] : by_profile) profiles.push_back({{region, profile}, active});
  const Counts counts = CountsOfProfiles(profiles);
  auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

TEST(ActiveCountsTest, OverlappingEnrollmentsCountOnce) {
  const std::vector<EnrollmentSpan> after = {
      Span("15.08.01.2001", 2, D(2025, 1, 1), D(2025, 6, 30)),
      Span("15.08.01.2001", 2, D(2025, 3, 1), D(2025, 12, 31))};
  auto deltas = PersonDeltas({}, after);
  const CountKey bpu{2, 0, 0, ""};
  EXPECT_EQ(CountOn(deltas, "15.08", bpu, D(2024, 12, 31)), 0);
  EXPECT_EQ(CountOn(deltas, "15.08", bpu, D(2025, 4, 1)), 1);
  EXPECT_EQ(CountOn(deltas, "15.08", bpu, D(2025, 12, 31)), 1);
  EXPECT_EQ(CountOn(deltas, "15.08", bpu, D(2026, 1, 1)), 0);
  EXPECT_EQ(CountOn(deltas, "15", {2, 1, 0, ""}, D(2025, 4, 1)), 1);  // BPU x JKK, once
}

TEST(ActiveCountsTest, AOneEnrollmentPersonIsTwoDeltasPerRegion) {
  const std::vector<EnrollmentSpan> after = {
      Span("15.08.01.2001", 2, D(2025, 1, 1), D(2025, 12, 31))};
  auto deltas = PersonDeltas({}, after);
  EXPECT_EQ(deltas.size(), 4u);  // province and regency, start and end
}

TEST(ActiveCountsTest, DeltasAreKeptForProvincesAndRegenciesOnly) {
  const std::vector<EnrollmentSpan> after = {
      Span("15.08.01.2001", 2, D(2025, 1, 1), D(2025, 12, 31)),
      Span("15.08.01.2002", 2, D(2025, 1, 1), D(2025, 12, 31))};
  auto deltas = PersonDeltas({}, after);
  EXPECT_EQ(CountOn(deltas, "15", {0, 0, 0, ""}, D(2025, 6, 1)), 1);
  EXPECT_EQ(CountOn(deltas, "15.08", {2, 0, 0, ""}, D(2025, 6, 1)), 1);
  for (const AggregateDelta& d : deltas) EXPECT_TRUE(HasDeltas(d.key.region)) << d.key.region;
  EXPECT_TRUE(HasDeltas("15.08"));
  EXPECT_FALSE(HasDeltas("15.08.01"));
  EXPECT_FALSE(HasDeltas("15.08.01.2001"));
}

// The count of one key (0 when absent).
int64_t Counted(const Counts& counts, const CountKey& key) {
  auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

TEST(ActiveCountsTest, SpansCountAPersonOnceInADistrictOfSeveralVillages) {
  std::vector<EnrollmentSpan> spans = {Span("15.08.01.2001", 2, D(2025, 1, 1), D(2025, 12, 31)),
                                       Span("15.08.01.2002", 2, D(2025, 3, 1), D(2025, 12, 31)),
                                       Span("15.08.01.2002", 1, D(2025, 1, 1), D(2025, 1, 31), 2)};
  for (EnrollmentSpan& s : spans) s.person = 7;
  spans.push_back(Span("15.08.01.2002", 2, D(2025, 1, 1), D(2025, 12, 31)));
  spans.back().person = 8;
  const Counts district = CountSpansOn(spans, D(2025, 6, 1));
  EXPECT_EQ(Counted(district, {0, 0, 0, ""}), 2);
  EXPECT_EQ(Counted(district, {2, 0, 0, ""}), 2);
  EXPECT_EQ(Counted(district, {2, 1, 0, ""}), 2);
  EXPECT_EQ(Counted(district, {1, 0, 0, ""}), 0);  // person 7's PU span ended in January
  EXPECT_EQ(Counted(CountSpansOn(spans, D(2025, 1, 15)), {1, 0, 0, ""}), 1);
  EXPECT_TRUE(CountSpansOn(spans, D(2026, 1, 1)).empty());
}

TEST(ActiveCountsTest, TotalCountsAPersonOnceAcrossSegments) {
  const std::vector<EnrollmentSpan> after = {
      Span("15.71.01.1001", 1, D(2025, 1, 1), D(2025, 12, 31), 2),
      Span("15.71.01.1001", 2, D(2025, 1, 1), D(2025, 12, 31))};
  auto deltas = PersonDeltas({}, after);
  const int64_t june = D(2025, 6, 1);
  EXPECT_EQ(CountOn(deltas, "15.71", {0, 0, 0, ""}, june), 1);
  EXPECT_EQ(CountOn(deltas, "15.71", {1, 0, 0, ""}, june), 1);
  EXPECT_EQ(CountOn(deltas, "15.71", {2, 0, 0, ""}, june), 1);
  EXPECT_EQ(CountOn(deltas, "15.71", {1, 1, 0, ""}, june), 1);  // PU x JKK
  EXPECT_EQ(CountOn(deltas, "15.71", {1, 0, 2, ""}, june), 1);  // PU x employer-funded
}

TEST(ActiveCountsTest, ExtendingOnlyAddsTheNewDays) {
  const std::vector<EnrollmentSpan> before = {Span("15.08", 2, D(2025, 1, 1), D(2025, 1, 31))};
  const std::vector<EnrollmentSpan> after = {Span("15.08", 2, D(2025, 1, 1), D(2025, 2, 28))};
  auto deltas = PersonDeltas(before, after);
  // Only the end moves: the old end event (1 Feb) is undone and a new one (1 Mar) set.
  for (const auto& d : deltas) {
    EXPECT_TRUE(d.day == D(2025, 2, 1) || d.day == D(2025, 3, 1)) << d.day;
  }
  EXPECT_FALSE(deltas.empty());
  EXPECT_TRUE(PersonDeltas(after, after).empty());
}

TEST(ActiveCountsTest, SpanOfHonoursPaidThroughAndExclusiveEnd) {
  v1::Enrollment e;
  e.set_region("regions/15.08.01.2001");
  e.set_segment(type::v1::SEGMENT_BPU);
  e.mutable_start_date()->set_year(2025);
  e.mutable_start_date()->set_month(1);
  e.mutable_start_date()->set_day(1);
  EXPECT_LT(SpanOf(e).last_day, SpanOf(e).first_day);  // no paid-through: never active
  *e.mutable_paid_through_date() = e.start_date();
  e.mutable_paid_through_date()->set_month(12);
  e.mutable_paid_through_date()->set_day(31);
  EXPECT_EQ(SpanOf(e).last_day, D(2025, 12, 31));
  *e.mutable_end_date() = e.start_date();
  e.mutable_end_date()->set_month(7);
  EXPECT_EQ(SpanOf(e).last_day, D(2025, 6, 30));
  EXPECT_EQ(SpanOf(e).region, "15.08.01.2001");
  e.set_name("participants/21500000001/enrollments/e42");
  EXPECT_EQ(SpanOf(e).person, 21500000001);
  EXPECT_EQ(SpanOf(e).enrollment, 42);
}

TEST(ActiveCountsTest, RegionAndAncestors) {
  EXPECT_EQ(RegionAndAncestors("15.08.01.2001"),
            (std::vector<std::string>{"15", "15.08", "15.08.01", "15.08.01.2001"}));
  EXPECT_EQ(RegionAndAncestors("15"), (std::vector<std::string>{"15"}));
}

// An employer's own counts (key: its name) are made of the person's spans with that employer
// only: a person working for two employers counts for each, with each one's programmes.
TEST(ActiveCountsTest, EachEmployerCountsItsOwnSpansOfAPerson) {
  EnrollmentSpan a = Span("15.08.01.2001", 1, D(2024, 1, 1), D(2024, 12, 31), 2);
  a.employer = "employers/11111111";
  a.programmes = {1, 2, 3, 4, 5};
  EnrollmentSpan b = Span("15.71.01.1001", 1, D(2024, 7, 1), D(2025, 3, 31), 2);
  b.employer = "employers/22222222";
  const std::vector<EnrollmentSpan> after = {a, b};
  const auto deltas = PersonDeltas({}, after);
  const CountKey total{0, 0, 0, ""};
  const CountKey jp{1, 4, 0, ""};
  EXPECT_EQ(CountOn(deltas, "employers/11111111", total, D(2024, 6, 1)), 1);
  EXPECT_EQ(CountOn(deltas, "employers/22222222", total, D(2024, 6, 1)), 0);
  EXPECT_EQ(CountOn(deltas, "employers/22222222", total, D(2024, 8, 1)), 1);
  EXPECT_EQ(CountOn(deltas, "employers/11111111", jp, D(2024, 8, 1)), 1);
  EXPECT_EQ(CountOn(deltas, "employers/22222222", jp, D(2024, 8, 1)), 0);  // JKK, JKM only there
  EXPECT_EQ(CountOn(deltas, "employers/11111111", total, D(2025, 1, 1)), 0);
  // The regions count the person once, whatever the employers.
  EXPECT_EQ(CountOn(deltas, "15", total, D(2024, 8, 1)), 1);
  // A span without an employer joins no employer's counts.
  const std::vector<EnrollmentSpan> bpu = {
      Span("15.08.01.2001", 2, D(2024, 1, 1), D(2024, 12, 31))};
  for (const AggregateDelta& d : PersonDeltas({}, bpu)) {
    EXPECT_FALSE(d.key.region.starts_with("employers/")) << d.key.region;
  }
  // SpanOf takes the employer from the enrollment.
  v1::Enrollment e;
  e.set_name("participants/24000000001/enrollments/e7");
  e.set_region("regions/15.08");
  e.set_employer("employers/11111111");
  *e.mutable_start_date() = ToProtoDate(absl::CivilDay(2024, 1, 1));
  EXPECT_EQ(SpanOf(e).employer, "employers/11111111");
}

// CountHolding: persons whose combinations of the segment together hold every programme asked.
TEST(ActiveCountsTest, CountHoldingNeedsEveryProgramme) {
  const std::vector<AggregateCount> profiles = {
      {{"employers/1", "1:1,2,3,4,5:2:"}, 2},       // every PU programme in one enrollment
      {{"employers/1", "1:1,2,3:2:;1:4,5:2:"}, 3},  // in two enrollments together
      {{"employers/1", "1:1,2,3:2:"}, 4},           // without JP and JKP
  };
  const std::vector<int> all = {1, 2, 3, 4, 5};
  EXPECT_EQ(CountHolding(profiles, 1, all), 5);
  EXPECT_EQ(CountHolding(profiles, 1, std::vector<int>{1, 2, 3}), 9);
  EXPECT_EQ(CountHolding(profiles, 2, all), 0);
}

}  // namespace
}  // namespace paritrana::registry
