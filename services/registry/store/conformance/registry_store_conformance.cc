#include "services/registry/store/conformance/registry_store_conformance.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace paritrana::registry {

using namespace std::string_literals;

// A body as protobuf serializes them: arbitrary bytes, NULs included.
std::string Body(absl::string_view tag) { return absl::StrCat("\x0a\x00\xff\x80"s, tag, "\x00"s); }

std::string Describe(const AggregateCount& c) {
  return absl::StrFormat("%s|%s=%d", c.key.region, c.key.profile, c.active);
}

EnrollmentSpan ActiveSpan(const std::string& region, int64_t first_day, int64_t last_day,
                          int64_t enrollment) {
  EnrollmentSpan span;
  span.region = region;
  span.person = 1;
  span.enrollment = enrollment;
  span.segment = 1;
  span.programmes = {1, 2};
  span.first_day = first_day;
  span.last_day = last_day;
  return span;
}

// Random deltas over a few regions and keys, on days around and across the store's block
// boundaries (multiples of 32 and 1024, negative days included), some negative, some repeated.
std::vector<AggregateDelta> RandomDeltas(std::mt19937& rng, int n) {
  const std::vector<AggregateKey> keys = {
      {"15", "0:0:0:"},    {"15", "1:0:0:"},    {"15", "1:2:0:"},
      {"15", "1:0:3:JKK"}, {"15.08", "0:0:0:"}, {"15.08", "2:0:1:"},
  };
  std::uniform_int_distribution<size_t> key(0, keys.size() - 1);
  std::uniform_int_distribution<int64_t> day(-1100, 3200);
  std::uniform_int_distribution<int64_t> delta(-3, 5);
  std::vector<AggregateDelta> out;
  for (int i = 0; i < n; ++i) out.push_back({keys[key(rng)], day(rng), delta(rng)});
  return out;
}

