#include "services/registry/resource_rules.h"

#include <cmath>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "region/eligibility.h"
#include "region/validation.h"

namespace paritrana::registry {
namespace {

std::string Path(const std::string& prefix, absl::string_view field) {
  return prefix.empty() ? std::string(field) : absl::StrCat(prefix, ".", field);
}

bool Digits(absl::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status IdAlphabet(absl::string_view id, absl::string_view what) {
  if (id.empty() || id.size() > 64) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be 1 to 64 characters"));
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " may contain only ASCII letters, digits, '.', '_' and '-'"));
    }
  }
  return absl::OkStatus();
}

// Free text is checked as it will be stored (trimmed), counted in Unicode code points, and may
// not hold control characters.
void CheckText(const std::string& value, const std::string& field, size_t max, bool required,
               FieldViolations& v) {
  const absl::string_view text = absl::StripAsciiWhitespace(value);
  size_t code_points = 0;
  bool control = false;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++code_points;  // not a UTF-8 continuation byte
    if (c < 0x20 || c == 0x7F) control = true;
  }
  if (required && text.empty()) {
    v.Add(field, "is required");
  } else if (code_points > max) {
    v.Add(field, absl::StrCat("must be at most ", max, " characters"));
  } else if (control) {
    v.Add(field, "must not contain control characters");
  }
}

void CheckYear(int year, const std::string& field, FieldViolations& v) {
  if (year < 2000 || year > 2100) v.Add(field, "must be a year from 2000 to 2100");
}

void CheckRegionRef(const std::string& name, const std::string& field, FieldViolations& v) {
  if (name.empty()) {
    v.Add(field, "is required");
    return;
  }
  v.Check(field, ParseRegionName(name).status());
}

void CheckDate(const google::type::Date& date, bool present, const std::string& field,
               FieldViolations& v) {
  if (!present) {
    v.Add(field, "is required");
    return;
  }
  if (!v.Check(field, ToCivilDay(date).status())) return;
  CheckYear(date.year(), field, v);
}

bool IsBudget(type::v1::FundingSource f) {
  return f == type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET ||
         f == type::v1::FUNDING_SOURCE_REGENCY_BUDGET ||
         f == type::v1::FUNDING_SOURCE_VILLAGE_BUDGET;
}

// Scheme rules relative to the funding source (Enrollment.subsidy_scheme).
void CheckFunding(type::v1::FundingSource funding, const std::string& scheme,
                  const std::string& prefix, FieldViolations& v) {
  if (!type::v1::FundingSource_IsValid(funding) ||
      funding == type::v1::FUNDING_SOURCE_UNSPECIFIED) {
    v.Add(Path(prefix, "funding_source"), "is required");
    return;
  }
  const std::string field = Path(prefix, "subsidy_scheme");
  if (IsBudget(funding) && scheme.empty()) {
    v.Add(field, "is required when a regional or village budget pays");
  } else if ((funding == type::v1::FUNDING_SOURCE_WORKER ||
              funding == type::v1::FUNDING_SOURCE_EMPLOYER) &&
             !scheme.empty()) {
    v.Add(field, "must be empty when the worker or the employer pays");
  } else if (!scheme.empty()) {
    v.Check(field, CheckSchemeSlug(scheme));
  }
}

// A bill's month from its name `employers/{npp}/bills/{yyyy-mm}`; the error says what to fix.
absl::StatusOr<absl::CivilMonth> BillMonth(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "employers" || parts[2] != "bills" ||
      !CheckNpp(parts[1]).ok()) {
    return absl::InvalidArgumentError(
        "must look like employers/{npp}/bills/{yyyy-mm} with an 8-digit NPP");
  }
  absl::CivilMonth month;
  // ParseCivilTime would take "2025-3" too: the id must be exactly YYYY-MM.
  const absl::string_view id = parts[3];
  bool shaped = id.size() == 7 && id[4] == '-';
  for (size_t i = 0; shaped && i < id.size(); ++i) {
    shaped = i == 4 || absl::ascii_isdigit(static_cast<unsigned char>(id[i]));
  }
  if (!shaped || !absl::ParseCivilTime(id, &month) || month < absl::CivilMonth(2000, 1) ||
      month > absl::CivilMonth(2100, 12)) {
    return absl::InvalidArgumentError(
        "the bill's id must be its month, YYYY-MM from 2000-01 to 2100-12");
  }
  return month;
}

}  // namespace

