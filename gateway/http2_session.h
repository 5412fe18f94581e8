#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "gateway/http_types.h"

struct nghttp2_session;

namespace paritrana::gateway {

// The HTTP/2 protocol state of one server connection (libnghttp2), without any I/O: the
// connection feeds it the bytes it reads (Receive) and writes the bytes it asks for
// (TakeOutput). Every stream that completes a request (headers and body) is handed to
// `on_request` with its stream id; the answer comes back later through Respond. Not thread-safe:
// the connection calls it from its strand only.
class Http2Session final {
 public:
  using RequestCallback = std::function<void(int32_t stream_id, HttpRequest request)>;

  // Streams a client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
  static constexpr uint32_t kMaxConcurrentStreams = 100;
  // A request whose header block (names and values, 32 bytes each for overhead as HTTP/2
  // counts) is larger is reset.
  static constexpr size_t kMaxHeaderListBytes = 64 * 1024;

  // `peer` goes into every HttpRequest; a body larger than `max_body_bytes` is answered 413.
  Http2Session(std::string peer, size_t max_body_bytes, RequestCallback on_request);
  ~Http2Session();

  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  // Creates the nghttp2 session and queues the server's SETTINGS. Call once, first.
  absl::Status Start();

  // Processes bytes read from the client (the first ones start with the client preface). An
  // error means the connection is beyond repair: close it.
  absl::Status Receive(absl::string_view bytes);

  // Appends frames ready to go out to `out`, stopping once it holds `max_bytes` or more.
  absl::Status TakeOutput(std::string& out, size_t max_bytes);

  // Queues the answer to stream `stream_id`. `head` (a HEAD request): headers only, with the
  // content-length the body would have had. Dropped when the stream is gone (client reset it).
  // The response should be final (gzip, date, server already applied).
  void Respond(int32_t stream_id, HttpResponse response, bool head);

  // Graceful close: GOAWAY saying no stream after the last one seen will be processed; the open
  // streams finish, after which the session wants neither to read nor to write.
  void GoAway();

  // Whether the session still expects bytes from the client / has frames to send. Both false:
  // the connection can be closed.
  bool WantsRead() const;
  bool WantsWrite() const;

 private:
  struct Stream;

  Stream* FindStream(int32_t stream_id);
  void Dispatch(int32_t stream_id, Stream& stream);
  void RespondNow(int32_t stream_id, Stream& stream, HttpResponse response, bool head);

  friend struct Http2Callbacks;

  const std::string peer_;
  const size_t max_body_bytes_;
  RequestCallback on_request_;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, std::unique_ptr<Stream>> streams_;
};

}  // namespace paritrana::gateway
