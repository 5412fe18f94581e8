#include "gateway/openapi.h"

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"

namespace paritrana::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using nlohmann::json;

constexpr int kMaxQueryDepth = 3;

std::string SchemaRef(const Descriptor* d) {
  return absl::StrCat("#/components/schemas/", d->full_name());
}

// Messages whose JSON form is not an object of their fields (protobuf's JSON mapping).
std::optional<json> WellKnownSchema(const Descriptor* d) {
  const std::string& n = d->full_name();
  if (n == "google.protobuf.Timestamp") return json{{"type", "string"}, {"format", "date-time"}};
  if (n == "google.protobuf.Duration") {
    return json{{"type", "string"}, {"description", "seconds with an 's' suffix, e.g. \"1.5s\""}};
  }
  if (n == "google.protobuf.FieldMask") {
    return json{{"type", "string"}, {"description", "comma-separated lowerCamel field paths"}};
  }
  if (n == "google.protobuf.Any") {
    return json{{"type", "object"},
                {"properties", {{"@type", {{"type", "string"}}}}},
                {"additionalProperties", true}};
  }
  if (n == "google.protobuf.Struct")
    return json{{"type", "object"}, {"additionalProperties", true}};
  if (n == "google.protobuf.Value") return json::object();
  if (n == "google.protobuf.ListValue") return json{{"type", "array"}, {"items", json::object()}};
  if (n == "google.protobuf.Empty") return json{{"type", "object"}};
  if (n == "google.protobuf.StringValue" || n == "google.protobuf.BytesValue") {
    return json{{"type", "string"}};
  }
  if (n == "google.protobuf.BoolValue") return json{{"type", "boolean"}};
  if (n == "google.protobuf.Int32Value" || n == "google.protobuf.UInt32Value") {
    return json{{"type", "integer"}, {"format", "int32"}};
  }
  if (n == "google.protobuf.Int64Value" || n == "google.protobuf.UInt64Value") {
    return json{{"type", "string"}, {"format", "int64"}};
  }
  if (n == "google.protobuf.DoubleValue" || n == "google.protobuf.FloatValue") {
    return json{{"type", "number"}};
  }
  return std::nullopt;
}

class SchemaBuilder {
 public:
  // The schema of one value of `f` (an element, for a repeated field).
  json ValueSchema(const FieldDescriptor* f) {
    switch (f->type()) {
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return {{"type", "integer"}, {"format", "int32"}};
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}};
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        return {{"type", "string"}, {"format", "int64"}};
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return {{"type", "string"}, {"format", "uint64"}};
      case FieldDescriptor::TYPE_DOUBLE:
        return {{"type", "number"}, {"format", "double"}};
      case FieldDescriptor::TYPE_FLOAT:
        return {{"type", "number"}, {"format", "float"}};
      case FieldDescriptor::TYPE_BOOL:
        return {{"type", "boolean"}};
      case FieldDescriptor::TYPE_STRING:
        return {{"type", "string"}};
      case FieldDescriptor::TYPE_BYTES:
        return {{"type", "string"}, {"format", "byte"}};
      case FieldDescriptor::TYPE_ENUM: {
        json values = json::array();
        for (int i = 0; i < f->enum_type()->value_count(); ++i) {
          values.push_back(f->enum_type()->value(i)->name());
        }
        return {{"type", "string"}, {"enum", values}};
      }
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return MessageSchema(f->message_type());
    }
    return json::object();
  }

  json FieldSchema(const FieldDescriptor* f) {
    if (f->is_map()) {
      return {{"type", "object"},
              {"additionalProperties", ValueSchema(f->message_type()->map_value())}};
    }
    if (f->is_repeated()) return {{"type", "array"}, {"items", ValueSchema(f)}};
    return ValueSchema(f);
  }

  // A $ref to the message's schema, adding it (and the messages it uses) to the components.
  json MessageSchema(const Descriptor* d) {
    if (auto wkt = WellKnownSchema(d); wkt.has_value()) return *wkt;
    if (!schemas_.contains(d->full_name())) {
      schemas_[d->full_name()] = json::object();  // placeholder: recursive messages end here
      json properties = json::object();
      for (int i = 0; i < d->field_count(); ++i) {
        const FieldDescriptor* f = d->field(i);
        properties[f->json_name()] = FieldSchema(f);
      }
      schemas_[d->full_name()] = {{"type", "object"}, {"properties", std::move(properties)}};
    }
    return {{"$ref", SchemaRef(d)}};
  }

  json TakeSchemas() { return std::move(schemas_); }

 private:
  json schemas_ = json::object();
};

