// The audit trail (issue 17, item 4) against real servers: every write and every read of personal
// data gives exactly one event with the caller, method and outcome; refused calls are recorded;
// only auditors list the trail; the hash chain verifies, and an event altered or removed in the
// database file breaks it; no event holds a NIK. On SQLite and on PostgreSQL.
#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/rubric_file.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "paritrana/audit/v1/audit.grpc.pb.h"
#include "paritrana/award/v1/award.grpc.pb.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"
#include "security/audit.h"
#include "security/audit_proto.h"
#include "security/auth.h"
#include "storage/postgres/postgres.h"
#include "tests/support/award_under_test.h"
#include "tests/support/postgres_server.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana {
namespace {

namespace rv1 = registry::v1;
namespace av1 = audit::v1;
using test_support::RegistryUnderTest;
using test_support::TempDir;

constexpr char kRegistrar[] = "registrar-token-0123456789";
constexpr char kAnalyst[] = "analyst-token-0123456789ab";
constexpr char kPiiReader[] = "pii-reader-token-012345678";
constexpr char kAuditor[] = "auditor-token-0123456789ab";
constexpr char kAdmin[] = "admin-token-0123456789abcd";
constexpr char kAwardAdmin[] = "award-admin-token-01234567";

std::unique_ptr<Authorizer> TestAuth() {
  auto auth = Authorizer::FromTokensText(
      absl::StrCat("registrar ", kRegistrar, " clerk\n", "analyst ", kAnalyst, " analyst-1\n",
                   "pii_reader ", kPiiReader, " dpo\n", "auditor ", kAuditor, " inspector\n",
                   "admin ", kAdmin, " ops\n", "award_admin ", kAwardAdmin, " jury-chair\n"),
      "audit test tokens");
  EXPECT_TRUE(auth.ok()) << auth.status();
  return auth.ok() ? *std::move(auth) : nullptr;
}

std::string Nik(int n) { return absl::StrFormat("157101010190%04d", n + 1); }

template <typename Stub, typename Req, typename Resp>
absl::StatusOr<Resp> Call(Stub& stub,
                          grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                          const std::string& token, const Req& req) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  Resp resp;
  grpc::Status s = (stub.*method)(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}

// Every event of the trail at `address`, listed as `token` page by page (small pages, so paging
// is exercised).
absl::StatusOr<std::vector<av1::AuditEvent>> ListAll(const std::string& address,
                                                     const std::string& token,
                                                     av1::ListAuditEventsRequest req = {}) {
  auto stub =
      av1::AuditService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  std::vector<av1::AuditEvent> out;
  req.set_page_size(2);
  while (true) {
    auto page = Call(*stub, &av1::AuditService::Stub::ListAuditEvents, token, req);
    if (!page.ok()) return page.status();
    for (const auto& e : page->audit_events()) out.push_back(e);
    if (page->next_page_token().empty()) return out;
    req.set_page_token(page->next_page_token());
  }
}

std::vector<AuditEvent> FromProto(const std::vector<av1::AuditEvent>& events) {
  std::vector<AuditEvent> out;
  for (const auto& e : events) out.push_back(AuditEventFromProto(e));
  return out;
}

std::string Method(absl::string_view name) {
  return absl::StrCat("paritrana.registry.v1.RegistryService/", name);
}

rv1::CreateParticipantRequest Participant(int n, const std::string& region = "regions/15.08") {
  rv1::CreateParticipantRequest p;
  p.set_participant_id(absl::StrFormat("%011d", 24000000000LL + n));
  p.mutable_participant()->set_nik(Nik(n));
  p.mutable_participant()->set_display_name("Pekerja");
  p.mutable_participant()->set_sex(rv1::SEX_MALE);
  p.mutable_participant()->mutable_birth_date()->set_year(1990);
  p.mutable_participant()->mutable_birth_date()->set_month(1);
  p.mutable_participant()->mutable_birth_date()->set_day(1);
  p.mutable_participant()->set_domicile_region(region);
  return p;
}

// Runs SQL on the registry's SQLite file directly, as someone holding the file would.
void Tamper(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

class RegistryAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = RegistryUnderTest::Start(dir_.path(), "", TestAuth());
    ASSERT_TRUE(r.ok()) << r.status();
    registry_ = *std::move(r);
    stub_ = rv1::RegistryService::NewStub(
        grpc::CreateChannel(registry_->address(), grpc::InsecureChannelCredentials()));
  }

  TempDir dir_{"audit"};
  std::unique_ptr<RegistryUnderTest> registry_;
  std::unique_ptr<rv1::RegistryService::Stub> stub_;
};

