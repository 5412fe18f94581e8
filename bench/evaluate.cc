// paritrana-bench-evaluate: a national-size award cycle evaluated end to end (issue 8, item 5).
//
//   --part=registry  imports into a registry (ImportRecords) the national regions the shipped
//                    catalogue lacks: 514 regencies and cities across the 38 provinces, in the
//                    official count per province (synthetic names, codes PP.01.. for regencies
//                    and PP.71.. for cities), one district and one village in each, one employer,
//                    a 2025 baseline and target per regency/city and --participants_per_regency
//                    participants whose enrollments start in 2024 to mid-2025.
//   --part=award     against an award service started with
//                    --rubric_files=services/award/default_rubric_regency.json and an empty store:
//                    opens a national cycle (a zone of all 38 provinces) and a provincial one
//                    (Jambi, 11 candidates), registers every regency/city as a candidate, enters
//                    --assessors jury assessments per candidate (every jury indicator), then
//                    times EvaluateCycle --reps times for each cycle, alternating, and (with
//                    --coverage) the BatchGetCoverage calls the evaluation makes, made directly.
//                    With --fit_baselines it first sets each candidate's potential workers so its
//                    coverage ratio on --period_end lies between 15% and 74% (for a registry
//                    whose baselines do not match its participants, such as the Jambi one of
//                    paritrana-bench-import, whose fixed 1.9 million workers leave every regency
//                    under the rubric's 20% gate).
//
// --part=registry sets potential workers from the participants active on --period_end so that
// coverage ratios fall between 15% and 74%: about 1 candidate in 12 fails the rubric's 20% gate
// (screening) and the rest are scored and ranked, as in a real cycle. A timing of candidates that
// were all screened out measures nothing, so --part=award fails (exit 1) when fewer than
// --min_ranked_share of a cycle's candidates are ranked. Output: one
// `RESULT rep=N label=... key=value` line per measurement for scripts/bench.sh (evaluations with
// candidates, ranked, screened_out and no_data: screened out for want of a gate value), plus a
// human summary on stderr.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/dataset.h"
#include "bench/region_tables.h"
#include "grpcpp/create_channel.h"
#include "paritrana/award/v1/award.grpc.pb.h"
#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "region/validation.h"

ABSL_FLAG(std::string, part, "award", "registry | award");
ABSL_FLAG(std::string, registry, "127.0.0.1:50051", "HOST:PORT of the registry (plaintext)");
ABSL_FLAG(std::string, award, "127.0.0.1:50053", "HOST:PORT of the award service (plaintext)");
ABSL_FLAG(std::string, coverage, "",
          "HOST:PORT of the coverage service the award service uses; if set, its "
          "BatchGetCoverage calls are also timed on their own");
ABSL_FLAG(int32_t, regencies, 514, "Regencies/cities in the national cycle (at most 514)");
ABSL_FLAG(int32_t, participants_per_regency, 40, "Participants generated per regency/city");
ABSL_FLAG(int32_t, assessors, 3, "Jury assessors scoring every candidate");
ABSL_FLAG(int32_t, reps, 5, "Timed evaluations of each cycle");
ABSL_FLAG(bool, national, true,
          "Set up and time the national cycle; false: only the provincial one (Jambi), e.g. "
          "against a registry that holds only Jambi's data");
ABSL_FLAG(std::string, label, "eval", "Prefix of the RESULT labels");
ABSL_FLAG(std::string, region_catalog, "",
          "--part=award: the idn-area-data package directory; its regencies/cities are the "
          "national cycle's candidates (for a registry started with the same catalogue)");
ABSL_FLAG(std::string, rubric_version, "rubrics/regency-government/versions/1",
          "The regency/city rubric version (the award service's --rubric_files installs it)");
ABSL_FLAG(std::string, period_start, "2025-01-01", "The cycles' assessment period's first day");
ABSL_FLAG(std::string, period_end, "2025-06-30",
          "The cycles' assessment period's last day, on which coverage is measured; "
          "--part=registry sets potential workers from the participants active on it. For the "
          "national generator's registries: its query date, 2025-02-28");
ABSL_FLAG(bool, fit_baselines, false,
          "--part=award: before the cycles, update each candidate's potential workers (and its "
          "segments' in proportion) so that its coverage ratio on --period_end lies between 15% "
          "and 74% of its active persons then (needs --coverage and --registry)");
