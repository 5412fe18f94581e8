#include "services/registry/registry_service.h"

#include "absl/strings/str_cat.h"
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
  ImportReactor(Registry& registry, v1::ImportRecordsResponse* response, CallContext call)
      : importer_(registry), response_(response), call_(std::move(call)) {
    StartRead(&message_);
  }

  void OnReadDone(bool ok) override {
    // Each message may arrive on another gRPC thread; the import is that thread's call meanwhile.
    CallScope scope(&call_);
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
  CallContext call_;
  v1::ImportRecordsRequest message_;
};

// A reactor that only finishes with an error.
class RefusedImport final : public grpc::ServerReadReactor<v1::ImportRecordsRequest> {
 public:
  explicit RefusedImport(const absl::Status& s) { Finish(ToGrpcStatus(s)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerReadReactor<v1::ImportRecordsRequest>* RegistryService::ImportRecords(
    grpc::CallbackServerContext* ctx, v1::ImportRecordsResponse* resp) {
  const std::string method =
      absl::StrCat(v1::RegistryService::service_full_name(), "/ImportRecords");
  absl::StatusOr<Caller> caller = auth_.Admit(*ctx, method);
  if (!caller.ok()) {
    ReportRefusal(&audit_, auth_, *ctx, method, caller.status());
    return new RefusedImport(caller.status());
  }
  return new ImportReactor(registry_, resp,
                           CallContext{*std::move(caller), method, RequestIdOf(*ctx), ""});
}

}  // namespace paritrana::registry
