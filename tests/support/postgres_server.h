#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/support/temp_dir.h"

namespace paritrana::test_support {

// A real PostgreSQL 15 server (/usr/lib/postgresql/15/bin: initdb, then postgres) with its data
// directory in a fresh TempDir. It listens only on a Unix socket in that directory (no TCP at
// all: no test races for a port) and trusts local connections of the user `paritrana`. Run as
// root (as CI is), the server and initdb run as the `postgres` system user, since PostgreSQL
// refuses to run as root; the folder is handed to that user.
//
// The server is killed when the thread that started it exits, even if the test dies on a signal.
class PostgresServer final {
 public:
  // initdb, start, and wait until it accepts connections. Fails with the tools' own output when
  // PostgreSQL is missing or does not start; tests ASSERT on it rather than skip.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();  // stops the server; the TempDir removes its files

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A libpq connection string for `database` on this server.
  std::string ConnInfo(const std::string& database = "postgres") const;
  // Creates `database` unless it exists.
  absl::Status CreateDatabase(const std::string& database) const;

  // Fast shutdown (SIGINT), waiting for exit (SIGKILL after 10 s). Idempotent.
  absl::Status Stop();
  // Immediate shutdown (SIGQUIT): the server and its backends exit at once, without a checkpoint,
  // as after a crash; the next start recovers from the WAL. Idempotent.
  absl::Status Crash();
  // Starts a stopped server again on the same data directory and socket.
  absl::Status Restart();

  // The folder of the socket (libpq's `host`), where the server's user may also write files.
  const std::string& socket_dir() const { return dir_.path(); }
  // Runs the PostgreSQL program args[0] (e.g. "pg_dump", from the server's bin folder) with the
  // other arguments, as the user the server runs as, and waits up to a minute for it to exit.
  // Returns its output (stdout and stderr); fails with that output when it exits with an error.
  absl::StatusOr<std::string> RunTool(std::vector<std::string> args) const;

 private:
  PostgresServer() : dir_("postgres") {}
  absl::Status Launch();

  const TempDir dir_;
  uid_t uid_ = 0;  // who runs the server: the `postgres` user when we are root, else us
  gid_t gid_ = 0;
  pid_t pid_ = -1;  // -1 while stopped
};

// The connection string of a database named after `dir` (created when missing) on one PostgreSQL
// server per test process, started at the first call and stopped, its folder removed, when the
// process exits. ctest runs each test in a process of its own, so each test has its own server;
// a store reopened on the same folder finds its data. What the PostgreSQL stores' conformance
// factories open.
absl::StatusOr<std::string> PostgresDatabaseFor(const std::string& dir);

}  // namespace paritrana::test_support
