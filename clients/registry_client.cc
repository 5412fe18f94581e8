#include "clients/registry_client.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/resource_errors.h"
#include "clients/channel.h"
#include "platform/errors.h"
#include "security/auth.h"

namespace paritrana::clients {
namespace {

constexpr char kRegistryService[] = "paritrana.registry.v1.RegistryService";
constexpr absl::Duration kProbeDeadline = absl::Milliseconds(500);

}  // namespace

std::shared_ptr<grpc::Channel> RegistryClient::Connect(
    const std::string& target, std::shared_ptr<grpc::ChannelCredentials> creds) {
  return ConnectToService(target, std::move(creds), kRegistryService);
}

RegistryClient::RegistryClient(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline)
    : channel_(std::move(channel)),
      stub_(registry::v1::RegistryService::NewStub(channel_)),
      deadline_(deadline) {}

absl::StatusOr<registry::v1::QueryAggregatesResponse> RegistryClient::QueryAggregates(
    const registry::v1::QueryAggregatesRequest& request) {
  grpc::ClientContext ctx;
  if (!reachable_) {
    return WithReason(absl::UnavailableError("the registry cannot be reached: its health check "
                                             "failed; retrying after the next one"),
                      "REGISTRY_UNAVAILABLE");
  }
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  AttachToken(ctx);
  registry::v1::QueryAggregatesResponse response;
  const grpc::Status s = stub_->QueryAggregates(&ctx, request, &response);
  if (s.ok()) return response;
  absl::Status status = FromGrpcStatus(s);
  switch (status.code()) {
    case absl::StatusCode::kNotFound: {
      // The registry names its own field, regions[i], which means nothing to our caller: report
      // the region alone (api/resource_errors.h).
      const std::string field = ErrorField(status);
      int index = -1;
      if (field.rfind("regions[", 0) == 0 &&
          absl::SimpleAtoi(field.substr(8, field.size() - 9), &index) && index >= 0 &&
          index < request.regions_size()) {
        return NotFound(request.regions(index));
      }
      return status;
    }
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
      return WithReason(absl::UnavailableError(
                            absl::StrCat("the registry cannot be reached: ", status.message())),
                        "REGISTRY_UNAVAILABLE");
    default:
      return status;
  }
}

absl::Status RegistryClient::Probe() {
  absl::Status s = ProbeService(channel_, kRegistryService, kProbeDeadline);
  reachable_ = s.ok();
  return s;
}

}  // namespace paritrana::clients
