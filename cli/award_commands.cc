#include "cli/award_commands.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "clients/rubric_file.h"
#include "google/protobuf/util/message_differencer.h"
#include "paritrana/award/v1/award.grpc.pb.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"

namespace paritrana::cli {
namespace {

namespace av1 = award::v1;
namespace rv1 = registry::v1;
using Stub = av1::AwardService::Stub;

// ---------------------------------------------------------------------------------------------
// Small helpers

// A server error as an absl::Status whose message lists every field violation and the reason.
absl::Status FromWire(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  absl::Status status = FromGrpcStatus(s);
  std::string out(status.message());
  // FAILED_PRECONDITION and the like: the reason tells what to do (e.g. CYCLE_PUBLISHED).
  if (auto info = GetErrorInfo(status);
      info && status.code() != absl::StatusCode::kInvalidArgument && !info->reason().empty() &&
      info->reason() != absl::StatusCodeToString(status.code()) &&
      !absl::StrContains(out, info->reason())) {
    absl::StrAppend(&out, " (", info->reason(), ")");
  }
  if (auto bad = GetBadRequest(status)) {
    for (const auto& v : bad->field_violations()) {
      const std::string line = absl::StrCat(v.field(), ": ", v.description());
      if (!absl::StrContains(out, line)) absl::StrAppend(&out, "\n  ", line);
    }
  }
  return absl::Status(status.code(), out);
}

absl::Status Prefixed(absl::string_view prefix, const absl::Status& s,
                      absl::string_view suffix = "") {
  return absl::Status(s.code(), absl::StrCat(prefix, s.message(), suffix));
}

// "; 3 registered before this error" when some calls succeeded before one failed.
std::string DoneBefore(int n, absl::string_view what) {
  return n == 0 ? "" : absl::StrCat("\n(", n, " ", what, " before this error)");
}

std::string CycleName(const std::string& c) {
  return absl::StartsWith(c, "cycles/") ? c : "cycles/" + c;
}
std::string CycleId(const std::string& c) { return std::string(absl::StripPrefix(c, "cycles/")); }

// `15.08`, `regions/15.08` and `employers/123` as subject resource names.
std::string SubjectName(const std::string& s) {
  if (absl::StartsWith(s, "regions/") || absl::StartsWith(s, "employers/")) return s;
  return "regions/" + s;
}
// The subject as shown in tables: the region code, or the employer name.
std::string ShortSubject(const std::string& s) {
  return std::string(absl::StripPrefix(s, "regions/"));
}

// A random request id (idempotency key) for one call and its retries.
std::string RequestId() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  return absl::StrFormat("cli-%016x%016x", rng(), rng());
}

absl::StatusOr<av1::AwardCategory> ParseCategory(const std::string& text) {
  static const std::map<std::string, av1::AwardCategory> kShort = {
      {"province", av1::AWARD_CATEGORY_PROVINCIAL_GOVERNMENT},
      {"provincial", av1::AWARD_CATEGORY_PROVINCIAL_GOVERNMENT},
      {"regency", av1::AWARD_CATEGORY_REGENCY_GOVERNMENT},
      {"village", av1::AWARD_CATEGORY_VILLAGE_GOVERNMENT},
      {"large-business", av1::AWARD_CATEGORY_LARGE_BUSINESS},
      {"medium-business", av1::AWARD_CATEGORY_MEDIUM_BUSINESS},
      {"micro-small-business", av1::AWARD_CATEGORY_MICRO_SMALL_BUSINESS},
      {"public-service-business", av1::AWARD_CATEGORY_PUBLIC_SERVICE_BUSINESS},
  };
  const std::string lower = absl::AsciiStrToLower(text);
  if (auto it = kShort.find(lower); it != kShort.end()) return it->second;
  av1::AwardCategory c;
  const std::string upper = absl::AsciiStrToUpper(text);
  if ((av1::AwardCategory_Parse(upper, &c) ||
       av1::AwardCategory_Parse("AWARD_CATEGORY_" + upper, &c)) &&
      c != av1::AWARD_CATEGORY_UNSPECIFIED) {
    return c;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--category must be province, regency, village, large-business, medium-business, "
      "micro-small-business or public-service-business; got ",
      text));
}

// AWARD_CATEGORY_REGENCY_GOVERNMENT -> "regency government"
std::string CategoryText(av1::AwardCategory c) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(std::string(
                                 absl::StripPrefix(av1::AwardCategory_Name(c), "AWARD_CATEGORY_"))),
                             {{"_", " "}});
}

std::string EnumTail(const std::string& name, absl::string_view prefix) {
  return std::string(absl::StripPrefix(name, prefix));
}

absl::Status ParseDate(const std::string& flag, const std::string& text, google::type::Date* out) {
  const std::vector<std::string> parts = absl::StrSplit(text, '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
      !absl::SimpleAtoi(parts[2], &d)) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " must be YYYY-MM-DD, got ", text));
  }
  out->set_year(y);
  out->set_month(m);
  out->set_day(d);
  return absl::OkStatus();
}

