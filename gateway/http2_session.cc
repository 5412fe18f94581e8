#include "gateway/http2_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace paritrana::gateway {

// One client stream: the request as it arrives, then the body of the answer while nghttp2 sends it.
struct Http2Session::Stream {
  HttpRequest request;
  std::string authority;
  std::string cookie;  // HTTP/2 may split Cookie into crumbs (RFC 9113 8.2.3); rejoined here
  size_t header_bytes = 0;
  bool dispatched = false;  // handed to on_request (or answered 413)
  bool too_large = false;
  std::string response_body;
  size_t response_offset = 0;
};

namespace {

absl::string_view View(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Headers that name properties of an HTTP/1.1 connection; HTTP/2 forbids them (RFC 9113 8.2.2).
bool IsConnectionSpecific(absl::string_view name) {
  return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
         name == "transfer-encoding" || name == "upgrade" || name == "content-length";
}

}  // namespace

// nghttp2's C callbacks, friends of the session so that they can reach its streams.
struct Http2Callbacks {
  static Http2Session& Self(void* user_data) { return *static_cast<Http2Session*>(user_data); }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto stream = std::make_unique<Http2Session::Stream>();
    stream->request.peer = Self(user_data).peer_;
    Self(user_data).streams_[frame->hd.stream_id] = std::move(stream);
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t name_size, const uint8_t* value, size_t value_size, uint8_t,
                      void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    Http2Session::Stream* stream = Self(user_data).FindStream(frame->hd.stream_id);
    if (stream == nullptr || stream->dispatched) return 0;  // e.g. trailers
    stream->header_bytes += name_size + value_size + 32;
    if (stream->header_bytes > Http2Session::kMaxHeaderListBytes) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets this stream only
    }
    const absl::string_view key = View(name, name_size);
    const absl::string_view text = View(value, value_size);
    HttpRequest& request = stream->request;
    if (key == ":method") {
      request.method = std::string(text);
    } else if (key == ":path") {
      request.target = std::string(text);
    } else if (key == ":authority") {
      stream->authority = std::string(text);
    } else if (key == "cookie") {
      absl::StrAppend(&stream->cookie, stream->cookie.empty() ? "" : "; ", text);
    } else if (!key.empty() && key[0] != ':') {
      // nghttp2 has already refused upper-case names and connection-specific headers.
      request.headers.emplace_back(std::string(key), std::string(text));
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t size, void* user_data) {
    Http2Session& self = Self(user_data);
    Http2Session::Stream* stream = self.FindStream(stream_id);
    if (stream == nullptr || stream->dispatched) return 0;
    if (stream->request.body.size() + size > self.max_body_bytes_) {
      // Answered at once; the rest of the body is read (flow control) and dropped.
      stream->too_large = true;
      stream->dispatched = true;
      stream->request.body.clear();
      HttpResponse response;
      response.status = 413;
      response.headers.emplace_back("content-type", "text/plain; charset=utf-8");
      response.body = "request body too large\n";
      self.RespondNow(stream_id, *stream, std::move(response), /*head=*/false);
      return 0;
    }
    stream->request.body.append(reinterpret_cast<const char*>(data), size);
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) return 0;
    Http2Session& self = Self(user_data);
    Http2Session::Stream* stream = self.FindStream(frame->hd.stream_id);
    if (stream == nullptr || stream->dispatched) return 0;
    self.Dispatch(frame->hd.stream_id, *stream);
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user_data) {
    Self(user_data).streams_.erase(stream_id);
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buffer, size_t length,
                          uint32_t* data_flags, nghttp2_data_source* source, void*) {
    auto* stream = static_cast<Http2Session::Stream*>(source->ptr);
    const size_t left = stream->response_body.size() - stream->response_offset;
    const size_t n = std::min(length, left);
    std::memcpy(buffer, stream->response_body.data() + stream->response_offset, n);
    stream->response_offset += n;
    if (stream->response_offset == stream->response_body.size()) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
  }
};

Http2Session::Http2Session(std::string peer, size_t max_body_bytes, RequestCallback on_request)
    : peer_(std::move(peer)), max_body_bytes_(max_body_bytes), on_request_(std::move(on_request)) {}

Http2Session::~Http2Session() {
  if (session_ != nullptr) nghttp2_session_del(session_);
}

