// The CLI's CSV line splitter (cli/output.h SplitCsv), which `paritrana import --format=csv`
// applies to every line. It must never crash; and whatever cells it returns, quoting them the
// RFC 4180 way and splitting again gives the same cells back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "cli/output.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One line, as std::getline gives it to the importer.
  std::string line(reinterpret_cast<const char*>(data), size);
  line = line.substr(0, line.find('\n'));
  const std::vector<std::string> cells = paritrana::cli::SplitCsv(line);
  PARITRANA_FUZZ_CHECK(!cells.empty(), line);
  size_t total = 0;
  for (const std::string& cell : cells) total += cell.size();
  PARITRANA_FUZZ_CHECK(total + cells.size() - 1 <= line.size(), line);

  std::vector<std::string> quoted;
  for (const std::string& cell : cells) {
    quoted.push_back("\"" + absl::StrReplaceAll(cell, {{"\"", "\"\""}}) + "\"");
  }
  const std::string again = absl::StrJoin(quoted, ",");
  PARITRANA_FUZZ_CHECK(paritrana::cli::SplitCsv(again) == cells, line + " -> " + again);
  return 0;
}