ABSL_FLAG(double, min_ranked_share, 0.5,
          "--part=award: fail (exit 1) when a cycle ranks fewer than this share of its "
          "candidates: the rest were screened out, and timing them would measure little");

namespace {

namespace av1 = paritrana::award::v1;
namespace cv1 = paritrana::coverage::v1;
namespace rv1 = paritrana::registry::v1;
namespace tv1 = paritrana::type::v1;

// Regencies and cities per province (Kemendagri, 2024): 416 + 98 = 514.
struct Province {
  int code;
  int regencies;
  int cities;
};
constexpr Province kProvinces[] = {
    {11, 18, 5}, {12, 25, 8}, {13, 12, 7}, {14, 10, 2}, {15, 9, 2},  {16, 13, 4}, {17, 9, 1},
    {18, 13, 2}, {19, 6, 1},  {21, 5, 2},  {31, 1, 5},  {32, 18, 9}, {33, 29, 6}, {34, 4, 1},
    {35, 29, 9}, {36, 4, 4},  {51, 8, 1},  {52, 8, 2},  {53, 21, 1}, {61, 12, 2}, {62, 13, 1},
    {63, 11, 2}, {64, 7, 3},  {65, 4, 1},  {71, 11, 4}, {72, 12, 1}, {73, 21, 3}, {74, 15, 2},
    {75, 5, 1},  {76, 6, 0},  {81, 9, 2},  {82, 8, 2},  {91, 8, 1},  {92, 7, 0},  {93, 4, 0},
    {94, 8, 0},  {95, 8, 0},  {96, 5, 1}};
constexpr int kJambi = 15;  // its regencies/cities ship with the registry's catalogue

constexpr int kBirthDays = 14610;  // 1965-01-01 .. 2004-12-31

// The jury indicators of the default regency rubric and their scales.
struct JuryIndicator {
  const char* id;
  double max;
};
constexpr JuryIndicator kJury[] = {{"regional_regulation", 100}, {"planning_integration", 100},
                                   {"budget_allocation", 100},   {"nik_data_use", 100},
                                   {"presentation", 100},        {"head_attends", 1}};

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// "PP.KK" codes of every regency and city, province by province: the catalogue's with
// --region_catalog, otherwise the table above.
std::vector<std::string> AllRegencies() {
  std::vector<std::string> out;
  if (const std::string dir = absl::GetFlag(FLAGS_region_catalog); !dir.empty()) {
    absl::StatusOr<paritrana::bench::RegionTables> tables =
        paritrana::bench::RegionTables::LoadCatalog(dir, "");
    if (!tables.ok()) {
      std::fprintf(stderr, "--region_catalog: %s\n", tables.status().ToString().c_str());
      std::exit(2);
    }
    for (const auto& r : tables->regencies()) out.push_back(r.code);
    return out;
  }
  for (const Province& p : kProvinces) {
    for (int r = 1; r <= p.regencies; ++r) out.push_back(absl::StrFormat("%02d.%02d", p.code, r));
    for (int c = 0; c < p.cities; ++c) out.push_back(absl::StrFormat("%02d.%02d", p.code, 71 + c));
  }
  return out;
}

// An evenly spread subset of n regencies (all 514 unless --regencies is lower, e.g. --quick).
std::vector<std::string> Regencies(int n) {
  const std::vector<std::string> all = AllRegencies();
  n = std::clamp(n, 1, static_cast<int>(all.size()));
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(all[static_cast<size_t>(i) * all.size() / n]);
  return out;
}

bool InJambi(const std::string& code) { return code.rfind("15.", 0) == 0; }

// Coverage ratio a regency's active participants should reach on the end date, 15% to 74%: with
// the rubric's 20% gate, 5 in 60 candidates are screened out and the rest ranked.
int RatioPercent(uint64_t key) { return 15 + static_cast<int>(Mix(key) % 60); }

// A stable hash of a region's name (the same ratio in every run).
uint64_t HashOf(const std::string& text) {
  uint64_t h = 0;
  for (unsigned char c : text) h = Mix(h ^ c);
  return h;
}

// The potential workers that put `active` persons at `percent` coverage.
int64_t PotentialFor(int64_t active, int percent) {
  return std::max<int64_t>(std::max<int64_t>(1, active),
                           std::llround(static_cast<double>(active) * 100 / percent));
}

absl::CivilDay DayFlag(const absl::Flag<std::string>& flag, const char* name) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(absl::GetFlag(flag), &day)) {
    std::fprintf(stderr, "--%s: not a date (YYYY-MM-DD): %s\n", name, absl::GetFlag(flag).c_str());
    std::exit(2);
  }
  return day;
}
absl::CivilDay PeriodStart() { return DayFlag(FLAGS_period_start, "period_start"); }
absl::CivilDay PeriodEnd() { return DayFlag(FLAGS_period_end, "period_end"); }

