#include "cli/import_command.h"

#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/output.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/util/json_util.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"

namespace paritrana::cli {
namespace {

namespace rv1 = registry::v1;

// No field of a record is longer than a few hundred bytes; these limits only keep one bad row from
// making a stream message larger than the server accepts (4 MiB), which would end the call.
constexpr size_t kMaxCellBytes = 16 * 1024;
constexpr size_t kMaxLineBytes = 64 * 1024;
constexpr size_t kMaxMessageBytes = 1024 * 1024;
constexpr int kMaxRowsPerMessage = 500;
constexpr absl::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

// The same check protobuf's parser applies to string fields: text it passes, the registry parses.
bool IsUtf8(absl::string_view text) {
  return google::protobuf::internal::IsStructurallyValidUTF8(text.data(),
                                                             static_cast<int>(text.size()));
}

struct LocalReject {
  int64_t row;
  std::string field;
  std::string reason;
};

// Parses one CSV row into an ImportRow by the file's header; an error names the column.
class CsvRows {
 public:
  explicit CsvRows(const std::vector<std::string>& header) : header_(header) {
    for (size_t i = 0; i < header.size(); ++i) {
      columns_[std::string(absl::StripAsciiWhitespace(header[i]))] = i;
    }
  }

  // Problems of the cells as text, before any is interpreted: more cells than the header has
  // columns, a cell that is not UTF-8 (the registry's protobuf parser would refuse the whole
  // message), or one too long for any field (it would make the message too large to send).
  absl::Status CheckCells(const std::vector<std::string>& cells) const {
    if (cells.size() > header_.size()) {
      return Bad("record", absl::StrCat("has ", cells.size(), " cells but the header has ",
                                        header_.size(), " columns"));
    }
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string column(absl::StripAsciiWhitespace(header_[i]));
      if (cells[i].size() > kMaxCellBytes) {
        return Bad(column, absl::StrCat("is ", cells[i].size(),
                                        " bytes long; a cell may hold at most ", kMaxCellBytes));
      }
      if (!IsUtf8(cells[i])) return Bad(column, "is not valid UTF-8 text");
    }
    return absl::OkStatus();
  }

  absl::Status Kind() const {
    if (Has("kpj") || Has("npp") || Has("potential_workers")) return absl::OkStatus();
    return absl::InvalidArgumentError(
        "the CSV header names no known record: participants need a `kpj` column, employers "
        "`npp`, contribution bills `npp` and `amount_due_rupiah`, baselines `potential_workers`");
  }

