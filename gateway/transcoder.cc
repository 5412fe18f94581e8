#include "gateway/transcoder.h"

#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/type/date.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/time.h"
#include "platform/errors.h"

namespace paritrana::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A field by its proto name or its JSON (lowerCamel) name.
const FieldDescriptor* FindField(const Descriptor* d, absl::string_view name) {
  const std::string n(name);
  if (const FieldDescriptor* f = d->FindFieldByName(n); f != nullptr) return f;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == n) return d->field(i);
  }
  return nullptr;
}

bool ParseDate(absl::string_view text, int& year, int& month, int& day) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  if (parts.size() != 3 || parts[0].size() != 4 || parts[1].size() != 2 || parts[2].size() != 2) {
    return false;
  }
  return absl::SimpleAtoi(parts[0], &year) && absl::SimpleAtoi(parts[1], &month) &&
         absl::SimpleAtoi(parts[2], &day);
}

bool ParseYearMonth(absl::string_view text, int& year, int& month) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  if (parts.size() != 2 || parts[0].size() != 4 || parts[1].size() != 2) return false;
  return absl::SimpleAtoi(parts[0], &year) && absl::SimpleAtoi(parts[1], &month);
}

// Sets a message-typed field from its text shorthand; false when the type has none or the text
// does not fit it.
bool SetMessageFromText(Message& m, absl::string_view value) {
  const Descriptor* d = m.GetDescriptor();
  const std::string& type = d->full_name();
  if (type == google::type::Date::descriptor()->full_name()) {
    int year = 0, month = 0, day = 0;
    if (!ParseDate(value, year, month, day)) return false;
    google::type::Date date;
    date.set_year(year);
    date.set_month(month);
    date.set_day(day);
    m.CopyFrom(date);
    return true;
  }
  if (type == google::protobuf::Timestamp::descriptor()->full_name()) {
    google::protobuf::Timestamp ts;
    if (!google::protobuf::util::TimeUtil::FromString(std::string(value), &ts)) return false;
    m.CopyFrom(ts);
    return true;
  }
  if (type == google::protobuf::FieldMask::descriptor()->full_name()) {
    google::protobuf::FieldMask mask;
    google::protobuf::util::FieldMaskUtil::FromString(std::string(value), &mask);
    m.CopyFrom(mask);
    return true;
  }
  const FieldDescriptor* year = d->FindFieldByName("year");
  const FieldDescriptor* month = d->FindFieldByName("month");
  if (d->field_count() == 2 && year != nullptr && month != nullptr &&
      year->cpp_type() == FieldDescriptor::CPPTYPE_INT32 &&
      month->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
    int y = 0, mo = 0;
    if (!ParseYearMonth(value, y, mo)) return false;
    m.GetReflection()->SetInt32(&m, year, y);
    m.GetReflection()->SetInt32(&m, month, mo);
    return true;
  }
  return false;
}

