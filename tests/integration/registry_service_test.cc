// The registry service end to end, in process: a real SQLite store in a temporary directory, a
// real NIK key file, a real redis-server receiving the generation bumps, the real Authorizer with
// bearer tokens, and the gRPC service on 127.0.0.1:0 called through the generated stub. Every
// expectation comes from the contract in protos/paritrana/registry/v1/*.proto.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "api/pagination.h"
#include "gmock/gmock.h"
#include "google/type/date.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"
#include "platform/server.h"
#include "redis/redis_client.h"
#include "region/validation.h"
#include "security/auth.h"
#include "security/nik_vault.h"
#include "services/registry/registry.h"
#include "services/registry/registry_service.h"
#include "services/registry/store/open_store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/redis_server.h"
#include "tests/support/temp_dir.h"

namespace paritrana::registry {
namespace {

using test_support::RedisServer;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::Not;
using testing::Optional;
using testing::UnorderedElementsAre;
using Stub = v1::RegistryService::Stub;

constexpr char kRegistrarToken[] = "registrar-token-0123456789abcdef";
constexpr char kAnalystToken[] = "analyst-token-0123456789abcdef";
constexpr char kAdminToken[] = "admin-token-0123456789abcdef";
constexpr char kPiiReaderToken[] = "pii-reader-token-0123456789abcdef";
// Registrar and PII reader: the only combination that may erase personal data.
constexpr char kEraserToken[] = "eraser-token-0123456789abcdef";
constexpr absl::string_view kDomain = kErrorDomain;

constexpr char kVillage[] = "regions/15.08.01.2001";

// The data subject's name (ExportPersonalData, ErasePersonalData).
constexpr char kSecretName[] = "Siti Rahmawati Zubaidah Kerinci";

google::type::Date Date(int year, int month, int day) {
  google::type::Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

// A valid Jambi NIK: issued in 15.08.01, birth date DDMMYY with 40 added to the day for women,
// then the serial.
std::string Nik(int day, int month, int year, bool female, int serial) {
  return absl::StrFormat("150801%02d%02d%02d%04d", day + (female ? 40 : 0), month, year % 100,
                         serial);
}

struct Person {
  std::string kpj;
  int day, month, year;
  bool female;
  int serial;
  std::string display_name;

  std::string nik() const { return Nik(day, month, year, female, serial); }
  std::string name() const { return absl::StrCat("participants/", kpj); }
  v1::Participant resource(const std::string& domicile = kVillage) const {
    v1::Participant p;
    p.set_nik(nik());
    p.set_display_name(display_name);
    p.set_sex(female ? v1::SEX_FEMALE : v1::SEX_MALE);
    *p.mutable_birth_date() = Date(year, month, day);
    p.set_domicile_region(domicile);
    return p;
  }
};

v1::Enrollment PuEnrollment(const std::string& employer, const std::string& region,
                            const google::type::Date& start) {
  v1::Enrollment e;
  e.set_segment(type::v1::SEGMENT_PU);
  e.set_employer(employer);
  for (auto p : {type::v1::PROGRAMME_JKK, type::v1::PROGRAMME_JKM, type::v1::PROGRAMME_JHT,
                 type::v1::PROGRAMME_JP}) {
    e.add_programmes(p);
  }
  e.set_region(region);
  *e.mutable_start_date() = start;
  e.set_funding_source(type::v1::FUNDING_SOURCE_EMPLOYER);
  return e;
}

v1::Enrollment BpuEnrollment(const std::string& region, const google::type::Date& start,
                             type::v1::FundingSource funding, const std::string& scheme,
                             bool with_jht) {
  v1::Enrollment e;
  e.set_segment(type::v1::SEGMENT_BPU);
  e.add_programmes(type::v1::PROGRAMME_JKK);
  e.add_programmes(type::v1::PROGRAMME_JKM);
  if (with_jht) e.add_programmes(type::v1::PROGRAMME_JHT);
  e.set_region(region);
  *e.mutable_start_date() = start;
  e.set_funding_source(funding);
  e.set_subsidy_scheme(scheme);
  return e;
}

v1::Contribution MakeContribution(int64_t amount, const google::type::Date& paid,
                                  const google::type::Date& covers) {
  v1::Contribution c;
  c.set_amount_rupiah(amount);
  *c.mutable_paid_date() = paid;
  *c.mutable_covers_through() = covers;
  return c;
}

// ----- Error inspection -----

std::vector<std::string> ViolationFields(const absl::Status& s) {
  std::vector<std::string> out;
  if (auto bad = GetBadRequest(s)) {
    for (const auto& v : bad->field_violations()) out.push_back(v.field());
  }
  return out;
}

std::string InfoField(const absl::Status& s) {
  auto info = GetErrorInfo(s);
  if (!info) return "<no ErrorInfo>";
  auto it = info->metadata().find("field");
  return it == info->metadata().end() ? "<no field>" : it->second;
}

std::string Reason(const absl::Status& s) {
  auto info = GetErrorInfo(s);
  return info ? info->reason() : "<no ErrorInfo>";
}

std::string Domain(const absl::Status& s) {
  auto info = GetErrorInfo(s);
  return info ? info->domain() : "<no ErrorInfo>";
}

// Everything a client receives about an error: the message and every detail's raw bytes.
std::string ErrorBytes(const absl::Status& s) {
  std::string all(s.message());
  s.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    absl::StrAppend(&all, "|", type_url, "|", std::string(payload));
  });
  return all;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ----- Import messages -----

v1::ImportRecordsRequest Header(const std::string& import_id, v1::ImportMode mode, int batch_size) {
  v1::ImportRecordsRequest m;
  m.mutable_header()->set_import_id(import_id);
  m.mutable_header()->set_mode(mode);
  m.mutable_header()->set_batch_size(batch_size);
  return m;
}

v1::ImportRecordsRequest Rows(const std::vector<v1::ImportRow>& rows) {
  v1::ImportRecordsRequest m;
  for (const auto& r : rows) *m.mutable_rows()->add_rows() = r;
  return m;
}

v1::ImportRow RegionRow(int64_t n, const std::string& name, const std::string& display_name) {
  v1::ImportRow row;
  row.set_row_number(n);
  row.mutable_region()->set_name(name);
  row.mutable_region()->set_display_name(display_name);
  row.mutable_region()->set_synthetic(true);
  return row;
}

v1::Employer MakeEmployer(const std::string& display_name, const std::string& region) {
  v1::Employer e;
  e.set_display_name(display_name);
  e.set_size_class(v1::EMPLOYER_SIZE_CLASS_SMALL);
  e.set_sector("G");
  e.set_region(region);
  e.set_worker_count_declared(12);
  return e;
}

v1::ImportRow EmployerRow(int64_t n, const std::string& npp, const std::string& region) {
  v1::ImportRow row;
  row.set_row_number(n);
  *row.mutable_employer() = MakeEmployer("Toko Impor Bungo", region);
  row.mutable_employer()->set_name(absl::StrCat("employers/", npp));
  return row;
}

v1::ImportRow PersonRow(int64_t n, const Person& person, const std::string& domicile,
                        const v1::Enrollment& enrollment,
                        const std::optional<v1::Contribution>& contribution) {
  v1::ImportRow row;
  row.set_row_number(n);
  auto* pe = row.mutable_participant_enrollment();
  *pe->mutable_participant() = person.resource(domicile);
  pe->mutable_participant()->set_name(person.name());
  *pe->mutable_enrollment() = enrollment;
  if (contribution) *pe->mutable_contribution() = *contribution;
  return row;
}

// ----- The fixture: a real registry server -----

// Run on each store backend: "sqlite" (a file in the test's folder) or "postgres" (a database on
// the test process's own PostgreSQL server).
class RegistryServiceTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = temp_.path();

    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << "cannot start redis-server: " << redis.status();
    redis_ = *std::move(redis);
    RedisClient::Options redis_options;
    redis_options.address = redis_->address();
    redis_options.timeout = absl::Seconds(5);  // a loaded CI machine must not lose a bump
    auto client = RedisClient::Create(redis_options);
    ASSERT_TRUE(client.ok()) << client.status();
    redis_client_ = *std::move(client);

    std::string url = "sqlite:" + dir_ + "/registry.db";
    if (GetParam() == "postgres") {
      auto database = test_support::PostgresDatabaseFor(dir_);
      ASSERT_TRUE(database.ok()) << "cannot start PostgreSQL: " << database.status();
      url = "postgres:" + *database;
    }
    auto store = OpenRegistryStore(url);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto vault = NikVault::FromKeyFile(dir_ + "/nik.key", true);
    ASSERT_TRUE(vault.ok()) << vault.status();
    vault_.emplace(*vault);

    RedisClient* redis_client = redis_client_.get();
    registry_ = std::make_unique<Registry>(
        *store_, *vault_,
        [redis_client](const std::set<std::string>& provinces) {
          absl::Status s = redis_client->BumpGenerations({provinces.begin(), provinces.end()});
          EXPECT_TRUE(s.ok()) << "generation bump failed: " << s;
        },
        TodayInJakarta);
    ASSERT_TRUE(registry_->LoadCatalog().ok());

    auto auth = Authorizer::FromTokensText(
        absl::StrCat("# test tokens\n", "registrar ", kRegistrarToken, " bpjs-jambi\n", "analyst ",
                     kAnalystToken, "  # read only\n", "admin ", kAdminToken, " ops-admin\n",
                     "pii_reader ", kPiiReaderToken, " dpo\n", "registrar,pii_reader ",
                     kEraserToken, " dpo-erasure\n"),
        "test tokens");
    ASSERT_TRUE(auth.ok()) << auth.status();
    auth_ = *std::move(auth);
    service_ = std::make_unique<RegistryService>(*registry_, *auth_);

    ServerOptions options;
    options.service_name = "paritrana.registry.v1.RegistryService";
    options.listen = "127.0.0.1:0";
    options.drain_grace = absl::Milliseconds(10);
    options.shutdown_deadline = absl::Seconds(5);
    options.health_interval = absl::Hours(1);
    auto host = ServiceHost::Start(options, {service_.get()},
                                   {{"store", true, [this] { return store_->Ping(); }}});
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    stub_ = v1::RegistryService::NewStub(
        grpc::CreateChannel(host_->address(), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    stub_.reset();
    if (host_) host_->Drain();
    host_.reset();
    service_.reset();
    registry_.reset();
    store_.reset();
  }

  // One unary call with `token` (none when empty); the error decoded with its details.
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const std::string& token, const std::type_identity_t<Req>& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    Resp resp;
    grpc::Status s = (stub_.get()->*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

  struct ImportOutcome {
    absl::Status status;
    v1::ImportRecordsResponse response;
  };

  // Sends `messages`, then (with `end`) the ImportEnd that completes the import, then half-closes.
  ImportOutcome Import(const std::string& token,
                       const std::vector<v1::ImportRecordsRequest>& messages, bool end = true) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    ImportOutcome out;
    auto writer = stub_->ImportRecords(&ctx, &out.response);
    v1::ImportRecordsRequest last;
    for (const auto& m : messages) {
      last.mutable_end()->set_rows_sent(last.end().rows_sent() + m.rows().rows_size());
      if (!writer->Write(m)) break;  // the server answered early (e.g. a replay or an error)
    }
    if (end) writer->Write(last);
    writer->WritesDone();
    out.status = FromGrpcStatus(writer->Finish());
    return out;
  }

  // ----- Setup helpers (registrar); each fails the test on error -----

  v1::Region CreateRegion(const std::string& id, const std::string& display_name,
                          const std::string& bps_code = "") {
    v1::CreateRegionRequest req;
    req.set_region_id(id);
    req.mutable_region()->set_display_name(display_name);
    req.mutable_region()->set_bps_code(bps_code);
    auto r = Call(&Stub::CreateRegion, kRegistrarToken, req);
    EXPECT_TRUE(r.ok()) << "CreateRegion " << id << ": " << r.status();
    return r.value_or(v1::Region());
  }

  void CreateVillage() {
    CreateRegion("15.08.01", "Kecamatan Pelepat");
    CreateRegion("15.08.01.2001", "Desa Rantau Keloyang");
  }

  v1::Employer CreateEmployer(const std::string& npp, const std::string& region) {
    v1::CreateEmployerRequest req;
    req.set_employer_id(npp);
    *req.mutable_employer() = MakeEmployer("CV Karet Bungo", region);
    auto r = Call(&Stub::CreateEmployer, kRegistrarToken, req);
    EXPECT_TRUE(r.ok()) << "CreateEmployer " << npp << ": " << r.status();
    return r.value_or(v1::Employer());
  }

  v1::Participant CreateParticipant(const Person& person) {
    v1::CreateParticipantRequest req;
    req.set_participant_id(person.kpj);
    *req.mutable_participant() = person.resource();
    auto r = Call(&Stub::CreateParticipant, kRegistrarToken, req);
    EXPECT_TRUE(r.ok()) << "CreateParticipant " << person.kpj << ": " << r.status();
    return r.value_or(v1::Participant());
  }

  v1::Enrollment Enroll(const Person& person, const v1::Enrollment& enrollment) {
    v1::CreateEnrollmentRequest req;
    req.set_parent(person.name());
    *req.mutable_enrollment() = enrollment;
    auto r = Call(&Stub::CreateEnrollment, kRegistrarToken, req);
    EXPECT_TRUE(r.ok()) << "CreateEnrollment " << person.kpj << ": " << r.status();
    return r.value_or(v1::Enrollment());
  }

  absl::StatusOr<v1::Contribution> Contribute(const std::string& enrollment,
                                              const v1::Contribution& c) {
    v1::CreateContributionRequest req;
    req.set_parent(enrollment);
    *req.mutable_contribution() = c;
    return Call(&Stub::CreateContribution, kRegistrarToken, req);
  }

  absl::StatusOr<v1::QueryAggregatesResponse> Query(const std::vector<std::string>& regions,
                                                    const std::vector<google::type::Date>& dates,
                                                    bool include_children,
                                                    const std::string& token = kAnalystToken) {
    v1::QueryAggregatesRequest req;
    for (const auto& r : regions) req.add_regions(r);
    for (const auto& d : dates) *req.add_dates() = d;
    req.set_include_children(include_children);
    return Call(&Stub::QueryAggregates, token, req);
  }

  // Active persons of `region` on `date` in `resp`; -1 when it has no such entry.
  static int64_t Active(const v1::QueryAggregatesResponse& resp, const std::string& region,
                        const google::type::Date& date) {
    const v1::RegionAggregate* a = Find(resp, region, date);
    return a == nullptr ? -1 : a->active_persons();
  }

  static const v1::RegionAggregate* Find(const v1::QueryAggregatesResponse& resp,
                                         const std::string& region,
                                         const google::type::Date& date) {
    for (const auto& a : resp.aggregates()) {
      if (a.region() == region && a.date().year() == date.year() &&
          a.date().month() == date.month() && a.date().day() == date.day()) {
        return &a;
      }
    }
    return nullptr;
  }

  // The Redis value of a province's generation, as the cache sees it.
  std::optional<std::string> RedisGeneration(const std::string& province) {
    auto values = redis_client_->MGet({RedisClient::GenerationKey(province)});
    EXPECT_TRUE(values.ok()) << values.status();
    if (!values.ok() || values->size() != 1) return std::nullopt;
    return (*values)[0];
  }

  // ----- Data-subject rights -----

  // With the NIK key's fingerprint recorded, as the registry's start does: the village, then
  // subject_ with two enrollments (the first terminated) and three contributions, and neighbour_
  // with one enrollment and one contribution, whose data must stay out of the subject's export.
  void PopulateDataSubjects() {
    ASSERT_TRUE(registry_->CheckNikKey().ok());
    CreateVillage();
    const auto contribute = [&](const v1::Enrollment& e, const v1::Contribution& c) {
      auto r = Contribute(e.name(), c);
      EXPECT_TRUE(r.ok()) << "CreateContribution " << e.name() << ": " << r.status();
    };
    CreateParticipant(subject_);
    const v1::Enrollment first = Enroll(subject_, Bpu(Date(2023, 1, 1)));
    contribute(first, Paid(Date(2023, 1, 2), Date(2023, 3, 31)));
    contribute(first, Paid(Date(2023, 4, 2), Date(2023, 6, 30)));
    v1::TerminateEnrollmentRequest end;
    end.set_name(first.name());
    *end.mutable_end_date() = Date(2023, 7, 1);
    ASSERT_TRUE(Call(&Stub::TerminateEnrollment, kRegistrarToken, end).ok());
    const v1::Enrollment second = Enroll(subject_, Bpu(Date(2024, 1, 1)));
    contribute(second, Paid(Date(2024, 1, 2), Date(2024, 12, 31)));
    CreateParticipant(neighbour_);
    contribute(Enroll(neighbour_, Bpu(Date(2023, 6, 1))),
               Paid(Date(2023, 6, 1), Date(2024, 6, 30)));
  }

  // A BPU enrollment in the village, worker-funded, JKK and JKM.
  static v1::Enrollment Bpu(const google::type::Date& start) {
    return BpuEnrollment(kVillage, start, type::v1::FUNDING_SOURCE_WORKER, "", false);
  }

  static v1::Contribution Paid(const google::type::Date& paid, const google::type::Date& covers) {
    return MakeContribution(16800, paid, covers);
  }

  absl::StatusOr<v1::PersonalDataExport> Export(const std::string& token, const std::string& nik) {
    v1::ExportPersonalDataRequest req;
    req.set_nik(nik);
    return Call(&Stub::ExportPersonalData, token, req);
  }

  absl::StatusOr<v1::Participant> Erase(const std::string& token, const std::string& name) {
    v1::ErasePersonalDataRequest req;
    req.set_name(name);
    return Call(&Stub::ErasePersonalData, token, req);
  }

  // Every count of the province, the regency and the district (with their children) on days
  // before, during and after the subject's enrollments; read_time and generations left out.
  std::string Counts() {
    auto resp = Query({"regions/15", "regions/15.08", "regions/15.08.01", kVillage},
                      {Date(2022, 12, 31), Date(2023, 2, 1), Date(2023, 6, 30), Date(2023, 7, 1),
                       Date(2024, 3, 1), Date(2025, 1, 1)},
                      /*include_children=*/true);
    EXPECT_TRUE(resp.ok()) << resp.status();
    if (!resp.ok()) return "";
    resp->clear_read_time();
    resp->clear_province_generations();
    return resp->SerializeAsString();
  }

  // The database files of the SQLite backend, concatenated.
  std::string SqliteBytes() {
    std::string all;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      const std::filesystem::path path = dir_ + "/registry.db" + suffix;
      if (std::filesystem::exists(path)) all += ReadFile(path);
    }
    return all;
  }

