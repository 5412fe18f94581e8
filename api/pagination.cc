#include "api/pagination.h"

#include <memory>

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "platform/errors.h"

namespace paritrana {
namespace {

// Tokens carry the first 16 hex digits of the query fingerprint: enough to catch a token reused
// with other filters, short enough to keep tokens small.
constexpr size_t kQueryTag = 16;

}  // namespace

absl::StatusOr<int> PageSize(int requested) {
  if (requested < 0 || requested > kMaxPageSize) {
    return InvalidField("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize,
                                                  " (0 means ", kDefaultPageSize, ")"));
  }
  return requested == 0 ? kDefaultPageSize : requested;
}

std::string SerializeDeterministic(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

namespace {

std::string HexSha256(absl::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace

std::string Fingerprint(const google::protobuf::Message& message) {
  return HexSha256(SerializeDeterministic(message));
}

absl::Status InvalidPageToken() {
  return InvalidField("page_token",
                      "not a page token of this query; repeat the request that returned it "
                      "with the same fields, or leave page_token empty to start over");
}

std::string EncodePageToken(absl::string_view last_key, absl::string_view query) {
  return absl::WebSafeBase64Escape(absl::StrCat(query.substr(0, kQueryTag), last_key));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query) {
  if (token.empty()) return std::string();
  std::string raw;
  // Only the canonical spelling is a token (no padding, zero trailing bits), so one position has
  // one token.
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() <= kQueryTag ||
      absl::string_view(raw).substr(0, kQueryTag) != query.substr(0, kQueryTag) ||
      absl::WebSafeBase64Escape(raw) != token) {
    return InvalidPageToken();
  }
  return raw.substr(kQueryTag);
}

std::string PageQuery(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> shape(request.New());
  shape->CopyFrom(request);
  const google::protobuf::Descriptor* d = shape->GetDescriptor();
  for (const char* paging : {"page_size", "page_token"}) {
    if (const auto* field = d->FindFieldByName(paging)) {
      shape->GetReflection()->ClearField(shape.get(), field);
    }
  }
  return HexSha256(absl::StrCat(d->full_name(), "\n", SerializeDeterministic(*shape)));
}

}  // namespace paritrana