void TrimText(google::protobuf::Message& m) {
  const auto* reflection = m.GetReflection();
  for (const char* name : {"display_name", "source_note", "note"}) {
    const auto* f = m.GetDescriptor()->FindFieldByName(name);
    if (f == nullptr || f->type() != google::protobuf::FieldDescriptor::TYPE_STRING) continue;
    const std::string value = reflection->GetString(m, f);
    const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
    if (trimmed.size() != value.size()) reflection->SetString(&m, f, std::string(trimmed));
  }
}

absl::Status CheckNpp(absl::string_view npp) {
  return Digits(npp, 8) ? absl::OkStatus()
                        : absl::InvalidArgumentError("NPP must be exactly 8 digits");
}

absl::Status CheckKpj(absl::string_view kpj) {
  return Digits(kpj, 11) ? absl::OkStatus()
                         : absl::InvalidArgumentError("KPJ must be exactly 11 digits");
}

absl::Status CheckImportId(absl::string_view id) { return IdAlphabet(id, "import_id"); }

absl::Status CheckSchemeSlug(absl::string_view s) {
  auto alnum = [](char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c); };
  bool ok = !s.empty() && s.size() <= 40 && alnum(s.front()) && alnum(s.back());
  for (char c : s) ok = ok && (alnum(c) || c == '-');
  return ok ? absl::OkStatus()
            : absl::InvalidArgumentError(
                  "must be 1 to 40 lowercase letters, digits and '-', starting and ending with a "
                  "letter or digit, e.g. dumisake");
}

std::string SourceSlug(type::v1::DenominatorSource source) {
  switch (source) {
    case type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL:
      return "bpjs-potential";
    case type::v1::DENOMINATOR_SOURCE_BPS_SAKERNAS:
      return "bps-sakernas";
    case type::v1::DENOMINATOR_SOURCE_REGIONAL:
      return "regional";
    default:
      return "";
  }
}

void CheckRegion(const v1::Region& r, const std::string& prefix, FieldViolations& v) {
  CheckText(r.display_name(), Path(prefix, "display_name"), 100, true, v);
  if (!r.bps_code().empty()) {
    bool digits = true;
    for (char c : r.bps_code()) digits = digits && absl::ascii_isdigit(c);
    if (!digits) v.Add(Path(prefix, "bps_code"), "must contain digits only");
  }
}

void CheckBaseline(const v1::WorkforceBaseline& b, const std::string& prefix, FieldViolations& v) {
  CheckYear(b.year(), Path(prefix, "year"), v);
  if (SourceSlug(b.source()).empty()) v.Add(Path(prefix, "source"), "is required");
  CheckText(b.source_note(), Path(prefix, "source_note"), 500, false, v);
  const int64_t total = b.potential_workers();
  if (total < 1 || total > 1'000'000'000) {
    v.Add(Path(prefix, "potential_workers"), "must be between 1 and 1,000,000,000");
  }
  std::set<int> seen;
  int64_t sum = 0;
  for (int i = 0; i < b.segment_workers_size(); ++i) {
    const auto& sw = b.segment_workers(i);
    const std::string field = absl::StrCat(Path(prefix, "segment_workers"), "[", i, "]");
    if (sw.segment() == type::v1::SEGMENT_UNSPECIFIED || !type::v1::Segment_IsValid(sw.segment())) {
      v.Add(field + ".segment", "is required");
    } else if (!seen.insert(sw.segment()).second) {
      v.Add(field + ".segment", "appears twice");
    }
    if (sw.potential_workers() < 0 || sw.potential_workers() > total) {
      v.Add(field + ".potential_workers", "must be between 0 and potential_workers");
    }
    sum += sw.potential_workers();
  }
  if (sum > total) {
    v.Add(Path(prefix, "segment_workers"), "must not add up to more than potential_workers");
  }
  if (b.has_formal_workers() && (b.formal_workers() < 0 || b.formal_workers() > total)) {
    v.Add(Path(prefix, "formal_workers"), "must be between 0 and potential_workers");
  }
  if (b.has_informal_workers() && (b.informal_workers() < 0 || b.informal_workers() > total)) {
    v.Add(Path(prefix, "informal_workers"), "must be between 0 and potential_workers");
  }
  if (b.has_formal_workers() && b.has_informal_workers() &&
      b.formal_workers() + b.informal_workers() > total) {
    v.Add(Path(prefix, "informal_workers"),
          "formal_workers + informal_workers must not exceed potential_workers");
  }
  if (b.has_potential_employers() &&
      (b.potential_employers() < 0 || b.potential_employers() > 100'000'000)) {
    v.Add(Path(prefix, "potential_employers"), "must be between 0 and 100,000,000");
  }
}

