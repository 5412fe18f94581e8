#include "platform/flags.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace paritrana {
namespace {

std::string EnvName(absl::string_view flag) { return "PARITRANA_" + absl::AsciiStrToUpper(flag); }

// Abseil's own flags (--help, --flagfile, --undefok, ...) are defined in its sources; every other
// flag linked into the binary is one of ours, wherever it is defined (platform/, security/, the
// service's main.cc).
bool IsAbseilFlag(const absl::CommandLineFlag& flag) {
  return absl::StrContains(flag.Filename(), "absl/");
}

bool WantsHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") return false;  // what follows is not a flag
    if (arg == "--help" || arg == "-help" || arg == "-h" || arg == "--helpfull" ||
        arg == "-helpfull") {
      return true;
    }
  }
  return false;
}

// Abseil's --help lists only flags defined in the main file (its default filter), so a service
// whose flags live in platform/ printed "No flags matched", and it exits 1. This lists them all,
// sorted, each with its environment variable and default, and the caller exits 0.
void PrintHelp(absl::string_view usage) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& entry : absl::GetAllFlags()) {
    if (!IsAbseilFlag(*entry.second)) flags.push_back(entry.second);
  }
  std::sort(flags.begin(), flags.end(),
            [](const absl::CommandLineFlag* a, const absl::CommandLineFlag* b) {
              return a->Name() < b->Name();
            });
  std::cout << usage << "\n\nFlags (environment variable, default); the command line wins:\n";
  for (const absl::CommandLineFlag* f : flags) {
    std::string default_value = f->DefaultValue();
    if (default_value.empty()) default_value = "\"\"";
    std::cout << "  --" << f->Name() << "  (" << EnvName(f->Name())
              << ", default: " << default_value << ")\n      " << f->Help() << "\n";
  }
}

}  // namespace

void ParseFlags(int argc, char** argv, absl::string_view usage) {
  absl::SetProgramUsageMessage(usage);
  if (WantsHelp(argc, argv)) {
    PrintHelp(usage);
    std::exit(0);
  }
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string env = EnvName(name);
    const char* value = std::getenv(env.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::fprintf(stderr, "invalid %s: %s\n", env.c_str(), error.c_str());
      std::exit(2);
    }
  }
  absl::ParseCommandLine(argc, argv);
}

}  // namespace paritrana
