// The registry on PostgreSQL as it is deployed at scale (issue 16): several registry replicas on
// one database writing at once and sharing import ids, cache generations bumped by every replica,
// PostgreSQL stopped or crashed in the middle of an import, and a backup taken with pg_dump and
// restored with pg_restore. Everything is real: a PostgreSQL 15 server of each test's own on a Unix
// socket (tests/support/postgres_server.h), redis-server on a Unix socket, and the registry and
// coverage services on 127.0.0.1:0.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "security/nik_vault.h"
#include "services/registry/active_counts.h"
#include "services/registry/registry.h"
#include "services/registry/store/registry_store.h"
#include "storage/postgres/postgres.h"
#include "tests/support/aggregate_recount.h"
#include "tests/support/coverage_under_test.h"
#include "tests/support/postgres_server.h"
#include "tests/support/redis_server.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana::registry {
namespace {

using test_support::PostgresServer;
using test_support::RegistryUnderTest;
using type::v1::Segment;

// ----- Records -------------------------------------------------------------------------------

google::type::Date Date(absl::CivilDay d) { return ToProtoDate(d); }
absl::CivilDay Day(const google::type::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

// The n-th synthetic person of Kecamatan 15.08.01 (n < 9999 gives distinct NIKs): KPJ `kpj`,
// a valid NIK whose birth date and sex are the participant's.
v1::Participant Person(int64_t kpj, int n, const std::string& domicile) {
  const bool female = n % 2 == 1;
  const absl::CivilDay birth = absl::CivilDay(1960, 1, 1) + (n * 37) % 15000;
  v1::Participant p;
  p.set_name(absl::StrFormat("participants/%011d", kpj));
  p.set_nik(absl::StrFormat("150801%02d%02d%02d%04d", birth.day() + (female ? 40 : 0),
                            birth.month(), birth.year() % 100, n % 9999 + 1));
  p.set_display_name("Pekerja (synthetic)");
  p.set_sex(female ? v1::SEX_FEMALE : v1::SEX_MALE);
  *p.mutable_birth_date() = Date(birth);
  p.set_domicile_region(domicile);
  return p;
}

v1::CreateParticipantRequest CreateParticipantOf(const v1::Participant& p) {
  v1::CreateParticipantRequest req;
  req.set_participant_id(p.name().substr(std::string("participants/").size()));
  *req.mutable_participant() = p;
  req.mutable_participant()->clear_name();
  return req;
}

// A worker-funded BPU enrollment (JKK, JKM) in `region` from `start`.
v1::Enrollment Bpu(const std::string& region, absl::CivilDay start) {
  v1::Enrollment e;
  e.set_segment(type::v1::SEGMENT_BPU);
  e.add_programmes(type::v1::PROGRAMME_JKK);
  e.add_programmes(type::v1::PROGRAMME_JKM);
  e.set_funding_source(type::v1::FUNDING_SOURCE_WORKER);
  e.set_region(region);
  *e.mutable_start_date() = Date(start);
  return e;
}

v1::Contribution Paid(int64_t amount, absl::CivilDay paid, absl::CivilDay covers) {
  v1::Contribution c;
  c.set_amount_rupiah(amount);
  *c.mutable_paid_date() = Date(paid);
  *c.mutable_covers_through() = Date(covers);
  return c;
}

v1::ImportRow PersonRow(int64_t row_number, const v1::Participant& p, const v1::Enrollment& e,
                        const v1::Contribution& c) {
  v1::ImportRow row;
  row.set_row_number(row_number);
  *row.mutable_participant_enrollment()->mutable_participant() = p;
  *row.mutable_participant_enrollment()->mutable_enrollment() = e;
  *row.mutable_participant_enrollment()->mutable_contribution() = c;
  return row;
}

v1::ImportRow PostingRow(int64_t row_number, const std::string& enrollment,
                         const v1::Contribution& c) {
  v1::ImportRow row;
  row.set_row_number(row_number);
  row.mutable_contribution()->set_enrollment(enrollment);
  *row.mutable_contribution()->mutable_contribution() = c;
  return row;
}

// The number after the last letter of a name's last part: 12 for ".../enrollments/e12".
int64_t IdOf(const std::string& name) {
  int64_t id = -1;
  if (!absl::SimpleAtoi(name.substr(name.rfind('/') + 2), &id)) return -1;
  return id;
}

// Every record of `kind` in `store`, parsed.
template <typename M>
std::vector<M> StoredAll(RegistryStore& store, Kind kind) {
  std::vector<M> out;
  absl::Status s = store.Read([&](RegistryTx& tx) -> absl::Status {
    out.clear();
    ListQuery q;
    q.kind = kind;
    q.limit = 1000000;
    PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> rows, tx.List(q));
    for (const StoredResource& row : rows) {
      if (!out.emplace_back().ParseFromString(row.body)) return absl::DataLossError(row.name);
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

// `m` without the times it was written (google.protobuf.Timestamp fields): a record imported twice
// at different times is the same record.
std::string Timeless(google::protobuf::Message& m) {
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (f->message_type() != nullptr &&
        f->message_type()->full_name() == "google.protobuf.Timestamp") {
      m.GetReflection()->ClearField(&m, f);
    }
  }
  return m.ShortDebugString();
}

// Every participant, enrollment and contribution of `store` by name, timeless.
std::map<std::string, std::string> Records(RegistryStore& store) {
  std::map<std::string, std::string> out;
  for (v1::Participant& p : StoredAll<v1::Participant>(store, Kind::kParticipant)) {
    out[p.name()] = Timeless(p);
  }
  for (v1::Enrollment& e : StoredAll<v1::Enrollment>(store, Kind::kEnrollment)) {
    out[e.name()] = Timeless(e);
  }
  for (v1::Contribution& c : StoredAll<v1::Contribution>(store, Kind::kContribution)) {
    out[c.name()] = Timeless(c);
  }
  return out;
}

// Fails the test with the first few differences between two sets of records.
void ExpectSameRecords(const std::map<std::string, std::string>& got,
                       const std::map<std::string, std::string>& want) {
  EXPECT_EQ(got.size(), want.size());
  int shown = 0;
  for (const auto& entry : want) {
    auto it = got.find(entry.first);
    const std::string found = it == got.end() ? "<missing>" : it->second;
    if (found != entry.second && shown++ < 5) {
      ADD_FAILURE() << entry.first << ":\n  got  " << found << "\n  want " << entry.second;
    }
  }
  for (const auto& entry : got) {
    if (want.count(entry.first) == 0 && shown++ < 5) ADD_FAILURE() << "extra " << entry.first;
  }
}

// The aggregates of `regions` on `days`, as the registry answers them (without read_time).
std::string Aggregates(Registry& registry, const std::vector<std::string>& regions,
                       const std::vector<absl::CivilDay>& days) {
  v1::QueryAggregatesRequest query;
  for (const std::string& r : regions) query.add_regions(r);
  for (absl::CivilDay d : days) *query.add_dates() = Date(d);
  absl::StatusOr<v1::QueryAggregatesResponse> answer = registry.QueryAggregates(query);
  EXPECT_TRUE(answer.ok()) << answer.status();
  if (!answer.ok()) return "";
  std::string out;
  for (const v1::RegionAggregate& a : answer->aggregates()) out += a.ShortDebugString() + "\n";
  return out;
}

// The check of tests/integration/registry_aggregates_test.cc: the counts `registry` keeps for
// `regions` on `days` equal a brute-force recount from `enrollments` (every stored one) at every
// level, segment, programme and funding source. Returns the persons active in the first region on
// the busiest day, so a caller can tell the comparison was not of empty counts.
size_t ExpectAggregatesEqualRecount(Registry& registry, const std::vector<v1::Enrollment>& all,
                                    const std::vector<std::string>& regions,
                                    const std::vector<absl::CivilDay>& days) {
  // Region code, day.
  std::map<std::string, std::map<absl::CivilDay, test_support::RecountedPersons>> expected =
      test_support::Recount(all, days);
  v1::QueryAggregatesRequest query;
  for (const std::string& r : regions) query.add_regions(r);
  for (absl::CivilDay d : days) *query.add_dates() = Date(d);
  absl::StatusOr<v1::QueryAggregatesResponse> answer = registry.QueryAggregates(query);
  EXPECT_TRUE(answer.ok()) << answer.status();
  if (!answer.ok()) return 0;
  EXPECT_EQ(answer->aggregates_size(), static_cast<int>(regions.size() * days.size()));
  for (const v1::RegionAggregate& agg : answer->aggregates()) {
    const std::map<std::string, int64_t> got = test_support::CountsOf(agg);
    const std::map<std::string, int64_t> recount =
        test_support::CountsOf(expected[agg.region().substr(8)][Day(agg.date())]);
    EXPECT_EQ(got, recount) << agg.region() << " on " << Day(agg.date());
  }
  size_t busiest = 0;
  for (const auto& entry : expected[regions[0].substr(8)]) {
    auto total = entry.second.find("total");
    if (total != entry.second.end()) busiest = std::max(busiest, total->second.size());
  }
  return busiest;
}

// ----- Imports over gRPC -----------------------------------------------------------------------

v1::ImportRecordsRequest Header(const std::string& import_id, int batch_size) {
  v1::ImportRecordsRequest m;
  m.mutable_header()->set_import_id(import_id);
  m.mutable_header()->set_mode(v1::IMPORT_MODE_LENIENT);
  m.mutable_header()->set_batch_size(batch_size);
  return m;
}

// `rows` as messages of `per_message` rows each.
std::vector<v1::ImportRecordsRequest> Messages(const std::vector<v1::ImportRow>& rows,
                                               size_t per_message) {
  std::vector<v1::ImportRecordsRequest> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i % per_message == 0) out.emplace_back();
    *out.back().mutable_rows()->add_rows() = rows[i];
  }
  return out;
}

struct ImportOutcome {
  absl::Status status;
  v1::ImportRecordsResponse response;
};

// Streams the header, `messages` and the ImportEnd to the registry at `address`.
ImportOutcome Import(const std::string& address, const v1::ImportRecordsRequest& header,
                     const std::vector<v1::ImportRecordsRequest>& messages) {
  std::unique_ptr<v1::RegistryService::Stub> stub = v1::RegistryService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  ImportOutcome out;
  std::unique_ptr<grpc::ClientWriter<v1::ImportRecordsRequest>> writer =
      stub->ImportRecords(&ctx, &out.response);
  v1::ImportRecordsRequest end;
  end.mutable_end()->set_rows_sent(0);
  bool open = writer->Write(header);
  for (const v1::ImportRecordsRequest& m : messages) {
    end.mutable_end()->set_rows_sent(end.end().rows_sent() + m.rows().rows_size());
    if (open) open = writer->Write(m);  // false once the server has answered
  }
  if (open) writer->Write(end);
  writer->WritesDone();
  out.status = FromGrpcStatus(writer->Finish());
  return out;
}

// What a client may be told about a failed statement: never the statement itself.
bool QuotesSql(absl::string_view message) {
  for (absl::string_view word : {"SELECT", "INSERT", "UPDATE ", "DELETE", " FROM ", "VALUES",
                                 "ON CONFLICT", "BEGIN", "COMMIT", "SAVEPOINT"}) {
    if (absl::StrContains(message, word)) return true;
  }
  return false;
}

// ----- Fixture ---------------------------------------------------------------------------------

// A PostgreSQL server of the test's own with the database "registry", the NIK key's folder, and
// registries started on that database (replicas sharing the key).
class RegistryPostgresTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<PostgresServer>> server = PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << "cannot start PostgreSQL: " << server.status();
    postgres_ = *std::move(server);
    ASSERT_TRUE(postgres_->CreateDatabase("registry").ok());
    // The key first, so that replicas starting at once do not each create one.
    ASSERT_TRUE(NikVault::FromKeyFile(dir_.File("nik.key"), true).ok());
  }

