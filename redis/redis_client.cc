#include "redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace paritrana {
namespace {

// hiredis 0.14 writes with plain write(2), so writing to a connection the server has closed
// raises SIGPIPE, whose default action kills the whole process — a Redis restart must not take a
// service down. Rather than ignoring SIGPIPE process-wide (a library should not change global
// signal handling), block it in this thread for the duration of the I/O and consume any SIGPIPE
// the I/O itself raised, the way libpq does. The write then just fails with EPIPE.
class ScopedSigpipeBlock final {
 public:
  ScopedSigpipeBlock() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &previous_);
    sigset_t pending;
    sigpending(&pending);
    // A SIGPIPE that was pending before we started is someone else's: leave it alone.
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~ScopedSigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        const timespec no_wait{0, 0};
        sigtimedwait(&pipe, nullptr, &no_wait);
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t previous_;
  bool was_pending_ = false;
};

// hiredis takes timevals; a zero or negative one would mean "no timeout" or an error, so the
// time left is never allowed below a millisecond.
timeval TimeLeft(absl::Time deadline) {
  return absl::ToTimeval(std::max(deadline - absl::Now(), absl::Milliseconds(1)));
}

}  // namespace

absl::StatusOr<std::pair<std::string, int>> RedisClient::ParseAddress(absl::string_view address) {
  const absl::Status bad = absl::InvalidArgumentError(
      absl::StrCat("redis address \"", absl::CHexEscape(address),
                   "\" is not HOST:PORT with a port from 1 to 65535, unix:PATH or /PATH"));
  absl::string_view rest = address;
  // A Unix socket: port 0 marks it, since no TCP address has that port.
  if (absl::ConsumePrefix(&rest, "unix:") || absl::StartsWith(rest, "/")) {
    if (rest.empty() || rest.find('\0') != absl::string_view::npos) return bad;
    return std::make_pair(std::string(rest), 0);
  }
  absl::string_view host;
  if (absl::ConsumePrefix(&rest, "[")) {  // [IPv6]:port
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos) return bad;
    host = rest.substr(0, close);
    rest.remove_prefix(close + 1);
    if (!absl::ConsumePrefix(&rest, ":")) return bad;
  } else {
    const size_t colon = rest.find(':');
    if (colon == absl::string_view::npos) return bad;
    host = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
    if (rest.find(':') != absl::string_view::npos) return bad;  // unbracketed IPv6
  }
  if (host.empty() || rest.empty() || rest.size() > 5 ||
      !std::all_of(rest.begin(), rest.end(), absl::ascii_isdigit)) {
    return bad;
  }
  int port = 0;
  if (!absl::SimpleAtoi(rest, &port) || port < 1 || port > 65535) return bad;
  return std::make_pair(std::string(host), port);
}

redisContext* RedisClient::Connect(const std::string& host, int port, timeval timeout) {
  if (port == 0) return redisConnectUnixWithTimeout(host.c_str(), timeout);
  return redisConnectWithTimeout(host.c_str(), port, timeout);
}

namespace {

// Server error replies that describe a passing state of the server rather than a wrong request;
// callers treat them like an unreachable Redis.
bool IsTransientError(absl::string_view code) {
  return code == "LOADING" || code == "BUSY" || code == "MASTERDOWN" || code == "TRYAGAIN" ||
         code == "CLUSTERDOWN" || code == "READONLY";
}

// Error replies about credentials or ACL permissions: the deployment is misconfigured, and
// retrying will not help until an operator fixes it.
bool IsAccessError(absl::string_view code) {
  return code == "NOAUTH" || code == "WRONGPASS" || code == "NOPERM";
}

// The error code of an error reply: its leading upper-case word ("ERR" if none). The rest of a
// Redis error message can quote the command's arguments (keys, values, a password), so it is
// never kept.
absl::string_view ErrorCode(const redisReply& reply) {
  absl::string_view text(reply.str, reply.len);
  const size_t end = std::find_if_not(text.begin(), text.end(), absl::ascii_isupper) - text.begin();
  return end == 0 ? absl::string_view("ERR") : text.substr(0, end);
}

}  // namespace

