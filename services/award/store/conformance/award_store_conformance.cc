#include "services/award/store/conformance/award_store_conformance.h"

#include "absl/time/clock.h"

namespace paritrana::award {

void AwardStoreConformance::SetUp() {
  ASSERT_FALSE(dir_.empty()) << "no temporary folder";
  absl::StatusOr<std::unique_ptr<AwardStore>> store = GetParam()(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = std::move(*store);
}

void AwardStoreConformance::TearDown() { store_.reset(); }

// A test binary that links the library without instantiating the suite is not an error.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AwardStoreConformance);

namespace {

TEST_P(AwardStoreConformance, InsertGetUpdateRoundTrip) {
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

TEST_P(AwardStoreConformance, SubjectsAreUniquePerCycle) {
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

TEST_P(AwardStoreConformance, ListsFilterAndPageInSortKeyOrder) {
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

TEST_P(AwardStoreConformance, FailedWritesLeaveNothing) {
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

TEST_P(AwardStoreConformance, RequestIdsAndSequences) {
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

}  // namespace
}  // namespace paritrana::award