// Query parameters for the fields of `d` not bound by the path, under `prefix` (dotted).
void AddQueryParameters(const Descriptor* d, const std::string& prefix,
                        const std::set<std::string>& bound, int depth, SchemaBuilder& schemas,
                        json& parameters) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string proto_path = absl::StrCat(prefix.empty() ? "" : prefix + ".", f->name());
    const std::string name = absl::StrCat(prefix.empty() ? "" : prefix + ".", f->json_name());
    if (bound.contains(proto_path) || f->is_map()) continue;
    json schema;
    std::string description;
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      const Descriptor* m = f->message_type();
      const std::string& type = m->full_name();
      if (type == "google.type.Date") {
        schema = {{"type", "string"}, {"format", "date"}};
        description = "YYYY-MM-DD (or its parts as .year, .month, .day)";
      } else if (type == "google.protobuf.Timestamp" || type == "google.protobuf.FieldMask") {
        schema = WellKnownSchema(m).value_or(json::object());
      } else if (m->field_count() == 2 && m->FindFieldByName("year") != nullptr &&
                 m->FindFieldByName("month") != nullptr) {
        schema = {{"type", "string"}, {"pattern", "^[0-9]{4}-[0-9]{2}$"}};
        description = "YYYY-MM (or its parts as .year and .month)";
      } else {
        if (!f->is_repeated() && depth < kMaxQueryDepth) {
          AddQueryParameters(m, proto_path, bound, depth + 1, schemas, parameters);
        }
        continue;
      }
      if (f->is_repeated()) schema = {{"type", "array"}, {"items", schema}};
    } else {
      schema = schemas.FieldSchema(f);
    }
    json parameter = {{"name", name}, {"in", "query"}, {"required", false}, {"schema", schema}};
    if (f->is_repeated()) {
      parameter["explode"] = true;
      description = absl::StrCat("repeat the parameter for each value",
                                 description.empty() ? "" : "; ", description);
    }
    if (!description.empty()) parameter["description"] = description;
    parameters.push_back(std::move(parameter));
  }
}

json ErrorSchema() {
  json detail = {{"type", "object"},
                 {"properties", {{"@type", {{"type", "string"}}}}},
                 {"additionalProperties", true}};
  json error_properties = {
      {"code", {{"type", "integer"}, {"description", "the HTTP status"}}},
      {"message", {{"type", "string"}}},
      {"status", {{"type", "string"}, {"description", "the gRPC code's name"}}},
      {"details", {{"type", "array"}, {"items", std::move(detail)}}}};
  json error = {{"type", "object"}, {"properties", std::move(error_properties)}};
  return {{"type", "object"},
          {"description", "google.rpc.Status as Google's JSON APIs send it"},
          {"properties", {{"error", std::move(error)}}}};
}

}  // namespace

