// The gateway's HTTP transport on real sockets: HTTP/1.1 keep-alive and pipelining, limits and
// malformed input, gzip, answers arriving late from another thread, graceful shutdown, and
// HTTP/2 (h2c with prior knowledge, h2 over TLS by ALPN) driven by the curl binary.
#include "gateway/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gateway/gzip.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/support/temp_dir.h"

namespace paritrana::gateway {
namespace {

// A 4 KiB JSON document: large and repetitive enough for gzip.
std::string BigJson() {
  std::string body = "[";
  for (int i = 0; i < 100; ++i) absl::StrAppend(&body, i == 0 ? "" : ",", "{\"region\":\"15.08\"}");
  return body + "]";
}

// Echoes what it received (method, target, headers, body size) as text/plain, except for a few
// targets: /json/big, /json/small, /binary/big and /huge (3 MiB) answer fixed bodies; /late/MS
// answers MS milliseconds later from another thread; /hold answers when Release() is called;
// /barrier/N answers once N barrier requests are waiting (they must all be in progress at once);
// /drop never calls respond.
class TestHandler final : public HttpHandler {
 public:
  ~TestHandler() override {
    Release();
    for (std::thread& thread : threads_) thread.join();
  }

  void Handle(HttpRequest request, std::function<void(HttpResponse)> respond) override {
    std::vector<std::function<void(HttpResponse)>> barrier_done;
    {
      absl::MutexLock lock(&mu_);
      peers_.push_back(request.peer);
      ++requests_;
    }
    const std::string path = request.target.substr(0, request.target.find('?'));
    HttpResponse response;
    response.headers.emplace_back("content-type", "text/plain");
    if (path == "/json/big" || path == "/json/small" || path == "/binary/big") {
      response.headers[0].second =
          path == "/binary/big" ? "application/octet-stream" : "application/json";
      response.body = path == "/json/small" ? std::string("{\"ok\":true}") : BigJson();
      respond(std::move(response));
      return;
    }
    if (path == "/drop") return;
    if (path == "/huge") {  // beyond HTTP/2's initial 64 KiB flow-control window
      response.body = std::string(3 << 20, 'h');
      respond(std::move(response));
      return;
    }
    response.body = absl::StrCat(request.method, " ", request.target, "\n");
    for (const auto& [name, value] : request.headers) {
      absl::StrAppend(&response.body, name, ": ", value, "\n");
    }
    absl::StrAppend(&response.body, "body-bytes: ", request.body.size(), "\n");

    if (absl::StartsWith(path, "/late/")) {
      int ms = 0;
      EXPECT_TRUE(absl::SimpleAtoi(path.substr(6), &ms));
      absl::MutexLock lock(&mu_);
      threads_.emplace_back([ms, respond = std::move(respond), response]() mutable {
        absl::SleepFor(absl::Milliseconds(ms));
        respond(std::move(response));
      });
      return;
    }
    if (path == "/hold") {
      absl::MutexLock lock(&mu_);
      held_.emplace_back(std::move(respond), std::move(response));
      return;
    }
    if (absl::StartsWith(path, "/barrier/")) {
      size_t n = 0;
      EXPECT_TRUE(absl::SimpleAtoi(path.substr(9), &n));
      std::vector<std::pair<std::function<void(HttpResponse)>, HttpResponse>> ready;
      {
        absl::MutexLock lock(&mu_);
        barrier_.emplace_back(std::move(respond), std::move(response));
        if (barrier_.size() < n) return;
        ready.swap(barrier_);
      }
      for (auto& entry : ready) entry.first(std::move(entry.second));
      return;
    }
    respond(std::move(response));
  }

  // Answers the /hold requests (from this thread).
  void Release() {
    std::vector<std::pair<std::function<void(HttpResponse)>, HttpResponse>> held;
    {
      absl::MutexLock lock(&mu_);
      held.swap(held_);
    }
    for (auto& entry : held) entry.first(std::move(entry.second));
  }

  bool WaitForHeld(size_t n) {
    absl::MutexLock lock(&mu_);
    wanted_held_ = n;
    return mu_.AwaitWithTimeout(absl::Condition(this, &TestHandler::HeldEnough), absl::Seconds(10));
  }

