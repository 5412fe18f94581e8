#include "services/award/award_service.h"

#include "platform/errors.h"

namespace paritrana::award {

absl::StatusOr<Principal> AwardService::Admit(const grpc::CallbackServerContext& ctx,
                                              Access access) const {
  absl::StatusOr<Caller> caller = auth_.Authenticate(ctx);
  if (!caller.ok()) return caller.status();
  Principal principal;
  if (!caller->authenticated) {
    // Authentication is off: everyone may write, as in the registry (see class comment).
    caller->roles.insert(Role::kAdmin);
    principal.id = "anonymous";
  } else {
    principal.id = principals_.IdOf(ctx);
  }
  principal.admin = caller->has(Role::kAdmin);
  principal.assessor = caller->has(Role::kAssessor);
  absl::Status s;
  switch (access) {
    case Access::kRead:
      s = Authorizer::Require(*caller, {Role::kRegistrar, Role::kAnalyst, Role::kAssessor});
      break;
    case Access::kAssessor:
      s = Authorizer::Require(*caller, {Role::kAssessor});
      break;
    case Access::kAdmin:
      s = Authorizer::Require(*caller, {Role::kAdmin});
      break;
  }
  if (!s.ok()) return s;
  return principal;
}

grpc::ServerUnaryReactor* AwardService::EvaluateCycle(grpc::CallbackServerContext* ctx,
                                                      const v1::EvaluateCycleRequest* req,
                                                      v1::Evaluation* resp) {
  auto* reactor = ctx->DefaultReactor();
  absl::StatusOr<Principal> principal = Admit(*ctx, Access::kAdmin);
  if (!principal.ok()) {
    reactor->Finish(ToGrpcStatus(principal.status()));
    return reactor;
  }
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
  workers_.push_back(Worker{std::thread([this, reactor, req, resp, done, caller = *principal] {
                              absl::StatusOr<v1::Evaluation> s = award_.EvaluateCycle(*req, caller);
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
