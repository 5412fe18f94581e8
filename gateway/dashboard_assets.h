#pragma once

#include "absl/strings/string_view.h"

// The dashboard's static files (gateway/dashboard/ and the JavaScript libraries installed from
// npm into tools/node_modules), embedded in the gateway's binary at build time by
// gateway/embed_assets.cmake: the gateway serves them without reading any file at run time, and
// the browser loads nothing from a CDN.
namespace paritrana::gateway {

struct Asset {
  absl::string_view path;          // the URL path, e.g. "/index.html", "/vendor/chart.umd.min.js"
  absl::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  absl::string_view body;          // the file's bytes
};

// The asset served at `path` (starting with '/'), or nullptr. The returned asset lives for the
// whole program (constant data).
const Asset* FindDashboardAsset(absl::string_view path);

}  // namespace paritrana::gateway
