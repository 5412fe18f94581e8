// Every registry request message through the registry's rules (services/registry/registry.h), on
// one in-process Registry with a SQLite store in a temporary directory (no gRPC, no Redis).
// Input: byte 0 picks the method ((byte & 0x7f) % kMethods, in the order of kMethods below) and a
// flag (byte & 0x80: the caller holds the PII right / a STRICT import); the rest is that method's
// request message, serialized (inputs that do not parse are skipped). ImportRecords takes an
// ImportRowChunk and streams header, rows and end through the Importer.
//
// Invariants: no crash or sanitizer report; an error is a request error (INVALID_ARGUMENT,
// NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, ...), never INTERNAL or UNKNOWN; a list's
// next_page_token is accepted by the next call of the same query; without the PII right no NIK
// is returned. The store keeps what earlier inputs created, so a finding may need the inputs
// before it: rerun with the crash file and the corpus it ran on.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "security/nik_vault.h"
#include "services/registry/employer_figures.h"
#include "services/registry/importer.h"
#include "services/registry/registry.h"
#include "services/registry/store/open_store.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace v1 = paritrana::registry::v1;
using paritrana::registry::Registry;

struct Env {
  std::string dir;
  std::unique_ptr<paritrana::registry::RegistryStore> store;
  std::unique_ptr<paritrana::NikVault> vault;
  std::unique_ptr<Registry> registry;
};

Env& TheEnv() {
  static Env* env = [] {
    auto* e = new Env();
    e->dir = paritrana::fuzz::MakeFuzzDir("registry");
    auto store = paritrana::registry::OpenRegistryStore("sqlite:" + e->dir + "/registry.db");
    PARITRANA_FUZZ_CHECK(store.ok(), store.status().ToString());
    e->store = std::move(*store);
    auto vault = paritrana::NikVault::FromKeyFile(e->dir + "/nik.key", /*create=*/true);
    PARITRANA_FUZZ_CHECK(vault.ok(), vault.status().ToString());
    e->vault = std::make_unique<paritrana::NikVault>(std::move(*vault));
    // A fixed today keeps NIK and date rules reproducible.
    e->registry = std::make_unique<Registry>(
        *e->store, *e->vault, [](const std::set<std::string>&) {},
        [] { return absl::CivilDay(2024, 6, 30); });
    PARITRANA_FUZZ_CHECK(e->registry->CheckNikKey().ok(), "CheckNikKey");
    PARITRANA_FUZZ_CHECK(e->registry->LoadCatalog().ok(), "LoadCatalog");
    return e;
  }();
  return *env;
}

void CheckError(const absl::Status& status) {
  PARITRANA_FUZZ_CHECK(paritrana::fuzz::IsRequestError(status), status.ToString());
}

// No NIK leaves the registry without the PII right.
template <typename M>
void CheckNoNik(const M& message, bool pii) {
  if (pii) return;
  if constexpr (std::is_same_v<M, v1::Participant>) {
    PARITRANA_FUZZ_CHECK(message.nik().empty(), "NIK returned without the PII right");
  } else if constexpr (std::is_same_v<M, v1::ListParticipantsResponse>) {
    for (const auto& p : message.participants()) {
      PARITRANA_FUZZ_CHECK(p.nik().empty(), "NIK listed without the PII right");
    }
  }
}

template <typename T>
concept Paged = requires(T r) {
  r.next_page_token();
};

using Method = paritrana::fuzz::RequestMethod;

// Parses the request and calls `fn(registry, req, flag)`; then checks the invariants above.
// `needs_pii`: the adapter lets only callers with the PII right reach this rule.
template <typename Req, typename Fn>
Method Call(Fn fn, bool needs_pii = false) {
  return [fn, needs_pii](const std::string& bytes, bool flag) {
    Req req;
    if (!req.ParseFromString(bytes)) return;
    Registry& registry = *TheEnv().registry;
    auto result = fn(registry, req, flag);
    if (std::getenv("PARITRANA_FUZZ_VERBOSE") != nullptr) {  // to check what seeds reach
      std::fprintf(stderr, "%s: %s\n", Req::descriptor()->name().c_str(),
                   result.status().ToString().c_str());
    }
    if (!result.ok()) return CheckError(result.status());
    CheckNoNik(*result, flag || needs_pii);
    using Resp = std::decay_t<decltype(*result)>;
    if constexpr (Paged<Resp>) {
      // The token a page returns is accepted for the next page of the same query.
      if (!result->next_page_token().empty()) {
        Req next = req;
        next.set_page_token(result->next_page_token());
        auto page = fn(registry, next, flag);
        PARITRANA_FUZZ_CHECK(page.ok(), page.status().ToString());
      }
    }
  };
}

