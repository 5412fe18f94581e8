// The server bootstrap in-process: health tied to dependencies, rich errors a real client decodes,
// a drain that lets in-flight calls finish, and old connections renewed without a failed call.
#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "platform/server.h"
#include "tests/support/echo.grpc.pb.h"
#include "tests/support/echo_service.h"

namespace paritrana {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using paritrana::testsupport::v1::EchoRequest;
using paritrana::testsupport::v1::EchoResponse;

using EchoServiceImpl = test_support::EchoService;

ServerOptions TestOptions() {
  ServerOptions o;
  o.service_name = "paritrana.testsupport.v1.EchoService";
  o.drain_grace = absl::Milliseconds(500);
  o.shutdown_deadline = absl::Seconds(5);
  o.health_interval = absl::Hours(1);  // tests trigger checks themselves
  return o;
}

HealthCheckResponse::ServingStatus Health(grpc::health::v1::Health::Stub& stub,
                                          const std::string& service) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  HealthCheckRequest req;
  req.set_service(service);
  HealthCheckResponse resp;
  grpc::Status s = stub.Check(&ctx, req, &resp);
  if (!s.ok()) return HealthCheckResponse::UNKNOWN;
  return resp.status();
}

TEST(ServiceHostTest, HealthFollowsRequiredDependencies) {
  EchoServiceImpl echo;
  std::atomic<bool> store_up{true};
  std::atomic<bool> cache_up{true};
  auto host = ServiceHost::Start(
      TestOptions(), {&echo},
      {{"store", true,
        [&] { return store_up ? absl::OkStatus() : absl::UnavailableError("down"); }},
       {"cache", false,
        [&] { return cache_up ? absl::OkStatus() : absl::UnavailableError("down"); }}});
  ASSERT_TRUE(host.ok()) << host.status();
  ASSERT_GT((*host)->port(), 0);

  auto channel = grpc::CreateChannel((*host)->address(), grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  EXPECT_EQ(Health(*health, ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(*health, "paritrana.testsupport.v1.EchoService"), HealthCheckResponse::SERVING);

  cache_up = false;  // optional: the service keeps serving, the dependency shows its state
  (*host)->CheckDependencies();
  EXPECT_EQ(Health(*health, ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(*health, "dependency/cache"), HealthCheckResponse::NOT_SERVING);

  store_up = false;  // required: the service stops serving
  (*host)->CheckDependencies();
  EXPECT_EQ(Health(*health, ""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(*health, "paritrana.testsupport.v1.EchoService"),
            HealthCheckResponse::NOT_SERVING);

  store_up = true;
  cache_up = true;
  (*host)->CheckDependencies();
  EXPECT_EQ(Health(*health, ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(*health, "dependency/cache"), HealthCheckResponse::SERVING);
}

TEST(ServiceHostTest, ClientDecodesErrorInfoAndFieldViolations) {
  EchoServiceImpl echo;
  auto host = ServiceHost::Start(TestOptions(), {&echo});
  ASSERT_TRUE(host.ok()) << host.status();
  auto stub = paritrana::testsupport::v1::EchoService::NewStub(
      grpc::CreateChannel((*host)->address(), grpc::InsecureChannelCredentials()));

  grpc::ClientContext ctx;
  EchoRequest req;  // empty text is invalid
  EchoResponse resp;
  grpc::Status s = stub->Echo(&ctx, req, &resp);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  absl::Status decoded = FromGrpcStatus(s);
  auto info = GetErrorInfo(decoded);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "INVALID_FIELDS");
  EXPECT_EQ(info->domain(), kErrorDomain);
  auto bad = GetBadRequest(decoded);
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 1);
  EXPECT_EQ(bad->field_violations(0).field(), "text");
  EXPECT_EQ(bad->field_violations(0).description(), "text must not be empty");
}

TEST(ServiceHostTest, DrainFinishesInFlightCallsAndRefusesNewOnes) {
  EchoServiceImpl echo;
  auto host = ServiceHost::Start(TestOptions(), {&echo});
  ASSERT_TRUE(host.ok()) << host.status();
  auto channel = grpc::CreateChannel((*host)->address(), grpc::InsecureChannelCredentials());
  auto stub = paritrana::testsupport::v1::EchoService::NewStub(channel);
  auto health = grpc::health::v1::Health::NewStub(channel);

  // A call that is still running when the drain starts.
  auto in_flight = std::async(std::launch::async, [&] {
    grpc::ClientContext ctx;
    EchoRequest req;
    req.set_text("slow");
    req.set_delay_ms(1500);
    EchoResponse resp;
    grpc::Status s = stub->Echo(&ctx, req, &resp);
    return s.ok() ? resp.text() : "error: " + s.error_message();
  });
  absl::SleepFor(absl::Milliseconds(200));  // let the call reach the server

  const absl::Time start = absl::Now();
  auto drained = std::async(std::launch::async, [&] { (*host)->Drain(); });
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(Health(*health, ""), HealthCheckResponse::NOT_SERVING);  // during the grace period

  EXPECT_EQ(in_flight.get(), "slow");
  drained.get();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // well before grace + deadline

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  EchoRequest req;
  req.set_text("late");
  EchoResponse resp;
  EXPECT_FALSE(stub->Echo(&ctx, req, &resp).ok());
}

// The client addresses the server saw for `calls` echo calls made one after another, `gap` apart,
// each of which must succeed: a connection the server renews must not fail a call.
std::set<std::string> PeersOf(paritrana::testsupport::v1::EchoService::Stub& stub, int calls,
                              absl::Duration gap) {
  std::set<std::string> peers;
  for (int i = 0; i < calls; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    EchoRequest req;
    req.set_text("ping");
    EchoResponse resp;
    const grpc::Status s = stub.Echo(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << "call " << i << ": " << s.error_message();
    if (s.ok()) peers.insert(resp.peer());
    absl::SleepFor(gap);
  }
  return peers;
}

// Past --max_connection_age the server sends GOAWAY: the client reconnects (a new port, so a
// dns:/// target is resolved again and finds new replicas), no call fails, and a call that was
// running on the old connection finishes there.
TEST(ServiceHostTest, RenewsOldConnectionsWithoutFailingACall) {
  EchoServiceImpl echo;
  ServerOptions o = TestOptions();
  o.max_connection_age = absl::Milliseconds(300);
  auto host = ServiceHost::Start(o, {&echo});
  ASSERT_TRUE(host.ok()) << host.status();
  auto stub = paritrana::testsupport::v1::EchoService::NewStub(
      grpc::CreateChannel((*host)->address(), grpc::InsecureChannelCredentials()));

  auto slow = std::async(std::launch::async, [&] {
    grpc::ClientContext ctx;
    EchoRequest req;
    req.set_text("slow");
    req.set_delay_ms(2000);  // several ages long
    EchoResponse resp;
    const grpc::Status s = stub->Echo(&ctx, req, &resp);
    return s.ok() ? resp.text() : "error: " + s.error_message();
  });
  EXPECT_GE(PeersOf(*stub, 40, absl::Milliseconds(50)).size(), 2u);
  EXPECT_EQ(slow.get(), "slow");
}

// The control: with no age the same calls share one connection.
TEST(ServiceHostTest, KeepsAConnectionWithoutAnAge) {
  EchoServiceImpl echo;
  ServerOptions o = TestOptions();
  o.max_connection_age = absl::ZeroDuration();
  auto host = ServiceHost::Start(o, {&echo});
  ASSERT_TRUE(host.ok()) << host.status();
  auto stub = paritrana::testsupport::v1::EchoService::NewStub(
      grpc::CreateChannel((*host)->address(), grpc::InsecureChannelCredentials()));
  EXPECT_EQ(PeersOf(*stub, 40, absl::Milliseconds(50)).size(), 1u);
}

TEST(ServiceHostTest, ReportsAnAddressThatCannotBeBound) {
  EchoServiceImpl echo;
  ServerOptions o = TestOptions();
  o.listen = "256.0.0.1:1";
  auto host = ServiceHost::Start(o, {&echo});
  EXPECT_EQ(host.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace paritrana