  test_support::TempDir temp_{"registry_service"};  // first: removed after everything using it
  std::string dir_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisClient> redis_client_;
  std::unique_ptr<RegistryStore> store_;
  std::optional<NikVault> vault_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<Authorizer> auth_;
  std::unique_ptr<RegistryService> service_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<Stub> stub_;

  // A woman born 1991-03-12 whose name appears nowhere else in the database, so finding its bytes
  // means finding her; and her neighbour (the data-subject tests).
  const Person subject_{"24000000101", 12, 3, 1991, true, 7, kSecretName};
  const Person neighbour_{"24000000102", 12, 3, 1991, true, 8, "Ahmad Tetangga"};
};

// ===== 1. Regions =====

TEST_P(RegistryServiceTest, ListsThe38ProvincesInPagesOfTen) {
  std::vector<std::string> names;
  std::vector<size_t> page_sizes;
  std::string token;
  int pages = 0;
  do {
    v1::ListRegionsRequest req;
    req.set_page_size(10);
    req.set_page_token(token);
    auto page = Call(&Stub::ListRegions, kAnalystToken, req);
    ASSERT_TRUE(page.ok()) << page.status();
    page_sizes.push_back(page->regions_size());
    for (const auto& r : page->regions()) {
      names.push_back(r.name());
      EXPECT_EQ(r.level(), type::v1::REGION_LEVEL_PROVINCE) << r.name();
      EXPECT_EQ(r.parent(), "") << r.name();
      EXPECT_EQ(r.bps_code(), r.code()) << r.name();
    }
    token = page->next_page_token();
    ASSERT_LT(++pages, 10) << "the token chain does not end";
  } while (!token.empty());

  EXPECT_THAT(page_sizes, ElementsAre(10u, 10u, 10u, 8u));
  ASSERT_EQ(names.size(), 38u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 38u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(names.front(), "regions/11");
  EXPECT_EQ(names[4], "regions/15");
  EXPECT_EQ(names.back(), "regions/96");

  // A token stays valid with another page_size (the only field that may change).
  v1::ListRegionsRequest first;
  first.set_page_size(10);
  auto page1 = Call(&Stub::ListRegions, kAnalystToken, first);
  ASSERT_TRUE(page1.ok()) << page1.status();
  v1::ListRegionsRequest next;
  next.set_page_size(3);
  next.set_page_token(page1->next_page_token());
  auto page2 = Call(&Stub::ListRegions, kAnalystToken, next);
  ASSERT_TRUE(page2.ok()) << page2.status();
  ASSERT_EQ(page2->regions_size(), 3);
  EXPECT_EQ(page2->regions(0).name(), names[10]);
  EXPECT_EQ(page2->regions(2).name(), names[12]);
  EXPECT_FALSE(page2->next_page_token().empty());
}

TEST_P(RegistryServiceTest, ListsJambiRegenciesWithTheirBpsCodes) {
  v1::ListRegionsRequest req;
  req.set_parent("regions/15");
  auto resp = Call(&Stub::ListRegions, kAnalystToken, req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->next_page_token(), "");
  std::vector<std::string> names;
  std::map<std::string, std::string> bps;
  for (const auto& r : resp->regions()) {
    names.push_back(r.name());
    bps[r.name()] = r.bps_code();
    EXPECT_EQ(r.parent(), "regions/15");
    EXPECT_EQ(r.level(), type::v1::REGION_LEVEL_REGENCY);
    EXPECT_EQ(r.is_city(), r.code() >= "15.71") << r.name();
    EXPECT_FALSE(r.synthetic());
  }
  EXPECT_THAT(names, ElementsAre("regions/15.01", "regions/15.02", "regions/15.03", "regions/15.04",
                                 "regions/15.05", "regions/15.06", "regions/15.07", "regions/15.08",
                                 "regions/15.09", "regions/15.71", "regions/15.72"));
  EXPECT_EQ(bps["regions/15.08"], "1509");
  EXPECT_EQ(bps["regions/15.07"], "1506");
  EXPECT_EQ(bps["regions/15.06"], "1507");
  EXPECT_EQ(bps["regions/15.09"], "1508");
  EXPECT_EQ(bps["regions/15.71"], "1571");
  EXPECT_EQ(resp->regions(7).display_name(), "Kabupaten Bungo");
  EXPECT_EQ(resp->regions(9).display_name(), "Kota Jambi");

  v1::GetRegionRequest get;
  get.set_name("regions/15.08");
  auto bungo = Call(&Stub::GetRegion, kAnalystToken, get);
  ASSERT_TRUE(bungo.ok()) << bungo.status();
  EXPECT_EQ(bungo->bps_code(), "1509");
  EXPECT_EQ(bungo->code(), "15.08");

  v1::ListRegionsRequest missing;
  missing.set_parent("regions/15.08.99");
  EXPECT_EQ(Call(&Stub::ListRegions, kAnalystToken, missing).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RegistryServiceTest, CreatesADistrictThenAVillageUnderIt) {
  v1::CreateRegionRequest district;
  district.set_region_id("15.08.01");
  district.mutable_region()->set_display_name("  Kecamatan Pelepat  ");
  district.mutable_region()->set_bps_code("1509010");
  district.mutable_region()->set_name("regions/ignored");
  auto d = Call(&Stub::CreateRegion, kRegistrarToken, district);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->name(), "regions/15.08.01");
  EXPECT_EQ(d->code(), "15.08.01");
  EXPECT_EQ(d->level(), type::v1::REGION_LEVEL_DISTRICT);
  EXPECT_EQ(d->parent(), "regions/15.08");
  EXPECT_EQ(d->bps_code(), "1509010");
  EXPECT_FALSE(d->is_city());
  EXPECT_TRUE(d->has_create_time());
  EXPECT_EQ(d->create_time().seconds(), d->update_time().seconds());

  v1::CreateRegionRequest village;
  village.set_region_id("15.08.01.2001");
  village.mutable_region()->set_display_name("Desa Rantau Keloyang");
  village.mutable_region()->set_synthetic(true);
  auto v = Call(&Stub::CreateRegion, kRegistrarToken, village);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->name(), kVillage);
  EXPECT_EQ(v->level(), type::v1::REGION_LEVEL_VILLAGE);
  EXPECT_EQ(v->parent(), "regions/15.08.01");
  EXPECT_TRUE(v->synthetic());

  v1::ListRegionsRequest children;
  children.set_parent("regions/15.08.01");
  auto list = Call(&Stub::ListRegions, kAnalystToken, children);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->regions_size(), 1);
  EXPECT_EQ(list->regions(0).name(), kVillage);

  // The same code again.
  auto again = Call(&Stub::CreateRegion, kRegistrarToken, village);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists) << again.status();
}

TEST_P(RegistryServiceTest, RefusesProvincesRegenciesAndOrphanVillages) {
  for (const char* id : {"15", "15.10"}) {
    SCOPED_TRACE(id);
    v1::CreateRegionRequest req;
    req.set_region_id(id);
    req.mutable_region()->set_display_name("Provinsi Baru");
    auto r = Call(&Stub::CreateRegion, kRegistrarToken, req);
    ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_EQ(Domain(r.status()), kDomain);
    // The code comes from region_id (region.name is ignored by CreateRegion), so that is the
    // field of the request to name.
    EXPECT_THAT(ViolationFields(r.status()), ElementsAre("region_id"));
  }

  v1::CreateRegionRequest orphan;
  orphan.set_region_id("15.08.02.2001");
  orphan.mutable_region()->set_display_name("Desa Tanpa Kecamatan");
  auto r = Call(&Stub::CreateRegion, kRegistrarToken, orphan);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("regions/15.08.02"));
  EXPECT_EQ(Reason(r.status()), "NOT_FOUND");

  v1::GetRegionRequest get;
  get.set_name("regions/15.08.02.2001");
  EXPECT_EQ(Call(&Stub::GetRegion, kAnalystToken, get).status().code(),
            absl::StatusCode::kNotFound);

  // A malformed code is a field violation on region_id.
  v1::CreateRegionRequest bad;
  bad.set_region_id("15.8.1");
  bad.mutable_region()->set_display_name("Salah");
  auto b = Call(&Stub::CreateRegion, kRegistrarToken, bad);
  ASSERT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument) << b.status();
  EXPECT_THAT(ViolationFields(b.status()), ElementsAre("region_id"));
}

TEST_P(RegistryServiceTest, CreatesSyntheticRegenciesButNoRealOnesOrProvinces) {
  // CreateRegionRequest.region_id: "province codes, and regency codes unless region.synthetic is
  // true, are refused". The catalogue only holds Jambi's regencies, so synthetic ones are how
  // demonstration data spans other provinces.
  for (const char* id : {"11.01", "11.71"}) {
    SCOPED_TRACE(id);
    v1::CreateRegionRequest req;
    req.set_region_id(id);
    req.mutable_region()->set_display_name(absl::StrCat("Kabupaten Sintetis ", id));
    req.mutable_region()->set_bps_code(std::string(id).substr(0, 2) + std::string(id).substr(3, 2));
    req.mutable_region()->set_synthetic(true);
    auto r = Call(&Stub::CreateRegion, kRegistrarToken, req);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->level(), type::v1::REGION_LEVEL_REGENCY);
    EXPECT_EQ(r->parent(), "regions/11");
    EXPECT_EQ(r->is_city(), std::string(id) == "11.71");
    EXPECT_TRUE(r->synthetic());
  }
  // A district under a synthetic city is an ordinary district (is_city is for cities only).
  v1::CreateRegionRequest district;
  district.set_region_id("11.71.01");
  district.mutable_region()->set_display_name("Kecamatan Sintetis");
  district.mutable_region()->set_synthetic(true);
  auto d = Call(&Stub::CreateRegion, kRegistrarToken, district);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->is_city());

  v1::ListRegionsRequest children;
  children.set_parent("regions/11");
  auto list = Call(&Stub::ListRegions, kAnalystToken, children);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->regions_size(), 2);

  // Not synthetic: a real regency comes only from the catalogue. A province never.
  for (const auto& [id, synthetic] : {std::pair{"11.02", false}, std::pair{"11", true}}) {
    SCOPED_TRACE(id);
    v1::CreateRegionRequest req;
    req.set_region_id(id);
    req.mutable_region()->set_display_name("Baru");
    req.mutable_region()->set_synthetic(synthetic);
    auto r = Call(&Stub::CreateRegion, kRegistrarToken, req);
    ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_THAT(ViolationFields(r.status()), ElementsAre("region_id"));
  }
  // A catalogue regency exists already, synthetic or not.
  v1::CreateRegionRequest bungo;
  bungo.set_region_id("15.08");
  bungo.mutable_region()->set_display_name("Kabupaten Bungo Sintetis");
  bungo.mutable_region()->set_synthetic(true);
  EXPECT_EQ(Call(&Stub::CreateRegion, kRegistrarToken, bungo).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_P(RegistryServiceTest, RefusesATakenBpsCode) {
  // "ALREADY_EXISTS when the code or the bps_code is taken" (CreateRegion); "it must be unique
  // among regions" (Region.bps_code).
  CreateRegion("15.08.01", "Kecamatan Pelepat", "1509010");
  v1::CreateRegionRequest req;
  req.set_region_id("15.08.02");
  req.mutable_region()->set_display_name("Kecamatan Pelepat Ilir");
  req.mutable_region()->set_bps_code("1509010");
  auto r = Call(&Stub::CreateRegion, kRegistrarToken, req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists)
      << "a second district with bps_code 1509010 was " << (r.ok() ? "created" : "refused with ")
      << r.status();
}

TEST_P(RegistryServiceTest, UpdateRegionChecksTheBpsCode) {
  // Region.bps_code: "its length must match the level ... 4 for a regency or city; it must be
  // unique among regions". UpdateRegion checks "rules that involve several fields ... on the
  // resource after the update".
  v1::UpdateRegionRequest req;
  req.mutable_region()->set_name("regions/15.08");
  req.mutable_region()->set_bps_code("150");
  req.mutable_update_mask()->add_paths("bps_code");
  auto short_code = Call(&Stub::UpdateRegion, kRegistrarToken, req);
  EXPECT_EQ(short_code.status().code(), absl::StatusCode::kInvalidArgument)
      << "a 3-digit bps_code on a regency was " << (short_code.ok() ? "stored" : "refused with ")
      << short_code.status();
  EXPECT_THAT(ViolationFields(short_code.status()), ElementsAre("region.bps_code"));

  req.mutable_region()->set_bps_code("1501");  // Kabupaten Kerinci's
  auto taken = Call(&Stub::UpdateRegion, kRegistrarToken, req);
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists)
      << "Kerinci's bps_code given to Bungo was " << (taken.ok() ? "stored" : "refused with ")
      << taken.status();

  req.mutable_region()->set_bps_code("");  // "an empty bps_code clears it"
  auto cleared = Call(&Stub::UpdateRegion, kRegistrarToken, req);
  ASSERT_TRUE(cleared.ok()) << cleared.status();
  EXPECT_EQ(cleared->bps_code(), "");
  EXPECT_EQ(cleared->display_name(), "Kabupaten Bungo");
}

