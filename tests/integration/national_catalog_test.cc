// The registry with the national region catalogue (--region_catalog): the real idn-area-data
// package that `npm ci --prefix tools` installs (scripts/test.sh runs it), loaded into a real
// SQLite registry served on 127.0.0.1:0 and called through the generated stub. Loading takes about
// a second, so only the two tests here load it; every other test runs with the shipped catalogue
// alone.
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"
#include "services/registry/importer.h"
#include "services/registry/writer.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana::registry {
namespace {

using test_support::RegistryUnderTest;
using testing::HasSubstr;
using Stub = v1::RegistryService::Stub;

constexpr char kVersion[] = "idn-area-data 4.0.1";
constexpr int kRegions = 38 + 514 + 7285 + 83762;
constexpr int kShipped = 38 + 11;  // LoadCatalog: provinces and Jambi's regencies

class NationalCatalogTest : public testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start() {
    registry_.reset();  // closes the database before it is opened again
    auto r = RegistryUnderTest::Start(dir_.path(), "", nullptr,
                                      RegistryUnderTest::InstalledRegionCatalog());
    ASSERT_TRUE(r.ok()) << r.status();
    registry_ = std::move(*r);
    stub_ = v1::RegistryService::NewStub(
        grpc::CreateChannel(registry_->address(), grpc::InsecureChannelCredentials()));
  }

  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const std::type_identity_t<Req>& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    Resp resp;
    grpc::Status s = (stub_.get()->*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

  absl::StatusOr<v1::Region> Get(const std::string& name) {
    v1::GetRegionRequest req;
    req.set_name(name);
    return Call(&Stub::GetRegion, req);
  }

  absl::StatusOr<v1::Region> Create(const std::string& id, const std::string& display_name,
                                    bool synthetic) {
    v1::CreateRegionRequest req;
    req.set_region_id(id);
    req.mutable_region()->set_display_name(display_name);
    req.mutable_region()->set_synthetic(synthetic);
    return Call(&Stub::CreateRegion, req);
  }

  // The direct children of `parent` ("" for the provinces) through ListRegions, every page.
  int CountChildren(const std::string& parent) {
    int n = 0;
    v1::ListRegionsRequest req;
    req.set_parent(parent);
    req.set_page_size(1000);
    do {
      auto page = Call(&Stub::ListRegions, req);
      EXPECT_TRUE(page.ok()) << parent << ": " << page.status();
      if (!page.ok()) return -1;
      n += page->regions_size();
      req.set_page_token(page->next_page_token());
    } while (!req.page_token().empty());
    return n;
  }

  std::optional<std::string> Setting(absl::string_view name) {
    std::optional<std::string> value;
    EXPECT_TRUE(registry_->registry()
                    .store()
                    .Read([&](RegistryTx& tx) -> absl::Status {
                      PARITRANA_ASSIGN_OR_RETURN(value, tx.GetSetting(name));
                      return absl::OkStatus();
                    })
                    .ok());
    return value;
  }

  test_support::TempDir dir_{"national_catalog"};
  std::unique_ptr<RegistryUnderTest> registry_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(NationalCatalogTest, LoadsEveryRegionOnceAndRecordsItsVersion) {
  EXPECT_TRUE(registry_->national_load().loaded);
  EXPECT_EQ(registry_->national_load().version, kVersion);
  EXPECT_EQ(registry_->national_load().inserted, kRegions - kShipped);
  EXPECT_EQ(Setting(kRegionCatalogVersionSetting), kVersion);
  const std::optional<std::string> attribution = Setting(kRegionCatalogAttributionSetting);
  ASSERT_TRUE(attribution.has_value());
  EXPECT_THAT(*attribution, HasSubstr("idn-area-data 4.0.1"));
  EXPECT_THAT(*attribution, HasSubstr("Open Database License (ODbL) 1.0"));

  // Provinces and regencies through the API; every level in the store.
  EXPECT_EQ(CountChildren(""), 38);
  int regencies = 0;
  for (int province :
       {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
        61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}) {
    regencies += CountChildren(absl::StrCat("regions/", province));
  }
  EXPECT_EQ(regencies, 514);
  EXPECT_EQ(CountChildren("regions/15.08"), 17);  // Bungo's districts
  std::map<int, int> by_level;
  ASSERT_TRUE(registry_->registry()
                  .store()
                  .Read([&](RegistryTx& tx) -> absl::Status {
                    ListQuery all;
                    all.kind = Kind::kRegion;
                    all.limit = 2 * kRegions;
                    PARITRANA_ASSIGN_OR_RETURN(auto rows, tx.List(all));
                    for (const StoredResource& row : rows) {
                      v1::Region r;
                      if (!r.ParseFromString(row.body)) return absl::DataLossError(row.name);
                      ++by_level[r.level()];
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(by_level, (std::map<int, int>{{type::v1::REGION_LEVEL_PROVINCE, 38},
                                          {type::v1::REGION_LEVEL_REGENCY, 514},
                                          {type::v1::REGION_LEVEL_DISTRICT, 7285},
                                          {type::v1::REGION_LEVEL_VILLAGE, 83762}}));

  // A village as the package names it; Jambi keeps its BPS codes, the shipped names stay.
  auto village = Get("regions/15.08.01.2001");
  ASSERT_TRUE(village.ok()) << village.status();
  EXPECT_EQ(village->level(), type::v1::REGION_LEVEL_VILLAGE);
  EXPECT_EQ(village->parent(), "regions/15.08.01");
  EXPECT_FALSE(village->display_name().empty());
  EXPECT_FALSE(village->synthetic());
  EXPECT_EQ(village->bps_code(), "");
  auto bungo = Get("regions/15.08");
  ASSERT_TRUE(bungo.ok()) << bungo.status();
  EXPECT_EQ(bungo->bps_code(), "1509");
  EXPECT_EQ(Get("regions/31")->display_name(), "DKI Jakarta");  // the package: "Daerah Khusus ..."
  auto city = Get("regions/71.71");
  ASSERT_TRUE(city.ok()) << city.status();
  EXPECT_TRUE(city->is_city());
  EXPECT_EQ(city->parent(), "regions/71");

  // A second start finds the version recorded and reads nothing.
  Start();
  EXPECT_FALSE(registry_->national_load().loaded);
  EXPECT_EQ(registry_->national_load().inserted, 0);
  auto again = Get("regions/15.08.01.2001");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->create_time().seconds(), village->create_time().seconds());
  EXPECT_EQ(again->create_time().nanos(), village->create_time().nanos());

  // Another recorded version loads again, adding what is missing and leaving the rest.
  ASSERT_TRUE(registry_->registry()
                  .store()
                  .Write([](RegistryTx& tx) {
                    return tx.PutSetting(kRegionCatalogVersionSetting, "idn-area-data 4.0.0");
                  })
                  .ok());
  auto reload =
      registry_->registry().LoadNationalCatalog(RegistryUnderTest::InstalledRegionCatalog());
  ASSERT_TRUE(reload.ok()) << reload.status();
  EXPECT_TRUE(reload->loaded);
  EXPECT_EQ(reload->inserted, 0);
  EXPECT_EQ(Setting(kRegionCatalogVersionSetting), kVersion);
  EXPECT_EQ(Get("regions/15.08.01.2001")->create_time().nanos(), village->create_time().nanos());
}

TEST_F(NationalCatalogTest, RealRegionsMustBeInTheCatalogueAndSyntheticOnesStayPossible) {
  // Not in the catalogue and not synthetic: INVALID_ARGUMENT naming the catalogue.
  for (const char* id : {"15.08.01.2999", "15.08.99", "15.98"}) {
    SCOPED_TRACE(id);
    auto r = Create(id, "Tidak Ada", false);
    ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_EQ(ErrorField(r.status()), "region_id");
    EXPECT_THAT(r.status().message(), HasSubstr(kVersion));
  }
  // In the catalogue: ALREADY_EXISTS at every level, real regencies and provinces included.
  for (const char* id : {"15.08.01.2001", "15.08.01", "15.08", "11.01", "15"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(Create(id, "Sudah Ada", false).status().code(), absl::StatusCode::kAlreadyExists);
  }
  // Synthetic regions at every level below the province; never a province.
  for (const char* id : {"15.98", "15.98.01", "15.98.01.2001", "15.08.01.2999"}) {
    SCOPED_TRACE(id);
    auto r = Create(id, "Sintetis", true);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->synthetic());
  }
  auto province = Create("15", "Sintetis", true);
  EXPECT_EQ(province.status().code(), absl::StatusCode::kInvalidArgument) << province.status();

  // Import rows: the same rule on region.name; a real regency row is accepted without synthetic
  // because it exists (unchanged when it matches).
  Importer importer(registry_->registry());
  v1::ImportRecordsRequest header;
  header.mutable_header()->set_import_id("national-regions");
  header.mutable_header()->set_mode(v1::IMPORT_MODE_LENIENT);
  ASSERT_TRUE(importer.Add(header).ok());
  v1::ImportRecordsRequest rows;
  auto add = [&](int n, const std::string& name, const std::string& display_name, bool synthetic) {
    v1::ImportRow* row = rows.mutable_rows()->add_rows();
    row->set_row_number(n);
    row->mutable_region()->set_name(name);
    row->mutable_region()->set_display_name(display_name);
    row->mutable_region()->set_synthetic(synthetic);
  };
  const auto bungo = Get("regions/15.08");
  ASSERT_TRUE(bungo.ok());
  add(1, "regions/15.08", bungo->display_name(), false);
  rows.mutable_rows()->mutable_rows(0)->mutable_region()->set_bps_code(bungo->bps_code());
  add(2, "regions/15.08.97", "Tidak Ada", false);
  add(3, "regions/15.08.97", "Kecamatan Sintetis", true);
  ASSERT_TRUE(importer.Add(rows).ok());
  v1::ImportRecordsRequest end;
  end.mutable_end()->set_rows_sent(3);
  ASSERT_TRUE(importer.Add(end).ok());
  ASSERT_TRUE(importer.done());
  const v1::ImportRecordsResponse& resp = importer.response();
  EXPECT_EQ(resp.rows_unchanged(), 1);
  EXPECT_EQ(resp.rows_accepted(), 1);
  ASSERT_EQ(resp.rows_rejected(), 1);
  EXPECT_EQ(resp.rejected_rows(0).row_number(), 2);
  EXPECT_EQ(resp.rejected_rows(0).field(), "region.name");
  EXPECT_THAT(resp.rejected_rows(0).reason(), HasSubstr(kVersion));

  // References to real regions anywhere in the country need nothing else.
  RegistryUnderTest::Worker worker;
  worker.region = "regions/11.01.01.2001";
  worker.start.set_year(2025);
  worker.start.set_month(1);
  worker.start.set_day(1);
  worker.covers_through = worker.start;
  worker.covers_through.set_month(2);
  registry_->Enroll(worker);
}

}  // namespace
}  // namespace paritrana::registry