std::string DateText(const google::type::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

// 90 -> "90", 87.5 -> "87.5", 66.6667 -> "66.67"
std::string Number(double v) {
  std::string s = absl::StrFormat("%.2f", v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

// ---------------------------------------------------------------------------------------------
// Reads that several commands share

absl::StatusOr<av1::AwardCycle> GetCycle(Stub& stub, const Connection& c,
                                         const std::string& cycle) {
  av1::GetAwardCycleRequest req;
  req.set_name(CycleName(cycle));
  av1::AwardCycle out;
  PARITRANA_RETURN_IF_ERROR(FromWire(stub.GetAwardCycle(c.Context().get(), req, &out)));
  return out;
}

absl::StatusOr<std::vector<av1::Candidate>> AllCandidates(Stub& stub, const Connection& c,
                                                          const std::string& cycle) {
  std::vector<av1::Candidate> out;
  av1::ListCandidatesRequest req;
  req.set_parent(CycleName(cycle));
  req.set_page_size(1000);
  do {
    av1::ListCandidatesResponse page;
    PARITRANA_RETURN_IF_ERROR(FromWire(stub.ListCandidates(c.Context().get(), req, &page)));
    for (auto& cand : *page.mutable_candidates()) out.push_back(std::move(cand));
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  return out;
}

// `3` or `cycles/x/evaluations/3`; empty means the published evaluation of a published cycle,
// else the latest one.
absl::StatusOr<std::string> EvaluationName(Stub& stub, const Connection& c,
                                           const std::string& cycle, const std::string& evaluation,
                                           bool prefer_published) {
  if (!evaluation.empty()) {
    if (absl::StartsWith(evaluation, "cycles/")) return evaluation;
    return absl::StrCat(CycleName(cycle), "/evaluations/", evaluation);
  }
  if (prefer_published) {
    PARITRANA_ASSIGN_OR_RETURN(av1::AwardCycle cy, GetCycle(stub, c, cycle));
    if (!cy.published_evaluation().empty()) return cy.published_evaluation();
  }
  av1::ListEvaluationsRequest req;
  req.set_parent(CycleName(cycle));
  req.set_page_size(1);
  av1::ListEvaluationsResponse page;
  PARITRANA_RETURN_IF_ERROR(FromWire(stub.ListEvaluations(c.Context().get(), req, &page)));
  if (page.evaluations().empty()) {
    return absl::NotFoundError(absl::StrCat(CycleName(cycle),
                                            " has no evaluation yet: run `paritrana award "
                                            "evaluate ",
                                            CycleId(cycle), "` first"));
  }
  return page.evaluations(0).name();
}

// ---------------------------------------------------------------------------------------------
// Printing an evaluation

// An indicator's raw value with its unit, or why there is none.
std::string RawText(const av1::IndicatorResult& r) {
  if (r.value_status() == av1::INDICATOR_VALUE_STATUS_NO_DATA) return "no data";
  if (r.value_status() == av1::INDICATOR_VALUE_STATUS_NO_JURY_SCORES) return "no jury scores";
  if (!r.has_raw_value()) return "-";
  const double v = r.raw_value();
  if (r.source() == av1::INDICATOR_SOURCE_JURY) return Number(v);
  switch (r.computed()) {
    case av1::COMPUTED_INDICATOR_COVERAGE_GROWTH:
      return absl::StrFormat("%+.2f pts", v);
    case av1::COMPUTED_INDICATOR_TARGET_GAP_CLOSED:
      return absl::StrFormat("%.1f%% of gap", v);
    case av1::COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS:
      return absl::StrFormat("%.1f/1000", v);
    case av1::COMPUTED_INDICATOR_ARREARS_MONTHS:
      return absl::StrFormat("%s months", Number(v));
    default:
      return Percent(v);
  }
}

// "coverage_ratio >= 20"
std::string GateRule(const av1::ThresholdGate& g) {
  static const std::map<av1::ComparisonOperator, const char*> kOps = {
      {av1::COMPARISON_OPERATOR_GTE, ">="},
      {av1::COMPARISON_OPERATOR_GT, ">"},
      {av1::COMPARISON_OPERATOR_LTE, "<="},
      {av1::COMPARISON_OPERATOR_LT, "<"}};
  auto op = kOps.find(g.comparison());
  return absl::StrCat(g.indicator_id(), " ", op == kOps.end() ? "?" : op->second, " ",
                      Number(g.threshold()));
}

// "coverage_ratio 15.2 fails the gate >= 20"
std::string GateFailure(const av1::GateOutcome& g) {
  const std::string rule = GateRule(g.gate());
  const std::string condition = rule.substr(g.gate().indicator_id().size() + 1);
  if (!g.has_value()) {
    return absl::StrCat(g.gate().indicator_id(), " has no value (gate ", condition, ")");
  }
  return absl::StrCat(g.gate().indicator_id(), " ", Number(g.value()), " fails the gate ",
                      condition);
}

// The `n` indicators with the largest weighted contributions, with their raw values.
std::string TopReasons(const av1::RankedEntry& e, int n) {
  std::vector<const av1::IndicatorResult*> order;
  for (const auto& r : e.indicators()) {
    if (r.weighted_contribution() > 0) order.push_back(&r);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return a->weighted_contribution() > b->weighted_contribution();
  });
  std::vector<std::string> parts;
  for (int i = 0; i < n && i < static_cast<int>(order.size()); ++i) {
    parts.push_back(absl::StrFormat("%s %s (+%.1f)", order[i]->indicator_id(), RawText(*order[i]),
                                    order[i]->weighted_contribution()));
  }
  return absl::StrJoin(parts, "; ");
}

// One table per category: ranked candidates with their aspect contributions and top reasons,
// then screened-out and excluded candidates.
Table RankingTable(const av1::CategoryResult& result, int reasons) {
  Table t;
  t.header = {"rank", "subject", "name", "total"};
  // Aspect columns from the first ranked entry (every entry has the rubric's aspects in order).
  std::vector<std::string> aspects;
  if (!result.ranked().empty()) {
    for (const auto& a : result.ranked(0).aspect_scores()) {
      aspects.push_back(a.aspect_id());
      t.header.push_back(absl::StrCat(a.aspect_id(), " /", Number(a.weight())));
    }
  }
  t.header.push_back("top reasons: indicator, raw value (+points)");
  for (const auto& e : result.ranked()) {
    std::vector<std::string> row = {absl::StrCat(e.rank()), ShortSubject(e.subject()),
                                    e.display_name(), absl::StrFormat("%.2f", e.total_score())};
    for (size_t i = 0; i < aspects.size(); ++i) {
      row.push_back(i < static_cast<size_t>(e.aspect_scores_size())
                        ? absl::StrFormat("%.2f", e.aspect_scores(i).weighted_contribution())
                        : "");
    }
    row.push_back(TopReasons(e, reasons));
    t.rows.push_back(std::move(row));
  }
  auto blank_aspects = [&](std::vector<std::string>& row) {
    for (size_t i = 0; i < aspects.size(); ++i) row.push_back("");
  };
  for (const auto& s : result.screened_out()) {
    std::vector<std::string> row = {"-", ShortSubject(s.subject()), s.display_name(), "-"};
    blank_aspects(row);
    std::vector<std::string> failed;
    for (const auto& g : s.gate_outcomes()) {
      if (!g.passed()) failed.push_back(GateFailure(g));
    }
    row.push_back("screened out: " + absl::StrJoin(failed, "; "));
    t.rows.push_back(std::move(row));
  }
  for (const auto& x : result.excluded()) {
    std::vector<std::string> row = {"-", ShortSubject(x.subject()), x.display_name(), "-"};
    blank_aspects(row);
    row.push_back(absl::StrCat(
        absl::AsciiStrToLower(EnumTail(av1::Candidate::Status_Name(x.status()), "STATUS_")),
        x.note().empty() ? "" : ": " + x.note()));
    t.rows.push_back(std::move(row));
  }
  return t;
}

// Pads the last column so the aligned table shows it left-aligned (it is text, not a figure).
void LeftAlignLastColumn(Table& t) {
  auto code_points = [](const std::string& s) {
    return static_cast<size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  size_t width = code_points(t.header.back());
  for (const auto& row : t.rows) width = std::max(width, code_points(row.back()));
  t.header.back() += std::string(width - code_points(t.header.back()), ' ');
  for (auto& row : t.rows) row.back() += std::string(width - code_points(row.back()), ' ');
}

// Every indicator of one candidate: raw value, inputs or jury scores, score, weight, points.
Table BreakdownTable(const av1::RankedEntry& e) {
  Table t;
  t.header = {"aspect", "indicator", "raw value", "inputs", "score", "weight %", "points"};
  for (const auto& r : e.indicators()) {
    std::vector<std::string> inputs;
    for (const auto& in : r.inputs())
      inputs.push_back(absl::StrCat(in.key(), " ", Number(in.value())));
    for (const auto& j : r.jury_scores()) {
      inputs.push_back(absl::StrCat(j.assessor(), " ", Number(j.score())));
    }
    std::string how = absl::StrJoin(inputs, ", ");
    if (r.jury_aggregation() != av1::JURY_AGGREGATION_UNSPECIFIED) {
      how = absl::StrCat(absl::AsciiStrToLower(EnumTail(
                             av1::JuryAggregation_Name(r.jury_aggregation()), "JURY_AGGREGATION_")),
                         " of ", how);
    }
    if (r.rank_population() > 0 && r.rank_position() > 0) {
      absl::StrAppend(&how, how.empty() ? "" : ", ",
                      absl::StrFormat("rank %d of %d", r.rank_position(), r.rank_population()));
    }
    t.rows.push_back({r.aspect_id(), r.indicator_id(), RawText(r), how,
                      absl::StrFormat("%.2f", r.normalized_score()), Number(r.effective_weight()),
                      absl::StrFormat("%.2f", r.weighted_contribution())});
  }
  for (const auto& a : e.aspect_scores()) {
    t.rows.push_back({a.aspect_id(), "(aspect)", "", "", absl::StrFormat("%.2f", a.score()),
                      Number(a.weight()), absl::StrFormat("%.2f", a.weighted_contribution())});
  }
  t.rows.push_back({"total", "", "", "", "", "100", absl::StrFormat("%.2f", e.total_score())});
  return t;
}

absl::Status PrintEvaluation(const av1::Evaluation& ev, const AwardArgs& a, Format f) {
  if (f == Format::kTable) {
    std::cout << ev.name() << " ("
              << absl::AsciiStrToLower(EnumTail(av1::Evaluation::State_Name(ev.state()), "STATE_"))
              << "), assessment period " << DateText(ev.assessment_period().start_date()) << " to "
              << DateText(ev.assessment_period().end_date()) << ", evaluated "
              << TimeText(ev.evaluate_time()) << " by " << ev.evaluated_by();
    if (ev.state() == av1::Evaluation::STATE_PUBLISHED) {
      std::cout << ", published " << TimeText(ev.publish_time()) << " by " << ev.published_by();
    }
    std::cout << "\n";
  }
  if (!a.candidate.empty()) {
    const std::string subject = SubjectName(a.candidate);
    for (const auto& result : ev.results()) {
      for (const auto& e : result.ranked()) {
        if (e.subject() != subject && e.candidate() != a.candidate) continue;
        if (f == Format::kTable) {
          std::cout << "rank " << e.rank() << " of " << result.ranked_count() << ": "
                    << e.display_name() << " (" << e.subject() << "), "
                    << CategoryText(result.category()) << ", " << result.rubric_version() << "\n";
        }
        Print(f, BreakdownTable(e), e);
        return absl::OkStatus();
      }
      for (const auto& s : result.screened_out()) {
        if (s.subject() != subject && s.candidate() != a.candidate) continue;
        Table t;
        t.header = {"gate", "value", "passed", "description"};
        for (const auto& g : s.gate_outcomes()) {
          t.rows.push_back({GateRule(g.gate()), g.has_value() ? Number(g.value()) : "no value",
                            g.passed() ? "yes" : "no", g.gate().description()});
        }
        if (f == Format::kTable) {
          std::cout << s.display_name() << " (" << s.subject() << ") was screened out\n";
        }
        Print(f, t, s);
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError(
        absl::StrCat(a.candidate, " is not ranked or screened out in ", ev.name()));
  }
  for (int i = 0; i < ev.results_size(); ++i) {
    const auto& result = ev.results(i);
    if (f == Format::kTable) {
      std::cout << CategoryText(result.category()) << " (" << result.rubric_version()
                << "): " << result.ranked_count() << " ranked, " << result.screened_out_count()
                << " screened out, " << result.excluded_count() << " excluded\n";
    } else if (f == Format::kCsv && i > 0) {
      std::cout << "\n";
    }
    // JSON prints the whole evaluation once.
    if (f == Format::kJson) {
      if (i == 0) Print(f, Table{}, ev);
      continue;
    }
    Table t = RankingTable(result, a.reasons);
    if (f == Format::kTable) LeftAlignLastColumn(t);
    Print(f, t, ev);
  }
  if (f == Format::kJson && ev.results().empty()) Print(f, Table{}, ev);
  return absl::OkStatus();
}

absl::StatusOr<av1::Evaluation> GetFullEvaluation(Stub& stub, const Connection& c,
                                                  const std::string& name) {
  av1::GetEvaluationRequest req;
  req.set_name(name);
  req.set_view(av1::EVALUATION_VIEW_FULL);
  av1::Evaluation ev;
  PARITRANA_RETURN_IF_ERROR(FromWire(stub.GetEvaluation(c.Context().get(), req, &ev)));
  return ev;
}

// The content of a rubric version, without what the server sets, with defaults applied.
av1::RubricVersion Content(av1::RubricVersion v) {
  v.clear_name();
  v.clear_version();
  v.clear_state();
  v.clear_create_time();
  v.clear_update_time();
  v.clear_freeze_time();
  if (v.denominator_source() == type::v1::DENOMINATOR_SOURCE_UNSPECIFIED) {
    v.set_denominator_source(type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
  }
  if (v.jury_aggregation() == av1::JURY_AGGREGATION_UNSPECIFIED) {
    v.set_jury_aggregation(av1::JURY_AGGREGATION_MEAN);
  }
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The commands

absl::Status RunRubricLoad(const Connection& c, const AwardArgs& a, Format f) {
  PARITRANA_ASSIGN_OR_RETURN(clients::RubricFile file, clients::LoadRubricFile(a.file));
  const std::string id = a.rubric_id.empty() ? file.rubric_id : a.rubric_id;
  if (id.empty()) return absl::InvalidArgumentError("the file has no rubric_id: give --rubric");
  auto stub = av1::AwardService::NewStub(c.Channel(c.award));
  const std::string rubric_name = "rubrics/" + id;

  std::string note;
  av1::Rubric rubric;
  {
    av1::GetRubricRequest req;
    req.set_name(rubric_name);
    grpc::Status s = stub->GetRubric(c.Context().get(), req, &rubric);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      av1::CreateRubricRequest create;
      *create.mutable_rubric() = file.rubric;
      create.set_rubric_id(id);
      create.set_request_id(RequestId());
      PARITRANA_RETURN_IF_ERROR(FromWire(stub->CreateRubric(c.Context().get(), create, &rubric)));
      note = "new rubric, version created";
    } else {
      PARITRANA_RETURN_IF_ERROR(FromWire(s));
      if (rubric.category() != file.rubric.category()) {
        return absl::FailedPreconditionError(absl::StrCat(
            rubric_name, " judges ", av1::AwardCategory_Name(rubric.category()), " but ", a.file,
            " is a rubric for ", av1::AwardCategory_Name(file.rubric.category())));
      }
    }
  }

  av1::RubricVersion version;
  if (!rubric.latest_version().empty()) {
    av1::GetRubricVersionRequest req;
    req.set_name(rubric.latest_version());
    av1::RubricVersion latest;
    PARITRANA_RETURN_IF_ERROR(FromWire(stub->GetRubricVersion(c.Context().get(), req, &latest)));
    if (google::protobuf::util::MessageDifferencer::Equals(Content(latest),
                                                           Content(file.version))) {
      version = latest;
      note = "unchanged: the latest version has the same content";
    }
  }
  if (version.name().empty()) {
    av1::CreateRubricVersionRequest req;
    req.set_parent(rubric_name);
    *req.mutable_rubric_version() = file.version;
    req.set_request_id(RequestId());
    PARITRANA_RETURN_IF_ERROR(
        FromWire(stub->CreateRubricVersion(c.Context().get(), req, &version)));
    if (note.empty()) note = "new version";
  }

  int indicators = 0;
  for (const auto& aspect : version.aspects()) indicators += aspect.indicators_size();
  Table t;
  t.header = {"rubric version", "state", "category", "aspects", "indicators", "gates", "note"};
  t.rows.push_back(
      {version.name(),
       absl::AsciiStrToLower(EnumTail(av1::RubricVersion::State_Name(version.state()), "STATE_")),
       CategoryText(rubric.category()), absl::StrCat(version.aspects_size()),
       absl::StrCat(indicators), absl::StrCat(version.gates_size()), note});
  Print(f, t, version);
  return absl::OkStatus();
}

absl::Status RunCycleCreate(const Connection& c, const AwardArgs& a, Format f) {
  auto stub = av1::AwardService::NewStub(c.Channel(c.award));
  av1::CreateAwardCycleRequest req;
  req.set_award_cycle_id(CycleId(a.cycle));
  req.set_request_id(RequestId());
  av1::AwardCycle* cy = req.mutable_award_cycle();
  cy->set_year(a.year);
  if (a.province.empty() == a.zone.empty()) {
    return absl::InvalidArgumentError(
        "give --province for a provincial round or --zone for a national one");
  }
  const std::string province = a.province.empty() ? "" : SubjectName(a.province);
  if (!province.empty()) {
    cy->set_province(province);
  } else {
    if (a.zone_name.empty()) {
      return absl::InvalidArgumentError("--zone needs --zone-name, e.g. \"Zona Sumatera\"");
    }
    cy->mutable_zone()->set_display_name(a.zone_name);
    for (const std::string& p : a.zone) cy->mutable_zone()->add_provinces(SubjectName(p));
  }

  if (a.rubric_versions.size() > 1 && !a.category.empty()) {
    return absl::InvalidArgumentError(
        "--category applies to a single --rubric-version; with several, each version's category "
        "is its rubric's");
  }
  for (const std::string& name : a.rubric_versions) {
    auto* entry = cy->add_rubric_versions();
    entry->set_rubric_version(name);
    if (!a.category.empty()) {
      PARITRANA_ASSIGN_OR_RETURN(av1::AwardCategory category, ParseCategory(a.category));
      entry->set_category(category);
      continue;
    }
    // The category is the rubric's: rubrics/{rubric}/versions/{n} -> rubrics/{rubric}.
    const std::vector<std::string> parts = absl::StrSplit(name, '/');
    if (parts.size() != 4 || parts[0] != "rubrics" || parts[2] != "versions") {
      return absl::InvalidArgumentError(
          absl::StrCat("--rubric-version must be rubrics/{rubric}/versions/{n}, got ", name));
    }
    av1::GetRubricRequest get;
    get.set_name(absl::StrCat(parts[0], "/", parts[1]));
    av1::Rubric rubric;
    PARITRANA_RETURN_IF_ERROR(FromWire(stub->GetRubric(c.Context().get(), get, &rubric)));
    entry->set_category(rubric.category());
  }

  if (!a.period_start.empty() || !a.period_end.empty()) {
    auto* period = cy->mutable_assessment_period();
    if (!a.period_start.empty()) {
      PARITRANA_RETURN_IF_ERROR(
          ParseDate("--period-start", a.period_start, period->mutable_start_date()));
    } else {
      period->mutable_start_date()->set_year(a.year);
      period->mutable_start_date()->set_month(1);
      period->mutable_start_date()->set_day(1);
    }
    if (!a.period_end.empty()) {
      PARITRANA_RETURN_IF_ERROR(
          ParseDate("--period-end", a.period_end, period->mutable_end_date()));
    } else {
      period->mutable_end_date()->set_year(a.year);
      period->mutable_end_date()->set_month(12);
      period->mutable_end_date()->set_day(31);
    }
  }

  std::string display_name = a.display_name;
  if (display_name.empty() && province.empty()) {
    display_name = absl::StrCat("Paritrana Award ", a.year, " ", a.zone_name);
  } else if (display_name.empty()) {
    // "Paritrana Award 2024 Provinsi Jambi", with the registry's name for the province.
    display_name = absl::StrCat("Paritrana Award ", a.year, " ", province);
    auto registry = rv1::RegistryService::NewStub(c.Channel(c.registry));
    rv1::GetRegionRequest get;
    get.set_name(province);
    rv1::Region region;
    if (registry->GetRegion(c.Context().get(), get, &region).ok()) {
      display_name = absl::StrCat("Paritrana Award ", a.year, " Provinsi ", region.display_name());
    }
  }
  cy->set_display_name(display_name);

  av1::AwardCycle out;
  PARITRANA_RETURN_IF_ERROR(FromWire(stub->CreateAwardCycle(c.Context().get(), req, &out)));
  Table t;
  t.header = {"cycle",    "name",           "year", "scope", "assessment period",
              "category", "rubric version", "state"};
  for (const auto& rv : out.rubric_versions()) {
    t.rows.push_back(
        {out.name(), out.display_name(), absl::StrCat(out.year()),
         out.has_zone() ? out.zone().display_name() : out.province(),
         absl::StrCat(DateText(out.assessment_period().start_date()), " to ",
                      DateText(out.assessment_period().end_date())),
         CategoryText(rv.category()), rv.rubric_version(),
         absl::AsciiStrToLower(EnumTail(av1::AwardCycle::State_Name(out.state()), "STATE_"))});
  }
  Print(f, t, out);
  return absl::OkStatus();
}

absl::Status RunCandidatesAdd(const Connection& c, const AwardArgs& a, Format f) {
  auto stub = av1::AwardService::NewStub(c.Channel(c.award));
  PARITRANA_ASSIGN_OR_RETURN(av1::AwardCycle cy, GetCycle(*stub, c, a.cycle));
  av1::AwardCategory category = av1::AWARD_CATEGORY_UNSPECIFIED;
  if (!a.category.empty()) {
    PARITRANA_ASSIGN_OR_RETURN(category, ParseCategory(a.category));
  } else if (cy.rubric_versions_size() == 1) {
    category = cy.rubric_versions(0).category();
  } else {
    std::vector<std::string> names;
    for (const auto& rv : cy.rubric_versions()) names.push_back(CategoryText(rv.category()));
    return absl::InvalidArgumentError(absl::StrCat("--category is required: ", cy.name(),
                                                   " judges ", absl::StrJoin(names, ", ")));
  }

  std::vector<std::string> subjects;
  for (const std::string& s : a.subjects) subjects.push_back(SubjectName(s));
  if (!a.all_children.empty()) {
    auto registry = rv1::RegistryService::NewStub(c.Channel(c.registry));
    rv1::ListRegionsRequest req;
    req.set_parent(SubjectName(a.all_children));
    req.set_page_size(1000);
    do {
      rv1::ListRegionsResponse page;
      PARITRANA_RETURN_IF_ERROR(FromWire(registry->ListRegions(c.Context().get(), req, &page)));
      for (const auto& r : page.regions()) subjects.push_back(r.name());
      req.set_page_token(page.next_page_token());
    } while (!req.page_token().empty());
  }
  if (subjects.empty()) {
    return absl::InvalidArgumentError("give the regions to add, or --all-children PARENT");
  }

  av1::ListCandidatesResponse added;
  int registered = 0;
  Table t;
  t.header = {"candidate", "region", "name", "category", "result"};
  for (const std::string& subject : subjects) {
    // A readable, stable id: regions/15.08 -> 15-08, employers/123 -> 123.
    std::string id = absl::AsciiStrToLower(absl::StrReplaceAll(
        absl::StripPrefix(absl::StripPrefix(subject, "regions/"), "employers/"), {{".", "-"}}));
    av1::CreateCandidateRequest req;
    req.set_parent(cy.name());
    req.set_candidate_id(id);
    req.set_request_id(RequestId());
    req.mutable_candidate()->set_category(category);
    req.mutable_candidate()->set_subject(subject);
    av1::Candidate cand;
    grpc::Status s = stub->CreateCandidate(c.Context().get(), req, &cand);
    std::string result = "registered";
    if (s.ok()) ++registered;
    if (s.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      // Adding the same region again is not an error: report the existing candidate.
      av1::GetCandidateRequest get;
      get.set_name(absl::StrCat(cy.name(), "/candidates/", id));
      if (stub->GetCandidate(c.Context().get(), get, &cand).ok() && cand.subject() == subject) {
        s = grpc::Status::OK;
        result = "already registered";
      }
    }
    if (!s.ok()) {
      return Prefixed(absl::StrCat(ShortSubject(subject), ": "), FromWire(s),
                      DoneBefore(registered, "candidates registered"));
    }
    t.rows.push_back({std::string(absl::StripPrefix(cand.name(), cy.name() + "/candidates/")),
                      ShortSubject(cand.subject()), cand.display_name(),
                      CategoryText(cand.category()), result});
    *added.add_candidates() = std::move(cand);
  }
  Print(f, t, added);
  return absl::OkStatus();
}

absl::Status RunCandidatesPromote(const Connection& c, const AwardArgs& a, Format f) {
  auto stub = av1::AwardService::NewStub(c.Channel(c.award));
  av1::PromoteCandidatesRequest req;
  req.set_cycle(CycleName(a.cycle));
  req.set_source_cycle(CycleName(a.source_cycle));
  req.set_top_n(a.top);
  for (const std::string& text : a.categories) {
    PARITRANA_ASSIGN_OR_RETURN(av1::AwardCategory category, ParseCategory(text));
    req.add_categories(category);
  }
  av1::PromoteCandidatesResponse resp;
  PARITRANA_RETURN_IF_ERROR(FromWire(stub->PromoteCandidates(c.Context().get(), req, &resp)));
  Table t;
  t.header = {"candidate", "subject", "name", "category", "promoted from", "rank", "result"};
  auto row = [&](const av1::Candidate& cand, const std::string& result) {
    t.rows.push_back(
        {std::string(absl::StripPrefix(cand.name(), req.cycle() + "/candidates/")),
         ShortSubject(cand.subject()), cand.display_name(), CategoryText(cand.category()),
         cand.promoted_from().empty() ? "-" : cand.promoted_from(),
         cand.promoted_rank() == 0 ? "-" : absl::StrCat(cand.promoted_rank()), result});
  };
  for (const av1::Candidate& cand : resp.created()) row(cand, "promoted");
  for (const av1::Candidate& cand : resp.unchanged()) row(cand, "already a candidate");
  Print(f, t, resp);
  return absl::OkStatus();
}

// A jury scores file (candidate_region,indicator,score[,comment]), read whole and checked for
// its shape before anything is sent.
struct ScoresFile {
  std::string path;
  std::vector<std::string> order;  // subjects in file order
  std::map<std::string, std::vector<av1::JuryScore>> scores;
  std::map<std::string, int> first_line;
  std::map<std::pair<std::string, std::string>, int> lines;  // (subject, indicator) -> line

  std::string Where(const std::string& subject, const std::string& indicator) const {
    return absl::StrCat(path, " line ", lines.at({subject, indicator}), ": ");
  }
};

// The index of each known column in the header line; the first cell may start with a BOM.
absl::StatusOr<std::map<std::string, size_t>> ScoresColumns(const std::string& path,
                                                            const std::string& header_line) {
  constexpr absl::string_view kColumns =
      "; the columns are candidate_region,indicator,score[,comment]";
  std::map<std::string, size_t> col;
  const std::vector<std::string> header = SplitCsv(header_line);
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header[i]));
    if (i == 0) name = std::string(absl::StripPrefix(name, "\xEF\xBB\xBF"));  // a BOM
    if (name != "candidate_region" && name != "indicator" && name != "score" && name != "comment") {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": unknown column \"", name, "\"", kColumns));
    }
    col[name] = i;
  }
  for (const char* need : {"candidate_region", "indicator", "score"}) {
    if (!col.contains(need)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": the header lacks the column ", need, kColumns));
    }
  }
  return col;
}