  std::string StoreUrl(const std::string& database = "registry") const {
    return "postgres:" + postgres_->ConnInfo(database);
  }

  std::unique_ptr<RegistryUnderTest> StartReplica(const std::string& redis_address = "",
                                                  const std::string& database = "registry") {
    absl::StatusOr<std::unique_ptr<RegistryUnderTest>> r =
        RegistryUnderTest::StartOnStore(StoreUrl(database), dir_.path(), redis_address);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : nullptr;
  }

  // Districts 15.08.01, 15.08.02 and 15.71.01, two villages each; returns the villages.
  std::vector<std::string> CreateVillages(Registry& registry) {
    std::vector<std::string> villages;
    for (const char* district : {"15.08.01", "15.08.02", "15.71.01"}) {
      v1::CreateRegionRequest d;
      d.set_region_id(district);
      d.mutable_region()->set_display_name("Kecamatan (synthetic)");
      absl::Status s = registry.CreateRegion(d).status();
      EXPECT_TRUE(s.ok()) << s;
      for (int v = 1; v <= 2; ++v) {
        v1::CreateRegionRequest village;
        village.set_region_id(absl::StrFormat("%s.%04d", district, 2000 + v));
        village.mutable_region()->set_display_name("Desa (synthetic)");
        s = registry.CreateRegion(village).status();
        EXPECT_TRUE(s.ok()) << s;
        villages.push_back(RegionName(village.region_id()));
      }
    }
    return villages;
  }

  test_support::TempDir dir_{"registry-postgres"};  // first: removed after everything
  std::unique_ptr<PostgresServer> postgres_;
};

// The regions the aggregates are compared in: province, regencies, districts, villages.
std::vector<std::string> CountedRegions(const std::vector<std::string>& villages) {
  std::vector<std::string> regions = {"regions/15",       "regions/15.08",    "regions/15.71",
                                      "regions/15.08.01", "regions/15.08.02", "regions/15.71.01"};
  regions.insert(regions.end(), villages.begin(), villages.end());
  return regions;
}

std::vector<absl::CivilDay> CountedDays() {
  std::vector<absl::CivilDay> days;
  for (int i = 0; i < 24; ++i) days.push_back(absl::CivilDay(2022, 12, 31) + i * 67);
  return days;
}

// ===== 1. Replicas writing at once ==============================================================

// What the clients were told about one enrollment they created.
struct Ledger {
  std::vector<absl::CivilDay> covers;  // acknowledged contributions' covers_through
  std::optional<absl::CivilDay> end;   // an acknowledged termination
};

// Everything the clients of both replicas were told, and anything they should not have been.
struct Acknowledged {
  absl::Mutex mu;
  std::vector<std::string> participants ABSL_GUARDED_BY(mu);  // to pick from
  std::vector<std::string> enrollments ABSL_GUARDED_BY(mu);   // created directly, to pick from
  std::map<std::string, Ledger> ledgers ABSL_GUARDED_BY(mu);
  std::map<std::string, absl::CivilDay> contributions ABSL_GUARDED_BY(mu);  // direct ones
  int64_t imported_persons ABSL_GUARDED_BY(mu) = 0;  // rows with a person, enrollment, payment
  int64_t imported_postings ABSL_GUARDED_BY(mu) = 0;
  int64_t ok ABSL_GUARDED_BY(mu) = 0;
  int64_t refused ABSL_GUARDED_BY(mu) = 0;
  // A write the store gave up on after its attempts (ABORTED, SQLSTATE 40001): nothing applied,
  // and the client may send it again.
  int64_t gave_up ABSL_GUARDED_BY(mu) = 0;
  int64_t import_retries ABSL_GUARDED_BY(mu) = 0;  // imports resumed with the same id
  std::vector<std::string> unexpected ABSL_GUARDED_BY(mu);

  // A refusal a client may get for a write that is invalid on its own (the workload makes some) or
  // because another client got there first; anything else is a failure of the replicas.
  void Refused(absl::string_view what, const absl::Status& s) {
    absl::MutexLock lock(&mu);
    switch (s.code()) {
      case absl::StatusCode::kInvalidArgument:
      case absl::StatusCode::kFailedPrecondition:
      case absl::StatusCode::kAlreadyExists:  // e.g. an enrollment with the same natural key
        ++refused;
        return;
      case absl::StatusCode::kAborted:
        ++gave_up;
        return;
      default:
        unexpected.push_back(absl::StrCat(what, ": ", s.ToString()));
    }
  }
};

