#include "services/award/award_service.h"

#include "absl/strings/str_cat.h"
#include "platform/errors.h"

namespace paritrana::award {

Principal AwardService::PrincipalOf(const Caller& caller) {
  Principal principal;
  principal.id = caller.id;
  principal.admin = caller.has(Role::kAwardAdmin);
  principal.assessor = caller.has(Role::kAssessor);
  return principal;
}

grpc::ServerUnaryReactor* AwardService::EvaluateCycle(grpc::CallbackServerContext* ctx,
                                                      const v1::EvaluateCycleRequest* req,
                                                      v1::Evaluation* resp) {
  auto* reactor = ctx->DefaultReactor();
  const std::string method = FullName("EvaluateCycle");
  absl::StatusOr<Caller> caller = auth_.Admit(*ctx, method);
  if (!caller.ok()) {
    ReportRefusal(&audit_, auth_, *ctx, method, caller.status(), req->name());
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  // The evaluation runs on its own thread, which serves the call: it is that thread's call.
  CallContext call{*std::move(caller), method, RequestIdOf(*ctx), req->name()};
  auto done = std::make_shared<std::atomic<bool>>(false);
  absl::MutexLock lock(&workers_mu_);
  // Reap the threads of earlier evaluations that have finished.
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  // `req` and `resp` stay valid until Finish; the reactor may be finished from any thread.
  workers_.push_back(Worker{
      std::thread([this, reactor, req, resp, done, call = std::move(call)]() mutable {
        CallScope scope(&call);
        absl::StatusOr<v1::Evaluation> s = award_.EvaluateCycle(*req, PrincipalOf(call.caller));
        if (s.ok()) *resp = *std::move(s);
        reactor->Finish(ToGrpcStatus(s.status()));
        done->store(true);
      }),
      done});
  return reactor;
}

AwardService::~AwardService() {
  std::vector<Worker> workers;
  {
    absl::MutexLock lock(&workers_mu_);
    workers.swap(workers_);
  }
  for (Worker& w : workers) w.thread.join();
}

}  // namespace paritrana::award
