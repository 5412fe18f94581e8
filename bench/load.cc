// paritrana-bench-load: an asynchronous (callback API) gRPC load generator for the read methods.
//
//   closed loop: --concurrency callers, each sending its next call when the previous answers;
//   open loop:   --rate calls per second sent on a fixed schedule whatever the answers do, with
//                each latency measured from the call's INTENDED send time, so a server (or this
//                client) that falls behind shows as latency instead of being hidden by a slower
//                send rate (no coordinated omission).
//
// Calls go through a generic stub with requests serialized once, so the client spends the same
// small effort on every method and answers are not parsed (the first one is, as a check).
// Output: one human line and one `RESULT key=value ...` line for scripts/bench.sh.
#include <atomic>
#include <chrono>
#include <cstdio>
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
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/histogram.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "paritrana/bench/v1/echo.pb.h"
#include "paritrana/coverage/v1/coverage.pb.h"
#include "paritrana/registry/v1/registry.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50099",
          "HOST:PORT of the server (plaintext), or several replicas as ipv4:HOST:P1,HOST:P2");
ABSL_FLAG(std::string, lb, "",
          "round_robin (a connection per address on each channel, calls spread over them) or "
          "pick_first (gRPC's default: the first address that answers); default: round_robin "
          "when --target lists several addresses, as clients/channel.h balances");
ABSL_FLAG(bool, report_cache, true,
          "coverage: ask for the paritrana-computed-from-cache header (request metadata "
          "paritrana-report-cache: true) to count answers from cache; false calls as a caller that "
          "does not ask, the default of the service");
ABSL_FLAG(std::string, method, "echo",
          "echo | coverage (GetCoverage) | aggregates (QueryAggregates)");
ABSL_FLAG(std::string, label, "", "Name printed with the result; default: the method");
ABSL_FLAG(std::string, regions, "regions/15",
          "Comma-separated regions; calls cycle through them (coverage, aggregates)");
ABSL_FLAG(std::string, date, "2025-06-30", "Date asked about, YYYY-MM-DD (coverage, aggregates)");
ABSL_FLAG(int32_t, echo_reply_bytes, 0, "Echo: size of the answer (0: echo the 16-byte payload)");
ABSL_FLAG(std::string, mode, "closed", "closed (N concurrent callers) or open (fixed rate)");
ABSL_FLAG(int32_t, concurrency, 16, "Closed loop: concurrent callers");
ABSL_FLAG(double, rate, 1000, "Open loop: calls per second");
ABSL_FLAG(int32_t, max_in_flight, 20000,
          "Open loop: calls outstanding at most; a call due beyond it is not sent and counts as "
          "an error (code BACKLOG)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Time before measuring (calls not recorded)");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5), "Deadline of each call");
ABSL_FLAG(int32_t, channels, 2, "Channels (TCP connections); calls are spread over them");
ABSL_FLAG(std::string, token, "", "Bearer token to send, if the server checks them");