// What CountActive must answer, by definition: the non-zero sums of every key's deltas up to
// `day`, sorted as Count() sorts them.
std::vector<std::string> BruteForceCount(std::span<const AggregateDelta> deltas,
                                         const std::string& region, int64_t day) {
  std::map<AggregateKey, int64_t> sums;
  for (const AggregateDelta& d : deltas) {
    if (d.key.region == region && d.day <= day) sums[d.key] += d.delta;
  }
  std::vector<std::string> out;
  for (const auto& [key, sum] : sums) {
    if (sum != 0) out.push_back(Describe(AggregateCount{key, sum}));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Days worth checking for deltas drawn by RandomDeltas: every day of their range and a margin,
// and the extremes.
std::vector<int64_t> DaysToCheck() {
  std::vector<int64_t> days = {std::numeric_limits<int64_t>::min(), -1000000, 1000000,
                               std::numeric_limits<int64_t>::max()};
  for (int64_t d = -1200; d <= 3300; ++d) days.push_back(d);
  return days;
}

void RegistryStoreConformance::SetUp() {
  ASSERT_FALSE(dir_.empty()) << "no temporary folder";
  Open();
}

void RegistryStoreConformance::TearDown() { store_.reset(); }

void RegistryStoreConformance::Open() {
  absl::StatusOr<std::unique_ptr<RegistryStore>> store = GetParam()(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = std::move(*store);
}

void RegistryStoreConformance::Reopen() {
  store_.reset();
  Open();
}

// A test binary that links the library without instantiating the suite is not an error.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RegistryStoreConformance);

namespace {

// --- Resources -----------------------------------------------------------------------------------

TEST_P(RegistryStoreConformance, InsertGetUpdateRoundTrip) {
  const std::string name = "employers/EMP-1";
  EXPECT_EQ(Get(Kind::kEmployer, name), std::nullopt);

  ASSERT_TRUE(Insert(Kind::kEmployer, name, "", "15.08", Body("v1")).ok());
  EXPECT_EQ(Get(Kind::kEmployer, name), Body("v1"));

  ASSERT_TRUE(Update(Kind::kEmployer, name, Body("v2")).ok());
  EXPECT_EQ(Get(Kind::kEmployer, name), Body("v2"));

  // An empty body is a value, not an absence.
  ASSERT_TRUE(Update(Kind::kEmployer, name, std::string()).ok());
  EXPECT_EQ(Get(Kind::kEmployer, name), std::optional<std::string>(""));
}

TEST_P(RegistryStoreConformance, WritesAreVisibleLaterInTheSameTransaction) {
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_RETURN_IF_ERROR(
                        tx.Insert(Kind::kRegion, "regions/15", "", "15", Body("a")));
                    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> got,
                                               tx.Get(Kind::kRegion, "regions/15"));
                    EXPECT_EQ(got, Body("a"));
                    PARITRANA_RETURN_IF_ERROR(tx.Update(Kind::kRegion, "regions/15", Body("b")));
                    PARITRANA_ASSIGN_OR_RETURN(got, tx.Get(Kind::kRegion, "regions/15"));
                    EXPECT_EQ(got, Body("b"));
                    ListQuery q;
                    q.kind = Kind::kRegion;
                    PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> rows, tx.List(q));
                    EXPECT_EQ(rows.size(), 1u);
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(RegistryStoreConformance, InsertOfAnExistingNameIsAlreadyExists) {
  ASSERT_TRUE(Insert(Kind::kEmployer, "employers/EMP-1", "", "15.08", Body("first")).ok());

  absl::Status s = Insert(Kind::kEmployer, "employers/EMP-1", "", "15.08", Body("second"));
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  // Also with a different parent and region: the name alone identifies the resource.
  s = Insert(Kind::kEmployer, "employers/EMP-1", "other", "16.01", Body("third"));
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;

  EXPECT_EQ(Get(Kind::kEmployer, "employers/EMP-1"), Body("first"));
  ListQuery q;
  q.kind = Kind::kEmployer;
  EXPECT_EQ(ListNames(q), std::vector<std::string>{"employers/EMP-1"});
}

TEST_P(RegistryStoreConformance, UpdateOfAMissingNameIsNotFound) {
  absl::Status s = Update(Kind::kEmployer, "employers/missing", Body("x"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_EQ(Get(Kind::kEmployer, "employers/missing"), std::nullopt);

  // The same name under another kind does not count.
  ASSERT_TRUE(Insert(Kind::kRegion, "employers/missing", "", "", Body("p")).ok());
  s = Update(Kind::kEmployer, "employers/missing", Body("x"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_EQ(Get(Kind::kRegion, "employers/missing"), Body("p"));

  // A name that is not one of its kind's names (person_keys.h) is never found.
  s = Update(Kind::kParticipant, "participants/P1", Body("x"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
}

TEST_P(RegistryStoreConformance, UpdateKeepsParentAndRegion) {
  ASSERT_TRUE(Insert(Kind::kEnrollment, "participants/00000000001/enrollments/e1",
                     "participants/00000000001", "15.08.01.2001", Body("v1"))
                  .ok());
  ASSERT_TRUE(
      Update(Kind::kEnrollment, "participants/00000000001/enrollments/e1", Body("v2")).ok());
  ListQuery q;
  q.kind = Kind::kEnrollment;
  q.parent = "participants/00000000001";
  q.region = "15.08.01.2001";
  std::vector<StoredResource> rows = List(q);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].name, "participants/00000000001/enrollments/e1");
  EXPECT_EQ(rows[0].body, Body("v2"));
}

TEST_P(RegistryStoreConformance, ARelocatedResourceIsListedUnderItsNewRegionOnly) {
  ASSERT_TRUE(Insert(Kind::kEmployer, "employers/00000001", "", "15.71", Body("e1")).ok());
  ASSERT_TRUE(Insert(Kind::kEmployer, "employers/00000002", "", "15.71", Body("e2")).ok());
  ASSERT_TRUE(Relocate(Kind::kEmployer, "employers/00000001", "15.08.01").ok());
  ListQuery q;
  q.kind = Kind::kEmployer;
  q.region = "15.71";
  EXPECT_EQ(ListNames(q), std::vector<std::string>{"employers/00000002"});
  q.region = "15.08.01";
  EXPECT_EQ(ListNames(q), std::vector<std::string>{"employers/00000001"});
  EXPECT_EQ(Get(Kind::kEmployer, "employers/00000001"), Body("e1"));

  EXPECT_EQ(Relocate(Kind::kEmployer, "employers/missing", "15").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Relocate(Kind::kParticipant, "participants/00000000001", "15").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(RegistryStoreConformance, TheSameNameUnderAnotherKindIsIndependent) {
  const std::string name = "shared/1";
  ASSERT_TRUE(Insert(Kind::kRegion, name, "", "15", Body("region")).ok());
  EXPECT_EQ(Get(Kind::kEmployer, name), std::nullopt);
  ASSERT_TRUE(Insert(Kind::kEmployer, name, "", "15", Body("employer")).ok());
  EXPECT_EQ(Get(Kind::kRegion, name), Body("region"));
  EXPECT_EQ(Get(Kind::kEmployer, name), Body("employer"));

  ASSERT_TRUE(Update(Kind::kEmployer, name, Body("employer2")).ok());
  EXPECT_EQ(Get(Kind::kRegion, name), Body("region"));
  EXPECT_EQ(Get(Kind::kEmployer, name), Body("employer2"));

  ListQuery q;
  q.kind = Kind::kRegion;
  std::vector<StoredResource> rows = List(q);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].body, Body("region"));
  q.kind = Kind::kTarget;
  EXPECT_TRUE(List(q).empty());
}

// A default-constructed string_view is the empty string (its data() is null); the store must
// treat it as "", not as SQL NULL or a missing value.
TEST_P(RegistryStoreConformance, DefaultConstructedStringViewsAreEmptyStrings) {
  const absl::string_view empty;
  absl::Status s = store_->Write([&](RegistryTx& tx) {
    return tx.Insert(Kind::kEmployer, "employers/e", empty, empty, "body");
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(Get(Kind::kEmployer, "employers/e"), std::optional<std::string>("body"));
  ListQuery q;
  q.kind = Kind::kEmployer;
  q.parent = "";
  EXPECT_EQ(ListNames(q), std::vector<std::string>{"employers/e"});

  ASSERT_TRUE(Insert(Kind::kEmployer, "employers/u", "", "15", "body").ok());
  s = store_->Write(
      [&](RegistryTx& tx) { return tx.Update(Kind::kEmployer, "employers/u", empty); });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(Get(Kind::kEmployer, "employers/u"), std::optional<std::string>(""));

  s = store_->Write([&](RegistryTx& tx) { return tx.PutImport("imports/empty", empty); });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(GetImport("imports/empty"), std::optional<std::string>(""));
}

TEST_P(RegistryStoreConformance, SettingsAreKeptAndReplaced) {
  std::optional<std::string> value = std::string("unread");
  auto read = [&](const std::string& name) {
    absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(value, tx.GetSetting(name));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return value;
  };
  EXPECT_EQ(read("nik_key_fingerprint"), std::nullopt);
  ASSERT_TRUE(store_->Write([](RegistryTx& tx) { return tx.PutSetting("a", "1"); }).ok());
  ASSERT_TRUE(store_->Write([](RegistryTx& tx) { return tx.PutSetting("a", "2"); }).ok());
  EXPECT_EQ(read("a"), std::optional<std::string>("2"));
  // A failed transaction keeps nothing.
  absl::Status failed = store_->Write([](RegistryTx& tx) -> absl::Status {
    PARITRANA_RETURN_IF_ERROR(tx.PutSetting("b", "x"));
    return absl::InternalError("boom");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(read("b"), std::nullopt);
}

// --- List ----------------------------------------------------------------------------------------

TEST_P(RegistryStoreConformance, ListFiltersByParent) {
  ASSERT_TRUE(Insert(Kind::kRegion, "regions/15", "", "15", Body("15")).ok());
  ASSERT_TRUE(Insert(Kind::kRegion, "regions/16", "", "16", Body("16")).ok());
  ASSERT_TRUE(Insert(Kind::kRegion, "regions/15.08", "regions/15", "15.08", Body("1508")).ok());
  ASSERT_TRUE(Insert(Kind::kRegion, "regions/15.71", "regions/15", "15.71", Body("1571")).ok());
  ASSERT_TRUE(
      Insert(Kind::kRegion, "regions/15.08.01", "regions/15.08", "15.08.01", Body("150801")).ok());
  // Another kind with parent "" must not leak into region lists.
  ASSERT_TRUE(Insert(Kind::kEmployer, "employers/1", "", "15", Body("e")).ok());

  ListQuery q;
  q.kind = Kind::kRegion;

  q.parent = std::nullopt;  // any parent
  EXPECT_EQ(ListNames(q),
            (std::vector<std::string>{"regions/15", "regions/15.08", "regions/15.08.01",
                                      "regions/15.71", "regions/16"}));
  q.parent = "";  // only the records inserted with parent ""
  EXPECT_EQ(ListNames(q), (std::vector<std::string>{"regions/15", "regions/16"}));
  q.parent = "regions/15";
  EXPECT_EQ(ListNames(q), (std::vector<std::string>{"regions/15.08", "regions/15.71"}));
  q.parent = "regions/15.08";
  EXPECT_EQ(ListNames(q), (std::vector<std::string>{"regions/15.08.01"}));
  q.parent = "regions/1";  // exact, not a prefix
  EXPECT_TRUE(ListNames(q).empty());
  q.parent = "regions/17";
  EXPECT_TRUE(ListNames(q).empty());

  q.parent = "regions/15";
  std::vector<StoredResource> rows = List(q);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].body, Body("1508"));
  EXPECT_EQ(rows[1].body, Body("1571"));
}

TEST_P(RegistryStoreConformance, ListFiltersByRegionAndItsDescendants) {
  const std::vector<std::pair<std::string, std::string>> employers = {
      {"employers/a", "15.08"},  {"employers/b", "15.08.01"}, {"employers/c", "15.08.01.2001"},
      {"employers/d", "15.081"}, {"employers/e", "15.80"},    {"employers/f", "15"},
      {"employers/g", "15.0"},   {"employers/h", "16.08"},    {"employers/i", "15.08.02"},
      {"employers/j", ""},       {"employers/k", "150"},      {"employers/l", "1"},
  };
  for (const auto& [name, region] : employers) {
    ASSERT_TRUE(Insert(Kind::kEmployer, name, "", region, Body(name)).ok()) << name;
  }
  ListQuery q;
  q.kind = Kind::kEmployer;

  q.region = "15.08";
  EXPECT_EQ(ListNames(q),
            (std::vector<std::string>{"employers/a", "employers/b", "employers/c", "employers/i"}));
  q.region = "15.08.01";
  EXPECT_EQ(ListNames(q), (std::vector<std::string>{"employers/b", "employers/c"}));
  q.region = "15.08.01.2001";
  EXPECT_EQ(ListNames(q), (std::vector<std::string>{"employers/c"}));
  q.region = "15";
  EXPECT_EQ(ListNames(q),
            (std::vector<std::string>{"employers/a", "employers/b", "employers/c", "employers/d",
                                      "employers/e", "employers/f", "employers/g", "employers/i"}));
  q.region = "15.0";
  EXPECT_EQ(ListNames(q), (std::vector<std::string>{"employers/g"}));
  q.region = "1";
  EXPECT_EQ(ListNames(q), (std::vector<std::string>{"employers/l"}));
  q.region = "17";
  EXPECT_TRUE(ListNames(q).empty());
  q.region = "";  // any region
  EXPECT_EQ(ListNames(q).size(), employers.size());

  // Both filters together.
  ASSERT_TRUE(Insert(Kind::kEnrollment, "participants/00000000001/enrollments/e1",
                     "participants/00000000001", "15.08.01", "")
                  .ok());
  ASSERT_TRUE(Insert(Kind::kEnrollment, "participants/00000000001/enrollments/e2",
                     "participants/00000000001", "15.71", "")
                  .ok());
  ASSERT_TRUE(Insert(Kind::kEnrollment, "participants/00000000002/enrollments/e3",
                     "participants/00000000002", "15.08", "")
                  .ok());
  q.kind = Kind::kEnrollment;
  q.parent = "participants/00000000001";
  q.region = "15.08";
  EXPECT_EQ(ListNames(q), std::vector<std::string>{"participants/00000000001/enrollments/e1"});
}

// Names sort byte-wise (as std::string compares): after_name paging depends on it. A PostgreSQL
// backend needs COLLATE "C" on the name column to pass.
TEST_P(RegistryStoreConformance, ListSortsByName) {
  std::vector<std::string> names = {"employers/ab",  "employers/a-b", "employers/a.b",
                                    "employers/a_b", "employers/B",   "employers/a",
                                    "employers/9",   "employers/10",  "employers/a b",
                                    "employers/Z",   "employers/b",   "employers/a0"};
  for (const std::string& name : names) {
    ASSERT_TRUE(Insert(Kind::kEmployer, name, "", "15", Body(name)).ok()) << name;
  }
  std::sort(names.begin(), names.end());
  ListQuery q;
  q.kind = Kind::kEmployer;
  std::vector<StoredResource> rows = List(q);
  ASSERT_EQ(rows.size(), names.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].name, names[i]) << i;
    EXPECT_EQ(rows[i].body, Body(names[i])) << i;
  }
  EXPECT_EQ(ListAllByPages(q, 1), names);
}

TEST_P(RegistryStoreConformance, PagingVisitsEveryRecordExactlyOnce) {
  std::vector<std::string> names;
  for (int i = 0; i < 23; ++i) names.push_back(absl::StrFormat("participants/%011d", i * 7));
  names.push_back("participants/00000000001");
  names.push_back("participants/99999999999");
  std::vector<std::string> insertion = names;
  std::shuffle(insertion.begin(), insertion.end(), std::mt19937(42));
  for (size_t i = 0; i < insertion.size(); ++i) {
    const std::string region = i % 2 == 0 ? "15.08.01.2001" : "15.71";
    ASSERT_TRUE(Insert(Kind::kParticipant, insertion[i], "", region, Body(insertion[i])).ok());
  }
  std::sort(names.begin(), names.end());

  ListQuery q;
  q.kind = Kind::kParticipant;
  for (int limit : {1, 2, 4, 5, 24, 25, 26, 100}) {
    std::vector<std::string> paged = ListAllByPages(q, limit);
    EXPECT_EQ(paged, names) << "limit " << limit;
    EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()).size(), paged.size());
  }

  // after_name need not be a stored name.
  q.limit = 3;
  q.after_name = "participants/00000000010";  // between 7 and 14
  EXPECT_EQ(ListNames(q),
            (std::vector<std::string>{"participants/00000000014", "participants/00000000021",
                                      "participants/00000000028"}));
  q.after_name = names.back();
  EXPECT_TRUE(ListNames(q).empty());

  // Paging under a filter.
  q.after_name.clear();
  q.region = "15.08";
  q.parent = "";
  std::vector<std::string> filtered;
  for (size_t i = 0; i < insertion.size(); i += 2) filtered.push_back(insertion[i]);
  std::sort(filtered.begin(), filtered.end());
  EXPECT_EQ(ListAllByPages(q, 3), filtered);
}

// Participants, enrollments and contributions have names made of a KPJ and ids (person_keys.h):
// they sort and page by name like every other kind, a parent's children are exactly its own, and
// a body that starts with its name (as every serialized resource does) comes back whole.
TEST_P(RegistryStoreConformance, PersonKindsSortPageAndKeepTheirBodies) {
  // A body as a message: field 1 the name, field 2 a tag.
  auto named = [](const std::string& name, const std::string& tag) {
    return absl::StrCat("\x0a"s, std::string(1, static_cast<char>(name.size())), name, "\x12"s,
                        std::string(1, static_cast<char>(tag.size())), tag);
  };
  const std::vector<std::string> people = {"participants/00000000002", "participants/00000000010"};
  std::vector<std::string> enrollments, contributions_of_e1;
  for (const std::string& p : people) {
    ASSERT_TRUE(Insert(Kind::kParticipant, p, "", "15.08.01.2001", named(p, "p")).ok());
    for (const char* id : {"e1", "e10", "e2", "e9", "x"}) {
      const std::string e = absl::StrCat(p, "/enrollments/", id);
      enrollments.push_back(e);
      ASSERT_TRUE(Insert(Kind::kEnrollment, e, p, "15.08.01.2001", named(e, id)).ok()) << e;
      for (const char* c : {"c1", "c10", "c2"}) {
        const std::string name = absl::StrCat(e, "/contributions/", c);
        ASSERT_TRUE(Insert(Kind::kContribution, name, e, "15.08.01.2001", named(name, c)).ok());
        if (e == people[0] + "/enrollments/e1") contributions_of_e1.push_back(name);
      }
    }
  }
  std::sort(enrollments.begin(), enrollments.end());
  std::sort(contributions_of_e1.begin(), contributions_of_e1.end());

  ListQuery q;
  q.kind = Kind::kEnrollment;
  EXPECT_EQ(ListNames(q), enrollments);
  EXPECT_EQ(ListAllByPages(q, 1), enrollments);
  EXPECT_EQ(ListAllByPages(q, 3), enrollments);
  q.parent = people[1];
  EXPECT_EQ(ListAllByPages(q, 2),
            std::vector<std::string>(enrollments.begin() + 5, enrollments.end()));
  q.parent = "participants/00000000003";
  EXPECT_TRUE(ListNames(q).empty());

  q.kind = Kind::kContribution;
  q.parent = people[0] + "/enrollments/e1";
  std::vector<StoredResource> rows = List(q);
  ASSERT_EQ(rows.size(), 3u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].name, contributions_of_e1[i]);
    EXPECT_EQ(rows[i].body, named(rows[i].name, rows[i].name.substr(rows[i].name.rfind('/') + 1)));
  }
  EXPECT_EQ(ListAllByPages(q, 1), contributions_of_e1);

  const std::string e = people[0] + "/enrollments/e10";
  EXPECT_EQ(Get(Kind::kEnrollment, e), named(e, "e10"));
  ASSERT_TRUE(Update(Kind::kEnrollment, e, named(e, "updated")).ok());
  EXPECT_EQ(Get(Kind::kEnrollment, e), named(e, "updated"));
  EXPECT_EQ(Get(Kind::kParticipant, people[1]), named(people[1], "p"));
}

TEST_P(RegistryStoreConformance, PersonKindsRefuseOtherNames) {
  for (const auto& [kind, name] : std::vector<std::pair<Kind, std::string>>{
           {Kind::kParticipant, "participants/P1"},
           {Kind::kParticipant, "participants/1"},
           {Kind::kParticipant, "employers/00000000001"},
           {Kind::kEnrollment, "participants/00000000001"},
           {Kind::kEnrollment, "participants/00000000001/enrollments/e-1"},
           {Kind::kContribution, "participants/00000000001/enrollments/e1"},
       }) {
    SCOPED_TRACE(name);
    absl::Status s = Insert(kind, name, "", "15", Body("x"));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_EQ(Get(kind, name), std::nullopt);
    ListQuery q;
    q.kind = kind;
    q.after_name = name;
    absl::Status listed = store_->Read([&](RegistryTx& tx) { return tx.List(q).status(); });
    EXPECT_EQ(listed.code(), absl::StatusCode::kInvalidArgument) << listed;
  }
  absl::Status s =
      store_->Write([](RegistryTx& tx) { return tx.InsertNik("h", "s", "participants/P1"); });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

// --- Transactions --------------------------------------------------------------------------------

TEST_P(RegistryStoreConformance, AFailedWriteLeavesNothing) {
  const AggregateDelta delta{{"15.08", "0:0:0:"}, 100, 1};
  absl::Status s = store_->Write([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_RETURN_IF_ERROR(tx.Insert(Kind::kEmployer, "employers/1", "", "15.08", Body("e")));
    PARITRANA_RETURN_IF_ERROR(tx.InsertNik("hash-1", "sealed-1", "participants/00000000001"));
    PARITRANA_RETURN_IF_ERROR(tx.AddDeltas(std::span<const AggregateDelta>(&delta, 1)));
    PARITRANA_RETURN_IF_ERROR(tx.PutRequest("CreateEmployer", "req-1", {"fp", "employers/1"}));
    PARITRANA_RETURN_IF_ERROR(tx.BumpGeneration("15").status());
    PARITRANA_RETURN_IF_ERROR(tx.NextId("enrollments").status());
    PARITRANA_RETURN_IF_ERROR(tx.PutImport("imports/1", "response"));
    return absl::FailedPreconditionError("the rule said no");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(s.message(), "the rule said no");

  EXPECT_EQ(Get(Kind::kEmployer, "employers/1"), std::nullopt);
  ListQuery q;
  q.kind = Kind::kEmployer;
  EXPECT_TRUE(List(q).empty());
  EXPECT_EQ(ParticipantByNikHash("hash-1"), std::nullopt);
  EXPECT_EQ(SealedNik("participants/00000000001"), std::nullopt);
  EXPECT_TRUE(Count("15.08", 100).empty());
  EXPECT_FALSE(GetRequest("CreateEmployer", "req-1").has_value());
  EXPECT_EQ(Generation("15"), 0);
  EXPECT_EQ(GetImport("imports/1"), std::nullopt);
  EXPECT_EQ(NextId("enrollments"), 1);

  // The store is usable afterwards, and the same writes now commit.
  ASSERT_TRUE(Insert(Kind::kEmployer, "employers/1", "", "15.08", Body("e")).ok());
  EXPECT_EQ(Get(Kind::kEmployer, "employers/1"), Body("e"));
}

TEST_P(RegistryStoreConformance, AtomicallyUndoesOnlyTheFailingUnit) {
  absl::Status first_unit, second_unit, third_unit;
  absl::Status s = store_->Write([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_RETURN_IF_ERROR(
        tx.Insert(Kind::kEmployer, "employers/before", "", "15", Body("before")));
    PARITRANA_RETURN_IF_ERROR(tx.BumpGeneration("15").status());
    first_unit = tx.Atomically([&]() -> absl::Status {
      PARITRANA_RETURN_IF_ERROR(
          tx.Insert(Kind::kEmployer, "employers/undone", "", "15", Body("undone")));
      PARITRANA_RETURN_IF_ERROR(tx.Update(Kind::kEmployer, "employers/before", Body("changed")));
      PARITRANA_RETURN_IF_ERROR(tx.BumpGeneration("15").status());
      PARITRANA_RETURN_IF_ERROR(tx.NextId("rows").status());
      return absl::InvalidArgumentError("row 2 is bad");
    });
    // A store error inside the unit: the transaction goes on after it.
    second_unit = tx.Atomically([&]() -> absl::Status {
      PARITRANA_RETURN_IF_ERROR(
          tx.Insert(Kind::kEmployer, "employers/undone2", "", "15", Body("x")));
      return tx.Insert(Kind::kEmployer, "employers/before", "", "15", Body("duplicate"));
    });
    third_unit = tx.Atomically([&]() -> absl::Status {
      return tx.Insert(Kind::kEmployer, "employers/kept", "", "15", Body("kept"));
    });
    return tx.Insert(Kind::kEmployer, "employers/after", "", "15", Body("after"));
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(first_unit.code(), absl::StatusCode::kInvalidArgument) << first_unit;
  EXPECT_EQ(first_unit.message(), "row 2 is bad");
  EXPECT_EQ(second_unit.code(), absl::StatusCode::kAlreadyExists) << second_unit;
  EXPECT_TRUE(third_unit.ok()) << third_unit;

  EXPECT_EQ(Get(Kind::kEmployer, "employers/before"), Body("before"));
  EXPECT_EQ(Get(Kind::kEmployer, "employers/undone"), std::nullopt);
  EXPECT_EQ(Get(Kind::kEmployer, "employers/undone2"), std::nullopt);
  EXPECT_EQ(Get(Kind::kEmployer, "employers/kept"), Body("kept"));
  EXPECT_EQ(Get(Kind::kEmployer, "employers/after"), Body("after"));
  EXPECT_EQ(Generation("15"), 1);
  EXPECT_EQ(NextId("rows"), 1);
}

TEST_P(RegistryStoreConformance, NestedAtomicallyUndoesTheInnermostFailingUnit) {
  absl::Status inner;
  absl::Status s = store_->Write([&](RegistryTx& tx) -> absl::Status {
    return tx.Atomically([&]() -> absl::Status {
      PARITRANA_RETURN_IF_ERROR(tx.Insert(Kind::kEmployer, "employers/outer1", "", "15", ""));
      inner = tx.Atomically([&]() -> absl::Status {
        PARITRANA_RETURN_IF_ERROR(tx.Insert(Kind::kEmployer, "employers/inner", "", "15", ""));
        return absl::AbortedError("inner fails");
      });
      return tx.Insert(Kind::kEmployer, "employers/outer2", "", "15", "");
    });
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(inner.code(), absl::StatusCode::kAborted) << inner;
  ListQuery q;
  q.kind = Kind::kEmployer;
  EXPECT_EQ(ListNames(q), (std::vector<std::string>{"employers/outer1", "employers/outer2"}));
}

TEST_P(RegistryStoreConformance, AFailedWriteUndoesItsSuccessfulUnits) {
  absl::Status unit;
  absl::Status s = store_->Write([&](RegistryTx& tx) -> absl::Status {
    unit = tx.Atomically([&]() -> absl::Status {
      return tx.Insert(Kind::kEmployer, "employers/unit", "", "15", Body("unit"));
    });
    return absl::InternalError("later failure");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_TRUE(unit.ok()) << unit;
  EXPECT_EQ(Get(Kind::kEmployer, "employers/unit"), std::nullopt);
}

TEST_P(RegistryStoreConformance, ReadReturnsTheFunctionsError) {
  absl::Status s = store_->Read([](RegistryTx&) { return absl::NotFoundError("nothing here"); });
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_EQ(s.message(), "nothing here");
  EXPECT_TRUE(store_->Read([](RegistryTx&) { return absl::OkStatus(); }).ok());
}

TEST_P(RegistryStoreConformance, ReadCannotWrite) {
  ASSERT_TRUE(Insert(Kind::kEmployer, "employers/existing", "", "15", Body("old")).ok());
  const AggregateDelta delta{{"15", "0:0:0:"}, 1, 1};
  // One attempt per Read: after a failed statement a transaction may be unusable.
  const std::vector<std::pair<std::string, std::function<absl::Status(RegistryTx&)>>> writes = {
      {"Insert",
       [](RegistryTx& tx) { return tx.Insert(Kind::kEmployer, "employers/new", "", "15", "b"); }},
      {"Update",
       [](RegistryTx& tx) { return tx.Update(Kind::kEmployer, "employers/existing", "new"); }},
      {"InsertNik",
       [](RegistryTx& tx) { return tx.InsertNik("h", "s", "participants/00000000001"); }},
      {"AddDeltas",
       [&](RegistryTx& tx) { return tx.AddDeltas(std::span<const AggregateDelta>(&delta, 1)); }},
      {"PutRequest",
       [](RegistryTx& tx) {
         return tx.PutRequest("M", "r", {"fp", "res"});
       }},
      {"BumpGeneration", [](RegistryTx& tx) { return tx.BumpGeneration("15").status(); }},
      {"NextId", [](RegistryTx& tx) { return tx.NextId("seq").status(); }},
      {"PutImport", [](RegistryTx& tx) { return tx.PutImport("imports/1", "r"); }},
      {"PutSetting", [](RegistryTx& tx) { return tx.PutSetting("s", "v"); }},
      {"PutSpan", [](RegistryTx& tx) { return tx.PutSpan(ActiveSpan("15.08.01.2001", 1, 1)); }},
  };
  // No structured binding: clang 14 (the asan preset) cannot capture one in the lambda below.
  for (const auto& write : writes) {
    absl::Status attempt;
    store_
        ->Read([&](RegistryTx& tx) {
          attempt = write.second(tx);
          return absl::OkStatus();
        })
        .IgnoreError();
    EXPECT_FALSE(attempt.ok()) << write.first << " succeeded inside Read";
  }

  EXPECT_EQ(Get(Kind::kEmployer, "employers/new"), std::nullopt);
  EXPECT_EQ(Get(Kind::kEmployer, "employers/existing"), Body("old"));
  EXPECT_EQ(ParticipantByNikHash("h"), std::nullopt);
  EXPECT_TRUE(Count("15", 1).empty());
  EXPECT_FALSE(GetRequest("M", "r").has_value());
  EXPECT_EQ(Generation("15"), 0);
  EXPECT_EQ(GetImport("imports/1"), std::nullopt);
  EXPECT_EQ(NextId("seq"), 1);
  EXPECT_TRUE(SpansOn("15", 100).empty());
}

// Deterministic, without threads: once a Read has read, a Write committed meanwhile (from inside
// the Read, on the same thread) stays invisible to it. Both PostgreSQL REPEATABLE READ and SQLite
// take the snapshot at the first read, so the Read reads before the Write starts.
TEST_P(RegistryStoreConformance, ReadSeesAConsistentSnapshot) {
  ASSERT_TRUE(Insert(Kind::kEmployer, "employers/1", "", "15", Body("v1")).ok());
  ListQuery q;
  q.kind = Kind::kEmployer;

  absl::Status write;
  absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> before,
                               tx.Get(Kind::kEmployer, "employers/1"));
    EXPECT_EQ(before, Body("v1"));

    write = store_->Write([&](RegistryTx& w) -> absl::Status {
      PARITRANA_RETURN_IF_ERROR(w.Update(Kind::kEmployer, "employers/1", Body("v2")));
      PARITRANA_RETURN_IF_ERROR(w.Insert(Kind::kEmployer, "employers/2", "", "15", Body("new")));
      return w.BumpGeneration("15").status();
    });
    EXPECT_TRUE(write.ok()) << write;

    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> after,
                               tx.Get(Kind::kEmployer, "employers/1"));
    EXPECT_EQ(after, Body("v1"));
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> added,
                               tx.Get(Kind::kEmployer, "employers/2"));
    EXPECT_EQ(added, std::nullopt);
    PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> rows, tx.List(q));
    EXPECT_EQ(rows.size(), 1u);
    PARITRANA_ASSIGN_OR_RETURN(int64_t generation, tx.Generation("15"));
    EXPECT_EQ(generation, 0);
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;

  // A Read started after the commit sees it.
  EXPECT_EQ(Get(Kind::kEmployer, "employers/1"), Body("v2"));
  EXPECT_EQ(Get(Kind::kEmployer, "employers/2"), Body("new"));
  EXPECT_EQ(Generation("15"), 1);
}

// Reads never see a stale snapshot left over from an earlier Read (pooled connections included).
TEST_P(RegistryStoreConformance, EveryReadSeesEveryEarlierCommit) {
  for (int i = 1; i <= 20; ++i) {
    EXPECT_EQ(BumpGeneration("15"), i);
    EXPECT_EQ(Generation("15"), i);
    const std::string name = absl::StrCat("employers/", i);
    ASSERT_TRUE(Insert(Kind::kEmployer, name, "", "15", Body(name)).ok());
    EXPECT_EQ(Get(Kind::kEmployer, name), Body(name));
  }
}

// --- NIK index -----------------------------------------------------------------------------------

TEST_P(RegistryStoreConformance, NikIndex) {
  const std::string hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  const std::string sealed = "sealed:AAECAwQFBgcICQoLDA0ODw==";
  EXPECT_EQ(ParticipantByNikHash(hash), std::nullopt);
  EXPECT_EQ(SealedNik("participants/00000000001"), std::nullopt);

  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) {
                    return tx.InsertNik(hash, sealed, "participants/00000000001");
                  })
                  .ok());
  EXPECT_EQ(ParticipantByNikHash(hash), "participants/00000000001");
  EXPECT_EQ(SealedNik("participants/00000000001"), sealed);
  EXPECT_EQ(ParticipantByNikHash("other-hash"), std::nullopt);
  EXPECT_EQ(SealedNik("participants/00000000002"), std::nullopt);

  absl::Status s = store_->Write([&](RegistryTx& tx) {
    return tx.InsertNik(hash, "sealed:other", "participants/00000000002");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_FALSE(absl::StrContains(s.message(), hash)) << s;
  EXPECT_EQ(ParticipantByNikHash(hash), "participants/00000000001");
  EXPECT_EQ(SealedNik("participants/00000000001"), sealed);
  EXPECT_EQ(SealedNik("participants/00000000002"), std::nullopt);

  // A second person is independent.
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) {
                    return tx.InsertNik("hash-2", "sealed-2", "participants/00000000002");
                  })
                  .ok());
  EXPECT_EQ(ParticipantByNikHash("hash-2"), "participants/00000000002");
  EXPECT_EQ(SealedNik("participants/00000000002"), "sealed-2");
  EXPECT_EQ(ParticipantByNikHash(hash), "participants/00000000001");
}

TEST_P(RegistryStoreConformance, DeleteNikForgetsTheHashAndTheSeal) {
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_RETURN_IF_ERROR(
                        tx.InsertNik("hash-1", "sealed-1", "participants/00000000001"));
                    return tx.InsertNik("hash-2", "sealed-2", "participants/00000000002");
                  })
                  .ok());
  // Looked up, then deleted, then looked up again in one transaction: what the transaction knew
  // must not outlive the deletion.
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(auto holder, tx.ParticipantByNikHash("hash-1"));
                    EXPECT_EQ(holder, "participants/00000000001");
                    PARITRANA_RETURN_IF_ERROR(tx.DeleteNik("participants/00000000001"));
                    PARITRANA_ASSIGN_OR_RETURN(holder, tx.ParticipantByNikHash("hash-1"));
                    EXPECT_EQ(holder, std::nullopt);
                    PARITRANA_ASSIGN_OR_RETURN(auto sealed,
                                               tx.SealedNik("participants/00000000001"));
                    EXPECT_EQ(sealed, std::nullopt);
                    return tx.DeleteNik("participants/00000000009");  // none: OK
                  })
                  .ok());
  EXPECT_EQ(ParticipantByNikHash("hash-1"), std::nullopt);
  EXPECT_EQ(SealedNik("participants/00000000001"), std::nullopt);
  EXPECT_EQ(ParticipantByNikHash("hash-2"), "participants/00000000002");
  EXPECT_EQ(SealedNik("participants/00000000002"), "sealed-2");

  // A NIK inserted and deleted in one transaction (held back by a backend that batches) is gone,
  // and the hash is free for another participant afterwards.
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_RETURN_IF_ERROR(
                        tx.InsertNik("hash-3", "sealed-3", "participants/00000000003"));
                    PARITRANA_RETURN_IF_ERROR(tx.DeleteNik("participants/00000000003"));
                    PARITRANA_ASSIGN_OR_RETURN(auto holder, tx.ParticipantByNikHash("hash-3"));
                    EXPECT_EQ(holder, std::nullopt);
                    return tx.InsertNik("hash-1", "sealed-1b", "participants/00000000004");
                  })
                  .ok());
  EXPECT_EQ(ParticipantByNikHash("hash-3"), std::nullopt);
  EXPECT_EQ(SealedNik("participants/00000000003"), std::nullopt);
  EXPECT_EQ(ParticipantByNikHash("hash-1"), "participants/00000000004");
  EXPECT_EQ(SealedNik("participants/00000000004"), "sealed-1b");
}