TEST_P(RegistryServiceTest, RefusesBadPageSizesAndForeignPageTokens) {
  for (int size : {1001, -1}) {
    v1::ListRegionsRequest req;
    req.set_page_size(size);
    auto r = Call(&Stub::ListRegions, kAnalystToken, req);
    ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_THAT(ViolationFields(r.status()), ElementsAre("page_size"));
    EXPECT_EQ(Reason(r.status()), "INVALID_FIELDS");
  }
  v1::ListRegionsRequest max;
  max.set_page_size(1000);
  auto all = Call(&Stub::ListRegions, kAnalystToken, max);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->regions_size(), 38);
  EXPECT_EQ(all->next_page_token(), "");

  v1::ListRegionsRequest provinces;
  provinces.set_page_size(10);
  auto page = Call(&Stub::ListRegions, kAnalystToken, provinces);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_FALSE(page->next_page_token().empty());

  v1::ListRegionsRequest other;
  other.set_parent("regions/15");
  other.set_page_size(10);
  other.set_page_token(page->next_page_token());
  auto r = Call(&Stub::ListRegions, kAnalystToken, other);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_THAT(ViolationFields(r.status()), ElementsAre("page_token"));

  v1::ListRegionsRequest garbage;
  garbage.set_page_token("not-a-token");
  auto g = Call(&Stub::ListRegions, kAnalystToken, garbage);
  ASSERT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument) << g.status();
  EXPECT_THAT(ViolationFields(g.status()), ElementsAre("page_token"));
}

// Participants are stored by KPJ (store/person_keys.h): a token that is well formed and bound to
// the query but resumes after something that is no participant name is refused on page_token.
TEST_P(RegistryServiceTest, RefusesPageTokensResumingAfterNoParticipantName) {
  v1::ListParticipantsRequest req;
  req.set_page_token(EncodePageToken("participants/P1", PageQuery(req)));
  auto r = Call(&Stub::ListParticipants, kRegistrarToken, req);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_THAT(ViolationFields(r.status()), ElementsAre("page_token"));

  req.set_page_token(EncodePageToken("participants/00000000001", PageQuery(req)));
  auto ok = Call(&Stub::ListParticipants, kRegistrarToken, req);
  EXPECT_TRUE(ok.ok()) << ok.status();
}

// Issue 13, item 7: a page token of one collection was accepted by another, and the region
// filter of the List methods was refused without naming the field.
TEST_P(RegistryServiceTest, PageTokensAndRegionFiltersAreBoundToTheirCollection) {
  v1::ListRegionsRequest regions;
  regions.set_page_size(10);
  auto page = Call(&Stub::ListRegions, kAnalystToken, regions);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_FALSE(page->next_page_token().empty());

  v1::ListEmployersRequest employers;
  employers.set_page_token(page->next_page_token());
  auto e = Call(&Stub::ListEmployers, kAnalystToken, employers);
  ASSERT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << e.status();
  EXPECT_THAT(ViolationFields(e.status()), ElementsAre("page_token"));
  v1::ListParticipantsRequest participants;
  participants.set_page_token(page->next_page_token());
  auto p = Call(&Stub::ListParticipants, kRegistrarToken, participants);
  ASSERT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << p.status();
  EXPECT_THAT(ViolationFields(p.status()), ElementsAre("page_token"));

  v1::ListEmployersRequest bad_region;
  bad_region.set_region("15.08");
  auto r = Call(&Stub::ListEmployers, kAnalystToken, bad_region);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_THAT(ViolationFields(r.status()), ElementsAre("region"));
  v1::ListParticipantsRequest bad_participants;
  bad_participants.set_region("regions/xx");
  auto rp = Call(&Stub::ListParticipants, kRegistrarToken, bad_participants);
  EXPECT_THAT(ViolationFields(rp.status()), ElementsAre("region"));
  v1::ListEnrollmentsRequest bad_enrollments;
  bad_enrollments.set_parent("participants/-");
  bad_enrollments.set_region("regions/");
  auto re = Call(&Stub::ListEnrollments, kRegistrarToken, bad_enrollments);
  EXPECT_THAT(ViolationFields(re.status()), ElementsAre("region"));
}

// Issue 13, item 7: a truncated or garbage request body was answered UNIMPLEMENTED, no message.
TEST_P(RegistryServiceTest, AnUnparsableRequestIsInvalidArgumentWithAMessage) {
  grpc::GenericStub stub(grpc::CreateChannel(host_->address(), grpc::InsecureChannelCredentials()));
  v1::GetRegionRequest req;
  req.set_name("regions/15");
  const std::string whole = req.SerializeAsString();
  for (const std::string& body : {whole.substr(0, whole.size() - 3), std::string("\xff\xff\xff")}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kAnalystToken));
    grpc::Slice slice(body);
    grpc::ByteBuffer request(&slice, 1), response;
    grpc::Status status;
    absl::Notification done;
    stub.UnaryCall(&ctx, "/paritrana.registry.v1.RegistryService/GetRegion", grpc::StubOptions(),
                   &request, &response, [&](grpc::Status s) {
                     status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("not a valid protobuf message"));
    EXPECT_EQ(Reason(FromGrpcStatus(status)), "MALFORMED_REQUEST");
  }
}

// ----- Conventions of resources.proto: text fields -----

TEST_P(RegistryServiceTest, StoresTextTrimmed) {
  // "Lengths of strings are counted ... after trimming leading and trailing white space (the
  // trimmed value is what is stored)."
  v1::CreateRegionRequest req;
  req.set_region_id("15.08.01");
  req.mutable_region()->set_display_name("  Kecamatan Pelepat\t ");
  auto created = Call(&Stub::CreateRegion, kRegistrarToken, req);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->display_name(), "Kecamatan Pelepat");
  v1::GetRegionRequest get;
  get.set_name("regions/15.08.01");
  auto stored = Call(&Stub::GetRegion, kAnalystToken, get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->display_name(), "Kecamatan Pelepat");

  // Only white space: nothing is left, and display_name is required.
  v1::CreateRegionRequest blank;
  blank.set_region_id("15.08.02");
  blank.mutable_region()->set_display_name("   ");
  auto refused = Call(&Stub::CreateRegion, kRegistrarToken, blank);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(ViolationFields(refused.status()), ElementsAre("region.display_name"));
}

TEST_P(RegistryServiceTest, CountsTextLengthsInCodePoints) {
  // "Lengths of strings are counted in Unicode code points": 200 x U+00E9 (400 bytes of UTF-8)
  // is a valid 200-character employer display_name.
  CreateVillage();
  std::string name;
  for (int i = 0; i < 200; ++i) name += "\xC3\xA9";
  v1::CreateEmployerRequest req;
  req.set_employer_id("15080001");
  *req.mutable_employer() = MakeEmployer(name, kVillage);
  auto r = Call(&Stub::CreateEmployer, kRegistrarToken, req);
  EXPECT_TRUE(r.ok()) << "200 code points refused: " << r.status();

  name += "\xC3\xA9";  // 201: too long
  req.set_employer_id("15080002");
  req.mutable_employer()->set_display_name(name);
  auto too_long = Call(&Stub::CreateEmployer, kRegistrarToken, req);
  ASSERT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument) << too_long.status();
  EXPECT_THAT(ViolationFields(too_long.status()), ElementsAre("employer.display_name"));
}

TEST_P(RegistryServiceTest, RefusesControlCharacters) {
  // "Control characters (U+0000 to U+001F and U+007F) are refused in every string field."
  CreateVillage();
  v1::CreateEmployerRequest req;
  req.set_employer_id("15080001");
  *req.mutable_employer() = MakeEmployer("CV Karet\x01Bungo", kVillage);
  auto r = Call(&Stub::CreateEmployer, kRegistrarToken, req);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
      << "a display_name with U+0001 was " << (r.ok() ? "stored" : "refused with ") << r.status();
  EXPECT_THAT(ViolationFields(r.status()), ElementsAre("employer.display_name"));
}

// ===== 2. Field violations =====

TEST_P(RegistryServiceTest, ReportsEveryBadParticipantFieldWithoutTheNik) {
  CreateVillage();

  // A NIK one digit short, a 10-digit KPJ and no display name.
  const std::string short_nik = Nik(12, 3, 1985, false, 2).substr(0, 15);
  v1::CreateParticipantRequest a;
  a.set_participant_id("2400000001");
  a.mutable_participant()->set_nik(short_nik);
  a.mutable_participant()->set_sex(v1::SEX_MALE);
  *a.mutable_participant()->mutable_birth_date() = Date(1985, 3, 12);
  a.mutable_participant()->set_domicile_region(kVillage);
  auto ra = Call(&Stub::CreateParticipant, kRegistrarToken, a);
  ASSERT_EQ(ra.status().code(), absl::StatusCode::kInvalidArgument) << ra.status();
  EXPECT_EQ(Reason(ra.status()), "INVALID_FIELDS");
  EXPECT_EQ(Domain(ra.status()), kDomain);
  EXPECT_THAT(
      ViolationFields(ra.status()),
      UnorderedElementsAre("participant_id", "participant.display_name", "participant.nik"));
  EXPECT_THAT(ErrorBytes(ra.status()), Not(HasSubstr(short_nik)));
  EXPECT_THAT(ErrorBytes(ra.status()), Not(HasSubstr(short_nik.substr(6))));

  // A valid male NIK, but the request says female, the birth date is one day off and there is
  // no display name.
  const Person man{"24000000002", 12, 3, 1985, false, 2, ""};
  v1::CreateParticipantRequest b;
  b.set_participant_id(man.kpj);
  *b.mutable_participant() = man.resource();
  b.mutable_participant()->set_sex(v1::SEX_FEMALE);
  *b.mutable_participant()->mutable_birth_date() = Date(1985, 3, 13);
  auto rb = Call(&Stub::CreateParticipant, kRegistrarToken, b);
  ASSERT_EQ(rb.status().code(), absl::StatusCode::kInvalidArgument) << rb.status();
  EXPECT_THAT(ViolationFields(rb.status()),
              UnorderedElementsAre("participant.display_name", "participant.sex",
                                   "participant.birth_date"));
  EXPECT_THAT(std::string(rb.status().message()), HasSubstr("and 2 more field violations"));
  const std::string bytes = ErrorBytes(rb.status());
  EXPECT_THAT(bytes, Not(HasSubstr(man.nik())));
  EXPECT_THAT(bytes, Not(HasSubstr(man.nik().substr(6))));     // DDMMYY and serial
  EXPECT_THAT(bytes, Not(HasSubstr(man.nik().substr(6, 6))));  // DDMMYY

  // Nothing was created.
  v1::GetParticipantRequest get;
  get.set_name(man.name());
  EXPECT_EQ(Call(&Stub::GetParticipant, kRegistrarToken, get).status().code(),
            absl::StatusCode::kNotFound);
}

// ===== 3. NIK protection =====

