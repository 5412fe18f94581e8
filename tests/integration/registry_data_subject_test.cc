// Data-subject rights (UU 27/2022) end to end: ExportPersonalData and ErasePersonalData on a real
// registry server, on SQLite and on PostgreSQL, with real bearer tokens for each role. Every
// expectation comes from the contract in protos/paritrana/registry/v1/registry.proto.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"
#include "platform/server.h"
#include "region/validation.h"
#include "security/auth.h"
#include "security/nik_vault.h"
#include "services/registry/registry.h"
#include "services/registry/registry_service.h"
#include "services/registry/store/open_store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace paritrana::registry {
namespace {

using Stub = v1::RegistryService::Stub;

constexpr char kRegistrar[] = "dsr-registrar-token-0123456789";
constexpr char kPiiReader[] = "dsr-pii-reader-token-0123456789";
constexpr char kEraser[] = "dsr-eraser-token-0123456789abc";  // registrar and pii_reader
constexpr char kAnalyst[] = "dsr-analyst-token-0123456789ab";
constexpr char kAdmin[] = "dsr-admin-token-0123456789abcde";

constexpr char kProvince[] = "regions/15";
constexpr char kRegency[] = "regions/15.08";
constexpr char kDistrict[] = "regions/15.08.01";
constexpr char kVillage[] = "regions/15.08.01.2001";

// A name that appears nowhere else in the database, so finding its bytes means finding it.
constexpr char kSecretName[] = "Siti Rahmawati Zubaidah Kerinci";

google::type::Date Date(int year, int month, int day) {
  return ToProtoDate(absl::CivilDay(year, month, day));
}

std::string Reason(const absl::Status& s) {
  auto info = GetErrorInfo(s);
  return info ? info->reason() : "<no ErrorInfo>";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A person: KPJ 2400000000n, a valid Jambi NIK (woman born 1991-03-12), serial `serial`.
struct Person {
  std::string kpj;
  int serial;
  std::string display_name;

  std::string nik() const {
    return absl::StrFormat("150801%02d%02d%02d%04d", 12 + 40, 3, 91, serial);
  }
  std::string name() const { return absl::StrCat("participants/", kpj); }
  v1::Participant resource() const {
    v1::Participant p;
    p.set_nik(nik());
    p.set_display_name(display_name);
    p.set_sex(v1::SEX_FEMALE);
    *p.mutable_birth_date() = Date(1991, 3, 12);
    p.set_domicile_region(kVillage);
    return p;
  }
};

v1::Enrollment Bpu(const google::type::Date& start) {
  v1::Enrollment e;
  e.set_segment(type::v1::SEGMENT_BPU);
  e.add_programmes(type::v1::PROGRAMME_JKK);
  e.add_programmes(type::v1::PROGRAMME_JKM);
  e.set_region(kVillage);
  *e.mutable_start_date() = start;
  e.set_funding_source(type::v1::FUNDING_SOURCE_WORKER);
  return e;
}

v1::Contribution Paid(const google::type::Date& paid, const google::type::Date& covers) {
  v1::Contribution c;
  c.set_amount_rupiah(16800);
  *c.mutable_paid_date() = paid;
  *c.mutable_covers_through() = covers;
  return c;
}

class DataSubjectTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = temp_.path();
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
    registry_ = std::make_unique<Registry>(*store_, *vault_, nullptr, TodayInJakarta);
    ASSERT_TRUE(registry_->CheckNikKey().ok());
    ASSERT_TRUE(registry_->LoadCatalog().ok());

    auto auth = Authorizer::FromTokensText(
        absl::StrCat("registrar ", kRegistrar, "\n", "pii_reader ", kPiiReader, "\n",
                     "registrar,pii_reader ", kEraser, "\n", "analyst ", kAnalyst, "\n", "admin ",
                     kAdmin, "\n"),
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
    auto host = ServiceHost::Start(options, {service_.get()});
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    stub_ = v1::RegistryService::NewStub(
        grpc::CreateChannel(host_->address(), grpc::InsecureChannelCredentials()));

    CreateRegion("15.08.01", "Kecamatan Pelepat");
    CreateRegion("15.08.01.2001", "Desa Rantau Keloyang");
  }

  void TearDown() override {
    stub_.reset();
    if (host_) host_->Drain();
    host_.reset();
    service_.reset();
    registry_.reset();
    store_.reset();
  }

  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const std::string& token, const std::type_identity_t<Req>& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    Resp resp;
    grpc::Status s = (stub_.get()->*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

  void CreateRegion(const std::string& id, const std::string& display_name) {
    v1::CreateRegionRequest req;
    req.set_region_id(id);
    req.mutable_region()->set_display_name(display_name);
    auto r = Call(&Stub::CreateRegion, kRegistrar, req);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  v1::Participant Register(const Person& person) {
    v1::CreateParticipantRequest req;
    req.set_participant_id(person.kpj);
    *req.mutable_participant() = person.resource();
    auto r = Call(&Stub::CreateParticipant, kRegistrar, req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(v1::Participant());
  }

  v1::Enrollment Enroll(const Person& person, const v1::Enrollment& e) {
    v1::CreateEnrollmentRequest req;
    req.set_parent(person.name());
    *req.mutable_enrollment() = e;
    auto r = Call(&Stub::CreateEnrollment, kRegistrar, req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(v1::Enrollment());
  }

  v1::Contribution Contribute(const v1::Enrollment& e, const v1::Contribution& c) {
    v1::CreateContributionRequest req;
    req.set_parent(e.name());
    *req.mutable_contribution() = c;
    auto r = Call(&Stub::CreateContribution, kRegistrar, req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(v1::Contribution());
  }

  // The person with two enrollments (the first terminated) and three contributions, and a
  // neighbour with one enrollment and one contribution, whose data must stay out of the export.
  void Populate() {
    Register(person_);
    const v1::Enrollment first = Enroll(person_, Bpu(Date(2023, 1, 1)));
    Contribute(first, Paid(Date(2023, 1, 2), Date(2023, 3, 31)));
    Contribute(first, Paid(Date(2023, 4, 2), Date(2023, 6, 30)));
    v1::TerminateEnrollmentRequest end;
    end.set_name(first.name());
    *end.mutable_end_date() = Date(2023, 7, 1);
    ASSERT_TRUE(Call(&Stub::TerminateEnrollment, kRegistrar, end).ok());
    const v1::Enrollment second = Enroll(person_, Bpu(Date(2024, 1, 1)));
    Contribute(second, Paid(Date(2024, 1, 2), Date(2024, 12, 31)));
    Register(neighbour_);
    Contribute(Enroll(neighbour_, Bpu(Date(2023, 6, 1))),
               Paid(Date(2023, 6, 1), Date(2024, 6, 30)));
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
  // before, during and after the person's enrollments; read_time and generations left out.
  std::string Counts() {
    v1::QueryAggregatesRequest req;
    for (const char* r : {kProvince, kRegency, kDistrict, kVillage}) req.add_regions(r);
    for (auto d : {Date(2022, 12, 31), Date(2023, 2, 1), Date(2023, 6, 30), Date(2023, 7, 1),
                   Date(2024, 3, 1), Date(2025, 1, 1)}) {
      *req.add_dates() = d;
    }
    req.set_include_children(true);
    auto resp = Call(&Stub::QueryAggregates, kAnalyst, req);
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

  test_support::TempDir temp_{"registry_data_subject"};
  std::string dir_;
  std::unique_ptr<RegistryStore> store_;
  std::optional<NikVault> vault_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<Authorizer> auth_;
  std::unique_ptr<RegistryService> service_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<Stub> stub_;
  const Person person_{"24000000101", 7, kSecretName};
  const Person neighbour_{"24000000102", 8, "Ahmad Tetangga"};
};

TEST_P(DataSubjectTest, ExportReturnsTheParticipantItsEnrollmentsAndContributions) {
  Populate();
  const absl::Time before = absl::Now();
  auto out = Export(kPiiReader, person_.nik());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->participant().name(), person_.name());
  EXPECT_EQ(out->participant().nik(), person_.nik());
  EXPECT_EQ(out->participant().display_name(), kSecretName);
  EXPECT_EQ(out->participant().birth_date().year(), 1991);
  EXPECT_FALSE(out->participant().has_erase_time());
  ASSERT_EQ(out->enrollments_size(), 2);
  for (const auto& e : out->enrollments()) {
    EXPECT_TRUE(absl::StartsWith(e.name(), person_.name() + "/")) << e.name();
  }
  EXPECT_EQ(out->enrollments(0).state(), v1::ENROLLMENT_STATE_TERMINATED);
  ASSERT_EQ(out->contributions_size(), 3);
  EXPECT_EQ(out->contributions(0).covers_through().month(), 3);
  EXPECT_EQ(out->contributions(1).covers_through().month(), 6);
  EXPECT_EQ(out->contributions(2).covers_through().year(), 2024);
  for (const auto& c : out->contributions()) {
    EXPECT_TRUE(absl::StartsWith(c.name(), person_.name() + "/")) << c.name();
  }
  const absl::Time exported = absl::FromUnixSeconds(out->export_time().seconds());
  EXPECT_GE(exported, absl::FromUnixSeconds(absl::ToUnixSeconds(before)));
  EXPECT_LE(exported, absl::Now());

  // A NIK nobody holds, and a malformed one (not echoed).
  auto missing = Export(kPiiReader, "1508015203910999");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  auto bad = Export(kPiiReader, "15080152039");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(absl::StrContains(bad.status().message(), "15080152039"));
}

TEST_P(DataSubjectTest, OnlyPiiReadersExportAndOnlyRegistrarsWithThePiiRightErase) {
  Populate();
  for (const char* token : {kRegistrar, kAnalyst, kAdmin}) {
    auto out = Export(token, person_.nik());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kPermissionDenied) << token;
    EXPECT_FALSE(absl::StrContains(out.status().ToString(), person_.nik()));
  }
  EXPECT_TRUE(Export(kPiiReader, person_.nik()).ok());
  EXPECT_TRUE(Export(kEraser, person_.nik()).ok());

  for (const char* token : {kRegistrar, kPiiReader, kAnalyst, kAdmin}) {
    auto out = Erase(token, person_.name());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kPermissionDenied) << token;
  }
  // Nothing was erased by the refused calls.
  EXPECT_TRUE(Export(kPiiReader, person_.nik()).ok());
  EXPECT_TRUE(Erase(kEraser, person_.name()).ok());
  EXPECT_EQ(Erase(kEraser, "participants/24000000999").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Erase(kEraser, "people/1").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(DataSubjectTest, ErasureMakesThePersonAnonymousAndKeepsEveryCount) {
  Populate();
  const std::string counts = Counts();
  ASSERT_FALSE(counts.empty());
  auto exported = Export(kPiiReader, person_.nik());
  ASSERT_TRUE(exported.ok()) << exported.status();

  auto erased = Erase(kEraser, person_.name());
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_TRUE(erased->has_erase_time());
  EXPECT_EQ(erased->display_name(), "");
  EXPECT_EQ(erased->nik(), "");
  EXPECT_EQ(erased->nik_masked(), "");
  EXPECT_FALSE(erased->has_birth_date());
  EXPECT_EQ(erased->kpj(), person_.kpj);
  EXPECT_EQ(erased->sex(), v1::SEX_FEMALE);
  EXPECT_EQ(erased->domicile_region(), kVillage);

  // Every count as before.
  EXPECT_EQ(Counts(), counts);

  // Not found by NIK, not exportable, and shown without any personal field even to a PII reader.
  v1::FindParticipantByNikRequest find;
  find.set_nik(person_.nik());
  EXPECT_EQ(Call(&Stub::FindParticipantByNik, kPiiReader, find).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Export(kPiiReader, person_.nik()).status().code(), absl::StatusCode::kNotFound);
  v1::GetParticipantRequest get;
  get.set_name(person_.name());
  for (const char* token : {kPiiReader, kRegistrar, kAnalyst}) {
    auto p = Call(&Stub::GetParticipant, token, get);
    ASSERT_TRUE(p.ok()) << token << ": " << p.status();
    EXPECT_EQ(p->display_name(), "");
    EXPECT_EQ(p->nik(), "");
    EXPECT_EQ(p->nik_masked(), "");
    EXPECT_FALSE(p->has_birth_date());
    EXPECT_TRUE(p->has_erase_time());
  }
  v1::ListParticipantsRequest list;
  auto all = Call(&Stub::ListParticipants, kPiiReader, list);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->participants_size(), 2);
  EXPECT_EQ(all->participants(0).nik(), "");
  EXPECT_EQ(all->participants(1).nik(), neighbour_.nik());

  // History stays: the same enrollments and contributions.
  v1::ListEnrollmentsRequest enrollments;
  enrollments.set_parent(person_.name());
  auto listed = Call(&Stub::ListEnrollments, kRegistrar, enrollments);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->enrollments_size(), exported->enrollments_size());

  // Idempotent: erasing again changes nothing and returns the erased participant.
  auto again = Erase(kEraser, person_.name());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), erased->SerializeAsString());
  v1::ErasePersonalDataRequest with_id;
  with_id.set_name(person_.name());
  with_id.set_request_id("erase-24000000101");
  EXPECT_TRUE(Call(&Stub::ErasePersonalData, kEraser, with_id).ok());
  EXPECT_TRUE(Call(&Stub::ErasePersonalData, kEraser, with_id).ok());

  // No change, no resurrection through an update.
  v1::UpdateParticipantRequest update;
  update.mutable_participant()->set_name(person_.name());
  update.mutable_participant()->set_display_name("Nama Baru");
  update.mutable_update_mask()->add_paths("display_name");
  auto updated = Call(&Stub::UpdateParticipant, kRegistrar, update);
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kFailedPrecondition) << updated.status();
  EXPECT_EQ(Reason(updated.status()), "PARTICIPANT_ERASED");

  // The neighbour is untouched.
  auto neighbour = Export(kPiiReader, neighbour_.nik());
  ASSERT_TRUE(neighbour.ok()) << neighbour.status();
  EXPECT_EQ(neighbour->participant().display_name(), "Ahmad Tetangga");

  // A new registration of the same NIK takes a new KPJ, deliberately.
  Person again_registered{"24000000103", person_.serial, "Siti Baru"};
  Register(again_registered);
  auto found = Call(&Stub::FindParticipantByNik, kPiiReader, find);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name(), again_registered.name());
}

TEST_P(DataSubjectTest, AnImportRowNamingAnErasedParticipantIsRejected) {
  Populate();
  ASSERT_TRUE(Erase(kEraser, person_.name()).ok());

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kRegistrar));
  v1::ImportRecordsResponse response;
  auto writer = stub_->ImportRecords(&ctx, &response);
  v1::ImportRecordsRequest header;
  header.mutable_header()->set_import_id("dsr-reimport");
  header.mutable_header()->set_mode(v1::IMPORT_MODE_LENIENT);
  ASSERT_TRUE(writer->Write(header));
  v1::ImportRecordsRequest rows;
  v1::ImportRow* row = rows.mutable_rows()->add_rows();
  row->set_row_number(1);
  *row->mutable_participant_enrollment()->mutable_participant() = person_.resource();
  row->mutable_participant_enrollment()->mutable_participant()->set_name(person_.name());
  *row->mutable_participant_enrollment()->mutable_enrollment() = Bpu(Date(2024, 1, 1));
  ASSERT_TRUE(writer->Write(rows));
  v1::ImportRecordsRequest end;
  end.mutable_end()->set_rows_sent(1);
  ASSERT_TRUE(writer->Write(end));
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.rows_rejected(), 1);
  ASSERT_EQ(response.rejected_rows_size(), 1);
  EXPECT_EQ(response.rejected_rows(0).field(), "participant.name");
  EXPECT_EQ(response.rejected_rows(0).code(), "FAILED_PRECONDITION");
  EXPECT_TRUE(absl::StrContains(response.rejected_rows(0).reason(), "erased"))
      << response.rejected_rows(0).reason();

  v1::FindParticipantByNikRequest find;
  find.set_nik(person_.nik());
  EXPECT_EQ(Call(&Stub::FindParticipantByNik, kPiiReader, find).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(DataSubjectTest, TheStoreKeepsNeitherTheNameNorTheSealedNik) {
  Populate();
  std::optional<std::string> sealed;
  ASSERT_TRUE(store_
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(sealed, tx.SealedNik(person_.name()));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(sealed.has_value());
  const std::string hash = vault_->LookupHash(person_.nik());
  const bool sqlite = GetParam() == "sqlite";
  if (sqlite) {
    // The check below means something: the bytes are there before.
    const std::string before = SqliteBytes();
    EXPECT_TRUE(absl::StrContains(before, kSecretName));
    EXPECT_TRUE(absl::StrContains(before, *sealed));
  }

  ASSERT_TRUE(Erase(kEraser, person_.name()).ok());

  ASSERT_TRUE(store_
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> seal,
                                               tx.SealedNik(person_.name()));
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

INSTANTIATE_TEST_SUITE_P(Backends, DataSubjectTest, testing::Values("sqlite", "postgres"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param == "sqlite" ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace paritrana::registry