constexpr int64_t kKpjBase = 24000000000;

// One client's random writes through `registry` (and ImportRecords through `address`): new
// participants, enrollments, contributions and terminations of records any client created, and
// now and then a small import of new persons and postings.
void RunClient(int client, int operations, Registry& registry, const std::string& address,
               const std::vector<std::string>& villages, const std::vector<std::string>& employers,
               std::atomic<int>& next_person, Acknowledged& ack) {
  std::mt19937 rng(20240610 + client);
  auto pick = [&](size_t n) { return static_cast<int>(rng() % n); };
  auto current = [&](const std::string& name) -> std::optional<v1::Enrollment> {
    v1::GetEnrollmentRequest g;
    g.set_name(name);
    absl::StatusOr<v1::Enrollment> e = registry.GetEnrollment(g);
    if (!e.ok()) {
      absl::MutexLock lock(&ack.mu);
      ack.unexpected.push_back(absl::StrCat("GetEnrollment ", name, ": ", e.status().ToString()));
      return std::nullopt;
    }
    return *e;
  };
  int imports = 0;
  for (int op = 0; op < operations; ++op) {
    const int kind = pick(100);
    std::optional<std::string> participant, enrollment;
    {
      absl::MutexLock lock(&ack.mu);
      if (!ack.participants.empty()) participant = ack.participants[pick(ack.participants.size())];
      if (!ack.enrollments.empty()) enrollment = ack.enrollments[pick(ack.enrollments.size())];
    }
    if (kind < 15 || !participant.has_value()) {  // a new participant
      const int n = next_person++;
      const v1::Participant p = Person(kKpjBase + n, n, villages[pick(villages.size())]);
      absl::StatusOr<v1::Participant> r = registry.CreateParticipant(CreateParticipantOf(p), false);
      if (!r.ok()) {
        ack.Refused("CreateParticipant", r.status());
        continue;
      }
      absl::MutexLock lock(&ack.mu);
      ack.participants.push_back(r->name());
      ++ack.ok;
    } else if (kind < 40 || !enrollment.has_value()) {  // an enrollment
      v1::CreateEnrollmentRequest req;
      req.set_parent(*participant);
      v1::Enrollment* e = req.mutable_enrollment();
      *e = Bpu(villages[pick(villages.size())], absl::CivilDay(2023, 1, 1) + pick(1000));
      const Segment segment = static_cast<Segment>(1 + pick(4));
      e->set_segment(segment);
      if (segment == type::v1::SEGMENT_PU) {
        e->set_employer(employers[pick(employers.size())]);
        e->set_funding_source(type::v1::FUNDING_SOURCE_EMPLOYER);
        e->add_programmes(type::v1::PROGRAMME_JHT);
        if (pick(2) == 0) e->add_programmes(type::v1::PROGRAMME_JP);
      } else if (segment == type::v1::SEGMENT_BPU && pick(3) == 0) {
        e->set_funding_source(type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET);
        e->set_subsidy_scheme("dumisake");
      }
      if (pick(20) == 0) e->add_programmes(type::v1::PROGRAMME_JKP);  // refused unless PU
      absl::StatusOr<v1::Enrollment> r = registry.CreateEnrollment(req);
      if (!r.ok()) {
        ack.Refused("CreateEnrollment", r.status());
        continue;
      }
      absl::MutexLock lock(&ack.mu);
      if (!ack.ledgers.emplace(r->name(), Ledger()).second) {
        ack.unexpected.push_back(absl::StrCat(r->name(), " was handed out twice"));
      }
      ack.enrollments.push_back(r->name());
      ++ack.ok;
    } else if (kind < 85) {  // a contribution
      std::optional<v1::Enrollment> e = current(*enrollment);
      if (!e.has_value()) continue;
      const absl::CivilDay from =
          Day(e->has_paid_through_date() ? e->paid_through_date() : e->start_date());
      v1::CreateContributionRequest req;
      req.set_parent(*enrollment);
      // One in ten does not move paid-through forward: refused, and must change nothing.
      const int step = pick(10) == 0 ? -pick(5) : 20 + pick(200);
      *req.mutable_contribution() = Paid(16800, from, from + step);
      absl::StatusOr<v1::Contribution> r = registry.CreateContribution(req);
      if (!r.ok()) {
        ack.Refused("CreateContribution", r.status());
        continue;
      }
      absl::MutexLock lock(&ack.mu);
      if (!ack.contributions.emplace(r->name(), Day(r->covers_through())).second) {
        ack.unexpected.push_back(absl::StrCat(r->name(), " was handed out twice"));
      }
      ack.ledgers[*enrollment].covers.push_back(Day(r->covers_through()));
      ++ack.ok;
    } else if (kind < 97) {  // a termination
      std::optional<v1::Enrollment> e = current(*enrollment);
      if (!e.has_value()) continue;
      v1::TerminateEnrollmentRequest req;
      req.set_name(*enrollment);
      const absl::CivilDay end = Day(e->start_date()) + 1 + pick(700);
      *req.mutable_end_date() = Date(end);
      absl::StatusOr<v1::Enrollment> r = registry.TerminateEnrollment(req);
      if (!r.ok()) {
        ack.Refused("TerminateEnrollment", r.status());
        continue;
      }
      absl::MutexLock lock(&ack.mu);
      std::optional<absl::CivilDay>& acknowledged = ack.ledgers[*enrollment].end;
      if (acknowledged.has_value() && *acknowledged != end) {
        ack.unexpected.push_back(absl::StrCat(*enrollment, " terminated twice"));
      }
      acknowledged = end;
      ++ack.ok;
    } else {  // an import: new persons, then postings to enrollments of the other clients
      std::vector<v1::ImportRow> rows;
      std::map<int64_t, std::string> postings;  // row number -> enrollment
      std::map<int64_t, absl::CivilDay> covers;
      for (int i = 0; i < 8; ++i) {
        const int n = next_person++;
        const absl::CivilDay start = absl::CivilDay(2023, 1, 1) + pick(1000);
        rows.push_back(PersonRow(static_cast<int64_t>(rows.size()) + 1,
                                 Person(kKpjBase + n, n, villages[pick(villages.size())]),
                                 Bpu(villages[pick(villages.size())], start),
                                 Paid(16800, start, start + 30 + pick(300))));
      }
      for (int i = 0; i < 4; ++i) {
        std::optional<std::string> target;
        {
          absl::MutexLock lock(&ack.mu);
          if (ack.enrollments.empty()) break;
          target = ack.enrollments[pick(ack.enrollments.size())];
        }
        std::optional<v1::Enrollment> e = current(*target);
        if (!e.has_value()) continue;
        const absl::CivilDay from =
            Day(e->has_paid_through_date() ? e->paid_through_date() : e->start_date());
        const int64_t row_number = static_cast<int64_t>(rows.size()) + 1;
        // An amount of this posting's own, so it never equals a recorded contribution (the
        // import would find it unchanged).
        const int64_t amount = 100000 + client * 10000 + imports * 10 + i;
        rows.push_back(PostingRow(row_number, *target, Paid(amount, from, from + 31 + i)));
        postings[row_number] = *target;
        covers[row_number] = from + 31 + i;
      }
      // An import the store gave up on (ABORTED) is resumed with the same id, as clients do: rows
      // its committed batches applied are then found unchanged, and rejected postings rejected
      // again (paid-through dates only move forward).
      const v1::ImportRecordsRequest header =
          Header(absl::StrCat("mix-", client, "-", ++imports), 5);
      ImportOutcome out;
      int attempts = 0;
      do {
        out = Import(address, header, Messages(rows, 3));
      } while (out.status.code() == absl::StatusCode::kAborted && ++attempts < 25);
      std::set<int64_t> rejected;
      absl::MutexLock lock(&ack.mu);
      ack.import_retries += attempts;
      if (!out.status.ok()) {
        ack.unexpected.push_back(absl::StrCat("import: ", out.status.ToString()));
        continue;
      }
      for (const v1::RejectedRow& r : out.response.rejected_rows()) {
        rejected.insert(r.row_number());
        // A posting overtaken by another client's contribution or termination, nothing else.
        if (postings.count(r.row_number()) == 0 || r.code() != "FAILED_PRECONDITION") {
          ack.unexpected.push_back(absl::StrCat("import row ", r.row_number(), " rejected: ",
                                                r.code(), " ", r.field(), " ", r.reason()));
        }
      }
      if (attempts == 0 && out.response.rows_unchanged() != 0) {
        ack.unexpected.push_back("an import found rows unchanged that were all new");
      }
      for (const v1::ImportRow& row : rows) {
        if (rejected.count(row.row_number()) != 0) continue;
        if (row.has_participant_enrollment()) {
          ack.participants.push_back(row.participant_enrollment().participant().name());
          ++ack.imported_persons;
        } else {
          ack.ledgers[postings[row.row_number()]].covers.push_back(covers[row.row_number()]);
          ++ack.imported_postings;
        }
      }
      ++ack.ok;
    }
  }
}