// Issue 13, item 4: a registry started on a populated database with another NIK key used to start,
// then accepted duplicate NIKs and could not find or open the stored ones.
TEST_P(RegistryServiceTest, TheDatabaseIsBoundToItsNikKey) {
  CreateVillage();
  CreateParticipant(Person{"24000000091", 5, 5, 1990, true, 1, "Siti Aminah"});
  auto other = NikVault::FromKeyFile(dir_ + "/other.key", true);
  ASSERT_TRUE(other.ok()) << other.status();
  auto check_with = [&](const NikVault& vault) {
    Registry registry(*store_, vault, nullptr, TodayInJakarta);
    return registry.CheckNikKey();
  };
  // This database predates fingerprints (the fixture never recorded one): a sealed NIK tells.
  absl::Status wrong = check_with(*other);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kFailedPrecondition) << wrong;
  EXPECT_EQ(GetErrorInfo(wrong)->reason(), "NIK_KEY_MISMATCH");
  // The right key records its fingerprint; the wrong one is refused by it from then on.
  ASSERT_TRUE(check_with(*vault_).ok());
  ASSERT_TRUE(check_with(*vault_).ok());
  EXPECT_EQ(check_with(*other).code(), absl::StatusCode::kFailedPrecondition);

  // A new, empty database takes whichever key it first starts with, and only that one.
  auto empty = OpenRegistryStore("sqlite:" + dir_ + "/empty.db");
  ASSERT_TRUE(empty.ok()) << empty.status();
  Registry first(**empty, *other, nullptr, TodayInJakarta);
  ASSERT_TRUE(first.CheckNikKey().ok());
  Registry second(**empty, *vault_, nullptr, TodayInJakarta);
  EXPECT_EQ(second.CheckNikKey().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(RegistryServiceTest, ProtectsTheNik) {
  CreateVillage();
  const Person siti{"24000000001", 5, 5, 1990, true, 1, "Siti Aminah"};
  ASSERT_EQ(siti.nik(), "1508014505900001");

  v1::CreateParticipantRequest create;
  create.set_participant_id(siti.kpj);
  create.set_request_id("create-siti-1");
  *create.mutable_participant() = siti.resource();
  auto created = Call(&Stub::CreateParticipant, kRegistrarToken, create);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->name(), "participants/24000000001");
  EXPECT_EQ(created->kpj(), "24000000001");
  // The registrar writes the NIK but is not shown it: reading NIKs is pii_reader's right alone.
  EXPECT_EQ(created->nik(), "");
  EXPECT_EQ(created->nik_masked(), "1508**********01");
  EXPECT_EQ(created->sex(), v1::SEX_FEMALE);

  // Participants are personal data: registrar, analyst and admin read them with the NIK masked;
  // only pii_reader sees it in clear.
  v1::GetParticipantRequest get;
  get.set_name(siti.name());
  v1::ListParticipantsRequest list;
  for (const char* token : {kRegistrarToken, kAnalystToken, kAdminToken}) {
    auto masked = Call(&Stub::GetParticipant, token, get);
    ASSERT_TRUE(masked.ok()) << token << ": " << masked.status();
    EXPECT_EQ(masked->nik(), "") << token;
    EXPECT_EQ(masked->nik_masked(), "1508**********01") << token;
    EXPECT_EQ(masked->display_name(), "Siti Aminah") << token;
    EXPECT_EQ(masked->domicile_region(), kVillage) << token;
    auto listed = Call(&Stub::ListParticipants, token, list);
    ASSERT_TRUE(listed.ok()) << token << ": " << listed.status();
    ASSERT_EQ(listed->participants_size(), 1) << token;
    EXPECT_EQ(listed->participants(0).nik(), "") << token;
    EXPECT_EQ(listed->participants(0).nik_masked(), "1508**********01") << token;
  }

  auto as_pii_reader = Call(&Stub::GetParticipant, kPiiReaderToken, get);
  ASSERT_TRUE(as_pii_reader.ok()) << as_pii_reader.status();
  EXPECT_EQ(as_pii_reader->nik(), siti.nik());
  EXPECT_EQ(as_pii_reader->nik_masked(), "1508**********01");
  EXPECT_EQ(as_pii_reader->display_name(), "Siti Aminah");
  auto listed = Call(&Stub::ListParticipants, kPiiReaderToken, list);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->participants_size(), 1);
  EXPECT_EQ(listed->participants(0).nik(), siti.nik());

  // The same request id replays the creation, NIK still masked for the registrar.
  auto replay = Call(&Stub::CreateParticipant, kRegistrarToken, create);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->name(), siti.name());
  EXPECT_EQ(replay->nik(), "");
  EXPECT_EQ(replay->nik_masked(), "1508**********01");

  // FindParticipantByNik needs pii_reader, which neither registrar nor admin holds; the role is
  // checked first, and the refusal never repeats the NIK.
  v1::FindParticipantByNikRequest find;
  find.set_nik(siti.nik());
  auto found = Call(&Stub::FindParticipantByNik, kPiiReaderToken, find);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name(), siti.name());
  EXPECT_EQ(found->nik(), siti.nik());
  for (const char* token : {kAnalystToken, kRegistrarToken, kAdminToken}) {
    auto refused = Call(&Stub::FindParticipantByNik, token, find);
    ASSERT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied)
        << token << ": " << refused.status();
    EXPECT_EQ(Reason(refused.status()), "PERMISSION_DENIED");
    EXPECT_EQ(GetErrorInfo(refused.status())->metadata().at("required_role"), "pii_reader");
    EXPECT_THAT(ErrorBytes(refused.status()), Not(HasSubstr(siti.nik())));
  }
  // pii_reader reads; it does not write.
  EXPECT_EQ(Call(&Stub::CreateParticipant, kPiiReaderToken, create).status().code(),
            absl::StatusCode::kPermissionDenied);
  v1::FindParticipantByNikRequest unknown;
  unknown.set_nik(Nik(5, 5, 1990, true, 9));
  auto not_found = Call(&Stub::FindParticipantByNik, kPiiReaderToken, unknown);
  EXPECT_EQ(not_found.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ErrorBytes(not_found.status()), Not(HasSubstr(unknown.nik())));
  v1::FindParticipantByNikRequest malformed;
  malformed.set_nik("15080145059A0001");
  auto bad = Call(&Stub::FindParticipantByNik, kPiiReaderToken, malformed);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationFields(bad.status()), ElementsAre("nik"));
  EXPECT_THAT(ErrorBytes(bad.status()), Not(HasSubstr(malformed.nik())));

  // Another KPJ with the same NIK.
  v1::CreateParticipantRequest twin;
  twin.set_participant_id("24000000099");
  *twin.mutable_participant() = siti.resource();
  twin.mutable_participant()->set_display_name("Siti Kembar");
  auto dup = Call(&Stub::CreateParticipant, kRegistrarToken, twin);
  ASSERT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists) << dup.status();
  EXPECT_EQ(InfoField(dup.status()), "participant.nik");
  EXPECT_EQ(Domain(dup.status()), kDomain);
  EXPECT_THAT(ErrorBytes(dup.status()), Not(HasSubstr(siti.nik())));
  EXPECT_THAT(ErrorBytes(dup.status()), Not(HasSubstr(siti.kpj)));  // nor the other participant

  // At rest, neither the database nor its WAL holds the NIK: the SQLite file and its WAL, or
  // every file of the PostgreSQL server's data directory (heap, indexes, WAL).
  std::vector<std::string> files;
  std::string all_bytes;
  auto scan = [&](const std::filesystem::path& path) {
    files.push_back(path.filename().string());
    const std::string bytes = ReadFile(path);
    EXPECT_THAT(bytes, Not(HasSubstr(siti.nik()))) << path << " holds the NIK";
    all_bytes += bytes;
  };
  if (GetParam() == "sqlite") {
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      if (absl::StartsWith(entry.path().filename().string(), "registry.db")) scan(entry.path());
    }
    EXPECT_THAT(files, testing::IsSupersetOf({"registry.db", "registry.db-wal"}));
  } else {
    auto conninfo = test_support::PostgresDatabaseFor(dir_);
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    // The server keeps its data in "data" beside its socket (host=).
    absl::string_view host = *conninfo;
    ASSERT_TRUE(absl::ConsumePrefix(&host, "host=")) << *conninfo;
    host = host.substr(0, host.find(' '));
    for (const auto& entry : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(std::string(host)) / "data")) {
      if (entry.is_regular_file()) scan(entry.path());
    }
    EXPECT_THAT(files, testing::Contains(testing::StartsWith("0000000")));  // a WAL segment
  }
  // The files do hold the participant (so the check above looked where the data is).
  EXPECT_THAT(all_bytes, HasSubstr("Siti Aminah"));
  EXPECT_THAT(all_bytes, HasSubstr("1508**********01"));
}

// ===== 4. Idempotent creation =====

TEST_P(RegistryServiceTest, CreateEmployerIsIdempotentByRequestId) {
  CreateVillage();
  v1::CreateEmployerRequest req;
  req.set_employer_id("15080001");
  req.set_request_id("0b5c6a1e-2f0e-4c8e-9a55-6b7a2f1d3c44");
  *req.mutable_employer() = MakeEmployer("CV Karet Bungo", kVillage);

  auto first = Call(&Stub::CreateEmployer, kRegistrarToken, req);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->name(), "employers/15080001");
  EXPECT_EQ(first->npp(), "15080001");
  auto second = Call(&Stub::CreateEmployer, kRegistrarToken, req);
  ASSERT_TRUE(second.ok()) << "a repeated request_id must not fail: " << second.status();
  EXPECT_EQ(second->name(), first->name());
  EXPECT_EQ(second->display_name(), "CV Karet Bungo");
  EXPECT_EQ(second->create_time().seconds(), first->create_time().seconds());
  EXPECT_EQ(second->create_time().nanos(), first->create_time().nanos());

  // Without the request id, the same body is a duplicate NPP.
  v1::CreateEmployerRequest no_id = req;
  no_id.clear_request_id();
  EXPECT_EQ(Call(&Stub::CreateEmployer, kRegistrarToken, no_id).status().code(),
            absl::StatusCode::kAlreadyExists);

  // The same request id for another body.
  v1::CreateEmployerRequest changed = req;
  changed.set_employer_id("15080002");
  auto conflict = Call(&Stub::CreateEmployer, kRegistrarToken, changed);
  // One rule in every service (api/request_id.h): ALREADY_EXISTS, REQUEST_ID_REUSED.
  ASSERT_EQ(conflict.status().code(), absl::StatusCode::kAlreadyExists) << conflict.status();
  ASSERT_TRUE(GetErrorInfo(conflict.status()).has_value());
  EXPECT_EQ(GetErrorInfo(conflict.status())->reason(), "REQUEST_ID_REUSED");
  EXPECT_EQ(GetErrorInfo(conflict.status())->metadata().at("request_id"), req.request_id());
  v1::GetEmployerRequest get;
  get.set_name("employers/15080002");
  EXPECT_EQ(Call(&Stub::GetEmployer, kAnalystToken, get).status().code(),
            absl::StatusCode::kNotFound);

  // Request ids are scoped to the method.
  v1::CreateRegionRequest region;
  region.set_region_id("15.08.02");
  region.set_request_id(req.request_id());
  region.mutable_region()->set_display_name("Kecamatan Pelepat Ilir");
  EXPECT_TRUE(Call(&Stub::CreateRegion, kRegistrarToken, region).ok());

  v1::CreateEmployerRequest bad_id = req;
  bad_id.set_request_id("has spaces");
  auto bad = Call(&Stub::CreateEmployer, kRegistrarToken, bad_id);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationFields(bad.status()), ElementsAre("request_id"));
}

// ===== 5. Enrollment rules =====

TEST_P(RegistryServiceTest, EnforcesEnrollmentAndContributionRules) {
  CreateVillage();
  CreateEmployer("15080001", kVillage);
  const Person budi{"24000000011", 12, 3, 1985, false, 2, "Budi Santoso"};
  CreateParticipant(budi);

  auto enroll = [&](const v1::Enrollment& e) {
    v1::CreateEnrollmentRequest req;
    req.set_parent(budi.name());
    *req.mutable_enrollment() = e;
    return Call(&Stub::CreateEnrollment, kRegistrarToken, req);
  };

  // PU without an employer.
  auto pu_alone = enroll(PuEnrollment("", kVillage, Date(2025, 1, 1)));
  ASSERT_EQ(pu_alone.status().code(), absl::StatusCode::kInvalidArgument) << pu_alone.status();
  EXPECT_THAT(ViolationFields(pu_alone.status()), ElementsAre("enrollment.employer"));

  // BPU with JP.
  v1::Enrollment bpu_jp =
      BpuEnrollment(kVillage, Date(2025, 1, 1), type::v1::FUNDING_SOURCE_WORKER, "", false);
  bpu_jp.add_programmes(type::v1::PROGRAMME_JP);
  auto jp = enroll(bpu_jp);
  ASSERT_EQ(jp.status().code(), absl::StatusCode::kInvalidArgument) << jp.status();
  EXPECT_THAT(ViolationFields(jp.status()), ElementsAre("enrollment.programmes"));

  // PU with an employer that does not exist.
  auto ghost = enroll(PuEnrollment("employers/99999999", kVillage, Date(2025, 1, 1)));
  ASSERT_EQ(ghost.status().code(), absl::StatusCode::kNotFound) << ghost.status();
  EXPECT_EQ(InfoField(ghost.status()), "enrollment.employer");

  // A provincial budget pays, but no scheme is named.
  auto no_scheme = enroll(BpuEnrollment(kVillage, Date(2025, 1, 1),
                                        type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET, "", false));
  ASSERT_EQ(no_scheme.status().code(), absl::StatusCode::kInvalidArgument) << no_scheme.status();
  EXPECT_THAT(ViolationFields(no_scheme.status()), ElementsAre("enrollment.subsidy_scheme"));

  // The valid one: ACTIVE, no paid-through date.
  const v1::Enrollment valid = BpuEnrollment(
      kVillage, Date(2025, 1, 1), type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET, "dumisake", true);
  auto e = enroll(valid);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(absl::StartsWith(e->name(), "participants/24000000011/enrollments/")) << e->name();
  EXPECT_EQ(e->state(), v1::ENROLLMENT_STATE_ACTIVE);
  EXPECT_FALSE(e->has_paid_through_date());
  EXPECT_FALSE(e->has_end_date());
  EXPECT_THAT(e->programmes(), ElementsAre(type::v1::PROGRAMME_JKK, type::v1::PROGRAMME_JKM,
                                           type::v1::PROGRAMME_JHT));
  auto dup = enroll(valid);
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists) << dup.status();

  // Contributions extend paid_through.
  auto c1 = Contribute(e->name(), MakeContribution(37800, Date(2025, 1, 5), Date(2025, 3, 31)));
  ASSERT_TRUE(c1.ok()) << c1.status();
  EXPECT_FALSE(c1->has_previous_paid_through());
  EXPECT_EQ(c1->funding_source(), type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET);
  EXPECT_EQ(c1->subsidy_scheme(), "dumisake");
  EXPECT_TRUE(absl::StartsWith(c1->name(), e->name() + "/contributions/")) << c1->name();
  auto c2 = Contribute(e->name(), MakeContribution(37800, Date(2025, 4, 2), Date(2025, 6, 30)));
  ASSERT_TRUE(c2.ok()) << c2.status();
  EXPECT_EQ(c2->previous_paid_through().year(), 2025);
  EXPECT_EQ(c2->previous_paid_through().month(), 3);
  EXPECT_EQ(c2->previous_paid_through().day(), 31);
  v1::GetEnrollmentRequest get;
  get.set_name(e->name());
  auto stored = Call(&Stub::GetEnrollment, kRegistrarToken, get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->paid_through_date().month(), 6);
  EXPECT_EQ(stored->paid_through_date().day(), 30);

  // Not later than paid_through.
  for (const auto& covers : {Date(2025, 6, 30), Date(2025, 5, 31)}) {
    auto stale = Contribute(e->name(), MakeContribution(37800, Date(2025, 7, 1), covers));
    ASSERT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition) << stale.status();
    EXPECT_EQ(InfoField(stale.status()), "contribution.covers_through");
  }

  // Counted from start_date to paid_through.
  auto before =
      Query({kVillage}, {Date(2024, 12, 31), Date(2025, 1, 1), Date(2025, 6, 30), Date(2025, 7, 1)},
            false);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(Active(*before, kVillage, Date(2024, 12, 31)), 0);
  EXPECT_EQ(Active(*before, kVillage, Date(2025, 1, 1)), 1);
  EXPECT_EQ(Active(*before, kVillage, Date(2025, 6, 30)), 1);
  EXPECT_EQ(Active(*before, kVillage, Date(2025, 7, 1)), 0);

  // Terminate: no longer counted from end_date on.
  v1::TerminateEnrollmentRequest terminate;
  terminate.set_name(e->name());
  *terminate.mutable_end_date() = Date(2025, 5, 1);
  auto ended = Call(&Stub::TerminateEnrollment, kRegistrarToken, terminate);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->state(), v1::ENROLLMENT_STATE_TERMINATED);
  EXPECT_EQ(ended->end_date().month(), 5);
  EXPECT_EQ(ended->end_date().day(), 1);
  auto after = Query({kVillage}, {Date(2025, 4, 30), Date(2025, 5, 1), Date(2025, 6, 15)}, false);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(Active(*after, kVillage, Date(2025, 4, 30)), 1);
  EXPECT_EQ(Active(*after, kVillage, Date(2025, 5, 1)), 0);
  EXPECT_EQ(Active(*after, kVillage, Date(2025, 6, 15)), 0);

  // Terminating again: the same end_date is a no-op, another one FAILED_PRECONDITION.
  auto same = Call(&Stub::TerminateEnrollment, kRegistrarToken, terminate);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->state(), v1::ENROLLMENT_STATE_TERMINATED);
  v1::TerminateEnrollmentRequest other = terminate;
  *other.mutable_end_date() = Date(2025, 6, 1);
  EXPECT_EQ(Call(&Stub::TerminateEnrollment, kRegistrarToken, other).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // No contribution to a terminated enrollment.
  auto late = Contribute(e->name(), MakeContribution(37800, Date(2025, 7, 1), Date(2025, 9, 30)));
  ASSERT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition) << late.status();
  v1::ListContributionsRequest contributions;
  contributions.set_parent(e->name());
  auto listed = Call(&Stub::ListContributions, kRegistrarToken, contributions);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->contributions_size(), 2);
  EXPECT_EQ(listed->contributions(0).name(), c1->name());
  EXPECT_EQ(listed->contributions(1).name(), c2->name());
}