using Stub = rv1::RegistryService::Stub;

TEST_F(RegistryAuditTest, EveryWriteAndPersonalReadIsRecordedOnceAndChained) {
  // N = 4 writes.
  for (int n = 0; n < 3; ++n) {
    ASSERT_TRUE(Call(*stub_, &Stub::CreateParticipant, kRegistrar, Participant(n)).ok());
  }
  rv1::UpdateParticipantRequest update;
  update.mutable_participant()->set_name("participants/24000000001");
  update.mutable_participant()->set_display_name("Pekerja Baru");
  update.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(Call(*stub_, &Stub::UpdateParticipant, kRegistrar, update).ok());
  // M = 3 reads of personal data.
  rv1::GetParticipantRequest get;
  get.set_name("participants/24000000000");
  ASSERT_TRUE(Call(*stub_, &Stub::GetParticipant, kAnalyst, get).ok());
  ASSERT_TRUE(
      Call(*stub_, &Stub::ListParticipants, kRegistrar, rv1::ListParticipantsRequest()).ok());
  rv1::FindParticipantByNikRequest find;
  find.set_nik(Nik(2));
  ASSERT_TRUE(Call(*stub_, &Stub::FindParticipantByNik, kPiiReader, find).ok());
  // Reads of reference data are not recorded.
  rv1::GetRegionRequest region;
  region.set_name("regions/15");
  ASSERT_TRUE(Call(*stub_, &Stub::GetRegion, kAnalyst, region).ok());

  auto listed = ListAll(registry_->address(), kAuditor);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 7u);
  struct Expected {
    const char* principal;
    const char* method;
    const char* resource;
  };
  const Expected expected[] = {
      {"clerk", "CreateParticipant", "participants/24000000000"},
      {"clerk", "CreateParticipant", "participants/24000000001"},
      {"clerk", "CreateParticipant", "participants/24000000002"},
      {"clerk", "UpdateParticipant", "participants/24000000001"},
      {"analyst-1", "GetParticipant", "participants/24000000000"},
      {"clerk", "ListParticipants", ""},
      {"dpo", "FindParticipantByNik", "participants/24000000002"},
  };
  for (size_t i = 0; i < listed->size(); ++i) {
    const av1::AuditEvent& e = (*listed)[i];
    EXPECT_EQ(e.seq(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(e.principal(), expected[i].principal) << i;
    EXPECT_EQ(e.method(), Method(expected[i].method)) << i;
    EXPECT_EQ(e.resource(), expected[i].resource) << i;
    EXPECT_EQ(e.outcome(), "OK") << i;
    EXPECT_EQ(e.how(), "token") << i;
    EXPECT_EQ(e.hash().size(), 64u);
  }
  EXPECT_EQ((*listed)[0].prev_hash(), std::string(kAuditGenesis));
  EXPECT_EQ(VerifyAuditChain(FromProto(*listed), kAuditGenesis), std::nullopt);

  // Filters.
  av1::ListAuditEventsRequest by_principal;
  by_principal.set_principal("dpo");
  auto dpo = ListAll(registry_->address(), kAuditor, by_principal);
  ASSERT_TRUE(dpo.ok()) << dpo.status();
  ASSERT_EQ(dpo->size(), 1u);
  EXPECT_EQ((*dpo)[0].seq(), 7);
  av1::ListAuditEventsRequest by_resource;
  by_resource.set_resource("participants/24000000001");
  auto one = ListAll(registry_->address(), kAuditor, by_resource);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->size(), 2u);
  av1::ListAuditEventsRequest future;
  *future.mutable_start_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  future.mutable_start_time()->set_seconds(future.start_time().seconds() + 3600);
  auto none = ListAll(registry_->address(), kAuditor, future);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());

  // No NIK, nor its last digits, in any event.
  for (const av1::AuditEvent& e : *listed) {
    const std::string text = e.DebugString();
    for (int n = 0; n < 3; ++n) EXPECT_EQ(text.find(Nik(n)), std::string::npos) << text;
  }
}

