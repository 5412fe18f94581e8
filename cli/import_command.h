#pragma once

#include <string>

#include "absl/status/status.h"
#include "cli/connection.h"

namespace paritrana::cli {

struct ImportOptions {
  std::string file;    // CSV or JSON Lines; "-" reads JSON Lines from standard input
  std::string format;  // "csv", "jsonl", or "" to go by the file name
  std::string mode = "lenient";
  int batch_size = 1000;
  std::string import_id;     // "" makes a fresh one: rows still match stored records by key
  std::string rejects_file;  // CSV report of rejected rows; "" for none
  bool validate_only = false;
  bool progress = true;
};

// Streams the file's rows to the registry's ImportRecords, showing progress on stderr, writes
// every rejected row (the server's and the ones that did not even parse) to the rejects file,
// and prints the totals. JSON Lines rows are registry.v1.ImportRow in proto3 JSON; CSV files are
// participants, employers or baselines, told apart by their header (see docs/quickstart.md).
absl::Status RunImport(const Connection& connection, const ImportOptions& options);

}  // namespace paritrana::cli
