#include "gateway/http_server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <exception>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

#include "gateway/gzip.h"
#include "gateway/http2_session.h"
#include "platform/log.h"

namespace paritrana::gateway {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using TlsStream = ssl::stream<tcp::socket>;

constexpr absl::string_view kServerName = "paritrana-gateway";
// Room for a JWT bearer token, cookies and the usual browser headers, not for abuse.
constexpr uint32_t kMaxHeaderBytes = 32 * 1024;
// Pipelined requests read ahead of their answers; reading pauses beyond this.
constexpr size_t kMaxPipelined = 16;
// After the last answer of a closing connection, how long unread input is drained before the
// close, so that the kernel does not reset the connection under the answer (lingering close).
constexpr Clock::duration kLinger = std::chrono::seconds(2);
// A TLS handshake or the first bytes of a connection must arrive within this.
constexpr Clock::duration kStartTimeout = std::chrono::seconds(10);
constexpr size_t kHttp2WriteChunk = 64 * 1024;
constexpr absl::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

Clock::duration ToClock(absl::Duration d) {
  return std::chrono::duration_cast<Clock::duration>(absl::ToChronoNanoseconds(d));
}

// What the transport keeps of a request to finish its answer.
struct RequestContext {
  std::string method;
  std::string accept_encoding;
};

// Compression, Date and Server: what every answer gets whichever protocol carries it.
void FinishResponse(const RequestContext& context, HttpResponse& response) {
  if (response.status < 200 || response.status > 999) response.status = 500;
  MaybeGzipResponse(context.method, context.accept_encoding, response);
  bool has_date = false;
  bool has_server = false;
  for (const auto& header : response.headers) {
    has_date = has_date || header.first == "date";
    has_server = has_server || header.first == "server";
  }
  if (!has_date) {
    response.headers.emplace_back(
        "date", absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now(), absl::UTCTimeZone()));
  }
  if (!has_server) response.headers.emplace_back("server", std::string(kServerName));
}

bool ValidHeaderText(absl::string_view text) {
  return text.find_first_of(absl::string_view("\r\n\0", 3)) == absl::string_view::npos;
}

// The HTTP/1.1 wire form of a finished answer.
std::string SerializeHttp1(const HttpResponse& response, bool head, bool http10_keep_alive,
                           bool close) {
  const http::status status = http::int_to_status(static_cast<unsigned>(response.status));
  absl::string_view reason;
  if (status != http::status::unknown) {
    const beast::string_view obsolete = http::obsolete_reason(status);
    reason = absl::string_view(obsolete.data(), obsolete.size());
  }
  std::string out = absl::StrCat("HTTP/1.1 ", response.status, " ", reason, "\r\n");
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || !ValidHeaderText(name) || !ValidHeaderText(value)) continue;
    if (name == "content-length" || name == "transfer-encoding" || name == "connection" ||
        name == "keep-alive") {
      continue;  // the transport's to say
    }
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  const bool no_body = response.status == 204 || response.status == 304;
  if (!no_body) absl::StrAppend(&out, "content-length: ", response.body.size(), "\r\n");
  if (close) {
    out.append("connection: close\r\n");
  } else if (http10_keep_alive) {
    out.append("connection: keep-alive\r\n");
  }
  out.append("\r\n");
  if (!no_body && !head) out.append(response.body);
  return out;
}

HttpResponse PlainResponse(int status, absl::string_view text) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("content-type", "text/plain; charset=utf-8");
  response.body = absl::StrCat(text, "\n");
  return response;
}

class ConnectionBase;

// What the server and its connections share; outlives both (connections and pending respond
// callbacks hold it).
struct ServerState {
  ServerState(HttpHandler& handler, HttpServerOptions options)
      : handler(handler), options(std::move(options)) {}

  HttpHandler& handler;
  const HttpServerOptions options;

