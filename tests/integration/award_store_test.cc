// The award store's contract, on a real SQLite file: what any backend (PostgreSQL later) must do
// for the service's rules to hold. Parameterized by the --store URL so a new backend only adds a
// line to INSTANTIATE_TEST_SUITE_P.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/award/store/award_store.h"

namespace paritrana::award {
namespace {

class AwardStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/award-store-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::string url = GetParam();
    if (auto pos = url.find("$DIR"); pos != std::string::npos) url.replace(pos, 4, dir_);
    auto store = OpenAwardStore(url);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

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

  std::string dir_;
  std::unique_ptr<AwardStore> store_;
};

TEST_P(AwardStoreTest, InsertGetUpdateRoundTrip) {
  ASSERT_TRUE(store_->Ping().ok());
  Record r = Candidate("cycles/a", "x", 2, 1, "regions/15.01");
  r.assessor = "";
  r.year = 0;
  ASSERT_TRUE(Insert(r).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(Insert(r)));
  r.state = 2;
  r.body = std::string("\0binary\xff", 8);
  ASSERT_TRUE(store_->Write([&](AwardTx& tx) { return tx.Update(r); }).ok());
  ASSERT_TRUE(store_
                  ->Read([&](AwardTx& tx) -> absl::Status {
                    auto got = tx.Get(Kind::kCandidate, r.name);
                    if (!got.ok()) return got.status();
                    EXPECT_TRUE(got->has_value());
                    EXPECT_EQ((*got)->state, 2);
                    EXPECT_EQ((*got)->body, r.body);
                    EXPECT_EQ((*got)->subject, "regions/15.01");
                    auto other_kind = tx.Get(Kind::kAssessment, r.name);
                    EXPECT_FALSE(other_kind->has_value());
                    return absl::OkStatus();
                  })
                  .ok());
  Record missing = Candidate("cycles/a", "nope", 2, 1, "");
  EXPECT_TRUE(absl::IsNotFound(store_->Write([&](AwardTx& tx) { return tx.Update(missing); })));
}

TEST_P(AwardStoreTest, SubjectsAreUniquePerCycle) {
  ASSERT_TRUE(Insert(Candidate("cycles/a", "x", 2, 1, "regions/15.01")).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(Insert(Candidate("cycles/a", "y", 2, 1, "regions/15.01"))));
  EXPECT_TRUE(Insert(Candidate("cycles/b", "x", 2, 1, "regions/15.01")).ok());
  // Records without a subject never collide.
  Record a = Candidate("cycles/a", "e1", 0, 0, "");
  a.kind = Kind::kEvaluation;
  Record b = Candidate("cycles/a", "e2", 0, 0, "");
  b.kind = Kind::kEvaluation;
  EXPECT_TRUE(Insert(a).ok());
  EXPECT_TRUE(Insert(b).ok());
}

TEST_P(AwardStoreTest, ListsFilterAndPageInSortKeyOrder) {
  ASSERT_TRUE(Insert(Candidate("cycles/a", "c", 2, 1, "regions/15.03")).ok());
  ASSERT_TRUE(Insert(Candidate("cycles/a", "a", 2, 2, "regions/15.01")).ok());
  ASSERT_TRUE(Insert(Candidate("cycles/a", "b", 3, 1, "regions/15.01.01.2001")).ok());
  ASSERT_TRUE(Insert(Candidate("cycles/b", "a", 2, 1, "regions/15.01")).ok());
  ListQuery q;
  q.kind = Kind::kCandidate;
  q.cycle = "cycles/a";
  EXPECT_EQ(Names(q), (std::vector<std::string>{"cycles/a/candidates/a", "cycles/a/candidates/b",
                                                "cycles/a/candidates/c"}));
  q.category = 2;
  EXPECT_EQ(Names(q), (std::vector<std::string>{"cycles/a/candidates/a", "cycles/a/candidates/c"}));
  q.state = 1;
  EXPECT_EQ(Names(q), (std::vector<std::string>{"cycles/a/candidates/c"}));
  q = ListQuery{};
  q.kind = Kind::kCandidate;
  q.subject = "regions/15.01";
  EXPECT_EQ(Names(q), (std::vector<std::string>{"cycles/a/candidates/a", "cycles/b/candidates/a"}));
  q = ListQuery{};
  q.kind = Kind::kCandidate;
  q.limit = 2;
  EXPECT_EQ(Names(q), (std::vector<std::string>{"cycles/a/candidates/a", "cycles/a/candidates/b"}));
  q.after_key = "cycles/a/candidates/b";
  EXPECT_EQ(Names(q), (std::vector<std::string>{"cycles/a/candidates/c", "cycles/b/candidates/a"}));
  q.parent = "cycles/b";
  EXPECT_EQ(Names(q), (std::vector<std::string>{"cycles/b/candidates/a"}));
}

TEST_P(AwardStoreTest, FailedWritesLeaveNothing) {
  absl::Status s = store_->Write([&](AwardTx& tx) -> absl::Status {
    if (absl::Status i = tx.Insert(Candidate("cycles/a", "x", 2, 1, "")); !i.ok()) return i;
    if (absl::Status p = tx.PutRequest("M", "r1", {"f", "x", absl::Now()}); !p.ok()) return p;
    return absl::AbortedError("changed my mind");
  });
  EXPECT_TRUE(absl::IsAborted(s));
  ListQuery q;
  q.kind = Kind::kCandidate;
  EXPECT_TRUE(Names(q).empty());
  ASSERT_TRUE(store_
                  ->Read([&](AwardTx& tx) -> absl::Status {
                    auto seen = tx.GetRequest("M", "r1");
                    EXPECT_FALSE(seen->has_value());
                    // A read transaction cannot write.
                    EXPECT_FALSE(tx.Insert(Candidate("cycles/a", "y", 2, 1, "")).ok());
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(AwardStoreTest, RequestIdsAndSequences) {
  const absl::Time t = absl::FromUnixSeconds(1760000000);
  ASSERT_TRUE(store_
                  ->Write([&](AwardTx& tx) -> absl::Status {
                    EXPECT_EQ(*tx.NextId("cycles/a/evaluations"), 1);
                    EXPECT_EQ(*tx.NextId("cycles/a/evaluations"), 2);
                    EXPECT_EQ(*tx.NextId("cycles/b/evaluations"), 1);
                    return tx.PutRequest("CreateRubric", "r1", {"fp", "rubrics/x", t});
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Write([&](AwardTx& tx) -> absl::Status {
                    EXPECT_EQ(*tx.NextId("cycles/a/evaluations"), 3);  // never reused
                    auto seen = tx.GetRequest("CreateRubric", "r1");
                    EXPECT_TRUE(seen->has_value());
                    EXPECT_EQ((*seen)->fingerprint, "fp");
                    EXPECT_EQ((*seen)->resource, "rubrics/x");
                    EXPECT_EQ((*seen)->create_time, t);
                    EXPECT_FALSE(tx.GetRequest("CreateCycle", "r1")->has_value());
                    // An expired id may be recorded again.
                    return tx.PutRequest("CreateRubric", "r1", {"fp2", "rubrics/y", t});
                  })
                  .ok());
}

TEST(AwardStoreUrlTest, RefusesUnknownBackends) {
  EXPECT_EQ(OpenAwardStore("postgres://x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenAwardStore("sqlite:").status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, AwardStoreTest, ::testing::Values("sqlite:$DIR/award.db"),
                         [](const auto&) { return std::string("sqlite"); });

}  // namespace
}  // namespace paritrana::award