// --- Aggregates ----------------------------------------------------------------------------------

TEST_P(RegistryStoreConformance, DeltasAccumulateAndCountActiveSumsThePast) {
  const AggregateKey all{"15.08", "0:0:0:"};
  const AggregateKey formal{"15.08", "1:2:3:JKK"};
  const AggregateKey flat{"15.08", "2:0:0:"};
  const AggregateKey city{"15.71", "0:0:0:"};
  const AggregateKey sibling{"15.081", "0:0:0:"};
  const std::vector<AggregateDelta> first = {
      {all, 100, 2},    {all, 100, 3},      // same key and day twice in one call: summed
      {formal, 102, 4}, {formal, 110, -4},  // net 0 from day 110
      {flat, 103, 1},   {flat, 103, -1},    // net 0 from its first day
      {city, 100, 7},   {sibling, 100, 9},
  };
  ASSERT_TRUE(store_->Write([&](RegistryTx& tx) { return tx.AddDeltas(first); }).ok());
  // The same key and day again in a later transaction: summed too.
  const std::vector<AggregateDelta> second = {{all, 100, 1}, {all, 105, -2}};
  ASSERT_TRUE(store_->Write([&](RegistryTx& tx) { return tx.AddDeltas(second); }).ok());
  // An empty batch is fine.
  ASSERT_TRUE(
      store_->Write([&](RegistryTx& tx) { return tx.AddDeltas(std::span<const AggregateDelta>()); })
          .ok());

  EXPECT_TRUE(Count("15.08", 99).empty());
  EXPECT_EQ(Count("15.08", 100), std::vector<std::string>{"15.08|0:0:0:=6"});
  EXPECT_EQ(Count("15.08", 101), std::vector<std::string>{"15.08|0:0:0:=6"});
  EXPECT_EQ(Count("15.08", 102), (std::vector<std::string>{"15.08|0:0:0:=6", "15.08|1:2:3:JKK=4"}));
  EXPECT_EQ(Count("15.08", 103), (std::vector<std::string>{"15.08|0:0:0:=6", "15.08|1:2:3:JKK=4"}));
  EXPECT_EQ(Count("15.08", 105), (std::vector<std::string>{"15.08|0:0:0:=4", "15.08|1:2:3:JKK=4"}));
  EXPECT_EQ(Count("15.08", 109), (std::vector<std::string>{"15.08|0:0:0:=4", "15.08|1:2:3:JKK=4"}));
  EXPECT_EQ(Count("15.08", 110), std::vector<std::string>{"15.08|0:0:0:=4"});
  EXPECT_EQ(Count("15.08", 100000), std::vector<std::string>{"15.08|0:0:0:=4"});

  // Regions are independent: no roll-up to parents, no prefix matching.
  EXPECT_EQ(Count("15.71", 110), std::vector<std::string>{"15.71|0:0:0:=7"});
  EXPECT_EQ(Count("15.081", 110), std::vector<std::string>{"15.081|0:0:0:=9"});
  EXPECT_TRUE(Count("15", 110).empty());
  EXPECT_TRUE(Count("15.08.01", 110).empty());
  EXPECT_TRUE(Count("", 110).empty());
}