  absl::Mutex mu;
  bool draining ABSL_GUARDED_BY(mu) = false;
  // The io_context is stopped (or gone): respond callbacks are dropped.
  bool stopped ABSL_GUARDED_BY(mu) = false;
  uint64_t next_id ABSL_GUARDED_BY(mu) = 0;
  absl::flat_hash_map<uint64_t, std::weak_ptr<ConnectionBase>> connections ABSL_GUARDED_BY(mu);
};

class ConnectionBase : public std::enable_shared_from_this<ConnectionBase> {
 public:
  virtual ~ConnectionBase() = default;
  // Both post to the connection's strand, so they may be called from any thread.
  virtual void Drain() = 0;                              // finish what is in progress, then close
  virtual void Deliver(uint64_t key, HttpResponse) = 0;  // the handler's answer
};

// The `respond` handed to the handler: delivers once, to the connection's strand, if the
// connection and the server still exist. A respond dropped without a call answers 500, so that
// a handler bug does not leave a client (and Shutdown) waiting.
class Responder final {
 public:
  Responder(std::shared_ptr<ServerState> state, std::weak_ptr<ConnectionBase> connection,
            uint64_t key)
      : state_(std::move(state)), connection_(std::move(connection)), key_(key) {}
  ~Responder() {
    if (!done_.exchange(true)) Send(PlainResponse(500, "the handler gave no answer"));
  }

  void Respond(HttpResponse response) {
    if (done_.exchange(true)) {
      log::Debug("http respond called more than once; ignored");
      return;
    }
    Send(std::move(response));
  }

 private:
  void Send(HttpResponse response) {
    std::shared_ptr<ConnectionBase> connection;
    {
      absl::ReaderMutexLock lock(&state_->mu);
      if (state_->stopped) return;
      connection = connection_.lock();
      if (connection != nullptr) connection->Deliver(key_, std::move(response));
    }
    // `connection` goes here, outside the lock: were it the last reference, its destructor
    // takes the lock to unregister.
  }

  std::shared_ptr<ServerState> state_;
  std::weak_ptr<ConnectionBase> connection_;
  uint64_t key_;
  std::atomic<bool> done_{false};
};

tcp::socket& Lowest(tcp::socket& stream) { return stream; }
tcp::socket& Lowest(TlsStream& stream) { return stream.next_layer(); }

// One client connection, clear (tcp::socket) or TLS (TlsStream), speaking HTTP/1.1 or HTTP/2
// as decided when it starts. Everything runs on the socket's strand.
template <class Stream>
class Connection final : public ConnectionBase {
 public:
  Connection(std::shared_ptr<ServerState> state, Stream stream, std::string peer)
      : state_(std::move(state)),
        stream_(std::move(stream)),
        peer_(std::move(peer)),
        timer_(stream_.get_executor()),
        idle_(ToClock(state_->options.idle_timeout)) {}

