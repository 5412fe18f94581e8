#pragma once

#include <string>
#include <vector>

#include "google/protobuf/message.h"

namespace paritrana::cli {

enum class Format { kTable, kJson, kCsv };

// Rows of text cells with a header, printed as an aligned table or CSV; or, for JSON, the
// response message itself in proto3 JSON.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

void Print(Format format, const Table& table, const google::protobuf::Message& message);

std::string Percent(double ratio_percent);
// The cells of one CSV line (RFC 4180 quoting; no line breaks inside cells).
std::vector<std::string> SplitCsv(const std::string& line);
std::string Thousands(int64_t n);  // 518632 -> "518,632"

}  // namespace paritrana::cli