absl::StatusOr<ScoresFile> ReadScoresFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string line;
  if (!std::getline(in, line)) return absl::InvalidArgumentError(path + " is empty");
  using Columns = std::map<std::string, size_t>;
  PARITRANA_ASSIGN_OR_RETURN(const Columns col, ScoresColumns(path, line));
  ScoresFile file;
  file.path = path;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const std::vector<std::string> cells = SplitCsv(line);
    auto cell = [&](const char* name) -> std::string {
      auto it = col.find(name);
      if (it == col.end() || it->second >= cells.size()) return "";
      return std::string(absl::StripAsciiWhitespace(cells[it->second]));
    };
    const std::string where = absl::StrCat(path, " line ", line_no, ": ");
    const std::string region = cell("candidate_region");
    const std::string indicator = cell("indicator");
    double value = 0;
    if (region.empty() || indicator.empty()) {
      return absl::InvalidArgumentError(where + "candidate_region and indicator are required");
    }
    if (!absl::SimpleAtod(cell("score"), &value) || !std::isfinite(value)) {
      return absl::InvalidArgumentError(where + "score must be a number, got \"" + cell("score") +
                                        "\"");
    }
    const std::string subject = SubjectName(region);
    if (!file.lines.emplace(std::make_pair(subject, indicator), line_no).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, indicator, " of ", region, " is scored twice"));
    }
    if (!file.scores.contains(subject)) {
      file.order.push_back(subject);
      file.first_line[subject] = line_no;
    }
    av1::JuryScore js;
    js.set_indicator_id(indicator);
    js.set_score(value);
    js.set_comment(cell("comment"));
    file.scores[subject].push_back(std::move(js));
  }
  if (file.order.empty()) return absl::InvalidArgumentError(path + " has no scores");
  return file;
}

