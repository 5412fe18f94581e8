// The SQLite backend: the RegistryStore conformance suite, then what only this backend has (its
// file's schema version and migrations).
#include "services/registry/store/sqlite/sqlite_registry_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "services/registry/store/conformance/registry_store_conformance.h"
#include "tests/support/temp_dir.h"

namespace paritrana::registry {
namespace {

using namespace std::string_literals;

// The backend's one file, in the folder the test owns.
absl::StatusOr<std::unique_ptr<RegistryStore>> OpenSqlite(const std::string& dir) {
  return OpenSqliteRegistryStore(dir + "/registry.db");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RegistryStoreConformance, testing::Values(&OpenSqlite));

// user_version of the database file, read with the SQLite C API (-1 on error).
int64_t UserVersion(const std::string& path) {
  sqlite3* db = nullptr;
  int64_t version = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      version = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return version;
}

bool SetUserVersion(const std::string& path, int64_t version) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK &&
            sqlite3_exec(db, absl::StrCat("PRAGMA user_version=", version).c_str(), nullptr,
                         nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return ok;
}

class SqliteRegistryStoreTest : public ::testing::Test {
 protected:
  test_support::TempDir temp_{"sqlite_registry_store"};
  std::string dir_ = temp_.path();
  std::string path_ = dir_ + "/registry.db";

  // A store in dir_ holding one record, regions/15 with body "r".
  void WriteProvince15() {
    auto store = OpenSqlite(dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->Write([](RegistryTx& tx) {
                      return tx.Insert(Kind::kRegion, "regions/15", "", "15", "r");
                    })
                    .ok());
  }

  // Expects `store` to hold that record.
  static void ExpectProvince15(RegistryStore& store) {
    std::optional<std::string> body;
    ASSERT_TRUE(store
                    .Read([&](RegistryTx& tx) -> absl::Status {
                      PARITRANA_ASSIGN_OR_RETURN(body, tx.Get(Kind::kRegion, "regions/15"));
                      return absl::OkStatus();
                    })
                    .ok());
    EXPECT_EQ(body, "r");
  }

  // Reopens the store in dir_ and expects that record.
  void ExpectProvince15() {
    auto store = OpenSqlite(dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    ExpectProvince15(**store);
  }
};

TEST_F(SqliteRegistryStoreTest, ReopeningRunsMigrationsIdempotently) {
  ASSERT_NO_FATAL_FAILURE(WriteProvince15());
  const int64_t version = UserVersion(path_);
  EXPECT_GE(version, 1);
  for (int i = 0; i < 2; ++i) {
    ExpectProvince15();
  }
  EXPECT_EQ(UserVersion(path_), version);
}

TEST_F(SqliteRegistryStoreTest, RefusesADatabaseNewerThanTheCode) {
  ASSERT_NO_FATAL_FAILURE(WriteProvince15());
  const int64_t version = UserVersion(path_);
  ASSERT_GE(version, 1);
  ASSERT_TRUE(SetUserVersion(path_, version + 1));

  auto refused = OpenSqlite(dir_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_EQ(UserVersion(path_), version + 1);  // left as it was

  // Back at the known version, it opens with its data.
  ASSERT_TRUE(SetUserVersion(path_, version));
  ExpectProvince15();
}

// A database written by schema version 2 (deltas by key at every level, no block tables, every
// kind in one table) is upgraded when opened: migrations 3 to 8 run, the deltas by key give way to
// the tables by profile (they cannot be converted), the store asks the registry to recount every
// person (Registry::RebuildCounts) because it holds enrollments, and participants, enrollments,
// contributions and NIKs move to their own tables.
TEST_F(SqliteRegistryStoreTest, MigratesADatabaseOfVersion2AndAsksForARecount) {
  ASSERT_NO_FATAL_FAILURE(WriteProvince15());
  ASSERT_EQ(UserVersion(path_), 8);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    const std::string sql = R"sql(
BEGIN;
DROP TABLE audit_events;
DROP TABLE active_deltas;
DROP TABLE active_deltas_32d;
DROP TABLE active_deltas_1024d;
DROP TABLE settings;
DROP TABLE enrollment_spans;
DROP TABLE participants;
DROP TABLE enrollments;
DROP TABLE contributions;
DROP TABLE niks;
CREATE TABLE nik_index (
  hash TEXT PRIMARY KEY,
  sealed TEXT NOT NULL,
  participant TEXT NOT NULL UNIQUE
) WITHOUT ROWID;
INSERT INTO nik_index VALUES ('hash-1', 'sealed-1', 'participants/01234567890');
INSERT INTO resources VALUES (5, 'participants/01234567890', '', '15.08.01.2001', x'0a00ff01');
INSERT INTO resources VALUES (6, 'participants/01234567890/enrollments/e12',
  'participants/01234567890', '15.08.01.2001', x'0a00ff02');
INSERT INTO resources VALUES (7, 'participants/01234567890/enrollments/e12/contributions/c3',
  'participants/01234567890/enrollments/e12', '15.08.01.2001', x'0a00ff03');
CREATE TABLE active_deltas (
  region TEXT NOT NULL,
  segment INTEGER NOT NULL,
  programme INTEGER NOT NULL,
  funding INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  day INTEGER NOT NULL,
  delta INTEGER NOT NULL,
  PRIMARY KEY (region, segment, programme, funding, scheme, day)
) WITHOUT ROWID;
INSERT INTO active_deltas VALUES ('15', 0, 0, 0, '', 100, 1), ('15.08.01', 1, 2, 0, '', 40, 2);
PRAGMA user_version=2;
COMMIT;
)sql";
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK);
  }