TEST_F(RegistryAuditTest, RefusedAndFailedCallsAreRecorded) {
  // A role that may not write.
  EXPECT_TRUE(absl::IsPermissionDenied(
      Call(*stub_, &Stub::CreateParticipant, kAnalyst, Participant(0)).status()));
  // No credential at all.
  rv1::GetParticipantRequest get;
  get.set_name("participants/24000000000");
  EXPECT_TRUE(absl::IsUnauthenticated(Call(*stub_, &Stub::GetParticipant, "", get).status()));
  // A write refused inside its transaction (the region does not exist).
  EXPECT_TRUE(absl::IsNotFound(
      Call(*stub_, &Stub::CreateParticipant, kRegistrar, Participant(1, "regions/15.99"))
          .status()));
  // A write refused before its transaction (a malformed id).
  rv1::CreateParticipantRequest bad = Participant(2);
  bad.set_participant_id("x");
  EXPECT_TRUE(
      absl::IsInvalidArgument(Call(*stub_, &Stub::CreateParticipant, kRegistrar, bad).status()));
  // A personal read of something missing.
  EXPECT_TRUE(absl::IsNotFound(Call(*stub_, &Stub::GetParticipant, kAnalyst, get).status()));

  auto listed = ListAll(registry_->address(), kAuditor);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 5u);
  EXPECT_EQ((*listed)[0].principal(), "analyst-1");
  EXPECT_EQ((*listed)[0].method(), Method("CreateParticipant"));
  EXPECT_EQ((*listed)[0].outcome(), "PERMISSION_DENIED");
  EXPECT_EQ((*listed)[1].principal(), "");
  EXPECT_EQ((*listed)[1].outcome(), "UNAUTHENTICATED");
  EXPECT_EQ((*listed)[1].resource(), "participants/24000000000");
  EXPECT_EQ((*listed)[2].principal(), "clerk");
  EXPECT_EQ((*listed)[2].outcome(), "NOT_FOUND");
  EXPECT_EQ((*listed)[3].outcome(), "INVALID_ARGUMENT");
  EXPECT_EQ((*listed)[4].method(), Method("GetParticipant"));
  EXPECT_EQ((*listed)[4].outcome(), "NOT_FOUND");
  EXPECT_EQ(VerifyAuditChain(FromProto(*listed), kAuditGenesis), std::nullopt);
}

TEST_F(RegistryAuditTest, OnlyAuditorsListTheTrailAndOthersAreRecorded) {
  for (const char* token : {kAdmin, kRegistrar, kAnalyst, kPiiReader}) {
    EXPECT_TRUE(absl::IsPermissionDenied(ListAll(registry_->address(), token).status())) << token;
  }
  auto listed = ListAll(registry_->address(), kAuditor);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 4u);
  EXPECT_EQ((*listed)[0].principal(), "ops");
  EXPECT_EQ((*listed)[0].method(), "paritrana.audit.v1.AuditService/ListAuditEvents");
  EXPECT_EQ((*listed)[0].outcome(), "PERMISSION_DENIED");
}

TEST_F(RegistryAuditTest, TheDatabaseRefusesChangesAndTamperingBreaksTheChain) {
  for (int n = 0; n < 4; ++n) {
    ASSERT_TRUE(Call(*stub_, &Stub::CreateParticipant, kRegistrar, Participant(n)).ok());
  }
  const std::string db = dir_.File("registry.db");
  // The triggers refuse changes through SQL.
  {
    sqlite3* conn = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &conn), SQLITE_OK);
    EXPECT_NE(sqlite3_exec(conn, "UPDATE audit_events SET principal = 'x' WHERE seq = 2", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    EXPECT_NE(
        sqlite3_exec(conn, "DELETE FROM audit_events WHERE seq = 2", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(conn);
  }
  auto intact = ListAll(registry_->address(), kAuditor);
  ASSERT_TRUE(intact.ok()) << intact.status();
  ASSERT_EQ(intact->size(), 4u);
  ASSERT_EQ(VerifyAuditChain(FromProto(*intact), kAuditGenesis), std::nullopt);

  // An attacker with the file drops the triggers and rewrites who did it.
  Tamper(db,
         "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
         " UPDATE audit_events SET principal = 'someone-else' WHERE seq = 2;");
  auto altered = ListAll(registry_->address(), kAuditor);
  ASSERT_TRUE(altered.ok()) << altered.status();
  std::optional<AuditChainBreak> bad = VerifyAuditChain(FromProto(*altered), kAuditGenesis);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->seq, 2);

  // ... and then recomputes that event's hash: the next event no longer links to it.
  std::vector<AuditEvent> events = FromProto(*altered);
  events[1].hash = AuditHash(events[1]);
  Tamper(db, absl::StrCat("UPDATE audit_events SET hash = '", events[1].hash, "' WHERE seq = 2;"));
  auto rehashed = ListAll(registry_->address(), kAuditor);
  ASSERT_TRUE(rehashed.ok()) << rehashed.status();
  bad = VerifyAuditChain(FromProto(*rehashed), kAuditGenesis);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->seq, 3);
}

