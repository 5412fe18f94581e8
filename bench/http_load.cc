// paritrana-bench-http-load: closed-loop HTTP/1.1 load on one URL of the gateway, for comparing
// its JSON answers with the gRPC answers paritrana-bench-load measures in the same run.
//
// --concurrency callers, each on its own keep-alive connection (the way a mobile backend's
// connection pool calls), each sending its next request when the previous answer arrives. The
// client is Boost.Beast's synchronous one: cpp-httplib 0.11's client waits for a body after a 304
// until the connection closes, which RFC 9110 says a 304 never has. With
// --if_none_match the first answer's ETag is sent back on every request, so each one is a
// revalidation (304 while the data is unchanged). An answer counts as a success when its status
// is 200 or 304; anything else is an error, by status.
// Output: one human line and one `RESULT key=value ...` line in paritrana-bench-load's format.
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
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/histogram.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"

ABSL_FLAG(std::string, host, "127.0.0.1", "Host of the gateway");
ABSL_FLAG(int32_t, port, 8080, "Port of the gateway (HTTP/1.1, clear text)");
ABSL_FLAG(std::string, path, "/v1/regions/15/coverage?date=2024-08-12", "Path and query to GET");
ABSL_FLAG(std::string, label, "http_get", "Name printed with the result");
ABSL_FLAG(std::string, token, "", "Bearer token to send, if the services check them");
ABSL_FLAG(bool, if_none_match, false, "Send the first answer's ETag back (revalidations)");
ABSL_FLAG(bool, gzip, false, "Send Accept-Encoding: gzip");
ABSL_FLAG(int32_t, concurrency, 16, "Concurrent callers, a keep-alive connection each");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Time before measuring (calls not recorded)");

namespace {

using Clock = std::chrono::steady_clock;
namespace http = boost::beast::http;
using Tcp = boost::asio::ip::tcp;

struct Results {
  paritrana::bench::Histogram latency_ns;
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> not_modified{0};
  std::atomic<uint64_t> response_bytes{0};
  std::mutex mu;
  std::map<std::string, uint64_t> errors;  // by HTTP status, or the client's error name
  void Error(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    ++errors[what];
  }
};

// A keep-alive connection to the gateway. Answers are taken as they arrive (compressed bytes
// included): not decompressing keeps the client's own cost the same whatever the server sends.
class Connection final {
 public:
  explicit Connection(const std::string& etag) : socket_(io_) {
    request_.version(11);
    request_.method(http::verb::get);
    request_.target(absl::GetFlag(FLAGS_path));
    request_.set(http::field::host, absl::GetFlag(FLAGS_host));
    if (!absl::GetFlag(FLAGS_token).empty()) {
      request_.set(http::field::authorization, absl::StrCat("Bearer ", absl::GetFlag(FLAGS_token)));
    }
    if (absl::GetFlag(FLAGS_gzip)) request_.set(http::field::accept_encoding, "gzip");
    if (!etag.empty()) request_.set(http::field::if_none_match, etag);
    request_.keep_alive(true);
  }

  // One request and its answer; reconnects first when the last answer closed the connection.
  http::response<http::string_body> Get() {
    if (!socket_.is_open()) {
      Tcp::resolver resolver(io_);
      boost::asio::connect(socket_, resolver.resolve(absl::GetFlag(FLAGS_host),
                                                     std::to_string(absl::GetFlag(FLAGS_port))));
    }
    http::write(socket_, request_);
    http::response<http::string_body> response;
    http::read(socket_, buffer_, response);
    if (!response.keep_alive()) socket_.close();
    return response;
  }

