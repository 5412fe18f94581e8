#include "tests/support/postgres_server.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/support/process.h"

namespace paritrana::test_support {
namespace {

constexpr char kBin[] = "/usr/lib/postgresql/15/bin";
constexpr char kUser[] = "paritrana";

// Starts `args` as uid/gid with stdout and stderr appended to `log`. The child dies with the
// thread that started it.
pid_t Spawn(std::vector<std::string> args, uid_t uid, gid_t gid, const std::string& log) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (getuid() == 0) fchown(fd, uid, gid);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) {
    close(fd);
    return pid;
  }
  // Only async-signal-safe calls from here on. The user first: changing it clears the
  // parent-death signal.
  if (getuid() == 0 && uid != 0) {
    if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(126);
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  close_range(3, ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execv(argv[0], argv.data());
  _exit(127);
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string out = text.str();
  if (out.size() > 3000) out.erase(0, out.size() - 3000);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  const std::string initdb = absl::StrCat(kBin, "/initdb");
  if (access(initdb.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(initdb, " is not installed (scripts/setup.sh installs postgresql)"));
  }
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  if (server->dir_.path().empty()) return absl::InternalError("cannot create its directory");
  server->uid_ = getuid();
  server->gid_ = getgid();
  if (getuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      return absl::FailedPreconditionError(
          "running as root, and there is no `postgres` user to run PostgreSQL as (the "
          "postgresql package creates it)");
    }
    server->uid_ = pw->pw_uid;
    server->gid_ = pw->pw_gid;
    if (chown(server->dir_.path().c_str(), server->uid_, server->gid_) != 0) {
      return absl::InternalError("cannot hand the folder to the postgres user");
    }
    // That user must also reach the folder (GoogleTest's temporary directory: /tmp unless
    // TEST_TMPDIR says otherwise).
    for (std::string p = server->dir_.path(); (p = p.substr(0, p.rfind('/'))).size() > 0;) {
      struct stat st {};
      if (stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) {
        return absl::FailedPreconditionError(
            absl::StrCat(p,
                         " is not searchable by the postgres user; set TEST_TMPDIR to a "
                         "folder it can reach, such as /tmp"));
      }
    }
  }
  const std::string log = server->dir_.File("initdb.log");
  const pid_t pid = Spawn({initdb, "-D", server->dir_.File("data"), "-U", kUser, "--auth=trust",
                           "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                          server->uid_, server->gid_, log);
  if (pid < 0) return absl::InternalError("cannot start initdb");
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("initdb failed; its output:\n", Tail(log)));
  }
  absl::Status launched = server->Launch();
  if (!launched.ok()) return launched;
  return server;
}

PostgresServer::~PostgresServer() { Stop().IgnoreError(); }

std::string PostgresServer::ConnInfo(const std::string& database) const {
  return absl::StrCat("host=", dir_.path(), " port=5432 user=", kUser, " dbname=", database,
                      " connect_timeout=5");
}

absl::Status PostgresServer::CreateDatabase(const std::string& database) const {
  PGconn* conn = PQconnectdb(ConnInfo().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect: ", why));
  }
  const char* values[] = {database.c_str()};
  PGresult* exists = PQexecParams(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, nullptr,
                                  values, nullptr, nullptr, 0);
  const bool found = PQresultStatus(exists) == PGRES_TUPLES_OK && PQntuples(exists) > 0;
  PQclear(exists);
  absl::Status out;
  if (!found) {
    char* quoted = PQescapeIdentifier(conn, database.c_str(), database.size());
    PGresult* created = PQexec(conn, absl::StrCat("CREATE DATABASE ", quoted).c_str());
    if (PQresultStatus(created) != PGRES_COMMAND_OK) {
      out = absl::InternalError(absl::StrCat("CREATE DATABASE: ", PQerrorMessage(conn)));
    }
    PQclear(created);
    PQfreemem(quoted);
  }
  PQfinish(conn);
  return out;
}

absl::Status PostgresServer::Launch() {
  const std::string log = dir_.File("postgres.log");
  pid_ = Spawn({absl::StrCat(kBin, "/postgres"), "-D", dir_.File("data"), "-k", dir_.path(), "-c",
                "listen_addresses=", "-c", "max_connections=60", "-c", "shared_buffers=32MB"},
               uid_, gid_, log);
  if (pid_ < 0) return absl::InternalError("cannot start postgres");
  const std::string conninfo = ConnInfo();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return absl::OkStatus();
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat("postgres exited; its log:\n", Tail(log)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return absl::UnavailableError(
      absl::StrCat("postgres did not accept connections within 30 s; its log:\n", Tail(log)));
}

absl::Status PostgresServer::Stop() {
  if (pid_ < 0) return absl::OkStatus();
  // SIGINT: a fast shutdown (open transactions rolled back, then a checkpoint).
  const absl::Status stopped = StopChild(pid_, SIGINT, absl::Seconds(10), "postgres");
  pid_ = -1;
  return stopped;
}

absl::Status PostgresServer::Crash() {
  if (pid_ < 0) return absl::OkStatus();
  const absl::Status stopped = StopChild(pid_, SIGQUIT, absl::Seconds(10), "postgres");
  pid_ = -1;
  return stopped;
}

absl::StatusOr<std::string> PostgresServer::RunTool(std::vector<std::string> args) const {
  if (args.empty()) return absl::InvalidArgumentError("no program to run");
  const std::string program = args[0];
  args[0] = absl::StrCat(kBin, "/", program);
  // A log of its own per run, so the output returned is this run's only.
  static std::atomic<int> runs{0};
  const std::string log = dir_.File(absl::StrCat(program, "-", ++runs, ".log"));
  const pid_t pid = Spawn(args, uid_, gid_, log);
  if (pid < 0) return absl::InternalError(absl::StrCat("cannot start ", program));
  const absl::Time deadline = absl::Now() + absl::Minutes(1);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return absl::DeadlineExceededError(
          absl::StrCat(program, " did not exit within a minute; its output:\n", Tail(log)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(program, " failed; its output:\n", Tail(log)));
  }
  return Tail(log);
}

absl::Status PostgresServer::Restart() {
  if (pid_ >= 0) return absl::FailedPreconditionError("postgres is running");
  return Launch();
}

absl::StatusOr<std::string> PostgresDatabaseFor(const std::string& dir) {
  // Destroyed when the process exits normally: the server stops and its folder goes.
  static std::unique_ptr<PostgresServer> server;
  if (server == nullptr) {
    absl::StatusOr<std::unique_ptr<PostgresServer>> started = PostgresServer::Start();
    if (!started.ok()) return started.status();
    server = *std::move(started);
  }
  const std::string database = absl::StrCat("t", std::hash<std::string>()(dir));
  if (absl::Status s = server->CreateDatabase(database); !s.ok()) return s;
  return server->ConnInfo(database);
}

}  // namespace paritrana::test_support
