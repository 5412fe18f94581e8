#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "redis/redis_client.h"
#include "tests/support/temp_dir.h"

namespace paritrana::test_support {

// A real redis-server (/usr/bin/redis-server) with its data directory in a fresh TempDir and
// persistence off, so tests exercise the client against the real protocol and real failures
// (stops, restarts, a frozen server).
//
// Start() listens only on a Unix socket in that directory: nothing else can take it, so tests
// never race other processes for a port. StartTcp() is for the tests that need TCP itself; it
// picks a free port and retries with a new one if another process took it first.
//
// The server is killed when the thread that started it exits, even if the test process dies on
// a signal or a ctest timeout: an orphaned redis-server would keep its socket and the test's
// output pipes open (and so hang whatever waits on them). Start and Restart from the test's own
// thread.
class RedisServer final {
 public:
  // Starts the server and waits until it accepts connections. `extra_args` are appended to the
  // command line (e.g. {"--timeout", "1"}). Fails with redis-server's own output when it cannot
  // start; tests should ASSERT on it rather than skip, since the suite requires Redis.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      std::vector<std::string> extra_args = {});
  // The same on 127.0.0.1:PORT instead of a Unix socket.
  static absl::StatusOr<std::unique_ptr<RedisServer>> StartTcp(
      std::vector<std::string> extra_args = {});
  // Start() as production runs Redis: protected mode on, the `default` user behind a password
  // (kept for Command()), and the services' ACL user `user()` with password `password()`, allowed
  // only the commands, keys and channel the services use (kServiceAclRules). RedisOptionsFor()
  // then hands every client of this server's address these credentials.
  static absl::StatusOr<std::unique_ptr<RedisServer>> StartWithPassword(bool tcp = false);
  ~RedisServer();  // stops the server and removes its directory

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // The services' ACL rules (after the user name and its password), as docs/operations.md and
  // the Helm chart's in-cluster Redis give them.
  static constexpr char kServiceAclRules[] =
      "~paritrana:* &paritrana:gen -@all +ping +get +set +incr +publish +eval +subscribe";

  int port() const { return port_; }  // 0 on a Unix socket
  // The ACL user and its password; empty unless StartWithPassword.
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  // What RedisClient and the services' --redis take: "unix:DIR/redis.sock" or "127.0.0.1:PORT".
  std::string address() const;

  // SIGTERM and wait for exit (SIGKILL after 10 s). Idempotent.
  absl::Status Stop();
  // Starts a stopped server again on the same socket or port, as an operator restarting Redis
  // would.
  absl::Status Restart();
  // SIGSTOP / SIGCONT: while paused the kernel still accepts connections on the port but the
  // server answers nothing, which is what a hung or overloaded Redis looks like to a client.
  void Pause();
  void Resume();

  // Runs one command on a fresh connection of its own (for setup and inspection: CLIENT KILL,
  // TTL, INFO). Returns string, status and integer replies as text; error replies are INTERNAL.
  absl::StatusOr<std::string> Command(const std::vector<std::string>& args) const;

 private:
  RedisServer(bool tcp, std::vector<std::string> extra_args);
  absl::Status Launch(int port);
  std::string socket_path() const { return dir_.File("redis.sock"); }

  const bool tcp_;
  const TempDir dir_;
  const std::vector<std::string> extra_args_;
  int port_ = 0;
  pid_t pid_ = -1;  // -1 while stopped
  std::string user_, password_, admin_password_;
};

// RedisClient options for `address` as a service would have them from --redis, --redis_user and
// --redis_password_file: with the ACL user's credentials when `address` is that of a running
// RedisServer started with StartWithPassword, else the address alone. Test support (RegistryUnder-
// Test, CoverageUnderTest) passes Redis around as an address, as the services' flags do, so this is
// how a test's server password reaches every client without threading it through each helper.
RedisClient::Options RedisOptionsFor(const std::string& address);

// A TCP port on 127.0.0.1 that was free a moment ago (nothing listens on it).
int PickFreePort();

}  // namespace paritrana::test_support
