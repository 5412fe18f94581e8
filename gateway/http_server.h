#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "gateway/http_types.h"

namespace paritrana::gateway {

struct HttpServerOptions {
  // "host:port" or "[v6]:port"; port 0 binds a free port (see HttpServer::port()).
  std::string listen = "127.0.0.1:8080";
  // Threads running the one io_context that serves every connection.
  int threads = 2;
  // Both set: TLS, with ALPN choosing h2 or http/1.1. Both empty: clear text, HTTP/1.1 and h2c
  // (prior knowledge: the client starts with the HTTP/2 preface).
  std::string tls_cert_file;
  std::string tls_key_file;
  // A larger request body is answered with 413 (and, on HTTP/1.1, the connection closed). Every
  // route of the gateway is a GET, so a small limit bounds what a connection can make it hold
  // (HTTP/2 buffers up to 100 streams' bodies at once).
  size_t max_body_bytes = 64 << 10;
  // A connection with no request in progress and no traffic for this long is closed.
  absl::Duration idle_timeout = absl::Seconds(60);
};

// The gateway's HTTP transport (Boost.Beast for HTTP/1.1, libnghttp2 for HTTP/2): hands every
// request to the handler and writes its answer back when the handler calls `respond`, from any
// thread. On the way out it adds Date, Server and Content-Length, and gzips bodies of 1 KiB or
// more of textual types when the client accepts gzip (with `vary: accept-encoding`).
class HttpServer final {
 public:
  // Binds and starts serving. `handler` must outlive the server. Fails when the address cannot
  // be parsed or bound, or the TLS files cannot be loaded.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(HttpServerOptions options,
                                                           HttpHandler& handler);
  ~HttpServer();  // Shutdown(absl::ZeroDuration()) unless shut down already

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the chosen one when `listen` asked for port 0).
  int port() const;

  // Stops accepting, lets requests in progress finish (a `respond` still arriving within
  // `grace` is written to its client), then closes every connection and joins the threads.
  // Idempotent; must not be called from inside the handler.
  void Shutdown(absl::Duration grace);

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace paritrana::gateway
