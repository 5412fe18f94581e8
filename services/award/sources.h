#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"

// What the award service reads from the other services: the registry (does a region or employer
// exist, what is its name; the employer figures of employers and regions over a period) and the
// coverage service (coverage figures of many regions on one date). Interfaces so that the rules can
// be exercised with fakes; the gRPC implementations give every call a deadline; connect them with
// ConnectToService (clients/channel.h), whose service config retries UNAVAILABLE (all of these
// calls are reads, so retrying is safe).
namespace paritrana::award {

class Directory {
 public:
  virtual ~Directory() = default;
  // NOT_FOUND (reason NOT_FOUND) when the registry does not know the region; UNAVAILABLE (reason
  // REGISTRY_UNAVAILABLE) when the registry cannot be reached.
  virtual absl::StatusOr<registry::v1::Region> GetRegion(const std::string& name) = 0;
  // The same for an employer, `employers/{npp}`.
  virtual absl::StatusOr<registry::v1::Employer> GetEmployer(const std::string& name) = 0;
  // The registry's QueryEmployerFigures for `employers` and `regions` (provinces or regencies)
  // over [start, end], the regions' potential employers from the baselines of `source`: every
  // name answered once, employers and regions each sorted by name. UNAVAILABLE (reason
  // REGISTRY_UNAVAILABLE) when the registry cannot be reached; INTERNAL when it refuses the call
  // (e.g. a name it does not know: candidates' subjects were checked when they were created).
  virtual absl::StatusOr<registry::v1::QueryEmployerFiguresResponse> QueryEmployerFigures(
      const std::vector<std::string>& employers, const std::vector<std::string>& regions,
      absl::CivilDay start, absl::CivilDay end, type::v1::DenominatorSource source) = 0;
};

class CoverageSource {
 public:
  virtual ~CoverageSource() = default;
  // The coverage of every region in `regions` on `date`, all segments, with denominator
  // `source` and progress towards the target of `target_year` (0: the year of `date`), in the
  // order asked. UNAVAILABLE (reason COVERAGE_UNAVAILABLE) when the coverage
  // service (or its registry) cannot be reached.
  virtual absl::StatusOr<std::vector<coverage::v1::RegionCoverage>> BatchGetCoverage(
      const std::vector<std::string>& regions, absl::CivilDay date,
      type::v1::DenominatorSource source, int target_year) = 0;
};

// At most this many regions go in one BatchGetCoverage call (the coverage contract's limit).
inline constexpr int kMaxCoverageBatch = 100;
// At most this many employers, and this many regions, go in one QueryEmployerFigures call (the
// registry contract's limit).
inline constexpr int kMaxEmployerFiguresBatch = 1000;

class RegistryDirectory final : public Directory {
 public:
  RegistryDirectory(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline);
  absl::StatusOr<registry::v1::Region> GetRegion(const std::string& name) override;
  absl::StatusOr<registry::v1::Employer> GetEmployer(const std::string& name) override;
  // Splits the names into calls of at most kMaxEmployerFiguresBatch employers and as many
  // regions, one after another, each with its own deadline, and merges the answers.
  absl::StatusOr<registry::v1::QueryEmployerFiguresResponse> QueryEmployerFigures(
      const std::vector<std::string>& employers, const std::vector<std::string>& regions,
      absl::CivilDay start, absl::CivilDay end, type::v1::DenominatorSource source) override;
  // For health: is the channel connected or able to connect right now?
  absl::Status Probe();

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<registry::v1::RegistryService::Stub> stub_;
  absl::Duration deadline_;
};

// Splits the regions into calls of at most kMaxCoverageBatch, each with its own deadline.
class CoverageClient final : public CoverageSource {
 public:
  CoverageClient(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline);
  absl::StatusOr<std::vector<coverage::v1::RegionCoverage>> BatchGetCoverage(
      const std::vector<std::string>& regions, absl::CivilDay date,
      type::v1::DenominatorSource source, int target_year) override;
  absl::Status Probe();
  // BatchGetCoverage calls made so far (for tests and logs).
  int calls() const { return calls_.load(); }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<coverage::v1::CoverageService::Stub> stub_;
  absl::Duration deadline_;
  std::atomic<int> calls_{0};
};

}  // namespace paritrana::award
