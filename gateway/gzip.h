#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

#include "gateway/http_types.h"

namespace paritrana::gateway {

// Responses smaller than this are sent as they are: the gzip header and trailer (18 bytes) and
// the CPU are not worth it for a few hundred bytes.
inline constexpr size_t kGzipMinBytes = 1024;

// Whether an Accept-Encoding value admits gzip: "gzip" (or "x-gzip") with q > 0, or "*" with
// q > 0 when gzip is not named.
bool AcceptsGzip(absl::string_view accept_encoding);

// Whether a Content-Type is text that compresses well (JSON, text/*, JavaScript, SVG, GeoJSON).
bool IsCompressibleType(absl::string_view content_type);

// The gzip member (RFC 1952) holding `data`, or nullopt if zlib fails.
std::optional<std::string> GzipCompress(absl::string_view data);

// Gzips `response` in place when the request (its method and Accept-Encoding) and the response
// qualify, setting content-encoding, and adds `accept-encoding` to vary whenever the choice
// depended on the request header; a strong ETag of a gzipped response is made weak. Leaves 1xx,
// 204, 304, HEAD and encoded responses alone.
void MaybeGzipResponse(absl::string_view method, absl::string_view accept_encoding,
                       HttpResponse& response);

}  // namespace paritrana::gateway
