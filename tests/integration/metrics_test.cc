// Metrics as Prometheus scrapes them: a real server's calls counted by method and code, their
// latency histogram, and the request id returned to callers.
#include "platform/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "platform/errors.h"
#include "platform/server.h"
#include "tests/support/echo.grpc.pb.h"
#include "tests/support/echo_service.h"

namespace paritrana {
namespace {

using paritrana::testsupport::v1::EchoRequest;
using paritrana::testsupport::v1::EchoResponse;

using EchoServiceImpl = test_support::EchoService;

std::string Scrape(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return "";
  return res->body;
}

// The echo service on a ServiceHost, and a metrics endpoint to scrape.
class ScrapeTest : public testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.service_name = "paritrana.testsupport.v1.EchoService";
    o.drain_grace = absl::ZeroDuration();
    auto host = ServiceHost::Start(o, {&echo_});
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    auto endpoint = metrics::Endpoint::Start("127.0.0.1:0");
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    endpoint_ = *std::move(endpoint);
  }

  EchoServiceImpl echo_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<metrics::Endpoint> endpoint_;
};

TEST_F(ScrapeTest, CountsCallsByMethodAndCode) {
  auto stub = paritrana::testsupport::v1::EchoService::NewStub(
      grpc::CreateChannel(host_->address(), grpc::InsecureChannelCredentials()));
  std::string first_id;
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    EchoRequest req;
    req.set_text("halo");
    EchoResponse resp;
    ASSERT_TRUE(stub->Echo(&ctx, req, &resp).ok());
    auto id = ctx.GetServerInitialMetadata().find("x-request-id");
    ASSERT_NE(id, ctx.GetServerInitialMetadata().end());
    EXPECT_EQ(id->second.size(), 16u);
    if (i == 0) first_id.assign(id->second.data(), id->second.size());
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-request-id", "caller-chosen-id");
    EchoRequest req;  // empty: INVALID_ARGUMENT
    EchoResponse resp;
    EXPECT_EQ(stub->Echo(&ctx, req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    auto id = ctx.GetServerInitialMetadata().find("x-request-id");
    ASSERT_NE(id, ctx.GetServerInitialMetadata().end());
    EXPECT_EQ(std::string(id->second.data(), id->second.size()), "caller-chosen-id");
  }

  const std::string method = "/paritrana.testsupport.v1.EchoService/Echo";
  const std::string text = Scrape(endpoint_->port());
  ASSERT_FALSE(text.empty());
  EXPECT_NE(text.find(absl::StrCat("paritrana_rpc_requests_total{method=\"", method,
                                   "\",code=\"OK\"} 3\n")),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(absl::StrCat("paritrana_rpc_requests_total{method=\"", method,
                                   "\",code=\"INVALID_ARGUMENT\"} 1\n")),
            std::string::npos);
  EXPECT_NE(
      text.find(absl::StrCat("paritrana_rpc_duration_seconds_count{method=\"", method, "\"} 4\n")),
      std::string::npos);
  EXPECT_NE(text.find(absl::StrCat("paritrana_rpc_duration_seconds_bucket{method=\"", method,
                                   "\",le=\"+Inf\"} 4\n")),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE paritrana_rpc_duration_seconds histogram"), std::string::npos);
}

TEST(MetricsTest, LabelsAreEscaped) {
  EXPECT_EQ(metrics::RenderLabels({{"a", "x\"y\\z"}, {"b", "1"}}), "{a=\"x\\\"y\\\\z\",b=\"1\"}");
  EXPECT_EQ(metrics::RenderLabels({}), "");
}

// Issue 13, item 8: calls to made-up method names grew /metrics by a series per name, for good.
TEST_F(ScrapeTest, UnknownMethodsShareOneLabel) {
  grpc::GenericStub stub(grpc::CreateChannel(host_->address(), grpc::InsecureChannelCredentials()));
  auto call_made_up = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      grpc::ClientContext ctx;
      grpc::Slice empty("");
      grpc::ByteBuffer request(&empty, 1), response;
      grpc::Status status;
      absl::Notification done;
      stub.UnaryCall(&ctx, absl::StrCat("/made.up.Service", i, "/Method", i), grpc::StubOptions(),
                     &request, &response, [&](grpc::Status s) {
                       status = std::move(s);
                       done.Notify();
                     });
      done.WaitForNotification();
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    }
  };
  call_made_up(0, 10);
  const std::string before = Scrape(endpoint_->port());
  EXPECT_NE(before.find("method=\"unknown\",code=\"UNIMPLEMENTED\""), std::string::npos) << before;
  call_made_up(10, 200);
  const std::string after = Scrape(endpoint_->port());
  EXPECT_EQ(std::count(after.begin(), after.end(), '\n'),
            std::count(before.begin(), before.end(), '\n'));
  EXPECT_EQ(after.find("made.up"), std::string::npos);
}

}  // namespace
}  // namespace paritrana
