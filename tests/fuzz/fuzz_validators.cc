// NIK, region code and date validators (region/validation.h). Beyond "never crashes", what a
// validator accepts must be consistent with what it returns. Input layout (so that seeds are easy
// to write by hand, see corpus/fuzz_validators):
//   byte 0 % 4: 0 NIK, 1 region code, 2 region name, 3 date
//   NIK:    bytes 1-3 little-endian: today = 2000-01-01 + (n mod 36525) days; then the NIK
//   region: the code or name
//   date:   year, month, day as three little-endian int32
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/str_format.h"
#include "region/region_catalog.h"
#include "region/validation.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using paritrana::NikFacts;

// Reads the input front to back; missing bytes read as zero.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint32_t Bytes(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint32_t>(Byte()) << (8 * i);
    return v;
  }
  std::string Rest() {
    std::string out(reinterpret_cast<const char*>(data_ + pos_), size_ - pos_);
    pos_ = size_;
    return out;
  }

 private:
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};
using paritrana::RegionCode;

void FuzzNik(Input& in) {
  // `today` from 2000-01-01 to 2099-12-31. ParseNik reads YY as 20YY or 19YY, so its rule "the
  // latest year not after today" holds while the service runs in this century only (a fuzzed
  // today in 5816 reads 210611 as 2011-06-21); inputs outside it are not a finding.
  const absl::CivilDay today = absl::CivilDay(2000, 1, 1) + static_cast<int>(in.Bytes(3) % 36525);
  const std::string nik = in.Rest();
  absl::StatusOr<NikFacts> facts = paritrana::ParseNik(nik, today);
  if (!facts.ok()) {
    PARITRANA_FUZZ_CHECK(facts.status().code() == absl::StatusCode::kInvalidArgument,
                         facts.status().ToString());
    return;
  }
  PARITRANA_FUZZ_CHECK(nik.size() == 16, nik);
  PARITRANA_FUZZ_CHECK(facts->province == nik.substr(0, 2), nik);
  PARITRANA_FUZZ_CHECK(paritrana::IsKnownProvince(facts->province), nik);
  PARITRANA_FUZZ_CHECK(facts->issue_region == nik.substr(0, 6), nik);
  PARITRANA_FUZZ_CHECK(nik.substr(12, 4) != "0000", nik);
  // The two-digit year is the latest one not after today: born on or before today, and the same
  // day a century later (when it exists) is after today.
  PARITRANA_FUZZ_CHECK(facts->birth_date <= today, nik);
  const absl::CivilDay century_later(facts->birth_date.year() + 100, facts->birth_date.month(),
                                     facts->birth_date.day());
  PARITRANA_FUZZ_CHECK(century_later.day() != facts->birth_date.day() || century_later > today,
                       nik);
  // DDMMYY (+40 on the day for women) says exactly the birth date and sex returned.
  const int dd =
      static_cast<int>(facts->birth_date.day()) + (facts->sex == paritrana::Sex::kFemale ? 40 : 0);
  const std::string ddmmyy = absl::StrFormat("%02d%02d%02d", dd, facts->birth_date.month(),
                                             static_cast<int>(facts->birth_date.year() % 100));
  PARITRANA_FUZZ_CHECK(ddmmyy == nik.substr(6, 6), nik + " -> " + ddmmyy);
}

void FuzzRegion(Input& in, bool as_name) {
  const std::string text = in.Rest();
  absl::StatusOr<RegionCode> code =
      as_name ? paritrana::ParseRegionName(text) : paritrana::ParseRegionCode(text);
  if (!code.ok()) {
    PARITRANA_FUZZ_CHECK(code.status().code() == absl::StatusCode::kInvalidArgument,
                         code.status().ToString());
    return;
  }
  PARITRANA_FUZZ_CHECK(paritrana::RegionName(code->code) == (as_name ? text : "regions/" + text),
                       text);
  PARITRANA_FUZZ_CHECK(code->level >= paritrana::type::v1::REGION_LEVEL_PROVINCE &&
                           code->level <= paritrana::type::v1::REGION_LEVEL_VILLAGE,
                       text);
  PARITRANA_FUZZ_CHECK(!code->is_city || code->level == paritrana::type::v1::REGION_LEVEL_REGENCY,
                       text);
  // The name round-trips, and the parent is a valid region one level up.
  absl::StatusOr<RegionCode> again = paritrana::ParseRegionName(paritrana::RegionName(code->code));
  PARITRANA_FUZZ_CHECK(again.ok() && again->code == code->code && again->parent == code->parent &&
                           again->level == code->level && again->is_city == code->is_city,
                       text);
  if (code->level == paritrana::type::v1::REGION_LEVEL_PROVINCE) {
    PARITRANA_FUZZ_CHECK(code->parent.empty(), text);
  } else {
    absl::StatusOr<RegionCode> parent = paritrana::ParseRegionCode(code->parent);
    PARITRANA_FUZZ_CHECK(parent.ok() && parent->level + 1 == code->level, text);
    PARITRANA_FUZZ_CHECK(code->code.rfind(parent->code + ".", 0) == 0, text);
  }
}

void FuzzDate(Input& in) {
  google::type::Date date;
  date.set_year(static_cast<int32_t>(in.Bytes(4)));
  date.set_month(static_cast<int32_t>(in.Bytes(4)));
  date.set_day(static_cast<int32_t>(in.Bytes(4)));
  absl::StatusOr<absl::CivilDay> day = paritrana::ToCivilDay(date);
  if (!day.ok()) {
    PARITRANA_FUZZ_CHECK(day.status().code() == absl::StatusCode::kInvalidArgument,
                         day.status().ToString());
    return;
  }
  // An accepted date is exactly the day returned.
  const google::type::Date back = paritrana::ToProtoDate(*day);
  PARITRANA_FUZZ_CHECK(
      back.year() == date.year() && back.month() == date.month() && back.day() == date.day(),
      date.ShortDebugString());
  PARITRANA_FUZZ_CHECK(date.year() >= 1900 && date.year() <= 9999, date.ShortDebugString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  switch (in.Bytes(1) % 4) {
    case 0:
      FuzzNik(in);
      break;
    case 1:
      FuzzRegion(in, false);
      break;
    case 2:
      FuzzRegion(in, true);
      break;
    case 3:
      FuzzDate(in);
      break;
  }
  return 0;
}
