// paritrana: the command-line client of the Paritrana suite.
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "cli/audit_commands.h"
#include "cli/award_commands.h"
#include "cli/baseline_commands.h"
#include "cli/connection.h"
#include "cli/coverage_commands.h"
#include "cli/demo_data.h"
#include "cli/import_command.h"
#include "google/protobuf/util/json_util.h"

namespace {

using paritrana::cli::Connection;
using paritrana::cli::CoverageQuery;
using paritrana::cli::Format;

// A service that refuses the CLI's TLS (no client certificate where it requires one, one from a
// CA it does not trust, or --plaintext to a TLS port) just closes the connection, and gRPC
// reports nothing but "Socket closed"; say what is most likely wrong.
std::string TlsHint(const Connection& c, const absl::Status& s) {
  if (s.code() != absl::StatusCode::kUnavailable ||
      !absl::StrContains(s.message(), "Socket closed")) {
    return "";
  }
  if (c.tls.plaintext) return "the service may require TLS: give --tls_ca instead of --plaintext";
  if (c.tls.cert_file.empty()) {
    return "the service may require a client certificate (mutual TLS): give --tls_cert and "
           "--tls_key";
  }
  return "the service may not accept this client certificate: it must be signed by the CA in the "
         "service's --tls_ca";
}

int Finish(const Connection& c, const absl::Status& s) {
  if (s.ok()) return 0;
  std::cerr << "paritrana: " << s.message() << "\n";
  if (const std::string hint = TlsHint(c, s); !hint.empty()) {
    std::cerr << "paritrana: " << hint << "\n";
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "paritrana: import registry data and read coverage and award results from the Paritrana "
      "services.\nEvery option also reads the environment variable shown beside it."};
  app.require_subcommand(1);
  Connection conn;
  app.add_option("--registry", conn.registry, "registry address HOST:PORT")
      ->envname("PARITRANA_REGISTRY")
      ->capture_default_str();
  app.add_option("--coverage", conn.coverage, "coverage address HOST:PORT")
      ->envname("PARITRANA_COVERAGE")
      ->capture_default_str();
  app.add_option("--award", conn.award, "award address HOST:PORT")
      ->envname("PARITRANA_AWARD")
      ->capture_default_str();
  // TLS options carry the services' flag names and variables (platform/tls.h).
  app.add_flag("--plaintext", conn.tls.plaintext, "connect without TLS")
      ->envname("PARITRANA_PLAINTEXT");
  app.add_option("--tls_ca", conn.tls.ca_file,
                 "PEM CA bundle to verify the services (default: the system's roots)")
      ->envname("PARITRANA_TLS_CA");
  app.add_option("--tls_cert", conn.tls.cert_file,
                 "PEM client certificate chain, for services that require mutual TLS")
      ->envname("PARITRANA_TLS_CERT");
  app.add_option("--tls_key", conn.tls.key_file, "PEM private key of --tls_cert")
      ->envname("PARITRANA_TLS_KEY");
  // The old spelling, kept working for existing scripts but hidden (no group) from --help.
  // Defined after --tls_ca so that, given on the command line, it wins over PARITRANA_TLS_CA.
  app.add_option("--tls-ca", conn.tls.ca_file, "deprecated spelling of --tls_ca")->group("");
  app.add_option("--token", conn.token, "bearer token sent with every call")
      ->envname("PARITRANA_TOKEN");
  app.add_option("--timeout", conn.timeout_seconds, "deadline of each call, in seconds")
      ->envname("PARITRANA_TIMEOUT")
      ->capture_default_str();

  std::string output = "table";
  auto add_output = [&](CLI::App* cmd) {
    cmd->add_option("-o,--output", output, "table, json or csv")
        ->check(CLI::IsMember({"table", "json", "csv"}))
        ->capture_default_str();
  };
  auto format = [&] {
    return output == "json" ? Format::kJson : output == "csv" ? Format::kCsv : Format::kTable;
  };

  paritrana::cli::ImportOptions import;
  auto* import_cmd = app.add_subcommand(
      "import",
      "Stream a CSV or JSON Lines file into the registry, with progress and a rejected-rows "
      "report.\n  example: paritrana import workers.csv --rejects rejects.csv");
  import_cmd->add_option("file", import.file, "CSV or JSON Lines file, or - for stdin (JSON Lines)")
      ->required();
  import_cmd->add_option("--format", import.format, "csv or jsonl (default: by file name)");
  import_cmd
      ->add_option("--mode", import.mode,
                   "lenient (skip bad rows) or strict (a batch "
                   "with a bad row writes nothing)")
      ->check(CLI::IsMember({"lenient", "strict"}))
      ->capture_default_str();
  import_cmd->add_option("--batch-size", import.batch_size, "rows per transaction")
      ->capture_default_str();
  import_cmd->add_option("--import-id", import.import_id,
                         "idempotency key: the same id is applied once");
  import_cmd->add_option("--rejects", import.rejects_file, "write rejected rows to this CSV");
  import_cmd->add_flag("--validate-only", import.validate_only, "check every row, write nothing");
  bool quiet = false;
  import_cmd->add_flag("-q,--quiet", quiet, "no progress line");

  CoverageQuery q;
  auto* coverage_cmd = app.add_subcommand(
      "coverage",
      "Coverage of a region on a date, by segment, programme and funding source.\n"
      "  example: paritrana coverage 15.04 --date 2024-08-12");
  coverage_cmd->add_option("region", q.region, "region code, e.g. 15 or 15.04")->required();
  coverage_cmd->add_option("--date", q.date, "YYYY-MM-DD (default: today in Asia/Jakarta)");
  coverage_cmd->add_option("--segment", q.segment, "PU, BPU, JAKON or PMI");
  coverage_cmd->add_option("--target-year", q.target_year,
                           "measure progress against this year's target (default: the date's)");
  add_output(coverage_cmd);

  std::string order = "ratio";
  auto* rank_cmd =
      app.add_subcommand("rank",
                         "Rank a region's children by coverage, gap to target or active workers.\n"
                         "  example: paritrana rank 15 --date 2024-08-12 --order ratio");
  rank_cmd->add_option("region", q.region, "parent region code, e.g. 15")->required();
  rank_cmd->add_option("--date", q.date, "YYYY-MM-DD (default: today)");
  rank_cmd->add_option("--segment", q.segment, "PU, BPU, JAKON or PMI");
  rank_cmd->add_option("--order", order, "ratio, ratio-asc, gap or active")->capture_default_str();
  add_output(rank_cmd);

  std::string from, to;
  auto* trend_cmd = app.add_subcommand("trend",
                                       "Monthly coverage between two months.\n"
                                       "  example: paritrana trend 15 --from 2024-01 --to 2024-08");
  trend_cmd->add_option("region", q.region, "region code")->required();
  trend_cmd->add_option("--from", from, "first month, YYYY-MM")->required();
  trend_cmd->add_option("--to", to, "last month, YYYY-MM")->required();
  trend_cmd->add_option("--segment", q.segment, "PU, BPU, JAKON or PMI");
  add_output(trend_cmd);

  int year = 2025;
  auto* gap_cmd = app.add_subcommand(
      "gap",
      "Workers still to enroll to reach a year's target, for a region and its children.\n"
      "  example: paritrana gap 15 --year 2025 --date 2024-08-12");
  gap_cmd->add_option("region", q.region, "region code")->required();
  gap_cmd->add_option("--year", year, "target year")->capture_default_str();
  gap_cmd->add_option("--date", q.date, "count workers on this day, YYYY-MM-DD (default: today)");
  add_output(gap_cmd);

  paritrana::cli::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand(
      "demo-data",
      "Write the synthetic Jambi demo dataset (or with --national N the national one) as JSON\n"
      "Lines import rows to stdout.\n"
      "  example: paritrana demo-data --scale 0.05 | paritrana import -");
  demo_cmd->add_option("--seed", demo.seed, "random seed")->capture_default_str();
  demo_cmd->add_option("--scale", demo.scale, "1.0 is Jambi's real size")->capture_default_str();
  demo_cmd->add_option("--national", demo.national,
                       "the national dataset with N registered persons instead of Jambi");
  demo_cmd->add_option("--region_catalog", demo.region_catalog,
                       "idn-area-data directory: use its real regions (the registry must hold "
                       "them); default: synthetic districts and villages in Jambi");

  paritrana::cli::AwardCommands award(app, add_output);
  paritrana::cli::AuditCommands audit(app, add_output);
  paritrana::cli::BaselineCommands baselines(app, add_output);

  CLI11_PARSE(app, argc, argv);

  // Every command but demo-data calls a service: bad TLS files are reported before any call.
  if (!*demo_cmd) {
    if (absl::Status s = conn.LoadCredentials(); !s.ok()) return Finish(conn, s);
  }
  if (*import_cmd) {
    import.progress = !quiet;
    return Finish(conn, paritrana::cli::RunImport(conn, import));
  }
  q.format = format();
  if (*coverage_cmd) return Finish(conn, paritrana::cli::RunCoverage(conn, q));
  if (*rank_cmd) return Finish(conn, paritrana::cli::RunRank(conn, q, order));
  if (*trend_cmd) return Finish(conn, paritrana::cli::RunTrend(conn, q, from, to));
  if (*gap_cmd) return Finish(conn, paritrana::cli::RunGap(conn, q, year));
  if (award.parsed()) return Finish(conn, award.Run(conn, format()));
  if (audit.parsed()) return Finish(conn, audit.Run(conn, format()));
  if (baselines.parsed()) return Finish(conn, baselines.Run(conn, format()));
  if (*demo_cmd) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    const absl::Status status =
        paritrana::cli::GenerateDemoRows(demo, [&](const paritrana::registry::v1::ImportRow& row) {
          json.clear();
          (void)google::protobuf::util::MessageToJsonString(row, &json, options);
          std::cout << json << '\n';
        });
    if (!status.ok()) {
      std::cerr << "demo-data: " << status.message() << '\n';
      return 1;
    }
    return 0;
  }
  return 1;
}
