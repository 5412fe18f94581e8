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
  ~Importer();

  // Feeds one stream message. An error ends the call (e.g. a missing or repeated header); row
  // problems are not errors, they are reported in the response.
  absl::Status Add(const v1::ImportRecordsRequest& message);
  // True once nothing more will be applied and response() is the answer: the header named an import
  // that already completed (replayed), or the ImportEnd message was applied and the import recorded
  // as complete.
  bool done() const { return done_; }
  const v1::ImportRecordsResponse& response() const { return response_; }
  // The stream ended before ImportEnd (cancelled, broken, or a message that did not parse): applies
  // the rows received, records nothing under the import id, and returns the error to answer with
  // (ABORTED IMPORT_INCOMPLETE, or the header error when there was none).
  absl::Status Abandon();
  // Frees the import id for another stream. Call before answering, so a client that retries at once
  // is not refused as IMPORT_RUNNING; the destructor calls it too.
  void Close();

 private:
  absl::Status Start(const v1::ImportHeader& header);
  absl::Status End(const v1::ImportEnd& end);
  absl::Status Flush();
  // `status` with ErrorInfo metadata batches_committed and rows_received added.
  absl::Status WithProgress(absl::Status status) const;
  void Reject(int64_t row_number, const absl::Status& status);

  Registry& registry_;
  bool has_header_ = false;
  bool holds_import_id_ = false;  // this stream is the one running header_.import_id
  bool done_ = false;
  v1::ImportHeader header_;
  int batch_size_ = 1000;
  int64_t last_row_number_ = 0;
  int64_t rows_streamed_ = 0;  // rows in the messages read so far, batched or not
  std::vector<v1::ImportRow> batch_;
  v1::ImportRecordsResponse response_;
};

}  // namespace paritrana::registry