// Keys other than region codes: an employer's own counts ("employers/{npp}") and a region's
// employer side ("{code}/employers", services/registry/employer_counts.h) are counted like any
// region, each apart from the others and from the region's own code.
TEST_P(RegistryStoreConformance, KeysOfEmployersAreCountedApartFromRegions) {
  const std::vector<AggregateDelta> deltas = {
      {{"15", "0:0:0:"}, 100, 1},
      {{"15/employers", "registered"}, 100, 2},
      {{"15.08/employers", "registered"}, 100, 3},
      {{"15.08/employers", "late:2024-01-15"}, 120, 1},
      {{"employers/12345678", "1:1,2:2:"}, 100, 4},
      {{"employers/12345678", "1:1,2:2:"}, 130, -4},
  };
  ASSERT_TRUE(store_->Write([&](RegistryTx& tx) { return tx.AddDeltas(deltas); }).ok());
  EXPECT_EQ(Count("15", 120), std::vector<std::string>{"15|0:0:0:=1"});
  EXPECT_EQ(Count("15/employers", 120), std::vector<std::string>{"15/employers|registered=2"});
  EXPECT_EQ(Count("15.08/employers", 120),
            (std::vector<std::string>{"15.08/employers|late:2024-01-15=1",
                                      "15.08/employers|registered=3"}));
  EXPECT_EQ(Count("employers/12345678", 129),
            std::vector<std::string>{"employers/12345678|1:1,2:2:=4"});
  EXPECT_TRUE(Count("employers/12345678", 130).empty());
  EXPECT_TRUE(Count("15.08", 120).empty());
  EXPECT_TRUE(Count("employers", 120).empty());
}