json OpenApiDocument(const RouteTable& routes) {
  SchemaBuilder schemas;
  json paths = json::object();
  for (const Route& route : routes.routes()) {
    const PathTemplate& t = route.path;
    // The flat path and its parameters.
    std::string path;
    json parameters = json::array();
    std::set<std::string> bound;
    std::set<std::string> names;
    for (size_t s = 0; s < t.segments.size();) {
      const PathTemplate::Variable* var = nullptr;
      for (const auto& v : t.variables) {
        if (v.begin == s) var = &v;
      }
      if (var == nullptr) {
        const auto& seg = t.segments[s];
        absl::StrAppend(&path, "/",
                        seg.kind == PathTemplate::Segment::Kind::kLiteral ? seg.literal : "*");
        ++s;
        continue;
      }
      bound.insert(var->field_path);
      for (size_t i = var->begin; i < var->end; ++i) {
        const auto& seg = t.segments[i];
        if (seg.kind == PathTemplate::Segment::Kind::kLiteral) {
          absl::StrAppend(&path, "/", seg.literal);
          continue;
        }
        std::string name =
            i > var->begin && t.segments[i - 1].kind == PathTemplate::Segment::Kind::kLiteral
                ? absl::StrCat(t.segments[i - 1].literal, "Id")
                : var->field_path;
        while (!names.insert(name).second) name += "_";
        absl::StrAppend(&path, "/{", name, "}");
        const bool multi = seg.kind == PathTemplate::Segment::Kind::kMulti;
        json schema = {{"type", "string"}};
        if (!multi) schema["pattern"] = "^[^/]+$";
        parameters.push_back(
            {{"name", name},
             {"in", "path"},
             {"required", true},
             {"schema", schema},
             {"description", absl::StrCat("a segment of the request field `", var->field_path,
                                          "`, which the path segments matching `",
                                          t.VariablePattern(*var), "` form")}});
      }
      s = var->end;
    }
    if (!t.verb.empty()) absl::StrAppend(&path, ":", t.verb);
    if (route.body != "*") {
      AddQueryParameters(route.method->input_type(), "", bound, 0, schemas, parameters);
    }
    json operation = {
        {"operationId", absl::StrCat(route.method->service()->name(), "_", route.method->name())},
        {"tags", json::array({route.method->service()->full_name()})},
        {"summary", absl::StrCat("gRPC ", route.grpc_path.substr(1))},
        {"x-google-path-template", t.text},
        {"parameters", parameters},
        {"responses",
         {{"200",
           {{"description", "OK; an ETag lets a later If-None-Match answer 304"},
            {"headers",
             {{"ETag", {{"schema", {{"type", "string"}}}}},
              {"x-request-id", {{"schema", {{"type", "string"}}}}}}},
            {"content",
             {{"application/json",
               {{"schema", schemas.MessageSchema(route.method->output_type())}}}}}}},
          {"304", {{"description", "Not modified: If-None-Match named the current ETag"}}},
          {"default",
           {{"description", "An error: google.rpc.Status"},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}};
    if (!route.body.empty()) {
      json body_schema =
          route.body == "*" ? schemas.MessageSchema(route.method->input_type()) : json::object();
      if (route.body != "*") {
        if (const auto* f = route.method->input_type()->FindFieldByName(route.body); f != nullptr) {
          body_schema = schemas.FieldSchema(f);
        }
      }
      operation["requestBody"] = {{"required", true},
                                  {"content", {{"application/json", {{"schema", body_schema}}}}}};
    }
    std::string verb = route.http_method;
    for (char& c : verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[path][verb] = std::move(operation);
  }
  json components_schemas = schemas.TakeSchemas();
  components_schemas["Error"] = ErrorSchema();
  return {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Paritrana JSON API"},
        {"version", "v1"},
        {"description",
         "The read-only JSON/HTTP face of the Paritrana gRPC services (registry, coverage, "
         "award), transcoded by their google.api.http annotations. Bodies follow protobuf's JSON "
         "mapping; errors are google.rpc.Status JSON with the gRPC code's HTTP status."}}},
      {"servers", json::array({{{"url", "/"}}})},
      {"security", json::array({{{"bearerAuth", json::array()}}})},
      {"paths", std::move(paths)},
      {"components",
       {{"schemas", std::move(components_schemas)},
        {"securitySchemes",
         {{"bearerAuth",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "a static token or a JWT, as the gRPC services accept them"}}}}}}}};
}

std::string OpenApiJson(const RouteTable& routes) { return OpenApiDocument(routes).dump(); }

}  // namespace paritrana::gateway
