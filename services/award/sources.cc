#include "services/award/sources.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "clients/channel.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "security/auth.h"

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
      return WithReason(absl::UnavailableError(absl::StrCat(
                            "the ", dependency, " service cannot be reached: ", status.message())),
                        unavailable_reason);
    default:
      return absl::InternalError(
          absl::StrCat("the ", dependency, " service refused a call: ", status.ToString()));
  }
}

constexpr absl::Duration kProbeDeadline = absl::Milliseconds(500);

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

absl::StatusOr<registry::v1::QueryEmployerFiguresResponse> RegistryDirectory::QueryEmployerFigures(
    const std::vector<std::string>& employers, const std::vector<std::string>& regions,
    absl::CivilDay start, absl::CivilDay end, type::v1::DenominatorSource source) {
  registry::v1::QueryEmployerFiguresResponse out;
  // Chunk i carries the i-th thousand of each list; a cycle's category rarely needs more than one.
  for (size_t first = 0; first < employers.size() || first < regions.size();
       first += kMaxEmployerFiguresBatch) {
    registry::v1::QueryEmployerFiguresRequest req;
    for (size_t i = first; i < employers.size() && i < first + kMaxEmployerFiguresBatch; ++i) {
      req.add_employers(employers[i]);
    }
    for (size_t i = first; i < regions.size() && i < first + kMaxEmployerFiguresBatch; ++i) {
      req.add_regions(regions[i]);
    }
    *req.mutable_start_date() = ToProtoDate(start);
    *req.mutable_end_date() = ToProtoDate(end);
    req.set_denominator_source(source);
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
    AttachToken(ctx);
    registry::v1::QueryEmployerFiguresResponse resp;
    const grpc::Status s = stub_->QueryEmployerFigures(&ctx, req, &resp);
    if (!s.ok()) {
      absl::Status mapped = Mapped(s, "registry", "REGISTRY_UNAVAILABLE");
      // The subjects were checked when their candidates were created: a name the registry does
      // not know is a fault of this deployment, not of the caller's request (Mapped turns every
      // other refusal into INTERNAL already).
      if (absl::IsNotFound(mapped)) {
        return absl::InternalError(
            absl::StrCat("the registry refused QueryEmployerFigures: ", mapped.ToString()));
      }
      return mapped;
    }
    for (auto& e : *resp.mutable_employers()) *out.add_employers() = std::move(e);
    for (auto& r : *resp.mutable_regions()) *out.add_regions() = std::move(r);
    *out.mutable_read_time() = resp.read_time();
  }
  std::sort(out.mutable_employers()->begin(), out.mutable_employers()->end(),
            [](const auto& a, const auto& b) { return a.employer() < b.employer(); });
  std::sort(out.mutable_regions()->begin(), out.mutable_regions()->end(),
            [](const auto& a, const auto& b) { return a.region() < b.region(); });
  return out;
}

absl::Status RegistryDirectory::Probe() {
  return ProbeService(channel_, "paritrana.registry.v1.RegistryService", kProbeDeadline);
}

CoverageClient::CoverageClient(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline)
    : channel_(std::move(channel)),
      stub_(coverage::v1::CoverageService::NewStub(channel_)),
      deadline_(deadline) {}

absl::StatusOr<std::vector<coverage::v1::RegionCoverage>> CoverageClient::BatchGetCoverage(
    const std::vector<std::string>& regions, absl::CivilDay date,
    type::v1::DenominatorSource source, int target_year) {
  // All chunks are in flight at once: each costs the registry one count per region, so a
  // national cycle's chunks are answered by as many cores as the registry and coverage have
  // (measured in docs/benchmarks.md, section 4), not one after another.
  struct Chunk {
    grpc::ClientContext ctx;
    coverage::v1::BatchGetCoverageRequest req;
    coverage::v1::BatchGetCoverageResponse resp;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Chunk>> chunks;
  for (size_t first = 0; first < regions.size(); first += kMaxCoverageBatch) {
    auto chunk = std::make_unique<Chunk>();
    for (size_t i = first; i < regions.size() && i < first + kMaxCoverageBatch; ++i) {
      chunk->req.add_regions(regions[i]);
    }
    *chunk->req.mutable_date() = ToProtoDate(date);
    chunk->req.set_denominator_source(source);
    chunk->req.set_target_year(target_year);
    chunk->ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
    AttachToken(chunk->ctx);
    chunks.push_back(std::move(chunk));
  }
  absl::BlockingCounter pending(static_cast<int>(chunks.size()));
  for (auto& chunk : chunks) {
    ++calls_;
    Chunk* c = chunk.get();
    stub_->async()->BatchGetCoverage(&c->ctx, &c->req, &c->resp, [c, &pending](grpc::Status s) {
      c->status = std::move(s);
      pending.DecrementCount();
    });
  }
  pending.Wait();

  std::vector<coverage::v1::RegionCoverage> out;
  out.reserve(regions.size());
  for (auto& c : chunks) {
    if (!c->status.ok()) return Mapped(c->status, "coverage", "COVERAGE_UNAVAILABLE");
    if (c->resp.coverages_size() != c->req.regions_size()) {
      return absl::InternalError("the coverage service answered a different number of regions");
    }
    for (auto& coverage : *c->resp.mutable_coverages()) out.push_back(std::move(coverage));
  }
  return out;
}

absl::Status CoverageClient::Probe() {
  return ProbeService(channel_, "paritrana.coverage.v1.CoverageService", kProbeDeadline);
}

}  // namespace paritrana::award
