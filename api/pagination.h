#pragma once

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

// AIP-158 pagination shared by every List method: page sizes and opaque page tokens that are
// bound to the query they came from.
namespace paritrana {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// 0 means the default; 1..1000 as given; anything else INVALID_ARGUMENT on `page_size`.
absl::StatusOr<int> PageSize(int requested);

// The deterministic serialization of `message` (map entries in key order): equal messages give
// equal bytes within one build.
std::string SerializeDeterministic(const google::protobuf::Message& message);

// Hex SHA-256 of the deterministic serialization of `message`: a stable fingerprint for request
// ids and page tokens.
std::string Fingerprint(const google::protobuf::Message& message);

// The query a List request asks, as page tokens are bound to it: the request's type (so a token of
// one collection is refused by another, even where both requests are empty) and the fingerprint
// of its fields other than `page_size` and `page_token`.
std::string PageQuery(const google::protobuf::Message& request);

// A token resuming after `last_key` for the query whose fingerprint is `query`.
std::string EncodePageToken(absl::string_view last_key, absl::string_view query);

// INVALID_ARGUMENT (INVALID_FIELDS) on `page_token`: the one answer to any token that is not one
// of this query, also for a token that decodes but whose key the method cannot use.
absl::Status InvalidPageToken();

// The key to resume after; "" for an empty token. INVALID_ARGUMENT on `page_token` when the
// token is malformed or belongs to another query.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query);

// One page of a List method, the same way in every service: the page size and token of `req` are
// checked, `read(after, limit)` returns up to `limit` rows in key order after the key `after`
// ("" for the first page), `key_of(row)` is a row's key and `take(row)` adds it to the response.
// Returns the next page token, "" on the last page. The token is bound to PageQuery(req) and to
// `salt` (e.g. what the caller may see, so a token does not carry over to another caller's view).
template <typename Request, typename Row>
absl::StatusOr<std::string> ReadPage(
    const Request& req, absl::string_view salt,
    absl::FunctionRef<absl::StatusOr<std::vector<Row>>(const std::string& after, int limit)> read,
    absl::FunctionRef<std::string(const Row&)> key_of,
    absl::FunctionRef<absl::Status(const Row&)> take) {
  absl::StatusOr<int> size = PageSize(req.page_size());
  if (!size.ok()) return size.status();
  const std::string query = absl::StrCat(salt, PageQuery(req));
  absl::StatusOr<std::string> after = DecodePageToken(req.page_token(), query);
  if (!after.ok()) return after.status();
  // One more row than the page holds tells whether another page exists.
  absl::StatusOr<std::vector<Row>> rows = read(*after, *size + 1);
  if (!rows.ok()) return rows.status();
  const bool more = static_cast<int>(rows->size()) > *size;
  if (more) rows->resize(*size);
  for (const Row& row : *rows) {
    if (absl::Status s = take(row); !s.ok()) return s;
  }
  return more ? EncodePageToken(key_of(rows->back()), query) : std::string();
}

}  // namespace paritrana
