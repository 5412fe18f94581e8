#include "clients/rubric_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace paritrana::clients {
namespace {

template <typename M>
absl::Status ParsePart(const nlohmann::json& doc, const char* key, absl::string_view source,
                       M* out) {
  if (!doc.contains(key) || !doc[key].is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": \"", key, "\" is required and must be an object"));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(doc[key].dump(), out, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": \"", key, "\": ", std::string(status.message())));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RubricFile> ParseRubricFile(absl::string_view json, absl::string_view source) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a JSON object"));
  }
  for (const auto& [key, _] : doc.items()) {
    if (key != "notice" && key != "rubric_id" && key != "rubric" && key != "version") {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": unknown field \"", key, "\"; expected notice, rubric_id, rubric, version"));
    }
  }
  RubricFile out;
  if (doc.contains("notice")) {
    if (!doc["notice"].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": \"notice\" must be a string"));
    }
    out.notice = doc["notice"].get<std::string>();
  }
  if (!doc.contains("rubric_id") || !doc["rubric_id"].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": \"rubric_id\" must be a string"));
  }
  out.rubric_id = doc["rubric_id"].get<std::string>();
  if (absl::Status s = ParsePart(doc, "rubric", source, &out.rubric); !s.ok()) return s;
  if (absl::Status s = ParsePart(doc, "version", source, &out.version); !s.ok()) return s;
  return out;
}

absl::StatusOr<RubricFile> LoadRubricFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read rubric file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseRubricFile(text.str(), path);
}

}  // namespace paritrana::clients