std::shared_ptr<grpc::Channel> Channel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

void Fail(const std::string& what, const grpc::Status& s) {
  std::fprintf(stderr, "paritrana-bench-evaluate: %s failed: %d %s\n", what.c_str(),
               static_cast<int>(s.error_code()), s.error_message().c_str());
  std::exit(1);
}

// One ImportRecords stream of `rows`; exits unless every row is accepted.
void Import(rv1::RegistryService::Stub& stub, std::vector<rv1::ImportRow> rows,
            const std::string& id) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(30));
  rv1::ImportRecordsResponse resp;
  auto writer = stub.ImportRecords(&ctx, &resp);
  rv1::ImportRecordsRequest msg;
  msg.mutable_header()->set_import_id(id);
  msg.mutable_header()->set_mode(rv1::IMPORT_MODE_LENIENT);
  msg.mutable_header()->set_batch_size(1000);
  bool open = writer->Write(msg);
  msg.Clear();
  for (size_t i = 0; i < rows.size() && open; ++i) {
    rows[i].set_row_number(static_cast<int64_t>(i) + 1);
    *msg.mutable_rows()->add_rows() = std::move(rows[i]);
    if (msg.rows().rows_size() == 1000 || i + 1 == rows.size()) {
      open = writer->Write(msg);
      msg.Clear();
    }
  }
  msg.mutable_end()->set_rows_sent(static_cast<int64_t>(rows.size()));
  if (open) writer->Write(msg);
  writer->WritesDone();
  const grpc::Status s = writer->Finish();
  if (!s.ok()) Fail(absl::StrCat("ImportRecords ", id), s);
  if (resp.rows_rejected() > 0 || resp.rows_rolled_back() > 0) {
    std::fprintf(stderr, "ImportRecords %s: %lld rows rejected, first: %s\n", id.c_str(),
                 static_cast<long long>(resp.rows_rejected()),
                 resp.rejected_rows_size() > 0 ? resp.rejected_rows(0).DebugString().c_str() : "");
    std::exit(1);
  }
}