void CheckTarget(const v1::CoverageTarget& t, const std::string& prefix, FieldViolations& v) {
  auto ratio_ok = [](double r) { return std::isfinite(r) && r > 0 && r <= 100; };
  CheckYear(t.year(), Path(prefix, "year"), v);
  if (!ratio_ok(t.target_ratio_percent())) {
    v.Add(Path(prefix, "target_ratio_percent"), "must be greater than 0 and at most 100");
  }
  if (SourceSlug(t.denominator_source()).empty()) {
    v.Add(Path(prefix, "denominator_source"), "is required");
  }
  std::set<int> seen;
  for (int i = 0; i < t.segment_targets_size(); ++i) {
    const auto& st = t.segment_targets(i);
    const std::string field = absl::StrCat(Path(prefix, "segment_targets"), "[", i, "]");
    if (st.segment() == type::v1::SEGMENT_UNSPECIFIED || !type::v1::Segment_IsValid(st.segment())) {
      v.Add(field + ".segment", "is required");
    } else if (!seen.insert(st.segment()).second) {
      v.Add(field + ".segment", "appears twice");
    }
    if (!ratio_ok(st.target_ratio_percent())) {
      v.Add(field + ".target_ratio_percent", "must be greater than 0 and at most 100");
    }
  }
  CheckText(t.note(), Path(prefix, "note"), 500, false, v);
}

void CheckEmployer(const v1::Employer& e, const std::string& prefix, absl::CivilDay today,
                   FieldViolations& v) {
  CheckText(e.display_name(), Path(prefix, "display_name"), 200, true, v);
  if (e.size_class() == v1::EMPLOYER_SIZE_CLASS_UNSPECIFIED ||
      !v1::EmployerSizeClass_IsValid(e.size_class())) {
    v.Add(Path(prefix, "size_class"), "is required");
  }
  if (e.sector().size() != 1 || e.sector()[0] < 'A' || e.sector()[0] > 'U') {
    v.Add(Path(prefix, "sector"), "must be one KBLI 2020 section letter from A to U");
  }
  CheckRegionRef(e.region(), Path(prefix, "region"), v);
  if (e.worker_count_declared() < 0 || e.worker_count_declared() > 10'000'000) {
    v.Add(Path(prefix, "worker_count_declared"), "must be between 0 and 10,000,000");
  }
  // Both optional: an unset registration_date is the request's day (set by the registry).
  if (e.has_registration_date()) {
    CheckDate(e.registration_date(), true, Path(prefix, "registration_date"), v);
    absl::StatusOr<absl::CivilDay> day = ToCivilDay(e.registration_date());
    if (day.ok() && *day > today) {
      v.Add(Path(prefix, "registration_date"), "must not be after today (Asia/Jakarta)");
    }
  }
  if (e.has_worker_count_date()) {
    CheckDate(e.worker_count_date(), true, Path(prefix, "worker_count_date"), v);
  }
}