TEST_P(RegistryServiceTest, TerminationOnTheStartDateIsAccepted) {
  // TerminateEnrollmentRequest.end_date: "Not earlier than the enrollment's start_date (equal
  // means it never counts)".
  CreateVillage();
  const Person budi{"24000000012", 12, 3, 1985, false, 3, "Budi Hartono"};
  CreateParticipant(budi);
  v1::Enrollment e = Enroll(
      budi, BpuEnrollment(kVillage, Date(2025, 3, 1), type::v1::FUNDING_SOURCE_WORKER, "", false));
  ASSERT_FALSE(e.name().empty());
  v1::TerminateEnrollmentRequest terminate;
  terminate.set_name(e.name());
  *terminate.mutable_end_date() = Date(2025, 2, 28);  // earlier than start_date: refused
  auto early = Call(&Stub::TerminateEnrollment, kRegistrarToken, terminate);
  ASSERT_EQ(early.status().code(), absl::StatusCode::kInvalidArgument) << early.status();
  EXPECT_THAT(ViolationFields(early.status()), ElementsAre("end_date"));

  *terminate.mutable_end_date() = Date(2025, 3, 1);  // equal to start_date: accepted
  auto ended = Call(&Stub::TerminateEnrollment, kRegistrarToken, terminate);
  ASSERT_TRUE(ended.ok()) << "end_date == start_date refused: " << ended.status();
  EXPECT_EQ(ended->state(), v1::ENROLLMENT_STATE_TERMINATED);
  EXPECT_EQ(ended->end_date().day(), 1);
}

TEST_P(RegistryServiceTest, TerminationEndDateYearIsAtMost2100) {
  // TerminateEnrollmentRequest.end_date: "year at most 2100".
  CreateVillage();
  const Person budi{"24000000013", 12, 3, 1985, false, 4, "Budi Hartono"};
  CreateParticipant(budi);
  v1::Enrollment e = Enroll(
      budi, BpuEnrollment(kVillage, Date(2025, 3, 1), type::v1::FUNDING_SOURCE_WORKER, "", false));
  ASSERT_FALSE(e.name().empty());
  v1::TerminateEnrollmentRequest terminate;
  terminate.set_name(e.name());
  *terminate.mutable_end_date() = Date(2101, 1, 1);
  auto r = Call(&Stub::TerminateEnrollment, kRegistrarToken, terminate);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
      << "end_date 2101-01-01 was " << (r.ok() ? "accepted" : "refused with ") << r.status();
  EXPECT_THAT(ViolationFields(r.status()), ElementsAre("end_date"));
}

// ===== 6. Aggregates and generations =====

TEST_P(RegistryServiceTest, CountsActivePersonsAndBumpsGenerations) {
  CreateVillage();
  CreateEmployer("15080001", kVillage);
  const Person siti{"24000000101", 5, 5, 1990, true, 1, "Siti Aminah"};
  const Person budi{"24000000102", 12, 3, 1985, false, 2, "Budi Santoso"};
  const Person andi{"24000000103", 1, 1, 2000, false, 3, "Andi Saputra"};
  for (const Person* p : {&siti, &budi, &andi}) CreateParticipant(*p);
  const auto start = Date(2025, 1, 1);
  const std::vector<v1::Enrollment> enrollments = {
      Enroll(siti, BpuEnrollment(kVillage, start, type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET,
                                 "dumisake", true)),
      Enroll(budi, BpuEnrollment(kVillage, start, type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET,
                                 "dumisake", false)),
      Enroll(andi, PuEnrollment("employers/15080001", kVillage, start)),
  };
  for (const auto& e : enrollments) {
    ASSERT_FALSE(e.name().empty());
    auto c = Contribute(e.name(), MakeContribution(453600, Date(2025, 1, 5), Date(2025, 12, 31)));
    ASSERT_TRUE(c.ok()) << c.status();
  }

  // Baselines and targets of the province.
  auto baseline = [&](int year, type::v1::DenominatorSource source, int64_t workers) {
    v1::CreateWorkforceBaselineRequest req;
    req.set_parent("regions/15");
    req.mutable_workforce_baseline()->set_year(year);
    req.mutable_workforce_baseline()->set_source(source);
    req.mutable_workforce_baseline()->set_potential_workers(workers);
    auto r = Call(&Stub::CreateWorkforceBaseline, kRegistrarToken, req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(v1::WorkforceBaseline()).name();
  };
  EXPECT_EQ(baseline(2023, type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL, 1'700'000),
            "regions/15/baselines/2023-bpjs-potential");
  EXPECT_EQ(baseline(2025, type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL, 1'800'000),
            "regions/15/baselines/2025-bpjs-potential");
  EXPECT_EQ(baseline(2024, type::v1::DENOMINATOR_SOURCE_BPS_SAKERNAS, 1'750'000),
            "regions/15/baselines/2024-bps-sakernas");
  v1::CreateCoverageTargetRequest target;
  target.set_parent("regions/15");
  target.mutable_coverage_target()->set_year(2025);
  target.mutable_coverage_target()->set_target_ratio_percent(55.0);
  target.mutable_coverage_target()->set_denominator_source(
      type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
  auto t = Call(&Stub::CreateCoverageTarget, kRegistrarToken, target);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->name(), "regions/15/targets/2025");

  const auto mid = Date(2025, 6, 30);
  const auto next_year = Date(2026, 1, 1);
  auto resp = Query({"regions/15"}, {next_year, mid}, true);
  ASSERT_TRUE(resp.ok()) << resp.status();
  ASSERT_EQ(resp->aggregates_size(), 12 * 2);  // Jambi and its 11 regencies, on two dates
  EXPECT_EQ(resp->aggregates(0).region(), "regions/15");
  EXPECT_EQ(resp->aggregates(0).date().year(), 2025);  // sorted by region, then date
  EXPECT_EQ(resp->aggregates(1).date().year(), 2026);
  EXPECT_EQ(resp->aggregates(23).region(), "regions/15.72");

  EXPECT_EQ(Active(*resp, "regions/15", mid), 3);
  EXPECT_EQ(Active(*resp, "regions/15.08", mid), 3);
  EXPECT_EQ(Active(*resp, "regions/15.71", mid), 0);
  EXPECT_EQ(Active(*resp, "regions/15.01", mid), 0);

  const v1::RegionAggregate* jambi = Find(*resp, "regions/15", mid);
  ASSERT_NE(jambi, nullptr);
  EXPECT_EQ(jambi->display_name(), "Jambi");
  EXPECT_EQ(jambi->level(), type::v1::REGION_LEVEL_PROVINCE);
  ASSERT_EQ(jambi->segments_size(), 2);
  const auto& pu = jambi->segments(0);
  const auto& bpu = jambi->segments(1);
  EXPECT_EQ(pu.segment(), type::v1::SEGMENT_PU);
  EXPECT_EQ(pu.active_persons(), 1);
  EXPECT_EQ(bpu.segment(), type::v1::SEGMENT_BPU);
  EXPECT_EQ(bpu.active_persons(), 2);
  ASSERT_EQ(bpu.funding_size(), 1);
  EXPECT_EQ(bpu.funding(0).funding_source(), type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET);
  EXPECT_EQ(bpu.funding(0).subsidy_scheme(), "dumisake");
  EXPECT_EQ(bpu.funding(0).active_persons(), 2);
  ASSERT_EQ(pu.funding_size(), 1);
  EXPECT_EQ(pu.funding(0).funding_source(), type::v1::FUNDING_SOURCE_EMPLOYER);
  EXPECT_EQ(pu.funding(0).subsidy_scheme(), "");
  EXPECT_EQ(pu.funding(0).active_persons(), 1);
  std::map<type::v1::Programme, int64_t> programmes;
  for (const auto& s : jambi->segments()) {
    for (const auto& p : s.programmes()) programmes[p.programme()] += p.active_persons();
  }
  EXPECT_EQ(programmes[type::v1::PROGRAMME_JKK], 3);
  EXPECT_EQ(programmes[type::v1::PROGRAMME_JKM], 3);
  EXPECT_EQ(programmes[type::v1::PROGRAMME_JHT], 2);  // Siti (BPU) and Andi (PU)
  EXPECT_EQ(programmes[type::v1::PROGRAMME_JP], 1);   // Andi
  EXPECT_EQ(programmes.count(type::v1::PROGRAMME_JKP), 0u);
  ASSERT_EQ(bpu.programmes_size(), 3);
  EXPECT_EQ(bpu.programmes(0).programme(), type::v1::PROGRAMME_JKK);
  EXPECT_EQ(bpu.programmes(0).active_persons(), 2);
  EXPECT_EQ(bpu.programmes(2).programme(), type::v1::PROGRAMME_JHT);
  EXPECT_EQ(bpu.programmes(2).active_persons(), 1);

  const v1::RegionAggregate* kota = Find(*resp, "regions/15.71", mid);
  ASSERT_NE(kota, nullptr);
  EXPECT_THAT(kota->segments(), IsEmpty());
  EXPECT_EQ(kota->parent(), "regions/15");
  for (const char* region : {"regions/15", "regions/15.08", "regions/15.71"}) {
    const v1::RegionAggregate* a = Find(*resp, region, next_year);
    ASSERT_NE(a, nullptr) << region;
    EXPECT_EQ(a->active_persons(), 0) << region;
    EXPECT_THAT(a->segments(), IsEmpty()) << region;
  }

  // Baselines: per source, the year's own or the latest earlier one; targets of the years asked.
  std::vector<std::string> baselines, targets;
  for (const auto& b : resp->baselines()) baselines.push_back(b.name());
  for (const auto& x : resp->targets()) targets.push_back(x.name());
  EXPECT_THAT(baselines, ElementsAre("regions/15/baselines/2024-bps-sakernas",
                                     "regions/15/baselines/2025-bpjs-potential"));
  EXPECT_THAT(targets, ElementsAre("regions/15/targets/2025"));
  ASSERT_EQ(resp->targets_size(), 1);
  EXPECT_DOUBLE_EQ(resp->targets(0).target_ratio_percent(), 55.0);

  // The village itself.
  auto village = Query({kVillage}, {mid}, false);
  ASSERT_TRUE(village.ok()) << village.status();
  ASSERT_EQ(village->aggregates_size(), 1);
  EXPECT_EQ(village->aggregates(0).active_persons(), 3);
  EXPECT_EQ(village->aggregates(0).parent(), "regions/15.08.01");

  // Generations: the store's value is published to Redis.
  ASSERT_EQ(resp->province_generations_size(), 1);
  const int64_t g1 = resp->province_generations().at("regions/15");
  EXPECT_GT(g1, 0);
  EXPECT_THAT(RedisGeneration("15"), Optional(std::to_string(g1)));

  v1::UpdateRegionRequest rename;
  rename.mutable_region()->set_name("regions/15.08.01");
  rename.mutable_region()->set_display_name("Kecamatan Pelepat (baru)");
  rename.mutable_update_mask()->add_paths("display_name");
  auto renamed = Call(&Stub::UpdateRegion, kRegistrarToken, rename);
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  auto after_rename = Query({"regions/15"}, {mid}, false);
  ASSERT_TRUE(after_rename.ok()) << after_rename.status();
  const int64_t g2 = after_rename->province_generations().at("regions/15");
  EXPECT_GT(g2, g1);
  EXPECT_THAT(RedisGeneration("15"), Optional(std::to_string(g2)));

  auto c = Contribute(enrollments[0].name(),
                      MakeContribution(37800, Date(2026, 1, 3), Date(2026, 1, 31)));
  ASSERT_TRUE(c.ok()) << c.status();
  auto after_contribution = Query({"regions/15"}, {next_year}, false);
  ASSERT_TRUE(after_contribution.ok()) << after_contribution.status();
  const int64_t g3 = after_contribution->province_generations().at("regions/15");
  EXPECT_GT(g3, g2);
  EXPECT_THAT(RedisGeneration("15"), Optional(std::to_string(g3)));
  EXPECT_EQ(Active(*after_contribution, "regions/15", next_year), 1);
  EXPECT_FALSE(RedisGeneration("16").has_value());  // no write touched Sumatera Selatan

  // A region that does not exist.
  auto missing = Query({"regions/15", "regions/15.08.09"}, {mid}, false);
  ASSERT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_EQ(InfoField(missing.status()), "regions[1]");
}

// ===== 7. ImportRecords =====

TEST_P(RegistryServiceTest, ImportsLenientlyAndIdempotently) {
  const std::string village = "regions/15.08.02.2001";
  const Person good{"24000000201", 17, 8, 1988, false, 4, "Joko Prasetyo"};
  const Person bad_nik{"24000000202", 17, 13, 1988, false, 5, "Bulan Ketigabelas"};
  const Person bpu_jp{"24000000203", 9, 9, 1999, true, 6, "Dewi Lestari"};
  ASSERT_EQ(bad_nik.nik(), "1508011713880005");
  v1::Enrollment bpu_with_jp =
      BpuEnrollment(village, Date(2025, 1, 1), type::v1::FUNDING_SOURCE_WORKER, "", false);
  bpu_with_jp.add_programmes(type::v1::PROGRAMME_JP);
  const std::vector<v1::ImportRow> rows = {
      RegionRow(1, "regions/15.08.02", "Kecamatan Uji Impor"),
      RegionRow(2, village, "Desa Uji Impor"),
      EmployerRow(3, "15080009", village),
      PersonRow(4, good, village, PuEnrollment("employers/15080009", village, Date(2025, 1, 1)),
                MakeContribution(1200000, Date(2025, 1, 10), Date(2025, 12, 31))),
      PersonRow(
          5, bad_nik, village,
          BpuEnrollment(village, Date(2025, 1, 1), type::v1::FUNDING_SOURCE_WORKER, "", false),
          std::nullopt),
      PersonRow(6, bpu_jp, village, bpu_with_jp, std::nullopt),
  };
  // Message boundaries (3 + 3) differ from batch boundaries (2 + 2 + 2).
  auto stream = [&](const std::string& import_id) {
    return std::vector<v1::ImportRecordsRequest>{
        Header(import_id, v1::IMPORT_MODE_LENIENT, 2),
        Rows({rows[0], rows[1], rows[2]}),
        Rows({rows[3], rows[4], rows[5]}),
    };
  };

  auto first = Import(kRegistrarToken, stream("import-2025-01"));
  ASSERT_TRUE(first.status.ok()) << first.status;
  const v1::ImportRecordsResponse& r1 = first.response;
  EXPECT_EQ(r1.import_id(), "import-2025-01");
  EXPECT_EQ(r1.rows_received(), 6);
  EXPECT_EQ(r1.rows_accepted(), 4);
  EXPECT_EQ(r1.rows_unchanged(), 0);
  EXPECT_EQ(r1.rows_rejected(), 2);
  EXPECT_EQ(r1.rows_rolled_back(), 0);
  EXPECT_EQ(r1.batches_committed(), 3);
  EXPECT_EQ(r1.batches_rolled_back(), 0);
  EXPECT_FALSE(r1.replayed());
  EXPECT_FALSE(r1.rejected_rows_truncated());
  ASSERT_EQ(r1.rejected_rows_size(), 2);
  EXPECT_EQ(r1.rejected_rows(0).row_number(), 5);
  EXPECT_EQ(r1.rejected_rows(0).field(), "participant.nik");
  EXPECT_EQ(r1.rejected_rows(0).code(), "INVALID_ARGUMENT");
  EXPECT_FALSE(r1.rejected_rows(0).reason().empty());
  EXPECT_THAT(r1.rejected_rows(0).reason(), Not(HasSubstr(bad_nik.nik())));
  EXPECT_THAT(r1.rejected_rows(0).reason(), Not(HasSubstr("171388")));
  EXPECT_EQ(r1.rejected_rows(1).row_number(), 6);
  EXPECT_EQ(r1.rejected_rows(1).field(), "enrollment.programmes");
  EXPECT_EQ(r1.rejected_rows(1).code(), "INVALID_ARGUMENT");

  // What the import wrote (the NIK in clear only for pii_reader).
  v1::GetParticipantRequest get;
  get.set_name(good.name());
  auto joko = Call(&Stub::GetParticipant, kPiiReaderToken, get);
  ASSERT_TRUE(joko.ok()) << joko.status();
  EXPECT_EQ(joko->nik(), good.nik());
  get.set_name(bpu_jp.name());  // the row was rejected as a whole
  EXPECT_EQ(Call(&Stub::GetParticipant, kRegistrarToken, get).status().code(),
            absl::StatusCode::kNotFound);
  const auto mid = Date(2025, 6, 30);
  auto counts1 = Query({"regions/15", village}, {mid}, false);
  ASSERT_TRUE(counts1.ok()) << counts1.status();
  EXPECT_EQ(Active(*counts1, "regions/15", mid), 1);
  EXPECT_EQ(Active(*counts1, village, mid), 1);
  const int64_t generation1 = counts1->province_generations().at("regions/15");
  EXPECT_THAT(RedisGeneration("15"), Optional(std::to_string(generation1)));

  // The same rows under a new import id: nothing to do.
  auto second = Import(kRegistrarToken, stream("import-2025-01-again"));
  ASSERT_TRUE(second.status.ok()) << second.status;
  const v1::ImportRecordsResponse& r2 = second.response;
  EXPECT_EQ(r2.import_id(), "import-2025-01-again");
  EXPECT_FALSE(r2.replayed());
  EXPECT_EQ(r2.rows_received(), 6);
  EXPECT_EQ(r2.rows_accepted(), 0);
  EXPECT_EQ(r2.rows_unchanged(), 4);
  EXPECT_EQ(r2.rows_rejected(), 2);
  ASSERT_EQ(r2.rejected_rows_size(), 2);
  EXPECT_EQ(r2.rejected_rows(0).row_number(), 5);
  EXPECT_EQ(r2.rejected_rows(1).row_number(), 6);
  auto counts2 = Query({"regions/15", village}, {mid}, false);
  ASSERT_TRUE(counts2.ok()) << counts2.status();
  EXPECT_EQ(Active(*counts2, "regions/15", mid), 1);
  EXPECT_EQ(Active(*counts2, village, mid), 1);
  v1::ListEnrollmentsRequest enrollments;
  enrollments.set_parent(good.name());
  auto listed = Call(&Stub::ListEnrollments, kRegistrarToken, enrollments);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->enrollments_size(), 1);
  v1::ListContributionsRequest contributions;
  contributions.set_parent(listed->enrollments(0).name());
  auto paid = Call(&Stub::ListContributions, kRegistrarToken, contributions);
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(paid->contributions_size(), 1);

  // The first import id again: the recorded answer, and nothing is applied, not even a row the
  // first import did not have.
  const Person newcomer{"24000000204", 2, 2, 1992, false, 7, "Rudi Hartono"};
  std::vector<v1::ImportRecordsRequest> replay = stream("import-2025-01");
  replay.push_back(Rows({PersonRow(
      7, newcomer, village,
      BpuEnrollment(village, Date(2025, 1, 1), type::v1::FUNDING_SOURCE_WORKER, "", false),
      std::nullopt)}));
  auto third = Import(kRegistrarToken, replay);
  ASSERT_TRUE(third.status.ok()) << third.status;
  const v1::ImportRecordsResponse& r3 = third.response;
  EXPECT_TRUE(r3.replayed());
  EXPECT_EQ(r3.import_id(), "import-2025-01");
  EXPECT_EQ(r3.rows_received(), 6);
  EXPECT_EQ(r3.rows_accepted(), 4);
  EXPECT_EQ(r3.rows_rejected(), 2);
  ASSERT_EQ(r3.rejected_rows_size(), 2);
  EXPECT_EQ(r3.rejected_rows(1).field(), "enrollment.programmes");
  get.set_name(newcomer.name());
  EXPECT_EQ(Call(&Stub::GetParticipant, kRegistrarToken, get).status().code(),
            absl::StatusCode::kNotFound);
}

