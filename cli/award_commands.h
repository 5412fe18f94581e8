#pragma once

#include <functional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "cli/connection.h"
#include "cli/output.h"

// `paritrana award ...`: run an award cycle from the command line against the award service
// (rubric files, cycles, candidates, jury scores from CSV, evaluation, ranking, publication).
namespace paritrana::cli {

// What the award subcommands were given on the command line.
struct AwardArgs {
  std::string file;                          // rubric load, scores set
  std::string rubric_id;                     // rubric load: overrides the file's rubric_id
  std::string cycle;                         // `2024-jambi` or `cycles/2024-jambi`
  int year = 0;                              // cycle create
  std::string province;                      // cycle create: `15` or `regions/15`
  std::vector<std::string> zone;             // cycle create: a national round's provinces
  std::string zone_name;                     // cycle create: the zone's display name
  std::vector<std::string> rubric_versions;  // cycle create
  std::string category;                      // `regency`, ... or AWARD_CATEGORY_...
  std::string period_start, period_end;      // cycle create, YYYY-MM-DD
  std::string display_name;                  // cycle create
  std::vector<std::string> subjects;         // candidates add: regions or employers/{npp}
  std::string all_children;                  // candidates add: every child region of this one
  std::string source_cycle;                  // candidates promote: the provincial cycle
  int top = 0;                               // candidates promote: 0 means the server's 3
  std::vector<std::string> categories;       // candidates promote: empty means all shared
  std::string assessor;                      // scores set
  std::string evaluation;                    // show, publish: `3` or the full name
  std::string candidate;                     // show: one candidate's full breakdown
  int reasons = 3;                           // show: top reasons per ranked candidate
};

// Registers `award` and its subcommands on `app`. `add_output` adds the -o/--output option.
class AwardCommands {
 public:
  AwardCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_output);

  // Whether `award` was given on the command line.
  bool parsed() const { return award_->parsed(); }
  // Runs the parsed subcommand.
  absl::Status Run(const Connection& c, Format format) const;

 private:
  AwardArgs args_;
  CLI::App* award_ = nullptr;
  CLI::App* rubric_load_ = nullptr;
  CLI::App* cycle_create_ = nullptr;
  CLI::App* candidates_add_ = nullptr;
  CLI::App* candidates_promote_ = nullptr;
  CLI::App* scores_set_ = nullptr;
  CLI::App* evaluate_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* publish_ = nullptr;
};

// The subcommands, callable directly (the CLI's wiring above calls them).
absl::Status RunRubricLoad(const Connection& c, const AwardArgs& a, Format f);
absl::Status RunCycleCreate(const Connection& c, const AwardArgs& a, Format f);
absl::Status RunCandidatesAdd(const Connection& c, const AwardArgs& a, Format f);
absl::Status RunCandidatesPromote(const Connection& c, const AwardArgs& a, Format f);
absl::Status RunScoresSet(const Connection& c, const AwardArgs& a, Format f);
absl::Status RunEvaluate(const Connection& c, const AwardArgs& a, Format f);
absl::Status RunShow(const Connection& c, const AwardArgs& a, Format f);
absl::Status RunPublish(const Connection& c, const AwardArgs& a, Format f);

}  // namespace paritrana::cli
