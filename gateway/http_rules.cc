#include "gateway/http_rules.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "paritrana/award/v1/award.pb.h"
#include "paritrana/coverage/v1/coverage.pb.h"
#include "paritrana/registry/v1/registry.pb.h"

namespace paritrana::gateway {
namespace {

using google::protobuf::FieldDescriptor;

absl::Status BadTemplate(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("path template \"", text, "\": ", why));
}

PathTemplate::Segment ParseSegment(absl::string_view s) {
  PathTemplate::Segment segment;
  if (s == "*") {
    segment.kind = PathTemplate::Segment::Kind::kSingle;
  } else if (s == "**") {
    segment.kind = PathTemplate::Segment::Kind::kMulti;
  } else {
    segment.literal = std::string(s);
  }
  return segment;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The field a variable names must be a singular string, reached through singular messages.
absl::Status CheckVariableField(const google::protobuf::Descriptor* message,
                                absl::string_view field_path, absl::string_view text) {
  const FieldDescriptor* field = nullptr;
  for (absl::string_view part : absl::StrSplit(field_path, '.')) {
    if (field != nullptr) {
      if (field->type() != FieldDescriptor::TYPE_MESSAGE || field->is_repeated()) {
        return BadTemplate(text, absl::StrCat(field_path, " does not name a nested field"));
      }
      message = field->message_type();
    }
    field = message->FindFieldByName(std::string(part));
    if (field == nullptr) {
      return BadTemplate(text, absl::StrCat(message->full_name(), " has no field ", part));
    }
  }
  if (field == nullptr || field->is_repeated() || field->type() != FieldDescriptor::TYPE_STRING) {
    return BadTemplate(text, absl::StrCat(field_path, " is not a singular string field"));
  }
  return absl::OkStatus();
}

int LiteralCount(const PathTemplate& t) {
  int n = 0;
  for (const auto& s : t.segments) n += s.kind == PathTemplate::Segment::Kind::kLiteral;
  return n + (t.verb.empty() ? 0 : 1);
}

}  // namespace

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    int more = 0;
    unsigned char low = 0x80, high = 0xBF;  // the range of the byte after the lead
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      more = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      more = 2;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      more = 3;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (i + more >= text.size()) return false;  // cut short
    for (int k = 1; k <= more; ++k) {
      const unsigned char b = static_cast<unsigned char>(text[i + k]);
      if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF)) return false;
    }
    i += more + 1;
  }
  return true;
}

absl::StatusOr<std::string> PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || HexValue(text[i + 1]) < 0 || HexValue(text[i + 2]) < 0) {
      return absl::InvalidArgumentError("malformed percent-encoding");
    }
    out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
    i += 2;
  }
  if (!IsUtf8(out)) return absl::InvalidArgumentError("not UTF-8 once decoded");
  return out;
}

absl::StatusOr<PathTemplate> ParsePathTemplate(absl::string_view text) {
  PathTemplate t;
  t.text = std::string(text);
  if (text.empty() || text[0] != '/') return BadTemplate(text, "must start with '/'");
  absl::string_view rest = text.substr(1);
  // The verb follows the last ':' outside braces.
  const size_t close = rest.rfind('}');
  const size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos && (close == absl::string_view::npos || colon > close)) {
    t.verb = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (t.verb.empty()) return BadTemplate(text, "empty verb");
  }
  size_t i = 0;
  auto next_segment_end = [&](size_t from) {
    size_t end = from;
    while (end < rest.size() && rest[end] != '/' && rest[end] != '}') ++end;
    return end;
  };
  while (i <= rest.size()) {
    if (i < rest.size() && rest[i] == '{') {
      const size_t end = rest.find('}', i);
      if (end == absl::string_view::npos) return BadTemplate(text, "unbalanced '{'");
      const absl::string_view inner = rest.substr(i + 1, end - i - 1);
      if (inner.find('{') != absl::string_view::npos) {
        return BadTemplate(text, "nested variables");
      }
      PathTemplate::Variable var;
      const size_t eq = inner.find('=');
      var.field_path = std::string(inner.substr(0, eq));
      if (var.field_path.empty()) return BadTemplate(text, "variable without a field");
      var.begin = t.segments.size();
      if (eq == absl::string_view::npos) {
        t.segments.push_back(ParseSegment("*"));
      } else {
        for (absl::string_view s : absl::StrSplit(inner.substr(eq + 1), '/')) {
          if (s.empty()) return BadTemplate(text, "empty segment");
          t.segments.push_back(ParseSegment(s));
        }
      }
      var.end = t.segments.size();
      t.variables.push_back(std::move(var));
      i = end + 1;
    } else {
      const size_t end = next_segment_end(i);
      if (end < rest.size() && rest[end] == '}') return BadTemplate(text, "unbalanced '}'");
      if (end == i) return BadTemplate(text, "empty segment");
      t.segments.push_back(ParseSegment(rest.substr(i, end - i)));
      i = end;
    }
    if (i == rest.size()) break;
    if (rest[i] != '/') return BadTemplate(text, "expected '/' after a variable");
    ++i;
    if (i == rest.size()) return BadTemplate(text, "trailing '/'");
  }
  for (size_t s = 0; s < t.segments.size(); ++s) {
    if (t.segments[s].kind == PathTemplate::Segment::Kind::kMulti && s + 1 != t.segments.size()) {
      return BadTemplate(text, "'**' must be the last segment");
    }
  }
  return t;
}

std::string PathTemplate::VariablePattern(const Variable& variable) const {
  std::vector<std::string> parts;
  for (size_t s = variable.begin; s < variable.end; ++s) {
    const Segment& seg = segments[s];
    parts.push_back(seg.kind == Segment::Kind::kLiteral
                        ? seg.literal
                        : (seg.kind == Segment::Kind::kSingle ? "*" : "**"));
  }
  return absl::StrJoin(parts, "/");
}