// Checks each score against the jury scales of its candidate's rubric version, so that a bad row
// stops the command before anything is written (the service checks again).
absl::Status CheckJuryScales(av1::AwardService::Stub& stub, const Connection& c, const AwardArgs& a,
                             const ScoresFile& file,
                             const std::map<std::string, const av1::Candidate*>& by_subject) {
  PARITRANA_ASSIGN_OR_RETURN(av1::AwardCycle cy, GetCycle(stub, c, a.cycle));
  std::map<av1::AwardCategory, std::map<std::string, av1::JuryInput>> scales;
  for (const auto& rv : cy.rubric_versions()) {
    av1::GetRubricVersionRequest req;
    req.set_name(rv.rubric_version());
    av1::RubricVersion version;
    PARITRANA_RETURN_IF_ERROR(FromWire(stub.GetRubricVersion(c.Context().get(), req, &version)));
    auto& jury = scales[rv.category()];
    for (const auto& aspect : version.aspects()) {
      for (const auto& ind : aspect.indicators()) {
        if (ind.has_jury()) jury[ind.id()] = ind.jury();
      }
    }
  }
  for (const auto& [subject, list] : file.scores) {
    const auto& jury = scales[by_subject.at(subject)->category()];
    for (const auto& js : list) {
      const std::string where = file.Where(subject, js.indicator_id());
      auto it = jury.find(js.indicator_id());
      if (it == jury.end()) {
        std::vector<std::string> ids;
        for (const auto& [id, _] : jury) ids.push_back(id);
        return absl::InvalidArgumentError(
            absl::StrCat(where, js.indicator_id(), " is not a jury indicator of the rubric of ",
                         ShortSubject(subject), "; jury indicators: ", absl::StrJoin(ids, ", ")));
      }
      if (js.score() < it->second.min_score() || js.score() > it->second.max_score()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, js.indicator_id(), " is scored from ", Number(it->second.min_score()), " to ",
            Number(it->second.max_score()), ", got ", Number(js.score())));
      }
    }
  }
  return absl::OkStatus();
}