// Issue 16, several registry replicas: two registries on one database (two stores, one NIK key),
// started at once on an empty database, then four clients, two through each, writing at once:
// participants, enrollments, contributions, terminations and imports, on each other's records.
// Nothing acknowledged is lost or applied twice, no id is handed out twice or skipped, every
// enrollment's history is a sequence (each payment extends the one before it), and the counts both
// replicas answer equal a brute-force recount from the stored enrollments.
TEST_F(RegistryPostgresTest, TwoReplicasWritingAtOnceLoseNothingAndCountRight) {
  std::unique_ptr<RegistryUnderTest> replicas[2] = {StartReplica(), StartReplica()};
  ASSERT_NE(replicas[0], nullptr);
  ASSERT_NE(replicas[1], nullptr);
  Registry& a = replicas[0]->registry();
  const std::vector<std::string> villages = CreateVillages(a);
  std::vector<std::string> employers;
  for (int i = 0; i < 3; ++i) {
    v1::CreateEmployerRequest req;
    req.set_employer_id(absl::StrFormat("%08d", 10000000 + i));
    req.mutable_employer()->set_display_name("PT Contoh (synthetic)");
    req.mutable_employer()->set_size_class(v1::EMPLOYER_SIZE_CLASS_SMALL);
    req.mutable_employer()->set_sector("C");
    req.mutable_employer()->set_region(villages[i]);
    ASSERT_TRUE(replicas[i % 2]->registry().CreateEmployer(req).ok());
    employers.push_back("employers/" + req.employer_id());
  }

  constexpr int kClients = 4;
  constexpr int kOperations = 500;  // per client
  Acknowledged ack;
  std::atomic<int> next_person{0};
  const absl::Time start = absl::Now();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    RegistryUnderTest* replica = replicas[c % 2].get();
    clients.emplace_back([&, c, replica] {
      RunClient(c, kOperations, replica->registry(), replica->address(), villages, employers,
                next_person, ack);
    });
  }
  for (std::thread& t : clients) t.join();
  const absl::Duration took = absl::Now() - start;

  absl::MutexLock lock(&ack.mu);
  EXPECT_TRUE(ack.unexpected.empty())
      << ack.unexpected.size() << " unexpected answers, the first: " << ack.unexpected.front();
  EXPECT_GT(ack.ok, kClients * kOperations / 2) << "refused " << ack.refused;
  EXPECT_GT(ack.refused, 20);  // invalid and overtaken writes were exercised too
  EXPECT_GT(ack.imported_persons, 50);
  EXPECT_GT(ack.imported_postings, 20);
  // A write may lose to the other replica's every time it is run again; rarely.
  EXPECT_LT(ack.gave_up, kClients * kOperations / 100);
  std::cout << "clients: " << ack.ok << " writes acknowledged, " << ack.refused << " refused, "
            << ack.gave_up << " given up by the store (ABORTED), " << ack.import_retries
            << " imports resumed after ABORTED, in " << took << "\n";

  RegistryStore& store = a.store();
  const std::vector<v1::Participant> participants =
      StoredAll<v1::Participant>(store, Kind::kParticipant);
  const std::vector<v1::Enrollment> enrollments =
      StoredAll<v1::Enrollment>(store, Kind::kEnrollment);
  const std::vector<v1::Contribution> contributions =
      StoredAll<v1::Contribution>(store, Kind::kContribution);

  // Participants: exactly those acknowledged.
  std::set<std::string> stored_participants;
  for (const v1::Participant& p : participants) stored_participants.insert(p.name());
  EXPECT_EQ(stored_participants,
            std::set<std::string>(ack.participants.begin(), ack.participants.end()));
  EXPECT_EQ(ack.participants.size(), participants.size()) << "a participant acknowledged twice";

  // Enrollments: those acknowledged plus one per imported person; ids 1..N, each once.
  EXPECT_EQ(enrollments.size(), ack.ledgers.size() + static_cast<size_t>(ack.imported_persons));
  std::map<std::string, const v1::Enrollment*> by_name;
  std::vector<int64_t> enrollment_ids;
  for (const v1::Enrollment& e : enrollments) {
    by_name[e.name()] = &e;
    enrollment_ids.push_back(IdOf(e.name()));
  }
  std::sort(enrollment_ids.begin(), enrollment_ids.end());
  for (size_t i = 0; i < enrollment_ids.size(); ++i) {
    ASSERT_EQ(enrollment_ids[i], static_cast<int64_t>(i) + 1)
        << "enrollment ids must be 1.." << enrollment_ids.size() << ", each once";
  }

  // Contributions: the direct ones acknowledged, the imported ones counted; ids 1..N, each once.
  EXPECT_EQ(
      contributions.size(),
      ack.contributions.size() + static_cast<size_t>(ack.imported_persons + ack.imported_postings));
  std::map<std::string, std::vector<const v1::Contribution*>> of_enrollment;
  std::vector<int64_t> contribution_ids;
  std::set<std::string> stored_contributions;
  for (const v1::Contribution& c : contributions) {
    of_enrollment[c.name().substr(0, c.name().find("/contributions/"))].push_back(&c);
    contribution_ids.push_back(IdOf(c.name()));
    stored_contributions.insert(c.name());
  }
  std::sort(contribution_ids.begin(), contribution_ids.end());
  for (size_t i = 0; i < contribution_ids.size(); ++i) {
    ASSERT_EQ(contribution_ids[i], static_cast<int64_t>(i) + 1)
        << "contribution ids must be 1.." << contribution_ids.size() << ", each once";
  }
  for (const auto& entry : ack.contributions) {
    EXPECT_EQ(stored_contributions.count(entry.first), 1u) << entry.first << " was lost";
  }

  // Every enrollment: paid through its latest acknowledged payment, terminated as acknowledged,
  // and each payment recorded against the paid-through date the one before it left (two replicas
  // reading the same enrollment and both writing would break the chain, or lose a payment).
  for (const auto& entry : ack.ledgers) {
    const std::string& name = entry.first;
    const Ledger& ledger = entry.second;
    ASSERT_EQ(by_name.count(name), 1u) << name << " was lost";
    const v1::Enrollment& e = *by_name[name];
    EXPECT_EQ(of_enrollment[name].size(), ledger.covers.size()) << name;
    if (ledger.covers.empty()) {
      EXPECT_FALSE(e.has_paid_through_date()) << name;
    } else {
      EXPECT_EQ(Day(e.paid_through_date()),
                *std::max_element(ledger.covers.begin(), ledger.covers.end()))
          << name << ": a payment's update was lost";
    }
    EXPECT_EQ(e.state() == v1::ENROLLMENT_STATE_TERMINATED, ledger.end.has_value()) << name;
    if (ledger.end.has_value()) {
      EXPECT_EQ(Day(e.end_date()), *ledger.end) << name;
    }
  }
  for (auto& entry : of_enrollment) {
    std::vector<const v1::Contribution*>& chain = entry.second;
    std::sort(chain.begin(), chain.end(), [](const v1::Contribution* x, const v1::Contribution* y) {
      return Day(x->covers_through()) < Day(y->covers_through());
    });
    for (size_t i = 0; i < chain.size(); ++i) {
      if (i == 0) {
        EXPECT_FALSE(chain[i]->has_previous_paid_through()) << chain[i]->name();
      } else {
        ASSERT_TRUE(chain[i]->has_previous_paid_through()) << chain[i]->name();
        EXPECT_EQ(Day(chain[i]->previous_paid_through()), Day(chain[i - 1]->covers_through()))
            << chain[i]->name() << " was computed from a stale enrollment";
      }
    }
  }

  // The counts, as each replica answers them, equal a recount of what is stored.
  const std::vector<std::string> regions = CountedRegions(villages);
  for (auto& replica : replicas) {
    const size_t busiest =
        ExpectAggregatesEqualRecount(replica->registry(), enrollments, regions, CountedDays());
    EXPECT_GT(busiest, 50u) << "the comparison must be of real counts";
  }
}

