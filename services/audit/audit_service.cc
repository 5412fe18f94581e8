#include "services/audit/audit_service.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/pagination.h"
#include "google/protobuf/util/time_util.h"
#include "platform/errors.h"
#include "security/audit_proto.h"
#include "security/serve_unary.h"

namespace paritrana::audit {
namespace {

using google::protobuf::util::TimeUtil;

bool Valid(const google::protobuf::Timestamp& t) {
  return t.seconds() >= TimeUtil::kTimestampMinSeconds &&
         t.seconds() <= TimeUtil::kTimestampMaxSeconds && t.nanos() >= 0 && t.nanos() <= 999999999;
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t));
}

}  // namespace

absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(AuditLog& log,
                                                            const v1::ListAuditEventsRequest& req) {
  AuditQuery query;
  query.principal = req.principal();
  query.resource = req.resource();
  if (req.has_start_time()) {
    if (!Valid(req.start_time())) {
      return InvalidField("start_time", "is not a valid timestamp");
    }
    query.start_time = TimeOf(req.start_time());
  }
  if (req.has_end_time()) {
    if (!Valid(req.end_time())) {
      return InvalidField("end_time", "is not a valid timestamp");
    }
    query.end_time = TimeOf(req.end_time());
  }
  if (query.start_time.has_value() && query.end_time.has_value() &&
      *query.end_time < *query.start_time) {
    return InvalidField("end_time", "is before start_time");
  }
  v1::ListAuditEventsResponse resp;
  absl::StatusOr<std::string> token = ReadPage<v1::ListAuditEventsRequest, AuditEvent>(
      req, /*salt=*/"",
      [&](const std::string& after, int limit) -> absl::StatusOr<std::vector<AuditEvent>> {
        query.after_seq = 0;
        if (!after.empty() && !absl::SimpleAtoi(after, &query.after_seq)) {
          return InvalidPageToken();
        }
        query.limit = limit;
        return log.List(query);
      },
      [](const AuditEvent& e) { return absl::StrCat(e.seq); },
      [&](const AuditEvent& e) -> absl::Status {
        *resp.add_audit_events() = AuditEventToProto(e);
        return absl::OkStatus();
      });
  if (!token.ok()) return token.status();
  resp.set_next_page_token(*std::move(token));
  return resp;
}

grpc::ServerUnaryReactor* AuditService::ListAuditEvents(grpc::CallbackServerContext* ctx,
                                                        const v1::ListAuditEventsRequest* req,
                                                        v1::ListAuditEventsResponse* resp) {
  return ServeUnary(ctx, auth_, &log_,
                    absl::StrCat(v1::AuditService::service_full_name(), "/ListAuditEvents"), req,
                    resp, [&](const Caller&) { return audit::ListAuditEvents(log_, *req); });
}

}  // namespace paritrana::audit
