#include "region/validation.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "region/region_catalog.h"

namespace paritrana {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int Number(absl::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

// True when y-m-d names a real day (absl normalises 2023-02-29 to 2023-03-01; we refuse it).
bool IsRealDay(int y, int m, int d) {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  absl::CivilDay day(y, m, d);
  return day.year() == y && day.month() == m && day.day() == d;
}

absl::Status Invalid(absl::string_view message) { return absl::InvalidArgumentError(message); }

}  // namespace

absl::StatusOr<NikFacts> ParseNik(absl::string_view nik, absl::CivilDay today) {
  if (nik.size() != 16) {
    return Invalid(absl::StrCat("NIK must have 16 digits, got ", nik.size(), " characters"));
  }
  if (!AllDigits(nik)) return Invalid("NIK must contain digits only");
  NikFacts facts;
  facts.province = std::string(nik.substr(0, 2));
  if (!IsKnownProvince(facts.province)) {
    return Invalid("NIK does not start with a known province code");
  }
  facts.issue_region = std::string(nik.substr(0, 6));

  int day = Number(nik.substr(6, 2));
  const int month = Number(nik.substr(8, 2));
  const int yy = Number(nik.substr(10, 2));
  facts.sex = day > 40 ? Sex::kFemale : Sex::kMale;
  if (day > 40) day -= 40;
  int year = 2000 + yy;
  if (year > today.year() ||
      (IsRealDay(year, month, day) && absl::CivilDay(year, month, day) > today)) {
    year -= 100;
  }
  if (!IsRealDay(year, month, day)) {
    return Invalid("NIK birth date (DDMMYY, day +40 for women) is not a real date");
  }
  facts.birth_date = absl::CivilDay(year, month, day);
  if (facts.birth_date > today) return Invalid("NIK birth date is in the future");
  if (nik.substr(12, 4) == "0000") return Invalid("NIK serial must not be 0000");
  return facts;
}

absl::StatusOr<RegionCode> ParseRegionCode(absl::string_view code) {
  const std::vector<absl::string_view> parts = absl::StrSplit(code, '.');
  static constexpr size_t kWidths[] = {2, 2, 2, 4};
  if (code.empty() || parts.size() > 4) {
    return Invalid("region code must look like PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD");
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].size() != kWidths[i] || !AllDigits(parts[i])) {
      return Invalid("region code must look like PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD");
    }
    if (Number(parts[i]) == 0) {
      return Invalid("region code parts must not be zero");
    }
  }
  if (!IsKnownProvince(parts[0])) return Invalid("region code names an unknown province");

  RegionCode out;
  out.code = std::string(code);
  out.level = static_cast<type::v1::RegionLevel>(parts.size());
  if (parts.size() > 1) out.parent = std::string(code.substr(0, code.rfind('.')));
  out.is_city = parts.size() == 2 && Number(parts[1]) >= 71;
  return out;
}

absl::StatusOr<RegionCode> ParseRegionName(absl::string_view name) {
  constexpr absl::string_view kPrefix = "regions/";
  if (!absl::StartsWith(name, kPrefix)) {
    return Invalid("region name must look like regions/{code}, e.g. regions/15.08");
  }
  return ParseRegionCode(name.substr(kPrefix.size()));
}

std::string RegionName(absl::string_view code) { return absl::StrCat("regions/", code); }

absl::StatusOr<absl::CivilDay> ToCivilDay(const google::type::Date& date) {
  if (date.year() < 1900 || date.year() > 9999) {
    return Invalid("year must be between 1900 and 9999");
  }
  if (!IsRealDay(date.year(), date.month(), date.day())) {
    return Invalid(
        absl::StrCat("not a real date: ", date.year(), "-", date.month(), "-", date.day()));
  }
  return absl::CivilDay(date.year(), date.month(), date.day());
}

google::type::Date ToProtoDate(absl::CivilDay day) {
  google::type::Date out;
  out.set_year(static_cast<int32_t>(day.year()));
  out.set_month(day.month());
  out.set_day(day.day());
  return out;
}

absl::CivilDay TodayInJakarta() {
  // WIB is UTC+7 with no daylight saving; a fixed zone avoids depending on tzdata in images.
  static const absl::TimeZone kWib = absl::FixedTimeZone(7 * 60 * 60);
  return absl::ToCivilDay(absl::Now(), kWib);
}

}  // namespace paritrana
