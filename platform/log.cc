#include "platform/log.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace paritrana::log {
namespace {

std::shared_ptr<spdlog::logger>& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stdout_logger_mt("paritrana");
    l->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                   spdlog::pattern_time_type::utc);
    // Every line is flushed: operators and tests read the log as it happens.
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return logger;
}

std::string& ServiceName() {
  static std::string name = "paritrana";
  return name;
}

void Write(spdlog::level::level_enum level, absl::string_view message, const Fields& fields) {
  auto& logger = Logger();
  if (!logger->should_log(level)) return;
  using nlohmann::json;
  // StrCat rather than operator+ chains: GCC 12 at -O3 reports a false -Wrestrict on those.
  std::string body =
      absl::StrCat(R"("service":)", json(ServiceName()).dump(), R"(,"msg":)",
                   json(std::string(message)).dump(-1, ' ', false, json::error_handler_t::replace));
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      absl::StrAppend(&body, ",", json(key).dump(), ":",
                      value.dump(-1, ' ', false, json::error_handler_t::replace));
    }
  }
  logger->log(level, body);
}

}  // namespace

void Init(absl::string_view service, absl::string_view level) {
  ServiceName() = std::string(service);
  Logger()->set_level(spdlog::level::from_str(std::string(level)));
}

bool DebugEnabled() { return Logger()->should_log(spdlog::level::debug); }

void Debug(absl::string_view m, const Fields& f) { Write(spdlog::level::debug, m, f); }
void Info(absl::string_view m, const Fields& f) { Write(spdlog::level::info, m, f); }
void Warn(absl::string_view m, const Fields& f) { Write(spdlog::level::warn, m, f); }
void Error(absl::string_view m, const Fields& f) { Write(spdlog::level::err, m, f); }

}  // namespace paritrana::log
