// Every award request message through the award service's rules (services/award/award.h), on one
// in-process Award with a SQLite store in a temporary directory, the shipped regency rubric
// installed, and in-memory fakes for the registry (Directory) and the coverage service
// (CoverageSource): no gRPC, no network.
// Input: byte 0 picks the method ((byte & 0x7f) % kMethods, in the order below) and the caller
// (byte & 0x80: an admin, "chair"; otherwise the assessor "siti"); the rest is that method's
// request message, serialized (inputs that do not parse are skipped).
//
// Invariants: no crash or sanitizer report; an error is a request error (INVALID_ARGUMENT,
// NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, PERMISSION_DENIED, ...), never INTERNAL or
// UNKNOWN; a list's next_page_token is accepted by the next call of the same query. The store
// keeps what earlier inputs created, so a finding may need the inputs before it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/rubric_file.h"
#include "google/protobuf/stubs/logging.h"
#include "region/region_catalog.h"
#include "region/validation.h"
#include "services/award/award.h"
#include "services/award/sources.h"
#include "services/award/store/open_store.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace v1 = paritrana::award::v1;
using paritrana::award::Award;
using paritrana::award::Principal;

// The registry as the award service sees it: every province and the shipped regencies exist,
// with their catalogue names; employers exist when their NPP is 8 digits.
class FakeDirectory final : public paritrana::award::Directory {
 public:
  absl::StatusOr<paritrana::registry::v1::Region> GetRegion(const std::string& name) override {
    absl::StatusOr<paritrana::RegionCode> code = paritrana::ParseRegionName(name);
    if (!code.ok()) return absl::NotFoundError("no such region");
    for (auto catalog : {paritrana::Provinces(), paritrana::CatalogRegencies()}) {
      for (const paritrana::CatalogRegion& r : catalog) {
        if (r.code != code->code) continue;
        paritrana::registry::v1::Region region;
        region.set_name(name);
        region.set_code(code->code);
        region.set_display_name(std::string(r.name));
        region.set_level(code->level);
        region.set_parent(code->parent.empty() ? "" : paritrana::RegionName(code->parent));
        region.set_is_city(code->is_city);
        return region;
      }
    }
    return absl::NotFoundError("no such region");
  }
  absl::StatusOr<paritrana::registry::v1::Employer> GetEmployer(const std::string& name) override {
    const std::string npp = name.substr(std::min(name.size(), sizeof("employers/") - 1));
    if (!absl::StartsWith(name, "employers/") || npp.size() != 8 ||
        npp.find_first_not_of("0123456789") != std::string::npos) {
      return absl::NotFoundError("no such employer");
    }
    paritrana::registry::v1::Employer employer;
    employer.set_name(name);
    employer.set_npp(npp);
    employer.set_display_name("PT Fuzz");
    employer.set_region("regions/15.08");
    return employer;
  }
  // Figures that depend only on the name (FNV-1a, as FakeCoverage): every computed indicator of
  // an employer or a region's employers gets values, some of them zero denominators.
  absl::StatusOr<paritrana::registry::v1::QueryEmployerFiguresResponse> QueryEmployerFigures(
      const std::vector<std::string>& employers, const std::vector<std::string>& regions,
      absl::CivilDay, absl::CivilDay, paritrana::type::v1::DenominatorSource) override {
    auto hash = [](const std::string& name) {
      uint64_t h = 14695981039346656037ull;
      for (char ch : name) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
      return h;
    };
    auto bills = [](uint64_t h, paritrana::registry::v1::BillCounts* b) {
      b->set_due(static_cast<int64_t>(h % 13));
      b->set_on_time(b->due() / 2);
      b->set_late(b->due() / 4);
      b->set_unpaid(b->due() - b->on_time() - b->late());
    };
    paritrana::registry::v1::QueryEmployerFiguresResponse out;
    for (const std::string& name : employers) {
      const uint64_t h = hash(name);
      auto* e = out.add_employers();
      e->set_employer(name);
      e->set_reported_headcount(static_cast<int64_t>(h % 50));
      e->set_active_workers_start(static_cast<int64_t>((h >> 8) % 60));
      e->set_active_workers_end(static_cast<int64_t>((h >> 16) % 60));
      e->set_complete_programme_workers(e->active_workers_end() / 2);
      bills(h >> 24, e->mutable_bills());
      e->set_arrears_months(static_cast<int64_t>((h >> 32) % 4));
      e->set_arrears_rupiah(e->arrears_months() * 1500000);
    }
    for (const std::string& name : regions) {
      const uint64_t h = hash(name);
      auto* r = out.add_regions();
      r->set_region(name);
      r->set_registered_employers_start(static_cast<int64_t>(h % 900));
      r->set_registered_employers_end(r->registered_employers_start() + 10);
      if (h % 5 != 0)
        r->mutable_baseline()->set_potential_employers(static_cast<int64_t>(h % 2000));
      bills(h >> 24, r->mutable_bills());
    }
    return out;
  }
};