// Sets (or, for a repeated field, appends) the scalar `f` of `m` from `value`. False when the
// text does not fit the type.
bool SetScalar(Message& m, const FieldDescriptor* f, absl::string_view value) {
  const Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v(value);
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        std::string decoded;
        if (!absl::WebSafeBase64Unescape(value, &decoded) &&
            !absl::Base64Unescape(value, &decoded)) {
          return false;
        }
        v = std::move(decoded);
      }
      rep ? r->AddString(&m, f, std::move(v)) : r->SetString(&m, f, std::move(v));
      return true;
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v = 0;
      if (!absl::SimpleAtoi(value, &v)) return false;
      rep ? r->AddInt32(&m, f, v) : r->SetInt32(&m, f, v);
      return true;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = 0;
      if (!absl::SimpleAtoi(value, &v)) return false;
      rep ? r->AddInt64(&m, f, v) : r->SetInt64(&m, f, v);
      return true;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v = 0;
      if (!absl::SimpleAtoi(value, &v)) return false;
      rep ? r->AddUInt32(&m, f, v) : r->SetUInt32(&m, f, v);
      return true;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v = 0;
      if (!absl::SimpleAtoi(value, &v)) return false;
      rep ? r->AddUInt64(&m, f, v) : r->SetUInt64(&m, f, v);
      return true;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v = 0;
      if (!absl::SimpleAtod(value, &v)) return false;
      rep ? r->AddDouble(&m, f, v) : r->SetDouble(&m, f, v);
      return true;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float v = 0;
      if (!absl::SimpleAtof(value, &v)) return false;
      rep ? r->AddFloat(&m, f, v) : r->SetFloat(&m, f, v);
      return true;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v = false;
      if (value == "true" || value == "1") {
        v = true;
      } else if (value != "false" && value != "0") {
        return false;
      }
      rep ? r->AddBool(&m, f, v) : r->SetBool(&m, f, v);
      return true;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      int number = 0;
      if (const auto* e = f->enum_type()->FindValueByName(std::string(value)); e != nullptr) {
        number = e->number();
      } else if (!absl::SimpleAtoi(value, &number) ||
                 f->enum_type()->FindValueByNumber(number) == nullptr) {
        return false;
      }
      rep ? r->AddEnumValue(&m, f, number) : r->SetEnumValue(&m, f, number);
      return true;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* sub = rep ? r->AddMessage(&m, f) : r->MutableMessage(&m, f);
      if (SetMessageFromText(*sub, value)) return true;
      if (rep) r->RemoveLast(&m, f);
      return false;
    }
  }
  return false;
}

