#include "gateway/gzip.h"

#include <zlib.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace paritrana::gateway {
namespace {

// The q of one Accept-Encoding element's parameters ("q=0.5"); 1 when absent or unreadable.
double Quality(absl::string_view params) {
  for (absl::string_view param : absl::StrSplit(params, ';')) {
    param = absl::StripAsciiWhitespace(param);
    if (param.size() >= 2 && absl::ascii_tolower(param[0]) == 'q' && param[1] == '=') {
      double q = 1;
      if (absl::SimpleAtod(absl::StripAsciiWhitespace(param.substr(2)), &q)) return q;
    }
  }
  return 1;
}

std::string* FindHeader(HttpResponse& response, absl::string_view name) {
  for (auto& header : response.headers) {
    if (header.first == name) return &header.second;
  }
  return nullptr;
}

}  // namespace

bool AcceptsGzip(absl::string_view accept_encoding) {
  double gzip_q = -1;
  double any_q = -1;
  for (absl::string_view element : absl::StrSplit(accept_encoding, ',')) {
    element = absl::StripAsciiWhitespace(element);
    const size_t semicolon = element.find(';');
    const absl::string_view coding = absl::StripAsciiWhitespace(element.substr(0, semicolon));
    const absl::string_view params =
        semicolon == absl::string_view::npos ? absl::string_view() : element.substr(semicolon + 1);
    if (absl::EqualsIgnoreCase(coding, "gzip") || absl::EqualsIgnoreCase(coding, "x-gzip")) {
      gzip_q = Quality(params);
    } else if (coding == "*") {
      any_q = Quality(params);
    }
  }
  return (gzip_q >= 0 ? gzip_q : any_q) > 0;
}

bool IsCompressibleType(absl::string_view content_type) {
  std::string type(absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';'))));
  absl::AsciiStrToLower(&type);
  return absl::StartsWith(type, "text/") || type == "application/json" ||
         absl::EndsWith(type, "+json") ||  // application/geo+json, application/problem+json
         type == "application/javascript" || type == "image/svg+xml";
}

std::optional<std::string> GzipCompress(absl::string_view data) {
  z_stream stream{};
  // windowBits 15 + 16: the gzip wrapper rather than zlib's, the one Content-Encoding: gzip names.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return std::nullopt;
  }
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  const size_t written = stream.total_out;
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return std::nullopt;
  out.resize(written);
  return out;
}

void MaybeGzipResponse(absl::string_view method, absl::string_view accept_encoding,
                       HttpResponse& response) {
  if (response.status < 200 || response.status == 204 || response.status == 304) return;
  if (method == "HEAD" || response.body.size() < kGzipMinBytes) return;
  if (FindHeader(response, "content-encoding") != nullptr) return;
  const std::string* content_type = FindHeader(response, "content-type");
  if (content_type == nullptr || !IsCompressibleType(*content_type)) return;

  // From here the representation depends on Accept-Encoding, whichever way this request goes.
  if (std::string* vary = FindHeader(response, "vary"); vary == nullptr) {
    response.headers.emplace_back("vary", "accept-encoding");
  } else if (!absl::StrContains(absl::AsciiStrToLower(*vary), "accept-encoding") &&
             absl::StripAsciiWhitespace(*vary) != "*") {
    vary->append(vary->empty() ? "accept-encoding" : ", accept-encoding");
  }
  if (!AcceptsGzip(accept_encoding)) return;
  std::optional<std::string> compressed = GzipCompress(response.body);
  if (!compressed || compressed->size() >= response.body.size()) return;
  response.body = std::move(*compressed);
  response.headers.emplace_back("content-encoding", "gzip");
  // The gzipped bytes are another representation: a strong validator of the identity bytes
  // becomes weak (what nginx does), and If-None-Match still matches it by weak comparison.
  if (std::string* etag = FindHeader(response, "etag");
      etag != nullptr && !etag->empty() && etag->front() == '"') {
    etag->insert(0, "W/");
  }
}

}  // namespace paritrana::gateway