// Bills are kept under their employer: listed by parent, sorted by name (so by month).
TEST_P(RegistryStoreConformance, BillsAreListedByTheirEmployer) {
  for (const char* name : {"employers/22222222/bills/2024-01", "employers/11111111/bills/2024-02",
                           "employers/11111111/bills/2023-12"}) {
    const std::string parent(absl::string_view(name).substr(0, 18));
    ASSERT_TRUE(Insert(Kind::kContributionBill, name, parent, "", Body(name)).ok());
  }
  ASSERT_TRUE(Insert(Kind::kEmployer, "employers/11111111", "", "15.08", Body("e")).ok());
  ListQuery q;
  q.kind = Kind::kContributionBill;
  q.parent = "employers/11111111";
  std::vector<StoredResource> rows = List(q);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "employers/11111111/bills/2023-12");
  EXPECT_EQ(rows[0].body, Body("employers/11111111/bills/2023-12"));
  EXPECT_EQ(rows[1].name, "employers/11111111/bills/2024-02");
  q.after_name = "employers/11111111/bills/2023-12";
  EXPECT_EQ(ListNames(q), std::vector<std::string>{"employers/11111111/bills/2024-02"});
  q = ListQuery{};
  q.kind = Kind::kEmployer;
  EXPECT_EQ(ListNames(q), std::vector<std::string>{"employers/11111111"});
}

