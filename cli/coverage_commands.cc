#include "cli/coverage_commands.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "platform/errors.h"

namespace paritrana::cli {
namespace {

namespace cv1 = coverage::v1;

std::string RegionName(const std::string& r) {
  return absl::StartsWith(r, "regions/") ? r : "regions/" + r;
}

absl::Status FromWire(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  absl::Status status = FromGrpcStatus(s);
  if (auto bad = GetBadRequest(status); bad && bad->field_violations_size() > 0) {
    std::string out(status.message());
    for (const auto& v : bad->field_violations()) {
      absl::StrAppend(&out, "\n  ", v.field(), ": ", v.description());
    }
    return absl::Status(status.code(), out);
  }
  return status;
}

absl::Status ParseDate(const std::string& text, google::type::Date* out) {
  const std::vector<std::string> parts = absl::StrSplit(text, '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
      !absl::SimpleAtoi(parts[2], &d)) {
    return absl::InvalidArgumentError(absl::StrCat("--date must be YYYY-MM-DD, got ", text));
  }
  out->set_year(y);
  out->set_month(m);
  out->set_day(d);
  return absl::OkStatus();
}

template <typename Req>
absl::Status Fill(const CoverageQuery& q, Req& req) {
  if (!q.date.empty()) PARITRANA_RETURN_IF_ERROR(ParseDate(q.date, req.mutable_date()));
  if (!q.segment.empty()) {
    type::v1::Segment s;
    if (!type::v1::Segment_Parse("SEGMENT_" + absl::AsciiStrToUpper(q.segment), &s)) {
      return absl::InvalidArgumentError("--segment must be PU, BPU, JAKON or PMI");
    }
    req.set_segment(s);
  }
  return absl::OkStatus();
}

std::string Short(const std::string& enum_name, absl::string_view prefix) {
  return absl::AsciiStrToLower(enum_name.substr(prefix.size()));
}

}  // namespace

absl::Status RunCoverage(const Connection& c, const CoverageQuery& q) {
  auto stub = cv1::CoverageService::NewStub(c.Channel(c.coverage));
  cv1::GetCoverageRequest req;
  req.set_region(RegionName(q.region));
  PARITRANA_RETURN_IF_ERROR(Fill(q, req));
  req.set_target_year(q.target_year);
  cv1::RegionCoverage r;
  PARITRANA_RETURN_IF_ERROR(FromWire(stub->GetCoverage(c.Context().get(), req, &r)));
  Table t;
  t.header = {"", "active", "potential", "coverage"};
  t.rows.push_back({absl::StrCat(r.display_name(), " (", r.region(), ") on ", r.date().year(), "-",
                                 absl::StrFormat("%02d-%02d", r.date().month(), r.date().day())),
                    Thousands(r.active_persons()), Thousands(r.potential_workers()),
                    Percent(r.coverage_ratio_percent())});
  for (const auto& s : r.segments()) {
    t.rows.push_back({"  " + type::v1::Segment_Name(s.segment()).substr(8),
                      Thousands(s.active_persons()),
                      s.potential_workers() > 0 ? Thousands(s.potential_workers()) : "-",
                      s.potential_workers() > 0 ? Percent(s.coverage_ratio_percent()) : "-"});
  }
  for (const auto& p : r.programmes()) {
    t.rows.push_back({"  programme " + type::v1::Programme_Name(p.programme()).substr(10),
                      Thousands(p.active_persons()), "", ""});
  }
  for (const auto& f : r.funding()) {
    t.rows.push_back(
        {"  paid by " + Short(type::v1::FundingSource_Name(f.funding_source()), "FUNDING_SOURCE_") +
             (f.subsidy_scheme().empty() ? "" : " (" + f.subsidy_scheme() + ")"),
         Thousands(f.active_persons()), "", ""});
  }
  if (r.denominator_origin() == type::v1::DENOMINATOR_ORIGIN_DERIVED_FROM_CHILDREN) {
    t.rows.push_back({absl::StrCat("  potential workers: the sum of ", r.denominator_year(),
                                   " regency/city baselines"),
                      "", Thousands(r.potential_workers()), ""});
  }
  if (r.has_denominator_disagreement()) {
    const auto& d = r.denominator_disagreement();
    t.rows.push_back({absl::StrCat("  regencies/cities sum (", d.children_with_baseline(), " of ",
                                   d.children(), ") differ by ", Percent(d.difference_percent())),
                      "", Thousands(d.children_potential_workers()), ""});
  }
  if (r.has_target()) {
    t.rows.push_back({absl::StrCat("  target ", r.target().year(), " (",
                                   Percent(r.target().target_ratio_percent()), ")"),
                      Thousands(r.target().target_workers()), "",
                      absl::StrCat(Thousands(r.target().workers_to_enroll()), " to enroll")});
  }
  Print(q.format, t, r);
  return absl::OkStatus();
}

absl::Status RunRank(const Connection& c, const CoverageQuery& q, const std::string& order) {
  auto stub = cv1::CoverageService::NewStub(c.Channel(c.coverage));
  cv1::RankChildRegionsRequest req;
  req.set_parent(RegionName(q.region));
  PARITRANA_RETURN_IF_ERROR(Fill(q, req));
  if (order == "ratio") {
    req.set_order_by(cv1::RankChildRegionsRequest::ORDER_BY_COVERAGE_RATIO_DESC);
  } else if (order == "ratio-asc") {
    req.set_order_by(cv1::RankChildRegionsRequest::ORDER_BY_COVERAGE_RATIO_ASC);
  } else if (order == "gap") {
    req.set_order_by(cv1::RankChildRegionsRequest::ORDER_BY_WORKERS_TO_ENROLL_DESC);
  } else if (order == "active") {
    req.set_order_by(cv1::RankChildRegionsRequest::ORDER_BY_ACTIVE_PERSONS_DESC);
  } else {
    return absl::InvalidArgumentError("--order must be ratio, ratio-asc, gap or active");
  }
  req.set_page_size(1000);
  cv1::RankChildRegionsResponse r;
  PARITRANA_RETURN_IF_ERROR(FromWire(stub->RankChildRegions(c.Context().get(), req, &r)));
  Table t;
  t.header = {"rank", "region", "name", "active", "potential", "coverage"};
  for (const auto& e : r.ranked_regions()) {
    t.rows.push_back({absl::StrCat(e.rank()), e.region().substr(8), e.display_name(),
                      Thousands(e.active_persons()),
                      e.baseline_found() ? Thousands(e.potential_workers()) : "-",
                      e.baseline_found() ? Percent(e.coverage_ratio_percent()) : "-"});
  }
  Print(q.format, t, r);
  return absl::OkStatus();
}

absl::Status RunTrend(const Connection& c, const CoverageQuery& q, const std::string& from,
                      const std::string& to) {
  auto month = [](const std::string& text, cv1::YearMonth* out) -> absl::Status {
    const std::vector<std::string> parts = absl::StrSplit(text, '-');
    int y = 0, m = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m)) {
      return absl::InvalidArgumentError(absl::StrCat("months are YYYY-MM, got ", text));
    }
    out->set_year(y);
    out->set_month(m);
    return absl::OkStatus();
  };
  auto stub = cv1::CoverageService::NewStub(c.Channel(c.coverage));
  cv1::GetCoverageTrendRequest req;
  req.set_region(RegionName(q.region));
  PARITRANA_RETURN_IF_ERROR(month(from, req.mutable_start_month()));
  PARITRANA_RETURN_IF_ERROR(month(to, req.mutable_end_month()));
  if (!q.segment.empty()) {
    type::v1::Segment s;
    if (!type::v1::Segment_Parse("SEGMENT_" + absl::AsciiStrToUpper(q.segment), &s)) {
      return absl::InvalidArgumentError("--segment must be PU, BPU, JAKON or PMI");
    }
    req.set_segment(s);
  }
  cv1::GetCoverageTrendResponse r;
  PARITRANA_RETURN_IF_ERROR(FromWire(stub->GetCoverageTrend(c.Context().get(), req, &r)));
  Table t;
  t.header = {"month end", "active", "change", "potential", "coverage"};
  for (const auto& p : r.points()) {
    t.rows.push_back(
        {absl::StrFormat("%04d-%02d-%02d", p.date().year(), p.date().month(), p.date().day()),
         Thousands(p.active_persons()),
         (p.active_persons_change() >= 0 ? "+" : "") + Thousands(p.active_persons_change()),
         Thousands(p.potential_workers()), Percent(p.coverage_ratio_percent())});
  }
  Print(q.format, t, r);
  return absl::OkStatus();
}

