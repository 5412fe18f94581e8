#include "services/registry/registry_service.h"

#include "common/errors.h"
#include "common/log.h"
#include "services/registry/importer.h"

namespace paritrana::registry {
namespace {

// Reads the ImportRecords stream message by message and feeds the Importer; the answer is sent
// when the client half-closes (or at once when the import id was already completed).
class ImportReactor final : public grpc::ServerReadReactor<v1::ImportRecordsRequest> {
 public:
  ImportReactor(Registry& registry, v1::ImportRecordsResponse* response)
      : importer_(registry), response_(response) {
    StartRead(&message_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending
      absl::StatusOr<v1::ImportRecordsResponse> result = importer_.Finish();
      if (result.ok()) {
        *response_ = std::move(*result);
        log::Info("import finished", {{"import_id", response_->import_id()},
                                      {"received", response_->rows_received()},
                                      {"accepted", response_->rows_accepted()},
                                      {"unchanged", response_->rows_unchanged()},
                                      {"rejected", response_->rows_rejected()}});
      }
      Finish(ToGrpcStatus(result.status(), kRegistryErrorDomain));
      return;
    }
    if (absl::Status s = importer_.Add(message_); !s.ok()) {
      Finish(ToGrpcStatus(s, kRegistryErrorDomain));
      return;
    }
    if (importer_.replayed()) {  // nothing more will be applied: answer now
      absl::StatusOr<v1::ImportRecordsResponse> result = importer_.Finish();
      if (result.ok()) *response_ = std::move(*result);
      Finish(ToGrpcStatus(result.status(), kRegistryErrorDomain));
      return;
    }
    StartRead(&message_);
  }

  void OnDone() override { delete this; }

 private:
  Importer importer_;
  v1::ImportRecordsResponse* response_;
  v1::ImportRecordsRequest message_;
};

// A reactor that only finishes with an error.
class RefusedImport final : public grpc::ServerReadReactor<v1::ImportRecordsRequest> {
 public:
  explicit RefusedImport(const absl::Status& s) { Finish(ToGrpcStatus(s, kRegistryErrorDomain)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* RegistryService::Unary(
    grpc::CallbackServerContext* ctx, Access access,
    const std::function<absl::Status(const Caller&)>& fn) {
  auto* reactor = ctx->DefaultReactor();
  absl::StatusOr<Caller> caller = auth_.Authenticate(*ctx);
  absl::Status s = caller.status();
  if (s.ok()) {
    s = access == Access::kRead
            ? Authorizer::Require(*caller, {Role::kRegistrar, Role::kAnalyst, Role::kAssessor})
            : Authorizer::Require(*caller, {Role::kRegistrar});
  }
  if (s.ok()) s = fn(*caller);
  reactor->Finish(ToGrpcStatus(s, kRegistryErrorDomain));
  return reactor;
}

grpc::ServerUnaryReactor* RegistryService::FindParticipantByNik(
    grpc::CallbackServerContext* ctx, const v1::FindParticipantByNikRequest* req,
    v1::Participant* resp) {
  return Unary(ctx, Access::kPersonal, [&](const Caller& caller) -> absl::Status {
    if (!caller.can_read_pii()) {
      return WithReason(absl::PermissionDeniedError(
                            "finding a participant by NIK needs the PII right (an authenticated "
                            "registrar or admin)"),
                        "PERMISSION_DENIED", {{"required_role", "registrar"}});
    }
    return Assign(resp, registry_.FindParticipantByNik(*req));
  });
}

grpc::ServerReadReactor<v1::ImportRecordsRequest>* RegistryService::ImportRecords(
    grpc::CallbackServerContext* ctx, v1::ImportRecordsResponse* resp) {
  absl::StatusOr<Caller> caller = auth_.Authenticate(*ctx);
  absl::Status s = caller.status();
  if (s.ok()) s = Authorizer::Require(*caller, {Role::kRegistrar});
  if (!s.ok()) return new RefusedImport(s);
  return new ImportReactor(registry_, resp);
}

}  // namespace paritrana::registry
