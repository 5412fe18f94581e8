#include "storage/sqlite/sqlite.h"

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "platform/metrics.h"

namespace paritrana::sqlite {

absl::Status Error(sqlite3* db, int rc, absl::string_view what) {
  const std::string message =
      absl::StrCat(what, ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  const int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  if (extended == SQLITE_CONSTRAINT_PRIMARYKEY || extended == SQLITE_CONSTRAINT_UNIQUE) {
    return absl::AlreadyExistsError(message);
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

Statement& Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, absl::string_view text) {
  // An empty view may have a null data(), which SQLite would bind as NULL rather than "".
  sqlite3_bind_text(stmt_, index, text.data() != nullptr ? text.data() : "",
                    static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data() != nullptr ? bytes.data() : "",
                    static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  absl::Status s = Error(sqlite3_db_handle(stmt_), rc, "sqlite step");
  sqlite3_reset(stmt_);
  return s;
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), size);
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = Error(db, rc, absl::StrCat("open ", path));
    sqlite3_close(db);
    return absl::UnavailableError(s.message());
  }
  std::unique_ptr<Database> out(new Database(db));
  // Writers wait for each other up to 5 s instead of failing at once.
  sqlite3_busy_timeout(db, 5000);
  if (!read_only) {
    // WAL: readers never block the writer. FULL sync: a commit returns only after the WAL is
    // fsynced, so an acknowledged write survives a power loss too, not only a process crash
    // (NORMAL may lose the last transactions on power loss). Bulk imports pay one fsync per batch.
    // A 256 MiB page cache (a fixed cap) keeps a batch's pages, and the inner pages of the
    // random-keyed indexes a bulk import touches all over, in memory; statement journals
    // (savepoints) stay in memory rather than in temporary files. A WAL that grew during a bulk
    // import (checkpoints run beside the writer) is cut back to 64 MiB when it restarts.
    // secure_delete: deleted and overwritten content is zeroed rather than left in free space and
    // free pages, so personal data erased at a person's request (an erased NIK seal or name) cannot
    // be read back from the file; it costs little, since nearly every write only inserts.
    if (absl::Status s = out->Exec(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-262144; "
            "PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=67108864; "
            "PRAGMA secure_delete=ON;");
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = out->Exec("PRAGMA foreign_keys=ON;"); !s.ok()) return s;
  return out;
}

Database::~Database() {
  statements_.clear();  // statements must be finalized before the connection closes
  sqlite3_close(db_);
}

absl::Status Database::Exec(absl::string_view sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    return Error(nullptr, rc, message);
  }
  return absl::OkStatus();
}

absl::StatusOr<Statement*> Database::Prepare(absl::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(db_, rc, "prepare");
    it = statements_.emplace(std::string(sql), std::make_unique<Statement>(stmt)).first;
  }
  it->second->Reset();
  return it->second.get();
}

