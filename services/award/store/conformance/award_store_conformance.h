#pragma once

// The AwardStore contract (services/award/store/award_store.h) as a test library, after Trillian's
// storage/testonly: what any backend must do for the service's rules to hold, as one
// parameterized suite that every backend runs. A backend's test instantiates it with one line,
// giving a factory that opens (creating or reopening) a store whose files live in the folder it
// is handed (a fresh folder per test, owned by the suite):
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, AwardStoreConformance, testing::Values(&OpenInDir));
//
// (inside namespace paritrana::award; see sqlite/sqlite_award_store_test.cc). The test binary
// links the library whole (tests/CMakeLists.txt: paritrana_store_test), since nothing in the
// backend's own file refers to the suite's TEST_Ps and the linker would otherwise drop them. The
// same style as the registry's suite (services/registry/store/conformance).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/award/store/award_store.h"
#include "tests/support/temp_dir.h"

namespace paritrana::award {

// Opens (creating or reopening) a store whose files live in `dir`, a directory owned by the test.
using AwardStoreFactory =
    std::function<absl::StatusOr<std::unique_ptr<AwardStore>>(const std::string& dir)>;

class AwardStoreConformance : public ::testing::TestWithParam<AwardStoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  static Record Candidate(const std::string& cycle, const std::string& id, int category, int status,
                          const std::string& subject) {
    Record r;
    r.kind = Kind::kCandidate;
    r.name = absl::StrCat(cycle, "/candidates/", id);
    r.parent = cycle;
    r.cycle = cycle;
    r.sort_key = r.name;
    r.category = category;
    r.state = status;
    r.subject = subject;
    r.body = "body-" + id;
    return r;
  }

  absl::Status Insert(const Record& r) {
    return store_->Write([&](AwardTx& tx) { return tx.Insert(r); });
  }

  std::vector<std::string> Names(ListQuery q) {
    std::vector<std::string> out;
    absl::Status s = store_->Read([&](AwardTx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Record>> rows = tx.List(q);
      if (!rows.ok()) return rows.status();
      for (const Record& r : *rows) out.push_back(r.name);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  test_support::TempDir temp_{"award_store"};  // outlives the store
  std::string dir_ = temp_.path();
  std::unique_ptr<AwardStore> store_;
};

}  // namespace paritrana::award
