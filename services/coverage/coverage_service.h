#pragma once

#include "absl/strings/str_cat.h"
#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "platform/errors.h"
#include "security/auth.h"
#include "security/serve_unary.h"
#include "services/coverage/coverage.h"

namespace paritrana::coverage {

// paritrana.coverage.v1.CoverageService over gRPC: any authenticated role may read coverage
// (the access table, docs/security.md).
// Each answer carries the initial-metadata entry `paritrana-computed-from-cache: true|false`.
class CoverageService final : public v1::CoverageService::CallbackService {
 public:
  CoverageService(Coverage& coverage, const Authorizer& auth) : coverage_(coverage), auth_(auth) {}

  grpc::ServerUnaryReactor* GetCoverage(grpc::CallbackServerContext* ctx,
                                        const v1::GetCoverageRequest* req,
                                        v1::RegionCoverage* resp) override {
    return Serve(ctx, "GetCoverage", resp,
                 [&](const Caller&) { return Reply(*ctx, coverage_.GetCoverage(*req)); });
  }
  grpc::ServerUnaryReactor* GetTargetGap(grpc::CallbackServerContext* ctx,
                                         const v1::GetTargetGapRequest* req,
                                         v1::TargetGap* resp) override {
    return Serve(ctx, "GetTargetGap", resp,
                 [&](const Caller&) { return Reply(*ctx, coverage_.GetTargetGap(*req)); });
  }
  grpc::ServerUnaryReactor* RankChildRegions(grpc::CallbackServerContext* ctx,
                                             const v1::RankChildRegionsRequest* req,
                                             v1::RankChildRegionsResponse* resp) override {
    return Serve(ctx, "RankChildRegions", resp,
                 [&](const Caller&) { return Reply(*ctx, coverage_.RankChildRegions(*req)); });
  }
  grpc::ServerUnaryReactor* GetCoverageTrend(grpc::CallbackServerContext* ctx,
                                             const v1::GetCoverageTrendRequest* req,
                                             v1::GetCoverageTrendResponse* resp) override {
    return Serve(ctx, "GetCoverageTrend", resp,
                 [&](const Caller&) { return Reply(*ctx, coverage_.GetCoverageTrend(*req)); });
  }
  grpc::ServerUnaryReactor* BatchGetCoverage(grpc::CallbackServerContext* ctx,
                                             const v1::BatchGetCoverageRequest* req,
                                             v1::BatchGetCoverageResponse* resp) override {
    return Serve(ctx, "BatchGetCoverage", resp,
                 [&](const Caller&) { return Reply(*ctx, coverage_.BatchGetCoverage(*req)); });
  }

 private:
  // ServeUnary for `method`, a method of this service.
  template <typename Response, typename Handler>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, absl::string_view method,
                                  Response* resp, Handler&& handler) {
    return ServeUnary(ctx, auth_,
                      absl::StrCat(v1::CoverageService::service_full_name(), "/", method), resp,
                      std::forward<Handler>(handler));
  }

  // The answer's value, after saying in the initial metadata whether it came from the cache.
  template <typename M>
  static absl::StatusOr<M> Reply(grpc::CallbackServerContext& ctx,
                                 absl::StatusOr<Answer<M>> answer) {
    if (!answer.ok()) return answer.status();
    ctx.AddInitialMetadata("paritrana-computed-from-cache", answer->from_cache ? "true" : "false");
    return std::move(answer->value);
  }

  Coverage& coverage_;
  const Authorizer& auth_;
};

}  // namespace paritrana::coverage
