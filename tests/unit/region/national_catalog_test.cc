// The reader of the national region catalogue (region/national_catalog.h): a small package written
// into a temporary directory, malformed variants of it, and the real idn-area-data package that
// scripts/setup.sh installs into tools/node_modules.
#include "region/national_catalog.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "region/region_catalog.h"
#include "tests/support/temp_dir.h"

namespace paritrana {
namespace {

using testing::HasSubstr;
using type::v1::RegionLevel;

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A package with one province, two regencies, two districts and three villages; names with a
// comma and a quote are quoted as RFC 4180 says.
class SmallPackage : public testing::Test {
 protected:
  void SetUp() override {
    Write(dir_.File("package.json"),
          R"({"name": "idn-area-data", "version": "9.9.9", "type": "module",
              "homepage": "https://github.com/fityannugroho/idn-area-data#readme",
              "dependencies": {"papaparse": "^5.5.3"}})");
    Write(dir_.File("data/LICENSE.md"), "# Open Database License (ODbL)\n\n## Preamble\n");
    files_["provinces"] = "code,name\n15,Jambi\n";
    files_["regencies"] =
        "code,province_code,name\n15.08,15,Kabupaten Bungo\n15.71,15,Kota Jambi\n";
    files_["districts"] =
        "code,regency_code,name\n15.08.01,15.08,Pelepat\n15.71.01,15.71,Kota "
        "Baru\n";
    files_["villages"] =
        "code,district_code,name\r\n"
        "15.08.01.2001,15.08.01,Sungai Mengkuang\r\n"
        "15.08.01.2002,15.08.01,\"Lubuk Pakam I,II\"\r\n"
        "15.71.01.1001,15.71.01,\"Ra\"\"as\"";  // CRLF, no final line break
    WriteFiles();
  }

  void WriteFiles() {
    for (const auto& [level, text] : files_) Write(dir_.File("data/" + level + ".csv"), text);
  }

  // Replaces one file and reads the package, expecting INVALID_ARGUMENT naming `file` and `line`.
  void ExpectError(const std::string& level, const std::string& text, int line,
                   const std::string& what) {
    files_[level] = text;
    WriteFiles();
    absl::StatusOr<NationalCatalog> c = ReadNationalCatalog(dir_.path());
    ASSERT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << c.status();
    EXPECT_THAT(c.status().message(),
                HasSubstr(absl::StrCat("data/", level, ".csv line ", line, ": ")));
    EXPECT_THAT(c.status().message(), HasSubstr(what));
  }

  test_support::TempDir dir_{"national_catalog"};
  std::map<std::string, std::string> files_;
};

TEST_F(SmallPackage, ReadsEveryLevelInOrderWithQuotedNames) {
  absl::StatusOr<NationalCatalog> c = ReadNationalCatalog(dir_.path());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->info.version, "idn-area-data 9.9.9");
  EXPECT_EQ(c->info.attribution,
            "Contains information from idn-area-data 9.9.9 "
            "(https://github.com/fityannugroho/idn-area-data), which is made available here under "
            "the Open Database License (ODbL) 1.0 "
            "(https://opendatacommons.org/licenses/odbl/1-0/).");
  ASSERT_EQ(c->regions.size(), 8u);
  const NationalRegion& province = c->regions[0];
  EXPECT_EQ(province.code, "15");
  EXPECT_EQ(province.name, "Jambi");
  EXPECT_EQ(province.parent, "");
  EXPECT_EQ(province.level, type::v1::REGION_LEVEL_PROVINCE);
  EXPECT_EQ(c->regions[2].code, "15.71");
  EXPECT_EQ(c->regions[2].parent, "15");
  EXPECT_EQ(c->regions[2].level, type::v1::REGION_LEVEL_REGENCY);
  EXPECT_EQ(c->regions[4].name, "Kota Baru");
  EXPECT_EQ(c->regions[4].level, type::v1::REGION_LEVEL_DISTRICT);
  EXPECT_EQ(c->regions[5].name, "Sungai Mengkuang");
  EXPECT_EQ(c->regions[6].name, "Lubuk Pakam I,II");
  EXPECT_EQ(c->regions[7].code, "15.71.01.1001");
  EXPECT_EQ(c->regions[7].name, "Ra\"as");
  EXPECT_EQ(c->regions[7].parent, "15.71.01");
  EXPECT_EQ(c->regions[7].level, type::v1::REGION_LEVEL_VILLAGE);
}

TEST_F(SmallPackage, InfoAloneNeedsNoCsvFiles) {
  std::filesystem::remove_all(dir_.File("data/villages.csv"));
  absl::StatusOr<NationalCatalogInfo> info = ReadNationalCatalogInfo(dir_.path());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->version, "idn-area-data 9.9.9");
  absl::StatusOr<NationalCatalog> c = ReadNationalCatalog(dir_.path());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(c.status().message(), HasSubstr("data/villages.csv"));
}

