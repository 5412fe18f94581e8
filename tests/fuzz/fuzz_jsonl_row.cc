// JSON Lines import rows: `paritrana import --format=jsonl` parses each line with
// JsonStringToMessage into a registry.v1.ImportRow (cli/import_command.cc). Parsing must never
// crash, and a row that parses prints back to JSON that parses to the same row.
#include <cstddef>
#include <cstdint>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "paritrana/registry/v1/registry.pb.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The CLI refuses longer lines before parsing (kMaxLineBytes, 1 MiB); stay well under.
  if (size > 64 * 1024) return 0;
  const std::string line(reinterpret_cast<const char*>(data), size);
  paritrana::registry::v1::ImportRow row;
  if (!google::protobuf::util::JsonStringToMessage(line, &row).ok()) return 0;

  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(row, &json);
  PARITRANA_FUZZ_CHECK(printed.ok(), printed.ToString());
  paritrana::registry::v1::ImportRow again;
  const auto reparsed = google::protobuf::util::JsonStringToMessage(json, &again);
  PARITRANA_FUZZ_CHECK(reparsed.ok(), reparsed.ToString() + " " + json);
  PARITRANA_FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(row, again), json);
  return 0;
}