absl::Status RedisClient::Authenticate(redisContext& context, absl::string_view address,
                                       absl::string_view username, absl::string_view password) {
  if (password.empty()) return absl::OkStatus();
  std::vector<const char*> argv = {"AUTH"};
  std::vector<size_t> lengths = {4};
  if (!username.empty()) {
    argv.push_back(username.data());
    lengths.push_back(username.size());
  }
  argv.push_back(password.data());
  lengths.push_back(password.size());
  const std::string who = username.empty()
                              ? std::string("the default user")
                              : absl::StrCat("user \"", absl::CHexEscape(username), "\"");
  void* raw = nullptr;
  {
    ScopedSigpipeBlock no_sigpipe;
    raw = redisCommandArgv(&context, static_cast<int>(argv.size()), argv.data(), lengths.data());
  }
  ReplyPtr reply(static_cast<redisReply*>(raw));
  if (reply == nullptr) {
    return absl::UnavailableError(absl::StrCat("redis at ", address, ": AUTH as ", who,
                                               " failed: connection error: ", context.errstr));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    const absl::string_view code = ErrorCode(*reply);
    const std::string message =
        absl::StrCat("redis at ", address, ": AUTH as ", who, " refused (", code, ")");
    if (IsTransientError(code)) return absl::UnavailableError(message);
    return absl::FailedPreconditionError(
        absl::StrCat(message, ": check --redis_user and --redis_password_file"));
  }
  if (reply->type != REDIS_REPLY_STATUS || absl::string_view(reply->str, reply->len) != "OK") {
    return absl::InternalError(absl::StrCat("redis at ", address, ": unexpected reply to AUTH"));
  }
  return absl::OkStatus();
}

void RedisClient::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }
void RedisClient::ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Create(Options options) {
  absl::StatusOr<std::pair<std::string, int>> host_port = ParseAddress(options.address);
  if (!host_port.ok()) return host_port.status();
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("redis timeout must be positive");
  }
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("redis pool size must be at least 1");
  }
  if (!options.username.empty() && options.password.empty()) {
    return absl::InvalidArgumentError("redis user given without a password");
  }
  if (options.initial_backoff <= absl::ZeroDuration() ||
      options.max_backoff < options.initial_backoff) {
    return absl::InvalidArgumentError(
        "redis backoff must be positive, with max_backoff >= initial_backoff");
  }
  return std::unique_ptr<RedisClient>(
      new RedisClient(std::move(options), std::move(host_port->first), host_port->second));
}

RedisClient::RedisClient(Options options, std::string host, int port)
    : options_(std::move(options)),
      host_(std::move(host)),
      port_(port),
      backoff_(options_.initial_backoff),
      retry_at_(absl::InfinitePast()) {}

RedisClient::~RedisClient() = default;

std::string RedisClient::GenerationKey(absl::string_view province) {
  return absl::StrCat("paritrana:gen:", province);
}

absl::Status RedisClient::BumpGenerations(const std::vector<std::string>& provinces) {
  if (provinces.empty()) return absl::OkStatus();
  std::vector<std::string> keys;
  keys.reserve(provinces.size());
  std::vector<Args> commands;
  commands.reserve(provinces.size());
  for (const std::string& province : provinces) keys.push_back(GenerationKey(province));
  for (const std::string& key : keys) commands.push_back({"INCR", key});
  for (const std::string& province : provinces) {
    commands.push_back({"PUBLISH", kGenerationChannel, province});
  }

  absl::StatusOr<std::vector<ReplyPtr>> replies = RoundTrip(commands);
  if (!replies.ok()) return Count(replies.status());
  for (const ReplyPtr& reply : *replies) {
    if (reply->type == REDIS_REPLY_ERROR) return Count(ErrorReply(*reply, "INCR/PUBLISH"));
    if (reply->type != REDIS_REPLY_INTEGER) return Count(UnexpectedReply("INCR/PUBLISH"));
  }
  return Count(absl::OkStatus());
}