int RegistryPart() {
  const std::vector<std::string> regencies = Regencies(absl::GetFlag(FLAGS_regencies));
  const int per = std::max(1, absl::GetFlag(FLAGS_participants_per_regency));
  auto stub = rv1::RegistryService::NewStub(Channel(absl::GetFlag(FLAGS_registry)));
  const absl::Time t0 = absl::Now();

  std::vector<rv1::ImportRow> skeleton;
  auto region = [&](const std::string& code, const std::string& display) {
    rv1::Region* r = skeleton.emplace_back().mutable_region();
    r->set_name(absl::StrCat("regions/", code));
    r->set_display_name(display);
    r->set_synthetic(true);
  };
  for (const std::string& code : regencies) {
    if (InJambi(code)) continue;
    const bool city = std::stoi(code.substr(3)) >= 71;
    region(code, absl::StrCat(city ? "Kota" : "Kabupaten", " Sintetis ", code));
  }
  for (const std::string& code : regencies)
    region(absl::StrCat(code, ".01"), absl::StrCat("Kecamatan Sintetis ", code));
  for (const std::string& code : regencies)
    region(absl::StrCat(code, ".01.2001"), absl::StrCat("Desa Sintetis ", code));
  for (size_t i = 0; i < regencies.size(); ++i) {
    const std::string& code = regencies[i];
    rv1::Employer* e = skeleton.emplace_back().mutable_employer();
    e->set_name(absl::StrCat("employers/", code.substr(0, 2), code.substr(3, 2), "0001"));
    e->set_display_name(absl::StrCat("PT Sintetis ", code));
    e->set_size_class(rv1::EMPLOYER_SIZE_CLASS_MEDIUM);
    e->set_sector("C");
    e->set_region(absl::StrCat("regions/", code, ".01.2001"));
    e->set_worker_count_declared(per);
  }

  // Participants: half PU with the regency's employer, the rest BPU, a quarter of those paid by
  // the regency's budget (the budget-funded indicator). Enrollments start between 2024-01-01 and
  // 2025-06-30 and are paid 12 to 24 months ahead, so coverage grows over the 2025 period; some
  // have lapsed by the period's end, so the baselines below count those still active then.
  const absl::CivilDay end = PeriodEnd();
  std::vector<int64_t> active(regencies.size(), 0);
  std::vector<rv1::ImportRow> people;
  uint64_t index = 0;
  for (size_t r = 0; r < regencies.size(); ++r) {
    const std::string& code = regencies[r];
    const std::string village = absl::StrCat("regions/", code, ".01.2001");
    for (int k = 0; k < per; ++k, ++index) {
      const uint64_t h = Mix(index ^ 0x5eed);
      const absl::CivilDay birth =
          absl::CivilDay(1965, 1, 1) + static_cast<int>(index % kBirthDays);
      const int serial = static_cast<int>(index / kBirthDays) + 1;
      const bool female = (h & 1) != 0;
      rv1::ParticipantEnrollment* pe = people.emplace_back().mutable_participant_enrollment();
      rv1::Participant* p = pe->mutable_participant();
      p->set_name(absl::StrFormat("participants/%011d", 30000000000ULL + index));
      p->set_nik(absl::StrFormat("%s%s01%02d%02d%02d%04d", code.substr(0, 2), code.substr(3, 2),
                                 birth.day() + (female ? 40 : 0), birth.month(), birth.year() % 100,
                                 serial));
      p->set_display_name(absl::StrCat("Peserta Sintetis ", index + 1));
      p->set_sex(female ? rv1::SEX_FEMALE : rv1::SEX_MALE);
      *p->mutable_birth_date() = paritrana::ToProtoDate(birth);
      p->set_domicile_region(village);

      rv1::Enrollment* e = pe->mutable_enrollment();
      e->add_programmes(tv1::PROGRAMME_JKK);
      e->add_programmes(tv1::PROGRAMME_JKM);
      int64_t amount = 16800;
      const int mix = static_cast<int>((h >> 8) % 100);
      if (mix < 50) {
        e->set_segment(tv1::SEGMENT_PU);
        e->set_employer(absl::StrCat("employers/", code.substr(0, 2), code.substr(3, 2), "0001"));
        e->add_programmes(tv1::PROGRAMME_JHT);
        e->add_programmes(tv1::PROGRAMME_JP);
        e->set_funding_source(tv1::FUNDING_SOURCE_EMPLOYER);
        amount = 350000;
      } else {
        e->set_segment(tv1::SEGMENT_BPU);
        if (mix < 62) {
          e->set_funding_source(tv1::FUNDING_SOURCE_REGENCY_BUDGET);
          e->set_subsidy_scheme("jamsostek-daerah");
        } else {
          e->set_funding_source(tv1::FUNDING_SOURCE_WORKER);
        }
      }
      e->set_region(village);
      const absl::CivilDay start = absl::CivilDay(2024, 1, 1) + static_cast<int>((h >> 16) % 547);
      *e->mutable_start_date() = paritrana::ToProtoDate(start);
      rv1::Contribution* c = pe->mutable_contribution();
      const int months = 12 + static_cast<int>((h >> 32) % 13);
      c->set_amount_rupiah(amount * months);
      *c->mutable_paid_date() = paritrana::ToProtoDate(start);
      const absl::CivilDay through = absl::CivilDay(absl::CivilMonth(start) + months) - 1;
      *c->mutable_covers_through() = paritrana::ToProtoDate(through);
      if (start <= end && end <= through) ++active[r];
    }
  }

  // Baselines (potential workers from the persons active on the period's end, so the ratio is
  // RatioPercent's; from all of them when none is) and targets.
  for (size_t i = 0; i < regencies.size(); ++i) {
    const std::string& code = regencies[i];
    skeleton.push_back(paritrana::bench::Dataset::Baseline2025(
        code, PotentialFor(active[i] > 0 ? active[i] : per, RatioPercent(i))));
    rv1::CoverageTarget* t = skeleton.emplace_back().mutable_target();
    t->set_name(absl::StrCat("regions/", code, "/targets/2025"));
    t->set_target_ratio_percent(40 + static_cast<double>(Mix(i ^ 0x7a7a) % 31));
    t->set_denominator_source(tv1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
  }
  const size_t skeleton_rows = skeleton.size();
  Import(*stub, std::move(skeleton), absl::StrCat("eval-skeleton-", absl::ToUnixMicros(t0)));
  const size_t participants = people.size();
  Import(*stub, std::move(people), absl::StrCat("eval-participants-", absl::ToUnixMicros(t0)));
  const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf(
      "RESULT rep=1 label=%s_registry_setup regencies=%zu skeleton_rows=%zu "
      "participants=%zu seconds=%.2f\n",
      absl::GetFlag(FLAGS_label).c_str(), regencies.size(), skeleton_rows, participants, seconds);
  std::fprintf(stderr,
               "registry: %zu regencies/cities, %zu skeleton rows, %zu participants in %.1f s\n",
               regencies.size(), skeleton_rows, participants, seconds);
  return 0;
}

// Award calls, all with a deadline and failing the benchmark on any error.
class AwardClient final {
 public:
  explicit AwardClient(const std::string& target)
      : stub_(av1::AwardService::NewStub(Channel(target))) {}

  void CreateCycle(const std::string& id, const std::string& display,
                   const std::vector<std::string>& provinces) {
    av1::CreateAwardCycleRequest req;
    req.set_award_cycle_id(id);
    av1::AwardCycle* c = req.mutable_award_cycle();
    c->set_display_name(display);
    c->set_year(2025);
    *c->mutable_assessment_period()->mutable_start_date() = paritrana::ToProtoDate(PeriodStart());
    *c->mutable_assessment_period()->mutable_end_date() = paritrana::ToProtoDate(PeriodEnd());
    if (provinces.size() == 1) {
      c->set_province(provinces[0]);
    } else {
      c->mutable_zone()->set_display_name("Nasional");
      for (const std::string& p : provinces) c->mutable_zone()->add_provinces(p);
    }
    av1::CategoryRubricVersion* v = c->add_rubric_versions();
    v->set_category(av1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
    v->set_rubric_version(absl::GetFlag(FLAGS_rubric_version));
    av1::AwardCycle out;
    grpc::ClientContext ctx;
    Deadline(ctx, absl::Seconds(30));
    if (grpc::Status s = stub_->CreateAwardCycle(&ctx, req, &out); !s.ok())
      Fail("CreateAwardCycle", s);
  }

  // Registers the regency/city and enters every assessor's scores for it.
  void AddCandidate(const std::string& cycle, const std::string& code, int assessors) {
    av1::CreateCandidateRequest req;
    req.set_parent(absl::StrCat("cycles/", cycle));
    req.set_candidate_id(absl::StrCat("r", code.substr(0, 2), "-", code.substr(3, 2)));
    req.mutable_candidate()->set_category(av1::AWARD_CATEGORY_REGENCY_GOVERNMENT);
    req.mutable_candidate()->set_subject(absl::StrCat("regions/", code));
    av1::Candidate candidate;
    {
      grpc::ClientContext ctx;
      Deadline(ctx, absl::Seconds(30));
      if (grpc::Status s = stub_->CreateCandidate(&ctx, req, &candidate); !s.ok()) {
        Fail(absl::StrCat("CreateCandidate ", code), s);
      }
    }
    const uint64_t profile = Mix(
        static_cast<uint64_t>(std::stoi(code.substr(0, 2)) * 100 + std::stoi(code.substr(3, 2))));
    for (int a = 1; a <= assessors; ++a) {
      av1::CreateAssessmentRequest areq;
      areq.set_parent(candidate.name());
      areq.set_assessment_id(absl::StrCat("juri-", a));
      for (size_t i = 0; i < std::size(kJury); ++i) {
        av1::JuryScore* s = areq.mutable_assessment()->add_scores();
        s->set_indicator_id(kJury[i].id);
        const uint64_t h = Mix(profile ^ (i * 131 + static_cast<uint64_t>(a)));
        s->set_score(kJury[i].max == 1 ? static_cast<double>(h & 1)
                                       : static_cast<double>(40 + h % 61));
      }
      av1::Assessment out;
      grpc::ClientContext ctx;
      Deadline(ctx, absl::Seconds(30));
      if (grpc::Status s = stub_->CreateAssessment(&ctx, areq, &out); !s.ok()) {
        Fail(absl::StrCat("CreateAssessment ", code), s);
      }
    }
  }

  // One timed EvaluateCycle: wall milliseconds as the client sees them.
  struct Timed {
    double ms = 0;
    int ranked = 0;
    int screened = 0;  // screened out, no_data included
    int no_data = 0;   // screened out because a gate's indicator had no value
    size_t bytes = 0;
    std::vector<double> gate_values;  // of the screened out candidates that had one
  };
  Timed Evaluate(const std::string& cycle) {
    av1::EvaluateCycleRequest req;
    req.set_name(absl::StrCat("cycles/", cycle));
    av1::Evaluation out;
    grpc::ClientContext ctx;
    Deadline(ctx, absl::Seconds(120));
    const absl::Time t0 = absl::Now();
    const grpc::Status s = stub_->EvaluateCycle(&ctx, req, &out);
    Timed t;
    t.ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    if (!s.ok()) Fail(absl::StrCat("EvaluateCycle ", cycle), s);
    for (const av1::CategoryResult& r : out.results()) {
      t.ranked += r.ranked_count();
      t.screened += r.screened_out_count();
      for (const av1::ScreenedOutEntry& e : r.screened_out()) {
        bool missing = false;
        for (const av1::GateOutcome& g : e.gate_outcomes()) {
          if (!g.has_value()) {
            missing = true;
          } else if (!g.passed()) {
            t.gate_values.push_back(g.value());
          }
        }
        if (missing) ++t.no_data;
      }
    }
    t.bytes = out.ByteSizeLong();
    return t;
  }

 private:
  static void Deadline(grpc::ClientContext& ctx, absl::Duration d) {
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + d));
  }
  std::unique_ptr<av1::AwardService::Stub> stub_;
};