// Coverage figures that depend only on the region, the date and the denominator.
class FakeCoverage final : public paritrana::award::CoverageSource {
 public:
  absl::StatusOr<std::vector<paritrana::coverage::v1::RegionCoverage>> BatchGetCoverage(
      const std::vector<std::string>& regions, absl::CivilDay date,
      paritrana::type::v1::DenominatorSource source, int /*target_year*/) override {
    std::vector<paritrana::coverage::v1::RegionCoverage> out;
    for (const std::string& region : regions) {
      // FNV-1a: the same figures in every run (absl::Hash is seeded per process).
      uint64_t h = 14695981039346656037ull;
      for (char ch : absl::StrCat(region, "/", absl::FormatCivilTime(date), "/", source)) {
        h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
      }
      paritrana::coverage::v1::RegionCoverage c;
      c.set_region(region);
      c.set_display_name(region);
      *c.mutable_date() = paritrana::ToProtoDate(date);
      c.set_potential_workers(static_cast<int64_t>(h % 100000));
      c.set_active_persons(
          c.potential_workers() == 0 ? 0 : static_cast<int64_t>((h >> 20) % c.potential_workers()));
      c.set_coverage_ratio_percent(
          c.potential_workers() == 0 ? 0.0 : 100.0 * c.active_persons() / c.potential_workers());
      c.set_denominator_source(source);
      c.set_baseline_found(h % 7 != 0);
      c.set_denominator_year(static_cast<int32_t>(date.year()));
      out.push_back(std::move(c));
    }
    return out;
  }
};

struct Env {
  std::string dir;
  std::unique_ptr<paritrana::award::AwardStore> store;
  FakeDirectory directory;
  FakeCoverage coverage;
  std::unique_ptr<Award> award;
};

Env& TheEnv() {
  static Env* env = [] {
    auto* e = new Env();
    e->dir = paritrana::fuzz::MakeFuzzDir("award");
    auto store = paritrana::award::OpenAwardStore("sqlite:" + e->dir + "/award.db");
    PARITRANA_FUZZ_CHECK(store.ok(), store.status().ToString());
    e->store = std::move(*store);
    e->award = std::make_unique<Award>(*e->store, e->directory, e->coverage,
                                       [] { return absl::CivilDay(2024, 6, 30); });
    auto rubric = paritrana::clients::LoadRubricFile(PARITRANA_DEFAULT_RUBRIC);
    PARITRANA_FUZZ_CHECK(rubric.ok(), rubric.status().ToString());
    auto installed = e->award->InstallRubric(rubric->rubric_id, rubric->rubric, rubric->version);
    PARITRANA_FUZZ_CHECK(installed.ok(), installed.status().ToString());
    return e;
  }();
  return *env;
}

Principal Caller(bool admin) {
  Principal p;
  p.id = admin ? "chair" : "siti";
  p.admin = admin;
  p.assessor = true;
  return p;
}

template <typename T>
concept Paged = requires(T r) {
  r.next_page_token();
};

using Method = paritrana::fuzz::RequestMethod;

template <typename Req, typename Fn>
Method Call(Fn fn) {
  return [fn](const std::string& bytes, bool admin) {
    Req req;
    if (!req.ParseFromString(bytes)) return;
    Award& award = *TheEnv().award;
    auto result = fn(award, req, Caller(admin));
    if (std::getenv("PARITRANA_FUZZ_VERBOSE") != nullptr) {  // to check what seeds reach
      std::fprintf(stderr, "%s: %s\n", Req::descriptor()->name().c_str(),
                   result.status().ToString().c_str());
    }
    if (!result.ok()) {
      PARITRANA_FUZZ_CHECK(paritrana::fuzz::IsRequestError(result.status()) ||
                               result.status().code() == absl::StatusCode::kPermissionDenied,
                           result.status().ToString());
      return;
    }
    using Resp = std::decay_t<decltype(*result)>;
    if constexpr (Paged<Resp>) {
      if (!result->next_page_token().empty()) {
        Req next = req;
        next.set_page_token(result->next_page_token());
        auto page = fn(award, next, Caller(admin));
        PARITRANA_FUZZ_CHECK(page.ok(), page.status().ToString());
      }
    }
  };
}

#define RULE(Name) \
  Call<v1::Name##Request>([](Award& a, const auto& q, const Principal&) { return a.Name(q); })
#define CALLER_RULE(Name)  \
  Call<v1::Name##Request>( \
      [](Award& a, const auto& q, const Principal& who) { return a.Name(q, who); })

const std::vector<Method>& Methods() {
  static const auto* methods = new std::vector<Method>{
      RULE(CreateRubric),              // 0
      RULE(GetRubric),                 // 1
      RULE(ListRubrics),               // 2
      RULE(CreateRubricVersion),       // 3
      RULE(GetRubricVersion),          // 4
      RULE(ListRubricVersions),        // 5
      RULE(UpdateRubricVersion),       // 6
      RULE(CreateAwardCycle),          // 7
      RULE(GetAwardCycle),             // 8
      RULE(ListAwardCycles),           // 9
      RULE(UpdateAwardCycle),          // 10
      RULE(CreateCandidate),           // 11
      RULE(GetCandidate),              // 12
      RULE(ListCandidates),            // 13
      RULE(UpdateCandidate),           // 14
      CALLER_RULE(CreateAssessment),   // 15
      RULE(GetAssessment),             // 16
      RULE(ListAssessments),           // 17
      CALLER_RULE(UpdateAssessment),   // 18
      CALLER_RULE(EvaluateCycle),      // 19
      CALLER_RULE(GetEvaluation),      // 20
      CALLER_RULE(ListEvaluations),    // 21
      CALLER_RULE(PublishEvaluation),  // 22
      RULE(PromoteCandidates),         // 23
  };
  return *methods;
}

}  // namespace

PARITRANA_REQUEST_FUZZER(PARITRANA_FUZZ_DIR "/award_requests.textproto", TheEnv, Methods)
