// Baselines that add up (services/registry/baseline_check.h): derived province baselines and
// disagreements, on hand-made children's baselines.
#include "services/registry/baseline_check.h"

#include "gtest/gtest.h"

namespace paritrana::registry {
namespace {

using type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL;
using type::v1::DENOMINATOR_SOURCE_BPS_SAKERNAS;
using type::v1::DenominatorSource;

v1::WorkforceBaseline B(const std::string& region, int year, int64_t potential,
                        DenominatorSource source = DENOMINATOR_SOURCE_BPJS_POTENTIAL) {
  v1::WorkforceBaseline b;
  b.set_region(region);
  b.set_year(year);
  b.set_source(source);
  b.set_potential_workers(potential);
  b.set_name(region + "/baselines/" + std::to_string(year) +
             (source == DENOMINATOR_SOURCE_BPJS_POTENTIAL ? "-bpjs-potential" : "-bps-sakernas"));
  b.set_origin(type::v1::DENOMINATOR_ORIGIN_GIVEN);
  return b;
}

void Segment(v1::WorkforceBaseline& b, type::v1::Segment segment, int64_t workers) {
  auto* s = b.add_segment_workers();
  s->set_segment(segment);
  s->set_potential_workers(workers);
}

TEST(DeriveProvinceBaseline, SumsEachChildsBaselineOfTheYearOrItsLatestBefore) {
  ProvinceChildren p;
  p.province = "regions/15";
  p.children = 3;
  v1::WorkforceBaseline bungo = B("regions/15.08", 2024, 400);
  Segment(bungo, type::v1::SEGMENT_PU, 250);
  Segment(bungo, type::v1::SEGMENT_BPU, 150);
  bungo.set_formal_workers(300);
  bungo.set_potential_employers(40);
  v1::WorkforceBaseline kota = B("regions/15.71", 2023, 200);
  Segment(kota, type::v1::SEGMENT_BPU, 80);
  kota.set_formal_workers(120);
  kota.set_informal_workers(80);
  kota.set_potential_employers(25);
  p.baselines = {bungo, kota, B("regions/15.71", 2022, 999),                        // older
                 B("regions/15.71", 2025, 777),                                     // after
                 B("regions/15.04", 2024, 5000, DENOMINATOR_SOURCE_BPS_SAKERNAS)};  // other source

  std::optional<v1::WorkforceBaseline> d =
      DeriveProvinceBaseline(p, DENOMINATOR_SOURCE_BPJS_POTENTIAL, 2024);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->name(), "regions/15/baselines/2024-bpjs-potential");
  EXPECT_EQ(d->region(), "regions/15");
  EXPECT_EQ(d->year(), 2024);
  EXPECT_EQ(d->source(), DENOMINATOR_SOURCE_BPJS_POTENTIAL);
  EXPECT_EQ(d->origin(), type::v1::DENOMINATOR_ORIGIN_DERIVED_FROM_CHILDREN);
  EXPECT_EQ(d->potential_workers(), 600);  // 400 + 200 (Kota Jambi's 2023)
  // BPU is known for both (150 + 80); PU only for Bungo, so unknown.
  ASSERT_EQ(d->segment_workers_size(), 1);
  EXPECT_EQ(d->segment_workers(0).segment(), type::v1::SEGMENT_BPU);
  EXPECT_EQ(d->segment_workers(0).potential_workers(), 230);
  EXPECT_TRUE(d->has_formal_workers());
  EXPECT_EQ(d->formal_workers(), 420);
  EXPECT_FALSE(d->has_informal_workers());  // Bungo's is unknown
  EXPECT_EQ(d->potential_employers(), 65);
  EXPECT_EQ(d->source_note(),
            "derived: the sum of the baselines of 2 of 3 regencies/cities (2024 or earlier)");

