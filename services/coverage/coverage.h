#pragma once

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "clients/registry_client.h"
#include "paritrana/coverage/v1/coverage.pb.h"
#include "services/coverage/coverage_cache.h"
#include "services/coverage/local_cache.h"

namespace paritrana::coverage {

using clients::RegistryClient;

// An answer and whether it came whole from the cache (reported to callers in metadata).
template <typename M>
struct Answer {
  M value;
  bool from_cache = false;
};

// The coverage service's rules, independent of gRPC: validation, cache look-up, one batched
// registry call on a miss, and the arithmetic in coverage_calculator.h.
class Coverage final {
 public:
  // `local` (may be null) is consulted before `cache` for single answers.
  Coverage(RegistryClient& registry, CoverageCache& cache, std::function<absl::CivilDay()> today,
           LocalCache* local = nullptr)
      : registry_(registry), cache_(cache), today_(std::move(today)), local_(local) {}

  absl::StatusOr<Answer<v1::RegionCoverage>> GetCoverage(const v1::GetCoverageRequest& req);
  absl::StatusOr<Answer<v1::TargetGap>> GetTargetGap(const v1::GetTargetGapRequest& req);
  absl::StatusOr<Answer<v1::RankChildRegionsResponse>> RankChildRegions(
      const v1::RankChildRegionsRequest& req);
  absl::StatusOr<Answer<v1::GetCoverageTrendResponse>> GetCoverageTrend(
      const v1::GetCoverageTrendRequest& req);
  absl::StatusOr<Answer<v1::BatchGetCoverageResponse>> BatchGetCoverage(
      const v1::BatchGetCoverageRequest& req);

 private:
  // Looks the question (`method` asked as `normalized`) up in the in-process cache, then in the
  // Redis cache of `region`'s province; on a miss runs `compute` and stores its answer under the
  // generation seen before computing, so a write during the computation leaves the stored answer
  // already outdated, never the other way round.
  template <typename M>
  absl::StatusOr<Answer<M>> Cached(const std::string& region, absl::string_view method,
                                   const google::protobuf::Message& normalized,
                                   const std::function<absl::StatusOr<M>()>& compute);

  RegistryClient& registry_;
  CoverageCache& cache_;
  std::function<absl::CivilDay()> today_;
  LocalCache* local_;
};

}  // namespace paritrana::coverage
