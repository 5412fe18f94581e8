#include "services/registry/registry_service.h"

#include "platform/errors.h"
#include "platform/log.h"
#include "services/registry/importer.h"

namespace paritrana::registry {
namespace {

// Reads the ImportRecords stream message by message and feeds the Importer. The answer is sent once
// the Importer is done (ImportEnd applied, or a replayed import id). A read that fails before that
// is a half-close, a cancellation or a message that did not parse, which gRPC does not tell apart:
// all three abandon the import, so none is ever recorded as complete.
class ImportReactor final : public grpc::ServerReadReactor<v1::ImportRecordsRequest> {
 public:
  ImportReactor(Registry& registry, v1::ImportRecordsResponse* response)
      : importer_(registry), response_(response) {
    StartRead(&message_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      absl::Status s = importer_.Abandon();
      log::Warn("import abandoned", {{"import_id", importer_.response().import_id()},
                                     {"received", importer_.response().rows_received()},
                                     {"error", s.ToString()}});
      Answer(s);
      return;
    }
    if (absl::Status s = importer_.Add(message_); !s.ok()) {
      Answer(s);
      return;
    }
    if (!importer_.done()) {
      StartRead(&message_);
      return;
    }
    *response_ = importer_.response();
    log::Info("import finished", {{"import_id", response_->import_id()},
                                  {"replayed", response_->replayed()},
                                  {"received", response_->rows_received()},
                                  {"accepted", response_->rows_accepted()},
                                  {"unchanged", response_->rows_unchanged()},
                                  {"rejected", response_->rows_rejected()}});
    Answer(absl::OkStatus());
  }

  void OnDone() override { delete this; }

 private:
  void Answer(const absl::Status& s) {
    importer_.Close();
    Finish(ToGrpcStatus(s));
  }

  Importer importer_;
  v1::ImportRecordsResponse* response_;
  v1::ImportRecordsRequest message_;
};

// A reactor that only finishes with an error.
class RefusedImport final : public grpc::ServerReadReactor<v1::ImportRecordsRequest> {
 public:
  explicit RefusedImport(const absl::Status& s) { Finish(ToGrpcStatus(s)); }
  void OnDone() override { delete this; }
};

}  // namespace

absl::StatusOr<Caller> RegistryService::Admit(const grpc::CallbackServerContext& ctx,
                                              Access access) const {
  absl::StatusOr<Caller> caller = auth_.Authenticate(ctx);
  if (!caller.ok()) return caller.status();
  PARITRANA_RETURN_IF_ERROR(
      access == Access::kRead
          ? Authorizer::Require(*caller, {Role::kRegistrar, Role::kAnalyst, Role::kAssessor})
          : Authorizer::Require(*caller, {Role::kRegistrar}));
  return caller;
}

grpc::ServerUnaryReactor* RegistryService::FindParticipantByNik(
    grpc::CallbackServerContext* ctx, const v1::FindParticipantByNikRequest* req,
    v1::Participant* resp) {
  return ServeUnary(
      ctx, Admit(*ctx, Access::kPersonal), resp,
      [&](const Caller& caller) -> absl::StatusOr<v1::Participant> {
        if (!caller.can_read_pii()) {
          return WithReason(
              absl::PermissionDeniedError(
                  "finding a participant by NIK needs the PII right (an authenticated "
                  "registrar or admin)"),
              "PERMISSION_DENIED", {{"required_role", "registrar"}});
        }
        return registry_.FindParticipantByNik(*req);
      });
}

grpc::ServerReadReactor<v1::ImportRecordsRequest>* RegistryService::ImportRecords(
    grpc::CallbackServerContext* ctx, v1::ImportRecordsResponse* resp) {
  absl::StatusOr<Caller> caller = Admit(*ctx, Access::kWrite);
  if (!caller.ok()) return new RefusedImport(caller.status());
  return new ImportReactor(registry_, resp);
}

}  // namespace paritrana::registry
