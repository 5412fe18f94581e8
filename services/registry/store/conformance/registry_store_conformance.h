#pragma once

// The RegistryStore contract (services/registry/store/registry_store.h) as a test library, after
// Trillian's storage/testonly: one parameterized suite that every backend runs. A backend's test
// instantiates it with one line, giving a factory that opens (creating or reopening) a store whose
// files live in the folder it is handed (a fresh folder per test, owned by the suite):
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, RegistryStoreConformance, testing::Values(&OpenInDir));
//
// (inside namespace paritrana::registry; see sqlite/sqlite_registry_store_test.cc). The test binary
// links the library whole (tests/CMakeLists.txt: paritrana_store_test), since nothing in the
// backend's own file refers to the suite's TEST_Ps and the linker would otherwise drop them. A
// backend whose files are elsewhere (PostgreSQL: a database) may use the folder only for its own
// bookkeeping, but must give each call on the same folder the same data, since tests reopen stores.
//
// The suite never continues a transaction after a store call failed outside Atomically: a
// PostgreSQL transaction is aborted by any error, and the contract only promises recovery through
// Atomically's savepoint.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "services/registry/store/registry_store.h"
#include "tests/support/temp_dir.h"

namespace paritrana::registry {

// Opens (creating or reopening) a store whose files live in `dir`, a directory owned by the test.
using RegistryStoreFactory =
    std::function<absl::StatusOr<std::unique_ptr<RegistryStore>>(const std::string& dir)>;

// Helpers the suite uses, shared with backend-specific tests (such as a migration's).

// A body as protobuf serializes them: arbitrary bytes, NULs included.
std::string Body(absl::string_view tag);

std::string Describe(const AggregateCount& c);

// Random deltas over a few regions and keys, on days around and across the store's block
// boundaries (multiples of 32 and 1024, negative days included), some negative, some repeated.
std::vector<AggregateDelta> RandomDeltas(std::mt19937& rng, int n);

// What CountActive must answer, by definition: the non-zero sums of every key's deltas up to
// `day`, sorted as Count() sorts them.
std::vector<std::string> BruteForceCount(std::span<const AggregateDelta> deltas,
                                         const std::string& region, int64_t day);

// A span of person 1 in `region` over [first_day, last_day], enrollment `enrollment`.
EnrollmentSpan ActiveSpan(const std::string& region, int64_t first_day, int64_t last_day,
                          int64_t enrollment = 1);

// Days worth checking for deltas drawn by RandomDeltas: every day of their range and a margin,
// and the extremes.
std::vector<int64_t> DaysToCheck();

class RegistryStoreConformance : public ::testing::TestWithParam<RegistryStoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens (or reopens) the backend's store on dir_.
  void Open();
  // Closes the store (destroying it) and opens the same files again.
  void Reopen();

  absl::Status Insert(Kind kind, const std::string& name, const std::string& parent,
                      const std::string& region, const std::string& body) {
    return store_->Write(
        [&](RegistryTx& tx) { return tx.Insert(kind, name, parent, region, body); });
  }

  absl::Status Update(Kind kind, const std::string& name, const std::string& body) {
    return store_->Write([&](RegistryTx& tx) { return tx.Update(kind, name, body); });
  }

  absl::Status Relocate(Kind kind, const std::string& name, const std::string& region) {
    return store_->Write([&](RegistryTx& tx) { return tx.Relocate(kind, name, region); });
  }

  std::optional<std::string> Get(Kind kind, const std::string& name) {
    std::optional<std::string> body;
    absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(body, tx.Get(kind, name));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return body;
  }

  std::vector<StoredResource> List(const ListQuery& query) {
    std::vector<StoredResource> rows;
    absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(rows, tx.List(query));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return rows;
  }

  std::vector<std::string> ListNames(const ListQuery& query) {
    std::vector<std::string> names;
    for (const StoredResource& row : List(query)) names.push_back(row.name);
    return names;
  }

  // Every name `query` matches, fetched page by page with `limit`; each page is checked.
  std::vector<std::string> ListAllByPages(ListQuery query, int limit) {
    query.limit = limit;
    query.after_name.clear();
    std::vector<std::string> names;
    for (int page = 0; page < 1000; ++page) {
      std::vector<std::string> rows = ListNames(query);
      EXPECT_LE(static_cast<int>(rows.size()), limit) << "page " << page;
      names.insert(names.end(), rows.begin(), rows.end());
      if (static_cast<int>(rows.size()) < limit) return names;
      query.after_name = rows.back();
    }
    ADD_FAILURE() << "paging does not end";
    return names;
  }

  // Counts of `region` on `day`, sorted, as strings for readable failures.
  std::vector<std::string> Count(const std::string& region, int64_t day) {
    std::vector<AggregateCount> counts;
    absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(counts, tx.CountActive(region, day));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    std::vector<std::string> out;
    for (const AggregateCount& c : counts) out.push_back(Describe(c));
    std::sort(out.begin(), out.end());
    return out;
  }

  // The spans of `region` and its descendants on `day`, as "region/person/enrollment", sorted.
  std::vector<std::string> SpansOn(const std::string& region, int64_t day) {
    std::vector<EnrollmentSpan> spans;
    absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(spans, tx.SpansOn(region, day));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    std::vector<std::string> out;
    for (const EnrollmentSpan& span : spans) {
      out.push_back(absl::StrCat(span.region, "/", span.person, "/", span.enrollment));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  int64_t Generation(const std::string& province) {
    int64_t generation = -1;
    absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(generation, tx.Generation(province));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return generation;
  }

  // Runs `fn` in a Write and returns what it returned, or -1 on failure.
  int64_t WriteCounter(const std::function<absl::StatusOr<int64_t>(RegistryTx&)>& fn) {
    int64_t value = -1;
    absl::Status s = store_->Write([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(value, fn(tx));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return value;
  }

  int64_t NextId(const std::string& sequence) {
    return WriteCounter([&](RegistryTx& tx) { return tx.NextId(sequence); });
  }

  int64_t BumpGeneration(const std::string& province) {
    return WriteCounter([&](RegistryTx& tx) { return tx.BumpGeneration(province); });
  }

  std::optional<std::string> ParticipantByNikHash(const std::string& hash) {
    std::optional<std::string> participant;
    absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(participant, tx.ParticipantByNikHash(hash));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return participant;
  }

  std::optional<std::string> SealedNik(const std::string& participant) {
    std::optional<std::string> sealed;
    absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(sealed, tx.SealedNik(participant));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return sealed;
  }

  std::optional<RequestRecord> GetRequest(const std::string& method, const std::string& id) {
    std::optional<RequestRecord> record;
    absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(record, tx.GetRequest(method, id));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return record;
  }

  std::optional<std::string> GetImport(const std::string& import_id) {
    std::optional<std::string> response;
    absl::Status s = store_->Read([&](RegistryTx& tx) -> absl::Status {
      PARITRANA_ASSIGN_OR_RETURN(response, tx.GetImport(import_id));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return response;
  }

  test_support::TempDir temp_{"registry_store"};  // outlives the store
  std::string dir_ = temp_.path();
  std::unique_ptr<RegistryStore> store_;
};

}  // namespace paritrana::registry
