#include "services/award/sources.h"

#include "absl/strings/str_cat.h"
#include "common/auth.h"
#include "common/errors.h"
#include "common/validation.h"

namespace paritrana::award {
namespace {

// A dependency's error as the award service's callers should see it: unreachable is UNAVAILABLE
// (safe to retry), NOT_FOUND passes through, anything else (e.g. our own token refused) is an
// internal fault of this deployment, logged in full.
absl::Status Mapped(const grpc::Status& s, absl::string_view dependency,
                    absl::string_view unavailable_reason) {
  absl::Status status = FromGrpcStatus(s);
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return status;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kResourceExhausted:
      return WithReason(absl::UnavailableError(absl::StrCat("the ", dependency,
                                                            " service cannot be reached: ",
                                                            status.message())),
                        unavailable_reason);
    default:
      return absl::InternalError(
          absl::StrCat("the ", dependency, " service refused a call: ", status.ToString()));
  }
}

absl::Status ProbeChannel(grpc::Channel& channel, absl::string_view what) {
  const grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/true);
  if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
    return absl::UnavailableError(absl::StrCat(what, " channel is not connected"));
  }
  return absl::OkStatus();
}

}  // namespace

RegistryDirectory::RegistryDirectory(std::shared_ptr<grpc::Channel> channel,
                                     absl::Duration deadline)
    : channel_(std::move(channel)),
      stub_(registry::v1::RegistryService::NewStub(channel_)),
      deadline_(deadline) {}

absl::StatusOr<registry::v1::Region> RegistryDirectory::GetRegion(const std::string& name) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  AttachToken(ctx);
  registry::v1::GetRegionRequest req;
  req.set_name(name);
  registry::v1::Region out;
  const grpc::Status s = stub_->GetRegion(&ctx, req, &out);
  if (!s.ok()) return Mapped(s, "registry", "REGISTRY_UNAVAILABLE");
  return out;
}

absl::StatusOr<registry::v1::Employer> RegistryDirectory::GetEmployer(const std::string& name) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  AttachToken(ctx);
  registry::v1::GetEmployerRequest req;
  req.set_name(name);
  registry::v1::Employer out;
  const grpc::Status s = stub_->GetEmployer(&ctx, req, &out);
  if (!s.ok()) return Mapped(s, "registry", "REGISTRY_UNAVAILABLE");
  return out;
}

absl::Status RegistryDirectory::Probe() {
  return ProbeChannel(*channel_, "registry");
}

CoverageClient::CoverageClient(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline)
    : channel_(std::move(channel)),
      stub_(coverage::v1::CoverageService::NewStub(channel_)),
      deadline_(deadline) {}

absl::StatusOr<std::vector<coverage::v1::RegionCoverage>> CoverageClient::BatchGetCoverage(
    const std::vector<std::string>& regions, absl::CivilDay date,
    type::v1::DenominatorSource source) {
  std::vector<coverage::v1::RegionCoverage> out;
  out.reserve(regions.size());
  for (size_t first = 0; first < regions.size(); first += kMaxCoverageBatch) {
    coverage::v1::BatchGetCoverageRequest req;
    for (size_t i = first; i < regions.size() && i < first + kMaxCoverageBatch; ++i) {
      req.add_regions(regions[i]);
    }
    *req.mutable_date() = ToProtoDate(date);
    req.set_denominator_source(source);
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
    AttachToken(ctx);
    coverage::v1::BatchGetCoverageResponse resp;
    ++calls_;
    const grpc::Status s = stub_->BatchGetCoverage(&ctx, req, &resp);
    if (!s.ok()) return Mapped(s, "coverage", "COVERAGE_UNAVAILABLE");
    if (resp.coverages_size() != req.regions_size()) {
      return absl::InternalError("the coverage service answered a different number of regions");
    }
    for (auto& c : *resp.mutable_coverages()) out.push_back(std::move(c));
  }
  return out;
}

absl::Status CoverageClient::Probe() {
  return ProbeChannel(*channel_, "coverage");
}

}  // namespace paritrana::award