#define RULE(Name) \
  Call<v1::Name##Request>([](Registry& r, const auto& q, bool) { return r.Name(q); })
#define PII_RULE(Name) \
  Call<v1::Name##Request>([](Registry& r, const auto& q, bool pii) { return r.Name(q, pii); })

void Import(const std::string& bytes, bool strict) {
  v1::ImportRowChunk chunk;
  if (!chunk.ParseFromString(bytes)) return;
  static int imports = 0;
  paritrana::registry::Importer importer(*TheEnv().registry);
  v1::ImportRecordsRequest header;
  header.mutable_header()->set_import_id(absl::StrCat("fuzz-", ++imports));
  header.mutable_header()->set_mode(strict ? v1::IMPORT_MODE_STRICT : v1::IMPORT_MODE_LENIENT);
  header.mutable_header()->set_batch_size(1 + imports % 3);
  header.mutable_header()->set_validate_only(imports % 4 == 0);
  const absl::Status started = importer.Add(header);
  PARITRANA_FUZZ_CHECK(started.ok(), started.ToString());
  v1::ImportRecordsRequest rows;
  *rows.mutable_rows() = chunk;
  absl::Status s = importer.Add(rows);
  if (s.ok()) {
    v1::ImportRecordsRequest end;
    end.mutable_end()->set_rows_sent(chunk.rows_size());
    s = importer.Add(end);
  }
  if (!s.ok()) {
    CheckError(s);
    CheckError(importer.Abandon());
    return;
  }
  PARITRANA_FUZZ_CHECK(importer.done(), "the import ended without an answer");
  const v1::ImportRecordsResponse& response = importer.response();
  PARITRANA_FUZZ_CHECK(response.rejected_rows_size() <= chunk.rows_size(),
                       response.ShortDebugString());
}

const std::vector<Method>& Methods() {
  static const auto* methods = new std::vector<Method>{
      RULE(GetRegion),                        // 0
      RULE(ListRegions),                      // 1
      RULE(CreateRegion),                     // 2
      RULE(UpdateRegion),                     // 3
      RULE(CreateWorkforceBaseline),          // 4
      RULE(GetWorkforceBaseline),             // 5
      RULE(ListWorkforceBaselines),           // 6
      RULE(UpdateWorkforceBaseline),          // 7
      RULE(CreateCoverageTarget),             // 8
      RULE(GetCoverageTarget),                // 9
      RULE(ListCoverageTargets),              // 10
      RULE(UpdateCoverageTarget),             // 11
      RULE(CreateEmployer),                   // 12
      RULE(GetEmployer),                      // 13
      RULE(ListEmployers),                    // 14
      RULE(UpdateEmployer),                   // 15
      PII_RULE(CreateParticipant),            // 16
      PII_RULE(GetParticipant),               // 17
      PII_RULE(ListParticipants),             // 18
      PII_RULE(UpdateParticipant),            // 19
      Call<v1::FindParticipantByNikRequest>(  // 20 (the adapter requires the PII right)
          [](Registry& r, const auto& q, bool) { return r.FindParticipantByNik(q); }, true),
      RULE(CreateEnrollment),               // 21
      RULE(GetEnrollment),                  // 22
      RULE(ListEnrollments),                // 23
      RULE(TerminateEnrollment),            // 24
      RULE(CreateContribution),             // 25
      RULE(GetContribution),                // 26
      RULE(ListContributions),              // 27
      RULE(QueryAggregates),                // 28
      Import,                               // 29 ImportRecords, with an ImportRowChunk
      Call<v1::ExportPersonalDataRequest>(  // 30 (the adapter requires the PII right)
          [](Registry& r, const auto& q, bool) { return r.ExportPersonalData(q); }, true),
      Call<v1::ErasePersonalDataRequest>(  // 31 (registrar and the PII right); never shows a NIK
          [](Registry& r, const auto& q, bool) { return r.ErasePersonalData(q); }),
      Call<v1::ListContributionBillsRequest>(  // 32 (services/registry/employer_figures.h)
          [](Registry& r, const auto& q, bool) {
            return paritrana::registry::ListContributionBills(r.store(), q);
          }),
      Call<v1::QueryEmployerFiguresRequest>(  // 33
          [](Registry& r, const auto& q, bool) {
            return paritrana::registry::QueryEmployerFigures(r.store(), q);
          }),
  };
  return *methods;
}

}  // namespace

PARITRANA_REQUEST_FUZZER(PARITRANA_FUZZ_DIR "/registry_requests.textproto", TheEnv, Methods)