  std::vector<std::string> peers() {
    absl::MutexLock lock(&mu_);
    return peers_;
  }

 private:
  bool HeldEnough() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return held_.size() >= wanted_held_;
  }

  absl::Mutex mu_;
  std::vector<std::string> peers_;
  int requests_ = 0;
  std::vector<std::thread> threads_;
  std::vector<std::pair<std::function<void(HttpResponse)>, HttpResponse>> held_;
  std::vector<std::pair<std::function<void(HttpResponse)>, HttpResponse>> barrier_;
  size_t wanted_held_ = 0;
};

// A raw TCP connection, for what HTTP client libraries will not send.
class RawConnection final {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{};
    timeout.tv_sec = 10;
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() { close(fd_); }

  bool connected() const { return connected_; }

  bool Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Everything until the server closes (or 10 s of silence).
  std::string ReadAll() {
    std::string out;
    char buffer[4096];
    for (;;) {
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

  // Reads until `out` holds one complete response with a content-length body.
  std::string ReadResponse() {
    std::string out;
    char buffer[4096];
    for (;;) {
      const size_t end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        for (absl::string_view line : absl::StrSplit(out.substr(0, end), "\r\n")) {
          if (absl::StartsWithIgnoreCase(line, "content-length:")) {
            EXPECT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(15)), &length));
          }
        }
        if (out.size() >= end + 4 + length) return out;
      }
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) return out;
      out.append(buffer, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

struct ParsedResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowered
  std::string body;

  std::string Header(absl::string_view name) const {
    for (const auto& header : headers) {
      if (header.first == name) return header.second;
    }
    return "";
  }
};

ParsedResponse Parse(const std::string& raw) {
  ParsedResponse parsed;
  const size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return parsed;
  std::vector<std::string> lines = absl::StrSplit(raw.substr(0, end), "\r\n");
  std::vector<std::string> status_line = absl::StrSplit(lines[0], ' ');
  if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1], &parsed.status)) return parsed;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    parsed.headers.emplace_back(
        name, std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  parsed.body = raw.substr(end + 4);
  return parsed;
}

std::string Gunzip(const std::string& data) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return "";
  std::string out;
  char buffer[16384];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    result = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - stream.avail_out);
  }
  inflateEnd(&stream);
  return result == Z_STREAM_END ? out : "";
}

// Runs a shell command and returns its stdout.
std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

bool CurlHasHttp2() { return absl::StrContains(RunCommand("curl -V 2>/dev/null"), "HTTP2"); }

class HttpServerTest : public testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    auto server = HttpServer::Start(options, handler_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->port(), 0);
  }

  // A self-signed certificate (made with openssl in `dir`) and its key.
  static HttpServerOptions TlsOptions(const test_support::TempDir& dir) {
    HttpServerOptions options;
    options.tls_cert_file = dir.File("server.crt");
    options.tls_key_file = dir.File("server.key");
    EXPECT_EQ(std::system(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt "
                                       "ec_paramgen_curve:P-256 -nodes -keyout ",
                                       options.tls_key_file, " -out ", options.tls_cert_file,
                                       " -subj /CN=localhost -days 1 2>/dev/null")
                              .c_str()),
              0);
    return options;
  }

  std::string Url(absl::string_view path) const {
    return absl::StrCat("http://127.0.0.1:", server_->port(), path);
  }

  TestHandler handler_;  // declared first: outlives the server
  std::unique_ptr<HttpServer> server_;
};

