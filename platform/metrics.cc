#include "platform/metrics.h"

#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace paritrana::metrics {
namespace {

// Latency buckets in seconds, from half a millisecond (a cache hit) to 10 s (a deadline).
constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                               0.1,    0.25,  0.5,    1,     2.5,  5,     10};

std::string Escape(absl::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Number(double v) {
  std::string s = absl::StrCat(v);
  return s;
}

}  // namespace

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    absl::StrAppend(&out, i > 0 ? "," : "", labels[i].first, "=\"", Escape(labels[i].second), "\"");
  }
  return out + "}";
}

Registry& Registry::Global() {
  static Registry* registry = new Registry();  // never destroyed: used until exit
  return *registry;
}

void Registry::Describe(absl::string_view name, absl::string_view type, absl::string_view help) {
  absl::MutexLock lock(&mu_);
  meta_[std::string(name)] = {std::string(type), std::string(help)};
}

void Registry::Add(absl::string_view name, const Labels& labels, double value) {
  absl::MutexLock lock(&mu_);
  counters_[std::string(name)][labels] += value;
}

void Registry::Observe(absl::string_view name, const Labels& labels, double seconds) {
  absl::MutexLock lock(&mu_);
  Histogram& h = histograms_[std::string(name)][labels];
  if (h.buckets.empty()) h.buckets.assign(std::size(kBuckets), 0);
  for (size_t i = 0; i < std::size(kBuckets); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Registry::AddCollector(std::function<void(std::string& out)> collector) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collector));
}

double Registry::Value(absl::string_view name, const Labels& labels) {
  absl::MutexLock lock(&mu_);
  if (auto it = counters_.find(std::string(name)); it != counters_.end()) {
    if (auto v = it->second.find(labels); v != it->second.end()) return v->second;
  }
  if (auto it = histograms_.find(std::string(name)); it != histograms_.end()) {
    if (auto h = it->second.find(labels); h != it->second.end()) {
      return static_cast<double>(h->second.count);
    }
  }
  return 0;
}

std::string Registry::Render() {
  std::string out;
  std::vector<std::function<void(std::string&)>> collectors;
  {
    absl::MutexLock lock(&mu_);
    auto header = [&](const std::string& name, absl::string_view fallback_type) {
      auto it = meta_.find(name);
      if (it != meta_.end()) {
        absl::StrAppend(&out, "# HELP ", name, " ", it->second.second, "\n# TYPE ", name, " ",
                        it->second.first, "\n");
      } else {
        absl::StrAppend(&out, "# TYPE ", name, " ", fallback_type, "\n");
      }
    };
    for (const auto& [name, series] : counters_) {
      header(name, "counter");
      for (const auto& [labels, value] : series) {
        absl::StrAppend(&out, name, RenderLabels(labels), " ", Number(value), "\n");
      }
    }
    for (const auto& [name, series] : histograms_) {
      header(name, "histogram");
      for (const auto& [labels, h] : series) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < std::size(kBuckets); ++i) {
          cumulative += h.buckets[i];
          Labels with_le = labels;
          with_le.emplace_back("le", Number(kBuckets[i]));
          absl::StrAppend(&out, name, "_bucket", RenderLabels(with_le), " ", cumulative, "\n");
        }
        Labels inf = labels;
        inf.emplace_back("le", "+Inf");
        absl::StrAppend(&out, name, "_bucket", RenderLabels(inf), " ", h.count, "\n");
        absl::StrAppend(&out, name, "_sum", RenderLabels(labels), " ", Number(h.sum), "\n");
        absl::StrAppend(&out, name, "_count", RenderLabels(labels), " ", h.count, "\n");
      }
    }
    collectors = collectors_;
  }
  for (const auto& collect : collectors) collect(out);  // outside the lock: they may be slow
  return out;
}

struct Endpoint::Impl {
  httplib::Server server;
  std::thread thread;
};

absl::StatusOr<std::unique_ptr<Endpoint>> Endpoint::Start(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError("--metrics_listen must be HOST:PORT");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::unique_ptr<Endpoint> e(new Endpoint());
  e->impl_ = std::make_unique<Impl>();
  e->impl_->server.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(Registry::Global().Render(), "text/plain; version=0.0.4");
  });
  e->port_ = port == 0 ? e->impl_->server.bind_to_any_port(host)
                       : (e->impl_->server.bind_to_port(host, port) ? port : -1);
  if (e->port_ <= 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  e->impl_->thread = std::thread([impl = e->impl_.get()] { impl->server.listen_after_bind(); });
  return e;
}

Endpoint::~Endpoint() {
  if (impl_ == nullptr) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace paritrana::metrics