  absl::StatusOr<rv1::ImportRow> Parse(const std::vector<std::string>& cells) {
    cells_ = &cells;
    rv1::ImportRow row;
    if (Has("npp") && Has("amount_due_rupiah")) {  // a billing export: a bill a row
      auto* b = row.mutable_bill();
      b->set_name(absl::StrCat("employers/", Get("npp"), "/bills/", Get("month")));
      PARITRANA_RETURN_IF_ERROR(DateOf("due_date", b->mutable_due_date()));
      int64_t due = 0, paid = 0;
      if (!absl::SimpleAtoi(Get("amount_due_rupiah"), &due)) {
        return Bad("amount_due_rupiah", "must be a whole number of rupiah");
      }
      if (!Get("amount_paid_rupiah").empty() &&
          !absl::SimpleAtoi(Get("amount_paid_rupiah"), &paid)) {
        return Bad("amount_paid_rupiah", "must be a whole number of rupiah");
      }
      b->set_amount_due_rupiah(due);
      b->set_amount_paid_rupiah(paid);
      if (!Get("paid_date").empty()) {
        PARITRANA_RETURN_IF_ERROR(DateOf("paid_date", b->mutable_paid_date()));
      }
    } else if (Has("kpj")) {
      auto* pe = row.mutable_participant_enrollment();
      auto* p = pe->mutable_participant();
      p->set_name("participants/" + Get("kpj"));
      p->set_nik(Get("nik"));
      p->set_display_name(Get("name"));
      const std::string sex = absl::AsciiStrToUpper(Get("sex"));
      p->set_sex(sex == "F" ? rv1::SEX_FEMALE : sex == "M" ? rv1::SEX_MALE : rv1::SEX_UNSPECIFIED);
      PARITRANA_RETURN_IF_ERROR(DateOf("birth_date", p->mutable_birth_date()));
      p->set_domicile_region(Region(Get("domicile_region")));
      auto* e = pe->mutable_enrollment();
      type::v1::Segment segment;
      if (!type::v1::Segment_Parse("SEGMENT_" + absl::AsciiStrToUpper(Get("segment")), &segment)) {
        return Bad("segment", "must be PU, BPU, JAKON or PMI");
      }
      e->set_segment(segment);
      if (!Get("employer").empty()) e->set_employer("employers/" + Get("employer"));
      for (absl::string_view name : absl::StrSplit(Get("programmes"), ';', absl::SkipEmpty())) {
        type::v1::Programme programme;
        if (!type::v1::Programme_Parse(absl::StrCat("PROGRAMME_", absl::AsciiStrToUpper(name)),
                                       &programme)) {
          return Bad("programmes", "must list JKK, JKM, JHT, JP or JKP separated by ';'");
        }
        e->add_programmes(programme);
      }
      e->set_region(Region(Get("region")));
      PARITRANA_RETURN_IF_ERROR(DateOf("start_date", e->mutable_start_date()));
      type::v1::FundingSource funding;
      if (!type::v1::FundingSource_Parse(
              "FUNDING_SOURCE_" + absl::AsciiStrToUpper(Get("funding_source")), &funding)) {
        return Bad("funding_source",
                   "must be WORKER, EMPLOYER, PROVINCIAL_BUDGET, REGENCY_BUDGET, VILLAGE_BUDGET "
                   "or OTHER");
      }
      e->set_funding_source(funding);
      e->set_subsidy_scheme(Get("subsidy_scheme"));
      if (!Get("covers_through").empty()) {
        auto* c = pe->mutable_contribution();
        PARITRANA_RETURN_IF_ERROR(DateOf("paid_date", c->mutable_paid_date()));
        PARITRANA_RETURN_IF_ERROR(DateOf("covers_through", c->mutable_covers_through()));
        int64_t amount = 0;
        if (!absl::SimpleAtoi(Get("amount_rupiah"), &amount)) {
          return Bad("amount_rupiah", "must be a whole number of rupiah");
        }
        c->set_amount_rupiah(amount);
      }
    } else if (Has("npp")) {
      auto* e = row.mutable_employer();
      e->set_name("employers/" + Get("npp"));
      e->set_display_name(Get("name"));
      rv1::EmployerSizeClass size;
      if (!rv1::EmployerSizeClass_Parse(
              "EMPLOYER_SIZE_CLASS_" + absl::AsciiStrToUpper(Get("size_class")), &size)) {
        return Bad("size_class", "must be MICRO, SMALL, MEDIUM or LARGE");
      }
      e->set_size_class(size);
      e->set_sector(Get("sector"));
      e->set_region(Region(Get("region")));
      int64_t workers = 0;
      if (!Get("worker_count_declared").empty() &&
          !absl::SimpleAtoi(Get("worker_count_declared"), &workers)) {
        return Bad("worker_count_declared", "must be a whole number");
      }
      e->set_worker_count_declared(workers);
      // Both optional: an employer without registration_date is registered on the import's day.
      if (!Get("registration_date").empty()) {
        PARITRANA_RETURN_IF_ERROR(DateOf("registration_date", e->mutable_registration_date()));
      }
      if (!Get("worker_count_date").empty()) {
        PARITRANA_RETURN_IF_ERROR(DateOf("worker_count_date", e->mutable_worker_count_date()));
      }
    } else {
      auto* b = row.mutable_baseline();
      type::v1::DenominatorSource source;
      const std::string slug = Get("source");
      if (slug == "bpjs-potential") {
        source = type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL;
      } else if (slug == "bps-sakernas") {
        source = type::v1::DENOMINATOR_SOURCE_BPS_SAKERNAS;
      } else if (slug == "regional") {
        source = type::v1::DENOMINATOR_SOURCE_REGIONAL;
      } else {
        return Bad("source", "must be bpjs-potential, bps-sakernas or regional");
      }
      b->set_name(absl::StrCat(Region(Get("region")), "/baselines/", Get("year"), "-", slug));
      b->set_source(source);
      int64_t potential = 0;
      if (!absl::SimpleAtoi(Get("potential_workers"), &potential)) {
        return Bad("potential_workers", "must be a whole number");
      }
      b->set_potential_workers(potential);
      b->set_source_note(Get("source_note"));
    }
    return row;
  }

