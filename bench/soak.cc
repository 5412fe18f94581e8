// paritrana-bench-soak: a long run of mixed reads and writes against a registry and a coverage
// service with --redis (its in-process cache in front of Redis), checking that answers through
// the caches never stay stale beyond a bound (issue 20's soak; scripts/bench_soak.sh runs it and
// samples the services' memory meanwhile).
//
//   reads:  GetCoverage of province 15 and its 11 regencies/cities in turn, on one date, at
//           --read_rate calls per second on a fixed schedule (open loop: latency is measured from
//           each call's intended send time, so falling behind shows as latency);
//   writes: at --write_rate, one new participant per ImportRecords call (one row: participant,
//           enrollment active on --date, first contribution covering it), each in the next
//           regency/city in turn, one at a time;
//   checks: the counts are known: before the run the registry's own QueryAggregates gives every
//           region's active persons, and each acknowledged write adds exactly one to its regency
//           and to the province (nothing else writes). A read sent more than --stale_bound after
//           a write was acknowledged must show it: one that does not is "stale beyond bound".
//           After each write its regency is polled through the coverage service until the new
//           count shows; the time from the acknowledgement to that answer is the visibility
//           latency. A count above what was written is "too high" (a wrong answer, not a late
//           one). At the end the registry's counts are read again and compared with what was
//           written.
//
// The bound: the in-process cache may answer from before a write for as long as the registry's
// pub/sub message takes to arrive (well under a millisecond on one host), or about a second if
// the link to Redis breaks silently (services/coverage/local_cache.h); hence 1 s by default.
//
// Output: a `PROGRESS key=value ...` line every --report_every and one `RESULT key=value ...`
// line at the end (scripts/bench.sh records it). The exit code is 0 whatever was found (the
// script judges), 1 when the run could not start, 3 when calls were still outstanding at exit.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/dataset.h"
#include "bench/histogram.h"
#include "grpcpp/create_channel.h"
#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "region/validation.h"

ABSL_FLAG(std::string, registry, "127.0.0.1:50051", "HOST:PORT of the registry (plaintext)");
ABSL_FLAG(std::string, coverage, "127.0.0.1:50052",
          "HOST:PORT of the coverage service (plaintext), started with --redis");
ABSL_FLAG(absl::Duration, duration, absl::Minutes(30), "Length of the soak");
ABSL_FLAG(double, read_rate, 400, "GetCoverage calls per second (open loop)");
ABSL_FLAG(double, write_rate, 5, "Writes (one new participant each) per second");
ABSL_FLAG(std::string, date, "2025-06-30", "Date asked about and on which new enrollments count");
ABSL_FLAG(absl::Duration, stale_bound, absl::Seconds(1),
          "A read sent this long after a write was acknowledged must show it");
ABSL_FLAG(absl::Duration, report_every, absl::Seconds(30), "Interval of the PROGRESS lines");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5), "Deadline of each call");
ABSL_FLAG(absl::Duration, give_up, absl::Seconds(10),
          "Stop polling a write's regency after this long (counted as never_visible)");
ABSL_FLAG(uint64_t, first, 100'000'000,
          "Dataset index of the first participant written (KPJ 2xxxxxxxxxx); must be beyond "
          "those the registry holds. A second soak on the same registry needs another value");
ABSL_FLAG(uint64_t, seed, 2025, "Dataset seed (bench/dataset.h), as the import used");
ABSL_FLAG(int32_t, max_in_flight, 10000,
          "Reads outstanding at most; a read due beyond it is not sent and counts as an error "
          "(code BACKLOG)");

namespace {

namespace cv1 = paritrana::coverage::v1;
namespace rv1 = paritrana::registry::v1;
using paritrana::bench::Histogram;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
uint64_t Nanos(Clock::duration d) {
  return static_cast<uint64_t>(
      std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()));
}

std::string CodeName(const grpc::Status& s) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code()));
}

// Error counts by method and code ("GetCoverage:DEADLINE_EXCEEDED").
class Errors final {
 public:
  void Add(const std::string& method, const std::string& code) {
    std::lock_guard<std::mutex> lock(mu_);
    ++by_code_[absl::StrCat(method, ":", code)];
  }
  std::string Text() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const auto& [k, n] : by_code_) absl::StrAppend(&out, out.empty() ? "" : ",", k, ":", n);
    return out.empty() ? "none" : out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> by_code_;
};

