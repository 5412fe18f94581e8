// The PostgreSQL backend: the RegistryStore conformance suite against a real PostgreSQL 15 server
// the test starts itself (tests/support/postgres_server.h), one database per test folder.
#include "services/registry/store/postgres/postgres_registry_store.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "services/registry/store/conformance/registry_store_conformance.h"
#include "storage/postgres/postgres.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace paritrana::registry {
namespace {

absl::StatusOr<std::unique_ptr<RegistryStore>> OpenPostgres(const std::string& dir) {
  PARITRANA_ASSIGN_OR_RETURN(std::string conninfo, test_support::PostgresDatabaseFor(dir));
  return OpenPostgresRegistryStore(conninfo);
}

INSTANTIATE_TEST_SUITE_P(Postgres, RegistryStoreConformance, testing::Values(&OpenPostgres));

}  // namespace
}  // namespace paritrana::registry

namespace paritrana::registry {
namespace {

// A server that goes away makes calls UNAVAILABLE (never INTERNAL, never a hang), and the store
// reconnects by itself once the server is back, with what was committed before.
TEST(PostgresRegistryStoreTest, ALostServerIsUnavailableAndTheStoreReconnects) {
  absl::StatusOr<std::unique_ptr<test_support::PostgresServer>> server =
      test_support::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->CreateDatabase("registry").ok());
  absl::StatusOr<std::unique_ptr<RegistryStore>> store =
      OpenPostgresRegistryStore((*server)->ConnInfo("registry"));
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Write([](RegistryTx& tx) { return tx.PutSetting("before", "kept"); }).ok());

  ASSERT_TRUE((*server)->Stop().ok());
  for (int i = 0; i < 2; ++i) {  // the pooled connection, then a new one
    absl::Status s = (*store)->Write([](RegistryTx& tx) { return tx.PutSetting("during", "x"); });
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    s = (*store)->Ping();
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  }

  ASSERT_TRUE((*server)->Restart().ok());
  // A connection pooled before the restart is found dead at BEGIN and replaced within the call.
  ASSERT_TRUE((*store)->Ping().ok());
  ASSERT_TRUE((*server)->Stop().ok());
  ASSERT_TRUE((*server)->Restart().ok());
  std::optional<std::string> before, during;
  ASSERT_TRUE((*store)
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(before, tx.GetSetting("before"));
                    PARITRANA_ASSIGN_OR_RETURN(during, tx.GetSetting("during"));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(before, "kept");
  EXPECT_EQ(during, std::nullopt);
}

}  // namespace
}  // namespace paritrana::registry

namespace paritrana::registry {
namespace {

// Two stores on one database, as two registry replicas would be: writes from both at once, each
// taking an id from the same sequence and inserting a record under it. PostgreSQL aborts the
// transactions that conflict and the pool runs them again, so every write lands once, with an id
// of its own.
TEST(PostgresRegistryStoreTest, TwoStoresOnOneDatabaseNeverHandOutAnIdTwice) {
  absl::StatusOr<std::string> conninfo = test_support::PostgresDatabaseFor("two-stores");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  std::vector<std::unique_ptr<RegistryStore>> stores;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::unique_ptr<RegistryStore>> store = OpenPostgresRegistryStore(*conninfo);
    ASSERT_TRUE(store.ok()) << store.status();
    stores.push_back(*std::move(store));
  }
  constexpr int kWritesEach = 100;
  std::vector<absl::Status> failures[2];
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWritesEach; ++i) {
        absl::Status s = stores[w]->Write([&](RegistryTx& tx) -> absl::Status {
          PARITRANA_ASSIGN_OR_RETURN(int64_t id, tx.NextId("enrollment"));
          const std::string name = absl::StrCat("participants/00000000001/enrollments/e", id);
          return tx.Insert(Kind::kEnrollment, name, "participants/00000000001", "15.08",
                           absl::StrCat("writer ", w));
        });
        if (!s.ok()) failures[w].push_back(s);
      }
    });
  }
  for (std::thread& t : writers) t.join();
  for (int w = 0; w < 2; ++w) {
    EXPECT_TRUE(failures[w].empty()) << "writer " << w << ": " << failures[w].size()
                                     << " failed, first: " << failures[w].front();
  }

  std::vector<StoredResource> rows;
  ASSERT_TRUE(stores[0]
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    ListQuery q;
                    q.kind = Kind::kEnrollment;
                    q.limit = 1000;
                    PARITRANA_ASSIGN_OR_RETURN(rows, tx.List(q));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(rows.size(), 2u * kWritesEach);
  std::set<std::string> names;
  for (const StoredResource& r : rows) names.insert(r.name);
  EXPECT_EQ(names.size(), rows.size());
  std::optional<int64_t> next;
  ASSERT_TRUE(stores[1]
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(next, tx.NextId("enrollment"));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(next, 2 * kWritesEach + 1);  // no id skipped or reused
}

}  // namespace
}  // namespace paritrana::registry