TEST(GzipTest, AcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip;q=0.5, br"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
  EXPECT_FALSE(AcceptsGzip("*, gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_TRUE(IsCompressibleType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsCompressibleType("text/html"));
  EXPECT_TRUE(IsCompressibleType("application/geo+json"));
  EXPECT_TRUE(IsCompressibleType("image/svg+xml"));
  EXPECT_FALSE(IsCompressibleType("image/png"));
  EXPECT_FALSE(IsCompressibleType(""));
}

TEST(GzipTest, MergesVaryAndLeavesEncodedAlone) {
  HttpResponse response;
  response.headers = {
      {"content-type", "application/json"}, {"vary", "origin"}, {"etag", "\"abc\""}};
  response.body = BigJson();
  MaybeGzipResponse("GET", "gzip", response);
  EXPECT_EQ(Gunzip(response.body), BigJson());
  EXPECT_EQ(response.headers[1].second, "origin, accept-encoding");
  EXPECT_EQ(response.headers[2].second, "W/\"abc\"");
  EXPECT_EQ(response.headers.back(),
            std::make_pair(std::string("content-encoding"), std::string("gzip")));

  HttpResponse encoded;
  encoded.headers = {{"content-type", "application/json"}, {"content-encoding", "br"}};
  encoded.body = BigJson();
  MaybeGzipResponse("GET", "gzip", encoded);
  EXPECT_EQ(encoded.body, BigJson());

  HttpResponse not_modified;
  not_modified.status = 304;
  not_modified.headers = {{"content-type", "application/json"}};
  not_modified.body = BigJson();
  MaybeGzipResponse("GET", "gzip", not_modified);
  EXPECT_EQ(not_modified.headers.size(), 1u);
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer();
  httplib::Client client("127.0.0.1", server_->port());
  client.set_keep_alive(true);
  auto first = client.Get("/one?x=1", {{"Authorization", "Bearer t"}});
  auto second = client.Get("/two");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_TRUE(absl::StrContains(first->body, "GET /one?x=1\n"));
  EXPECT_TRUE(absl::StrContains(first->body, "authorization: Bearer t\n"));  // names lowered
  EXPECT_TRUE(absl::StrContains(second->body, "GET /two\n"));
  EXPECT_EQ(first->get_header_value("Server"), "paritrana-gateway");
  EXPECT_TRUE(absl::EndsWith(first->get_header_value("Date"), " GMT"));
  const std::vector<std::string> peers = handler_.peers();
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0], peers[1]);  // the same client port: one connection
  EXPECT_TRUE(absl::StartsWith(peers[0], "127.0.0.1:"));
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  // The first answer comes last (from another thread, 300 ms later); it must still go first.
  ASSERT_TRUE(
      connection.Send("GET /late/300 HTTP/1.1\r\nHost: a\r\n\r\n"
                      "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
                      "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                      "GET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  const std::string all = connection.ReadAll();
  const size_t late = all.find("GET /late/300\n");
  const size_t a = all.find("GET /a\n");
  const size_t b = all.find("POST /b\n");
  const size_t c = all.find("GET /c\n");
  ASSERT_NE(late, std::string::npos) << all;
  ASSERT_NE(c, std::string::npos) << all;
  EXPECT_LT(late, a);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_TRUE(absl::StrContains(all.substr(b), "body-bytes: 5\n"));
  EXPECT_TRUE(absl::StrContains(all.substr(a, c - a), "HTTP/1.1 200 OK"));
  EXPECT_TRUE(absl::StrContains(all.substr(b), "connection: close"));
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  StartServer(options);
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  connection.Send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" +
                  std::string(5000, 'x'));
  const ParsedResponse response = Parse(connection.ReadAll());
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.Header("connection"), "close");

  // Within the limit it is served.
  httplib::Client client("127.0.0.1", server_->port());
  auto ok = client.Post("/x", std::string(1000, 'y'), "text/plain");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_TRUE(absl::StrContains(ok->body, "body-bytes: 1000\n"));
}

TEST_F(HttpServerTest, GarbageIs400AndCloses) {
  StartServer();
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  connection.Send("\x01\x02 this is not http\r\n\r\n");
  const std::string all = connection.ReadAll();  // returns: the server closed
  EXPECT_EQ(Parse(all).status, 400) << all;
  EXPECT_TRUE(handler_.peers().empty());
}