absl::Status RunGap(const Connection& c, const CoverageQuery& q, int year) {
  auto stub = cv1::CoverageService::NewStub(c.Channel(c.coverage));
  cv1::RankChildRegionsRequest rank;
  rank.set_parent(RegionName(q.region));
  PARITRANA_RETURN_IF_ERROR(Fill(q, rank));
  rank.set_page_size(1000);
  cv1::RankChildRegionsResponse children;
  PARITRANA_RETURN_IF_ERROR(FromWire(stub->RankChildRegions(c.Context().get(), rank, &children)));
  Table t;
  t.header = {"region", "name", "coverage", absl::StrCat("target ", year), "to enroll"};
  std::vector<std::string> regions = {RegionName(q.region)};
  for (const auto& e : children.ranked_regions()) regions.push_back(e.region());
  for (const std::string& region : regions) {
    cv1::GetTargetGapRequest req;
    req.set_region(region);
    req.set_year(year);
    if (!q.date.empty()) PARITRANA_RETURN_IF_ERROR(ParseDate(q.date, req.mutable_date()));
    cv1::TargetGap g;
    grpc::Status s = stub->GetTargetGap(c.Context().get(), req, &g);
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      t.rows.push_back({region.substr(8), "", "-", "no target", "-"});
      continue;
    }
    PARITRANA_RETURN_IF_ERROR(FromWire(s));
    std::string name;
    for (const auto& e : children.ranked_regions()) {
      if (e.region() == region) name = e.display_name();
    }
    t.rows.push_back({region.substr(8), region == regions[0] ? "(all)" : name,
                      Percent(g.coverage_ratio_percent()), Percent(g.target_ratio_percent()),
                      Thousands(g.workers_to_enroll())});
  }
  Print(q.format, t, children);
  return absl::OkStatus();
}

}  // namespace paritrana::cli