// --- Request ids, generations, sequences, imports ------------------------------------------------

TEST_P(RegistryStoreConformance, RequestIds) {
  EXPECT_FALSE(GetRequest("CreateEmployer", "req-1").has_value());
  ASSERT_TRUE(
      store_
          ->Write([&](RegistryTx& tx) {
            return tx.PutRequest("CreateEmployer", "req-1", {"fingerprint-1", "employers/EMP-1"});
          })
          .ok());
  std::optional<RequestRecord> record = GetRequest("CreateEmployer", "req-1");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->fingerprint, "fingerprint-1");
  EXPECT_EQ(record->resource, "employers/EMP-1");
  // Keyed by method and id together.
  EXPECT_FALSE(GetRequest("CreateParticipant", "req-1").has_value());
  EXPECT_FALSE(GetRequest("CreateEmployer", "req-2").has_value());

  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) {
                    return tx.PutRequest("CreateParticipant", "req-1", {"fingerprint-2", ""});
                  })
                  .ok());
  record = GetRequest("CreateParticipant", "req-1");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->fingerprint, "fingerprint-2");
  EXPECT_EQ(record->resource, "");
  EXPECT_EQ(GetRequest("CreateEmployer", "req-1")->fingerprint, "fingerprint-1");
}

TEST_P(RegistryStoreConformance, Generations) {
  EXPECT_EQ(Generation("15"), 0);  // an unknown province
  EXPECT_EQ(BumpGeneration("15"), 1);
  EXPECT_EQ(BumpGeneration("15"), 2);
  EXPECT_EQ(Generation("15"), 2);
  // Several bumps in one transaction.
  std::vector<int64_t> bumps;
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(int64_t a, tx.BumpGeneration("15"));
                    PARITRANA_ASSIGN_OR_RETURN(int64_t b, tx.BumpGeneration("16"));
                    PARITRANA_ASSIGN_OR_RETURN(int64_t seen, tx.Generation("15"));
                    bumps = {a, b, seen};
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(bumps, (std::vector<int64_t>{3, 1, 3}));
  EXPECT_EQ(Generation("15"), 3);
  EXPECT_EQ(Generation("16"), 1);
  EXPECT_EQ(Generation("17"), 0);

  // Advanced in the transaction of the write it follows: undone with it.
  absl::Status s = store_->Write([&](RegistryTx& tx) -> absl::Status {
    PARITRANA_RETURN_IF_ERROR(tx.BumpGeneration("15").status());
    return absl::AbortedError("rolled back");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Generation("15"), 3);
}

TEST_P(RegistryStoreConformance, SequencesAreIndependent) {
  EXPECT_EQ(NextId("enrollments"), 1);
  EXPECT_EQ(NextId("enrollments"), 2);
  EXPECT_EQ(NextId("contributions"), 1);
  EXPECT_EQ(NextId("enrollments"), 3);
  EXPECT_EQ(NextId("contributions"), 2);
  std::vector<int64_t> ids;
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    for (int i = 0; i < 3; ++i) {
                      PARITRANA_ASSIGN_OR_RETURN(int64_t id, tx.NextId("enrollments"));
                      ids.push_back(id);
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(ids, (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(NextId("contributions"), 3);
  // A sequence and a generation of the same name do not share a counter.
  EXPECT_EQ(Generation("enrollments"), 0);
}

TEST_P(RegistryStoreConformance, ASequenceRolledBackWithItsUnitHandsOutTheSameIdAgain) {
  std::vector<int64_t> ids;
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(int64_t first, tx.NextId("enrollments"));
                    ids.push_back(first);
                    absl::Status failed = tx.Atomically([&]() -> absl::Status {
                      PARITRANA_ASSIGN_OR_RETURN(int64_t undone, tx.NextId("enrollments"));
                      ids.push_back(undone);
                      return absl::InvalidArgumentError("bad row");
                    });
                    EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
                    PARITRANA_ASSIGN_OR_RETURN(int64_t again, tx.NextId("enrollments"));
                    ids.push_back(again);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 2, 2}));
  EXPECT_EQ(NextId("enrollments"), 3);  // the committed value was kept
}

TEST_P(RegistryStoreConformance, SpansAreReplacedRemovedAndFoundByRegionAndDay) {
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_RETURN_IF_ERROR(tx.PutSpan(ActiveSpan("15.08.01.2001", 10, 20, 1)));
                    PARITRANA_RETURN_IF_ERROR(tx.PutSpan(ActiveSpan("15.08.01.2002", 15, 30, 2)));
                    PARITRANA_RETURN_IF_ERROR(tx.PutSpan(ActiveSpan("15.08.02.2001", 10, 30, 3)));
                    return tx.PutSpan(ActiveSpan("15.08.010", 10, 30, 4));  // not under 15.08.01
                  })
                  .ok());
  EXPECT_EQ(SpansOn("15.08.01", 9), std::vector<std::string>{});
  EXPECT_EQ(SpansOn("15.08.01", 10), std::vector<std::string>{"15.08.01.2001/1/1"});
  EXPECT_EQ(SpansOn("15.08.01", 20),
            (std::vector<std::string>{"15.08.01.2001/1/1", "15.08.01.2002/1/2"}));
  EXPECT_EQ(SpansOn("15.08.01.2002", 20), std::vector<std::string>{"15.08.01.2002/1/2"});
  EXPECT_EQ(SpansOn("15.08", 25).size(), 3u);

  // A changed span replaces the stored one; a never-active one is removed; a failed unit leaves
  // the span as it was.
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_RETURN_IF_ERROR(tx.PutSpan(ActiveSpan("15.08.01.2001", 10, 40, 1)));
                    PARITRANA_RETURN_IF_ERROR(tx.PutSpan(ActiveSpan("15.08.01.2002", 15, 14, 2)));
                    EXPECT_FALSE(tx.Atomically([&]() -> absl::Status {
                                     PARITRANA_RETURN_IF_ERROR(
                                         tx.PutSpan(ActiveSpan("15.08.02.2001", 10, 11, 3)));
                                     return absl::InvalidArgumentError("bad row");
                                   }).ok());
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(SpansOn("15.08.01", 35), std::vector<std::string>{"15.08.01.2001/1/1"});
  EXPECT_EQ(SpansOn("15.08.02", 25), std::vector<std::string>{"15.08.02.2001/1/3"});

  // Every field comes back.
  EnrollmentSpan full = ActiveSpan("15.71.01.1001", 100, 200, 9);
  full.person = 21500000001;
  full.segment = 2;
  full.programmes = {1, 2, 5};
  full.funding = 4;
  full.scheme = "dumisake";
  ASSERT_TRUE(store_->Write([&](RegistryTx& tx) { return tx.PutSpan(full); }).ok());
  std::vector<EnrollmentSpan> back;
  ASSERT_TRUE(store_
                  ->Read([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_ASSIGN_OR_RETURN(back, tx.SpansOn("15.71", 150));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].region, full.region);
  EXPECT_EQ(back[0].person, full.person);
  EXPECT_EQ(back[0].enrollment, full.enrollment);
  EXPECT_EQ(back[0].segment, full.segment);
  EXPECT_EQ(back[0].programmes, full.programmes);
  EXPECT_EQ(back[0].funding, full.funding);
  EXPECT_EQ(back[0].scheme, full.scheme);
  EXPECT_EQ(back[0].first_day, full.first_day);
  EXPECT_EQ(back[0].last_day, full.last_day);
}

