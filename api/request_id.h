#pragma once

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "platform/errors.h"

// AIP-155 request ids, one rule for every create-like method of every service (docs/api.md,
// "Conventions"):
// * grammar: empty (no id) or 1 to 64 of [A-Za-z0-9._-], so UUIDs and the ids either service
//   accepted before still pass;
// * the same id with the same request (same method, same fingerprint) returns what the first call
//   created, as it is now, without running the method again;
// * the same id with a different request is ALREADY_EXISTS, reason REQUEST_ID_REUSED, metadata
//   {"request_id": id} (the request is well formed; the id is taken, as a name would be);
// * an id is remembered for kRequestIdRetention after its first use, then it is free again.
namespace paritrana {

inline constexpr size_t kMaxRequestIdLength = 64;
// Long enough for any client's retries (a day of outage included), short enough that ids never
// need to be unique forever.
inline constexpr absl::Duration kRequestIdRetention = absl::Hours(24);

// A remembered request id: a fingerprint of the first request, the resource it created and when.
// (A constructor rather than an aggregate, so callers that leave out the time need not list it.)
struct RequestRecord {
  RequestRecord() = default;
  RequestRecord(std::string fingerprint, std::string resource,
                absl::Time create_time = absl::UnixEpoch())
      : fingerprint(std::move(fingerprint)),
        resource(std::move(resource)),
        create_time(create_time) {}

  std::string fingerprint;
  std::string resource;
  absl::Time create_time;
};

// OK for "" (no id) and ids of the grammar above; else INVALID_ARGUMENT on `request_id`.
absl::Status CheckRequestId(absl::string_view id);
// The same, adding the violation to `v` so it is reported with the request's other fields.
void CheckRequestId(absl::string_view id, FieldViolations& v);

// ALREADY_EXISTS REQUEST_ID_REUSED: `id` was used within the retention by another `method` call.
absl::Status RequestIdReused(absl::string_view method, absl::string_view id);

// What an earlier call decides for a call of `method` with `id` and `fingerprint`: nullopt when
// there is none (or it expired, or there is no id): run the call; the name of the resource the
// first call created when the fingerprints match; REQUEST_ID_REUSED when they differ.
absl::StatusOr<std::optional<std::string>> Replay(const std::optional<RequestRecord>& seen,
                                                  absl::string_view method, absl::string_view id,
                                                  absl::string_view fingerprint,
                                                  absl::Time now = absl::Now());

// The whole rule, inside one write transaction `tx` of any store whose transactions have
//   absl::StatusOr<std::optional<RequestRecord>> GetRequest(method, id)
//   absl::Status PutRequest(method, id, const RequestRecord&)   // replaces an expired record
// `load(name)` reads the resource a first call created (NOT_FOUND if it is gone); `create()` runs
// the call and returns the created resource, whose name() is remembered with the id.
template <typename M, typename Tx, typename Load, typename Create>
absl::StatusOr<M> RunOnce(Tx& tx, absl::string_view method, const std::string& id,
                          const std::string& fingerprint, Load&& load, Create&& create) {
  PARITRANA_RETURN_IF_ERROR(CheckRequestId(id));
  if (id.empty()) return create();
  PARITRANA_ASSIGN_OR_RETURN(std::optional<RequestRecord> seen, tx.GetRequest(method, id));
  PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> first,
                             Replay(seen, method, id, fingerprint));
  if (first.has_value()) return load(*first);
  PARITRANA_ASSIGN_OR_RETURN(M out, create());
  PARITRANA_RETURN_IF_ERROR(tx.PutRequest(method, id, {fingerprint, out.name(), absl::Now()}));
  return out;
}

}  // namespace paritrana