std::optional<std::vector<std::pair<std::string, std::string>>> MatchPath(const PathTemplate& tmpl,
                                                                          absl::string_view path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::vector<absl::string_view> parts = absl::StrSplit(path.substr(1), '/');
  if (!tmpl.verb.empty()) {
    absl::string_view& last = parts.back();
    const size_t colon = last.rfind(':');
    if (colon == absl::string_view::npos || last.substr(colon + 1) != tmpl.verb) {
      return std::nullopt;
    }
    last = last.substr(0, colon);
  }
  for (absl::string_view p : parts) {
    if (p.empty()) return std::nullopt;  // "//" or a trailing '/'
  }
  const bool multi =
      !tmpl.segments.empty() && tmpl.segments.back().kind == PathTemplate::Segment::Kind::kMulti;
  if (multi ? parts.size() < tmpl.segments.size() : parts.size() != tmpl.segments.size()) {
    return std::nullopt;
  }
  std::vector<std::string> decoded;
  decoded.reserve(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::StatusOr<std::string> d = PercentDecode(parts[i]);
    if (!d.ok()) return std::nullopt;
    if (i < tmpl.segments.size() &&
        tmpl.segments[i].kind == PathTemplate::Segment::Kind::kLiteral &&
        *d != tmpl.segments[i].literal) {
      return std::nullopt;
    }
    decoded.push_back(*std::move(d));
  }
  std::vector<std::pair<std::string, std::string>> bindings;
  for (const PathTemplate::Variable& var : tmpl.variables) {
    const size_t end = var.end == tmpl.segments.size() ? decoded.size() : var.end;
    std::vector<absl::string_view> values(decoded.begin() + static_cast<long>(var.begin),
                                          decoded.begin() + static_cast<long>(end));
    bindings.emplace_back(var.field_path, absl::StrJoin(values, "/"));
  }
  return bindings;
}

const std::vector<std::string>& RouteTable::DefaultServices() {
  // The generated pool knows a .proto file only once its code is linked in; a program that
  // reaches the services only by name (the gateway) must reference each file's code once.
  static const bool linked = [] {
    registry::v1::GetRegionRequest::descriptor();
    coverage::v1::GetCoverageRequest::descriptor();
    award::v1::GetAwardCycleRequest::descriptor();
    return true;
  }();
  (void)linked;
  static const auto* services = new std::vector<std::string>{
      "paritrana.registry.v1.RegistryService",
      "paritrana.coverage.v1.CoverageService",
      "paritrana.award.v1.AwardService",
  };
  return *services;
}

absl::StatusOr<RouteTable> RouteTable::FromGeneratedPool(const std::vector<std::string>& services) {
  RouteTable table;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (service == nullptr) return absl::InvalidArgumentError(absl::StrCat("no service ", name));
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor* method = service->method(m);
      if (!method->options().HasExtension(google::api::http)) continue;
      if (method->client_streaming() || method->server_streaming()) continue;
      const google::api::HttpRule& top = method->options().GetExtension(google::api::http);
      std::vector<const google::api::HttpRule*> rules = {&top};
      for (const auto& extra : top.additional_bindings()) rules.push_back(&extra);
      for (const google::api::HttpRule* rule : rules) {
        Route route;
        std::string pattern;
        switch (rule->pattern_case()) {
          case google::api::HttpRule::kGet:
            route.http_method = "GET";
            pattern = rule->get();
            break;
          case google::api::HttpRule::kPut:
            route.http_method = "PUT";
            pattern = rule->put();
            break;
          case google::api::HttpRule::kPost:
            route.http_method = "POST";
            pattern = rule->post();
            break;
          case google::api::HttpRule::kDelete:
            route.http_method = "DELETE";
            pattern = rule->delete_();
            break;
          case google::api::HttpRule::kPatch:
            route.http_method = "PATCH";
            pattern = rule->patch();
            break;
          case google::api::HttpRule::kCustom:
            route.http_method = rule->custom().kind();
            pattern = rule->custom().path();
            break;
          default:
            continue;
        }
        absl::StatusOr<PathTemplate> t = ParsePathTemplate(pattern);
        if (!t.ok()) return t.status();
        for (const PathTemplate::Variable& var : t->variables) {
          if (absl::Status s = CheckVariableField(method->input_type(), var.field_path, pattern);
              !s.ok()) {
            return s;
          }
        }
        route.path = *std::move(t);
        route.body = rule->body();
        route.response_body = rule->response_body();
        route.method = method;
        route.grpc_path = absl::StrCat("/", service->full_name(), "/", method->name());
        table.routes_.push_back(std::move(route));
      }
    }
  }
  return table;
}

std::optional<RouteTable::Match> RouteTable::Find(absl::string_view http_method,
                                                  absl::string_view path) const {
  std::optional<Match> best;
  int best_literals = -1;
  for (const Route& route : routes_) {
    if (route.http_method != http_method) continue;
    auto bindings = MatchPath(route.path, path);
    if (!bindings.has_value()) continue;
    const int literals = LiteralCount(route.path);
    if (literals > best_literals) {
      best_literals = literals;
      best = Match{&route, *std::move(bindings)};
    }
  }
  return best;
}

std::vector<std::string> RouteTable::MethodsFor(absl::string_view path) const {
  std::vector<std::string> methods;
  for (const Route& route : routes_) {
    if (MatchPath(route.path, path).has_value() &&
        std::find(methods.begin(), methods.end(), route.http_method) == methods.end()) {
      methods.push_back(route.http_method);
    }
  }
  return methods;
}

}  // namespace paritrana::gateway