namespace paritrana::registry {
namespace {

// Issue 16, faults: a statement cut off by `statement_timeout` (SQLSTATE 57014) is
// DEADLINE_EXCEEDED, not INTERNAL, and its message quotes no SQL; the connection stays usable
// once whatever held the statement back is gone. The slow statement here is a read and a write
// waiting for a lock another session holds on the settings table, as behind a long migration or a
// VACUUM FULL; the timeout comes from the connection string, as an operator would set it.
TEST(PostgresRegistryStoreTest, AStatementTimeoutIsDeadlineExceeded) {
  absl::StatusOr<std::string> conninfo = test_support::PostgresDatabaseFor("statement-timeout");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  {
    absl::StatusOr<std::unique_ptr<RegistryStore>> created = OpenPostgresRegistryStore(*conninfo);
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_TRUE((*created)->Write([](RegistryTx& tx) { return tx.PutSetting("k", "v"); }).ok());
  }
  absl::StatusOr<std::unique_ptr<RegistryStore>> store =
      OpenPostgresRegistryStore(*conninfo + " options='-c statement_timeout=200'");
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<std::unique_ptr<postgres::Connection>> locker =
      postgres::Connection::Open(*conninfo);
  ASSERT_TRUE(locker.ok()) << locker.status();
  ASSERT_TRUE((*locker)->Exec("BEGIN; LOCK TABLE settings IN ACCESS EXCLUSIVE MODE").ok());

  std::optional<std::string> value;
  auto read = [&](RegistryTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(value, tx.GetSetting("k"));
    return absl::OkStatus();
  };
  for (int i = 0; i < 2; ++i) {
    const absl::Time start = absl::Now();
    absl::Status s = i == 0
                         ? (*store)->Read(read)
                         : (*store)->Write([](RegistryTx& tx) { return tx.PutSetting("k", "w"); });
    const absl::Duration took = absl::Now() - start;
    EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), "57014")) << s;
    for (const char* sql : {"SELECT", "INSERT", "settings"}) {
      EXPECT_FALSE(absl::StrContains(s.message(), sql)) << s;
    }
    EXPECT_GE(took, absl::Milliseconds(190));
    EXPECT_LT(took, absl::Seconds(10)) << "cut off by the timeout, not retried";
  }

  ASSERT_TRUE((*locker)->Exec("ROLLBACK").ok());
  ASSERT_TRUE((*store)->Read(read).ok());
  EXPECT_EQ(value, "v") << "the timed-out write must have changed nothing";
  ASSERT_TRUE((*store)->Write([](RegistryTx& tx) { return tx.PutSetting("k", "w"); }).ok());
  ASSERT_TRUE((*store)->Read(read).ok());
  EXPECT_EQ(value, "w");
}

