#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "google/type/date.pb.h"
#include "paritrana/type/v1/types.pb.h"

// Validators for the identifiers and values every service receives. Each returns
// INVALID_ARGUMENT with a message that says what to fix; callers attach the field path
// (see FieldViolations in platform/errors.h). Messages never repeat the input, because some
// inputs (NIK) are personal data.
namespace paritrana {

enum class Sex { kMale, kFemale };

// What a valid NIK says about its holder. Personal data: never log it.
struct NikFacts {
  std::string province;      // "15"
  std::string issue_region;  // "150801": province, regency, district of first issue
  absl::CivilDay birth_date;
  Sex sex;
};

// Validates a NIK `PPKKCC DDMMYY NNNN`: 16 digits, a known province, a real birth date once the
// +40 women add to the day is removed, and a serial other than 0000. The two-digit year is read as
// the latest year not after `today` (a NIK holder is not born in the future).
absl::StatusOr<NikFacts> ParseNik(absl::string_view nik, absl::CivilDay today);

// A parsed Kemendagri region code `PP`, `PP.KK`, `PP.KK.CC` or `PP.KK.CC.DDDD`.
struct RegionCode {
  std::string code;    // "15.08.01.2001"
  std::string parent;  // "15.08.01"; empty for a province
  type::v1::RegionLevel level = type::v1::REGION_LEVEL_UNSPECIFIED;
  bool is_city = false;  // regency level only: KK of 71 or more is a kota
};

// Validates the format of a region code and that its province exists. Whether the parent region
// is registered is the registry's business, not this function's.
absl::StatusOr<RegionCode> ParseRegionCode(absl::string_view code);

// Parses a region resource name `regions/{code}`.
absl::StatusOr<RegionCode> ParseRegionName(absl::string_view name);

// The resource name of a region code: "15.08" -> "regions/15.08".
std::string RegionName(absl::string_view code);

// Validates a calendar date (years 1900 to 9999; a real day of its month).
absl::StatusOr<absl::CivilDay> ToCivilDay(const google::type::Date& date);

google::type::Date ToProtoDate(absl::CivilDay day);

// Today in Asia/Jakarta (WIB), the civil date Paritrana reports in.
absl::CivilDay TodayInJakarta();

}  // namespace paritrana