  ~Connection() override { Unregister(); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = Self()] { self->OnStart(); });
  }

  void Drain() override {
    net::post(stream_.get_executor(), [self = Self()] { self->OnDrain(); });
  }

  void Deliver(uint64_t key, HttpResponse response) override {
    net::post(stream_.get_executor(),
              [self = Self(), key, response = std::move(response)]() mutable {
                self->OnResponse(key, std::move(response));
              });
  }

 private:
  enum class Mode { kStarting, kHttp1, kHttp2 };

  // An HTTP/1.1 request read and dispatched, waiting for its turn to be answered in order.
  struct Slot {
    RequestContext context;
    bool http10_keep_alive = false;
    bool close_after = false;  // the client asked to close, or the request was refused
    bool ready = false;
    HttpResponse response;
  };

  std::shared_ptr<Connection> Self() {
    return std::static_pointer_cast<Connection>(shared_from_this());
  }

  std::function<void(HttpResponse)> MakeRespond(uint64_t key) {
    auto responder = std::make_shared<Responder>(state_, weak_from_this(), key);
    return [responder](HttpResponse response) { responder->Respond(std::move(response)); };
  }

  void OnStart() {
    {
      absl::MutexLock lock(&state_->mu);
      if (!state_->draining) {
        id_ = ++state_->next_id;
        state_->connections[id_] = weak_from_this();
      }
    }
    if (id_ == 0) {  // the server began shutting down while this was being accepted
      CloseNow();
      return;
    }
    deadline_ = Clock::now() + std::min(kStartTimeout, idle_);
    ArmTimer();
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = Self()](beast::error_code ec) { self->OnHandshake(ec); });
    } else {
      Detect();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (closed_) return;
    if (ec) {
      LogError("tls handshake", ec);
      CloseNow();
      return;
    }
    const unsigned char* protocol = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(stream_.native_handle(), &protocol, &length);
    if (length == 2 && std::memcmp(protocol, "h2", 2) == 0) {
      StartHttp2();
    } else {
      StartHttp1();
    }
  }

  // Clear text: HTTP/2 with prior knowledge starts with the client preface, anything else is
  // taken for HTTP/1.x. Reads until the bytes so far decide.
  void Detect() {
    stream_.async_read_some(buffer_.prepare(1024), [self = Self()](beast::error_code ec, size_t n) {
      self->OnDetectRead(ec, n);
    });
  }

  void OnDetectRead(beast::error_code ec, size_t n) {
    if (closed_) return;
    if (ec) {
      CloseNow();
      return;
    }
    buffer_.commit(n);
    const absl::string_view seen(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    const size_t compared = std::min(seen.size(), kHttp2Preface.size());
    if (seen.substr(0, compared) != kHttp2Preface.substr(0, compared)) {
      StartHttp1();
    } else if (compared == kHttp2Preface.size()) {
      StartHttp2();
    } else {
      Detect();
    }
  }

  // ---- HTTP/1.1 ----

  void StartHttp1() {
    mode_ = Mode::kHttp1;
    Touch();
    ReadRequest();
  }

  void ReadRequest() {
    if (reading_ || read_stopped_ || draining_ || lingering_ || closed_) return;
    if (slots_.size() >= kMaxPipelined) return;  // resumed when an answer has gone out
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(state_->options.max_body_bytes);
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     [self = Self()](beast::error_code ec, size_t) { self->OnRequest(ec); });
  }

  void OnRequest(beast::error_code ec) {
    reading_ = false;
    if (closed_) return;
    if (lingering_) {
      Discard();
      return;
    }
    if (ec == http::error::end_of_stream) {
      // The client is done sending; it may still wait for answers to what it sent.
      read_stopped_ = true;
      if (slots_.empty() && !writing_) CloseNow();
      return;
    }
    if (ec) {
      if (ec.category() != http::make_error_code(http::error::bad_method).category() ||
          ec == http::error::partial_message) {
        if (ec != net::error::operation_aborted) LogError("http read", ec);
        CloseNow();
        return;
      }
      // Malformed or over a limit: answer in turn, then close (the stream cannot be resynced).
      int status = 400;
      absl::string_view text = "malformed request";
      if (ec == http::error::body_limit) {
        status = 413;
        text = "request body too large";
      } else if (ec == http::error::header_limit) {
        status = 431;
        text = "request header fields too large";
      }
      RefuseAndClose(status, text);
      return;
    }
    // A Transfer-Encoding that does not end in chunked, or one beside a Content-Length, frames
    // the body in a way a proxy in front may read differently (request smuggling): refuse it.
    const http::request<http::string_body>& message = parser_->get();
    if (message.count(http::field::transfer_encoding) > 0 &&
        (!message.chunked() || message.count(http::field::content_length) > 0)) {
      RefuseAndClose(400, "ambiguous message framing (Transfer-Encoding)");
      return;
    }
    Touch();
    Dispatch(parser_->release());
    ReadRequest();
  }

  // Answers `status` in turn after the requests before it, then closes: the byte stream cannot be
  // trusted past this request.
  void RefuseAndClose(int status, absl::string_view text) {
    read_stopped_ = true;
    Slot& slot = slots_.emplace_back();
    slot.context.method = "GET";
    slot.close_after = true;
    slot.ready = true;
    slot.response = PlainResponse(status, text);
    FinishResponse(slot.context, slot.response);
    MaybeWrite();
  }

  void Dispatch(http::request<http::string_body> message) {
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.headers.reserve(std::distance(message.begin(), message.end()));
    for (const auto& field : message) {
      std::string name(field.name_string());
      absl::AsciiStrToLower(&name);
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.peer = peer_;

    const bool keep_alive = message.keep_alive();
    Slot& slot = slots_.emplace_back();
    slot.context.method = request.method;
    slot.context.accept_encoding = std::string(request.Header("accept-encoding"));
    slot.http10_keep_alive = keep_alive && message.version() < 11;
    slot.close_after = !keep_alive;
    if (!keep_alive) read_stopped_ = true;
    const uint64_t key = first_seq_ + slots_.size() - 1;
    ++pending_;
    state_->handler.Handle(std::move(request), MakeRespond(key));
  }

  void OnHttp1Response(uint64_t seq, HttpResponse response) {
    if (seq < first_seq_ || seq - first_seq_ >= slots_.size()) return;
    Slot& slot = slots_[seq - first_seq_];
    slot.response = std::move(response);
    FinishResponse(slot.context, slot.response);
    slot.ready = true;
    MaybeWrite();
  }

  void MaybeWrite() {
    if (writing_ || closed_ || lingering_ || slots_.empty() || !slots_.front().ready) return;
    Slot& slot = slots_.front();
    // Draining: the last answer in the queue tells the client this connection ends.
    const bool close = slot.close_after || (draining_ && slots_.size() == 1);
    write_buffer_ =
        SerializeHttp1(slot.response, slot.context.method == "HEAD", slot.http10_keep_alive, close);
    writing_ = true;
    net::async_write(
        stream_, net::buffer(write_buffer_),
        [self = Self(), close](beast::error_code ec, size_t) { self->OnHttp1Written(ec, close); });
  }

  void OnHttp1Written(beast::error_code ec, bool close) {
    writing_ = false;
    if (closed_) return;
    if (ec) {
      LogError("http write", ec);
      CloseNow();
      return;
    }
    slots_.pop_front();
    ++first_seq_;
    Touch();
    // Draining: an answer already on its way without "connection: close" was the last one.
    if (close || (slots_.empty() && (read_stopped_ || draining_))) {
      Linger();
      return;
    }
    MaybeWrite();
    ReadRequest();
  }

  // ---- HTTP/2 ----

  void StartHttp2() {
    mode_ = Mode::kHttp2;
    Touch();
    http2_ = std::make_unique<Http2Session>(peer_, state_->options.max_body_bytes,
                                            [this](int32_t stream_id, HttpRequest request) {
                                              DispatchHttp2(stream_id, std::move(request));
                                            });
    absl::Status status = http2_->Start();
    if (status.ok() && buffer_.size() > 0) {
      status = http2_->Receive(
          absl::string_view(static_cast<const char*>(buffer_.data().data()), buffer_.size()));
      buffer_.consume(buffer_.size());
    }
    if (!status.ok()) {
      log::Debug("http2 session failed", {{"error", std::string(status.message())}});
      CloseNow();
      return;
    }
    if (draining_) http2_->GoAway();
    FlushHttp2();
    ReadHttp2();
  }

  void DispatchHttp2(int32_t stream_id, HttpRequest request) {
    RequestContext context;
    context.method = request.method;
    context.accept_encoding = std::string(request.Header("accept-encoding"));
    http2_contexts_[stream_id] = std::move(context);
    ++pending_;
    state_->handler.Handle(std::move(request), MakeRespond(static_cast<uint64_t>(stream_id)));
  }

  void ReadHttp2() {
    if (reading_ || closed_) return;
    reading_ = true;
    stream_.async_read_some(
        net::buffer(read_buffer_),
        [self = Self()](beast::error_code ec, size_t n) { self->OnHttp2Read(ec, n); });
  }

  void OnHttp2Read(beast::error_code ec, size_t n) {
    reading_ = false;
    if (closed_) return;
    if (ec) {
      if (ec != net::error::eof && ec != net::error::operation_aborted &&
          ec != ssl::error::stream_truncated) {
        LogError("http2 read", ec);
      }
      CloseNow();
      return;
    }
    Touch();
    const absl::Status status = http2_->Receive(absl::string_view(read_buffer_.data(), n));
    if (!status.ok()) {
      log::Debug("http2 protocol error", {{"error", std::string(status.message())}});
      CloseNow();
      return;
    }
    FlushHttp2();
    if (!closed_ && http2_->WantsRead()) ReadHttp2();
  }

  void OnHttp2Response(int32_t stream_id, HttpResponse response) {
    auto it = http2_contexts_.find(stream_id);
    if (it == http2_contexts_.end()) return;
    const RequestContext context = std::move(it->second);
    http2_contexts_.erase(it);
    FinishResponse(context, response);
    http2_->Respond(stream_id, std::move(response), context.method == "HEAD");
    FlushHttp2();
  }

  void FlushHttp2() {
    if (writing_ || closed_) return;
    write_buffer_.clear();
    const absl::Status status = http2_->TakeOutput(write_buffer_, kHttp2WriteChunk);
    if (!status.ok()) {
      log::Debug("http2 session failed", {{"error", std::string(status.message())}});
      CloseNow();
      return;
    }
    if (write_buffer_.empty()) {
      if (!http2_->WantsRead() && !http2_->WantsWrite()) CloseNow();  // GOAWAY done, or fatal
      return;
    }
    writing_ = true;
    net::async_write(stream_, net::buffer(write_buffer_),
                     [self = Self()](beast::error_code ec, size_t) {
                       self->writing_ = false;
                       if (self->closed_) return;
                       if (ec) {
                         self->LogError("http2 write", ec);
                         self->CloseNow();
                         return;
                       }
                       self->Touch();
                       self->FlushHttp2();
                     });
  }

  // ---- both ----

  void OnResponse(uint64_t key, HttpResponse response) {
    --pending_;
    if (closed_) return;
    Touch();
    if (mode_ == Mode::kHttp1) {
      OnHttp1Response(key, std::move(response));
    } else if (mode_ == Mode::kHttp2) {
      OnHttp2Response(static_cast<int32_t>(key), std::move(response));
    }
  }

  void OnDrain() {
    if (closed_ || draining_) return;
    draining_ = true;
    switch (mode_) {
      case Mode::kStarting:
        CloseNow();
        break;
      case Mode::kHttp1:
        if (slots_.empty() && !writing_) CloseNow();  // idle keep-alive connection
        break;
      case Mode::kHttp2:
        http2_->GoAway();
        FlushHttp2();
        break;
    }
  }

  void Touch() { deadline_ = Clock::now() + idle_; }

  void ArmTimer() {
    timer_.expires_at(deadline_);
    timer_.async_wait([self = Self()](beast::error_code) { self->OnTimer(); });
  }

  // Closes a connection with no traffic since the deadline, unless the handler still owes it an
  // answer (the gateway's calls have their own deadline).
  void OnTimer() {
    if (closed_) return;
    const Clock::time_point now = Clock::now();
    if (now >= deadline_) {
      if (lingering_ || mode_ == Mode::kStarting || pending_ == 0) {
        CloseNow();
        return;
      }
      deadline_ = now + idle_;
    }
    ArmTimer();
  }

  // Half-closes after the last answer and reads (and drops) what the client still sends, for a
  // moment, before closing: closing with unread input would reset the connection, and the client
  // could lose the answer (a 413 sent before its body was read, typically).
  void Linger() {
    lingering_ = true;
    beast::error_code ignored;
    Lowest(stream_).shutdown(tcp::socket::shutdown_send, ignored);
    deadline_ = Clock::now() + kLinger;
    timer_.cancel();  // its handler re-arms the timer for the nearer deadline
    if (!reading_) Discard();
  }

  void Discard() {
    reading_ = true;
    Lowest(stream_).async_read_some(net::buffer(read_buffer_),
                                    [self = Self()](beast::error_code ec, size_t) {
                                      self->reading_ = false;
                                      if (self->closed_) return;
                                      if (ec) {
                                        self->CloseNow();
                                      } else {
                                        self->Discard();
                                      }
                                    });
  }

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    beast::error_code ignored;
    Lowest(stream_).shutdown(tcp::socket::shutdown_both, ignored);
    Lowest(stream_).close(ignored);
    Unregister();
  }

  void Unregister() {
    if (id_ == 0) return;
    absl::MutexLock lock(&state_->mu);
    state_->connections.erase(id_);
    id_ = 0;
  }

  void LogError(absl::string_view what, const beast::error_code& ec) {
    if (ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::broken_pipe) {
      return;  // ordinary ends of a connection
    }
    if (log::DebugEnabled()) {
      log::Debug("http connection error", {{"during", std::string(what)}, {"error", ec.message()}});
    }
  }

  const std::shared_ptr<ServerState> state_;
  Stream stream_;
  const std::string peer_;
  net::steady_timer timer_;
  const Clock::duration idle_;
  Clock::time_point deadline_;
  uint64_t id_ = 0;  // in state_->connections while not 0

  Mode mode_ = Mode::kStarting;
  bool closed_ = false;
  bool draining_ = false;
  bool lingering_ = false;
  bool reading_ = false;
  bool writing_ = false;
  int pending_ = 0;  // requests handed to the handler and not answered yet
  beast::flat_buffer buffer_;
  std::string write_buffer_;
  std::array<char, 16 * 1024> read_buffer_;

  // HTTP/1.1
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<Slot> slots_;
  uint64_t first_seq_ = 0;     // the request number of slots_.front()
  bool read_stopped_ = false;  // no further request will be read

  // HTTP/2
  std::unique_ptr<Http2Session> http2_;
  absl::flat_hash_map<int32_t, RequestContext> http2_contexts_;
};

