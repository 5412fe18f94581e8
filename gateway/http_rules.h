#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

// The gateway's route table: one route per `google.api.http` binding on a method of the served
// services, read from the generated descriptor pool, so the JSON API is exactly what the
// contracts annotate (an RPC without an annotation, such as FindParticipantByNik, has no route).
namespace paritrana::gateway {

// A parsed path template of google/api/http.proto's grammar:
//   Template = "/" Segments [ Verb ] ;  Segments = Segment { "/" Segment } ;
//   Segment = "*" | "**" | LITERAL | Variable ;  Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   Verb = ":" LITERAL ;
// A variable without "=" stands for "{field=*}".
struct PathTemplate {
  struct Segment {
    enum class Kind { kLiteral, kSingle, kMulti };  // LITERAL, "*", "**"
    Kind kind = Kind::kLiteral;
    std::string literal;
  };
  struct Variable {
    std::string field_path;  // "region", or dotted for a nested field
    size_t begin = 0;        // the segments it spans: [begin, end)
    size_t end = 0;
  };
  std::string text;  // as annotated, e.g. "/v1/{region=regions/*}/coverage"
  std::vector<Segment> segments;
  std::vector<Variable> variables;
  std::string verb;  // custom verb without ':', e.g. "rankChildren"; empty for none

  // The pattern a variable's value must have, e.g. "regions/*".
  std::string VariablePattern(const Variable& variable) const;
};

// INVALID_ARGUMENT naming the template on a syntax error ("**" not last, unbalanced braces,
// nested variables, empty segments).
absl::StatusOr<PathTemplate> ParsePathTemplate(absl::string_view text);

// The variable bindings of `path` (no query; percent-encoded as sent) against `tmpl`, or nullopt
// when it does not match. The custom verb is split off the last segment at its last ':'. Values
// are percent-decoded; a multi-segment value keeps its '/' separators.
std::optional<std::vector<std::pair<std::string, std::string>>> MatchPath(const PathTemplate& tmpl,
                                                                          absl::string_view path);

// Percent-decodes `text` ('+' stays '+'). INVALID_ARGUMENT on a malformed escape or when the
// result is not UTF-8: every field it can fill is a proto string, which must be UTF-8.
absl::StatusOr<std::string> PercentDecode(absl::string_view text);

struct Route {
  std::string http_method;  // "GET", "POST", ...
  PathTemplate path;
  std::string body;           // the rule's body: "" (none), "*" or a field name
  std::string response_body;  // the rule's response_body: "" for the whole response
  const google::protobuf::MethodDescriptor* method = nullptr;
  // The gRPC method path, e.g. "/paritrana.coverage.v1.CoverageService/GetCoverage".
  std::string grpc_path;
};

class RouteTable final {
 public:
  // The routes of every `google.api.http` binding (additional_bindings included) on the methods
  // of `services` (full names) in the generated pool. INVALID_ARGUMENT for an unknown service, a
  // bad template or a variable naming no string field of the request.
  static absl::StatusOr<RouteTable> FromGeneratedPool(const std::vector<std::string>& services);
  // The three services the gateway fronts: registry, coverage and award.
  static const std::vector<std::string>& DefaultServices();

  struct Match {
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> bindings;  // field path -> value
  };
  // The route for `http_method` and `path` (no query), preferring the template with the most
  // literal segments when several match. nullopt when none does.
  std::optional<Match> Find(absl::string_view http_method, absl::string_view path) const;
  // The HTTP methods of the routes whose template matches `path` (for 405's `allow`).
  std::vector<std::string> MethodsFor(absl::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace paritrana::gateway