absl::Status Http2Session::Start() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) {
    return absl::ResourceExhaustedError("nghttp2: cannot allocate callbacks");
  }
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks,
                                                          &Http2Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &Http2Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks,
                                                            &Http2Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Http2Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Http2Callbacks::OnStreamClose);
  const int created = nghttp2_session_server_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  if (created != 0) {
    session_ = nullptr;
    return absl::ResourceExhaustedError(
        absl::StrCat("nghttp2_session_server_new: ", nghttp2_strerror(created)));
  }
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(kMaxHeaderListBytes)},
  };
  const int submitted =
      nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  if (submitted != 0) {
    return absl::InternalError(
        absl::StrCat("nghttp2_submit_settings: ", nghttp2_strerror(submitted)));
  }
  return absl::OkStatus();
}

absl::Status Http2Session::Receive(absl::string_view bytes) {
  const ssize_t read = nghttp2_session_mem_recv(
      session_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (read < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("nghttp2: ", nghttp2_strerror(static_cast<int>(read))));
  }
  return absl::OkStatus();
}

absl::Status Http2Session::TakeOutput(std::string& out, size_t max_bytes) {
  while (out.size() < max_bytes) {
    const uint8_t* data = nullptr;
    const ssize_t size = nghttp2_session_mem_send(session_, &data);
    if (size < 0) {
      return absl::InternalError(
          absl::StrCat("nghttp2: ", nghttp2_strerror(static_cast<int>(size))));
    }
    if (size == 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
  }
  return absl::OkStatus();
}

void Http2Session::Respond(int32_t stream_id, HttpResponse response, bool head) {
  Stream* stream = FindStream(stream_id);
  if (stream == nullptr || stream->too_large) return;  // reset by the client, or answered 413
  RespondNow(stream_id, *stream, std::move(response), head);
}

void Http2Session::GoAway() {
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
}

bool Http2Session::WantsRead() const {
  return session_ != nullptr && nghttp2_session_want_read(session_) != 0;
}

bool Http2Session::WantsWrite() const {
  return session_ != nullptr && nghttp2_session_want_write(session_) != 0;
}

Http2Session::Stream* Http2Session::FindStream(int32_t stream_id) {
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Http2Session::Dispatch(int32_t stream_id, Stream& stream) {
  stream.dispatched = true;
  HttpRequest& request = stream.request;
  if (!stream.cookie.empty()) request.headers.emplace_back("cookie", std::move(stream.cookie));
  // The HTTP/1.1 Host the handler may look at (e.g. for absolute links) is :authority here.
  if (!stream.authority.empty() && request.Header("host").empty()) {
    request.headers.emplace_back("host", std::move(stream.authority));
  }
  on_request_(stream_id, std::move(request));
}

void Http2Session::RespondNow(int32_t stream_id, Stream& stream, HttpResponse response, bool head) {
  if (response.status < 200 || response.status > 999) response.status = 500;
  const bool no_body = head || response.status == 204 || response.status == 304;
  const std::string status = std::to_string(response.status);
  const std::string length = std::to_string(response.body.size());
  std::vector<nghttp2_nv> headers;
  headers.reserve(response.headers.size() + 2);
  auto add = [&headers](const std::string& name, const std::string& value) {
    nghttp2_nv nv;
    nv.name = reinterpret_cast<uint8_t*>(const_cast<char*>(name.data()));
    nv.namelen = name.size();
    nv.value = reinterpret_cast<uint8_t*>(const_cast<char*>(value.data()));
    nv.valuelen = value.size();
    nv.flags = NGHTTP2_NV_FLAG_NONE;  // nghttp2 copies names and values
    headers.push_back(nv);
  };
  static const std::string kStatus = ":status";
  static const std::string kContentLength = "content-length";
  add(kStatus, status);
  for (const auto& header : response.headers) {
    if (header.first.empty() || header.first[0] == ':' || IsConnectionSpecific(header.first)) {
      continue;
    }
    add(header.first, header.second);
  }
  if (response.status != 204 && response.status != 304) add(kContentLength, length);

  nghttp2_data_provider provider;
  const bool with_data = !no_body && !response.body.empty();
  if (with_data) {
    stream.response_body = std::move(response.body);
    stream.response_offset = 0;
    provider.source.ptr = &stream;
    provider.read_callback = &Http2Callbacks::ReadBody;
  }
  const int submitted = nghttp2_submit_response(session_, stream_id, headers.data(), headers.size(),
                                                with_data ? &provider : nullptr);
  if (submitted != 0) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_INTERNAL_ERROR);
  }
}

}  // namespace paritrana::gateway
