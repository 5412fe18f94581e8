#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "paritrana/registry/v1/registry.pb.h"
#include "services/registry/registry.h"

namespace paritrana::registry {

// Applies one ImportRecords stream. Rows are gathered into batches; each batch is one
// transaction in which every row is applied atomically (a savepoint), so a rejected row leaves
// the rest of its batch intact in LENIENT mode, and a STRICT batch with any rejected row writes
// nothing. Rows are matched with stored records by their keys, so importing the same records
// again changes nothing. Memory holds one batch, whatever the size of the import.
class Importer final {
 public:
  explicit Importer(Registry& registry) : registry_(registry) {}

  // Feeds one stream message. An error ends the call (e.g. a missing or repeated header); row
  // problems are not errors, they are reported in the response.
  absl::Status Add(const v1::ImportRecordsRequest& message);
  // True once the header named an import that already completed: nothing more will be applied,
  // and Finish returns the recorded response.
  bool replayed() const { return response_.replayed(); }
  // Applies the last batch, records a completed import and returns the outcome.
  absl::StatusOr<v1::ImportRecordsResponse> Finish();

 private:
  absl::Status Flush();
  // `status` with ErrorInfo metadata batches_committed and rows_received added.
  absl::Status WithProgress(absl::Status status) const;
  void Reject(int64_t row_number, const absl::Status& status);

  Registry& registry_;
  bool has_header_ = false;
  v1::ImportHeader header_;
  int batch_size_ = 1000;
  int64_t last_row_number_ = 0;
  std::vector<v1::ImportRow> batch_;
  v1::ImportRecordsResponse response_;
};

}  // namespace paritrana::registry
