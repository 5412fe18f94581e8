#include "platform/errors.h"

#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace paritrana {
namespace {

TEST(FieldViolationsTest, CollectsEveryViolation) {
  FieldViolations v;
  EXPECT_TRUE(v.ToStatus().ok());
  EXPECT_TRUE(v.Check("participant.kpj", absl::OkStatus()));
  EXPECT_FALSE(v.Check("participant.nik", absl::InvalidArgumentError("NIK must have 16 digits")));
  v.Add("enrollment.segment", "segment is required");

  absl::Status s = v.ToStatus();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "participant.nik: NIK must have 16 digits (and 1 more field violations)");
  auto bad = GetBadRequest(s);
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 2);
  EXPECT_EQ(bad->field_violations(1).field(), "enrollment.segment");
  ASSERT_TRUE(GetErrorInfo(s).has_value());
  EXPECT_EQ(GetErrorInfo(s)->reason(), "INVALID_FIELDS");
}

TEST(ToGrpcStatusTest, PutsDetailsOnTheWire) {
  absl::Status s = InvalidField("page_size", "must be at most 1000");
  grpc::Status wire = ToGrpcStatus(s);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(wire.error_details()));
  EXPECT_EQ(details.code(), 3);
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad;
  bool has_info = false, has_bad = false;
  for (const auto& any : details.details()) {
    if (any.UnpackTo(&info)) has_info = true;
    if (any.UnpackTo(&bad)) has_bad = true;
  }
  ASSERT_TRUE(has_info);
  ASSERT_TRUE(has_bad);
  EXPECT_EQ(info.reason(), "INVALID_FIELDS");
  EXPECT_EQ(info.domain(), kErrorDomain);
  EXPECT_EQ(bad.field_violations(0).field(), "page_size");

  // And back again, as a client would decode it.
  absl::Status round = FromGrpcStatus(wire);
  EXPECT_EQ(round.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(GetBadRequest(round).has_value());
  EXPECT_EQ(GetErrorInfo(round)->domain(), kErrorDomain);
}

TEST(ToGrpcStatusTest, DefaultReasonIsTheCodeName) {
  grpc::Status wire = ToGrpcStatus(absl::NotFoundError("no region 15.99"));
  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(GetErrorInfo(back)->reason(), "NOT_FOUND");
}

TEST(ToGrpcStatusTest, HidesInternalMessages) {
  grpc::Status wire = ToGrpcStatus(absl::InternalError("sqlite: disk I/O error at /var/lib/x"));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(wire.error_message().find("sqlite"), std::string::npos);
}

}  // namespace
}  // namespace paritrana
