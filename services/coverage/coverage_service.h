#pragma once

#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "platform/errors.h"
#include "security/auth.h"
#include "services/coverage/coverage.h"

namespace paritrana::coverage {

// paritrana.coverage.v1.CoverageService over gRPC: any authenticated role may read coverage.
// Each answer carries the initial-metadata entry `paritrana-computed-from-cache: true|false`.
class CoverageService final : public v1::CoverageService::CallbackService {
 public:
  CoverageService(Coverage& coverage, const Authorizer& auth) : coverage_(coverage), auth_(auth) {}

  grpc::ServerUnaryReactor* GetCoverage(grpc::CallbackServerContext* ctx,
                                        const v1::GetCoverageRequest* req,
                                        v1::RegionCoverage* resp) override {
    return Run(ctx, resp, [&] { return coverage_.GetCoverage(*req); });
  }
  grpc::ServerUnaryReactor* GetTargetGap(grpc::CallbackServerContext* ctx,
                                         const v1::GetTargetGapRequest* req,
                                         v1::TargetGap* resp) override {
    return Run(ctx, resp, [&] { return coverage_.GetTargetGap(*req); });
  }
  grpc::ServerUnaryReactor* RankChildRegions(grpc::CallbackServerContext* ctx,
                                             const v1::RankChildRegionsRequest* req,
                                             v1::RankChildRegionsResponse* resp) override {
    return Run(ctx, resp, [&] { return coverage_.RankChildRegions(*req); });
  }
  grpc::ServerUnaryReactor* GetCoverageTrend(grpc::CallbackServerContext* ctx,
                                             const v1::GetCoverageTrendRequest* req,
                                             v1::GetCoverageTrendResponse* resp) override {
    return Run(ctx, resp, [&] { return coverage_.GetCoverageTrend(*req); });
  }
  grpc::ServerUnaryReactor* BatchGetCoverage(grpc::CallbackServerContext* ctx,
                                             const v1::BatchGetCoverageRequest* req,
                                             v1::BatchGetCoverageResponse* resp) override {
    return Run(ctx, resp, [&] { return coverage_.BatchGetCoverage(*req); });
  }

 private:
  // Authenticates, computes, and finishes the call with the answer or its error.
  template <typename M, typename Compute>
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* ctx, M* resp, Compute compute) {
    auto* reactor = ctx->DefaultReactor();
    absl::StatusOr<Caller> caller = auth_.Authenticate(*ctx);
    absl::Status s = caller.status();
    if (s.ok()) {
      s = Authorizer::Require(*caller, {Role::kAnalyst, Role::kRegistrar, Role::kAssessor});
    }
    if (s.ok()) {
      absl::StatusOr<Answer<M>> answer = compute();
      s = answer.status();
      if (s.ok()) {
        ctx->AddInitialMetadata("paritrana-computed-from-cache",
                                answer->from_cache ? "true" : "false");
        *resp = std::move(answer->value);
      }
    }
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }

  Coverage& coverage_;
  const Authorizer& auth_;
};

}  // namespace paritrana::coverage
