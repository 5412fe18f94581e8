#pragma once

#include "absl/status/statusor.h"
#include "paritrana/registry/v1/registry.pb.h"
#include "services/registry/store/registry_store.h"

// What the award reads of employers (issue 19): their bills, and the figures of employers and of
// regions' employer side over a period. Read-only; the counts they read are kept by the Writer
// (active_counts.h for employers' workers, employer_counts.h for registrations and bills).
namespace paritrana::registry {

// QueryEmployerFigures (registry.proto): every figure read in one snapshot of `store`. Per
// employer two counts of its workers, and its bills (a bill a month, read one by one); per
// region three counts of its employer side and its baselines. The cost does not depend on the
// number of participants.
absl::StatusOr<v1::QueryEmployerFiguresResponse> QueryEmployerFigures(
    RegistryStore& store, const v1::QueryEmployerFiguresRequest& req);

// ListContributionBills (registry.proto): a page of an employer's bills by month.
absl::StatusOr<v1::ListContributionBillsResponse> ListContributionBills(
    RegistryStore& store, const v1::ListContributionBillsRequest& req);

}  // namespace paritrana::registry
