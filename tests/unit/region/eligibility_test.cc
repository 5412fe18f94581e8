#include "region/eligibility.h"

#include <vector>

#include "gtest/gtest.h"

namespace paritrana {
namespace {

using type::v1::Programme;
using type::v1::Segment;

constexpr Programme JKK = type::v1::PROGRAMME_JKK;
constexpr Programme JKM = type::v1::PROGRAMME_JKM;
constexpr Programme JHT = type::v1::PROGRAMME_JHT;
constexpr Programme JP = type::v1::PROGRAMME_JP;
constexpr Programme JKP = type::v1::PROGRAMME_JKP;

TEST(EligibilityTest, MatrixFromDomainBrief) {
  struct Row {
    Segment segment;
    std::vector<Programme> eligible;
  };
  const std::vector<Row> rows = {
      {type::v1::SEGMENT_PU, {JKK, JKM, JHT, JP, JKP}},
      {type::v1::SEGMENT_BPU, {JKK, JKM, JHT}},
      {type::v1::SEGMENT_JAKON, {JKK, JKM}},
      {type::v1::SEGMENT_PMI, {JKK, JKM, JHT}},
  };
  for (const Row& row : rows) {
    for (Programme p : {JKK, JKM, JHT, JP, JKP}) {
      const bool expected =
          std::find(row.eligible.begin(), row.eligible.end(), p) != row.eligible.end();
      EXPECT_EQ(IsEligible(row.segment, p), expected)
          << type::v1::Segment_Name(row.segment) << " " << type::v1::Programme_Name(p);
    }
  }
}

TEST(EligibilityTest, ValidatesProgrammeLists) {
  const std::vector<Programme> base = {JKK, JKM};
  const std::vector<Programme> all = {JKK, JKM, JHT, JP, JKP};
  const std::vector<Programme> bpu_with_jp = {JKK, JKM, JP};
  const std::vector<Programme> missing_jkm = {JKK, JHT};
  const std::vector<Programme> repeated = {JKK, JKM, JKK};
  const std::vector<Programme> unspecified = {JKK, JKM, type::v1::PROGRAMME_UNSPECIFIED};

  EXPECT_TRUE(ValidateProgrammes(type::v1::SEGMENT_BPU, base).ok());
  EXPECT_TRUE(ValidateProgrammes(type::v1::SEGMENT_PU, all).ok());
  EXPECT_FALSE(ValidateProgrammes(type::v1::SEGMENT_PMI, all).ok());

  absl::Status s = ValidateProgrammes(type::v1::SEGMENT_BPU, bpu_with_jp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "PROGRAMME_JP is not available to SEGMENT_BPU participants");
  EXPECT_EQ(ValidateProgrammes(type::v1::SEGMENT_PU, missing_jkm).message(),
            "PROGRAMME_JKM is required for every segment");
  EXPECT_FALSE(ValidateProgrammes(type::v1::SEGMENT_PU, repeated).ok());
  EXPECT_FALSE(ValidateProgrammes(type::v1::SEGMENT_PU, unspecified).ok());
  EXPECT_FALSE(ValidateProgrammes(type::v1::SEGMENT_UNSPECIFIED, base).ok());
}

}  // namespace
}  // namespace paritrana