// One BatchGetCoverage of regions[first, first + 100) on `day`, as the evaluation asks it (BPJS
// potential as the denominator); exits the benchmark when it fails.
cv1::BatchGetCoverageResponse BatchOf100(cv1::CoverageService::Stub& stub,
                                         const std::vector<std::string>& regions, size_t first,
                                         absl::CivilDay day) {
  cv1::BatchGetCoverageRequest req;
  for (size_t i = first; i < regions.size() && i < first + 100; ++i) {
    req.add_regions(absl::StrCat("regions/", regions[i]));
  }
  *req.mutable_date() = paritrana::ToProtoDate(day);
  req.set_denominator_source(tv1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
  cv1::BatchGetCoverageResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  if (grpc::Status s = stub.BatchGetCoverage(&ctx, req, &resp); !s.ok()) {
    Fail("BatchGetCoverage", s);
  }
  return resp;
}

// The BatchGetCoverage calls an evaluation of `regions` makes (end and start of the period, at
// most 100 regions a call), made directly: the share of the evaluation spent on computed data.
double CoverageMs(cv1::CoverageService::Stub& stub, const std::vector<std::string>& regions) {
  const absl::Time t0 = absl::Now();
  for (absl::CivilDay day : {PeriodEnd(), PeriodStart()}) {
    for (size_t first = 0; first < regions.size(); first += 100) {
      BatchOf100(stub, regions, first, day);
    }
  }
  return absl::ToDoubleMilliseconds(absl::Now() - t0);
}

// --fit_baselines: each region's potential workers (and its baseline's segments', in proportion)
// set so that its persons active on the period's end are RatioPercent of them. Regions without a
// baseline or without active persons are left alone (their candidates stay NO_DATA or screened).
void FitBaselines(cv1::CoverageService::Stub& coverage, rv1::RegistryService::Stub& registry,
                  const std::vector<std::string>& regions) {
  int fitted = 0, skipped = 0;
  for (size_t first = 0; first < regions.size(); first += 100) {
    const cv1::BatchGetCoverageResponse resp = BatchOf100(coverage, regions, first, PeriodEnd());
    for (const cv1::RegionCoverage& rc : resp.coverages()) {
      if (!rc.baseline_found() || rc.active_persons() <= 0 || rc.potential_workers() <= 0) {
        ++skipped;
        continue;
      }
      rv1::GetWorkforceBaselineRequest get;
      get.set_name(
          absl::StrCat(rc.region(), "/baselines/", rc.denominator_year(), "-bpjs-potential"));
      rv1::WorkforceBaseline b;
      {
        grpc::ClientContext gctx;
        gctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
        if (grpc::Status s = registry.GetWorkforceBaseline(&gctx, get, &b); !s.ok()) {
          Fail(absl::StrCat("GetWorkforceBaseline ", get.name()), s);
        }
      }
      const int64_t potential =
          PotentialFor(rc.active_persons(), RatioPercent(HashOf(rc.region())));
      const double factor =
          static_cast<double>(potential) / static_cast<double>(b.potential_workers());
      b.set_potential_workers(potential);
      // Rounded down, so the segments never add up to more than the total.
      for (rv1::SegmentWorkers& sw : *b.mutable_segment_workers()) {
        sw.set_potential_workers(
            static_cast<int64_t>(static_cast<double>(sw.potential_workers()) * factor));
      }
      rv1::UpdateWorkforceBaselineRequest update;
      *update.mutable_workforce_baseline() = b;
      update.mutable_update_mask()->add_paths("potential_workers");
      update.mutable_update_mask()->add_paths("segment_workers");
      rv1::WorkforceBaseline out;
      grpc::ClientContext uctx;
      uctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
      if (grpc::Status s = registry.UpdateWorkforceBaseline(&uctx, update, &out); !s.ok()) {
        Fail(absl::StrCat("UpdateWorkforceBaseline ", b.name()), s);
      }
      ++fitted;
    }
  }
  std::fprintf(stderr, "--fit_baselines: %d baselines fitted, %d regions left alone\n", fitted,
               skipped);
}

// Fails the benchmark when too few of a cycle's candidates were ranked: its timing would be that
// of screening, not of scoring and ranking.
void RequireRanked(const char* cycle, const AwardClient::Timed& t, size_t candidates) {
  const double share = absl::GetFlag(FLAGS_min_ranked_share);
  if (static_cast<double>(t.ranked) >= share * static_cast<double>(candidates)) return;
  std::vector<double> v = t.gate_values;
  std::sort(v.begin(), v.end());
  std::fprintf(stderr,
               "paritrana-bench-evaluate: the %s cycle ranked %d of %zu candidates, under "
               "--min_ranked_share=%.2f: %d screened out by a gate (%d of them NO_DATA: no value "
               "for the gated indicator)%s. Its baselines or participants do not fit the "
               "rubric's gate on %s (see --fit_baselines, --period_end).\n",
               cycle, t.ranked, candidates, share, t.screened, t.no_data,
               v.empty() ? ""
                         : absl::StrFormat("; failed gate values %.2f to %.2f, median %.2f",
                                           v.front(), v.back(), v[v.size() / 2])
                               .c_str(),
               absl::GetFlag(FLAGS_period_end).c_str());
  std::exit(1);
}

int AwardPart() {
  const std::vector<std::string> regencies = Regencies(absl::GetFlag(FLAGS_regencies));
  const int assessors = std::max(1, absl::GetFlag(FLAGS_assessors));
  const int reps = std::max(1, absl::GetFlag(FLAGS_reps));
  AwardClient award(absl::GetFlag(FLAGS_award));

  const bool national = absl::GetFlag(FLAGS_national);
  const std::string label = absl::GetFlag(FLAGS_label);
  std::vector<std::string> jambi;
  for (const std::string& code : national ? regencies : AllRegencies()) {
    if (InJambi(code)) jambi.push_back(code);
  }
  std::unique_ptr<cv1::CoverageService::Stub> coverage;
  if (!absl::GetFlag(FLAGS_coverage).empty()) {
    coverage = cv1::CoverageService::NewStub(Channel(absl::GetFlag(FLAGS_coverage)));
  }
  if (absl::GetFlag(FLAGS_fit_baselines)) {
    if (coverage == nullptr) {
      std::fprintf(stderr, "--fit_baselines needs --coverage\n");
      return 2;
    }
    auto registry = rv1::RegistryService::NewStub(Channel(absl::GetFlag(FLAGS_registry)));
    FitBaselines(*coverage, *registry, national ? regencies : jambi);
  }
  const absl::Time t0 = absl::Now();
  size_t candidates = jambi.size();
  if (national) {
    std::vector<std::string> provinces;
    for (const Province& p : kProvinces)
      provinces.push_back(absl::StrFormat("regions/%02d", p.code));
    award.CreateCycle("bench-national", "Bench: nasional", provinces);
    for (const std::string& code : regencies) award.AddCandidate("bench-national", code, assessors);
    candidates += regencies.size();
  }
  award.CreateCycle("bench-jambi", "Bench: Provinsi Jambi", {absl::StrCat("regions/", kJambi)});
  for (const std::string& code : jambi) award.AddCandidate("bench-jambi", code, assessors);
  const double setup_s = absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf(
      "RESULT rep=1 label=%s_award_setup candidates=%zu province_candidates=%zu "
      "assessors=%d assessments=%zu seconds=%.2f\n",
      label.c_str(), candidates, jambi.size(), assessors,
      candidates * static_cast<size_t>(assessors), setup_s);
  std::fprintf(stderr, "award: %zu candidates in all, %d assessors each, set up in %.1f s\n",
               candidates, assessors, setup_s);

  // One untimed evaluation of each first: connections, SQLite pages and code paths warm, as on
  // a service that has been running. It also checks that most candidates get ranked.
  if (national) RequireRanked("national", award.Evaluate("bench-national"), regencies.size());
  RequireRanked("provincial (Jambi)", award.Evaluate("bench-jambi"), jambi.size());
  for (int rep = 1; rep <= reps; ++rep) {
    std::string line;
    if (national) {
      const AwardClient::Timed n = award.Evaluate("bench-national");
      std::printf(
          "RESULT rep=%d label=%s_national candidates=%zu ranked=%d screened_out=%d "
          "no_data=%d ms=%.1f answer_bytes=%zu\n",
          rep, label.c_str(), regencies.size(), n.ranked, n.screened, n.no_data, n.ms, n.bytes);
      line = absl::StrFormat("national %.1f ms (%d of %zu ranked, %d screened out, %d NO_DATA), ",
                             n.ms, n.ranked, regencies.size(), n.screened, n.no_data);
    }
    const AwardClient::Timed j = award.Evaluate("bench-jambi");
    std::printf(
        "RESULT rep=%d label=%s_province candidates=%zu ranked=%d screened_out=%d "
        "no_data=%d ms=%.1f answer_bytes=%zu\n",
        rep, label.c_str(), jambi.size(), j.ranked, j.screened, j.no_data, j.ms, j.bytes);
    absl::StrAppend(
        &line, absl::StrFormat("Jambi %.1f ms (%d of %zu ranked)", j.ms, j.ranked, jambi.size()));
    if (coverage != nullptr) {
      // The calls of the largest cycle evaluated.
      const std::vector<std::string>& asked = national ? regencies : jambi;
      const double ms = CoverageMs(*coverage, asked);
      std::printf("RESULT rep=%d label=%s_coverage regions=%zu ms=%.1f\n", rep, label.c_str(),
                  asked.size(), ms);
      absl::StrAppend(&line, absl::StrFormat(", its BatchGetCoverage calls alone %.1f ms", ms));
    }
    std::fprintf(stderr, "evaluation %d/%d: %s\n", rep, reps, line.c_str());
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "paritrana-bench-evaluate: a national award cycle (514 regencies/cities) evaluated end to "
      "end. --part=registry loads the regions and data; --part=award sets up and times.");
  absl::ParseCommandLine(argc, argv);
  const std::string part = absl::GetFlag(FLAGS_part);
  if (part == "registry") return RegistryPart();
  if (part == "award") return AwardPart();
  std::fprintf(stderr, "--part must be registry or award\n");
  return 2;
}