// Offers h2 first, then http/1.1; a client offering neither gets no ALPN and HTTP/1.1.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
               unsigned int in_length, void*) {
  static constexpr unsigned char kProtocols[] = "\x02h2\x08http/1.1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kProtocols, sizeof(kProtocols) - 1, in,
                            in_length) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

absl::StatusOr<tcp::endpoint> ParseListen(const std::string& listen, net::io_context& io) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address \"", listen, "\" is not HOST:PORT"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address \"", listen, "\" has a bad port"));
  }
  if (host.empty()) host = "0.0.0.0";
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, static_cast<unsigned short>(port));
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot resolve listen host \"", host, "\""));
  }
  return results.begin()->endpoint();
}

std::string PeerName(const tcp::socket& socket) {
  beast::error_code ec;
  const tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "";
  const net::ip::address address = endpoint.address();
  return address.is_v6() ? absl::StrCat("[", address.to_string(), "]:", endpoint.port())
                         : absl::StrCat(address.to_string(), ":", endpoint.port());
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, HttpHandler& handler)
      : state_(std::make_shared<ServerState>(handler, std::move(options))),
        io_(std::make_unique<net::io_context>(std::max(1, state_->options.threads))) {}

  ~Impl() { Shutdown(absl::ZeroDuration()); }

  absl::Status Init() {
    const HttpServerOptions& options = state_->options;
    if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
      return absl::InvalidArgumentError("TLS needs both a certificate file and a key file");
    }
    if (!options.tls_cert_file.empty()) {
      tls_.emplace(ssl::context::tls_server);
      SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
      beast::error_code ec;
      tls_->use_certificate_chain_file(options.tls_cert_file, ec);
      if (ec) {
        return absl::InvalidArgumentError(absl::StrCat("cannot load TLS certificate ",
                                                       options.tls_cert_file, ": ", ec.message()));
      }
      tls_->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
      if (ec) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot load TLS key ", options.tls_key_file, ": ", ec.message()));
      }
      SSL_CTX_set_alpn_select_cb(tls_->native_handle(), &SelectAlpn, nullptr);
    }

    absl::StatusOr<tcp::endpoint> endpoint = ParseListen(options.listen, *io_);
    if (!endpoint.ok()) return endpoint.status();
    acceptor_ = std::make_unique<tcp::acceptor>(net::make_strand(*io_));
    accept_retry_ = std::make_unique<net::steady_timer>(acceptor_->get_executor());
    beast::error_code ec;
    acceptor_->open(endpoint->protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(*endpoint, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", options.listen, ": ", ec.message()));
    }
    port_ = acceptor_->local_endpoint(ec).port();

    work_.emplace(io_->get_executor());
    Accept();
    const int threads = std::max(1, options.threads);
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Run(); });
    }
    return absl::OkStatus();
  }

  int port() const { return port_; }

  void Shutdown(absl::Duration grace) {
    absl::MutexLock once(&shutdown_mu_);
    if (shut_down_ || io_ == nullptr) return;
    shut_down_ = true;
    std::vector<std::shared_ptr<ConnectionBase>> live;
    {
      absl::MutexLock lock(&state_->mu);
      state_->draining = true;
      for (const auto& entry : state_->connections) {
        if (auto connection = entry.second.lock()) live.push_back(std::move(connection));
      }
    }
    if (acceptor_ != nullptr) {
      net::post(acceptor_->get_executor(), [this] {
        beast::error_code ignored;
        acceptor_->close(ignored);
        accept_retry_->cancel();
      });
    }
    for (const auto& connection : live) connection->Drain();
    live.clear();
    {
      absl::MutexLock lock(&state_->mu);
      ServerState* state = state_.get();
      state_->mu.AwaitWithTimeout(absl::Condition(
                                      +[](ServerState* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
                                        return s->connections.empty();
                                      },
                                      state),
                                  grace);
      state_->stopped = true;
    }
    work_.reset();
    io_->stop();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    // Destroying the io_context destroys the handlers still queued, and with them the
    // connections they hold (closing their sockets).
    accept_retry_.reset();
    acceptor_.reset();
    io_.reset();
  }

 private:
  void Run() {
    for (;;) {
      try {
        io_->run();
        return;
      } catch (const std::exception& e) {
        log::Error("http server thread caught an exception", {{"error", e.what()}});
      }
    }
  }

  void Accept() {
    acceptor_->async_accept(
        net::make_strand(*io_),
        [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;
    if (ec) {
      // Out of descriptors, typically: retry a little later rather than spin.
      if (log::DebugEnabled()) log::Debug("http accept failed", {{"error", ec.message()}});
      accept_retry_->expires_after(std::chrono::milliseconds(50));
      accept_retry_->async_wait([this](beast::error_code wait_error) {
        if (!wait_error && acceptor_->is_open()) Accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::string peer = PeerName(socket);
    if (tls_) {
      std::make_shared<Connection<TlsStream>>(state_, TlsStream(std::move(socket), *tls_),
                                              std::move(peer))
          ->Start();
    } else {
      std::make_shared<Connection<tcp::socket>>(state_, std::move(socket), std::move(peer))
          ->Start();
    }
    Accept();
  }

  std::shared_ptr<ServerState> state_;
  std::optional<ssl::context> tls_;  // declared before io_: outlives the connections' streams
  std::unique_ptr<net::io_context> io_;
  std::unique_ptr<tcp::acceptor> acceptor_;  // and its timer: on the acceptor's strand
  std::unique_ptr<net::steady_timer> accept_retry_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  absl::Mutex shutdown_mu_;
  bool shut_down_ = false;
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                              HttpHandler& handler) {
  auto impl = std::make_unique<Impl>(std::move(options), handler);
  if (absl::Status status = impl->Init(); !status.ok()) return status;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(absl::ZeroDuration()); }

int HttpServer::port() const { return impl_->port(); }

void HttpServer::Shutdown(absl::Duration grace) { impl_->Shutdown(grace); }

}  // namespace paritrana::gateway
