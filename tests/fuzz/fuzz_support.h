#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"

// Helpers shared by the libFuzzer targets in tests/fuzz. An invariant that does not hold aborts,
// which libFuzzer reports as a crash and saves the input that caused it.
namespace paritrana::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* what,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s %s\n", file, line, what, detail.c_str());
  std::abort();
}

// True when `status` is OK or one of `allowed`.
inline bool CodeIn(const absl::Status& status, std::initializer_list<absl::StatusCode> allowed) {
  if (status.ok()) return true;
  for (absl::StatusCode code : allowed) {
    if (status.code() == code) return true;
  }
  return false;
}

// The codes a request may be answered with when it is wrong or conflicts with what is stored.
// INTERNAL, UNKNOWN, DATA_LOSS... mean the rules let a bad request through to a layer that broke.
inline bool IsRequestError(const absl::Status& status) {
  return CodeIn(status, {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
                         absl::StatusCode::kAlreadyExists, absl::StatusCode::kFailedPrecondition,
                         absl::StatusCode::kOutOfRange, absl::StatusCode::kAborted,
                         absl::StatusCode::kResourceExhausted});
}

[[noreturn]] inline void Fail(const char* file, int line, const char* what,
                              const std::string& detail);

// Runs every request of a seed file (registry_requests.textproto, award_requests.textproto) as an
// input of `run`, in file order, so that the records the seeds refer to exist whatever order
// libFuzzer runs its corpus in.
inline void ReplaySeedFile(const std::string& path,
                           const std::function<void(const uint8_t*, size_t)>& run) {
  std::ifstream in(path);
  if (!in) Fail(__FILE__, __LINE__, "cannot read", path);
  std::stringstream text;
  text << in.rdbuf();
  for (absl::string_view block : absl::StrSplit(text.str(), "\n#@ ")) {
    if (absl::StartsWith(block, "#")) continue;  // the file's leading comment
    const size_t eol = block.find('\n');
    std::vector<std::string> header = absl::StrSplit(block.substr(0, eol), ' ');
    int selector = 0;
    const auto* type =
        header.size() == 3
            ? google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(header[2])
            : nullptr;
    if (type == nullptr || !absl::SimpleAtoi(header[1], &selector)) {
      Fail(__FILE__, __LINE__, "bad seed header", std::string(block.substr(0, eol)));
    }
    std::unique_ptr<google::protobuf::Message> message(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
    if (!google::protobuf::TextFormat::ParseFromString(std::string(block.substr(eol + 1)),
                                                       message.get())) {
      Fail(__FILE__, __LINE__, "bad seed", header[0]);
    }
    const std::string bytes =
        std::string(1, static_cast<char>(selector)) + message->SerializeAsString();
    run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
}

// The request targets' input: the first byte picks a method (its top bit is the method's flag,
// e.g. a caller with more rights), the rest is that method's serialized request.
using RequestMethod = std::function<void(const std::string& bytes, bool flag)>;
inline void DispatchRequest(const std::vector<RequestMethod>& methods, const uint8_t* data,
                            size_t size) {
  if (size == 0) return;
  const RequestMethod& method = methods[(data[0] & 0x7f) % methods.size()];
  method(std::string(reinterpret_cast<const char*>(data) + 1, size - 1), (data[0] & 0x80) != 0);
}

}  // namespace paritrana::fuzz

#define PARITRANA_FUZZ_CHECK(cond, detail) \
  ((cond) ? (void)0 : ::paritrana::fuzz::Fail(__FILE__, __LINE__, #cond, (detail)))

namespace paritrana::fuzz {

// A fresh folder under $TMPDIR (or /tmp) named after `name`, removed when the process exits: the
// store of a fuzzer that drives a service.
inline std::string MakeFuzzDir(const std::string& name) {
  static std::vector<std::string>* dirs = new std::vector<std::string>();
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") +
                        "/paritrana-fuzz-" + name + "-XXXXXX";
  PARITRANA_FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr, pattern);
  if (dirs->empty()) {
    std::atexit([] {
      for (const std::string& d : *dirs) std::filesystem::remove_all(d);
    });
  }
  dirs->push_back(pattern);
  return pattern;
}

}  // namespace paritrana::fuzz

// The libFuzzer entry points of a request fuzzer: `env()` builds the service once, the requests of
// `seed_file` are replayed at start (so the records the seeds refer to exist), and every input
// goes through DispatchRequest(methods()). Requests with invalid UTF-8 in string fields do not
// parse; protobuf would log each one, so its log handler is off.
#define PARITRANA_REQUEST_FUZZER(seed_file, env, methods)                   \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    paritrana::fuzz::DispatchRequest(methods(), data, size);                \
    return 0;                                                               \
  }                                                                         \
  extern "C" int LLVMFuzzerInitialize(int*, char***) {                      \
    google::protobuf::SetLogHandler(nullptr);                               \
    env();                                                                  \
    paritrana::fuzz::ReplaySeedFile(seed_file, LLVMFuzzerTestOneInput);     \
    return 0;                                                               \
  }