TEST_F(RegistryAuditTest, ARemovedEventIsDetected) {
  for (int n = 0; n < 4; ++n) {
    ASSERT_TRUE(Call(*stub_, &Stub::CreateParticipant, kRegistrar, Participant(n)).ok());
  }
  Tamper(dir_.File("registry.db"),
         "DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE seq = 3;");
  auto listed = ListAll(registry_->address(), kAuditor);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 3u);
  std::optional<AuditChainBreak> bad = VerifyAuditChain(FromProto(*listed), kAuditGenesis);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->seq, 3);
  // The first event removed: the chain no longer starts at the genesis.
  Tamper(dir_.File("registry.db"), "DELETE FROM audit_events WHERE seq = 1;");
  listed = ListAll(registry_->address(), kAuditor);
  ASSERT_TRUE(listed.ok()) << listed.status();
  bad = VerifyAuditChain(FromProto(*listed), kAuditGenesis);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->seq, 1);
}

TEST(AuditChainTest, HashCoversEveryFieldUnambiguously) {
  AuditEvent a;
  a.seq = 1;
  a.time = absl::FromUnixMicros(1700000000123456);
  a.principal = "ab";
  a.how = "c";
  a.prev_hash = std::string(kAuditGenesis);
  AuditEvent b = a;
  b.principal = "a";
  b.how = "bc";  // the same bytes concatenated, a different event
  EXPECT_NE(AuditHash(a), AuditHash(b));
  for (auto change : std::vector<std::function<void(AuditEvent&)>>{
           [](AuditEvent& e) { e.seq = 2; },
           [](AuditEvent& e) { e.time += absl::Microseconds(1); },
           [](AuditEvent& e) { e.method = "m"; },
           [](AuditEvent& e) { e.resource = "r"; },
           [](AuditEvent& e) { e.request_id = "q"; },
           [](AuditEvent& e) { e.outcome = "OK"; },
           [](AuditEvent& e) { e.prev_hash = "x"; },
       }) {
    AuditEvent c = a;
    change(c);
    EXPECT_NE(AuditHash(a), AuditHash(c));
  }
}

// The registry on PostgreSQL: events appended in the write's transaction (a rolled-back write
// leaves none), refused changes, and the chain.
TEST(RegistryAuditPostgresTest, AppendsInTheWriteTransactionAndChains) {
  TempDir dir("audit-pg");
  auto conninfo = test_support::PostgresDatabaseFor(dir.path());
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto registry =
      RegistryUnderTest::StartOnStore("postgres:" + *conninfo, dir.path(), "", TestAuth());
  ASSERT_TRUE(registry.ok()) << registry.status();
  auto stub = rv1::RegistryService::NewStub(
      grpc::CreateChannel((*registry)->address(), grpc::InsecureChannelCredentials()));
  for (int n = 0; n < 3; ++n) {
    ASSERT_TRUE(Call(*stub, &Stub::CreateParticipant, kRegistrar, Participant(n)).ok());
  }
  rv1::GetParticipantRequest get;
  get.set_name("participants/24000000001");
  ASSERT_TRUE(Call(*stub, &Stub::GetParticipant, kAnalyst, get).ok());
  EXPECT_TRUE(absl::IsPermissionDenied(
      Call(*stub, &Stub::CreateParticipant, kAnalyst, Participant(5)).status()));

  // A transaction that appends and then fails leaves no event.
  registry::RegistryStore& store = (*registry)->store();
  const absl::Status rolled_back = store.Write([](registry::RegistryTx& tx) -> absl::Status {
    AuditEvent event;
    event.principal = "ghost";
    PARITRANA_RETURN_IF_ERROR(tx.AppendAudit(event));
    EXPECT_EQ(event.seq, 6);
    return absl::AbortedError("rolled back");
  });
  EXPECT_TRUE(absl::IsAborted(rolled_back)) << rolled_back;

  auto listed = ListAll((*registry)->address(), kAuditor);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*listed)[i].principal(), "clerk");
    EXPECT_EQ((*listed)[i].method(), Method("CreateParticipant"));
    EXPECT_EQ((*listed)[i].outcome(), "OK");
  }
  EXPECT_EQ((*listed)[3].method(), Method("GetParticipant"));
  EXPECT_EQ((*listed)[4].outcome(), "PERMISSION_DENIED");
  EXPECT_EQ(VerifyAuditChain(FromProto(*listed), kAuditGenesis), std::nullopt);

  // The database refuses changes to the trail.
  auto conn = postgres::Connection::Open(*conninfo);
  ASSERT_TRUE(conn.ok()) << conn.status();
  EXPECT_FALSE((*conn)->Exec("UPDATE audit_events SET principal = 'x' WHERE seq = 2").ok());
  EXPECT_FALSE((*conn)->Exec("DELETE FROM audit_events WHERE seq = 2").ok());
  EXPECT_FALSE((*conn)->Exec("TRUNCATE audit_events").ok());
  // Without the trigger, a removed event is detected.
  ASSERT_TRUE((*conn)
                  ->Exec("ALTER TABLE audit_events DISABLE TRIGGER USER;"
                         " DELETE FROM audit_events WHERE seq = 2")
                  .ok());
  listed = ListAll((*registry)->address(), kAuditor);
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::optional<AuditChainBreak> bad = VerifyAuditChain(FromProto(*listed), kAuditGenesis);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->seq, 2);
}