// This assessor's existing assessments in the cycle, by candidate name.
absl::StatusOr<std::map<std::string, av1::Assessment>> AssessorsAssessments(
    av1::AwardService::Stub& stub, const Connection& c, const AwardArgs& a) {
  std::map<std::string, av1::Assessment> existing;
  av1::ListAssessmentsRequest req;
  req.set_parent(CycleName(a.cycle) + "/candidates/-");
  req.set_assessor(a.assessor);
  req.set_page_size(1000);
  do {
    av1::ListAssessmentsResponse page;
    PARITRANA_RETURN_IF_ERROR(FromWire(stub.ListAssessments(c.Context().get(), req, &page)));
    for (auto& as : *page.mutable_assessments()) {
      const std::string name = as.name();
      existing[name.substr(0, name.rfind("/assessments/"))] = std::move(as);
    }
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  return existing;
}

// Writes one candidate's scores: creates the assessment, updates it, or leaves it when the scores
// are already those. Returns "created", "updated" or "unchanged".
absl::StatusOr<std::string> WriteAssessment(av1::AwardService::Stub& stub, const Connection& c,
                                            const AwardArgs& a, const av1::Candidate& cand,
                                            const std::vector<av1::JuryScore>& scores,
                                            const std::map<std::string, av1::Assessment>& existing,
                                            av1::Assessment& out) {
  auto it = existing.find(cand.name());
  if (it == existing.end()) {
    av1::CreateAssessmentRequest req;
    req.set_parent(cand.name());
    req.set_assessment_id(a.assessor);
    req.set_request_id(RequestId());
    for (const auto& js : scores) *req.mutable_assessment()->add_scores() = js;
    PARITRANA_RETURN_IF_ERROR(FromWire(stub.CreateAssessment(c.Context().get(), req, &out)));
    return "created";
  }
  av1::Assessment wanted;
  for (const auto& js : scores) *wanted.add_scores() = js;
  av1::Assessment have;
  *have.mutable_scores() = it->second.scores();
  if (google::protobuf::util::MessageDifferencer::Equals(wanted, have)) {
    out = it->second;
    return "unchanged";
  }
  av1::UpdateAssessmentRequest req;
  *req.mutable_assessment() = std::move(wanted);
  req.mutable_assessment()->set_name(it->second.name());
  req.mutable_update_mask()->add_paths("scores");
  PARITRANA_RETURN_IF_ERROR(FromWire(stub.UpdateAssessment(c.Context().get(), req, &out)));
  return "updated";
}

absl::Status RunScoresSet(const Connection& c, const AwardArgs& a, Format f) {
  // Read the whole file first: every row is checked before anything is written.
  PARITRANA_ASSIGN_OR_RETURN(const ScoresFile file, ReadScoresFile(a.file));
  auto stub = av1::AwardService::NewStub(c.Channel(c.award));
  PARITRANA_ASSIGN_OR_RETURN(std::vector<av1::Candidate> candidates,
                             AllCandidates(*stub, c, a.cycle));
  std::map<std::string, const av1::Candidate*> by_subject;
  for (const auto& cand : candidates) by_subject[cand.subject()] = &cand;
  for (const std::string& subject : file.order) {
    if (!by_subject.contains(subject)) {
      return absl::NotFoundError(absl::StrCat(a.file, " line ", file.first_line.at(subject), ": ",
                                              ShortSubject(subject), " is not a candidate of ",
                                              CycleName(a.cycle)));
    }
  }
  PARITRANA_RETURN_IF_ERROR(CheckJuryScales(*stub, c, a, file, by_subject));
  PARITRANA_ASSIGN_OR_RETURN(const auto existing, AssessorsAssessments(*stub, c, a));

  av1::ListAssessmentsResponse written;
  int written_count = 0;
  Table t;
  t.header = {"region", "name", "assessor", "scores", "result"};
  for (const std::string& subject : file.order) {
    const av1::Candidate& cand = *by_subject[subject];
    av1::Assessment out;
    absl::StatusOr<std::string> result =
        WriteAssessment(*stub, c, a, cand, file.scores.at(subject), existing, out);
    if (!result.ok()) {
      return Prefixed(absl::StrCat(ShortSubject(subject), " (", a.file, " line ",
                                   file.first_line.at(subject), "): "),
                      result.status(), DoneBefore(written_count, "assessments written"));
    }
    if (*result != "unchanged") ++written_count;
    t.rows.push_back({ShortSubject(subject), cand.display_name(), out.assessor(),
                      absl::StrCat(out.scores_size()), *result});
    *written.add_assessments() = std::move(out);
  }
  Print(f, t, written);
  return absl::OkStatus();
}

absl::Status RunEvaluate(const Connection& conn, const AwardArgs& a, Format f) {
  // A national cycle takes a while: allow at least two minutes whatever --timeout says.
  Connection c = conn;
  c.timeout_seconds = std::max(c.timeout_seconds, 120);
  auto stub = av1::AwardService::NewStub(c.Channel(c.award));
  av1::EvaluateCycleRequest req;
  req.set_name(CycleName(a.cycle));
  req.set_request_id(RequestId());  // the same id on retries: at most one evaluation is stored
  av1::Evaluation ev;
  grpc::Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::seconds(attempt));
    s = stub->EvaluateCycle(c.Context().get(), req, &ev);
    if (s.error_code() != grpc::StatusCode::UNAVAILABLE) break;
  }
  PARITRANA_RETURN_IF_ERROR(FromWire(s));
  return PrintEvaluation(ev, a, f);
}

