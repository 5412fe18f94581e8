#pragma once

#include "absl/strings/string_view.h"

// Every flag `--name` can also be set by the environment variable PARITRANA_NAME (upper case);
// a flag on the command line wins over the environment. docs/operations.md lists them all, and
// so does `--help`.
namespace paritrana {

// Applies PARITRANA_* environment variables, then parses the command line. Exits with a clear
// message on an unknown flag or a value that does not parse. `--help` (also -h, --helpfull)
// prints `usage` and every flag of the binary with its variable and default, and exits 0.
void ParseFlags(int argc, char** argv, absl::string_view usage);

}  // namespace paritrana