namespace {

using paritrana::bench::Histogram;
using Clock = std::chrono::steady_clock;

struct Target {
  std::string method_path;
  std::vector<grpc::ByteBuffer> requests;  // cycled through
};

grpc::ByteBuffer Serialize(const google::protobuf::Message& m) {
  const std::string bytes = m.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

google::type::Date ParseDate(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  google::type::Date d;
  if (parts.size() == 3) {
    d.set_year(std::stoi(parts[0]));
    d.set_month(std::stoi(parts[1]));
    d.set_day(std::stoi(parts[2]));
  }
  return d;
}

Target MakeTarget(const std::string& method) {
  Target t;
  const std::vector<std::string> regions =
      absl::StrSplit(absl::GetFlag(FLAGS_regions), ',', absl::SkipEmpty());
  const google::type::Date date = ParseDate(absl::GetFlag(FLAGS_date));
  if (method == "echo") {
    t.method_path = "/paritrana.bench.v1.EchoService/Echo";
    paritrana::bench::v1::EchoRequest r;
    r.set_payload(std::string(16, 'p'));
    r.set_reply_bytes(absl::GetFlag(FLAGS_echo_reply_bytes));
    t.requests.push_back(Serialize(r));
  } else if (method == "coverage") {
    t.method_path = "/paritrana.coverage.v1.CoverageService/GetCoverage";
    for (const std::string& region : regions) {
      paritrana::coverage::v1::GetCoverageRequest r;
      r.set_region(region);
      *r.mutable_date() = date;
      t.requests.push_back(Serialize(r));
    }
  } else if (method == "aggregates") {
    t.method_path = "/paritrana.registry.v1.RegistryService/QueryAggregates";
    for (const std::string& region : regions) {
      paritrana::registry::v1::QueryAggregatesRequest r;
      r.add_regions(region);
      *r.add_dates() = date;
      t.requests.push_back(Serialize(r));
    }
  } else {
    std::fprintf(stderr, "--method must be echo, coverage or aggregates\n");
    std::exit(2);
  }
  if (t.requests.empty()) {
    std::fprintf(stderr, "--regions is empty\n");
    std::exit(2);
  }
  return t;
}

// Everything the calls report into. Counters are atomics: callbacks run on gRPC's threads.
struct Results {
  Histogram latency_ns;
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> from_cache{0};      // answers with paritrana-computed-from-cache: true
  std::atomic<uint64_t> not_from_cache{0};  // ... false
  std::atomic<uint64_t> response_bytes{0};
  std::mutex mu;
  std::map<std::string, uint64_t> errors;  // by code name
  void Error(const std::string& code) {
    std::lock_guard<std::mutex> lock(mu);
    ++errors[code];
  }
};

class Load {
 public:
  Load(Target target, std::vector<std::unique_ptr<grpc::GenericStub>> stubs)
      : target_(std::move(target)), stubs_(std::move(stubs)) {}

  // The measurement window: calls due (closed loop: sent) inside it are recorded; throughput is
  // the successful ones among them per second of window.
  void SetWindow(Clock::time_point from, Clock::time_point to) {
    window_from_ = from;
    window_to_ = to;
  }

  // Sends call number `n`, due at `intended`; `then` runs after it has been recorded.
  void Send(uint64_t n, Clock::time_point intended, std::function<void()> then) {
    struct Call {
      grpc::ClientContext ctx;
      grpc::ByteBuffer response;
      Clock::time_point intended;
    };
    auto call = std::make_shared<Call>();
    call->intended = intended;
    call->ctx.set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_deadline)));
    if (!token_.empty()) call->ctx.AddMetadata("authorization", "Bearer " + token_);
    if (report_cache_) call->ctx.AddMetadata("paritrana-report-cache", "true");
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    const grpc::ByteBuffer& request = target_.requests[n % target_.requests.size()];
    stubs_[n % stubs_.size()]->UnaryCall(&call->ctx, target_.method_path, grpc::StubOptions(),
                                         &request, &call->response,
                                         [this, call, then = std::move(then)](grpc::Status status) {
                                           const Clock::time_point done = Clock::now();
                                           Record(*call, status, done, call->intended);
                                           in_flight_.fetch_sub(1, std::memory_order_relaxed);
                                           if (then) then();
                                         });
  }

  template <typename C>
  void Record(C& call, const grpc::Status& status, Clock::time_point done,
              Clock::time_point intended) {
    if (intended < window_from_ || intended >= window_to_) return;
    if (!status.ok()) {
      results_.Error(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())));
      return;
    }
    results_.latency_ns.Record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(done - intended).count()));
    results_.ok.fetch_add(1, std::memory_order_relaxed);
    results_.response_bytes.fetch_add(call.response.Length(), std::memory_order_relaxed);
    const auto& md = call.ctx.GetServerInitialMetadata();
    auto it = md.find("paritrana-computed-from-cache");
    if (it != md.end()) {
      (it->second == "true" ? results_.from_cache : results_.not_from_cache)
          .fetch_add(1, std::memory_order_relaxed);
    }
    if (!checked_.exchange(true)) Check(call.response);
  }

  // Parses one answer as the method's response type, so a wrong method or server shows.
  void Check(grpc::ByteBuffer& response) {
    std::vector<grpc::Slice> slices;
    if (!response.Dump(&slices).ok()) return;
    std::string bytes;
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    bool parsed = false;
    if (absl::GetFlag(FLAGS_method) == "echo") {
      parsed = paritrana::bench::v1::EchoResponse().ParseFromString(bytes);
    } else if (absl::GetFlag(FLAGS_method) == "coverage") {
      paritrana::coverage::v1::RegionCoverage c;
      parsed = c.ParseFromString(bytes) && !c.region().empty();
    } else {
      paritrana::registry::v1::QueryAggregatesResponse a;
      parsed = a.ParseFromString(bytes) && a.aggregates_size() > 0;
    }
    if (!parsed) {
      std::fprintf(stderr, "warning: an answer does not parse as the method's response\n");
      results_.Error("BAD_RESPONSE");
    }
  }

  void Backlog(Clock::time_point intended) {
    if (intended >= window_from_ && intended < window_to_) results_.Error("BACKLOG");
  }

  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  Results& results() { return results_; }
  void set_token(std::string t) { token_ = std::move(t); }

 private:
  Target target_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::string token_;
  const bool report_cache_ =
      absl::GetFlag(FLAGS_report_cache) && absl::GetFlag(FLAGS_method) == "coverage";
  Clock::time_point window_from_, window_to_;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> checked_{false};
  Results results_;
};

