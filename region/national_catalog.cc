#include "region/national_catalog.h"

#include <fstream>
#include <functional>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "platform/errors.h"
#include "region/validation.h"

namespace paritrana {
namespace {

constexpr size_t kMaxNameLength = 100;  // Region.display_name's limit (resources.proto)
constexpr absl::string_view kOdblUri = "https://opendatacommons.org/licenses/odbl/1-0/";

// One file of the package, level by level; `columns` is the header line it must have.
struct LevelFile {
  const char* file;
  std::vector<std::string> columns;
  type::v1::RegionLevel level;
};

const std::vector<LevelFile>& LevelFiles() {
  static const auto* files = new std::vector<LevelFile>{
      {"provinces.csv", {"code", "name"}, type::v1::REGION_LEVEL_PROVINCE},
      {"regencies.csv", {"code", "province_code", "name"}, type::v1::REGION_LEVEL_REGENCY},
      {"districts.csv", {"code", "regency_code", "name"}, type::v1::REGION_LEVEL_DISTRICT},
      {"villages.csv", {"code", "district_code", "name"}, type::v1::REGION_LEVEL_VILLAGE},
  };
  return *files;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  return text.str();
}

// A CSV record and the line it starts on (1-based).
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

// Splits RFC 4180 text into records: fields separated by commas, records by LF or CRLF, a field in
// double quotes may hold commas, line breaks and doubled quotes. A final line break is optional.
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text, const std::string& file) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // a UTF-8 byte order mark
  std::vector<CsvRecord> records;
  int line = 1;
  size_t i = 0;
  auto error = [&](absl::string_view what, int at = 0) {
    return absl::InvalidArgumentError(absl::StrCat(file, " line ", at > 0 ? at : line, ": ", what));
  };
  while (i < text.size()) {
    CsvRecord record;
    record.line = line;
    while (true) {  // one field per iteration
      std::string field;
      if (i < text.size() && text[i] == '"') {
        ++i;
        while (true) {
          if (i >= text.size()) return error("quoted field is not closed", record.line);
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field += text[i++];
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return error("a closing quote must end its field");
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') return error("a quote inside an unquoted field");
          field += text[i++];
        }
      }
      record.fields.push_back(std::move(field));
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    if (i < text.size() && text[i] == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n') return error("carriage return without LF");
      ++i;
    }
    if (i < text.size()) {
      ++i;  // the '\n'
      ++line;
    }
    records.push_back(std::move(record));
  }
  return records;
}

absl::Status CheckName(absl::string_view name,
                       const std::function<absl::Status(absl::string_view)>& error) {
  if (name.empty() || absl::StripAsciiWhitespace(name).size() != name.size()) {
    return error("name is empty or has leading or trailing spaces");
  }
  size_t code_points = 0;
  for (unsigned char c : name) {
    if ((c & 0xC0) != 0x80) ++code_points;
    if (c < 0x20 || c == 0x7F) return error("name holds a control character");
  }
  if (code_points > kMaxNameLength) {
    return error(absl::StrCat("name is longer than ", kMaxNameLength, " characters"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NationalCatalogInfo> ReadNationalCatalogInfo(const std::string& dir) {
  const std::string package_path = dir + "/package.json";
  PARITRANA_ASSIGN_OR_RETURN(const std::string package_text, ReadWholeFile(package_path));
  google::protobuf::Struct package;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (auto s = google::protobuf::util::JsonStringToMessage(package_text, &package, options);
      !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(package_path, ": not JSON: ", std::string(s.message())));
  }
  auto text_field = [&](const char* key) -> std::string {
    auto it = package.fields().find(key);
    return it == package.fields().end() ? "" : it->second.string_value();
  };
  const std::string name = text_field("name");
  const std::string version = text_field("version");
  if (name.empty() || version.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(package_path, ": \"name\" and \"version\" are required"));
  }
  // The data's licence: the attribution below is only right while it is the ODbL.
  const std::string license_path = dir + "/data/LICENSE.md";
  PARITRANA_ASSIGN_OR_RETURN(const std::string license, ReadWholeFile(license_path));
  if (!absl::StrContains(license, "Open Database License (ODbL)")) {
    return absl::InvalidArgumentError(absl::StrCat(
        license_path, ": is not the Open Database License; review the new licence before loading"));
  }
  std::string source = text_field("homepage");
  source = source.substr(0, source.find('#'));
  if (source.empty()) source = absl::StrCat("https://www.npmjs.com/package/", name);

  NationalCatalogInfo info;
  info.version = absl::StrCat(name, " ", version);
  // The notice the ODbL (section 4.3) gives as its example, with the URIs spelled out.
  info.attribution = absl::StrCat("Contains information from ", info.version, " (", source,
                                  "), which is made available here under the Open Database "
                                  "License (ODbL) 1.0 (",
                                  kOdblUri, ").");
  return info;
}

absl::StatusOr<NationalCatalog> ReadNationalCatalog(const std::string& dir) {
  NationalCatalog catalog;
  PARITRANA_ASSIGN_OR_RETURN(catalog.info, ReadNationalCatalogInfo(dir));
  absl::flat_hash_set<std::string> upper;  // the codes of the level above
  for (const LevelFile& level : LevelFiles()) {
    const std::string path = absl::StrCat(dir, "/data/", level.file);
    PARITRANA_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path));
    PARITRANA_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(text, path));
    if (records.empty() || records[0].fields != level.columns) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " line 1: the header must be ", absl::StrJoin(level.columns, ",")));
    }
    absl::flat_hash_set<std::string> codes;
    codes.reserve(records.size());
    for (size_t r = 1; r < records.size(); ++r) {
      const CsvRecord& record = records[r];
      auto error = [&](absl::string_view what) {
        return absl::InvalidArgumentError(absl::StrCat(path, " line ", record.line, ": ", what));
      };
      if (record.fields.size() != level.columns.size()) {
        return error(
            absl::StrCat("has ", record.fields.size(), " fields, expected ", level.columns.size()));
      }
      absl::StatusOr<RegionCode> code = ParseRegionCode(record.fields[0]);
      if (!code.ok()) return error(absl::StrCat("code: ", code.status().message()));
      if (code->level != level.level) return error("code is not of this file's level");
      if (level.columns.size() == 3) {
        if (record.fields[1] != code->parent) {
          return error(absl::StrCat(level.columns[1], " is not the code's parent ", code->parent));
        }
        if (!upper.contains(code->parent)) {
          return error(absl::StrCat("parent ", code->parent, " is not listed one level up"));
        }
      }
      const std::string& name = record.fields.back();
      PARITRANA_RETURN_IF_ERROR(CheckName(name, error));
      if (!codes.insert(code->code).second) return error(absl::StrCat("repeats ", code->code));
      catalog.regions.push_back({code->code, name, code->parent, code->level});
    }
    upper = std::move(codes);
  }
  return catalog;
}

}  // namespace paritrana