TEST_P(RegistryStoreConformance, CountActiveEqualsTheSumOfEveryDeltaUpToTheDay) {
  std::mt19937 rng(42);
  std::vector<AggregateDelta> all;
  // Several transactions, some with several calls, so rows are both created and updated.
  for (int tx_number = 0; tx_number < 8; ++tx_number) {
    std::vector<AggregateDelta> first = RandomDeltas(rng, 300);
    std::vector<AggregateDelta> second = RandomDeltas(rng, 100);
    ASSERT_TRUE(store_
                    ->Write([&](RegistryTx& tx) -> absl::Status {
                      PARITRANA_RETURN_IF_ERROR(tx.AddDeltas(first));
                      return tx.AddDeltas(second);
                    })
                    .ok());
    all.insert(all.end(), first.begin(), first.end());
    all.insert(all.end(), second.begin(), second.end());
  }
  // A person active on exactly one day, and one whose start and end cancel in every block.
  const AggregateKey one_day{"15.08", "3:0:0:"};
  const std::vector<AggregateDelta> spans = {
      {one_day, 1023, 1}, {one_day, 1024, -1}, {one_day, 2047, 1}, {one_day, 2050, -1}};
  ASSERT_TRUE(store_->Write([&](RegistryTx& tx) { return tx.AddDeltas(spans); }).ok());
  all.insert(all.end(), spans.begin(), spans.end());

  for (const std::string region : {"15", "15.08", "16"}) {
    for (int64_t day : DaysToCheck()) {
      ASSERT_EQ(Count(region, day), BruteForceCount(all, region, day))
          << "region " << region << " day " << day;
    }
  }
}