// N callers; each sends again from its own completion until `stop`. The loop's state is on the
// heap and never freed: completions may still run on gRPC's threads after this returns.
void RunClosed(Load& load, int concurrency, Clock::time_point stop) {
  struct Loop {
    Load* load;
    Clock::time_point stop;
    std::atomic<uint64_t> next{0};
    std::function<void()> one;
  };
  auto* loop = new Loop{&load, stop, {}, {}};
  loop->one = [loop] {
    if (Clock::now() >= loop->stop) return;
    loop->load->Send(loop->next.fetch_add(1, std::memory_order_relaxed), Clock::now(), loop->one);
  };
  for (int i = 0; i < concurrency; ++i) loop->one();
  std::this_thread::sleep_until(stop);
}

// A fixed schedule: call n is due at start + n / rate, sent late if this thread was late, and
// timed from when it was due.
void RunOpen(Load& load, double rate, int max_in_flight, Clock::time_point start,
             Clock::time_point stop) {
  const auto interval = std::chrono::duration<double, std::nano>(1e9 / rate);
  for (uint64_t n = 0;; ++n) {
    const Clock::time_point due =
        start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(n));
    if (due >= stop) break;
    std::this_thread::sleep_until(due);
    if (load.in_flight() >= max_in_flight) {
      load.Backlog(due);
      continue;
    }
    load.Send(n, due, nullptr);
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("paritrana-bench-load: closed- and open-loop gRPC load.");
  absl::ParseCommandLine(argc, argv);
  const std::string method = absl::GetFlag(FLAGS_method);
  const std::string label =
      absl::GetFlag(FLAGS_label).empty() ? method : absl::GetFlag(FLAGS_label);
  const bool open = absl::GetFlag(FLAGS_mode) == "open";
  if (!open && absl::GetFlag(FLAGS_mode) != "closed") {
    std::fprintf(stderr, "--mode must be closed or open\n");
    return 2;
  }

  std::string lb = absl::GetFlag(FLAGS_lb);
  if (lb.empty()) {
    lb = absl::StrContains(absl::GetFlag(FLAGS_target), ',') ? "round_robin" : "pick_first";
  }
  if (lb != "round_robin" && lb != "pick_first") {
    std::fprintf(stderr, "--lb must be round_robin or pick_first\n");
    return 2;
  }

  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_channels)); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("paritrana.bench.channel", i);  // distinct args: a connection per channel
    args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    args.SetLoadBalancingPolicyName(lb);
    auto channel = grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target),
                                             grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      std::fprintf(stderr, "cannot connect to %s\n", absl::GetFlag(FLAGS_target).c_str());
      return 1;
    }
    stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
  }
  Load load(MakeTarget(method), std::move(stubs));
  load.set_token(absl::GetFlag(FLAGS_token));

  const auto warmup = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_warmup));
  const auto duration = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_duration));
  const Clock::time_point start = Clock::now();
  const Clock::time_point from = start + warmup;
  const Clock::time_point to = from + duration;
  load.SetWindow(from, to);
  if (open) {
    RunOpen(load, absl::GetFlag(FLAGS_rate), absl::GetFlag(FLAGS_max_in_flight), start, to);
  } else {
    RunClosed(load, absl::GetFlag(FLAGS_concurrency), to);
  }
  // Let the calls in flight finish (each is bounded by its deadline).
  const Clock::time_point drain_until = Clock::now() +
                                        absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_deadline)) +
                                        std::chrono::seconds(1);
  while (load.in_flight() > 0 && Clock::now() < drain_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  Results& r = load.results();
  const double seconds = std::chrono::duration<double>(duration).count();
  uint64_t errors = 0;
  std::string error_text;
  for (const auto& [code, n] : r.errors) {
    errors += n;
    absl::StrAppend(&error_text, error_text.empty() ? "" : ",", code, ":", n);
  }
  const uint64_t ok = r.ok.load();
  // Throughput: successful calls that started in the window and answered, per second of window.
  const double qps = static_cast<double>(ok) / seconds;
  auto us = [&](double p) { return static_cast<double>(r.latency_ns.Percentile(p)) / 1000.0; };
  const std::string mode_text =
      open ? absl::StrCat("open rate=", absl::GetFlag(FLAGS_rate))
           : absl::StrCat("closed concurrency=", absl::GetFlag(FLAGS_concurrency));
  std::printf(
      "%s [%s, %.1fs]: %.0f calls/s, p50 %.0f us, p90 %.0f us, p99 %.0f us, p99.9 %.0f us, "
      "max %.0f us, errors %llu%s%s, from cache %llu/%llu, %.0f B/answer\n",
      label.c_str(), mode_text.c_str(), seconds, qps, us(50), us(90), us(99), us(99.9),
      static_cast<double>(r.latency_ns.Max()) / 1000.0, static_cast<unsigned long long>(errors),
      error_text.empty() ? "" : " ", error_text.c_str(),
      static_cast<unsigned long long>(r.from_cache.load()),
      static_cast<unsigned long long>(r.from_cache.load() + r.not_from_cache.load()),
      ok == 0 ? 0.0 : static_cast<double>(r.response_bytes.load()) / static_cast<double>(ok));
  std::printf(
      "RESULT label=%s method=%s mode=%s concurrency=%d rate=%.0f seconds=%.1f ok=%llu qps=%.1f "
      "p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f mean_us=%.1f errors=%llu "
      "from_cache=%llu not_from_cache=%llu answer_bytes=%.0f error_codes=%s lb=%s\n",
      label.c_str(), method.c_str(), open ? "open" : "closed", absl::GetFlag(FLAGS_concurrency),
      open ? absl::GetFlag(FLAGS_rate) : 0.0, seconds, static_cast<unsigned long long>(ok), qps,
      us(50), us(90), us(99), us(99.9), static_cast<double>(r.latency_ns.Max()) / 1000.0,
      r.latency_ns.Mean() / 1000.0, static_cast<unsigned long long>(errors),
      static_cast<unsigned long long>(r.from_cache.load()),
      static_cast<unsigned long long>(r.not_from_cache.load()),
      ok == 0 ? 0.0 : static_cast<double>(r.response_bytes.load()) / static_cast<double>(ok),
      error_text.empty() ? "none" : error_text.c_str(), lb.c_str());
  std::fflush(stdout);
  // gRPC's threads may still hold callbacks into `load` if a call outlived the drain; leave
  // without running destructors.
  std::_Exit(load.in_flight() > 0 ? 3 : 0);
}
