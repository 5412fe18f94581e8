// The in-process cache keys a coverage answer by the fields of GetCoverageRequest as resolved
// (CoverageKey in services/coverage/coverage.cc), spelt out rather than serialized. A field added
// to the request without being added to that key would let two different questions share an
// answer; this test names the fields the key knows, so adding one fails here first.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "paritrana/coverage/v1/coverage.pb.h"

namespace paritrana::coverage {
namespace {

TEST(CoverageKeyTest, KnowsEveryFieldOfGetCoverageRequest) {
  const google::protobuf::Descriptor* d = v1::GetCoverageRequest::descriptor();
  std::vector<std::string> fields;
  for (int i = 0; i < d->field_count(); ++i) fields.push_back(std::string(d->field(i)->name()));
  EXPECT_EQ(fields, (std::vector<std::string>{"region", "date", "segment", "denominator_source",
                                              "target_year"}))
      << "GetCoverageRequest changed: add the new field to CoverageKey and CoverageQuestion in "
         "services/coverage/coverage.cc, then here";
}

}  // namespace
}  // namespace paritrana::coverage