TEST_F(SmallPackage, NamesTheFileAndLineOfMalformedRecords) {
  ExpectError("provinces", "kode,nama\n15,Jambi\n", 1, "header must be code,name");
  SetUp();
  ExpectError("regencies", "code,province_code,name\n15.08,15,Kabupaten Bungo\n15.71,15\n", 3,
              "has 2 fields, expected 3");
  SetUp();
  ExpectError("villages",
              "code,district_code,name\n15.08.01.2001,15.08.01,Sungai Mengkuang\n"
              "15.08.01.2002,15.08.01,\"Lubuk Pakam\n",
              3, "quoted field is not closed");
  SetUp();
  ExpectError("villages", "code,district_code,name\n15.08.01.2001,15.08.01,\"Sungai\"x\n", 2,
              "closing quote");
  SetUp();
  ExpectError("villages", "code,district_code,name\n15.08.01.2001,15.08.01,Sun\"gai\n", 2,
              "quote inside an unquoted field");
  SetUp();
  ExpectError("districts", "code,regency_code,name\n15.08.01,15.71,Pelepat\n", 2,
              "regency_code is not the code's parent 15.08");
  SetUp();
  ExpectError("districts", "code,regency_code,name\n15.09.01,15.09,Tebo Ilir\n", 2,
              "parent 15.09 is not listed one level up");
  SetUp();
  ExpectError("districts", "code,regency_code,name\n15.08.01,15.08,A\n15.08.01,15.08,B\n", 3,
              "repeats 15.08.01");
  SetUp();
  ExpectError("regencies", "code,province_code,name\n15.8,15,Kabupaten Bungo\n", 2, "code: ");
  SetUp();
  ExpectError("regencies", "code,province_code,name\n15.08.01,15.08,Pelepat\n", 2,
              "not of this file's level");
  SetUp();
  ExpectError("provinces", "code,name\n15,\n", 2, "name is empty");
  SetUp();
  ExpectError("provinces", absl::StrCat("code,name\n15,", std::string(101, 'J'), "\n"), 2,
              "longer than 100");
}

TEST_F(SmallPackage, RefusesAnotherLicenceOrAPackageWithoutVersion) {
  Write(dir_.File("data/LICENSE.md"), "# Some other licence\n");
  absl::StatusOr<NationalCatalogInfo> info = ReadNationalCatalogInfo(dir_.path());
  ASSERT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << info.status();
  EXPECT_THAT(info.status().message(), HasSubstr("data/LICENSE.md"));

  SetUp();
  Write(dir_.File("package.json"), R"({"name": "idn-area-data"})");
  info = ReadNationalCatalogInfo(dir_.path());
  ASSERT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << info.status();
  EXPECT_THAT(info.status().message(), HasSubstr("\"version\""));

  Write(dir_.File("package.json"), "{not json");
  info = ReadNationalCatalogInfo(dir_.path());
  ASSERT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << info.status();
  EXPECT_THAT(info.status().message(), HasSubstr("package.json: not JSON"));
}

// The package `npm ci --prefix tools` installs (tools/package.json pins the version).
TEST(InstalledPackage, HoldsEveryRegionOfIndonesiaAndJambisRegencies) {
  const std::string dir = PARITRANA_IDN_AREA_DATA_DIR;
  ASSERT_TRUE(std::filesystem::exists(dir + "/package.json"))
      << dir << " is missing: run `npm ci --prefix tools` (scripts/test.sh does) to "
      << "install the national region catalogue";
  absl::StatusOr<NationalCatalog> c = ReadNationalCatalog(dir);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->info.version, "idn-area-data 4.0.1");
  EXPECT_THAT(c->info.attribution, HasSubstr("Open Database License (ODbL) 1.0"));
  std::map<RegionLevel, int> by_level;
  std::map<std::string, std::string> jambi_regencies;
  for (const NationalRegion& r : c->regions) {
    ++by_level[r.level];
    if (r.parent == "15") jambi_regencies[r.code] = r.name;
  }
  EXPECT_EQ(by_level[type::v1::REGION_LEVEL_PROVINCE], 38);
  EXPECT_EQ(by_level[type::v1::REGION_LEVEL_REGENCY], 514);
  EXPECT_EQ(by_level[type::v1::REGION_LEVEL_DISTRICT], 7285);
  EXPECT_EQ(by_level[type::v1::REGION_LEVEL_VILLAGE], 83762);
  std::map<std::string, std::string> shipped;
  for (const CatalogRegion& r : CatalogRegencies())
    shipped[std::string(r.code)] = std::string(r.name);
  EXPECT_EQ(jambi_regencies, shipped);
}

}  // namespace
}  // namespace paritrana
