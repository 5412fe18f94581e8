#include "tests/support/redis_server.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <random>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "platform/errors.h"
#include "tests/support/process.h"

namespace paritrana::test_support {
namespace {

constexpr char kRedisServer[] = "/usr/bin/redis-server";
// Logged by redis-server once it listens and has loaded its (empty) dataset: "Ready to accept
// connections" on TCP, "The server is now ready to accept connections at PATH" on a Unix socket.
constexpr char kReadyLine[] = "eady to accept connections";

}  // namespace

int PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    std::vector<std::string> extra_args) {
  if (access(kRedisServer, X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(kRedisServer, " is not installed (scripts/setup.sh installs it)"));
  }
  std::unique_ptr<RedisServer> server(new RedisServer(false, std::move(extra_args)));
  if (server->dir_.path().empty()) return absl::InternalError("cannot create its directory");
  PARITRANA_RETURN_IF_ERROR(server->Launch(0));
  return server;
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::StartTcp(
    std::vector<std::string> extra_args) {
  if (access(kRedisServer, X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(kRedisServer, " is not installed (scripts/setup.sh installs it)"));
  }
  std::unique_ptr<RedisServer> server(new RedisServer(true, std::move(extra_args)));
  if (server->dir_.path().empty()) return absl::InternalError("cannot create its directory");
  // The port is free when picked but another process may take it before redis-server binds it;
  // a few fresh picks make that race harmless.
  absl::Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int port = PickFreePort();
    if (port == 0) return absl::InternalError("cannot find a free port on 127.0.0.1");
    last = server->Launch(port);
    if (last.ok()) return server;
  }
  return last;
}

namespace {

// Addresses of running password-protected servers and their ACL user's credentials.
absl::Mutex credentials_mu(absl::kConstInit);
std::map<std::string, std::pair<std::string, std::string>>& Credentials()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(credentials_mu) {
  static auto* credentials = new std::map<std::string, std::pair<std::string, std::string>>();
  return *credentials;
}

std::string RandomPassword() {
  std::random_device random;
  std::string out;
  for (int i = 0; i < 4; ++i) absl::StrAppend(&out, absl::Hex(random(), absl::kZeroPad8));
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::StartWithPassword(bool tcp) {
  const std::string user = "paritrana";
  const std::string password = RandomPassword();
  const std::string admin_password = RandomPassword();
  std::vector<std::string> args = {
      "--protected-mode", "yes", "--requirepass", admin_password, "--user", user, "on",
      ">" + password};
  for (absl::string_view rule : absl::StrSplit(kServiceAclRules, ' ')) args.emplace_back(rule);
  absl::StatusOr<std::unique_ptr<RedisServer>> server =
      tcp ? StartTcp(std::move(args)) : Start(std::move(args));
  if (!server.ok()) return server.status();
  (*server)->user_ = user;
  (*server)->password_ = password;
  (*server)->admin_password_ = admin_password;
  absl::MutexLock lock(&credentials_mu);
  Credentials()[(*server)->address()] = {user, password};
  return server;
}

RedisClient::Options RedisOptionsFor(const std::string& address) {
  RedisClient::Options options;
  options.address = address;
  absl::MutexLock lock(&credentials_mu);
  if (auto it = Credentials().find(address); it != Credentials().end()) {
    options.username = it->second.first;
    options.password = it->second.second;
  }
  return options;
}

RedisServer::RedisServer(bool tcp, std::vector<std::string> extra_args)
    : tcp_(tcp), dir_("redis"), extra_args_(std::move(extra_args)) {}

// dir_ removes the directory after Stop.
RedisServer::~RedisServer() {
  Stop().IgnoreError();
  if (!password_.empty()) {
    absl::MutexLock lock(&credentials_mu);
    Credentials().erase(address());
  }
}

std::string RedisServer::address() const {
  return tcp_ ? absl::StrCat("127.0.0.1:", port_) : absl::StrCat("unix:", socket_path());
}

absl::Status RedisServer::Launch(int port) {
  std::vector<std::string> args = {
      kRedisServer,       "--port", std::to_string(port), "--dir", dir_.path(), "--daemonize", "no",
      "--protected-mode", "no",     "--logfile",          "",    // log to our pipe
      "--save",           "",       "--appendonly",       "no",  // nothing to disk: a restart
                                                                 // starts empty
  };
  if (tcp_) {
    args.insert(args.end(), {"--bind", "127.0.0.1"});
  } else {  // --port 0: no TCP at all
    args.insert(args.end(), {"--unixsocket", socket_path(), "--unixsocketperm", "700"});
  }
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close_range(3, ~0U, 0);  // inherit no other descriptor (such as a test runner's pipes)
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // the test may block termination signals
    execv(kRedisServer, argv.data());
    _exit(127);
  }
  close(fds[1]);

  // Read its output until it is ready, it exits (EOF), or 10 s pass.
  std::string output;
  bool ready = false;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!ready) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
    ready = output.find(kReadyLine) != std::string::npos;
  }
  // Nobody reads its later log lines; with the pipe closed they are dropped (redis-server
  // ignores SIGPIPE) instead of filling the pipe and blocking the server.
  close(fds[0]);
  if (!ready) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    if (output.size() > 2000) output.erase(0, output.size() - 2000);
    return absl::UnavailableError(
        absl::StrCat("redis-server did not become ready on ",
                     tcp_ ? absl::StrCat("127.0.0.1:", port) : socket_path(),
                     " within 10 s; its output:\n", output));
  }
  port_ = port;
  pid_ = pid;
  return absl::OkStatus();
}