 private:
  bool Has(const std::string& c) const { return columns_.contains(c); }
  std::string Get(const std::string& c) const {
    auto it = columns_.find(c);
    if (it == columns_.end() || it->second >= cells_->size()) return "";
    return std::string(absl::StripAsciiWhitespace((*cells_)[it->second]));
  }
  static std::string Region(const std::string& code) {
    return code.empty() || absl::StartsWith(code, "regions/") ? code : "regions/" + code;
  }
  static absl::Status Bad(absl::string_view column, absl::string_view reason) {
    return InvalidField(column, reason);
  }
  absl::Status DateOf(const std::string& column, google::type::Date* out) const {
    const std::vector<std::string> parts = absl::StrSplit(Get(column), '-');
    int y = 0, m = 0, d = 0;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
        !absl::SimpleAtoi(parts[2], &d)) {
      return Bad(column, "must be a date YYYY-MM-DD");
    }
    out->set_year(y);
    out->set_month(m);
    out->set_day(d);
    return absl::OkStatus();
  }

  std::vector<std::string> header_;
  std::map<std::string, size_t> columns_;
  const std::vector<std::string>* cells_ = nullptr;
};

// Turns the lines of an import file into ImportRows. A line the CLI can already tell the registry
// would refuse is rejected here, with its row number and the field, and never sent.
class LineReader final {
 public:
  explicit LineReader(std::string format) : format_(std::move(format)) {}

  // The row of the next line; nullopt for a blank line, the CSV header or a line rejected here
  // (kept in rejects()). An error stops the import (a CSV header naming no known record).
  absl::StatusOr<std::optional<rv1::ImportRow>> Next(std::string line) {
    ++line_number_;
    // Excel and other Windows tools start UTF-8 files with a byte-order mark.
    if (line_number_ == 1 && absl::StartsWith(line, kUtf8ByteOrderMark)) {
      line.erase(0, kUtf8ByteOrderMark.size());
    }
    if (absl::StripAsciiWhitespace(line).empty()) return std::nullopt;
    absl::StatusOr<rv1::ImportRow> row;
    if (format_ == "csv") {
      std::vector<std::string> cells = SplitCsv(line);
      if (!csv_.has_value()) {
        csv_.emplace(cells);
        PARITRANA_RETURN_IF_ERROR(csv_->Kind());
        return std::nullopt;
      }
      absl::Status cells_ok = csv_->CheckCells(cells);
      row = cells_ok.ok() ? csv_->Parse(cells) : absl::StatusOr<rv1::ImportRow>(cells_ok);
    } else {
      row = JsonRow(line);
    }
    if (!row.ok()) {
      const absl::Status& s = row.status();
      rejects_.push_back(
          {line_number_, ErrorField(s), GetBadRequest(s)->field_violations(0).description()});
      return std::nullopt;
    }
    row->set_row_number(line_number_);
    return *std::move(row);
  }

  int64_t line_number() const { return line_number_; }
  // Lines read that hold records: all but a CSV header.
  int64_t records_read() const { return line_number_ - (csv_.has_value() ? 1 : 0); }
  const std::vector<LocalReject>& rejects() const { return rejects_; }

