#include "cli/output.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"

namespace paritrana::cli {
namespace {

std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Display width of a UTF-8 string (code points; good enough for Latin text).
size_t Width(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

}  // namespace

void Print(Format format, const Table& table, const google::protobuf::Message& message) {
  if (format == Format::kJson) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(message, &json, options);
    std::cout << json;
    return;
  }
  if (format == Format::kCsv) {
    auto line = [](const std::vector<std::string>& cells) {
      std::vector<std::string> quoted;
      for (const auto& c : cells) quoted.push_back(CsvCell(c));
      std::cout << absl::StrJoin(quoted, ",") << "\n";
    };
    line(table.header);
    for (const auto& row : table.rows) line(row);
    return;
  }
  std::vector<size_t> widths(table.header.size(), 0);
  auto measure = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], Width(cells[i]));
    }
  };
  measure(table.header);
  for (const auto& row : table.rows) measure(row);
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      const size_t pad = widths[i] - Width(cells[i]);
      // Text left-aligned in the first column, figures right-aligned elsewhere.
      out += i == 0 ? cells[i] + std::string(pad, ' ') : std::string(pad, ' ') + cells[i];
      if (i + 1 < cells.size()) out += "  ";
    }
    out.erase(out.find_last_not_of(' ') + 1);
    std::cout << out << "\n";
  };
  line(table.header);
  for (const auto& row : table.rows) line(row);
}

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  return cells;
}

std::string Percent(double ratio_percent) { return absl::StrFormat("%.2f%%", ratio_percent); }

std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace paritrana::cli
