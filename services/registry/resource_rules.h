#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "paritrana/registry/v1/resources.pb.h"
#include "platform/errors.h"

// The field rules of registry resources (stated in resources.proto), shared by the single-record
// RPCs and ImportRecords. Each Check* adds one violation per broken rule, with field paths rooted
// at `prefix` (e.g. "employer" gives "employer.sector"). Rules that need stored state (does the
// region exist?) are checked by the registry, not here.
namespace paritrana::registry {

void CheckRegion(const v1::Region& region, const std::string& prefix, FieldViolations& v);
void CheckBaseline(const v1::WorkforceBaseline& baseline, const std::string& prefix,
                   FieldViolations& v);
void CheckTarget(const v1::CoverageTarget& target, const std::string& prefix, FieldViolations& v);
// `today` is the request's day (Asia/Jakarta): registration_date may not be after it.
void CheckEmployer(const v1::Employer& employer, const std::string& prefix, absl::CivilDay today,
                   FieldViolations& v);
// A bill's fields, its name (the key of an import row) included: `prefix` "bill" gives
// "bill.name", "bill.due_date"...
void CheckBill(const v1::ContributionBill& bill, const std::string& prefix, FieldViolations& v);
// Also checks that sex and birth date agree with the NIK.
void CheckParticipant(const v1::Participant& participant, const std::string& prefix,
                      absl::CivilDay today, FieldViolations& v);
void CheckEnrollment(const v1::Enrollment& enrollment, const std::string& prefix,
                     FieldViolations& v);
void CheckContribution(const v1::Contribution& contribution, const std::string& prefix,
                       FieldViolations& v);

// Resource names; errors name `field`.
absl::Status CheckEmployerName(absl::string_view name, absl::string_view field);
absl::Status CheckParticipantName(absl::string_view name, absl::string_view field);
absl::Status CheckEnrollmentName(absl::string_view name, absl::string_view field);
// `employers/{npp}/bills/{yyyy-mm}` with a month from 2000-01 to 2100-12: the bill's month.
absl::StatusOr<absl::CivilMonth> ParseBillName(absl::string_view name, absl::string_view field);
// The employer of a bill's name, "employers/{npp}" (the name checked by ParseBillName).
std::string EmployerOfBill(absl::string_view name);

// Identifier formats.
absl::Status CheckNpp(absl::string_view npp);      // 8 digits
absl::Status CheckKpj(absl::string_view kpj);      // 11 digits
absl::Status CheckImportId(absl::string_view id);  // required; same alphabet
absl::Status CheckSchemeSlug(absl::string_view scheme);

// Trims leading and trailing white space from the free-text fields of a resource
// (display_name, source_note, note): what is stored is the trimmed text.
void TrimText(google::protobuf::Message& resource);

// Baseline source slugs used in resource names: "bpjs-potential", "bps-sakernas", "regional".
std::string SourceSlug(type::v1::DenominatorSource source);

}  // namespace paritrana::registry