absl::StatusOr<std::vector<std::optional<std::string>>> RedisClient::MGet(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> values;
  if (keys.empty()) return values;
  Args command;
  command.reserve(keys.size() + 1);
  command.push_back("MGET");
  for (const std::string& key : keys) command.push_back(key);

  absl::StatusOr<std::vector<ReplyPtr>> replies = RoundTrip({&command, 1});
  if (!replies.ok()) return Count(replies.status());
  const redisReply& reply = *replies->front();
  if (reply.type == REDIS_REPLY_ERROR) return Count(ErrorReply(reply, "MGET"));
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements != keys.size()) {
    return Count(UnexpectedReply("MGET"));
  }
  values.reserve(keys.size());
  for (size_t i = 0; i < reply.elements; ++i) {
    const redisReply& element = *reply.element[i];
    if (element.type == REDIS_REPLY_NIL) {
      values.emplace_back(std::nullopt);
    } else if (element.type == REDIS_REPLY_STRING) {
      values.emplace_back(std::string(element.str, element.len));
    } else {
      return Count(UnexpectedReply("MGET"));
    }
  }
  Count(absl::OkStatus()).IgnoreError();
  return values;
}

absl::StatusOr<RedisClient::Versioned> RedisClient::GetVersioned(absl::string_view generation_key,
                                                                 absl::string_view key_prefix,
                                                                 absl::string_view key_suffix) {
  static constexpr absl::string_view kScript =
      "local g = redis.call('GET', KEYS[1]) or '0' "
      "return {g, redis.call('GET', ARGV[1] .. g .. ARGV[2])}";
  const Args command = {"EVAL", kScript, "1", generation_key, key_prefix, key_suffix};
  absl::StatusOr<std::vector<ReplyPtr>> replies = RoundTrip({&command, 1});
  if (!replies.ok()) return Count(replies.status());
  const redisReply& reply = *replies->front();
  if (reply.type == REDIS_REPLY_ERROR) return Count(ErrorReply(reply, "EVAL"));
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 1 ||
      reply.element[0]->type != REDIS_REPLY_STRING) {
    return Count(UnexpectedReply("EVAL"));
  }
  Versioned out;
  out.generation = std::string(reply.element[0]->str, reply.element[0]->len);
  // Lua turns a missing value (false) into a nil element or ends the array early.
  if (reply.elements > 1 && reply.element[1]->type == REDIS_REPLY_STRING) {
    out.value = std::string(reply.element[1]->str, reply.element[1]->len);
  }
  Count(absl::OkStatus()).IgnoreError();
  return out;
}

absl::Status RedisClient::SetEx(absl::string_view key, absl::string_view value,
                                int64_t ttl_seconds) {
  if (ttl_seconds <= 0) return absl::InvalidArgumentError("ttl_seconds must be positive");
  const std::string ttl = absl::StrCat(ttl_seconds);
  const Args command = {"SET", key, value, "EX", ttl};
  absl::StatusOr<std::vector<ReplyPtr>> replies = RoundTrip({&command, 1});
  if (!replies.ok()) return Count(replies.status());
  const redisReply& reply = *replies->front();
  if (reply.type == REDIS_REPLY_ERROR) return Count(ErrorReply(reply, "SET"));
  if (reply.type != REDIS_REPLY_STATUS || absl::string_view(reply.str, reply.len) != "OK") {
    return Count(UnexpectedReply("SET"));
  }
  return Count(absl::OkStatus());
}

absl::Status RedisClient::Ping() {
  const Args command = {"PING"};
  absl::StatusOr<std::vector<ReplyPtr>> replies = RoundTrip({&command, 1});
  if (!replies.ok()) return Count(replies.status());
  const redisReply& reply = *replies->front();
  if (reply.type == REDIS_REPLY_ERROR) return Count(ErrorReply(reply, "PING"));
  if (reply.type != REDIS_REPLY_STATUS || absl::string_view(reply.str, reply.len) != "PONG") {
    return Count(UnexpectedReply("PING"));
  }
  return Count(absl::OkStatus());
}

RedisClient::Stats RedisClient::stats() const {
  Stats s;
  s.commands_ok = commands_ok_.load(std::memory_order_relaxed);
  s.commands_failed = commands_failed_.load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  s.fast_failures = fast_failures_.load(std::memory_order_relaxed);
  return s;
}