// A history migrated through import: the person's earlier enrollment carries its end_date and is
// imported terminated (the fast path, a new person), the current one active (the general path, a
// known person); both count only on their own days, a re-import changes nothing, and an end
// before the start is rejected on its field.
TEST_P(RegistryServiceTest, ImportsAHistoryWithATerminatedEnrollment) {
  const std::string village = "regions/15.08.02.2001";
  const Person worker{"24000000301", 3, 3, 1990, false, 8, "Sri Wahyuni"};
  v1::Enrollment earlier = PuEnrollment("employers/15080009", village, Date(2020, 1, 1));
  *earlier.mutable_end_date() = Date(2022, 7, 1);
  v1::Enrollment current =
      BpuEnrollment(village, Date(2023, 1, 1), type::v1::FUNDING_SOURCE_WORKER, "", false);
  v1::Enrollment backwards =
      BpuEnrollment(village, Date(2024, 1, 1), type::v1::FUNDING_SOURCE_WORKER, "", false);
  *backwards.mutable_end_date() = Date(2023, 12, 31);
  const std::vector<v1::ImportRow> rows = {
      RegionRow(1, "regions/15.08.02", "Kecamatan Uji Impor"),
      RegionRow(2, village, "Desa Uji Impor"),
      EmployerRow(3, "15080009", village),
      PersonRow(4, worker, village, earlier,
                MakeContribution(100000, Date(2020, 1, 5), Date(2022, 12, 31))),
      PersonRow(5, worker, village, current,
                MakeContribution(100000, Date(2023, 1, 5), Date(2025, 12, 31))),
      PersonRow(6, worker, village, backwards, std::nullopt),
  };
  auto stream = [&](const std::string& id) {
    return std::vector<v1::ImportRecordsRequest>{Header(id, v1::IMPORT_MODE_LENIENT, 0),
                                                 Rows(rows)};
  };
  auto first = Import(kRegistrarToken, stream("history-1"));
  ASSERT_TRUE(first.status.ok()) << first.status;
  EXPECT_EQ(first.response.rows_accepted(), 5);
  ASSERT_EQ(first.response.rejected_rows_size(), 1);
  EXPECT_EQ(first.response.rejected_rows(0).row_number(), 6);
  EXPECT_EQ(first.response.rejected_rows(0).field(), "enrollment.end_date");

  v1::ListEnrollmentsRequest list;
  list.set_parent(worker.name());
  auto listed = Call(&Stub::ListEnrollments, kRegistrarToken, list);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->enrollments_size(), 2);
  int terminated = 0;
  for (const v1::Enrollment& e : listed->enrollments()) {
    if (e.state() != v1::ENROLLMENT_STATE_TERMINATED) continue;
    ++terminated;
    EXPECT_EQ(e.end_date().year(), 2022);
    EXPECT_EQ(e.paid_through_date().year(), 2022);
  }
  EXPECT_EQ(terminated, 1);
  // Active while the first enrollment ran (until 30 June 2022, not after), then in the second.
  const auto in_first = Date(2021, 6, 30), gap = Date(2022, 9, 30), in_second = Date(2024, 6, 30);
  auto counts = Query({"regions/15", village}, {in_first, gap, in_second}, false);
  ASSERT_TRUE(counts.ok()) << counts.status();
  for (const char* region : {"regions/15", "regions/15.08.02.2001"}) {
    EXPECT_EQ(Active(*counts, region, in_first), 1) << region;
    EXPECT_EQ(Active(*counts, region, gap), 0) << region;
    EXPECT_EQ(Active(*counts, region, in_second), 1) << region;
  }

  auto again = Import(kRegistrarToken, stream("history-2"));
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_EQ(again.response.rows_accepted(), 0);
  EXPECT_EQ(again.response.rows_unchanged(), 5);
}

// Monthly postings: contribution rows extend existing enrollments' paid-through dates (and the
// counts with them); a repeated posting is unchanged, and a bad one is rejected on its field.
TEST_P(RegistryServiceTest, ImportsContributionPostingsForExistingEnrollments) {
  const std::string village = "regions/15.08.02.2001";
  const Person worker{"24000000401", 4, 4, 1991, false, 9, "Agus Salim"};
  const std::vector<v1::ImportRow> people = {
      RegionRow(1, "regions/15.08.02", "Kecamatan Uji Impor"),
      RegionRow(2, village, "Desa Uji Impor"),
      PersonRow(
          3, worker, village,
          BpuEnrollment(village, Date(2025, 1, 1), type::v1::FUNDING_SOURCE_WORKER, "", false),
          MakeContribution(16800, Date(2025, 1, 5), Date(2025, 1, 31))),
  };
  auto loaded =
      Import(kRegistrarToken, {Header("people-1", v1::IMPORT_MODE_LENIENT, 0), Rows(people)});
  ASSERT_TRUE(loaded.status.ok()) << loaded.status;
  ASSERT_EQ(loaded.response.rows_accepted(), 3);
  v1::ListEnrollmentsRequest list;
  list.set_parent(worker.name());
  auto listed = Call(&Stub::ListEnrollments, kRegistrarToken, list);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->enrollments_size(), 1);
  const std::string enrollment = listed->enrollments(0).name();

  auto posting = [&](int64_t n, const std::string& name, absl::CivilDay paid,
                     absl::CivilDay covers) {
    v1::ImportRow row;
    row.set_row_number(n);
    row.mutable_contribution()->set_enrollment(name);
    *row.mutable_contribution()->mutable_contribution() =
        MakeContribution(16800, Date(paid.year(), paid.month(), paid.day()),
                         Date(covers.year(), covers.month(), covers.day()));
    return row;
  };
  const std::vector<v1::ImportRow> postings = {
      posting(1, enrollment, absl::CivilDay(2025, 2, 5), absl::CivilDay(2025, 2, 28)),
      posting(2, enrollment, absl::CivilDay(2025, 3, 5), absl::CivilDay(2025, 3, 31)),
      posting(3, enrollment, absl::CivilDay(2025, 3, 6), absl::CivilDay(2025, 3, 15)),  // back
      posting(4, worker.name() + "/enrollments/e999", absl::CivilDay(2025, 3, 5),
              absl::CivilDay(2025, 3, 31)),
      posting(5, "participants/1", absl::CivilDay(2025, 3, 5), absl::CivilDay(2025, 3, 31)),
  };
  auto stream = [&](const std::string& id) {
    return std::vector<v1::ImportRecordsRequest>{Header(id, v1::IMPORT_MODE_LENIENT, 0),
                                                 Rows(postings)};
  };
  auto first = Import(kRegistrarToken, stream("postings-2025-03"));
  ASSERT_TRUE(first.status.ok()) << first.status;
  EXPECT_EQ(first.response.rows_accepted(), 2);
  ASSERT_EQ(first.response.rejected_rows_size(), 3);
  EXPECT_EQ(first.response.rejected_rows(0).field(), "contribution.contribution.covers_through");
  EXPECT_EQ(first.response.rejected_rows(0).code(), "FAILED_PRECONDITION");
  EXPECT_EQ(first.response.rejected_rows(1).field(), "contribution.enrollment");
  EXPECT_EQ(first.response.rejected_rows(1).code(), "NOT_FOUND");
  EXPECT_EQ(first.response.rejected_rows(2).field(), "contribution.enrollment");
  EXPECT_EQ(first.response.rejected_rows(2).code(), "INVALID_ARGUMENT");

  v1::GetEnrollmentRequest get;
  get.set_name(enrollment);
  auto stored = Call(&Stub::GetEnrollment, kRegistrarToken, get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->paid_through_date().month(), 3);
  EXPECT_EQ(stored->paid_through_date().day(), 31);
  // Postings run without a savepoint: the refused one left no contribution behind.
  v1::ListContributionsRequest contributions;
  contributions.set_parent(enrollment);
  auto recorded = Call(&Stub::ListContributions, kRegistrarToken, contributions);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->contributions_size(), 3);  // the first one and two postings
  auto counts = Query({"regions/15", village}, {Date(2025, 3, 20), Date(2025, 4, 1)}, false);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(Active(*counts, "regions/15", Date(2025, 3, 20)), 1);
  EXPECT_EQ(Active(*counts, village, Date(2025, 3, 20)), 1);
  EXPECT_EQ(Active(*counts, "regions/15", Date(2025, 4, 1)), 0);

  auto again = Import(kRegistrarToken, stream("postings-2025-03-again"));
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_EQ(again.response.rows_accepted(), 0);
  EXPECT_EQ(again.response.rows_unchanged(), 2);
  EXPECT_EQ(again.response.rows_rejected(), 3);
}

