#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "paritrana/award/v1/resources.pb.h"

// Rubric files: a rubric and the content of its first version in one JSON document, so a
// committee can keep its rubric under version control and install it with --rubric_files (or
// read it in a test). Shape:
//   {
//     "notice": "free text: where the rubric comes from, what is configurable",
//     "rubric_id": "regency-government",
//     "rubric": { ...paritrana.award.v1.Rubric in proto JSON... },
//     "version": { ...paritrana.award.v1.RubricVersion in proto JSON... }
//   }
// Unknown fields are errors, so a misspelt field never silently drops a rule.
namespace paritrana::clients {

struct RubricFile {
  std::string notice;
  std::string rubric_id;
  award::v1::Rubric rubric;
  award::v1::RubricVersion version;
};

// INVALID_ARGUMENT naming the part that does not parse. Only the shape is checked here; the
// content is validated by the service when it is installed (or by CheckRubricVersion).
absl::StatusOr<RubricFile> ParseRubricFile(absl::string_view json, absl::string_view source);
absl::StatusOr<RubricFile> LoadRubricFile(const std::string& path);

}  // namespace paritrana::clients
