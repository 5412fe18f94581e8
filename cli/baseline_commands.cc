#include "cli/baseline_commands.h"

#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"

namespace paritrana::cli {
namespace {

namespace rv1 = registry::v1;

// The year of today in Asia/Jakarta (UTC+7 all year round), the registry's calendar.
int ThisYearInJakarta() {
  return static_cast<int>(absl::ToCivilYear(absl::Now(), absl::FixedTimeZone(7 * 3600)).year());
}

std::optional<type::v1::DenominatorSource> SourceOf(const std::string& slug) {
  if (slug == "bpjs-potential") return type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL;
  if (slug == "bps-sakernas") return type::v1::DENOMINATOR_SOURCE_BPS_SAKERNAS;
  if (slug == "regional") return type::v1::DENOMINATOR_SOURCE_REGIONAL;
  return std::nullopt;
}

}  // namespace

BaselineCommands::BaselineCommands(CLI::App& app,
                                   const std::function<void(CLI::App*)>& add_output) {
  baselines_ = app.add_subcommand("baselines", "Check the registry's workforce baselines.");
  baselines_->require_subcommand(1);
  CLI::App* check = baselines_->add_subcommand(
      "check",
      "List the provinces whose own baseline disagrees with the sum of their regencies' and\n"
      "cities' baselines of the same source and year beyond the registry's tolerance\n"
      "(--baseline_tolerance_percent). The baselines checked are those applying to the year.\n"
      "  example: paritrana baselines check --year 2025 --source bpjs-potential");
  check->add_option("--year", args_.year, "the year (default: this year in Asia/Jakarta)");
  check->add_option("--source", args_.source, "only this source (default: every source)")
      ->check(CLI::IsMember({"bpjs-potential", "bps-sakernas", "regional"}));
  add_output(check);
}

absl::Status BaselineCommands::Run(const Connection& c, Format format) const {
  return RunBaselinesCheck(c, args_, format);
}

absl::Status RunBaselinesCheck(const Connection& c, const BaselineCheckArgs& a, Format format) {
  const int year = a.year != 0 ? a.year : ThisYearInJakarta();
  if (year < 2000 || year > 2100) {
    return absl::InvalidArgumentError(absl::StrCat("--year must be 2000 to 2100, got ", year));
  }
  std::optional<type::v1::DenominatorSource> source;
  if (!a.source.empty()) {
    source = SourceOf(a.source);
    if (!source) {
      return absl::InvalidArgumentError(
          "--source must be bpjs-potential, bps-sakernas or regional");
    }
  }
  auto stub = rv1::RegistryService::NewStub(c.Channel(c.registry));
  // Every province (an empty parent lists them), page by page.
  std::map<std::string, std::string> names;  // region name -> display name
  rv1::QueryAggregatesRequest query;
  rv1::ListRegionsRequest list;
  list.set_page_size(1000);
  do {
    rv1::ListRegionsResponse page;
    grpc::Status s = stub->ListRegions(c.Context().get(), list, &page);
    if (!s.ok()) return FromGrpcStatus(s);
    for (const rv1::Region& r : page.regions()) {
      names[r.name()] = r.display_name();
      query.add_regions(r.name());
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());

  rv1::QueryAggregatesResponse found;  // only its disagreements, for -o json
  if (query.regions_size() > 0) {
    query.add_dates()->set_year(year);
    query.mutable_dates(0)->set_month(12);
    query.mutable_dates(0)->set_day(31);
    rv1::QueryAggregatesResponse answer;
    grpc::Status s = stub->QueryAggregates(c.Context().get(), query, &answer);
    if (!s.ok()) return FromGrpcStatus(s);
    std::map<std::string, const rv1::WorkforceBaseline*> baselines;
    for (const rv1::WorkforceBaseline& b : answer.baselines()) baselines[b.name()] = &b;
    for (const rv1::BaselineDisagreement& d : answer.baseline_disagreements()) {
      auto b = baselines.find(d.baseline());
      if (source && (b == baselines.end() || b->second->source() != *source)) continue;
      *found.add_baseline_disagreements() = d;
    }
  }

  Table t;
  t.header = {"province",  "code", "baseline", "given", "children sum", "children with baseline",
              "difference"};
  for (const rv1::BaselineDisagreement& d : found.baseline_disagreements()) {
    const std::string province = d.baseline().substr(0, d.baseline().find("/baselines/"));
    const std::string id = d.baseline().substr(d.baseline().rfind('/') + 1);
    t.rows.push_back({names[province], province.substr(8), id,
                      Thousands(d.given_potential_workers()),
                      Thousands(d.children_potential_workers()),
                      absl::StrCat(d.children_with_baseline(), " / ", d.children()),
                      Percent(d.difference_percent())});
  }
  Print(format, t, found);
  if (format == Format::kTable && t.rows.empty()) {
    std::cout << "no province's baseline applying to " << year
              << " disagrees with its regencies' and cities' beyond the registry's tolerance\n";
  }
  return absl::OkStatus();
}

}  // namespace paritrana::cli