absl::StatusOr<std::vector<RedisClient::ReplyPtr>> RedisClient::RoundTrip(
    absl::Span<const Args> commands) {
  const absl::Time deadline = absl::Now() + options_.timeout;
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<Lease> lease = Acquire(deadline);
    if (!lease.ok()) return lease.status();
    std::vector<ReplyPtr> replies;
    absl::Status io = Exchange(*lease->context, commands, deadline, replies);
    if (io.ok()) {
      Release(*std::move(lease), Outcome::kHealthy);
      return replies;
    }
    // A pooled connection may have died while idle (Redis restarted, or closed idle clients);
    // that says nothing about Redis now, so try once more on a fresh connection if time is
    // left. Retrying is safe for every command here: GET/SET are idempotent, and an INCR that
    // lands twice only invalidates a cache entry once more.
    const bool retry = attempt == 0 && lease->reused && absl::Now() < deadline;
    Release(*std::move(lease), retry ? Outcome::kStale : Outcome::kBroken);
    if (!retry) return io;
  }
}

absl::StatusOr<RedisClient::Lease> RedisClient::Acquire(absl::Time deadline) {
  Lease lease;
  {
    absl::MutexLock lock(&mu_);
    while (true) {
      if (!idle_.empty()) {
        // Most recently used first: it is the likeliest to be alive.
        lease.context = std::move(idle_.back());
        idle_.pop_back();
        lease.reused = true;
        return lease;
      }
      const absl::Time now = absl::Now();
      if (failing_ && now < retry_at_) {
        fast_failures_.fetch_add(1, std::memory_order_relaxed);
        return Unavailable("not retrying yet after a recent failure");
      }
      if (open_ < options_.pool_size) {
        if (failing_) {
          // This caller probes; the others keep failing fast until the next window.
          lease.probe = true;
          retry_at_ = now + backoff_;
        }
        ++open_;
        break;
      }
      if (!mu_.AwaitWithDeadline(absl::Condition(this, &RedisClient::SlotAvailable), deadline)) {
        return Unavailable("no pooled connection became free within the timeout");
      }
    }
  }

  // Connect without holding mu_: it can take up to the whole timeout.
  ContextPtr context(Connect(host_, port_, TimeLeft(deadline)));
  absl::Status connected;
  if (context == nullptr || context->err != 0) {
    connected = Unavailable(
        absl::StrCat("cannot connect: ", context == nullptr ? "out of memory" : context->errstr));
  } else if (!options_.password.empty()) {
    // A connection is usable only once authenticated. Refused credentials count as a failure
    // like any other, so a wrong password is retried at the backoff's pace, not on every call.
    if (redisSetTimeout(context.get(), TimeLeft(deadline)) != REDIS_OK) {
      connected = Unavailable(absl::StrCat("cannot set socket timeout: ", context->errstr));
    } else {
      connected = Authenticate(*context, options_.address, options_.username, options_.password);
    }
  }
  if (!connected.ok()) {
    std::vector<ContextPtr> to_close;
    {
      absl::MutexLock lock(&mu_);
      --open_;
      to_close = FailLocked(lease.probe);
    }
    return connected;
  }
  {
    absl::MutexLock lock(&mu_);
    if (lost_ > 0) {
      --lost_;
      reconnects_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  lease.context = std::move(context);
  return lease;
}

absl::Status RedisClient::Exchange(redisContext& context, absl::Span<const Args> commands,
                                   absl::Time deadline, std::vector<ReplyPtr>& replies) {
  // hiredis 0.14 applies redisConnectWithTimeout's timeout to connecting only; commands block
  // forever unless SO_RCVTIMEO/SO_SNDTIMEO are set, so set them to the time this call has left.
  // They bound each socket wait rather than the whole exchange, which is close enough for
  // replies of a few kilobytes.
  if (redisSetTimeout(&context, TimeLeft(deadline)) != REDIS_OK) {
    return Unavailable(absl::StrCat("cannot set socket timeout: ", context.errstr));
  }
  ScopedSigpipeBlock no_sigpipe;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const Args& args : commands) {
    argv.clear();
    lengths.clear();
    for (absl::string_view arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(&context, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return Unavailable(absl::StrCat("cannot queue command: ", context.errstr));
    }
  }
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* reply = nullptr;
    if (redisGetReply(&context, &reply) != REDIS_OK) {
      // hiredis 0.14 has no timeout error of its own: a socket timeout is REDIS_ERR_IO with
      // errno EAGAIN ("Resource temporarily unavailable"), which would mislead an operator.
      const int error = errno;
      if (context.err == REDIS_ERR_IO && (error == EAGAIN || error == EWOULDBLOCK)) {
        return Unavailable("timed out waiting for the server");
      }
      return Unavailable(absl::StrCat("connection failed: ", context.errstr));
    }
    replies.emplace_back(static_cast<redisReply*>(reply));
  }
  return absl::OkStatus();
}

void RedisClient::Release(Lease lease, Outcome outcome) {
  // Declared before `lock`, so destroyed after it: connections are closed outside mu_.
  std::vector<ContextPtr> to_close;
  absl::MutexLock lock(&mu_);
  switch (outcome) {
    case Outcome::kHealthy:
      failing_ = false;
      backoff_ = options_.initial_backoff;
      idle_.push_back(std::move(lease.context));
      break;
    case Outcome::kStale:
      // The other idle connections are likely just as stale; drop them too rather than let
      // the next callers each discover that.
      --open_;
      ++lost_;
      to_close = std::move(idle_);
      idle_.clear();
      open_ -= static_cast<int>(to_close.size());
      lost_ += static_cast<int>(to_close.size());
      break;
    case Outcome::kBroken:
      --open_;
      ++lost_;
      to_close = FailLocked(lease.probe);
      break;
  }
  lost_ = std::min(lost_, options_.pool_size);
  if (lease.context != nullptr) to_close.push_back(std::move(lease.context));
}

std::vector<RedisClient::ContextPtr> RedisClient::FailLocked(bool probe) {
  const absl::Time now = absl::Now();
  if (!failing_) {
    failing_ = true;
    backoff_ = options_.initial_backoff;
    retry_at_ = now + backoff_;
  } else if (probe) {
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    retry_at_ = now + backoff_;
  }
  // Otherwise this attempt began before the failure was noticed; the window already set stands,
  // so many callers failing at once do not multiply the backoff.

  // Idle connections share the fate of the one that failed; close them now so callers do not
  // each find that out with a timeout.
  std::vector<ContextPtr> to_close = std::move(idle_);
  idle_.clear();
  open_ -= static_cast<int>(to_close.size());
  lost_ = std::min(lost_ + static_cast<int>(to_close.size()), options_.pool_size);
  return to_close;
}

bool RedisClient::SlotAvailable() const { return !idle_.empty() || open_ < options_.pool_size; }

absl::Status RedisClient::Count(absl::Status status) {
  (status.ok() ? commands_ok_ : commands_failed_).fetch_add(1, std::memory_order_relaxed);
  return status;
}

absl::Status RedisClient::Unavailable(absl::string_view what) const {
  return absl::UnavailableError(absl::StrCat("redis at ", options_.address, ": ", what));
}

absl::Status RedisClient::ErrorReply(const redisReply& reply, absl::string_view command) const {
  const absl::string_view code = ErrorCode(reply);
  const std::string message =
      absl::StrCat("redis at ", options_.address, ": ", command, " failed with ", code);
  if (IsTransientError(code)) return absl::UnavailableError(message);
  if (code == "NOAUTH") {
    return absl::FailedPreconditionError(
        absl::StrCat(message, ": Redis requires a password (--redis_password_file)"));
  }
  if (IsAccessError(code)) {
    return absl::FailedPreconditionError(
        absl::StrCat(message, ": the Redis ACL user lacks a permission (docs/operations.md)"));
  }
  return absl::InternalError(message);
}

absl::Status RedisClient::UnexpectedReply(absl::string_view command) const {
  return absl::InternalError(
      absl::StrCat("redis at ", options_.address, ": unexpected reply to ", command));
}

}  // namespace paritrana