absl::Status RunShow(const Connection& c, const AwardArgs& a, Format f) {
  auto stub = av1::AwardService::NewStub(c.Channel(c.award));
  PARITRANA_ASSIGN_OR_RETURN(
      std::string name, EvaluationName(*stub, c, a.cycle, a.evaluation, /*prefer_published=*/true));
  PARITRANA_ASSIGN_OR_RETURN(av1::Evaluation ev, GetFullEvaluation(*stub, c, name));
  return PrintEvaluation(ev, a, f);
}

absl::Status RunPublish(const Connection& c, const AwardArgs& a, Format f) {
  auto stub = av1::AwardService::NewStub(c.Channel(c.award));
  PARITRANA_ASSIGN_OR_RETURN(std::string name, EvaluationName(*stub, c, a.cycle, a.evaluation,
                                                              /*prefer_published=*/false));
  av1::PublishEvaluationRequest req;
  req.set_name(name);
  av1::Evaluation ev;
  PARITRANA_RETURN_IF_ERROR(FromWire(stub->PublishEvaluation(c.Context().get(), req, &ev)));
  Table t;
  t.header = {"evaluation", "state", "published", "by", "ranked", "screened out", "excluded"};
  int ranked = 0, screened = 0, excluded = 0;
  for (const auto& r : ev.results()) {
    ranked += r.ranked_count();
    screened += r.screened_out_count();
    excluded += r.excluded_count();
  }
  t.rows.push_back(
      {ev.name(),
       absl::AsciiStrToLower(EnumTail(av1::Evaluation::State_Name(ev.state()), "STATE_")),
       TimeText(ev.publish_time()), ev.published_by(), absl::StrCat(ranked), absl::StrCat(screened),
       absl::StrCat(excluded)});
  Print(f, t, ev);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Command-line wiring

AwardCommands::AwardCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_output) {
  AwardArgs& a = args_;
  award_ = app.add_subcommand(
      "award",
      "Run a Paritrana Award cycle: rubrics, cycles, candidates, jury scores, evaluation, "
      "ranking, publication (award service; writes need an award_admin or admin token, scores "
      "an assessor token under its own id, or an admin token under any).\n"
      "  example: paritrana award show 2024-jambi");
  award_->require_subcommand(1);

  auto* rubric = award_->add_subcommand("rubric", "Rubrics (versioned scoring rules).");
  rubric->require_subcommand(1);
  rubric_load_ = rubric->add_subcommand(
      "load",
      "Create the rubric if it is missing and a new DRAFT version from a rubric file (the format "
      "of services/award/default_rubric_regency.json); prints the version's name. If the "
      "rubric's latest version already has the file's content, that version is printed and "
      "nothing is created.\n"
      "  example: paritrana award rubric load services/award/default_rubric_regency.json "
      "--rubric regency-government");
  rubric_load_->add_option("file", a.file, "rubric JSON file")
      ->required()
      ->check(CLI::ExistingFile);
  rubric_load_->add_option("--rubric", a.rubric_id,
                           "rubric id, e.g. regency-government (default: the file's rubric_id)");
  add_output(rubric_load_);

  auto* cycle = award_->add_subcommand("cycle", "Award cycles (one yearly round).");
  cycle->require_subcommand(1);
  cycle_create_ = cycle->add_subcommand(
      "create",
      "Open a provincial award cycle (--province), or a national one for a zone of provinces "
      "(--zone, --zone-name) that takes the provincial winners with `candidates promote`. Its "
      "rubric versions become FROZEN. The assessment period defaults to the whole year; the "
      "cycle can only be evaluated once the period has ended.\n"
      "  example: paritrana award cycle create 2024-jambi --year 2024 --province 15 "
      "--rubric-version rubrics/regency-government/versions/1 --period-end 2024-08-12\n"
      "  example: paritrana award cycle create 2024-sumatera --year 2024 --zone 15,16 "
      "--zone-name \"Zona Sumatera\" --rubric-version rubrics/regency-government/versions/1");
  cycle_create_->add_option("id", a.cycle, "cycle id, e.g. 2024-jambi")->required();
  cycle_create_->add_option("--year", a.year, "assessment year")->required();
  auto* province = cycle_create_->add_option("--province", a.province, "province code, e.g. 15");
  auto* zone =
      cycle_create_
          ->add_option("--zone", a.zone, "the provinces of a national round's zone, e.g. 15,16")
          ->delimiter(',')
          ->excludes(province);
  cycle_create_->add_option("--zone-name", a.zone_name, "the zone's name, e.g. \"Zona Sumatera\"")
      ->needs(zone);
  cycle_create_
      ->add_option("--rubric-version", a.rubric_versions,
                   "rubrics/{rubric}/versions/{n}; repeat for several categories")
      ->required();
  cycle_create_->add_option("--category", a.category,
                            "regency, province, village, large-business, ... (default: the "
                            "rubric's category)");
  cycle_create_->add_option("--period-start", a.period_start,
                            "first day of the assessment period, YYYY-MM-DD (default: 1 Jan)");
  cycle_create_->add_option("--period-end", a.period_end,
                            "last day of the assessment period, YYYY-MM-DD (default: 31 Dec)");
  cycle_create_->add_option("--display-name", a.display_name,
                            "default: Paritrana Award {year} Provinsi {province name}");
  add_output(cycle_create_);

  auto* candidates = award_->add_subcommand("candidates", "Candidates of a cycle.");
  candidates->require_subcommand(1);
  candidates_add_ = candidates->add_subcommand(
      "add",
      "Register regions (or employers/{npp}) as candidates of a cycle; the candidate id is the "
      "code with dots as hyphens (15.08 -> 15-08). A region already registered is reported, not "
      "an error.\n"
      "  example: paritrana award candidates add 2024-jambi --category regency 15.01 15.08\n"
      "  example: paritrana award candidates add 2024-jambi --all-children 15");
  candidates_add_->add_option("cycle", a.cycle, "cycle id")->required();
  auto* regions = candidates_add_->add_option("regions", a.subjects,
                                              "region codes, e.g. 15.01 15.08, or employers/{npp}");
  candidates_add_
      ->add_option("--all-children", a.all_children,
                   "add every child region of this region in the registry, e.g. 15")
      ->excludes(regions);
  candidates_add_->add_option("--category", a.category,
                              "regency, province, village, ... (default: the cycle's only one)");
  add_output(candidates_add_);

  candidates_promote_ = candidates->add_subcommand(
      "promote",
      "Make the top ranked candidates of a published provincial cycle candidates of a national "
      "(zone) cycle of the same year, per category both judge (or --category), linked to the "
      "provincial evaluation and rank. Subjects already candidates of the national cycle are "
      "reported, not added again.\n"
      "  example: paritrana award candidates promote 2024-sumatera --from 2024-jambi --top 3");
  candidates_promote_->add_option("cycle", a.cycle, "national (zone) cycle id")->required();
  candidates_promote_->add_option("--from", a.source_cycle, "published provincial cycle id")
      ->required();
  candidates_promote_->add_option("--top", a.top, "ranked candidates per category (default 3)")
      ->check(CLI::Range(1, 100));
  candidates_promote_->add_option("--category", a.categories,
                                  "regency, province, village, ...; repeat for several "
                                  "(default: every category both cycles judge)");
  add_output(candidates_promote_);

  auto* scores = award_->add_subcommand("scores", "Jury scores (assessments).");
  scores->require_subcommand(1);
  scores_set_ = scores->add_subcommand(
      "set",
      "Set one assessor's jury scores from a CSV file with the columns "
      "candidate_region,indicator,score[,comment]: for each candidate region, the assessor's "
      "assessment is created, or replaced by the file's scores. Every row is checked before "
      "anything is written.\n"
      "  example: paritrana award scores set 2024-jambi --assessor juri-1 --file scores.csv");
  scores_set_->add_option("cycle", a.cycle, "cycle id")->required();
  scores_set_->add_option("--assessor", a.assessor, "assessor id, e.g. juri-1")->required();
  scores_set_->add_option("--file", a.file, "CSV file")->required()->check(CLI::ExistingFile);
  add_output(scores_set_);

  const std::string ranking_help =
      "Table columns: rank, region, name, total score, each aspect's points (out of its "
      "weight), and the top reasons: the indicators with the largest contributions, with their "
      "raw values; screened-out candidates name the gate they failed.";
  evaluate_ = award_->add_subcommand(
      "evaluate",
      "Evaluate a cycle (after its assessment period) into a new DRAFT evaluation and print its "
      "ranking.\n  example: paritrana award evaluate 2024-jambi");
  evaluate_->footer(ranking_help);
  evaluate_->add_option("cycle", a.cycle, "cycle id")->required();
  evaluate_->add_option("--reasons", a.reasons, "top reasons per candidate")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  add_output(evaluate_);

  show_ = award_->add_subcommand(
      "show",
      "Print an evaluation's ranking: the published one, else the latest; --candidate prints "
      "every indicator of one candidate (raw value, inputs, score, weight, points).\n"
      "  example: paritrana award show 2024-jambi\n"
      "  example: paritrana award show 2024-jambi --candidate 15.04");
  show_->footer(ranking_help);
  show_->add_option("cycle", a.cycle, "cycle id")->required();
  show_->add_option("--evaluation", a.evaluation, "evaluation number or name");
  show_->add_option("--candidate", a.candidate, "region code (or candidate name) to explain");
  show_->add_option("--reasons", a.reasons, "top reasons per candidate")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  add_output(show_);

  publish_ = award_->add_subcommand(
      "publish",
      "Publish a cycle's latest evaluation (or --evaluation): it becomes the official result, "
      "readable by every role, and the cycle becomes read-only.\n"
      "  example: paritrana award publish 2024-jambi");
  publish_->add_option("cycle", a.cycle, "cycle id")->required();
  publish_->add_option("--evaluation", a.evaluation,
                       "evaluation number or name (default: the latest; it must be the latest)");
  add_output(publish_);
}

absl::Status AwardCommands::Run(const Connection& c, Format format) const {
  if (rubric_load_->parsed()) return RunRubricLoad(c, args_, format);
  if (cycle_create_->parsed()) return RunCycleCreate(c, args_, format);
  if (candidates_add_->parsed()) return RunCandidatesAdd(c, args_, format);
  if (candidates_promote_->parsed()) return RunCandidatesPromote(c, args_, format);
  if (scores_set_->parsed()) return RunScoresSet(c, args_, format);
  if (evaluate_->parsed()) return RunEvaluate(c, args_, format);
  if (show_->parsed()) return RunShow(c, args_, format);
  if (publish_->parsed()) return RunPublish(c, args_, format);
  return absl::InvalidArgumentError("award: no subcommand");
}

}  // namespace paritrana::cli