void CheckBill(const v1::ContributionBill& b, const std::string& prefix, FieldViolations& v) {
  const absl::StatusOr<absl::CivilMonth> month = BillMonth(b.name());
  v.Check(Path(prefix, "name"), month.status());
  const std::string due_field = Path(prefix, "due_date");
  CheckDate(b.due_date(), b.has_due_date(), due_field, v);
  const absl::StatusOr<absl::CivilDay> due = ToCivilDay(b.due_date());
  if (month.ok() && b.has_due_date() && due.ok() && *due < absl::CivilDay(*month)) {
    v.Add(due_field, "must not be before the bill's month");
  }
  constexpr int64_t kMaxRupiah = 1'000'000'000'000;
  const bool due_ok = b.amount_due_rupiah() >= 1 && b.amount_due_rupiah() <= kMaxRupiah;
  const bool paid_ok = b.amount_paid_rupiah() >= 0 && b.amount_paid_rupiah() <= kMaxRupiah;
  if (!due_ok) {
    v.Add(Path(prefix, "amount_due_rupiah"), "must be between 1 and 1,000,000,000,000");
  }
  if (!paid_ok) {
    v.Add(Path(prefix, "amount_paid_rupiah"), "must be between 0 and 1,000,000,000,000");
  }
  const std::string paid_field = Path(prefix, "paid_date");
  // paid_date says when the bill was paid in full, so it is there exactly when it was.
  const bool paid_in_full = b.amount_paid_rupiah() >= b.amount_due_rupiah();
  if (due_ok && paid_ok && paid_in_full && !b.has_paid_date()) {
    v.Add(paid_field, "is required when amount_paid_rupiah covers amount_due_rupiah");
  } else if (due_ok && paid_ok && !paid_in_full && b.has_paid_date()) {
    v.Add(paid_field, "must be empty while amount_paid_rupiah is less than amount_due_rupiah");
  } else if (b.has_paid_date()) {
    const absl::StatusOr<absl::CivilDay> paid = ToCivilDay(b.paid_date());
    if (!v.Check(paid_field, paid.status())) return;
    if (month.ok() && *paid < absl::CivilDay(*month)) {
      v.Add(paid_field, "must not be before the bill's month");
    }
  }
}

void CheckParticipant(const v1::Participant& p, const std::string& prefix, absl::CivilDay today,
                      FieldViolations& v) {
  CheckText(p.display_name(), Path(prefix, "display_name"), 200, true, v);
  CheckRegionRef(p.domicile_region(), Path(prefix, "domicile_region"), v);
  const std::string nik_field = Path(prefix, "nik");
  if (p.nik().empty()) {
    v.Add(nik_field, "is required");
    return;
  }
  absl::StatusOr<NikFacts> facts = ParseNik(p.nik(), today);
  if (!v.Check(nik_field, facts.status())) return;
  if (p.sex() == v1::SEX_UNSPECIFIED || !v1::Sex_IsValid(p.sex())) {
    v.Add(Path(prefix, "sex"), "is required");
  } else if ((p.sex() == v1::SEX_FEMALE) != (facts->sex == Sex::kFemale)) {
    v.Add(Path(prefix, "sex"), "does not agree with the NIK (women have 40 added to the day)");
  }
  const std::string birth_field = Path(prefix, "birth_date");
  if (!p.has_birth_date()) {
    v.Add(birth_field, "is required");
  } else if (absl::StatusOr<absl::CivilDay> birth = ToCivilDay(p.birth_date());
             v.Check(birth_field, birth.status())) {
    if (*birth > today) {
      v.Add(birth_field, "must not be in the future");
    } else if (birth->day() != facts->birth_date.day() ||
               birth->month() != facts->birth_date.month() ||
               birth->year() % 100 != facts->birth_date.year() % 100) {
      v.Add(birth_field, "does not agree with the NIK's DDMMYY");
    }
  }
}

