#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "nlohmann/json.hpp"

// Structured JSON logs on stdout, one object per line: time (UTC), level, service, msg and the
// given fields. Levels are named debug, info, warn and error, in lines as in --log_level.
// Never pass personal data (NIK, names) as a field.
namespace paritrana::log {

using Fields = nlohmann::json;

// Names the service in every line and sets the minimum level: debug, info, warn or error, the
// names the lines carry. Any other level is refused with InvalidArgument (the level stays as it
// was), since a mistyped level must not silently hide every line.
absl::Status Init(absl::string_view service, absl::string_view level = "info");

// Whether debug lines are written; lets hot paths skip building fields nobody will see.
bool DebugEnabled();

void Debug(absl::string_view message, const Fields& fields = Fields::object());
void Info(absl::string_view message, const Fields& fields = Fields::object());
void Warn(absl::string_view message, const Fields& fields = Fields::object());
void Error(absl::string_view message, const Fields& fields = Fields::object());

}  // namespace paritrana::log