// As an import batch runs them: many units, some of which fail after adding their deltas, some
// nested, and counts taken inside the transaction.
TEST_P(RegistryStoreConformance, FailedUnitsDropTheirDeltasAndCountsSeeTheTransactions) {
  std::mt19937 rng(11);
  std::bernoulli_distribution fails(0.3);
  std::vector<AggregateDelta> committed;
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<AggregateDelta> kept = committed;
    absl::Status s = store_->Write([&](RegistryTx& tx) -> absl::Status {
      kept = committed;
      for (int unit = 0; unit < 100; ++unit) {
        const std::vector<AggregateDelta> outer = RandomDeltas(rng, 4);
        const std::vector<AggregateDelta> inner = RandomDeltas(rng, 3);
        const bool outer_fails = fails(rng);
        const bool inner_fails = fails(rng);
        absl::Status unit_status = tx.Atomically([&]() -> absl::Status {
          PARITRANA_RETURN_IF_ERROR(tx.AddDeltas(outer));
          absl::Status nested = tx.Atomically([&]() -> absl::Status {
            PARITRANA_RETURN_IF_ERROR(tx.AddDeltas(inner));
            return inner_fails ? absl::InvalidArgumentError("inner") : absl::OkStatus();
          });
          if (nested.ok() != !inner_fails) return absl::InternalError("nested unit status");
          return outer_fails ? absl::InvalidArgumentError("outer") : absl::OkStatus();
        });
        if (unit_status.ok() == outer_fails) return absl::InternalError("unit status");
        if (!outer_fails) {
          kept.insert(kept.end(), outer.begin(), outer.end());
          if (!inner_fails) kept.insert(kept.end(), inner.begin(), inner.end());
        }
        if (unit % 25 == 24) {
          // Counts inside the transaction include its own kept deltas and none of the dropped.
          for (int64_t day : {-1100, 0, 1023, 1024, 2000, 3200}) {
            PARITRANA_ASSIGN_OR_RETURN(std::vector<AggregateCount> counts,
                                       tx.CountActive("15", day));
            std::vector<std::string> got;
            for (const AggregateCount& c : counts) got.push_back(Describe(c));
            std::sort(got.begin(), got.end());
            if (got != BruteForceCount(kept, "15", day)) {
              return absl::InternalError(absl::StrCat("count in the transaction, day ", day));
            }
          }
        }
      }
      // The last batch is rolled back whole.
      return batch == 2 ? absl::AbortedError("roll back") : absl::OkStatus();
    });
    if (batch == 2) {
      ASSERT_EQ(s.code(), absl::StatusCode::kAborted) << s;
    } else {
      ASSERT_TRUE(s.ok()) << s;
      committed = kept;
    }
  }
  for (const std::string region : {"15", "15.08"}) {
    for (int64_t day : DaysToCheck()) {
      ASSERT_EQ(Count(region, day), BruteForceCount(committed, region, day))
          << "region " << region << " day " << day;
    }
  }
}

TEST_P(RegistryStoreConformance, Imports) {
  EXPECT_EQ(GetImport("imports/1"), std::nullopt);
  ASSERT_TRUE(
      store_->Write([&](RegistryTx& tx) { return tx.PutImport("imports/1", Body("resp1")); }).ok());
  EXPECT_EQ(GetImport("imports/1"), Body("resp1"));
  EXPECT_EQ(GetImport("imports/2"), std::nullopt);
}

// --- Persistence ---------------------------------------------------------------------------------

TEST_P(RegistryStoreConformance, DataSurvivesReopening) {
  const std::vector<AggregateDelta> deltas = {{{"15.08", "0:0:0:"}, 100, 3}};
  ASSERT_TRUE(store_
                  ->Write([&](RegistryTx& tx) -> absl::Status {
                    PARITRANA_RETURN_IF_ERROR(
                        tx.Insert(Kind::kRegion, "regions/15", "", "15", Body("r")));
                    PARITRANA_RETURN_IF_ERROR(
                        tx.Insert(Kind::kEmployer, "employers/1", "", "15.08", Body("e")));
                    PARITRANA_RETURN_IF_ERROR(
                        tx.InsertNik("hash-1", "sealed-1", "participants/00000000001"));
                    PARITRANA_RETURN_IF_ERROR(tx.AddDeltas(deltas));
                    PARITRANA_RETURN_IF_ERROR(
                        tx.PutRequest("CreateEmployer", "req-1", {"fp", "employers/1"}));
                    PARITRANA_RETURN_IF_ERROR(tx.BumpGeneration("15").status());
                    PARITRANA_RETURN_IF_ERROR(tx.BumpGeneration("15").status());
                    PARITRANA_RETURN_IF_ERROR(tx.NextId("enrollments").status());
                    return tx.PutImport("imports/1", Body("resp"));
                  })
                  .ok());

  for (int reopen = 1; reopen <= 2; ++reopen) {
    SCOPED_TRACE(absl::StrCat("reopen ", reopen));
    ASSERT_NO_FATAL_FAILURE(Reopen());
    EXPECT_TRUE(store_->Ping().ok());
    EXPECT_EQ(Get(Kind::kRegion, "regions/15"), Body("r"));
    EXPECT_EQ(Get(Kind::kEmployer, "employers/1"), Body("e"));
    ListQuery q;
    q.kind = Kind::kEmployer;
    q.region = "15";
    q.parent = "";
    EXPECT_EQ(ListNames(q), std::vector<std::string>{"employers/1"});
    EXPECT_EQ(ParticipantByNikHash("hash-1"), "participants/00000000001");
    EXPECT_EQ(SealedNik("participants/00000000001"), "sealed-1");
    EXPECT_EQ(Count("15.08", 100), std::vector<std::string>{"15.08|0:0:0:=3"});
    std::optional<RequestRecord> record = GetRequest("CreateEmployer", "req-1");
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(record->resource, "employers/1");
    EXPECT_EQ(Generation("15"), 2);
    EXPECT_EQ(GetImport("imports/1"), Body("resp"));
  }
  // Counters continue where they were.
  EXPECT_EQ(NextId("enrollments"), 2);
  EXPECT_EQ(BumpGeneration("15"), 3);
}

// --- Concurrency ---------------------------------------------------------------------------------

TEST_P(RegistryStoreConformance, ConcurrentWritesAndReads) {
  constexpr int kWriters = 4;
  constexpr int kWritesEach = 200;
  constexpr int kReaders = 2;
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<int64_t> ids;
  auto fail = [&](std::string error) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(std::move(error));
  };
  std::atomic<int> writers_left{kWriters};
  std::atomic<int64_t> reads{0};

  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::vector<int64_t> mine;
      for (int i = 0; i < kWritesEach; ++i) {
        absl::Status s = store_->Write([&](RegistryTx& tx) -> absl::Status {
          PARITRANA_ASSIGN_OR_RETURN(int64_t id, tx.NextId("x"));
          PARITRANA_RETURN_IF_ERROR(tx.BumpGeneration("15").status());
          mine.push_back(id);
          return absl::OkStatus();
        });
        if (!s.ok()) fail(absl::StrCat("writer ", w, ": ", s.ToString()));
      }
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(ids.end(), mine.begin(), mine.end());
      --writers_left;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      int64_t last = 0;
      for (int i = 0; writers_left > 0 || i < 20; ++i) {
        absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
          PARITRANA_ASSIGN_OR_RETURN(int64_t first, tx.Generation("15"));
          PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> body,
                                     tx.Get(Kind::kRegion, "regions/15"));
          PARITRANA_ASSIGN_OR_RETURN(int64_t second, tx.Generation("15"));
          if (first != second) fail(absl::StrCat("reader ", r, ": ", first, " then ", second));
          if (first < last) fail(absl::StrCat("reader ", r, ": went back ", last, " to ", first));
          last = first;
          return absl::OkStatus();
        });
        if (!s.ok()) fail(absl::StrCat("reader ", r, ": ", s.ToString()));
        ++reads;
      }
    });
  }
  for (std::thread& t : threads) t.join();

  EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << errors.front();
  std::sort(ids.begin(), ids.end());
  std::vector<int64_t> expected(kWriters * kWritesEach);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int64_t>(i) + 1;
  EXPECT_EQ(ids, expected);  // every id handed out exactly once
  EXPECT_EQ(Generation("15"), kWriters * kWritesEach);
  EXPECT_EQ(NextId("x"), kWriters * kWritesEach + 1);
  EXPECT_GE(reads.load(), kReaders * 20);
}

TEST_P(RegistryStoreConformance, Ping) { EXPECT_TRUE(store_->Ping().ok()); }

}  // namespace
}  // namespace paritrana::registry