absl::Status RedisServer::Stop() {
  if (pid_ < 0) return absl::OkStatus();
  kill(pid_, SIGCONT);  // a paused server cannot act on SIGTERM
  const absl::Status stopped = StopChild(pid_, SIGTERM, absl::Seconds(10), "redis-server");
  pid_ = -1;
  return stopped;
}

absl::Status RedisServer::Restart() {
  if (pid_ >= 0) return absl::FailedPreconditionError("redis-server is running");
  return Launch(port_);
}

void RedisServer::Pause() {
  if (pid_ >= 0) kill(pid_, SIGSTOP);
}

void RedisServer::Resume() {
  if (pid_ >= 0) kill(pid_, SIGCONT);
}

absl::StatusOr<std::string> RedisServer::Command(const std::vector<std::string>& args) const {
  redisContext* c = tcp_ ? redisConnectWithTimeout("127.0.0.1", port_, timeval{5, 0})
                         : redisConnectUnixWithTimeout(socket_path().c_str(), timeval{5, 0});
  if (c == nullptr || c->err != 0) {
    const std::string why = c == nullptr ? "out of memory" : c->errstr;
    if (c != nullptr) redisFree(c);
    return absl::UnavailableError(absl::StrCat("cannot connect to ", address(), ": ", why));
  }
  redisSetTimeout(c, timeval{5, 0});
  if (!admin_password_.empty()) {
    if (absl::Status auth = RedisClient::Authenticate(*c, address(), "", admin_password_);
        !auth.ok()) {
      redisFree(c);
      return auth;
    }
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  absl::StatusOr<std::string> result;
  if (reply == nullptr) {
    result = absl::UnavailableError(absl::StrCat("command failed: ", c->errstr));
  } else if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
    result = std::string(reply->str, reply->len);
  } else if (reply->type == REDIS_REPLY_INTEGER) {
    result = std::to_string(reply->integer);
  } else if (reply->type == REDIS_REPLY_ERROR) {
    result = absl::InternalError(std::string(reply->str, reply->len));
  } else {
    result = absl::InternalError(absl::StrCat("reply of type ", reply->type));
  }
  if (reply != nullptr) freeReplyObject(reply);
  redisFree(c);
  return result;
}

}  // namespace paritrana::test_support