// What is known about each region's count: the count before the soak, and the acknowledgement
// time of every write that added one to it (in order: writes are made one at a time).
class Truth final {
 public:
  struct Verdict {
    bool stale_beyond_bound = false;
    bool stale_within_bound = false;
    bool too_high = false;
  };

  Truth(std::vector<std::string> regions, std::vector<int64_t> base, Clock::duration bound)
      : regions_(std::move(regions)), bound_(bound), state_(regions_.size()) {
    for (size_t i = 0; i < base.size(); ++i) state_[i].base = base[i];
  }
  const std::vector<std::string>& regions() const { return regions_; }

  // A write to `region` is about to be sent / was answered (`acked`: committed, one more person).
  void Begin(size_t region) {
    std::lock_guard<std::mutex> lock(mu_);
    state_[region].in_flight = true;
    state_[0].in_flight = true;
  }
  void End(size_t region, bool acked, bool uncertain, Clock::time_point at) {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t r : {region, size_t{0}}) {
      state_[r].in_flight = false;
      if (acked) state_[r].acks.push_back(at);
      if (uncertain) ++state_[r].uncertain;  // failed, but may have committed
    }
  }
  int64_t Expected(size_t region) const {
    std::lock_guard<std::mutex> lock(mu_);
    return state_[region].base + static_cast<int64_t>(state_[region].acks.size());
  }

  // Judges an answer `count` for `region` to a read sent at `sent`, received now.
  Verdict Judge(size_t region, Clock::time_point sent, int64_t count) const {
    std::lock_guard<std::mutex> lock(mu_);
    const State& s = state_[region];
    Verdict v;
    // Every write acknowledged before the read was sent had committed: with bound 0 the read
    // must show them all; it is allowed to miss those acknowledged within `bound` before.
    const auto acked_before = [&](Clock::time_point t) {
      return static_cast<int64_t>(std::upper_bound(s.acks.begin(), s.acks.end(), t) -
                                  s.acks.begin());
    };
    const int64_t must_show = s.base + acked_before(sent - bound_);
    const int64_t fresh = s.base + acked_before(sent);
    if (count < must_show) {
      v.stale_beyond_bound = true;
    } else if (count < fresh) {
      v.stale_within_bound = true;
    }
    // Nothing can be counted that was not written: every commit so far is acknowledged, in
    // flight, or a failed call that may have committed.
    const int64_t most =
        s.base + static_cast<int64_t>(s.acks.size()) + (s.in_flight ? 1 : 0) + s.uncertain;
    v.too_high = count > most;
    return v;
  }

 private:
  struct State {
    int64_t base = 0;
    std::vector<Clock::time_point> acks;
    bool in_flight = false;
    int64_t uncertain = 0;
  };
  const std::vector<std::string> regions_;
  const Clock::duration bound_;
  mutable std::mutex mu_;
  std::vector<State> state_;
};

struct Counters {
  std::atomic<uint64_t> reads{0}, read_errors{0};
  std::atomic<uint64_t> polls{0}, poll_errors{0};
  std::atomic<uint64_t> writes{0}, write_errors{0};
  std::atomic<uint64_t> stale_beyond_bound{0}, stale_within_bound{0}, too_high{0};
  std::atomic<uint64_t> never_visible{0}, fresh_on_first_poll{0};
  Histogram read_ns, visible_ns, write_ns;
  Errors errors;

  void Count(const Truth::Verdict& v) {
    if (v.stale_beyond_bound) stale_beyond_bound.fetch_add(1, std::memory_order_relaxed);
    if (v.stale_within_bound) stale_within_bound.fetch_add(1, std::memory_order_relaxed);
    if (v.too_high) too_high.fetch_add(1, std::memory_order_relaxed);
  }
};

google::type::Date ParseDate(const std::string& text, absl::CivilDay& day) {
  if (!absl::ParseCivilTime(text, &day)) {
    std::fprintf(stderr, "--date: not YYYY-MM-DD: %s\n", text.c_str());
    std::exit(2);
  }
  return paritrana::ToProtoDate(day);
}