 private:
  static absl::StatusOr<rv1::ImportRow> JsonRow(const std::string& line) {
    if (line.size() > kMaxLineBytes) {
      return InvalidField(
          "record",
          absl::StrCat("is ", line.size(), " bytes long; a line may hold at most ", kMaxLineBytes));
    }
    if (!IsUtf8(line)) return InvalidField("record", "is not valid UTF-8 text");
    rv1::ImportRow row;
    auto s = google::protobuf::util::JsonStringToMessage(line, &row);
    if (!s.ok()) return InvalidField("record", std::string(s.message()));
    return row;
  }

  const std::string format_;
  std::optional<CsvRows> csv_;
  int64_t line_number_ = 0;
  std::vector<LocalReject> rejects_;
};

// The rejects file: the registry's rejected rows and the CLI's own, by row number.
void WriteRejects(const std::string& path, const rv1::ImportRecordsResponse& response,
                  const std::vector<LocalReject>& local) {
  std::ofstream rejects(path);
  rejects << "row_number,field,code,reason\n";
  std::vector<rv1::RejectedRow> all(response.rejected_rows().begin(),
                                    response.rejected_rows().end());
  for (const LocalReject& r : local) {
    rv1::RejectedRow row;
    row.set_row_number(r.row);
    row.set_field(r.field);
    row.set_code("INVALID_ARGUMENT");
    row.set_reason(r.reason);
    all.push_back(row);
  }
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.row_number() < b.row_number(); });
  for (const auto& r : all) {
    rejects << r.row_number() << "," << r.field() << "," << r.code() << ",\""
            << absl::StrReplaceAll(r.reason(), {{"\"", "\"\""}}) << "\"\n";
  }
}

// The import's id: the one asked for, else one made unique by time and randomness.
std::string ImportId(const ImportOptions& options) {
  if (!options.import_id.empty()) return options.import_id;
  return absl::StrFormat("cli-%d-%016x", absl::ToUnixSeconds(absl::Now()),
                         std::random_device{}() * 0x9E3779B97F4A7C15ull);
}