// Replicas of a new installation start together on an empty database: each applies what is
// missing of the schema under the advisory lock, loads the catalogue and binds the NIK key, and
// all start. (With the lock taken inside a SERIALIZABLE transaction, whose snapshot predates the
// lock, a replica that had waited re-ran migration 0 and failed to start with INTERNAL "relation
// "resources" already exists (SQLSTATE 42P07)".)
TEST_F(RegistryPostgresTest, ReplicasStartingTogetherOnAnEmptyDatabaseAllStart) {
  constexpr int kReplicas = 3;
  std::unique_ptr<RegistryUnderTest> replicas[kReplicas];
  std::vector<std::thread> starting;
  for (int i = 1; i < kReplicas; ++i) {
    starting.emplace_back([&, i] { replicas[i] = StartReplica(); });
  }
  replicas[0] = StartReplica();
  for (std::thread& t : starting) t.join();
  for (int i = 0; i < kReplicas; ++i) ASSERT_NE(replicas[i], nullptr) << "replica " << i;
  v1::ListRegionsRequest provinces;
  provinces.set_parent("");
  provinces.set_page_size(100);
  for (int i = 0; i < kReplicas; ++i) {
    absl::StatusOr<v1::ListRegionsResponse> listed = replicas[i]->registry().ListRegions(provinces);
    ASSERT_TRUE(listed.ok()) << listed.status();
    EXPECT_EQ(listed->regions_size(), 38) << "replica " << i;
  }
}

// Two replicas asked at the same moment to register one NIK under two KPJs, or one KPJ with two
// NIKs: exactly one of each pair succeeds and the other is told ALREADY_EXISTS.
TEST_F(RegistryPostgresTest, ReplicasNeverRegisterOneNikOrOneKpjTwice) {
  std::unique_ptr<RegistryUnderTest> a = StartReplica();
  std::unique_ptr<RegistryUnderTest> b = StartReplica();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<std::string> villages = CreateVillages(a->registry());

  constexpr int kPairs = 60;
  absl::Status results[2][kPairs];
  std::barrier together(2);
  auto run = [&](int side, Registry& registry) {
    for (int i = 0; i < kPairs; ++i) {
      // Even pairs: one NIK (person i), two KPJs. Odd pairs: one KPJ, two NIKs.
      const bool same_nik = i % 2 == 0;
      const int n = same_nik ? i : 1000 * (side + 1) + i;
      const int64_t kpj = kKpjBase + (same_nik ? 100 * (side + 1) + i : i);
      const v1::Participant p = Person(kpj, n, villages[0]);
      together.arrive_and_wait();
      results[side][i] = registry.CreateParticipant(CreateParticipantOf(p), false).status();
    }
  };
  std::thread other([&] { run(1, b->registry()); });
  run(0, a->registry());
  other.join();

  for (int i = 0; i < kPairs; ++i) {
    const int succeeded = results[0][i].ok() + results[1][i].ok();
    EXPECT_EQ(succeeded, 1) << "pair " << i << ": " << results[0][i] << " / " << results[1][i];
    for (const absl::Status& s : {results[0][i], results[1][i]}) {
      if (!s.ok()) {
        EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << "pair " << i << ": " << s;
      }
    }
  }
  EXPECT_EQ(StoredAll<v1::Participant>(a->registry().store(), Kind::kParticipant).size(),
            static_cast<size_t>(kPairs));
  // The NIK index names the winner of each NIK pair.
  for (int i = 0; i < kPairs; i += 2) {
    const int winner = results[0][i].ok() ? 0 : 1;
    v1::FindParticipantByNikRequest find;
    find.set_nik(Person(0, i, villages[0]).nik());
    absl::StatusOr<v1::Participant> found = b->registry().FindParticipantByNik(find);
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_EQ(found->name(),
              absl::StrFormat("participants/%011d", kKpjBase + 100 * (winner + 1) + i));
  }
}

// One file imported through both replicas at once (two import ids, the same rows): each person is
// stored once, with one enrollment and one payment; between them the two imports accepted each row
// once and found it unchanged once.
TEST_F(RegistryPostgresTest, OneFileImportedThroughBothReplicasAtOnceStoresEachPersonOnce) {
  std::unique_ptr<RegistryUnderTest> a = StartReplica();
  std::unique_ptr<RegistryUnderTest> b = StartReplica();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<std::string> villages = CreateVillages(a->registry());

  constexpr int kRows = 600;
  std::vector<v1::ImportRow> rows;
  for (int n = 0; n < kRows; ++n) {
    const absl::CivilDay start = absl::CivilDay(2024, 1, 1) + n % 300;
    rows.push_back(PersonRow(n + 1, Person(kKpjBase + n, n, villages[n % villages.size()]),
                             Bpu(villages[(n / 7) % villages.size()], start),
                             Paid(16800, start, start + 90)));
  }
  const std::vector<v1::ImportRecordsRequest> messages = Messages(rows, 50);
  ImportOutcome outcomes[2];
  std::thread other(
      [&] { outcomes[1] = Import(b->address(), Header("file-via-b", 25), messages); });
  outcomes[0] = Import(a->address(), Header("file-via-a", 25), messages);
  other.join();

  int64_t accepted = 0, unchanged = 0;
  for (const ImportOutcome& out : outcomes) {
    ASSERT_TRUE(out.status.ok()) << out.status;
    EXPECT_EQ(out.response.rows_received(), kRows);
    EXPECT_EQ(out.response.rows_rejected(), 0) << out.response.rejected_rows(0).ShortDebugString();
    accepted += out.response.rows_accepted();
    unchanged += out.response.rows_unchanged();
  }
  EXPECT_EQ(accepted, kRows);
  EXPECT_EQ(unchanged, kRows);

  RegistryStore& store = a->registry().store();
  EXPECT_EQ(StoredAll<v1::Participant>(store, Kind::kParticipant).size(), size_t{kRows});
  const std::vector<v1::Enrollment> enrollments =
      StoredAll<v1::Enrollment>(store, Kind::kEnrollment);
  EXPECT_EQ(enrollments.size(), size_t{kRows}) << "an enrollment was created by both imports";
  EXPECT_EQ(StoredAll<v1::Contribution>(store, Kind::kContribution).size(), size_t{kRows});
  ExpectAggregatesEqualRecount(a->registry(), enrollments, CountedRegions(villages), CountedDays());
}