  // In 2023 only Kota Jambi's 2023 applies, and the year is the latest summed one.
  d = DeriveProvinceBaseline(p, DENOMINATOR_SOURCE_BPJS_POTENTIAL, 2023);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->name(), "regions/15/baselines/2023-bpjs-potential");
  EXPECT_EQ(d->potential_workers(), 200);
  // Asked for 2026, every child's latest: 2024 Bungo 400 + 2025 Kota Jambi 777, named 2025.
  d = DeriveProvinceBaseline(p, DENOMINATOR_SOURCE_BPJS_POTENTIAL, 2026);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->name(), "regions/15/baselines/2025-bpjs-potential");
  EXPECT_EQ(d->potential_workers(), 1177);

  EXPECT_FALSE(DeriveProvinceBaseline(p, DENOMINATOR_SOURCE_BPJS_POTENTIAL, 2021).has_value());
  EXPECT_FALSE(DeriveProvinceBaseline(p, type::v1::DENOMINATOR_SOURCE_REGIONAL, 2024).has_value());
  d = DeriveProvinceBaseline(p, DENOMINATOR_SOURCE_BPS_SAKERNAS, 2024);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->name(), "regions/15/baselines/2024-bps-sakernas");
  EXPECT_EQ(d->potential_workers(), 5000);
}

TEST(CheckProvinceBaseline, AllChildrenBeyondTheToleranceEitherWay) {
  ProvinceChildren p;
  p.province = "regions/15";
  p.children = 2;
  p.baselines = {B("regions/15.08", 2024, 400), B("regions/15.71", 2024, 200),
                 B("regions/15.71", 2023, 5000)};  // another year: not compared
  // 600 given: no difference.
  EXPECT_FALSE(CheckProvinceBaseline(B("regions/15", 2024, 600), p, 2).has_value());
  // 612: (612 - 600) / 612 = 1.96% <= 2%; 613: 2.11% > 2%.
  EXPECT_FALSE(CheckProvinceBaseline(B("regions/15", 2024, 612), p, 2).has_value());
  std::optional<v1::BaselineDisagreement> d =
      CheckProvinceBaseline(B("regions/15", 2024, 613), p, 2);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->baseline(), "regions/15/baselines/2024-bpjs-potential");
  EXPECT_EQ(d->given_potential_workers(), 613);
  EXPECT_EQ(d->children_potential_workers(), 600);
  EXPECT_EQ(d->children_with_baseline(), 2);
  EXPECT_EQ(d->children(), 2);
  EXPECT_DOUBLE_EQ(d->difference_percent(), 100.0 * 13 / 613);
  // Below the sum: 500 is (500 - 600) / 500 = -20%.
  d = CheckProvinceBaseline(B("regions/15", 2024, 500), p, 2);
  ASSERT_TRUE(d.has_value());
  EXPECT_DOUBLE_EQ(d->difference_percent(), -20);
  // A tolerance of 0 reports any difference; 25 lets -20% pass.
  EXPECT_TRUE(CheckProvinceBaseline(B("regions/15", 2024, 601), p, 0).has_value());
  EXPECT_FALSE(CheckProvinceBaseline(B("regions/15", 2024, 600), p, 0).has_value());
  EXPECT_FALSE(CheckProvinceBaseline(B("regions/15", 2024, 500), p, 25).has_value());
  // No child has a baseline of that year or source: nothing to compare.
  EXPECT_FALSE(CheckProvinceBaseline(B("regions/15", 2025, 1), p, 2).has_value());
  EXPECT_FALSE(
      CheckProvinceBaseline(B("regions/15", 2024, 1, DENOMINATOR_SOURCE_BPS_SAKERNAS), p, 2)
          .has_value());
}

TEST(CheckProvinceBaseline, SomeChildrenOnlyWhenTheirSumExceedsTheGivenFigure) {
  ProvinceChildren p;
  p.province = "regions/15";
  p.children = 11;
  p.baselines = {B("regions/15.08", 2025, 400), B("regions/15.71", 2025, 200)};
  // 1000 given, 600 from 2 of 11: the other nine may hold the rest.
  EXPECT_FALSE(CheckProvinceBaseline(B("regions/15", 2025, 1000), p, 2).has_value());
  // 590 given: the two alone exceed it, (590 - 600) / 590 = -1.69%, within 2%.
  EXPECT_FALSE(CheckProvinceBaseline(B("regions/15", 2025, 590), p, 2).has_value());
  // 500 given: -20%.
  std::optional<v1::BaselineDisagreement> d =
      CheckProvinceBaseline(B("regions/15", 2025, 500), p, 2);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->children_with_baseline(), 2);
  EXPECT_EQ(d->children(), 11);
  EXPECT_EQ(d->children_potential_workers(), 600);
  EXPECT_DOUBLE_EQ(d->difference_percent(), -20);
}

}  // namespace
}  // namespace paritrana::registry