// Schema 2 partitions the tables of counts by province: a database at schema 1 keeps its counts
// and spans, now in their province's partition (schema 4 then empties them: next test).
TEST(PostgresRegistryStoreTest, SchemaOneMovesItsCountsIntoProvincePartitions) {
  test_support::TempDir dir("pg-migrate");
  absl::StatusOr<std::string> conninfo = test_support::PostgresDatabaseFor(dir.path());
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  {
    auto v1 = postgres::ConnectionPool::Open(*conninfo, "registry",
                                             PostgresRegistryMigrations().first(1));
    ASSERT_TRUE(v1.ok()) << v1.status();
    // One enrollment active from day 100 to 200 in 15.08, as schema 1 kept it: the delta at each
    // resolution (day 100 is in 32-day block 3 and 1024-day block 0) and the village's span.
    absl::Status filled = (*v1)->Write([](postgres::Connection& c) {
      return c.Exec(
          "INSERT INTO active_deltas VALUES ('15.08', 100, 'p', 1), ('15.08', 201, 'p', -1);"
          "INSERT INTO active_deltas_32d VALUES ('15.08', 3, 'p', 1), ('15.08', 6, 'p', -1);"
          "INSERT INTO active_deltas_1024d VALUES ('15.08', 0, 'p', 0);"
          "INSERT INTO enrollment_spans VALUES ('15.08.01.2001', 24000000001, 1, 1, 3, 1, '', "
          "100, 200)");
    });
    ASSERT_TRUE(filled.ok()) << filled;
  }
  // Schema 3: the rows are in the partition of province 15, with their values.
  auto pool =
      postgres::ConnectionPool::Open(*conninfo, "registry", PostgresRegistryMigrations().first(3));
  ASSERT_TRUE(pool.ok()) << pool.status();
  absl::Status checked = (*pool)->Read([](postgres::Connection& c) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(
        postgres::Result rows,
        c.Query("SELECT (SELECT count(*) FROM active_deltas_p15), (SELECT count(*) FROM "
                "enrollment_spans_p15), (SELECT count(*) FROM active_deltas_other), (SELECT "
                "version FROM schema_version WHERE store = 'registry'), (SELECT sum(delta)::bigint "
                "FROM "
                "active_deltas_p15 WHERE region = '15.08' AND day <= 150), (SELECT person FROM "
                "enrollment_spans_p15 WHERE region = '15.08.01.2001')"));
    EXPECT_EQ(rows.Int(0, 0), 2);
    EXPECT_EQ(rows.Int(0, 1), 1);
    EXPECT_EQ(rows.Int(0, 2), 0);
    EXPECT_EQ(rows.Int(0, 3), 3);  // migration 3: the audit trail
    EXPECT_EQ(rows.Int(0, 4), 1);  // active on day 150
    EXPECT_EQ(rows.Int(0, 5), 24000000001);
    return absl::OkStatus();
  });
  ASSERT_TRUE(checked.ok()) << checked;
}