// An import on one replica while the other takes single writes of the same province: both go
// through. Every write of a province updates the same few rows (its cache generation, the id
// counters, the province's delta rows), so under SERIALIZABLE alone each import batch, a long
// transaction, conflicted with every single write the other replica committed meanwhile and lost
// all its attempts (ABORTED, SQLSTATE 40001); writes of all replicas now wait for each other
// (ConnectionPool's writer lock).
TEST_F(RegistryPostgresTest, AnImportOnOneReplicaCompletesWhileTheOtherTakesSingleWrites) {
  std::unique_ptr<RegistryUnderTest> a = StartReplica();
  std::unique_ptr<RegistryUnderTest> b = StartReplica();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<std::string> villages = CreateVillages(a->registry());
  constexpr int kRows = 1000;
  std::vector<v1::ImportRow> rows;
  for (int n = 0; n < kRows; ++n) {
    const absl::CivilDay start = absl::CivilDay(2024, 1, 1) + n % 300;
    rows.push_back(PersonRow(n + 1, Person(kKpjBase + n, n, villages[n % villages.size()]),
                             Bpu(villages[n % villages.size()], start),
                             Paid(16800, start, start + 90)));
  }
  std::atomic<bool> importing{true};
  std::vector<absl::Status> failed;
  int written = 0;
  std::thread writer([&] {
    for (int n = kRows; importing; ++n) {
      const v1::Participant p = Person(kKpjBase + n, n, villages[n % villages.size()]);
      absl::Status s = b->registry().CreateParticipant(CreateParticipantOf(p), false).status();
      if (s.ok()) {
        ++written;
      } else {
        failed.push_back(s);
      }
    }
  });
  ImportOutcome out = Import(a->address(), Header("while-writing", 250), Messages(rows, 250));
  importing = false;
  writer.join();
  EXPECT_TRUE(out.status.ok()) << out.status;
  EXPECT_EQ(out.response.rows_accepted(), kRows);
  EXPECT_TRUE(failed.empty()) << failed.size()
                              << " single writes failed, the first: " << failed.front();
  EXPECT_GT(written, 0) << "the other replica wrote nothing while the import ran";
}

