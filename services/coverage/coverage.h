#pragma once

#include <functional>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "clients/registry_client.h"
#include "grpcpp/support/slice.h"
#include "paritrana/coverage/v1/coverage.pb.h"
#include "services/coverage/coverage_cache.h"
#include "services/coverage/local_cache.h"

namespace paritrana::coverage {

using clients::RegistryClient;

// An answer and whether it came whole from the cache (reported to callers in metadata). For
// GetCoverage the value is the serialized RegionCoverage, shared with the in-process cache.
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

  // The answer as the bytes of a RegionCoverage: a hit is sent without being parsed or copied.
  absl::StatusOr<Answer<grpc::Slice>> GetCoverage(const v1::GetCoverageRequest& req);
  absl::StatusOr<Answer<v1::TargetGap>> GetTargetGap(const v1::GetTargetGapRequest& req);
  absl::StatusOr<Answer<v1::RankChildRegionsResponse>> RankChildRegions(
      const v1::RankChildRegionsRequest& req);
  absl::StatusOr<Answer<v1::GetCoverageTrendResponse>> GetCoverageTrend(
      const v1::GetCoverageTrendRequest& req);
  absl::StatusOr<Answer<v1::BatchGetCoverageResponse>> BatchGetCoverage(
      const v1::BatchGetCoverageRequest& req);

 private:
  // Looks a question up in the in-process cache under `local_key`, then in the Redis cache of
  // `province` under `question()` (built only then: the in-process key is cheaper); on a miss
  // runs `compute` and stores its answer under the generation seen before computing, so a write
  // during the computation leaves the stored answer already outdated, never the other way round.
  template <typename M>
  absl::StatusOr<Answer<grpc::Slice>> Cached(absl::string_view province,
                                             const std::string& local_key,
                                             absl::FunctionRef<std::string()> question,
                                             absl::FunctionRef<absl::StatusOr<M>()> compute);
  // Cached() for a method whose answer is worked on (a page cut from it) or is rarely asked:
  // `method` asked as `normalized` names it in both caches, and the answer comes parsed.
  template <typename M>
  absl::StatusOr<Answer<M>> CachedMessage(const std::string& region, absl::string_view method,
                                          const google::protobuf::Message& normalized,
                                          absl::FunctionRef<absl::StatusOr<M>()> compute);

  RegistryClient& registry_;
  CoverageCache& cache_;
  std::function<absl::CivilDay()> today_;
  LocalCache* local_;
};

}  // namespace paritrana::coverage
