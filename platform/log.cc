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
    // The level is written by Write, not by spdlog's %l, whose names ("warning") differ from
    // the ones --log_level takes.
    l->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ",%v})", spdlog::pattern_time_type::utc);
    // Every line is flushed: operators and tests read the log as it happens.
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return logger;
}

struct Level {
  absl::string_view name;
  spdlog::level::level_enum level;
};
constexpr Level kLevels[] = {{"debug", spdlog::level::debug},
                             {"info", spdlog::level::info},
                             {"warn", spdlog::level::warn},
                             {"error", spdlog::level::err}};

absl::string_view LevelName(spdlog::level::level_enum level) {
  for (const Level& l : kLevels) {
    if (l.level == level) return l.name;
  }
  return "info";  // Write is only called with the levels above
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
  std::string body = absl::StrCat(
      R"("level":")", LevelName(level), R"(","service":)", json(ServiceName()).dump(), R"(,"msg":)",
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

absl::Status Init(absl::string_view service, absl::string_view level) {
  ServiceName() = std::string(service);
  for (const Level& l : kLevels) {
    if (l.name == level) {
      Logger()->set_level(l.level);
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level \"", level, "\"; use debug, info, warn or error"));
}

bool DebugEnabled() { return Logger()->should_log(spdlog::level::debug); }

void Debug(absl::string_view m, const Fields& f) { Write(spdlog::level::debug, m, f); }
void Info(absl::string_view m, const Fields& f) { Write(spdlog::level::info, m, f); }
void Warn(absl::string_view m, const Fields& f) { Write(spdlog::level::warn, m, f); }
void Error(absl::string_view m, const Fields& f) { Write(spdlog::level::err, m, f); }

}  // namespace paritrana::log