std::string ExpectedForm(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true or false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return absl::StrCat("a value of ", f->enum_type()->full_name());
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (f->message_type()->full_name() == "google.type.Date") return "a date YYYY-MM-DD";
      return absl::StrCat("a value of ", f->message_type()->full_name());
    case FieldDescriptor::CPPTYPE_STRING:
      return f->type() == FieldDescriptor::TYPE_BYTES ? "base64" : "text";
    default:
      return "a number";
  }
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    absl::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = part.find('=');
    std::string key(part.substr(0, eq));
    std::string value(eq == absl::string_view::npos ? "" : part.substr(eq + 1));
    for (std::string* s : {&key, &value}) {
      for (char& c : *s) {
        if (c == '+') c = ' ';
      }
      absl::StatusOr<std::string> decoded = PercentDecode(*s);
      if (!decoded.ok()) {
        return InvalidField(key, "malformed percent-encoding, or not UTF-8, in the query");
      }
      *s = *std::move(decoded);
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

absl::Status SetField(Message& message, absl::string_view path, absl::string_view value) {
  Message* m = &message;
  const FieldDescriptor* field = nullptr;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    field = FindField(m->GetDescriptor(), parts[i]);
    if (field == nullptr) return InvalidField(path, "no such field in the request");
    if (i + 1 < parts.size()) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_repeated() ||
          field->is_map()) {
        return InvalidField(path, "no such field in the request");
      }
      m = m->GetReflection()->MutableMessage(m, field);
    }
  }
  if (field->is_map()) return InvalidField(path, "a map cannot be set from the query");
  if (!SetScalar(*m, field, value)) {
    return InvalidField(path, absl::StrCat("expected ", ExpectedForm(field)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Message>> BuildRequest(const RouteTable::Match& match,
                                                      absl::string_view query,
                                                      absl::string_view body) {
  const Descriptor* input = match.route->method->input_type();
  std::unique_ptr<Message> request(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(input)->New());
  const std::string& body_field = match.route->body;
  if (!body_field.empty() && !absl::StripAsciiWhitespace(body).empty()) {
    Message* target = request.get();
    if (body_field != "*") {
      const FieldDescriptor* f = FindField(input, body_field);
      if (f == nullptr || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        return absl::InternalError("the route's body names no message field");
      }
      target = request->GetReflection()->MutableMessage(request.get(), f);
    }
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    if (auto s = google::protobuf::util::JsonStringToMessage(std::string(body), target, options);
        !s.ok()) {
      return InvalidField(body_field == "*" ? "body" : body_field,
                          absl::StrCat("not valid JSON for the request: ", s.ToString()));
    }
  }
  // With a body of "*" every field comes from the body: the query may name none.
  FieldViolations violations;
  if (!query.empty()) {
    auto params = ParseQuery(query);
    if (!params.ok()) return params.status();
    for (const auto& param : *params) {
      if (body_field == "*") {
        violations.Add(param.first, "the body carries the whole request; no query allowed");
        continue;
      }
      absl::Status s = SetField(*request, param.first, param.second);
      if (!s.ok()) {
        std::optional<google::rpc::BadRequest> bad = GetBadRequest(s);
        violations.Add(param.first, bad.has_value() && bad->field_violations_size() > 0
                                        ? bad->field_violations(0).description()
                                        : s.message());
      }
    }
  }
  if (!violations.empty()) return violations.ToStatus();
  // The path's bindings win over anything the query said about the same fields.
  for (const auto& binding : match.bindings) {
    const FieldDescriptor* f = nullptr;
    Message* m = request.get();
    std::vector<absl::string_view> parts = absl::StrSplit(binding.first, '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      f = m->GetDescriptor()->FindFieldByName(std::string(parts[i]));
      if (f == nullptr) return absl::InternalError("path variable names no field");
      if (i + 1 < parts.size()) m = m->GetReflection()->MutableMessage(m, f);
    }
    m->GetReflection()->SetString(m, f, binding.second);
  }
  return request;
}

Forwarder::Forwarder(Backends backends, absl::Duration deadline) : deadline_(deadline) {
  for (auto& [service, channel] : backends) {
    Backend b;
    b.stub = std::make_unique<grpc::GenericStub>(channel);
    b.channel = std::move(channel);
    backends_.emplace(service, std::move(b));
  }
}

void Forwarder::Call(const Route& route, const Message& request,
                     const std::vector<std::pair<std::string, std::string>>& metadata,
                     std::function<void(BackendAnswer)> done) {
  const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(
      route.method->output_type());
  CallMethod(route.method->service()->full_name(), route.grpc_path, request, *prototype, metadata,
             deadline_, std::move(done));
}

void Forwarder::CallMethod(const std::string& service, const std::string& method_path,
                           const Message& request, const Message& response_prototype,
                           const std::vector<std::pair<std::string, std::string>>& metadata,
                           absl::Duration deadline, std::function<void(BackendAnswer)> done) {
  auto it = backends_.find(service);
  if (it == backends_.end()) {
    done(BackendAnswer{
        grpc::Status(grpc::StatusCode::UNAVAILABLE, absl::StrCat("no backend for ", service)),
        nullptr});
    return;
  }
  // Owned by the call until its completion callback, which gRPC runs exactly once.
  struct CallState {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    std::unique_ptr<Message> answer;
    std::function<void(BackendAnswer)> done;
  };
  auto* state = new CallState;
  state->answer.reset(response_prototype.New());
  state->done = std::move(done);
  for (const auto& [key, value] : metadata) state->context.AddMetadata(key, value);
  state->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  std::string bytes;
  request.SerializeToString(&bytes);
  grpc::Slice slice(bytes);
  state->request = grpc::ByteBuffer(&slice, 1);
  it->second.stub->UnaryCall(
      &state->context, method_path, grpc::StubOptions(), &state->request, &state->response,
      [state](grpc::Status status) {
        std::unique_ptr<CallState> owned(state);
        BackendAnswer answer;
        if (status.ok()) {
          std::vector<grpc::Slice> slices;
          std::string payload;
          if (owned->response.Dump(&slices).ok()) {
            for (const grpc::Slice& s : slices) {
              payload.append(reinterpret_cast<const char*>(s.begin()), s.size());
            }
          }
          if (owned->answer->ParseFromString(payload)) {
            answer.response = std::move(owned->answer);
          } else {
            status = grpc::Status(grpc::StatusCode::INTERNAL, "the backend's answer is not valid");
          }
        }
        answer.status = std::move(status);
        owned->done(std::move(answer));
      });
}

}  // namespace paritrana::gateway