void CheckEnrollment(const v1::Enrollment& e, const std::string& prefix, FieldViolations& v) {
  const bool pu = e.segment() == type::v1::SEGMENT_PU;
  if (e.segment() == type::v1::SEGMENT_UNSPECIFIED || !type::v1::Segment_IsValid(e.segment())) {
    v.Add(Path(prefix, "segment"), "is required");
  } else {
    std::vector<type::v1::Programme> programmes;
    for (int p : e.programmes()) programmes.push_back(static_cast<type::v1::Programme>(p));
    v.Check(Path(prefix, "programmes"), ValidateProgrammes(e.segment(), programmes));
    if (pu && e.employer().empty()) {
      v.Add(Path(prefix, "employer"), "is required for PU (wage earner) enrollments");
    } else if (!pu && !e.employer().empty()) {
      v.Add(Path(prefix, "employer"), "must be empty for segments other than PU");
    } else if (pu && !(e.employer().rfind("employers/", 0) == 0 &&
                       CheckNpp(e.employer().substr(10)).ok())) {
      v.Add(Path(prefix, "employer"), "must look like employers/{npp} with an 8-digit NPP");
    }
  }
  CheckRegionRef(e.region(), Path(prefix, "region"), v);
  CheckDate(e.start_date(), e.has_start_date(), Path(prefix, "start_date"), v);
  CheckFunding(e.funding_source(), e.subsidy_scheme(), prefix, v);
  if (pu && e.funding_source() != type::v1::FUNDING_SOURCE_EMPLOYER &&
      e.funding_source() != type::v1::FUNDING_SOURCE_UNSPECIFIED) {
    v.Add(Path(prefix, "funding_source"), "must be FUNDING_SOURCE_EMPLOYER for PU enrollments");
  }
}

void CheckContribution(const v1::Contribution& c, const std::string& prefix, FieldViolations& v) {
  if (c.amount_rupiah() < 1 || c.amount_rupiah() > 1'000'000'000'000) {
    v.Add(Path(prefix, "amount_rupiah"), "must be between 1 and 1,000,000,000,000");
  }
  CheckDate(c.paid_date(), c.has_paid_date(), Path(prefix, "paid_date"), v);
  CheckDate(c.covers_through(), c.has_covers_through(), Path(prefix, "covers_through"), v);
  if (c.funding_source() == type::v1::FUNDING_SOURCE_UNSPECIFIED) {
    if (!c.subsidy_scheme().empty()) {
      v.Add(Path(prefix, "subsidy_scheme"), "must be empty when funding_source is unset");
    }
  } else {
    CheckFunding(c.funding_source(), c.subsidy_scheme(), prefix, v);
  }
}

namespace {

// Splits `name` at "/", which must give `shape` ("*": any non-empty part).
absl::StatusOr<std::vector<std::string>> NameParts(absl::string_view name,
                                                   std::initializer_list<const char*> shape,
                                                   absl::string_view field,
                                                   absl::string_view example) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  bool ok = parts.size() == shape.size();
  size_t i = 0;
  for (const char* expected : shape) {
    if (!ok) break;
    ok = expected[0] == '*' ? !parts[i].empty() : parts[i] == expected;
    ++i;
  }
  if (!ok) return InvalidField(field, absl::StrCat("must look like ", example));
  return parts;
}

}  // namespace

absl::Status CheckEmployerName(absl::string_view name, absl::string_view field) {
  PARITRANA_ASSIGN_OR_RETURN(auto parts,
                             NameParts(name, {"employers", "*"}, field, "employers/{npp}"));
  if (!CheckNpp(parts[1]).ok()) return InvalidField(field, "NPP must be exactly 8 digits");
  return absl::OkStatus();
}

absl::Status CheckParticipantName(absl::string_view name, absl::string_view field) {
  PARITRANA_ASSIGN_OR_RETURN(auto parts,
                             NameParts(name, {"participants", "*"}, field, "participants/{kpj}"));
  if (!CheckKpj(parts[1]).ok()) return InvalidField(field, "KPJ must be exactly 11 digits");
  return absl::OkStatus();
}

absl::StatusOr<absl::CivilMonth> ParseBillName(absl::string_view name, absl::string_view field) {
  absl::StatusOr<absl::CivilMonth> month = BillMonth(name);
  if (!month.ok()) return InvalidField(field, month.status().message());
  return month;
}

std::string EmployerOfBill(absl::string_view name) {
  return std::string(name.substr(0, name.find("/bills/")));
}

absl::Status CheckEnrollmentName(absl::string_view name, absl::string_view field) {
  PARITRANA_ASSIGN_OR_RETURN(auto parts,
                             NameParts(name, {"participants", "*", "enrollments", "*"}, field,
                                       "participants/{kpj}/enrollments/{enrollment}"));
  return CheckParticipantName(absl::StrCat("participants/", parts[1]), field);
}

}  // namespace paritrana::registry
