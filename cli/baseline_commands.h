#pragma once

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "cli/connection.h"
#include "cli/output.h"

// `paritrana baselines check`: the provinces whose given baseline disagrees with the sum of their
// regencies'/cities' baselines beyond the registry's tolerance (issue 19, "baselines that add
// up"). Such baselines are accepted by the registry; this lists them for whoever maintains them.
namespace paritrana::cli {

struct BaselineCheckArgs {
  int year = 0;        // the year whose applying baselines are checked; 0: this year in Jakarta
  std::string source;  // bpjs-potential, bps-sakernas or regional; "": every source
};

class BaselineCommands {
 public:
  BaselineCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_output);

  bool parsed() const { return baselines_->parsed(); }
  absl::Status Run(const Connection& c, Format format) const;

 private:
  BaselineCheckArgs args_;
  CLI::App* baselines_ = nullptr;
};

// Asks the registry's QueryAggregates for every province on December 31 of the year and prints
// each reported disagreement (of the source asked): province, its baseline, the given figure,
// the children's sum, how many children have a baseline, and the difference. Exit status 0
// whether or not any is found; JSON prints the disagreements as a QueryAggregatesResponse.
absl::Status RunBaselinesCheck(const Connection& c, const BaselineCheckArgs& a, Format format);

}  // namespace paritrana::cli
