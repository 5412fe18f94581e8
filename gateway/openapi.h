#pragma once

#include <string>

#include "gateway/http_rules.h"
#include "nlohmann/json.hpp"

// The OpenAPI 3.0.3 description of the JSON API, generated from the route table (so from the
// google.api.http annotations) and the message descriptors: served at /v1/openapi.json.
namespace paritrana::gateway {

// One path per template, in Google's "flat path" form: each `*` of a variable becomes a path
// parameter named after the collection before it ("/v1/regions/{regionsId}/coverage"), so that
// templates which differ only inside their variables stay distinct paths; the parameter's
// description says which request field the segments form. Query parameters are the request's
// fields not bound by the path (nested ones dotted), responses refer to schemas generated from
// the messages in components.schemas (protobuf's JSON mapping: int64 as strings, enums as
// names), errors to the google.rpc.Status JSON, and every operation to a bearer token.
nlohmann::json OpenApiDocument(const RouteTable& routes);
std::string OpenApiJson(const RouteTable& routes);

}  // namespace paritrana::gateway
