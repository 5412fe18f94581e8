#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

// Prometheus metrics in text exposition format: counters and latency histograms kept in one
// process-wide registry, and an HTTP endpoint (cpp-httplib) serving them on --metrics_listen.
namespace paritrana::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Registry final {
 public:
  // The process-wide registry every component records into.
  static Registry& Global();

  // Declares a metric's HELP text and TYPE ("counter", "histogram" or "gauge") once.
  void Describe(absl::string_view name, absl::string_view type, absl::string_view help);
  void Add(absl::string_view name, const Labels& labels, double value = 1);
  // Records one observation (in seconds) in a histogram with fixed latency buckets.
  void Observe(absl::string_view name, const Labels& labels, double seconds);
  // A function that appends samples computed at scrape time (e.g. counters owned elsewhere).
  void AddCollector(std::function<void(std::string& out)> collector);

  std::string Render();

  // Test hook: the value of a counter, or of a histogram's _count, 0 when absent.
  double Value(absl::string_view name, const Labels& labels);

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative on render, per-bucket here
    uint64_t count = 0;
    double sum = 0;
  };

  absl::Mutex mu_;
  std::map<std::string, std::pair<std::string, std::string>> meta_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::map<Labels, double>> counters_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::map<Labels, Histogram>> histograms_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void(std::string&)>> collectors_ ABSL_GUARDED_BY(mu_);
};

// Serves Registry::Global() at GET /metrics on its own thread until destroyed.
class Endpoint final {
 public:
  // `listen` is HOST:PORT; port 0 picks a free one (see port()).
  static absl::StatusOr<std::unique_ptr<Endpoint>> Start(const std::string& listen);
  ~Endpoint();
  int port() const { return port_; }

 private:
  Endpoint() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// A label set's text form: {a="1",b="2"} (empty for no labels), escaped as Prometheus wants.
std::string RenderLabels(const Labels& labels);

}  // namespace paritrana::metrics