// One import id runs one stream at a time across replicas (RegistryStore::ClaimImport): while a
// stream of an id is applying batches through replica A, the same id through replica B is refused
// with ABORTED IMPORT_RUNNING; once A's stream completes, B replays A's answer. A stream that is
// cancelled frees its id for the other replica.
TEST_F(RegistryPostgresTest, AnImportIdRunsOnOneReplicaAtATime) {
  std::unique_ptr<RegistryUnderTest> a = StartReplica();
  std::unique_ptr<RegistryUnderTest> b = StartReplica();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<std::string> villages = CreateVillages(a->registry());
  constexpr int kRows = 400;
  auto participants = [&] {
    return StoredAll<v1::Participant>(b->registry().store(), Kind::kParticipant).size();
  };

  for (const bool cancel : {false, true}) {
    const v1::ImportRecordsRequest header = Header(cancel ? "cancelled" : "shared", 50);
    std::vector<v1::ImportRow> rows;
    for (int n = cancel ? kRows : 0; n < (cancel ? 2 * kRows : kRows); ++n) {
      const absl::CivilDay start = absl::CivilDay(2024, 1, 1) + n % 300;
      rows.push_back(PersonRow(n % kRows + 1, Person(kKpjBase + n, n, villages[n % 6]),
                               Bpu(villages[n % 6], start), Paid(16800, start, start + 90)));
    }
    const std::vector<v1::ImportRecordsRequest> messages = Messages(rows, 50);
    // Stream A: the header and two messages, then wait until its first batch is stored, so it
    // holds the id.
    std::unique_ptr<v1::RegistryService::Stub> stub = v1::RegistryService::NewStub(
        grpc::CreateChannel(a->address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::ImportRecordsResponse response;
    std::unique_ptr<grpc::ClientWriter<v1::ImportRecordsRequest>> writer =
        stub->ImportRecords(&ctx, &response);
    const size_t before = participants();
    ASSERT_TRUE(writer->Write(header));
    ASSERT_TRUE(writer->Write(messages[0]));
    ASSERT_TRUE(writer->Write(messages[1]));
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (participants() == before && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_GT(participants(), before) << "stream A applied nothing";

    ImportOutcome refused = Import(b->address(), header, messages);
    EXPECT_EQ(refused.status.code(), absl::StatusCode::kAborted) << refused.status;
    std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(refused.status);
    ASSERT_TRUE(info.has_value()) << refused.status;
    EXPECT_EQ(info->reason(), "IMPORT_RUNNING") << refused.status;

    if (!cancel) {
      // A completes; B then replays A's answer.
      v1::ImportRecordsRequest end;
      end.mutable_end()->set_rows_sent(kRows);
      for (size_t i = 2; i < messages.size(); ++i) ASSERT_TRUE(writer->Write(messages[i]));
      ASSERT_TRUE(writer->Write(end));
      writer->WritesDone();
      grpc::Status done = writer->Finish();
      ASSERT_TRUE(done.ok()) << done.error_message();
      EXPECT_EQ(response.rows_accepted(), kRows);
      ImportOutcome replayed = Import(b->address(), header, messages);
      ASSERT_TRUE(replayed.status.ok()) << replayed.status;
      EXPECT_TRUE(replayed.response.replayed());
      EXPECT_EQ(replayed.response.rows_accepted(), kRows) << "B must replay A's answer";
      continue;
    }
    // A is cancelled; its id is freed once A's registry has seen the cancellation, and B then
    // runs the import.
    ctx.TryCancel();
    writer->Finish().error_code();
    ImportOutcome resumed;
    const absl::Time freed_by = absl::Now() + absl::Seconds(10);
    do {
      resumed = Import(b->address(), header, messages);
    } while (resumed.status.code() == absl::StatusCode::kAborted && absl::Now() < freed_by);
    ASSERT_TRUE(resumed.status.ok()) << resumed.status;
    EXPECT_FALSE(resumed.response.replayed());
    EXPECT_EQ(resumed.response.rows_received(), kRows);
    EXPECT_EQ(resumed.response.rows_rejected(), 0);
  }
}

// ===== 2. Cache generations from every replica ==================================================

// Coverage caches an answer in Redis under the province's generation, which the replica that took a
// write bumps. Whichever replica takes the write, the next answer is computed afresh and counts it.
TEST_F(RegistryPostgresTest, AWriteThroughEitherReplicaMovesCoverageOffItsCachedAnswer) {
  absl::StatusOr<std::unique_ptr<test_support::RedisServer>> redis =
      test_support::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  std::unique_ptr<RegistryUnderTest> replicas[2] = {StartReplica((*redis)->address()),
                                                    StartReplica((*redis)->address())};
  ASSERT_NE(replicas[0], nullptr);
  ASSERT_NE(replicas[1], nullptr);
  CreateVillages(replicas[0]->registry());
  test_support::CoverageUnderTest::Options options;  // the Redis tier only: exact after a write
  options.today = [] { return absl::CivilDay(2026, 11, 26); };
  // Coverage reads from replica A; half the writes go through replica B.
  absl::StatusOr<std::unique_ptr<test_support::CoverageUnderTest>> coverage =
      test_support::CoverageUnderTest::Start(replicas[0]->address(), (*redis)->address(),
                                             std::move(options));
  ASSERT_TRUE(coverage.ok()) << coverage.status();
  std::unique_ptr<coverage::v1::CoverageService::Stub> stub =
      coverage::v1::CoverageService::NewStub(
          grpc::CreateChannel((*coverage)->address(), grpc::InsecureChannelCredentials()));

  auto get = [&](const std::string& region, bool* from_cache) -> int64_t {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.AddMetadata("paritrana-report-cache", "true");
    coverage::v1::GetCoverageRequest req;
    req.set_region(region);
    *req.mutable_date() = Date(absl::CivilDay(2025, 6, 30));
    coverage::v1::RegionCoverage out;
    grpc::Status s = stub->GetCoverage(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    auto it = ctx.GetServerInitialMetadata().find("paritrana-computed-from-cache");
    *from_cache = it != ctx.GetServerInitialMetadata().end() && it->second == "true";
    return out.active_persons();
  };
  auto generation = [&]() -> int64_t {
    absl::StatusOr<std::string> g = (*redis)->Command({"GET", RedisClient::GenerationKey("15")});
    int64_t value = 0;
    return g.ok() && absl::SimpleAtoi(*g, &value) ? value : 0;
  };

  for (int i = 0; i < 6; ++i) {
    RegistryUnderTest& writer = *replicas[i % 2];
    bool from_cache = true;
    for (const char* region : {"regions/15", "regions/15.08"}) {
      EXPECT_EQ(get(region, &from_cache), i) << region << " before write " << i;
      EXPECT_EQ(get(region, &from_cache), i) << region;
      EXPECT_TRUE(from_cache) << region << ": the second answer must come from the cache";
    }
    const int64_t before = generation();
    RegistryUnderTest::Worker w;
    w.n = i;
    w.region = "regions/15.08.01.2001";
    w.start = Date(absl::CivilDay(2025, 1, 1));
    w.covers_through = Date(absl::CivilDay(2025, 12, 31));
    writer.Enroll(w);  // three writes: participant, enrollment, contribution
    // A healthy Redis has the bump before the write is answered; on a loaded machine it may miss
    // the client's 50 ms timeout and go through on a retry (generation_bumper.h), so wait for it.
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (generation() <= before && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
    ASSERT_GT(generation(), before) << "replica " << i % 2 << " did not bump the generation";
    for (const char* region : {"regions/15", "regions/15.08"}) {
      EXPECT_EQ(get(region, &from_cache), i + 1)
          << region << ": a stale answer after a write through replica " << i % 2;
      EXPECT_FALSE(from_cache) << region;
    }
  }
}

// ===== 3. PostgreSQL stopped or crashed during an import ========================================

// 30 batches of 100 rows; in each batch rows 0-8, 10-18, ... are new persons (the fast path) and
// rows 9, 19, ... a second enrollment of the person before them (a savepoint each), every row with
// a payment: a committed batch holds 90 participants, 100 enrollments and 100 contributions.
constexpr int kBatches = 30;
constexpr int kBatchRows = 100;
constexpr int64_t kRestartKpjBase = 25000000000;

std::vector<v1::ImportRow> RestartDrillRows(const std::string& village) {
  std::vector<v1::ImportRow> rows;
  for (int r = 0; r < kBatches * kBatchRows; ++r) {
    const int person = r % 10 == 9 ? r - 1 : r;
    const absl::CivilDay start = absl::CivilDay(2024, 1, 1) + person % 300 + (r == person ? 0 : 40);
    rows.push_back(PersonRow(r + 1, Person(kRestartKpjBase + person, person, village),
                             Bpu(village, start), Paid(16800, start, start + 60 + r % 200)));
  }
  return rows;
}

// Rows of `table` per batch of the drill (by KPJ), through a connection of the test's own.
std::map<int64_t, int64_t> RowsPerBatch(postgres::Connection& conn, const std::string& table) {
  std::map<int64_t, int64_t> out;
  absl::StatusOr<postgres::Result> r =
      conn.Query(absl::StrCat("SELECT (kpj - ", kRestartKpjBase, ") / ", kBatchRows,
                              ", count(*) FROM ", table, " GROUP BY 1"));
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return out;
  for (int i = 0; i < r->rows(); ++i) out[r->Int(i, 0)] = r->Int(i, 1);
  return out;
}

class ImportDuringRestartTest : public RegistryPostgresTest,
                                public testing::WithParamInterface<bool> {};

// Issue 16, faults: the server goes away in the middle of an ImportRecords stream of many batches
// (a fast shutdown, or an immediate one that leaves crash recovery to the next start) and comes
// back. The call fails with UNAVAILABLE or ABORTED, never INTERNAL and never quoting SQL; every
// batch it acknowledged (batches_committed) is stored whole and no batch is stored in part; the
// same import id then completes, and the result is exactly that of a clean import.
TEST_P(ImportDuringRestartTest, AcknowledgedBatchesSurviveAndTheImportResumes) {
  const bool crash = GetParam();
  ASSERT_TRUE(postgres_->CreateDatabase("clean").ok());
  std::unique_ptr<RegistryUnderTest> registry = StartReplica();
  ASSERT_NE(registry, nullptr);
  const std::vector<std::string> villages = CreateVillages(registry->registry());
  const std::vector<v1::ImportRow> rows = RestartDrillRows(villages[0]);
  const std::vector<v1::ImportRecordsRequest> messages = Messages(rows, kBatchRows / 2);
  const v1::ImportRecordsRequest header = Header("restart-drill", kBatchRows);

  absl::StatusOr<std::unique_ptr<postgres::Connection>> watcher =
      postgres::Connection::Open(postgres_->ConnInfo("registry"));
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  ImportOutcome cut;
  std::thread client([&] { cut = Import(registry->address(), header, messages); });
  // Stop the server once a few batches are in, while the import is still going.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  int64_t seen = 0;
  while (seen < 4 * (kBatchRows - kBatchRows / 10) && absl::Now() < deadline) {
    absl::StatusOr<postgres::Result> n = (*watcher)->Query("SELECT count(*) FROM participants");
    if (!n.ok()) {
      ADD_FAILURE() << n.status();
      break;
    }
    seen = n->Int(0, 0);
    absl::SleepFor(absl::Milliseconds(2));
  }
  watcher->reset();
  ASSERT_TRUE(crash ? postgres_->Crash().ok() : postgres_->Stop().ok());
  client.join();
  ASSERT_TRUE(postgres_->Restart().ok());

  // The answer.
  ASSERT_FALSE(cut.status.ok()) << "the import finished before the server went away; "
                                << cut.response.batches_committed() << " batches";
  EXPECT_TRUE(cut.status.code() == absl::StatusCode::kUnavailable ||
              cut.status.code() == absl::StatusCode::kAborted)
      << cut.status;
  EXPECT_FALSE(QuotesSql(cut.status.message())) << cut.status;
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(cut.status);
  ASSERT_TRUE(info.has_value()) << cut.status;
  ASSERT_EQ(info->metadata().count("batches_committed"), 1u) << cut.status;
  int64_t acknowledged = -1;
  ASSERT_TRUE(absl::SimpleAtoi(info->metadata().at("batches_committed"), &acknowledged));
  // The watcher saw 4 batches; the last may have committed without the registry hearing so.
  EXPECT_GE(acknowledged, 3);
  EXPECT_LT(acknowledged, kBatches);
  std::cout << (crash ? "crash" : "fast shutdown") << " after " << acknowledged
            << " batches acknowledged: " << cut.status << "\n";

  // What is stored: whole batches, at least every acknowledged one, and nothing of the others (a
  // batch whose commit the server made durable but could not acknowledge may be there too).
  int64_t stored = 0;
  {
    absl::StatusOr<std::unique_ptr<postgres::Connection>> conn =
        postgres::Connection::Open(postgres_->ConnInfo("registry"));
    ASSERT_TRUE(conn.ok()) << conn.status();
    const std::map<int64_t, int64_t> participants = RowsPerBatch(**conn, "participants");
    const std::map<int64_t, int64_t> enrollments = RowsPerBatch(**conn, "enrollments");
    const std::map<int64_t, int64_t> contributions = RowsPerBatch(**conn, "contributions");
    stored = static_cast<int64_t>(participants.size());
    EXPECT_TRUE(stored == acknowledged || stored == acknowledged + 1)
        << stored << " batches stored, " << acknowledged << " acknowledged";
    for (int64_t b = 0; b < stored; ++b) {
      EXPECT_EQ(participants.count(b) ? participants.at(b) : 0, kBatchRows - kBatchRows / 10)
          << "batch " << b;
      EXPECT_EQ(enrollments.count(b) ? enrollments.at(b) : 0, kBatchRows) << "batch " << b;
      EXPECT_EQ(contributions.count(b) ? contributions.at(b) : 0, kBatchRows) << "batch " << b;
    }
    EXPECT_EQ(enrollments.size(), participants.size()) << "a batch is stored in part";
    EXPECT_EQ(contributions.size(), participants.size()) << "a batch is stored in part";
    if (!participants.empty()) {
      EXPECT_EQ(participants.rbegin()->first, stored - 1);
    }
  }

  // The same import id again, through the same registry (its connections died with the server).
  ImportOutcome resumed = Import(registry->address(), header, messages);
  ASSERT_TRUE(resumed.status.ok()) << resumed.status;
  EXPECT_FALSE(resumed.response.replayed());
  EXPECT_EQ(resumed.response.rows_received(), kBatches * kBatchRows);
  EXPECT_EQ(resumed.response.rows_rejected(), 0);
  EXPECT_EQ(resumed.response.batches_committed(), kBatches);
  // The stored batches' rows are found unchanged, the others accepted.
  EXPECT_EQ(resumed.response.rows_unchanged(), stored * kBatchRows);
  EXPECT_EQ(resumed.response.rows_accepted(), (kBatches - stored) * kBatchRows);
  ImportOutcome replayed = Import(registry->address(), header, messages);
  ASSERT_TRUE(replayed.status.ok()) << replayed.status;
  EXPECT_TRUE(replayed.response.replayed());

  // A clean import of the same rows into a database of its own gives the same records and counts.
  std::unique_ptr<RegistryUnderTest> clean = StartReplica("", "clean");
  ASSERT_NE(clean, nullptr);
  CreateVillages(clean->registry());
  ImportOutcome once = Import(clean->address(), header, messages);
  ASSERT_TRUE(once.status.ok()) << once.status;
  EXPECT_EQ(once.response.rows_accepted(), kBatches * kBatchRows);
  ExpectSameRecords(Records(registry->registry().store()), Records(clean->registry().store()));
  const std::vector<std::string> regions = CountedRegions(villages);
  const std::vector<absl::CivilDay> days = CountedDays();
  EXPECT_EQ(Aggregates(registry->registry(), regions, days),
            Aggregates(clean->registry(), regions, days));
}

INSTANTIATE_TEST_SUITE_P(Postgres, ImportDuringRestartTest, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& info) {
                           return info.param ? "Crash" : "FastShutdown";
                         });

// ===== 5. Backup and restore =====================================================================

// The restore drill of docs/scale-out.md: a registry on PostgreSQL is filled, dumped online in the
// custom format and restored into a new database; a registry opened there with the same NIK key
// answers as the original did (counts, a participant with the NIK unsealed, a search by NIK, the
// aggregates) and takes new writes with ids after the restored ones. The commands, as the test runs
// them (as the server's user, over its Unix socket in DIR; DUMP is DIR/registry.dump):
//
//   pg_dump --host=DIR --username=paritrana --format=custom --file=DUMP registry
//   createdb --host=DIR --username=paritrana restored
//   pg_restore --host=DIR --username=paritrana --no-owner --exit-on-error --dbname=restored DUMP
TEST_F(RegistryPostgresTest, ADumpRestoredIntoANewDatabaseAnswersAlikeAndTakesNewWrites) {
  std::unique_ptr<RegistryUnderTest> original = StartReplica();
  ASSERT_NE(original, nullptr);
  Registry& registry = original->registry();
  const std::vector<std::string> villages = CreateVillages(registry);
  std::vector<v1::ImportRow> rows;
  for (int n = 0; n < 300; ++n) {
    const absl::CivilDay start = absl::CivilDay(2024, 1, 1) + n % 200;
    rows.push_back(PersonRow(n + 1, Person(kKpjBase + n, n, villages[n % villages.size()]),
                             Bpu(villages[n % villages.size()], start),
                             Paid(16800, start, start + 100 + n % 300)));
  }
  ImportOutcome imported =
      Import(original->address(), Header("before-backup", 100), Messages(rows, 100));
  ASSERT_TRUE(imported.status.ok()) << imported.status;
  ASSERT_EQ(imported.response.rows_accepted(), 300);
  v1::TerminateEnrollmentRequest terminate;
  const std::vector<v1::Enrollment> before =
      StoredAll<v1::Enrollment>(registry.store(), Kind::kEnrollment);
  ASSERT_EQ(before.size(), 300u);
  for (size_t i = 0; i < before.size(); i += 10) {
    terminate.set_name(before[i].name());
    *terminate.mutable_end_date() = Date(Day(before[i].start_date()) + 30);
    ASSERT_TRUE(registry.TerminateEnrollment(terminate).ok());
  }
  const std::map<std::string, std::string> records = Records(registry.store());
  const std::vector<std::string> regions = CountedRegions(villages);
  const std::vector<absl::CivilDay> days = CountedDays();
  const std::string aggregates = Aggregates(registry, regions, days);
  v1::GetParticipantRequest get;
  get.set_name(absl::StrFormat("participants/%011d", kKpjBase + 42));
  absl::StatusOr<v1::Participant> person = registry.GetParticipant(get, /*pii=*/true);
  ASSERT_TRUE(person.ok()) << person.status();
  ASSERT_FALSE(person->nik().empty());

  // The dump is taken online, with the registry still serving.
  const std::string dir = postgres_->socket_dir();
  const std::string dump = dir + "/registry.dump";
  absl::StatusOr<std::string> dumped =
      postgres_->RunTool({"pg_dump", "--host=" + dir, "--username=paritrana", "--format=custom",
                          "--file=" + dump, "registry"});
  ASSERT_TRUE(dumped.ok()) << dumped.status();
  absl::StatusOr<std::string> created =
      postgres_->RunTool({"createdb", "--host=" + dir, "--username=paritrana", "restored"});
  ASSERT_TRUE(created.ok()) << created.status();
  absl::StatusOr<std::string> restored =
      postgres_->RunTool({"pg_restore", "--host=" + dir, "--username=paritrana", "--no-owner",
                          "--exit-on-error", "--dbname=restored", dump});
  ASSERT_TRUE(restored.ok()) << restored.status();

  std::unique_ptr<RegistryUnderTest> copy = StartReplica("", "restored");
  ASSERT_NE(copy, nullptr) << "the restored database must open with the original NIK key";
  Registry& again = copy->registry();
  ExpectSameRecords(Records(again.store()), records);
  EXPECT_EQ(Aggregates(again, regions, days), aggregates);
  absl::StatusOr<v1::Participant> person_again = again.GetParticipant(get, /*pii=*/true);
  ASSERT_TRUE(person_again.ok()) << person_again.status();
  EXPECT_EQ(person_again->ShortDebugString(), person->ShortDebugString());
  v1::FindParticipantByNikRequest find;
  find.set_nik(person->nik());
  absl::StatusOr<v1::Participant> found = again.FindParticipantByNik(find);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name(), person->name());

  // New writes: the NIK index still refuses a NIK it holds, and ids continue after the restored.
  v1::Participant twin = Person(kKpjBase + 5000, 42, villages[0]);
  EXPECT_EQ(again.CreateParticipant(CreateParticipantOf(twin), false).status().code(),
            absl::StatusCode::kAlreadyExists);
  const v1::Participant fresh = Person(kKpjBase + 5001, 5001, villages[0]);
  ASSERT_TRUE(again.CreateParticipant(CreateParticipantOf(fresh), false).ok());
  v1::CreateEnrollmentRequest enroll;
  enroll.set_parent(fresh.name());
  *enroll.mutable_enrollment() = Bpu(villages[0], absl::CivilDay(2025, 1, 1));
  absl::StatusOr<v1::Enrollment> enrollment = again.CreateEnrollment(enroll);
  ASSERT_TRUE(enrollment.ok()) << enrollment.status();
  EXPECT_EQ(IdOf(enrollment->name()), 301) << enrollment->name();
  v1::CreateContributionRequest pay;
  pay.set_parent(enrollment->name());
  *pay.mutable_contribution() =
      Paid(16800, absl::CivilDay(2025, 1, 1), absl::CivilDay(2025, 12, 31));
  absl::StatusOr<v1::Contribution> payment = again.CreateContribution(pay);
  ASSERT_TRUE(payment.ok()) << payment.status();
  EXPECT_EQ(IdOf(payment->name()), 301) << payment->name();
  // ... and the counts move with them.
  EXPECT_NE(Aggregates(again, regions, days), aggregates);
}

}  // namespace
}  // namespace paritrana::registry