// Framing a proxy in front might read differently (request smuggling) is refused, and nothing of
// it reaches the handler.
TEST_F(HttpServerTest, AmbiguousFramingIs400AndCloses) {
  StartServer();
  for (const std::string framing : {"Transfer-Encoding: gzip\r\nContent-Length: 5\r\n",
                                    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"}) {
    RawConnection connection(server_->port());
    ASSERT_TRUE(connection.connected());
    connection.Send("POST /echo HTTP/1.1\r\nHost: x\r\n" + framing +
                    "\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string all = connection.ReadAll();  // returns: the server closed
    EXPECT_EQ(Parse(all).status, 400) << framing << all;
    EXPECT_EQ(all.find("/smuggled"), std::string::npos) << all;
  }
  EXPECT_TRUE(handler_.peers().empty());
}

TEST_F(HttpServerTest, HugeHeaderIs431) {
  StartServer();
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  connection.Send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(40000, 'a') + "\r\n\r\n");
  EXPECT_EQ(Parse(connection.ReadAll()).status, 431);
}

TEST_F(HttpServerTest, GzipDependsOnAcceptEncodingSizeAndType) {
  StartServer();
  auto get = [this](const std::string& path, const std::string& extra) {
    RawConnection connection(server_->port());
    connection.Send(
        absl::StrCat(path, " HTTP/1.1\r\nHost: a\r\n", extra, "Connection: close\r\n\r\n"));
    return Parse(connection.ReadAll());
  };
  const ParsedResponse gzipped = get("GET /json/big", "Accept-Encoding: gzip, deflate\r\n");
  EXPECT_EQ(gzipped.status, 200);
  EXPECT_EQ(gzipped.Header("content-encoding"), "gzip");
  EXPECT_EQ(gzipped.Header("vary"), "accept-encoding");
  EXPECT_EQ(gzipped.Header("content-length"), std::to_string(gzipped.body.size()));
  EXPECT_LT(gzipped.body.size(), BigJson().size());
  EXPECT_EQ(Gunzip(gzipped.body), BigJson());

  const ParsedResponse plain = get("GET /json/big", "");
  EXPECT_EQ(plain.Header("content-encoding"), "");
  EXPECT_EQ(plain.Header("vary"), "accept-encoding");
  EXPECT_EQ(plain.body, BigJson());

  EXPECT_EQ(get("GET /json/big", "Accept-Encoding: gzip;q=0\r\n").Header("content-encoding"), "");
  const ParsedResponse small = get("GET /json/small", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(small.Header("content-encoding"), "");
  EXPECT_EQ(small.body, "{\"ok\":true}");
  EXPECT_EQ(get("GET /binary/big", "Accept-Encoding: gzip\r\n").Header("content-encoding"), "");

  // HEAD: the headers of the (uncompressed) GET, no body.
  const ParsedResponse head = get("HEAD /json/big", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-encoding"), "");
  EXPECT_EQ(head.Header("content-length"), std::to_string(BigJson().size()));
  EXPECT_EQ(head.body, "");
}

TEST_F(HttpServerTest, LateRespondFromAnotherThread) {
  StartServer();
  httplib::Client client("127.0.0.1", server_->port());
  const absl::Time start = absl::Now();
  auto response = client.Get("/late/200");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(absl::StrContains(response->body, "GET /late/200\n"));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
}

TEST_F(HttpServerTest, DroppedRespondIs500) {
  StartServer();
  httplib::Client client("127.0.0.1", server_->port());
  auto response = client.Get("/drop");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
}

TEST_F(HttpServerTest, IdleConnectionIsClosed) {
  HttpServerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  StartServer(options);
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  connection.Send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(Parse(connection.ReadResponse()).status, 200);
  const absl::Time start = absl::Now();
  EXPECT_EQ(connection.ReadAll(), "");  // returns when the server closes
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(HttpServerTest, ShutdownFinishesARequestInProgress) {
  StartServer();
  const int port = server_->port();
  std::string body;
  int status = 0;
  std::thread client_thread([&] {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10, 0);
    if (auto response = client.Get("/hold")) {
      status = response->status;
      body = response->body;
    }
  });
  ASSERT_TRUE(handler_.WaitForHeld(1));
  // An idle keep-alive connection is closed at once by the drain.
  RawConnection idle(port);
  ASSERT_TRUE(idle.Send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_EQ(Parse(idle.ReadResponse()).status, 200);

  std::thread release([this] {
    absl::SleepFor(absl::Milliseconds(300));  // well after Shutdown began
    handler_.Release();
  });
  const absl::Time start = absl::Now();
  server_->Shutdown(absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // returned once the request was done
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  release.join();
  client_thread.join();
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(absl::StrContains(body, "GET /hold\n"));
  EXPECT_EQ(idle.ReadAll(), "");

  // No longer accepting; a second Shutdown is a no-op.
  RawConnection refused(port);
  EXPECT_FALSE(refused.connected());
  server_->Shutdown(absl::Seconds(1));
}

TEST_F(HttpServerTest, Http2PriorKnowledge) {
  if (!CurlHasHttp2()) GTEST_SKIP() << "curl without HTTP/2";
  StartServer();
  const std::string out = RunCommand(
      absl::StrCat("curl -sS --http2-prior-knowledge -H 'accept-encoding: gzip' -D - -o /dev/null "
                   "-w 'version=%{http_version} code=%{response_code}' ",
                   Url("/json/big")));
  EXPECT_TRUE(absl::StrContains(out, "version=2 code=200")) << out;
  EXPECT_TRUE(absl::StrContains(out, "content-encoding: gzip")) << out;
  EXPECT_TRUE(absl::StrContains(out, "server: paritrana-gateway")) << out;

  const std::string echoed =
      RunCommand(absl::StrCat("curl -sS --http2-prior-knowledge -d 'hello' ", Url("/echo?q=1")));
  EXPECT_TRUE(absl::StrContains(echoed, "POST /echo?q=1\n")) << echoed;
  EXPECT_TRUE(absl::StrContains(echoed, "host: 127.0.0.1:")) << echoed;
  EXPECT_TRUE(absl::StrContains(echoed, "body-bytes: 5\n")) << echoed;
}

TEST_F(HttpServerTest, Http2OverTlsByAlpn) {
  if (!CurlHasHttp2()) GTEST_SKIP() << "curl without HTTP/2";
  test_support::TempDir dir("http_server_tls");
  StartServer(TlsOptions(dir));
  const std::string url = absl::StrCat("https://127.0.0.1:", server_->port(), "/json/big");
  const std::string h2 =
      RunCommand("curl -sS -k --http2 -o /dev/null -w '%{http_version} %{response_code}' " + url);
  EXPECT_EQ(h2, "2 200");
  const std::string h1 =
      RunCommand("curl -sS -k --http1.1 -o /dev/null -w '%{http_version} %{response_code}' " + url);
  EXPECT_EQ(h1, "1.1 200");
  const std::string body = RunCommand("curl -sS -k --http2 --compressed " + url);
  EXPECT_EQ(body, BigJson());
}

// Over TLS: curl 7.88.1 (Debian bookworm) cannot reuse a prior-knowledge h2c connection for a
// second transfer (curl issue 10634, fixed in 7.89), which --parallel needs; with ALPN it can.
TEST_F(HttpServerTest, Http2ConcurrentStreamsOnOneConnection) {
  if (!CurlHasHttp2()) GTEST_SKIP() << "curl without HTTP/2";
  test_support::TempDir dir("http_server_tls");
  StartServer(TlsOptions(dir));
  // Five requests that are answered only once all five are in progress: only concurrent
  // streams can finish them.
  std::string command =
      "curl -sS -k --http2 --parallel --parallel-max 10 -w '%{http_version} %{response_code}\\n'";
  for (int i = 0; i < 5; ++i) {
    absl::StrAppend(&command, " -o /dev/null https://127.0.0.1:", server_->port(), "/barrier/5");
  }
  const std::string out = RunCommand("timeout 20 " + command);
  EXPECT_EQ(out, "2 200\n2 200\n2 200\n2 200\n2 200\n") << out;
  const std::vector<std::string> peers = handler_.peers();
  ASSERT_EQ(peers.size(), 5u);
  EXPECT_EQ(std::set<std::string>(peers.begin(), peers.end()).size(), 1u);  // one connection
}

TEST_F(HttpServerTest, BadTlsFilesFailToStart) {
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.tls_cert_file = "/nonexistent.crt";
  options.tls_key_file = "/nonexistent.key";
  EXPECT_FALSE(HttpServer::Start(options, handler_).ok());
  options.tls_key_file = "";
  EXPECT_FALSE(HttpServer::Start(options, handler_).ok());
  options.tls_cert_file = "";
  options.listen = "nonsense";
  EXPECT_FALSE(HttpServer::Start(options, handler_).ok());
}

}  // namespace
}  // namespace paritrana::gateway