 private:
  boost::asio::io_context io_;
  Tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
};

// One caller: requests on its own connection until `to`, recording those sent in [from, to).
void Caller(Results& r, const std::string& etag, Clock::time_point from, Clock::time_point to) {
  auto connection = std::make_unique<Connection>(etag);
  for (Clock::time_point start = Clock::now(); start < to; start = Clock::now()) {
    http::response<http::string_body> response;
    try {
      response = connection->Get();
    } catch (const boost::system::system_error& e) {
      if (start >= from) r.Error(e.code().message());
      connection = std::make_unique<Connection>(etag);  // a fresh connection after a failure
      continue;
    }
    const Clock::time_point end = Clock::now();
    if (start < from) continue;
    const unsigned status = response.result_int();
    if (status != 200 && status != 304) {
      r.Error(std::to_string(status));
      continue;
    }
    r.latency_ns.Record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count()));
    r.ok.fetch_add(1, std::memory_order_relaxed);
    if (status == 304) r.not_modified.fetch_add(1, std::memory_order_relaxed);
    r.response_bytes.fetch_add(response.body().size(), std::memory_order_relaxed);
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("paritrana-bench-http-load: closed-loop HTTP/1.1 GET load.");
  absl::ParseCommandLine(argc, argv);

  // One request first: it must succeed (a benchmark of errors measures nothing), and it gives
  // the ETag the revalidations send.
  std::string etag;
  try {
    Connection connection("");
    http::response<http::string_body> first = connection.Get();
    if (first.result_int() != 200) {
      std::fprintf(stderr, "GET %s answered %u\n", absl::GetFlag(FLAGS_path).c_str(),
                   first.result_int());
      return 1;
    }
    if (absl::GetFlag(FLAGS_if_none_match)) {
      etag = std::string(first[http::field::etag]);
      if (etag.empty()) {
        std::fprintf(stderr, "the answer has no ETag to revalidate with\n");
        return 1;
      }
    }
  } catch (const boost::system::system_error& e) {
    std::fprintf(stderr, "GET %s failed: %s\n", absl::GetFlag(FLAGS_path).c_str(), e.what());
    return 1;
  }

  Results r;
  const Clock::time_point from =
      Clock::now() + absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_warmup));
  const Clock::time_point to = from + absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_duration));
  std::vector<std::thread> callers;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_concurrency)); ++i) {
    callers.emplace_back([&] { Caller(r, etag, from, to); });
  }
  for (std::thread& t : callers) t.join();

  const double seconds = absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration));
  uint64_t errors = 0;
  std::string error_text;
  for (const auto& [what, n] : r.errors) {
    errors += n;
    absl::StrAppend(&error_text, error_text.empty() ? "" : ",", what, ":", n);
  }
  const uint64_t ok = r.ok.load();
  const double qps = static_cast<double>(ok) / seconds;
  auto us = [&](double p) { return static_cast<double>(r.latency_ns.Percentile(p)) / 1000.0; };
  const std::string& label = absl::GetFlag(FLAGS_label);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const double answer_bytes =
      ok == 0 ? 0.0 : static_cast<double>(r.response_bytes.load()) / static_cast<double>(ok);
  std::printf(
      "%s [closed concurrency=%d, %.1fs]: %.0f calls/s, p50 %.0f us, p90 %.0f us, p99 %.0f us, "
      "p99.9 %.0f us, max %.0f us, errors %llu%s%s, 304 %llu/%llu, %.0f B/answer\n",
      label.c_str(), concurrency, seconds, qps, us(50), us(90), us(99), us(99.9),
      static_cast<double>(r.latency_ns.Max()) / 1000.0, static_cast<unsigned long long>(errors),
      error_text.empty() ? "" : " ", error_text.c_str(),
      static_cast<unsigned long long>(r.not_modified.load()), static_cast<unsigned long long>(ok),
      answer_bytes);
  std::printf(
      "RESULT label=%s method=http_get mode=closed concurrency=%d rate=0 seconds=%.1f ok=%llu "
      "qps=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f mean_us=%.1f "
      "errors=%llu not_modified=%llu answer_bytes=%.0f error_codes=%s\n",
      label.c_str(), concurrency, seconds, static_cast<unsigned long long>(ok), qps, us(50), us(90),
      us(99), us(99.9), static_cast<double>(r.latency_ns.Max()) / 1000.0,
      r.latency_ns.Mean() / 1000.0, static_cast<unsigned long long>(errors),
      static_cast<unsigned long long>(r.not_modified.load()), answer_bytes,
      error_text.empty() ? "none" : error_text.c_str());
  return errors == 0 ? 0 : 3;
}