// The registry's active persons of each region on `date`.
absl::StatusOr<std::vector<int64_t>> RegistryCounts(rv1::RegistryService::Stub& registry,
                                                    const std::vector<std::string>& regions,
                                                    const google::type::Date& date) {
  rv1::QueryAggregatesRequest request;
  for (const std::string& r : regions) request.add_regions(r);
  *request.add_dates() = date;
  rv1::QueryAggregatesResponse response;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  const grpc::Status s = registry.QueryAggregates(&ctx, request, &response);
  if (!s.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        absl::StrCat("QueryAggregates: ", s.error_message()));
  }
  std::vector<int64_t> counts(regions.size(), -1);
  for (const rv1::RegionAggregate& a : response.aggregates()) {
    for (size_t i = 0; i < regions.size(); ++i) {
      if (a.region() == regions[i]) counts[i] = a.active_persons();
    }
  }
  for (size_t i = 0; i < regions.size(); ++i) {
    if (counts[i] < 0) return absl::NotFoundError(absl::StrCat("no aggregate for ", regions[i]));
  }
  return counts;
}

// New participant number `k`: the dataset's participant (first + k) moved to regency/city
// `regency` (its NIK's regency digits and its domicile follow), enrolled before `date` with a
// first contribution covering `date` and six months beyond, so it counts as one more active
// person of that regency and of the province on `date`.
rv1::ImportRow NewParticipant(const paritrana::bench::Dataset& data, uint64_t k,
                              const std::string& regency, absl::CivilDay date) {
  rv1::ParticipantEnrollment pe = data.Participant(absl::GetFlag(FLAGS_first) + k);
  rv1::Participant* p = pe.mutable_participant();
  // "regions/15.RR.DD.VVVV" -> "regions/" + regency + ".DD.VVVV"
  const std::string village = absl::StrCat("regions/", regency, p->domicile_region().substr(13));
  p->set_domicile_region(village);
  std::string nik = p->nik();
  nik.replace(2, 2, regency.substr(3, 2));
  p->set_nik(nik);
  rv1::Enrollment* e = pe.mutable_enrollment();
  e->set_region(village);
  const absl::CivilDay start = date - 1 - static_cast<int>(k % 365);
  *e->mutable_start_date() = paritrana::ToProtoDate(start);
  rv1::Contribution* c = pe.mutable_contribution();
  *c->mutable_paid_date() = paritrana::ToProtoDate(start);
  *c->mutable_covers_through() =
      paritrana::ToProtoDate(absl::CivilDay(absl::CivilMonth(date) + 7) - 1);
  rv1::ImportRow row;
  row.set_row_number(1);
  *row.mutable_participant_enrollment() = std::move(pe);
  return row;
}

// One ImportRecords call carrying `row`: OK only when the row was accepted (a new person).
grpc::Status Write(rv1::RegistryService::Stub& registry, const std::string& import_id,
                   const rv1::ImportRow& row) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_deadline)));
  rv1::ImportRecordsResponse response;
  auto writer = registry.ImportRecords(&ctx, &response);
  rv1::ImportRecordsRequest header;
  header.mutable_header()->set_import_id(import_id);
  header.mutable_header()->set_mode(rv1::IMPORT_MODE_STRICT);
  header.mutable_header()->set_batch_size(1);
  rv1::ImportRecordsRequest rows;
  *rows.mutable_rows()->add_rows() = row;
  rv1::ImportRecordsRequest end;
  end.mutable_end()->set_rows_sent(1);
  if (writer->Write(header) && writer->Write(rows)) writer->Write(end);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (status.ok() && response.rows_accepted() != 1) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        response.rejected_rows_size() > 0
                            ? absl::StrCat("row not accepted: ", response.rejected_rows(0).field(),
                                           " ", response.rejected_rows(0).reason())
                            : "row not accepted");
  }
  return status;
}

class Soak final {
 public:
  Soak(Truth& truth, Counters& counters, std::shared_ptr<grpc::Channel> coverage,
       std::shared_ptr<grpc::Channel> registry, google::type::Date date, absl::CivilDay day)
      : truth_(truth),
        counters_(counters),
        coverage_(cv1::CoverageService::NewStub(coverage)),
        registry_(rv1::RegistryService::NewStub(registry)),
        date_(date),
        day_(day) {}

