// The shared convention rules of api/ on their own: the request-id grammar, replay and retention
// (which the service tests cannot wait 24 hours for), the update-mask rule and resource errors.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/request_id.h"
#include "api/resource_errors.h"
#include "api/update_mask.h"
#include "gtest/gtest.h"
#include "platform/errors.h"

namespace paritrana {
namespace {

std::string Reason(const absl::Status& s) {
  auto info = GetErrorInfo(s);
  return info ? info->reason() : "";
}

std::map<std::string, std::string> Metadata(const absl::Status& s) {
  std::map<std::string, std::string> out;
  if (auto info = GetErrorInfo(s)) out.insert(info->metadata().begin(), info->metadata().end());
  return out;
}

TEST(RequestIdTest, Grammar) {
  for (const std::string& ok : std::vector<std::string>{
           "", "a", "0b5c6a1e-2f0e-4c8e-9a55-6b7a2f1d3c44", "a.b_c-D", std::string(64, 'x')}) {
    EXPECT_TRUE(CheckRequestId(ok).ok()) << ok;
  }
  for (const std::string& bad :
       std::vector<std::string>{"has space", "a/b", "é", std::string(65, 'x'), "a:b"}) {
    absl::Status s = CheckRequestId(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ErrorField(s), "request_id") << bad;
  }
}

TEST(RequestIdTest, ReplayReuseAndRetention) {
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  const RequestRecord seen("fp", "rubrics/x", t0);
  // Nothing remembered, or no id: run the call.
  EXPECT_EQ(*Replay(std::nullopt, "M", "id", "fp", t0), std::nullopt);
  EXPECT_EQ(*Replay(seen, "M", "", "fp", t0), std::nullopt);
  // Same request within the retention: the first call's resource.
  EXPECT_EQ(*Replay(seen, "M", "id", "fp", t0 + absl::Hours(23)), "rubrics/x");
  // Another request: REQUEST_ID_REUSED naming the id.
  absl::StatusOr<std::optional<std::string>> reused =
      Replay(seen, "M", "id", "other", t0 + absl::Hours(23));
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Reason(reused.status()), "REQUEST_ID_REUSED");
  EXPECT_EQ(Metadata(reused.status()), (std::map<std::string, std::string>{{"request_id", "id"}}));
  // After the retention the id is free again, whatever the request.
  EXPECT_EQ(*Replay(seen, "M", "id", "other", t0 + kRequestIdRetention), std::nullopt);
  EXPECT_EQ(kRequestIdRetention, absl::Hours(24));
}

TEST(UpdateMaskTest, Rule) {
  google::protobuf::FieldMask mask;
  absl::StatusOr<std::set<std::string>> paths = UpdatePaths(mask, {"a", "b"});
  EXPECT_EQ(paths.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(paths.status()), "update_mask");

  mask.add_paths("*");
  paths = UpdatePaths(mask, {"a", "b"});
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_EQ(*paths, (std::set<std::string>{"a", "b"}));

  mask.Clear();
  mask.add_paths("b");
  paths = UpdatePaths(mask, {"a", "b"});
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_EQ(*paths, std::set<std::string>{"b"});

  mask.add_paths("name");
  paths = UpdatePaths(mask, {"a", "b"});
  EXPECT_EQ(paths.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(paths.status()), "update_mask");
  EXPECT_NE(paths.status().message().find("\"name\""), absl::string_view::npos);
  EXPECT_NE(paths.status().message().find("a, b"), absl::string_view::npos);

  mask.Clear();
  mask.add_paths("*");
  absl::StatusOr<google::protobuf::FieldMask> expanded = ExpandUpdateMask(mask, {"b", "a"});
  ASSERT_TRUE(expanded.ok());
  EXPECT_EQ(expanded->paths_size(), 2);
}

TEST(ResourceErrorsTest, OneKeyForTheResourceAndFieldWhenAFieldNamedIt) {
  absl::Status s = NotFound("regions/15.99");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Reason(s), "NOT_FOUND");
  EXPECT_EQ(Metadata(s), (std::map<std::string, std::string>{{"resource", "regions/15.99"}}));

  s = NotFound("regions/15.99", "regions[2]", "regions/15.99 does not exist");
  EXPECT_EQ(Metadata(s), (std::map<std::string, std::string>{{"field", "regions[2]"},
                                                             {"resource", "regions/15.99"}}));
  EXPECT_EQ(ErrorField(s), "regions[2]");

  s = AlreadyExists("employers/15080001", "employer_id", "employers/15080001 already exists");
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Reason(s), "ALREADY_EXISTS");
  EXPECT_EQ(Metadata(s), (std::map<std::string, std::string>{{"field", "employer_id"},
                                                             {"resource", "employers/15080001"}}));
  EXPECT_EQ(Metadata(AlreadyExists("rubrics/x")),
            (std::map<std::string, std::string>{{"resource", "rubrics/x"}}));
}

}  // namespace
}  // namespace paritrana
