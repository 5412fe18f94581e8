#include "region/validation.h"

#include <string>

#include "api/pagination.h"

#include "gtest/gtest.h"

namespace paritrana {
namespace {

const absl::CivilDay kToday(2026, 11, 26);

struct NikCase {
  std::string name;
  std::string nik;
  bool valid;
  std::string error_part;  // substring of the error message when invalid
};

class NikTest : public testing::TestWithParam<NikCase> {};

TEST_P(NikTest, ParsesOrRejects) {
  const NikCase& c = GetParam();
  absl::StatusOr<NikFacts> facts = ParseNik(c.nik, kToday);
  if (c.valid) {
    EXPECT_TRUE(facts.ok()) << facts.status();
  } else {
    ASSERT_FALSE(facts.ok());
    EXPECT_EQ(facts.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(facts.status().message().find(c.error_part), std::string::npos)
        << facts.status().message();
    // The NIK is personal data: it must never be echoed back in an error.
    if (c.nik.size() >= 6) {
      EXPECT_EQ(facts.status().message().find(c.nik), std::string::npos);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NikTest,
    testing::Values(NikCase{"male_1990", "1508011505900001", true, ""},
                    NikCase{"female_plus_40", "1508015505900002", true, ""},
                    NikCase{"fifteen_digits", "150801150590001", false, "16 digits"},
                    NikCase{"seventeen_digits", "15080115059000011", false, "16 digits"},
                    NikCase{"letters", "15080115059000A1", false, "digits only"},
                    NikCase{"empty", "", false, "16 digits"},
                    NikCase{"unknown_province", "9908011505900001", false, "province"},
                    NikCase{"province_00", "0008011505900001", false, "province"},
                    NikCase{"feb29_leap_1996", "1508012902960001", true, ""},
                    NikCase{"feb29_not_leap_1997", "1508012902970001", false, "real date"},
                    NikCase{"feb29_leap_2000", "1508012902000001", true, ""},
                    NikCase{"female_feb29_leap", "1508016902960001", true, ""},
                    NikCase{"female_feb29_not_leap", "1508016902970001", false, "real date"},
                    NikCase{"day_00", "1508010005900001", false, "real date"},
                    NikCase{"day_32", "1508013205900001", false, "real date"},
                    NikCase{"day_40", "1508014005900001", false, "real date"},
                    NikCase{"female_day_72", "1508017205900001", false, "real date"},
                    NikCase{"month_13", "1508011513900001", false, "real date"},
                    NikCase{"april_31", "1508013104900001", false, "real date"},
                    NikCase{"serial_0000", "1508011505900000", false, "serial"},
                    NikCase{"serial_9999", "1508011505909999", true, ""}),
    [](const testing::TestParamInfo<NikCase>& info) { return info.param.name; });

TEST(NikTest, ReportsSexAndBirthDate) {
  absl::StatusOr<NikFacts> woman = ParseNik("1571016203850007", kToday);
  ASSERT_TRUE(woman.ok()) << woman.status();
  EXPECT_EQ(woman->sex, Sex::kFemale);
  EXPECT_EQ(woman->birth_date, absl::CivilDay(1985, 3, 22));
  EXPECT_EQ(woman->province, "15");
  EXPECT_EQ(woman->issue_region, "157101");

  absl::StatusOr<NikFacts> man = ParseNik("1571010101100001", kToday);
  ASSERT_TRUE(man.ok()) << man.status();
  EXPECT_EQ(man->sex, Sex::kMale);
  EXPECT_EQ(man->birth_date, absl::CivilDay(2010, 1, 1));
}

TEST(NikTest, TwoDigitYearNeverLiesInTheFuture) {
  // Year 30 read against 2026 is 1930, not 2030.
  absl::StatusOr<NikFacts> f = ParseNik("1508010101300001", kToday);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->birth_date.year(), 1930);
  // Born later this year than today would be the future for year 26: read as 1926.
  absl::StatusOr<NikFacts> g = ParseNik("1508012712260001", kToday);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->birth_date.year(), 1926);
}

struct RegionCase {
  std::string code;
  bool valid;
  type::v1::RegionLevel level = type::v1::REGION_LEVEL_UNSPECIFIED;
  std::string parent = "";
  bool is_city = false;
};

class RegionCodeTest : public testing::TestWithParam<RegionCase> {};

TEST_P(RegionCodeTest, ParsesOrRejects) {
  const RegionCase& c = GetParam();
  absl::StatusOr<RegionCode> r = ParseRegionCode(c.code);
  if (!c.valid) {
    ASSERT_FALSE(r.ok()) << c.code;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    return;
  }
  ASSERT_TRUE(r.ok()) << c.code << ": " << r.status();
  EXPECT_EQ(r->level, c.level);
  EXPECT_EQ(r->parent, c.parent);
  EXPECT_EQ(r->is_city, c.is_city);
  EXPECT_EQ(r->code, c.code);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RegionCodeTest,
    testing::Values(
        RegionCase{"15", true, type::v1::REGION_LEVEL_PROVINCE, "", false},
        RegionCase{"96", true, type::v1::REGION_LEVEL_PROVINCE, "", false},
        RegionCase{"15.08", true, type::v1::REGION_LEVEL_REGENCY, "15", false},
        RegionCase{"15.71", true, type::v1::REGION_LEVEL_REGENCY, "15", true},
        RegionCase{"15.08.01", true, type::v1::REGION_LEVEL_DISTRICT, "15.08", false},
        RegionCase{"15.08.01.2001", true, type::v1::REGION_LEVEL_VILLAGE, "15.08.01", false},
        RegionCase{"15.71.03.1005", true, type::v1::REGION_LEVEL_VILLAGE, "15.71.03", false},
        RegionCase{"", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"1", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"150", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"99", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"00", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"20", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15.8", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15.00", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15.08.1", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15.08.00", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15.08.01.201", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15.08.01.0000", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15.08.01.20011", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15.08.01.2001.01", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15..08", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15.08.", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"1a.08", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{"15-08", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false},
        RegionCase{" 15", false, type::v1::REGION_LEVEL_UNSPECIFIED, "", false}));

TEST(RegionNameTest, RequiresCollectionPrefix) {
  EXPECT_TRUE(ParseRegionName("regions/15.08").ok());
  EXPECT_FALSE(ParseRegionName("15.08").ok());
  EXPECT_FALSE(ParseRegionName("region/15.08").ok());
  EXPECT_FALSE(ParseRegionName("regions/").ok());
  EXPECT_EQ(RegionName("15.08"), "regions/15.08");
}

TEST(DateTest, AcceptsRealDatesOnly) {
  auto date = [](int y, int m, int d) {
    google::type::Date out;
    out.set_year(y);
    out.set_month(m);
    out.set_day(d);
    return out;
  };
  EXPECT_TRUE(ToCivilDay(date(2024, 2, 29)).ok());
  EXPECT_FALSE(ToCivilDay(date(2023, 2, 29)).ok());
  EXPECT_FALSE(ToCivilDay(date(1900, 2, 29)).ok());
  EXPECT_TRUE(ToCivilDay(date(2000, 2, 29)).ok());
  EXPECT_FALSE(ToCivilDay(date(2024, 0, 1)).ok());
  EXPECT_FALSE(ToCivilDay(date(2024, 13, 1)).ok());
  EXPECT_FALSE(ToCivilDay(date(2024, 6, 31)).ok());
  EXPECT_FALSE(ToCivilDay(date(0, 0, 0)).ok());
  EXPECT_FALSE(ToCivilDay(date(1899, 12, 31)).ok());
  EXPECT_EQ(*ToCivilDay(date(2024, 8, 12)), absl::CivilDay(2024, 8, 12));
  EXPECT_EQ(ToProtoDate(absl::CivilDay(2024, 8, 12)).SerializeAsString(),
            date(2024, 8, 12).SerializeAsString());
}

// Found by fuzz_page_token (tests/fuzz): "M2YxYTljMGI3ZDJlNGY2YXT" differs from the token of its
// position ("...YXQ") only in base64 trailing bits, and was accepted. A page token is accepted
// only in the spelling EncodePageToken gives it, so a position has exactly one token.
TEST(PageTokenTest, RefusesNonCanonicalSpellings) {
  const std::string query = "3f1a9c0b7d2e4f6a8b1c3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a";
  const std::string token = EncodePageToken("regions/15.08", query);
  absl::StatusOr<std::string> key = DecodePageToken(token, query);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "regions/15.08");
  EXPECT_EQ(DecodePageToken("", query).value_or("x"), "");

  for (const std::string& other :
       {std::string("M2YxYTljMGI3ZDJlNGY2YXT"), token + "==", token + "="}) {
    absl::StatusOr<std::string> decoded = DecodePageToken(other, query);
    ASSERT_FALSE(decoded.ok()) << other;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace paritrana
