#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "paritrana/award/v1/resources.pb.h"
#include "platform/errors.h"

// Field-by-field rules of the award contract (resources.proto), independent of stored state:
// identifiers, resource names, texts, rubric versions, cycles, candidates and assessments. Each
// check adds a violation per offending field, named by its path from `prefix` (e.g.
// `rubric_version.aspects[0].weight`), so a caller learns every problem of a request at once.
namespace paritrana::award {

// `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`: rubric, cycle, candidate and assessor ids.
bool IsResourceId(absl::string_view id);
// `^[a-z][a-z0-9_]{0,62}$`: aspect and indicator ids.
bool IsLowerSnake(absl::string_view id);
// Unicode code points of valid UTF-8 text.
size_t CodePoints(absl::string_view text);

void CheckResourceId(absl::string_view id, const std::string& field, FieldViolations& v);
// Required, 1 to 200 code points, not blank.
void CheckDisplayName(absl::string_view name, const std::string& field, FieldViolations& v);
// Optional free text of at most 2000 code points.
void CheckText(absl::string_view text, const std::string& field, FieldViolations& v);
// The date range of an assessment period: both dates real, years 2000 to 2100, in order.
void CheckDateRange(const v1::DateRange& range, const std::string& field, FieldViolations& v);

// Parsed resource names. Each Parse* returns INVALID_ARGUMENT naming `field` when `name` does not
// have the documented shape.
struct VersionName {
  std::string rubric;  // rubrics/{rubric}
  int32_t version = 0;
};
struct CandidateName {
  std::string cycle;  // cycles/{cycle}
  std::string id;
};
struct AssessmentName {
  std::string cycle;      // cycles/{cycle}
  std::string candidate;  // cycles/{cycle}/candidates/{candidate}
  std::string assessor;
};
struct EvaluationName {
  std::string cycle;  // cycles/{cycle}
  int64_t number = 0;
};
absl::Status ParseRubricName(absl::string_view name, absl::string_view field);
absl::StatusOr<VersionName> ParseVersionName(absl::string_view name, absl::string_view field);
absl::Status ParseCycleName(absl::string_view name, absl::string_view field);
absl::StatusOr<CandidateName> ParseCandidateName(absl::string_view name, absl::string_view field);
absl::StatusOr<AssessmentName> ParseAssessmentName(absl::string_view name, absl::string_view field);
absl::StatusOr<EvaluationName> ParseEvaluationName(absl::string_view name, absl::string_view field);
std::string VersionResourceName(absl::string_view rubric, int32_t version);

// A rubric's client fields: category, display_name, description.
void CheckRubric(const v1::Rubric& rubric, const std::string& prefix, FieldViolations& v);

// Every rule RubricVersion states, for a version of a rubric of `category`.
void CheckRubricVersion(const v1::RubricVersion& version, v1::AwardCategory category,
                        const std::string& prefix, FieldViolations& v);
// Stores the documented defaults: BPJS potential denominator, MEAN jury aggregation.
void NormalizeRubricVersion(v1::RubricVersion& version);
// The indicator with `id`, or null.
const v1::Indicator* FindIndicator(const v1::RubricVersion& version, absl::string_view id);

// An award cycle's client fields that need no stored state: display name, description, year,
// period, scope shape and rubric_versions shape (one per category, well-formed names).
void CheckCycle(const v1::AwardCycle& cycle, const std::string& prefix, FieldViolations& v);
// 1 January to 31 December of `year`.
v1::DateRange DefaultPeriod(int year);

// A candidate's client fields; `creating` also checks the immutable category and subject.
void CheckCandidate(const v1::Candidate& candidate, bool creating, const std::string& prefix,
                    FieldViolations& v);

// An assessment's scores against the jury indicators of `version`.
void CheckScores(const v1::Assessment& assessment, const v1::RubricVersion& version,
                 const std::string& prefix, FieldViolations& v);

}  // namespace paritrana::award