// The award service keeps its own trail, served by its own AuditService.
TEST(AwardAuditTest, WritesRefusalsAndTheChain) {
  TempDir dir("audit-award");
  test_support::AwardUnderTest::Options options;
  options.auth = TestAuth();
  // Neither the registry nor coverage is needed by rubric writes.
  auto award = test_support::AwardUnderTest::Start(dir.path(), "127.0.0.1:1", "127.0.0.1:1",
                                                   std::move(options));
  ASSERT_TRUE(award.ok()) << award.status();
  namespace wv1 = paritrana::award::v1;
  auto stub = wv1::AwardService::NewStub(
      grpc::CreateChannel((*award)->address(), grpc::InsecureChannelCredentials()));
  auto file = clients::LoadRubricFile(PARITRANA_DEFAULT_RUBRIC);
  ASSERT_TRUE(file.ok()) << file.status();
  wv1::CreateRubricRequest rubric;
  rubric.set_rubric_id(file->rubric_id);
  *rubric.mutable_rubric() = file->rubric;
  // Refused: an analyst may not administer the award.
  EXPECT_TRUE(absl::IsPermissionDenied(
      Call(*stub, &wv1::AwardService::Stub::CreateRubric, kAnalyst, rubric).status()));
  ASSERT_TRUE(Call(*stub, &wv1::AwardService::Stub::CreateRubric, kAwardAdmin, rubric).ok());
  wv1::CreateRubricVersionRequest version;
  version.set_parent(absl::StrCat("rubrics/", file->rubric_id));
  *version.mutable_rubric_version() = file->version;
  ASSERT_TRUE(
      Call(*stub, &wv1::AwardService::Stub::CreateRubricVersion, kAwardAdmin, version).ok());
  // Reads of award data are not personal and not recorded.
  wv1::GetRubricRequest get;
  get.set_name(absl::StrCat("rubrics/", file->rubric_id));
  ASSERT_TRUE(Call(*stub, &wv1::AwardService::Stub::GetRubric, kAnalyst, get).ok());

  EXPECT_TRUE(absl::IsPermissionDenied(ListAll((*award)->address(), kAdmin).status()));
  auto listed = ListAll((*award)->address(), kAuditor);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 4u);
  EXPECT_EQ((*listed)[0].principal(), "analyst-1");
  EXPECT_EQ((*listed)[0].outcome(), "PERMISSION_DENIED");
  EXPECT_EQ((*listed)[1].principal(), "jury-chair");
  EXPECT_EQ((*listed)[1].method(), "paritrana.award.v1.AwardService/CreateRubric");
  EXPECT_EQ((*listed)[1].resource(), absl::StrCat("rubrics/", file->rubric_id));
  EXPECT_EQ((*listed)[1].outcome(), "OK");
  EXPECT_EQ((*listed)[2].method(), "paritrana.award.v1.AwardService/CreateRubricVersion");
  EXPECT_EQ((*listed)[2].outcome(), "OK");
  EXPECT_EQ((*listed)[3].principal(), "ops");
  EXPECT_EQ((*listed)[3].method(), "paritrana.audit.v1.AuditService/ListAuditEvents");
  EXPECT_EQ(VerifyAuditChain(FromProto(*listed), kAuditGenesis), std::nullopt);

  Tamper(dir.File("award.db"),
         "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET outcome = 'OK'"
         " WHERE seq = 1;");
  listed = ListAll((*award)->address(), kAuditor);
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::optional<AuditChainBreak> bad = VerifyAuditChain(FromProto(*listed), kAuditGenesis);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->seq, 1);
}

}  // namespace
}  // namespace paritrana
