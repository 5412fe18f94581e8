#pragma once

#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/support/byte_buffer.h"
#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "platform/errors.h"
#include "security/auth.h"
#include "security/serve_unary.h"
#include "services/coverage/coverage.h"

namespace paritrana::coverage {

// paritrana.coverage.v1.CoverageService over gRPC: any authenticated role may read coverage
// (the access table, docs/security.md).
// A caller that sends the request metadata `paritrana-report-cache: true` is told in the answer's
// initial metadata, `paritrana-computed-from-cache: true|false`, whether it came from a cache.
// Only then: on a cache hit the extra header was a measurable share of the call's cost
// (docs/benchmarks.md, the echo with and without it), and most callers never read it.
//
// GetCoverage, the method mobile backends ask at high rates, is served raw: its answer leaves as
// the bytes Coverage keeps, so a cache hit is neither parsed nor copied nor serialized again
// (docs/benchmarks.md, section 1). Callers see the same RegionCoverage on the wire.
class CoverageService final : public v1::CoverageService::WithRawCallbackMethod_GetCoverage<
                                  v1::CoverageService::CallbackService> {
 public:
  CoverageService(Coverage& coverage, const Authorizer& auth) : coverage_(coverage), auth_(auth) {}

  grpc::ServerUnaryReactor* GetCoverage(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* req,
                                        grpc::ByteBuffer* resp) override {
    return Serve(ctx, "GetCoverage", resp, [&](const Caller&) -> absl::StatusOr<grpc::ByteBuffer> {
      v1::GetCoverageRequest request;
      // As a generated method does with bytes that are not its request.
      if (!Parse(*req, request)) return absl::InternalError("the request does not parse");
      absl::StatusOr<grpc::Slice> answer = Reply(*ctx, coverage_.GetCoverage(request));
      if (!answer.ok()) return answer.status();
      return grpc::ByteBuffer(&*answer, 1);  // shares the bytes: no copy
    });
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

  // The answer's value, after saying in the initial metadata whether it came from the cache if
  // the caller asked.
  template <typename M>
  static absl::StatusOr<M> Reply(grpc::CallbackServerContext& ctx,
                                 absl::StatusOr<Answer<M>> answer) {
    if (!answer.ok()) return answer.status();
    const auto& asked = ctx.client_metadata();
    if (auto it = asked.find("paritrana-report-cache"); it != asked.end() && it->second == "true") {
      ctx.AddInitialMetadata("paritrana-computed-from-cache",
                             answer->from_cache ? "true" : "false");
    }
    return std::move(answer->value);
  }

  // `buffer` as a `message`: small requests come in one slice, parsed in place.
  static bool Parse(const grpc::ByteBuffer& buffer, google::protobuf::Message& message) {
    std::vector<grpc::Slice> slices;
    if (!buffer.Dump(&slices).ok()) return false;
    if (slices.size() == 1) {
      return message.ParseFromArray(slices[0].begin(), static_cast<int>(slices[0].size()));
    }
    std::string joined;
    for (const grpc::Slice& s : slices) joined.append(s.begin(), s.end());
    return message.ParseFromString(joined);
  }

  Coverage& coverage_;
  const Authorizer& auth_;
};

}  // namespace paritrana::coverage