// Schema 4 adds employers' counts to the tables of counts: a database holding employers (or
// enrollments) has its counts emptied and asks the registry to recount (Registry::RebuildCounts).
// Afterwards a region's employer key lives in its province's partition, an employer's in the
// default one.
TEST(PostgresRegistryStoreTest, SchemaFourEmptiesTheCountsAndAsksForARecount) {
  test_support::TempDir dir("pg-migrate-4");
  absl::StatusOr<std::string> conninfo = test_support::PostgresDatabaseFor(dir.path());
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  {
    auto v3 = postgres::ConnectionPool::Open(*conninfo, "registry",
                                             PostgresRegistryMigrations().first(3));
    ASSERT_TRUE(v3.ok()) << v3.status();
    absl::Status filled = (*v3)->Write([](postgres::Connection& c) {
      return c.Exec(
          "INSERT INTO resources VALUES (4, 'employers/12345678', '', '15.08', decode('0a00', "
          "'hex'));"
          "INSERT INTO active_deltas VALUES ('15', '15.08', 100, 'p', 1);"
          "INSERT INTO active_deltas_32d VALUES ('15', '15.08', 3, 'p', 1);"
          "INSERT INTO active_deltas_1024d VALUES ('15', '15.08', 0, 'p', 1);"
          "INSERT INTO enrollment_spans VALUES ('15', '15.08.01.2001', 24000000001, 1, 1, 3, 1, "
          "'', 100, 200);"
          "INSERT INTO settings VALUES ('counts_rebuild', 'done')");
    });
    ASSERT_TRUE(filled.ok()) << filled;
  }
  absl::StatusOr<std::unique_ptr<RegistryStore>> store = OpenPostgresRegistryStore(*conninfo);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::Status read = (*store)->Read([](RegistryTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(std::vector<AggregateCount> counts, tx.CountActive("15.08", 150));
    EXPECT_TRUE(counts.empty());
    PARITRANA_ASSIGN_OR_RETURN(std::vector<EnrollmentSpan> spans, tx.SpansOn("15.08", 150));
    EXPECT_TRUE(spans.empty());
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> rebuild, tx.GetSetting("counts_rebuild"));
    EXPECT_EQ(rebuild, "pending");
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> employer,
                               tx.Get(Kind::kEmployer, "employers/12345678"));
    EXPECT_TRUE(employer.has_value());
    return absl::OkStatus();
  });
  ASSERT_TRUE(read.ok()) << read;

  const AggregateDelta deltas[] = {{{"15/employers", "registered"}, 100, 1},
                                   {{"15.08/employers", "registered"}, 100, 1},
                                   {{"employers/12345678", "1:1,2:2:"}, 100, 1}};
  ASSERT_TRUE((*store)->Write([&](RegistryTx& tx) { return tx.AddDeltas(deltas); }).ok());
  auto pool = postgres::ConnectionPool::Open(*conninfo, "registry", PostgresRegistryMigrations());
  ASSERT_TRUE(pool.ok()) << pool.status();
  absl::Status checked = (*pool)->Read([](postgres::Connection& c) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(
        postgres::Result rows,
        c.Query("SELECT (SELECT count(*) FROM active_deltas_p15), (SELECT count(*) FROM "
                "active_deltas_other), (SELECT version FROM schema_version WHERE store = "
                "'registry')"));
    EXPECT_EQ(rows.Int(0, 0), 2);
    EXPECT_EQ(rows.Int(0, 1), 1);
    EXPECT_EQ(rows.Int(0, 2), 4);
    return absl::OkStatus();
  });
  ASSERT_TRUE(checked.ok()) << checked;
  absl::Status counted = (*store)->Read([](RegistryTx& tx) -> absl::Status {
    for (const char* key : {"15/employers", "15.08/employers", "employers/12345678"}) {
      PARITRANA_ASSIGN_OR_RETURN(std::vector<AggregateCount> counts, tx.CountActive(key, 100));
      EXPECT_EQ(counts.size(), 1u) << key;
      if (!counts.empty()) {
        EXPECT_EQ(counts[0].active, 1) << key;
      }
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(counted.ok()) << counted;
}

// Registries sharing a database run one stream of an import id at a time, whichever receives it:
// the claim is an advisory lock, held until the claim is dropped.
TEST(PostgresRegistryStoreTest, AnImportIdIsClaimedByOneStoreAtATime) {
  test_support::TempDir dir("pg-claim");
  absl::StatusOr<std::string> conninfo = test_support::PostgresDatabaseFor(dir.path());
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto first = OpenPostgresRegistryStore(*conninfo);
  auto second = OpenPostgresRegistryStore(*conninfo);
  ASSERT_TRUE(first.ok() && second.ok());
  absl::StatusOr<std::unique_ptr<ImportClaim>> held = (*first)->ClaimImport("import-1");
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_NE(*held, nullptr);
  absl::StatusOr<std::unique_ptr<ImportClaim>> refused = (*second)->ClaimImport("import-1");
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(*refused, nullptr);
  absl::StatusOr<std::unique_ptr<ImportClaim>> other = (*second)->ClaimImport("import-2");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(*other, nullptr);
  held->reset();
  absl::StatusOr<std::unique_ptr<ImportClaim>> after = (*second)->ClaimImport("import-1");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NE(*after, nullptr);
}

}  // namespace
}  // namespace paritrana::registry