// A district and `villages` villages under it, one row each, numbered from 1.
std::vector<v1::ImportRow> DistrictRows(const std::string& district, int villages) {
  std::vector<v1::ImportRow> rows = {RegionRow(1, district, "Kecamatan Uji Impor")};
  for (int i = 1; i <= villages; ++i) {
    rows.push_back(RegionRow(i + 1, absl::StrFormat("%s.%04d", district, 2000 + i),
                             absl::StrCat("Desa Uji ", i)));
  }
  return rows;
}

std::string ErrorReason(const absl::Status& s) {
  auto info = GetErrorInfo(s);
  return info.has_value() ? info->reason() : "";
}

// Issue 13, item 1: a stream that ended without its ImportEnd was recorded as a completed import,
// and a retry with the same id replayed the partial result as success.
TEST_P(RegistryServiceTest, AStreamWithoutImportEndIsAbortedAndTheRetryResumes) {
  const std::vector<v1::ImportRow> rows = DistrictRows("regions/15.08.03", 4);
  auto cut = Import(
      kRegistrarToken,
      {Header("cut-short", v1::IMPORT_MODE_LENIENT, 2), Rows({rows[0], rows[1]}), Rows({rows[2]})},
      /*end=*/false);
  ASSERT_EQ(cut.status.code(), absl::StatusCode::kAborted) << cut.status;
  EXPECT_EQ(ErrorReason(cut.status), "IMPORT_INCOMPLETE");
  EXPECT_THAT(GetErrorInfo(cut.status)->metadata(),
              testing::Contains(testing::Pair("rows_received", "3")));

  // The same id again, whole: not a replay; what was committed counts unchanged.
  auto retry =
      Import(kRegistrarToken, {Header("cut-short", v1::IMPORT_MODE_LENIENT, 2),
                               Rows({rows[0], rows[1], rows[2]}), Rows({rows[3], rows[4]})});
  ASSERT_TRUE(retry.status.ok()) << retry.status;
  EXPECT_FALSE(retry.response.replayed());
  EXPECT_EQ(retry.response.rows_received(), 5);
  EXPECT_EQ(retry.response.rows_unchanged(), 3);
  EXPECT_EQ(retry.response.rows_accepted(), 2);

  // Now it is complete: a third stream replays it.
  auto again = Import(kRegistrarToken, {Header("cut-short", v1::IMPORT_MODE_LENIENT, 2)});
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_TRUE(again.response.replayed());
  EXPECT_EQ(again.response.rows_received(), 5);
}

TEST_P(RegistryServiceTest, ACancelledImportIsNotRecordedAndTheRetryImportsTheRest) {
  const std::vector<v1::ImportRow> rows = DistrictRows("regions/15.08.04", 9);
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kRegistrarToken));
    v1::ImportRecordsResponse response;
    auto writer = stub_->ImportRecords(&ctx, &response);
    ASSERT_TRUE(writer->Write(Header("cancelled", v1::IMPORT_MODE_LENIENT, 1)));
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(writer->Write(Rows({rows[i]})));
    // Wait (bounded) until the server has committed the fourth row, then cancel.
    v1::GetRegionRequest get;
    get.set_name(rows[3].region().name());
    for (int i = 0; i < 500 && !Call(&Stub::GetRegion, kAnalystToken, get).ok(); ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_TRUE(Call(&Stub::GetRegion, kAnalystToken, get).ok()) << "no row committed in 5 s";
    ctx.TryCancel();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // The server may still be finishing the cancelled stream: retry until the id is free.
  ImportOutcome retry;
  std::vector<v1::ImportRecordsRequest> whole = {Header("cancelled", v1::IMPORT_MODE_LENIENT, 1),
                                                 Rows(rows)};
  for (int i = 0; i < 100; ++i) {
    retry = Import(kRegistrarToken, whole);
    if (ErrorReason(retry.status) != "IMPORT_RUNNING") break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(retry.status.ok()) << retry.status;
  EXPECT_FALSE(retry.response.replayed()) << "the cancelled stream was recorded as complete";
  EXPECT_EQ(retry.response.rows_received(), 10);
  EXPECT_GE(retry.response.rows_unchanged(), 4);
  EXPECT_EQ(retry.response.rows_unchanged() + retry.response.rows_accepted(), 10);
  for (const v1::ImportRow& row : rows) {
    v1::GetRegionRequest get;
    get.set_name(row.region().name());
    EXPECT_TRUE(Call(&Stub::GetRegion, kAnalystToken, get).ok()) << row.region().name();
  }
}

// A message the server cannot parse (here a string that is not UTF-8) ends the stream on the server
// as a half-close would; it used to answer OK with the rows before it.
TEST_P(RegistryServiceTest, AnUnparsableMessageAbortsTheImport) {
  std::vector<v1::ImportRow> rows = DistrictRows("regions/15.08.05", 2);
  rows[1].mutable_region()->set_display_name("Desa \xC3\x28");
  auto out = Import(kRegistrarToken, {Header("bad-utf8", v1::IMPORT_MODE_LENIENT, 1),
                                      Rows({rows[0]}), Rows({rows[1]}), Rows({rows[2]})});
  ASSERT_EQ(out.status.code(), absl::StatusCode::kAborted) << out.status;
  EXPECT_EQ(ErrorReason(out.status), "IMPORT_INCOMPLETE");
  auto again = Import(kRegistrarToken, {Header("bad-utf8", v1::IMPORT_MODE_LENIENT, 1)});
  EXPECT_FALSE(again.response.replayed()) << "the broken import was recorded as complete";
}

TEST_P(RegistryServiceTest, ImportEndMustCountTheRowsSent) {
  const std::vector<v1::ImportRow> rows = DistrictRows("regions/15.08.06", 1);
  v1::ImportRecordsRequest end;
  end.mutable_end()->set_rows_sent(3);
  auto out =
      Import(kRegistrarToken, {Header("miscounted", v1::IMPORT_MODE_LENIENT, 1), Rows(rows), end},
             /*end=*/false);
  ASSERT_EQ(out.status.code(), absl::StatusCode::kInvalidArgument) << out.status;
  EXPECT_THAT(ViolationFields(out.status), ElementsAre("end.rows_sent"));
  auto again = Import(kRegistrarToken, {Header("miscounted", v1::IMPORT_MODE_LENIENT, 1)});
  EXPECT_FALSE(again.response.replayed());
}

TEST_P(RegistryServiceTest, OneImportIdRunsOnceAtATime) {
  const std::vector<v1::ImportRow> rows = DistrictRows("regions/15.08.07", 1);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kRegistrarToken));
  v1::ImportRecordsResponse response;
  auto first = stub_->ImportRecords(&ctx, &response);
  ASSERT_TRUE(first->Write(Header("twice", v1::IMPORT_MODE_LENIENT, 1)));
  ASSERT_TRUE(first->Write(Rows({rows[0]})));
  // Bounded wait until the first stream holds the id (its first row is committed).
  v1::GetRegionRequest get;
  get.set_name(rows[0].region().name());
  for (int i = 0; i < 500 && !Call(&Stub::GetRegion, kAnalystToken, get).ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  auto second = Import(kRegistrarToken, {Header("twice", v1::IMPORT_MODE_LENIENT, 1), Rows(rows)});
  EXPECT_EQ(second.status.code(), absl::StatusCode::kAborted) << second.status;
  EXPECT_EQ(ErrorReason(second.status), "IMPORT_RUNNING");

  ASSERT_TRUE(first->Write(Rows({rows[1]})));
  v1::ImportRecordsRequest end;
  end.mutable_end()->set_rows_sent(2);
  ASSERT_TRUE(first->Write(end));
  first->WritesDone();
  grpc::Status s = first->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.rows_accepted(), 2);
}

TEST_P(RegistryServiceTest, StrictImportWritesNothingFromABatchWithARejectedRow) {
  CreateVillage();
  const Person a{"24000000301", 3, 4, 1991, false, 11, "Agus Salim"};
  const Person b{"24000000302", 4, 5, 1993, true, 12, "Rina Wati"};
  const Person c{"24000000303", 5, 6, 1995, false, 13, "Eko Susilo"};
  auto bpu = BpuEnrollment(kVillage, Date(2025, 1, 1), type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET,
                           "dumisake", false);
  auto pay = MakeContribution(453600, Date(2025, 1, 5), Date(2025, 12, 31));
  const auto generation_before = Query({"regions/15"}, {Date(2025, 6, 30)}, false);
  ASSERT_TRUE(generation_before.ok()) << generation_before.status();

  auto out = Import(
      kRegistrarToken,
      {Header("strict-1", v1::IMPORT_MODE_STRICT, 10),
       Rows({PersonRow(10, a, kVillage, bpu, pay), PersonRow(11, b, kVillage, bpu, pay),
             // PU without an employer.
             PersonRow(12, c, kVillage, PuEnrollment("", kVillage, Date(2025, 1, 1)), pay)})});
  ASSERT_TRUE(out.status.ok()) << out.status;
  const auto& r = out.response;
  EXPECT_EQ(r.rows_received(), 3);
  EXPECT_EQ(r.rows_accepted(), 0);
  EXPECT_EQ(r.rows_unchanged(), 0);
  EXPECT_EQ(r.rows_rejected(), 1);
  EXPECT_EQ(r.rows_rolled_back(), 2);
  EXPECT_EQ(r.batches_committed(), 0);
  EXPECT_EQ(r.batches_rolled_back(), 1);
  ASSERT_EQ(r.rejected_rows_size(), 1);
  EXPECT_EQ(r.rejected_rows(0).row_number(), 12);
  EXPECT_EQ(r.rejected_rows(0).field(), "enrollment.employer");
  EXPECT_EQ(r.rejected_rows(0).code(), "INVALID_ARGUMENT");

  for (const Person* p : {&a, &b, &c}) {
    v1::GetParticipantRequest get;
    get.set_name(p->name());
    EXPECT_EQ(Call(&Stub::GetParticipant, kRegistrarToken, get).status().code(),
              absl::StatusCode::kNotFound)
        << p->kpj;
    v1::FindParticipantByNikRequest find;
    find.set_nik(p->nik());
    EXPECT_EQ(Call(&Stub::FindParticipantByNik, kPiiReaderToken, find).status().code(),
              absl::StatusCode::kNotFound)
        << p->kpj;
  }
  auto counts = Query({"regions/15"}, {Date(2025, 6, 30)}, false);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(Active(*counts, "regions/15", Date(2025, 6, 30)), 0);
  EXPECT_EQ(counts->province_generations().at("regions/15"),
            generation_before->province_generations().at("regions/15"));
}

TEST_P(RegistryServiceTest, ValidateOnlyCountsAsARealImportAndWritesNothing) {
  // ImportHeader.validate_only: every batch is validated and rolled back; a batch sees what is
  // stored and its own earlier rows. With one batch holding the file, the dry run counts exactly
  // what a real import would; with one row per batch the village cannot see its district.
  auto before = Query({"regions/15"}, {Date(2025, 6, 30)}, false);
  ASSERT_TRUE(before.ok()) << before.status();
  const auto rows = Rows({RegionRow(1, "regions/15.08.01", "Kecamatan Pelepat"),
                          RegionRow(2, "regions/15.08.01.2001", "Desa Rantau Keloyang")});
  v1::ImportRecordsRequest whole = Header("dry-run", v1::IMPORT_MODE_LENIENT, 10);
  whole.mutable_header()->set_validate_only(true);
  auto out = Import(kRegistrarToken, {whole, rows});
  ASSERT_TRUE(out.status.ok()) << out.status;
  const auto& r = out.response;
  EXPECT_TRUE(r.validate_only());
  EXPECT_FALSE(r.replayed());
  EXPECT_EQ(r.rows_received(), 2);
  EXPECT_EQ(r.batches_committed(), 0);
  EXPECT_EQ(r.batches_rolled_back(), 1);
  EXPECT_EQ(r.rows_accepted(), 2);
  EXPECT_EQ(r.rows_rejected(), 0);

  v1::ImportRecordsRequest per_row = Header("dry-run", v1::IMPORT_MODE_LENIENT, 1);
  per_row.mutable_header()->set_validate_only(true);
  auto split = Import(kRegistrarToken, {per_row, rows});
  ASSERT_TRUE(split.status.ok()) << split.status;
  EXPECT_EQ(split.response.batches_rolled_back(), 2);
  EXPECT_EQ(split.response.rows_accepted(), 1);
  ASSERT_EQ(split.response.rejected_rows_size(), 1);
  EXPECT_EQ(split.response.rejected_rows(0).row_number(), 2);
  EXPECT_EQ(split.response.rejected_rows(0).code(), "NOT_FOUND");

  v1::GetRegionRequest get;
  get.set_name("regions/15.08.01");
  EXPECT_EQ(Call(&Stub::GetRegion, kAnalystToken, get).status().code(),
            absl::StatusCode::kNotFound);
  auto after = Query({"regions/15"}, {Date(2025, 6, 30)}, false);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->province_generations().at("regions/15"),
            before->province_generations().at("regions/15"));

  // Not recorded: the same id now imports for real.
  auto real = Import(kRegistrarToken, {Header("dry-run", v1::IMPORT_MODE_LENIENT, 1), rows});
  ASSERT_TRUE(real.status.ok()) << real.status;
  EXPECT_FALSE(real.response.replayed());
  EXPECT_FALSE(real.response.validate_only());
  EXPECT_EQ(real.response.rows_accepted(), 2);
  EXPECT_EQ(real.response.batches_committed(), 2);
  EXPECT_TRUE(Call(&Stub::GetRegion, kAnalystToken, get).ok());
}

TEST_P(RegistryServiceTest, ImportRefusesAStreamWithoutHeader) {
  CreateVillage();
  const Person a{"24000000401", 3, 4, 1991, false, 21, "Agus Salim"};
  auto out = Import(kRegistrarToken,
                    {Rows({PersonRow(1, a, kVillage,
                                     BpuEnrollment(kVillage, Date(2025, 1, 1),
                                                   type::v1::FUNDING_SOURCE_WORKER, "", false),
                                     std::nullopt)})});
  ASSERT_EQ(out.status.code(), absl::StatusCode::kInvalidArgument) << out.status;
  EXPECT_THAT(ViolationFields(out.status), ElementsAre("header"));
  v1::GetParticipantRequest get;
  get.set_name(a.name());
  EXPECT_EQ(Call(&Stub::GetParticipant, kRegistrarToken, get).status().code(),
            absl::StatusCode::kNotFound);

  // A header without mode is invalid too.
  auto no_mode = Import(kRegistrarToken, {Header("no-mode", v1::IMPORT_MODE_UNSPECIFIED, 0)});
  ASSERT_EQ(no_mode.status.code(), absl::StatusCode::kInvalidArgument) << no_mode.status;
  EXPECT_THAT(ViolationFields(no_mode.status), ElementsAre("header.mode"));
}