absl::Status Database::Migrate(std::span<const absl::string_view> migrations) {
  absl::StatusOr<Statement*> version = Prepare("PRAGMA user_version");
  if (!version.ok()) return version.status();
  absl::StatusOr<bool> row = (*version)->Step();
  if (!row.ok()) return row.status();
  const int64_t current = (*version)->Int(0);
  (*version)->Reset();
  if (current > static_cast<int64_t>(migrations.size())) {
    return absl::FailedPreconditionError(absl::StrCat("database schema version ", current,
                                                      " is newer than this binary's ",
                                                      migrations.size(), "; upgrade the binary"));
  }
  for (size_t v = static_cast<size_t>(current); v < migrations.size(); ++v) {
    const std::string step = absl::StrCat("BEGIN IMMEDIATE;", migrations[v],
                                          "; PRAGMA user_version=", v + 1, "; COMMIT;");
    if (absl::Status s = Exec(step); !s.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return absl::InternalError(absl::StrCat("migration ", v + 1, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

namespace {

absl::Status InTransaction(Database& db, absl::string_view begin,
                           absl::FunctionRef<absl::Status(Database&)> fn) {
  if (absl::Status s = db.Exec(begin); !s.ok()) return s;
  absl::Status s = fn(db);
  if (s.ok()) s = db.Exec("COMMIT");
  if (!s.ok()) db.Exec("ROLLBACK").IgnoreError();
  return s;
}

void Observe(const char* operation, absl::Time start) {
  metrics::Registry::Global().Observe("paritrana_store_operation_duration_seconds",
                                      {{"store", "sqlite"}, {"operation", operation}},
                                      absl::ToDoubleSeconds(absl::Now() - start));
}

}  // namespace

// Copies the WAL back into the database file when the writer's commits have made it long. SQLite
// would otherwise checkpoint inside the commit that crosses 1,000 pages, on the writing thread: a
// sixth of a bulk import's time.
class ConnectionPool::Checkpointer final {
 public:
  static constexpr int kPages = 4096;  // 16 MiB of 4 KiB pages
  static constexpr int kBackPressurePages = 16 * kPages;

  explicit Checkpointer(std::unique_ptr<Database> db)
      : db_(std::move(db)), thread_([this] { Run(); }) {}
  ~Checkpointer() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

  // The writer's WAL hook (sqlite3_wal_hook), after each commit, with the WAL's length in pages.
  static int OnCommit(void* self, sqlite3* writer, const char*, int pages) {
    if (pages >= kBackPressurePages) {
      // Checkpoints are not keeping up: the writer helps, so the WAL stays bounded.
      sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (pages >= kPages) {
      auto* c = static_cast<Checkpointer*>(self);
      absl::MutexLock lock(&c->mu_);
      c->wanted_ = true;
    }
    return SQLITE_OK;
  }

 private:
  void Run() {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](Checkpointer* c)
                 ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) { return c->wanted_ || c->stop_; },
            this));
        if (stop_) return;
        wanted_ = false;
      }
      // PASSIVE: copies what no reader still needs, waits for nobody; the writer restarts the WAL
      // from the beginning once a checkpoint has copied all of it.
      sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                nullptr);
    }
  }

  std::unique_ptr<Database> db_;
  absl::Mutex mu_;
  bool wanted_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the rest is ready
};

ConnectionPool::~ConnectionPool() {
  // The writer's hook points at the checkpointer: close the writer first.
  absl::MutexLock lock(&write_mu_);
  writer_.reset();
}

absl::StatusOr<std::unique_ptr<ConnectionPool>> ConnectionPool::Open(
    const std::string& path, std::span<const absl::string_view> migrations, int readers) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  std::unique_ptr<ConnectionPool> pool(new ConnectionPool());
  auto writer = Database::Open(path, /*read_only=*/false);
  if (!writer.ok()) return writer.status();
  if (absl::Status s = (*writer)->Migrate(migrations); !s.ok()) return s;
  auto checkpoints = Database::Open(path, /*read_only=*/false);
  if (!checkpoints.ok()) return checkpoints.status();
  pool->checkpointer_ = std::make_unique<Checkpointer>(std::move(*checkpoints));
  sqlite3_wal_hook((*writer)->handle(), &Checkpointer::OnCommit, pool->checkpointer_.get());
  pool->writer_ = std::move(*writer);
  for (int i = 0; i < readers; ++i) {
    auto reader = Database::Open(path, /*read_only=*/true);
    if (!reader.ok()) return reader.status();
    pool->readers_.push_back(std::move(*reader));
  }
  return pool;
}

absl::Status ConnectionPool::Write(absl::FunctionRef<absl::Status(Database&)> fn) {
  const absl::Time start = absl::Now();
  absl::MutexLock lock(&write_mu_);
  absl::Status s = InTransaction(*writer_, "BEGIN IMMEDIATE", fn);
  Observe("write", start);
  return s;
}

absl::Status ConnectionPool::CheckpointAndTruncate() {
  absl::MutexLock lock(&write_mu_);
  const int rc = sqlite3_wal_checkpoint_v2(writer_->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                           nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(writer_->handle(), rc, "WAL checkpoint");
  return absl::OkStatus();
}

absl::Status ConnectionPool::Read(absl::FunctionRef<absl::Status(Database&)> fn) {
  const absl::Time start = absl::Now();
  std::unique_ptr<Database> db;
  {
    absl::MutexLock lock(&read_mu_);
    read_mu_.Await(absl::Condition(
        +[](std::vector<std::unique_ptr<Database>>* r) { return !r->empty(); }, &readers_));
    db = std::move(readers_.back());
    readers_.pop_back();
  }
  absl::Status s = InTransaction(*db, "BEGIN", fn);
  Observe("read", start);
  absl::MutexLock lock(&read_mu_);
  readers_.push_back(std::move(db));
  return s;
}

}  // namespace paritrana::sqlite
