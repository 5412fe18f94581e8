// Rubric files (clients/rubric_file.h), as `--rubric_files` and `paritrana award rubric
// load` read them, then the content rules the service applies when it installs one
// (services/award/rules.h). Never a crash, only INVALID_ARGUMENT; a file that parses writes back
// to a file that parses to the same rubric.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/rubric_file.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "platform/errors.h"
#include "services/award/rules.h"
#include "tests/fuzz/fuzz_support.h"

using google::protobuf::util::MessageDifferencer;
using paritrana::clients::RubricFile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<RubricFile> file = paritrana::clients::ParseRubricFile(text, "fuzz.json");
  if (!file.ok()) {
    PARITRANA_FUZZ_CHECK(file.status().code() == absl::StatusCode::kInvalidArgument,
                         file.status().ToString());
    return 0;
  }

  // Written back (as a committee's tool would) and read again: the same rubric.
  std::string rubric_json, version_json;
  PARITRANA_FUZZ_CHECK(google::protobuf::util::MessageToJsonString(file->rubric, &rubric_json).ok(),
                       text);
  PARITRANA_FUZZ_CHECK(
      google::protobuf::util::MessageToJsonString(file->version, &version_json).ok(), text);
  std::string id_json;
  PARITRANA_FUZZ_CHECK(google::protobuf::util::MessageToJsonString(
                           [&] {
                             google::protobuf::Value v;
                             v.set_string_value(file->rubric_id);
                             return v;
                           }(),
                           &id_json)
                           .ok(),
                       text);
  const std::string again_text = absl::StrCat(R"({"rubric_id":)", id_json, R"(,"rubric":)",
                                              rubric_json, R"(,"version":)", version_json, "}");
  absl::StatusOr<RubricFile> again = paritrana::clients::ParseRubricFile(again_text, "again.json");
  PARITRANA_FUZZ_CHECK(again.ok(), again.status().ToString() + " " + again_text);
  PARITRANA_FUZZ_CHECK(again->rubric_id == file->rubric_id, again_text);
  PARITRANA_FUZZ_CHECK(MessageDifferencer::Equals(again->rubric, file->rubric), again_text);
  PARITRANA_FUZZ_CHECK(MessageDifferencer::Equals(again->version, file->version), again_text);

  // The content rules: violations are reported, never a crash.
  paritrana::FieldViolations violations;
  paritrana::award::CheckResourceId(file->rubric_id, "rubric_id", violations);
  paritrana::award::CheckRubric(file->rubric, "rubric", violations);
  paritrana::award::CheckRubricVersion(file->version, file->rubric.category(), "version",
                                       violations);
  const absl::Status status = violations.ToStatus();
  PARITRANA_FUZZ_CHECK(paritrana::fuzz::CodeIn(status, {absl::StatusCode::kInvalidArgument}),
                       status.ToString());
  if (status.ok()) paritrana::award::NormalizeRubricVersion(file->version);
  return 0;
}