TEST_P(RegistryServiceTest, ImportErrorsKeepCommittedBatchesAndSayHowMany) {
  // "Errors that end the whole call (batches already committed stay committed, and the
  // ErrorInfo metadata key `batches_committed` says how many): ... a second header, ... a
  // message with no rows ... (INVALID_ARGUMENT)".
  auto second_header =
      Import(kRegistrarToken, {Header("two-headers", v1::IMPORT_MODE_LENIENT, 1),
                               Rows({RegionRow(1, "regions/15.08.01", "Kecamatan Pelepat")}),
                               Header("two-headers", v1::IMPORT_MODE_LENIENT, 1)});
  ASSERT_EQ(second_header.status.code(), absl::StatusCode::kInvalidArgument)
      << second_header.status;
  v1::GetRegionRequest get;
  get.set_name("regions/15.08.01");
  EXPECT_TRUE(Call(&Stub::GetRegion, kAnalystToken, get).ok()) << "the committed batch was lost";
  auto info = GetErrorInfo(second_header.status);
  ASSERT_TRUE(info.has_value());
  EXPECT_THAT(info->metadata(), testing::Contains(testing::Pair("batches_committed", "1")))
      << "ErrorInfo of the second-header error: " << info->DebugString();

  auto empty_chunk =
      Import(kRegistrarToken,
             {Header("empty-chunk", v1::IMPORT_MODE_LENIENT, 1),
              Rows({RegionRow(1, "regions/15.08.02", "Kecamatan Pelepat Ilir")}), Rows({})});
  EXPECT_EQ(empty_chunk.status.code(), absl::StatusCode::kInvalidArgument)
      << "a message with no rows: " << empty_chunk.status;
  if (auto i = GetErrorInfo(empty_chunk.status)) {
    EXPECT_THAT(i->metadata(), testing::Contains(testing::Pair("batches_committed", "1")));
  }
}

// ===== 8. Authentication and roles =====

TEST_P(RegistryServiceTest, RequiresATokenAndTheRightRole) {
  v1::GetRegionRequest get;
  get.set_name("regions/15");
  auto anonymous = Call(&Stub::GetRegion, "", get);
  ASSERT_EQ(anonymous.status().code(), absl::StatusCode::kUnauthenticated) << anonymous.status();
  EXPECT_EQ(Reason(anonymous.status()), "UNAUTHENTICATED");
  EXPECT_EQ(Domain(anonymous.status()), kDomain);
  EXPECT_EQ(Call(&Stub::GetRegion, "unknown-token-0123456789", get).status().code(),
            absl::StatusCode::kUnauthenticated);
  auto jambi = Call(&Stub::GetRegion, kAnalystToken, get);
  ASSERT_TRUE(jambi.ok()) << jambi.status();
  EXPECT_EQ(jambi->display_name(), "Jambi");

  CreateVillage();
  v1::CreateEmployerRequest req;
  req.set_employer_id("15080001");
  *req.mutable_employer() = MakeEmployer("CV Karet Bungo", kVillage);
  auto denied = Call(&Stub::CreateEmployer, kAnalystToken, req);
  ASSERT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied) << denied.status();
  EXPECT_EQ(Reason(denied.status()), "PERMISSION_DENIED");
  EXPECT_EQ(Domain(denied.status()), kDomain);
  EXPECT_EQ(Call(&Stub::CreateEmployer, "", req).status().code(),
            absl::StatusCode::kUnauthenticated);
  v1::GetEmployerRequest get_employer;
  get_employer.set_name("employers/15080001");
  EXPECT_EQ(Call(&Stub::GetEmployer, kAnalystToken, get_employer).status().code(),
            absl::StatusCode::kNotFound);

  // Writes need registrar or admin.
  auto by_admin = Call(&Stub::CreateEmployer, kAdminToken, req);
  ASSERT_TRUE(by_admin.ok()) << by_admin.status();
  auto read_back = Call(&Stub::GetEmployer, kAnalystToken, get_employer);
  ASSERT_TRUE(read_back.ok()) << read_back.status();
  EXPECT_EQ(read_back->display_name(), "CV Karet Bungo");

  // The import stream too.
  auto import_denied = Import(kAnalystToken, {Header("by-analyst", v1::IMPORT_MODE_LENIENT, 0)});
  EXPECT_EQ(import_denied.status.code(), absl::StatusCode::kPermissionDenied)
      << import_denied.status;
  auto import_anonymous = Import("", {Header("anonymous", v1::IMPORT_MODE_LENIENT, 0)});
  EXPECT_EQ(import_anonymous.status.code(), absl::StatusCode::kUnauthenticated)
      << import_anonymous.status;
}

// ===== 9. Data-subject rights (UU 27/2022) =====
// ExportPersonalData and ErasePersonalData, as the contract in registry.proto states them.

TEST_P(RegistryServiceTest, ExportReturnsTheParticipantItsEnrollmentsAndContributions) {
  PopulateDataSubjects();
  const absl::Time before = absl::Now();
  auto out = Export(kPiiReaderToken, subject_.nik());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->participant().name(), subject_.name());
  EXPECT_EQ(out->participant().nik(), subject_.nik());
  EXPECT_EQ(out->participant().display_name(), kSecretName);
  EXPECT_EQ(out->participant().birth_date().year(), 1991);
  EXPECT_FALSE(out->participant().has_erase_time());
  ASSERT_EQ(out->enrollments_size(), 2);
  for (const auto& e : out->enrollments()) {
    EXPECT_TRUE(absl::StartsWith(e.name(), subject_.name() + "/")) << e.name();
  }
  EXPECT_EQ(out->enrollments(0).state(), v1::ENROLLMENT_STATE_TERMINATED);
  ASSERT_EQ(out->contributions_size(), 3);
  EXPECT_EQ(out->contributions(0).covers_through().month(), 3);
  EXPECT_EQ(out->contributions(1).covers_through().month(), 6);
  EXPECT_EQ(out->contributions(2).covers_through().year(), 2024);
  for (const auto& c : out->contributions()) {
    EXPECT_TRUE(absl::StartsWith(c.name(), subject_.name() + "/")) << c.name();
  }
  const absl::Time exported = absl::FromUnixSeconds(out->export_time().seconds());
  // A second of slack: absl::Now() and protobuf's clock (gettimeofday) may disagree by a little,
  // which truncating to seconds turns into a whole second at a second's boundary.
  EXPECT_GE(exported, absl::FromUnixSeconds(absl::ToUnixSeconds(before)) - absl::Seconds(1));
  EXPECT_LE(exported, absl::Now());

  // A NIK nobody holds, and a malformed one (not echoed).
  auto missing = Export(kPiiReaderToken, "1508015203910999");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  auto bad = Export(kPiiReaderToken, "15080152039");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(absl::StrContains(bad.status().message(), "15080152039"));
}

TEST_P(RegistryServiceTest, OnlyPiiReadersExportAndOnlyRegistrarsWithThePiiRightErase) {
  PopulateDataSubjects();
  for (const char* token : {kRegistrarToken, kAnalystToken, kAdminToken}) {
    auto out = Export(token, subject_.nik());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kPermissionDenied) << token;
    EXPECT_FALSE(absl::StrContains(out.status().ToString(), subject_.nik()));
  }
  EXPECT_TRUE(Export(kPiiReaderToken, subject_.nik()).ok());
  EXPECT_TRUE(Export(kEraserToken, subject_.nik()).ok());

  for (const char* token : {kRegistrarToken, kPiiReaderToken, kAnalystToken, kAdminToken}) {
    auto out = Erase(token, subject_.name());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kPermissionDenied) << token;
  }
  // Nothing was erased by the refused calls.
  EXPECT_TRUE(Export(kPiiReaderToken, subject_.nik()).ok());
  EXPECT_TRUE(Erase(kEraserToken, subject_.name()).ok());
  EXPECT_EQ(Erase(kEraserToken, "participants/24000000999").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Erase(kEraserToken, "people/1").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(RegistryServiceTest, ErasureMakesThePersonAnonymousAndKeepsEveryCount) {
  PopulateDataSubjects();
  const std::string counts = Counts();
  ASSERT_FALSE(counts.empty());
  auto exported = Export(kPiiReaderToken, subject_.nik());
  ASSERT_TRUE(exported.ok()) << exported.status();

  auto erased = Erase(kEraserToken, subject_.name());
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_TRUE(erased->has_erase_time());
  EXPECT_EQ(erased->display_name(), "");
  EXPECT_EQ(erased->nik(), "");
  EXPECT_EQ(erased->nik_masked(), "");
  EXPECT_FALSE(erased->has_birth_date());
  EXPECT_EQ(erased->kpj(), subject_.kpj);
  EXPECT_EQ(erased->sex(), v1::SEX_FEMALE);
  EXPECT_EQ(erased->domicile_region(), kVillage);

  // Every count as before.
  EXPECT_EQ(Counts(), counts);

  // Not found by NIK, not exportable, and shown without any personal field even to a PII reader.
  v1::FindParticipantByNikRequest find;
  find.set_nik(subject_.nik());
  EXPECT_EQ(Call(&Stub::FindParticipantByNik, kPiiReaderToken, find).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Export(kPiiReaderToken, subject_.nik()).status().code(), absl::StatusCode::kNotFound);
  v1::GetParticipantRequest get;
  get.set_name(subject_.name());
  for (const char* token : {kPiiReaderToken, kRegistrarToken, kAnalystToken}) {
    auto p = Call(&Stub::GetParticipant, token, get);
    ASSERT_TRUE(p.ok()) << token << ": " << p.status();
    EXPECT_EQ(p->display_name(), "");
    EXPECT_EQ(p->nik(), "");
    EXPECT_EQ(p->nik_masked(), "");
    EXPECT_FALSE(p->has_birth_date());
    EXPECT_TRUE(p->has_erase_time());
  }
  v1::ListParticipantsRequest list;
  auto all = Call(&Stub::ListParticipants, kPiiReaderToken, list);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->participants_size(), 2);
  EXPECT_EQ(all->participants(0).nik(), "");
  EXPECT_EQ(all->participants(1).nik(), neighbour_.nik());

  // History stays: the same enrollments and contributions.
  v1::ListEnrollmentsRequest enrollments;
  enrollments.set_parent(subject_.name());
  auto listed = Call(&Stub::ListEnrollments, kRegistrarToken, enrollments);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->enrollments_size(), exported->enrollments_size());

  // Idempotent: erasing again changes nothing and returns the erased participant.
  auto again = Erase(kEraserToken, subject_.name());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), erased->SerializeAsString());
  v1::ErasePersonalDataRequest with_id;
  with_id.set_name(subject_.name());
  with_id.set_request_id("erase-24000000101");
  EXPECT_TRUE(Call(&Stub::ErasePersonalData, kEraserToken, with_id).ok());
  EXPECT_TRUE(Call(&Stub::ErasePersonalData, kEraserToken, with_id).ok());

  // No change, no resurrection through an update.
  v1::UpdateParticipantRequest update;
  update.mutable_participant()->set_name(subject_.name());
  update.mutable_participant()->set_display_name("Nama Baru");
  update.mutable_update_mask()->add_paths("display_name");
  auto updated = Call(&Stub::UpdateParticipant, kRegistrarToken, update);
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kFailedPrecondition) << updated.status();
  EXPECT_EQ(Reason(updated.status()), "PARTICIPANT_ERASED");

  // The neighbour is untouched.
  auto neighbour = Export(kPiiReaderToken, neighbour_.nik());
  ASSERT_TRUE(neighbour.ok()) << neighbour.status();
  EXPECT_EQ(neighbour->participant().display_name(), "Ahmad Tetangga");

  // A new registration of the same NIK takes a new KPJ, deliberately.
  Person again_registered = subject_;
  again_registered.kpj = "24000000103";
  again_registered.display_name = "Siti Baru";
  CreateParticipant(again_registered);
  auto found = Call(&Stub::FindParticipantByNik, kPiiReaderToken, find);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name(), again_registered.name());
}

TEST_P(RegistryServiceTest, AnImportRowNamingAnErasedParticipantIsRejected) {
  PopulateDataSubjects();
  ASSERT_TRUE(Erase(kEraserToken, subject_.name()).ok());

  ImportOutcome out =
      Import(kRegistrarToken,
             {Header("dsr-reimport", v1::IMPORT_MODE_LENIENT, 0),
              Rows({PersonRow(1, subject_, kVillage, Bpu(Date(2024, 1, 1)), std::nullopt)})});
  ASSERT_TRUE(out.status.ok()) << out.status;
  const v1::ImportRecordsResponse& response = out.response;
  EXPECT_EQ(response.rows_rejected(), 1);
  ASSERT_EQ(response.rejected_rows_size(), 1);
  EXPECT_EQ(response.rejected_rows(0).field(), "participant.name");
  EXPECT_EQ(response.rejected_rows(0).code(), "FAILED_PRECONDITION");
  EXPECT_TRUE(absl::StrContains(response.rejected_rows(0).reason(), "erased"))
      << response.rejected_rows(0).reason();

  v1::FindParticipantByNikRequest find;
  find.set_nik(subject_.nik());
  EXPECT_EQ(Call(&Stub::FindParticipantByNik, kPiiReaderToken, find).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RegistryServiceTest, TheStoreKeepsNeitherTheNameNorTheSealedNik) {
  PopulateDataSubjects();
  std::optional<std::string> sealed;
  ASSERT_TRUE(store_
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(sealed, tx.SealedNik(subject_.name()));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(sealed.has_value());
  const std::string hash = vault_->LookupHash(subject_.nik());
  const bool sqlite = GetParam() == "sqlite";
  if (sqlite) {
    // The check below means something: the bytes are there before.
    const std::string before = SqliteBytes();
    EXPECT_TRUE(absl::StrContains(before, kSecretName));
    EXPECT_TRUE(absl::StrContains(before, *sealed));
  }

  ASSERT_TRUE(Erase(kEraserToken, subject_.name()).ok());

  ASSERT_TRUE(store_
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> seal,
                                               tx.SealedNik(subject_.name()));
                    EXPECT_FALSE(seal.has_value());
                    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> holder,
                                               tx.ParticipantByNikHash(hash));
                    EXPECT_FALSE(holder.has_value());
                    return absl::OkStatus();
                  })
                  .ok());
  if (sqlite) {
    const std::string after = SqliteBytes();
    EXPECT_FALSE(absl::StrContains(after, kSecretName)) << "the erased name is in the file";
    EXPECT_FALSE(absl::StrContains(after, *sealed)) << "the erased NIK seal is in the file";
    EXPECT_FALSE(absl::StrContains(after, hash)) << "the erased NIK hash is in the file";
    EXPECT_TRUE(absl::StrContains(after, "Ahmad Tetangga"));  // and the rest is still there
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryServiceTest, testing::Values("sqlite", "postgres"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param == "sqlite" ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace paritrana::registry