  // Reads on a fixed schedule from `start` until `stop`.
  void Reads(Clock::time_point start, Clock::time_point stop) {
    const auto interval =
        std::chrono::duration<double, std::nano>(1e9 / absl::GetFlag(FLAGS_read_rate));
    const int max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
    const size_t regions = truth_.regions().size();
    for (uint64_t n = 0;; ++n) {
      const Clock::time_point due =
          start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(n));
      if (due >= stop) break;
      std::this_thread::sleep_until(due);
      if (in_flight_.load(std::memory_order_relaxed) >= max_in_flight) {
        counters_.read_errors.fetch_add(1, std::memory_order_relaxed);
        counters_.errors.Add("GetCoverage", "BACKLOG");
        continue;
      }
      ReadAsync(n % regions, due);
    }
  }

  // Writes on a fixed schedule from `start` until `stop`; after each, polls its regency until
  // the new count shows.
  void Writes(Clock::time_point start, Clock::time_point stop) {
    const paritrana::bench::Dataset data(absl::GetFlag(FLAGS_seed));
    const auto interval =
        std::chrono::duration<double, std::nano>(1e9 / absl::GetFlag(FLAGS_write_rate));
    const std::string run = absl::StrCat("soak-", absl::ToUnixMicros(absl::Now()), "-");
    const size_t regencies = truth_.regions().size() - 1;  // region 0 is the province
    for (uint64_t k = 0;; ++k) {
      const Clock::time_point due =
          start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(k));
      // A write made late (its predecessor's poll took long) is still made, but none after stop.
      if (due >= stop || Clock::now() >= stop) break;
      std::this_thread::sleep_until(due);
      const size_t region = 1 + k % regencies;
      const std::string regency = truth_.regions()[region].substr(8);  // "regions/15.01"
      const rv1::ImportRow row = NewParticipant(data, k, regency, day_);
      truth_.Begin(region);
      const Clock::time_point sent = Clock::now();
      const grpc::Status status = Write(*registry_, absl::StrCat(run, k), row);
      const Clock::time_point acked = Clock::now();
      // A failed call may still have committed unless the registry said it did not.
      const bool uncertain = !status.ok() && (status.error_code() == grpc::DEADLINE_EXCEEDED ||
                                              status.error_code() == grpc::UNAVAILABLE ||
                                              status.error_code() == grpc::UNKNOWN);
      truth_.End(region, status.ok(), uncertain, acked);
      if (!status.ok()) {
        counters_.write_errors.fetch_add(1, std::memory_order_relaxed);
        counters_.errors.Add("ImportRecords", CodeName(status));
        if (write_error_logged_++ < 5) {
          std::fprintf(stderr, "write %llu: %s %s\n", static_cast<unsigned long long>(k),
                       CodeName(status).c_str(), status.error_message().c_str());
        }
        continue;
      }
      counters_.writes.fetch_add(1, std::memory_order_relaxed);
      counters_.write_ns.Record(Nanos(acked - sent));
      PollUntilVisible(region, acked);
    }
  }

  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  cv1::GetCoverageRequest Request(size_t region) const {
    cv1::GetCoverageRequest r;
    r.set_region(truth_.regions()[region]);
    *r.mutable_date() = date_;
    return r;
  }

  void ReadAsync(size_t region, Clock::time_point due) {
    struct Call {
      grpc::ClientContext ctx;
      cv1::GetCoverageRequest request;
      cv1::RegionCoverage response;
      Clock::time_point due, sent;
    };
    auto call = std::make_shared<Call>();
    call->request = Request(region);
    call->due = due;
    call->ctx.set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_deadline)));
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    call->sent = Clock::now();
    coverage_->async()->GetCoverage(
        &call->ctx, &call->request, &call->response, [this, call, region](grpc::Status status) {
          const Clock::time_point done = Clock::now();
          if (status.ok()) {
            counters_.reads.fetch_add(1, std::memory_order_relaxed);
            counters_.read_ns.Record(Nanos(done - call->due));
            counters_.Count(truth_.Judge(region, call->sent, call->response.active_persons()));
          } else {
            counters_.read_errors.fetch_add(1, std::memory_order_relaxed);
            counters_.errors.Add("GetCoverage", CodeName(status));
          }
          in_flight_.fetch_sub(1, std::memory_order_relaxed);
        });
  }

  void PollUntilVisible(size_t region, Clock::time_point acked) {
    const int64_t expected = truth_.Expected(region);
    const auto give_up = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_give_up));
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_deadline)));
      cv1::RegionCoverage answer;
      const Clock::time_point sent = Clock::now();
      const grpc::Status status = coverage_->GetCoverage(&ctx, Request(region), &answer);
      const Clock::time_point done = Clock::now();
      if (!status.ok()) {
        counters_.poll_errors.fetch_add(1, std::memory_order_relaxed);
        counters_.errors.Add("GetCoverage(poll)", CodeName(status));
      } else {
        counters_.polls.fetch_add(1, std::memory_order_relaxed);
        counters_.Count(truth_.Judge(region, sent, answer.active_persons()));
        if (answer.active_persons() >= expected) {
          counters_.visible_ns.Record(Nanos(done - acked));
          if (attempt == 0) counters_.fresh_on_first_poll.fetch_add(1, std::memory_order_relaxed);
          return;
        }
      }
      if (done - acked > give_up) {
        counters_.never_visible.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      // Poll densely at first (the expected delay is a pub/sub message), then every 10 ms.
      if (done - acked > std::chrono::milliseconds(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }

  Truth& truth_;
  Counters& counters_;
  std::unique_ptr<cv1::CoverageService::Stub> coverage_;
  std::unique_ptr<rv1::RegistryService::Stub> registry_;
  const google::type::Date date_;
  const absl::CivilDay day_;
  std::atomic<int64_t> in_flight_{0};
  int write_error_logged_ = 0;
};

double Us(const Histogram& h, double p) { return static_cast<double>(h.Percentile(p)) / 1000.0; }
double MaxUs(const Histogram& h) { return static_cast<double>(h.Max()) / 1000.0; }

// The counters as key=value pairs (PROGRESS and RESULT share them).
std::string Fields(const Counters& c) {
  return absl::StrCat(
      "reads=", c.reads.load(), " writes=", c.writes.load(), " read_errors=", c.read_errors.load(),
      " write_errors=", c.write_errors.load(), " poll_errors=", c.poll_errors.load(),
      " stale_beyond_bound=", c.stale_beyond_bound.load(),
      " stale_within_bound=", c.stale_within_bound.load(), " too_high=", c.too_high.load(),
      " never_visible=", c.never_visible.load(), " polls=", c.polls.load(),
      " fresh_on_first_poll=", c.fresh_on_first_poll.load(),
      absl::StrFormat(" visible_p50_us=%.1f visible_p99_us=%.1f visible_max_us=%.1f",
                      Us(c.visible_ns, 50), Us(c.visible_ns, 99), MaxUs(c.visible_ns)),
      absl::StrFormat(" read_p50_us=%.1f read_p99_us=%.1f read_p999_us=%.1f read_max_us=%.1f",
                      Us(c.read_ns, 50), Us(c.read_ns, 99), Us(c.read_ns, 99.9), MaxUs(c.read_ns)),
      absl::StrFormat(" write_p50_us=%.1f write_p99_us=%.1f", Us(c.write_ns, 50),
                      Us(c.write_ns, 99)));
}

std::shared_ptr<grpc::Channel> Connect(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    std::fprintf(stderr, "cannot connect to %s\n", target.c_str());
    std::exit(1);
  }
  return channel;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "paritrana-bench-soak: mixed reads and writes through the coverage caches, with a bound on "
      "staleness.");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_read_rate) <= 0 || absl::GetFlag(FLAGS_write_rate) <= 0) {
    std::fprintf(stderr, "--read_rate and --write_rate must be positive\n");
    return 2;
  }
  absl::CivilDay day;
  const google::type::Date date = ParseDate(absl::GetFlag(FLAGS_date), day);
  std::vector<std::string> regions = {"regions/15"};
  for (const std::string& r : paritrana::bench::Dataset::Regencies()) {
    regions.push_back("regions/" + r);
  }

  auto registry_channel = Connect(absl::GetFlag(FLAGS_registry));
  auto coverage_channel = Connect(absl::GetFlag(FLAGS_coverage));
  auto registry = rv1::RegistryService::NewStub(registry_channel);
  absl::StatusOr<std::vector<int64_t>> base = RegistryCounts(*registry, regions, date);
  if (!base.ok()) {
    std::fprintf(stderr, "reading the counts before the soak: %s\n",
                 base.status().ToString().c_str());
    return 1;
  }
  std::printf("before: province %lld active persons on %s\n", static_cast<long long>((*base)[0]),
              absl::GetFlag(FLAGS_date).c_str());

  const Clock::duration bound = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_stale_bound));
  Truth truth(regions, *base, bound);
  Counters counters;
  Soak soak(truth, counters, coverage_channel, registry_channel, date, day);

  const Clock::time_point start = Clock::now();
  const Clock::time_point stop = start + absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_duration));
  std::thread reads([&] { soak.Reads(start, stop); });
  std::thread writes([&] { soak.Writes(start, stop); });

  // Progress until both loops end.
  absl::Notification done;
  std::thread waiter([&] {
    reads.join();
    writes.join();
    done.Notify();
  });
  const absl::Duration every = absl::GetFlag(FLAGS_report_every);
  while (!done.WaitForNotificationWithTimeout(every)) {
    std::printf("PROGRESS elapsed_s=%.0f %s\n", Seconds(Clock::now() - start),
                Fields(counters).c_str());
    std::fflush(stdout);
  }
  waiter.join();
  const double seconds = Seconds(Clock::now() - start);
  // Rates over the scheduled time (the last write's poll may run on past it).
  const double scheduled = absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration));
  // Let the reads in flight finish (each is bounded by its deadline).
  const Clock::time_point drain_until = Clock::now() +
                                        absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_deadline)) +
                                        std::chrono::seconds(1);
  while (soak.in_flight() > 0 && Clock::now() < drain_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // What was written landed, and only that: the registry's counts now against the expected ones.
  int64_t final_mismatch = 0;
  absl::StatusOr<std::vector<int64_t>> after = RegistryCounts(*registry, regions, date);
  if (!after.ok()) {
    std::fprintf(stderr, "reading the counts after the soak: %s\n",
                 after.status().ToString().c_str());
    final_mismatch = -1;
  } else {
    for (size_t i = 0; i < regions.size(); ++i) {
      if ((*after)[i] != truth.Expected(i)) {
        ++final_mismatch;
        std::fprintf(stderr, "%s: registry counts %lld, expected %lld\n", regions[i].c_str(),
                     static_cast<long long>((*after)[i]),
                     static_cast<long long>(truth.Expected(i)));
      }
    }
  }

  std::printf(
      "soak %.0f s: %llu reads (%.0f/s), %llu writes (%.1f/s), errors: %s; stale beyond %s: "
      "%llu; visibility p50 %.0f us, p99 %.0f us, max %.0f us; read p50 %.0f us, p99 %.0f us\n",
      seconds, static_cast<unsigned long long>(counters.reads.load()),
      static_cast<double>(counters.reads.load()) / scheduled,
      static_cast<unsigned long long>(counters.writes.load()),
      static_cast<double>(counters.writes.load()) / scheduled, counters.errors.Text().c_str(),
      absl::FormatDuration(absl::GetFlag(FLAGS_stale_bound)).c_str(),
      static_cast<unsigned long long>(counters.stale_beyond_bound.load()),
      Us(counters.visible_ns, 50), Us(counters.visible_ns, 99), MaxUs(counters.visible_ns),
      Us(counters.read_ns, 50), Us(counters.read_ns, 99));
  std::printf(
      "RESULT %s seconds=%.1f read_rate=%.1f write_rate=%.2f read_qps=%.1f write_qps=%.2f "
      "stale_bound_ms=%.0f final_mismatch=%lld province_before=%lld province_after=%lld "
      "error_codes=%s\n",
      Fields(counters).c_str(), seconds, absl::GetFlag(FLAGS_read_rate),
      absl::GetFlag(FLAGS_write_rate), static_cast<double>(counters.reads.load()) / scheduled,
      static_cast<double>(counters.writes.load()) / scheduled,
      absl::ToDoubleMilliseconds(absl::GetFlag(FLAGS_stale_bound)),
      static_cast<long long>(final_mismatch), static_cast<long long>((*base)[0]),
      static_cast<long long>(after.ok() ? (*after)[0] : -1), counters.errors.Text().c_str());
  std::fflush(stdout);
  // gRPC's threads may still hold callbacks into `soak` if a read outlived the drain; leave
  // without running destructors.
  std::_Exit(soak.in_flight() > 0 ? 3 : 0);
}