// One ImportRecords stream of the whole file; the registry's error as it sent it.
absl::Status ImportOnce(const Connection& connection, const ImportOptions& options) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (options.file != "-") {
    file.open(options.file);
    if (!file) return absl::NotFoundError(absl::StrCat("cannot open ", options.file));
    in = &file;
  }
  const std::string format = !options.format.empty()                ? options.format
                             : absl::EndsWith(options.file, ".csv") ? "csv"
                                                                    : "jsonl";
  if (format != "csv" && format != "jsonl") {
    return absl::InvalidArgumentError("--format must be csv or jsonl");
  }
  rv1::ImportMode mode = options.mode == "strict"    ? rv1::IMPORT_MODE_STRICT
                         : options.mode == "lenient" ? rv1::IMPORT_MODE_LENIENT
                                                     : rv1::IMPORT_MODE_UNSPECIFIED;
  if (mode == rv1::IMPORT_MODE_UNSPECIFIED) {
    return absl::InvalidArgumentError("--mode must be strict or lenient");
  }

  auto stub = rv1::RegistryService::NewStub(connection.Channel(connection.registry));
  auto ctx = connection.Context(/*streaming=*/true);
  rv1::ImportRecordsResponse response;
  auto writer = stub->ImportRecords(ctx.get(), &response);

  rv1::ImportRecordsRequest header;
  header.mutable_header()->set_import_id(ImportId(options));
  header.mutable_header()->set_mode(mode);
  header.mutable_header()->set_batch_size(options.batch_size);
  header.mutable_header()->set_validate_only(options.validate_only);
  writer->Write(header);

  LineReader reader(format);
  rv1::ImportRecordsRequest chunk;
  size_t chunk_bytes = 0;
  int64_t sent = 0;
  const absl::Time start = absl::Now();
  absl::Time last_report = start;
  auto flush = [&] {
    if (chunk.rows().rows_size() == 0) return true;
    sent += chunk.rows().rows_size();
    const bool ok = writer->Write(chunk);
    chunk.Clear();
    chunk_bytes = 0;
    return ok;
  };
  std::string line;
  bool stream_ok = true;
  while (stream_ok && std::getline(*in, line)) {
    PARITRANA_ASSIGN_OR_RETURN(std::optional<rv1::ImportRow> row, reader.Next(std::move(line)));
    if (!row.has_value()) continue;
    chunk_bytes += row->ByteSizeLong();
    *chunk.mutable_rows()->add_rows() = *std::move(row);
    if (chunk.rows().rows_size() >= kMaxRowsPerMessage || chunk_bytes >= kMaxMessageBytes) {
      stream_ok = flush();
    }
    if (options.progress && absl::Now() - last_report > absl::Milliseconds(250)) {
      last_report = absl::Now();
      const double secs = absl::ToDoubleSeconds(last_report - start);
      std::cerr << absl::StrFormat("\r  sent %s rows  %s rows/s   ", Thousands(sent),
                                   Thousands(static_cast<int64_t>(sent / std::max(secs, 1e-3))));
    }
  }
  // The ImportEnd tells the registry the stream is whole; without it nothing is recorded.
  if (stream_ok) stream_ok = flush();
  if (stream_ok) {
    rv1::ImportRecordsRequest end;
    end.mutable_end()->set_rows_sent(sent);
    writer->Write(end);
  }
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (options.progress) std::cerr << "\r" << std::string(50, ' ') << "\r";
  if (!status.ok()) return FromGrpcStatus(status);
  if (in->bad()) return absl::DataLossError(absl::StrCat("reading ", options.file, " failed"));
  // A replayed import answers with the first run's counts, which need not match this file.
  if (!response.replayed() && response.rows_received() != sent) {
    return absl::DataLossError(absl::StrCat("the registry received ", response.rows_received(),
                                            " rows but ", sent, " were sent"));
  }

  const std::vector<LocalReject>& local = reader.rejects();
  if (!options.rejects_file.empty()) WriteRejects(options.rejects_file, response, local);
  const double secs = std::max(absl::ToDoubleSeconds(absl::Now() - start), 1e-3);
  std::cout << absl::StrFormat(
      "import %s%s: %s rows read, %s accepted, %s unchanged, %s rejected (%s before sending), "
      "%s rolled back, %s batches, %.1f s (%s rows/s)\n",
      response.import_id(), response.replayed() ? " (replayed)" : "",
      Thousands(reader.records_read()), Thousands(response.rows_accepted()),
      Thousands(response.rows_unchanged()),
      Thousands(response.rows_rejected() + static_cast<int64_t>(local.size())),
      Thousands(static_cast<int64_t>(local.size())), Thousands(response.rows_rolled_back()),
      Thousands(response.batches_committed()), secs, Thousands(static_cast<int64_t>(sent / secs)));
  return absl::OkStatus();
}

}  // namespace

absl::Status RunImport(const Connection& connection, const ImportOptions& options) {
  // Another stream of the same import id still open on the registry is most often that of a
  // client just killed or interrupted, which the registry notices within moments; importing again
  // with the same id then resumes the import. Standard input cannot be read a second time.
  absl::Duration wait = absl::Milliseconds(250);
  for (int attempt = 1;; ++attempt) {
    const absl::Status s = ImportOnce(connection, options);
    const auto info = GetErrorInfo(s);
    const bool running = info.has_value() && info->reason() == "IMPORT_RUNNING";
    if (!running || options.file == "-" || attempt == 6) {
      if (s.ok() || s.message().rfind("import failed", 0) == 0) return s;
      return absl::Status(s.code(), absl::StrCat("import failed: ", s.message()));
    }
    std::cerr << "import " << options.import_id << " is still running on the registry; trying "
              << "again in " << absl::FormatDuration(wait) << "\n";
    absl::SleepFor(wait);
    wait *= 2;
  }
}

}  // namespace paritrana::cli