  auto store = OpenSqlite(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(UserVersion(path_), 8);
  std::optional<std::string> rebuild;
  std::vector<AggregateCount> counts;
  ASSERT_TRUE((*store)
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(rebuild, tx.GetSetting("counts_rebuild"));
                    PARITRANA_ASSIGN_OR_RETURN(counts, tx.CountActive("15", 200));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(rebuild, "pending");
  EXPECT_TRUE(counts.empty());
  // Deltas by profile are written and counted in the new tables.
  const AggregateDelta delta{{"15", "1:1,2:0:"}, 100, 3};
  ASSERT_TRUE(
      (*store)->Write([&](RegistryTx& tx) { return tx.AddDeltas(std::span(&delta, 1)); }).ok());
  ASSERT_TRUE((*store)
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(counts, tx.CountActive("15", 200));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].active, 3);
  // The rest of the database came through, the person kinds into their own tables.
  ExpectProvince15(**store);
  const std::string p = "participants/01234567890";
  const std::string e = p + "/enrollments/e12";
  std::optional<std::string> participant, enrollment, contribution, holder, sealed;
  std::vector<StoredResource> in_region, of_enrollment;
  ASSERT_TRUE((*store)
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(participant, tx.Get(Kind::kParticipant, p));
                    PARITRANA_ASSIGN_OR_RETURN(enrollment, tx.Get(Kind::kEnrollment, e));
                    PARITRANA_ASSIGN_OR_RETURN(
                        contribution, tx.Get(Kind::kContribution, e + "/contributions/c3"));
                    PARITRANA_ASSIGN_OR_RETURN(holder, tx.ParticipantByNikHash("hash-1"));
                    PARITRANA_ASSIGN_OR_RETURN(sealed, tx.SealedNik(p));
                    ListQuery q;
                    q.kind = Kind::kEnrollment;
                    q.region = "15.08";
                    PARITRANA_ASSIGN_OR_RETURN(in_region, tx.List(q));
                    q = ListQuery{};
                    q.kind = Kind::kContribution;
                    q.parent = e;
                    PARITRANA_ASSIGN_OR_RETURN(of_enrollment, tx.List(q));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(participant, "\x0a\x00\xff\x01"s);
  EXPECT_EQ(enrollment, "\x0a\x00\xff\x02"s);
  EXPECT_EQ(contribution, "\x0a\x00\xff\x03"s);
  EXPECT_EQ(holder, p);
  EXPECT_EQ(sealed, "sealed-1");
  ASSERT_EQ(in_region.size(), 1u);
  EXPECT_EQ(in_region[0].name, e);
  ASSERT_EQ(of_enrollment.size(), 1u);
  EXPECT_EQ(of_enrollment[0].name, e + "/contributions/c3");
}

// Version 8 adds employers' counts to the tables of counts: a database of version 7 holding
// employers has its counts emptied and asks the registry to recount everything (RebuildCounts),
// even when an earlier recount was done; one holding neither employers nor enrollments asks for
// nothing.
TEST_F(SqliteRegistryStoreTest, MigrationEightEmptiesTheCountsAndAsksForARecount) {
  for (const bool with_employer : {true, false}) {
    SCOPED_TRACE(with_employer ? "with an employer" : "empty");
    test_support::TempDir temp("sqlite_registry_store_v7");
    const std::string path = temp.path() + "/registry.db";
    {
      auto store = OpenSqlite(temp.path());
      ASSERT_TRUE(store.ok()) << store.status();
      const AggregateDelta delta{{"15", "1:1,2:0:"}, 100, 3};
      ASSERT_TRUE((*store)
                      ->Write([&](RegistryTx& tx) -> absl::Status {
                        if (with_employer) {
                          PARITRANA_RETURN_IF_ERROR(
                              tx.Insert(Kind::kEmployer, "employers/12345678", "", "15.08", "e"));
                        }
                        PARITRANA_RETURN_IF_ERROR(tx.AddDeltas(std::span(&delta, 1)));
                        PARITRANA_RETURN_IF_ERROR(
                            tx.PutSpan(ActiveSpan("15.08.01.2001", 100, 200, 1)));
                        return tx.PutSetting("counts_rebuild", "done");
                      })
                      .ok());
    }
    ASSERT_EQ(UserVersion(path), 8);
    ASSERT_TRUE(SetUserVersion(path, 7));

    auto store = OpenSqlite(temp.path());
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(UserVersion(path), 8);
    std::optional<std::string> rebuild;
    std::vector<AggregateCount> counts;
    std::vector<EnrollmentSpan> spans;
    ASSERT_TRUE((*store)
                    ->Read([&](RegistryTx& tx) -> absl::Status {
                      PARITRANA_ASSIGN_OR_RETURN(rebuild, tx.GetSetting("counts_rebuild"));
                      PARITRANA_ASSIGN_OR_RETURN(counts, tx.CountActive("15", 150));
                      PARITRANA_ASSIGN_OR_RETURN(spans, tx.SpansOn("15", 150));
                      return absl::OkStatus();
                    })
                    .ok());
    EXPECT_EQ(rebuild, with_employer ? "pending" : "done");
    EXPECT_TRUE(counts.empty());
    EXPECT_TRUE(spans.empty());
  }
}

}  // namespace
}  // namespace paritrana::registry
