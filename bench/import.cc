// paritrana-bench-import: streams generated participants to the registry's ImportRecords, or
// writes them as CSV for the plain-table floor, never holding more than one message of rows.
// Reports rows per second and, with --registry_pid, the registry's resident memory (VmRSS) and
// peak (VmHWM) at ten points of the import, to show whether memory grows with the number of rows.
//
//   --shape=jambi     the fixed Jambi benchmark set (bench/dataset.h): one row per participant
//   --shape=national  the national generator (bench/national_dataset.h) with --participants
//                     registered persons, 1 to 3 rows each (enrollment histories), placed in the
//                     idn-area-data catalogue given by --region_catalog
//   --shape=demo      the demo's calibrated Jambi (the same generator); --scale S sets
//                     --participants to 580,868 x S
//   --format=grpc  ImportRecords to --target (--part=skeleton: regions, employers, baselines,
//                  targets; --part=participants: participants [--first, --first + --participants)
//                  for jambi, [--first, --participants) for national and demo; --part=all: both
//                  in one import, as the demo loads them)
//   --format=csv   the participant rows as CSV on stdout, with a header line, one line per row
//                  (national and demo: every row of persons [--first, --participants))
//   --part=postings  national and demo: a month of contribution postings (ImportRow.contribution)
//                  for the active enrollments of a registry that imported persons [0, N) in one
//                  import (--format=csv: the same postings as CSV, for the floor)
//   --part=writes  national and demo: single CreateContribution and CreateEnrollment calls on
//                  --writes sampled persons, one at a time, with their latency percentiles
//   --format=null  generate and serialize only: the generator's own speed
//   --progress     a progress bar on stderr (persons done / total, rows/s, ETA), redrawn in
//                  place on a terminal, one line every 5 s otherwise
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/dataset.h"
#include "bench/histogram.h"
#include "bench/national_dataset.h"
#include "google/protobuf/arena.h"
#include "grpcpp/create_channel.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "HOST:PORT of the registry (plaintext)");
ABSL_FLAG(std::string, format, "grpc", "grpc | csv | null");
ABSL_FLAG(std::string, part, "participants",
          "skeleton | participants | all | postings | writes (grpc and null; postings and "
          "writes: national and demo shapes, against a registry that imported persons 0 to N-1 "
          "in one import; postings: one month's contribution per active enrollment; writes: see "
          "--writes)");
ABSL_FLAG(int32_t, writes, 2000,
          "--part=writes: persons sampled evenly from [0, --participants), each given one "
          "CreateContribution (a month beyond the paid-through date of its current enrollment) "
          "and one CreateEnrollment (a new worker-paid BPU enrollment), one call at a time, in "
          "random order");
ABSL_FLAG(int32_t, posting_months, 1,
          "postings: months beyond each enrollment's first contribution (1 for the first month "
          "posted, 2 for the next, ...)");
ABSL_FLAG(std::string, shape, "jambi", "jambi (bench/dataset.h) | national | demo");
ABSL_FLAG(uint64_t, participants, 10000,
          "jambi: participants to generate; national, demo: registered persons in the dataset");
ABSL_FLAG(double, scale, 0, "demo: --participants = 580,868 x scale (1 = Jambi's real size)");
ABSL_FLAG(std::string, region_catalog, "",
          "national, demo: the idn-area-data package directory (e.g. "
          "tools/node_modules/idn-area-data); people live in its real regions, which the "
          "registry must hold (started with the same flag). Empty: Jambi with synthetic "
          "districts and villages");
ABSL_FLAG(bool, region_rows, false,
          "national, demo: the skeleton also carries region rows below the provinces, for a "
          "registry started without --region_catalog (always on without --region_catalog)");
ABSL_FLAG(bool, progress, false, "Progress bar on stderr");
ABSL_FLAG(uint64_t, first, 0, "Index of the first participant");
ABSL_FLAG(uint64_t, seed, 2025, "Dataset seed");
ABSL_FLAG(int32_t, batch_size, 1000, "ImportHeader.batch_size: rows per transaction");
ABSL_FLAG(int32_t, rows_per_message, 1000, "Rows per stream message (at most 10,000)");
ABSL_FLAG(std::string, import_id, "", "ImportHeader.import_id; default: one made from the time");
ABSL_FLAG(int32_t, registry_pid, 0, "Registry process whose memory is sampled (0: none)");
ABSL_FLAG(std::string, token, "", "Bearer token with the registrar role, if the registry checks");

namespace {

namespace rv1 = paritrana::registry::v1;

// What /proc says about the registry process at one moment.
struct Sample {
  double elapsed_s = 0;
  int64_t rss_kb = 0;  // VmRSS
  int64_t hwm_kb = 0;  // VmHWM: peak resident memory since the process started
  double cpu_s = 0;    // user + system CPU time
};

Sample Read(int pid, absl::Time start) {
  Sample s;
  s.elapsed_s = absl::ToDoubleSeconds(absl::Now() - start);
  if (pid <= 0) return s;
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") in >> s.rss_kb;
    if (key == "VmHWM:") in >> s.hwm_kb;
    in.ignore(1 << 20, '\n');
  }
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  std::getline(stat, line);
  // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) {
      stime = std::stoll(field);
      break;
    }
  }
  s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return s;
}

// Samples the registry every 100 ms on its own thread until stopped.
class Sampler final {
 public:
  Sampler(int pid, absl::Time start) : pid_(pid), start_(start) {
    if (pid_ <= 0) return;
    samples_.push_back(Read(pid_, start_));
    thread_ = std::thread([this] {
      while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
        Sample s = Read(pid_, start_);
        absl::MutexLock lock(&mu_);
        samples_.push_back(s);
      }
    });
  }
  // Stops sampling, takes a last sample and returns them all.
  std::vector<Sample> Stop() {
    if (pid_ <= 0) return {};
    stop_.Notify();
    thread_.join();
    samples_.push_back(Read(pid_, start_));
    return samples_;
  }

 private:
  const int pid_;
  const absl::Time start_;
  absl::Notification stop_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<Sample> samples_;
};

int Csv(const paritrana::bench::Dataset& data, uint64_t first, uint64_t n) {
  std::string buffer;
  buffer.reserve(1 << 20);
  absl::StrAppend(&buffer, paritrana::bench::Dataset::CsvHeader(), "\n");
  for (uint64_t i = first; i < first + n; ++i) {
    absl::StrAppend(&buffer, data.CsvLine(i), "\n");
    if (buffer.size() > (1 << 20) - 512) {
      if (std::fwrite(buffer.data(), 1, buffer.size(), stdout) != buffer.size()) return 1;
      buffer.clear();
    }
  }
  if (std::fwrite(buffer.data(), 1, buffer.size(), stdout) != buffer.size()) return 1;
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// The national generator's rows of persons [first, n) as CSV, one line per row (a person has 1 to
// 3 rows), in the same columns as the Jambi shape's.
int NationalCsv(const paritrana::bench::NationalDataset& national, uint64_t first, uint64_t n) {
  std::string buffer;
  buffer.reserve(1 << 20);
  absl::StrAppend(&buffer, paritrana::bench::Dataset::CsvHeader(), "\n");
  std::vector<rv1::ParticipantEnrollment> person;
  for (uint64_t i = first; i < n; ++i) {
    national.Person(i, person);
    for (const rv1::ParticipantEnrollment& row : person) {
      absl::StrAppend(&buffer, paritrana::bench::Dataset::CsvLine(row), "\n");
    }
    if (buffer.size() > (1 << 20) - 2048) {
      if (std::fwrite(buffer.data(), 1, buffer.size(), stdout) != buffer.size()) return 1;
      buffer.clear();
    }
  }
  if (std::fwrite(buffer.data(), 1, buffer.size(), stdout) != buffer.size()) return 1;
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// Calls `emit(i, enrollment, contribution)` with the monthly posting (--posting_months) of every
// person i in [begin, stop) whose current enrollment takes one, named as the registry named it
// when persons 0 to stop-1 were imported in one import: enrollment ids are handed out one per
// row, in the order of the rows, from 1.
void ForEachPosting(
    const paritrana::bench::NationalDataset& national, uint64_t begin, uint64_t stop,
    const std::function<void(uint64_t, const std::string&, rv1::Contribution)>& emit) {
  std::vector<rv1::ParticipantEnrollment> person;
  int64_t enrollments = 0;
  for (uint64_t i = 0; i < stop; ++i) {
    national.Person(i, person);
    enrollments += static_cast<int64_t>(person.size());
    if (i < begin) continue;
    std::optional<rv1::Contribution> c =
        national.Posting(person.back(), absl::GetFlag(FLAGS_posting_months));
    if (!c.has_value()) continue;
    emit(i, absl::StrCat(person.back().participant().name(), "/enrollments/e", enrollments),
         *std::move(c));
  }
}

// The postings of persons [first, n) as CSV (enrollment, amount, paid date, covers through), for
// the floor.
int PostingsCsv(const paritrana::bench::NationalDataset& national, uint64_t first, uint64_t n) {
  std::string buffer = "enrollment,amount_rupiah,paid_date,covers_through\n";
  auto date = [](const google::type::Date& d) {
    return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
  };
  bool ok = true;
  ForEachPosting(
      national, first, n, [&](uint64_t, const std::string& enrollment, const rv1::Contribution& c) {
        absl::StrAppend(&buffer, enrollment, ",", c.amount_rupiah(), ",", date(c.paid_date()), ",",
                        date(c.covers_through()), "\n");
        if (buffer.size() > (1 << 20)) {
          ok = ok && std::fwrite(buffer.data(), 1, buffer.size(), stdout) == buffer.size();
          buffer.clear();
        }
      });
  ok = ok && std::fwrite(buffer.data(), 1, buffer.size(), stdout) == buffer.size();
  return ok && std::fflush(stdout) == 0 ? 0 : 1;
}

// --part=writes: single CreateContribution and CreateEnrollment calls, one at a time, each timed.
// The sampled persons' current enrollments are read first (ListEnrollments, untimed), so the
// calls extend what is stored whatever was posted before. Prints one RESULT line per method with
// its latency percentiles.
int SingleWrites(const paritrana::bench::NationalDataset& national, uint64_t n,
                 rv1::RegistryService::Stub& stub) {
  const uint64_t writes = std::min<uint64_t>(n, std::max(1, absl::GetFlag(FLAGS_writes)));
  const uint64_t step = n / writes;
  const std::string token = absl::GetFlag(FLAGS_token);
  auto context = [&token](grpc::ClientContext& ctx) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  };
  // The month after a date, on the same day or the month's last.
  auto next_month = [](const google::type::Date& d) {
    const absl::CivilMonth month = absl::CivilMonth(d.year(), d.month()) + 1;
    const absl::CivilDay day = std::min(absl::CivilDay(month.year(), month.month(), d.day()),
                                        absl::CivilDay(month + 1) - 1);
    google::type::Date out;
    out.set_year(static_cast<int32_t>(day.year()));
    out.set_month(day.month());
    out.set_day(day.day());
    return out;
  };
  std::vector<std::pair<rv1::CreateContributionRequest, rv1::CreateEnrollmentRequest>> calls;
  for (uint64_t k = 0; k < writes; ++k) {
    rv1::ListEnrollmentsRequest list;
    list.set_parent(absl::StrFormat("participants/%011d", 20'000'000'000ULL + k * step));
    rv1::ListEnrollmentsResponse listed;
    grpc::ClientContext ctx;
    context(ctx);
    if (grpc::Status status = stub.ListEnrollments(&ctx, list, &listed); !status.ok()) {
      std::fprintf(stderr, "ListEnrollments %s: %s\n", list.parent().c_str(),
                   status.error_message().c_str());
      return 1;
    }
    const rv1::Enrollment* current = nullptr;
    for (const rv1::Enrollment& e : listed.enrollments()) {
      if (e.state() != rv1::ENROLLMENT_STATE_TERMINATED && e.has_paid_through_date()) current = &e;
    }
    if (current == nullptr) continue;  // the person's enrollments ended
    rv1::CreateContributionRequest contribution;
    contribution.set_parent(current->name());
    rv1::Contribution* c = contribution.mutable_contribution();
    c->set_amount_rupiah(100'000);
    google::type::Date paid;
    paid.set_year(static_cast<int32_t>(national.query_date().year()));
    paid.set_month(national.query_date().month());
    paid.set_day(national.query_date().day());
    *c->mutable_paid_date() = next_month(paid);
    *c->mutable_covers_through() = next_month(current->paid_through_date());
    rv1::CreateEnrollmentRequest enrollment;
    enrollment.set_parent(list.parent());
    rv1::Enrollment* e = enrollment.mutable_enrollment();
    e->set_segment(paritrana::type::v1::SEGMENT_BPU);
    e->add_programmes(paritrana::type::v1::PROGRAMME_JKK);
    e->add_programmes(paritrana::type::v1::PROGRAMME_JKM);
    e->set_funding_source(paritrana::type::v1::FUNDING_SOURCE_WORKER);
    e->set_region(current->region());
    // A start no stored enrollment of the person has (they all start by the dataset's date).
    const absl::CivilDay start = national.query_date() + 1 + static_cast<int>(k % 28);
    e->mutable_start_date()->set_year(static_cast<int32_t>(start.year()));
    e->mutable_start_date()->set_month(start.month());
    e->mutable_start_date()->set_day(start.day());
    calls.emplace_back(std::move(contribution), std::move(enrollment));
  }
  std::shuffle(calls.begin(), calls.end(), std::mt19937_64(absl::GetFlag(FLAGS_seed)));
  paritrana::bench::Histogram contributions, enrollment_calls;
  int failures = 0;
  auto timed = [&](auto method, const auto& request, auto& response,
                   paritrana::bench::Histogram& histogram) {
    grpc::ClientContext ctx;
    context(ctx);
    const absl::Time t0 = absl::Now();
    const grpc::Status status = (stub.*method)(&ctx, request, &response);
    histogram.Record(static_cast<uint64_t>(absl::ToInt64Microseconds(absl::Now() - t0)));
    if (!status.ok() && failures++ < 3) {
      std::fprintf(stderr, "write failed: %d %s\n", status.error_code(),
                   status.error_message().c_str());
    }
  };
  const absl::Time start = absl::Now();
  for (const auto& [contribution, enrollment] : calls) {
    rv1::Contribution c;
    timed(&rv1::RegistryService::Stub::CreateContribution, contribution, c, contributions);
    rv1::Enrollment e;
    timed(&rv1::RegistryService::Stub::CreateEnrollment, enrollment, e, enrollment_calls);
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  for (const auto& [method, h] : {std::pair<const char*, const paritrana::bench::Histogram*>{
                                      "CreateContribution", &contributions},
                                  {"CreateEnrollment", &enrollment_calls}}) {
    std::printf(
        "RESULT part=writes method=%s calls=%llu seconds=%.3f p50_us=%llu p90_us=%llu "
        "p99_us=%llu max_us=%llu failures=%d\n",
        method, static_cast<unsigned long long>(h->Count()), seconds,
        static_cast<unsigned long long>(h->Percentile(50)),
        static_cast<unsigned long long>(h->Percentile(90)),
        static_cast<unsigned long long>(h->Percentile(99)),
        static_cast<unsigned long long>(h->Max()), failures);
  }
  return failures == 0 && !calls.empty() ? 0 : 1;
}

// A progress bar on stderr: persons done of the total, rows per second and the time left;
// redrawn in place on a terminal, one plain line every 5 seconds otherwise.
class Progress final {
 public:
  Progress(bool enabled, uint64_t total)
      : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0), total_(total), start_(absl::Now()) {}

  // `done` persons of the total, `rows` rows in all (the skeleton's too) sent so far.
  void Update(uint64_t done, uint64_t rows) {
    if (!enabled_ || (++calls_ & 255) != 0) return;
    const absl::Time now = absl::Now();
    if (now - last_ < (tty_ ? absl::Milliseconds(200) : absl::Seconds(5))) return;
    last_ = now;
    Draw(done, rows, false);
  }
  // Everything is sent, but the registry may still be applying what its buffers hold: keep the
  // bar moving (time since the last row was sent) until Finish.
  void Sent(uint64_t done, uint64_t rows) {
    if (!enabled_) return;
    const absl::Time sent = absl::Now();
    waiter_ = std::thread([this, done, rows, sent] {
      while (!finished_.WaitForNotificationWithTimeout(tty_ ? absl::Milliseconds(200)
                                                            : absl::Seconds(5))) {
        Draw(done, rows, false,
             absl::StrFormat("all sent, registry committing for %.0f s",
                             absl::ToDoubleSeconds(absl::Now() - sent)));
      }
    });
  }
  void Finish(uint64_t done, uint64_t rows) {
    if (!enabled_) return;
    finished_.Notify();
    if (waiter_.joinable()) waiter_.join();
    Draw(done, rows, true);
  }

 private:
  void Draw(uint64_t done, uint64_t rows, bool final, const std::string& state = "") {
    const double seconds = std::max(1e-6, absl::ToDoubleSeconds(absl::Now() - start_));
    const double fraction = total_ == 0 ? 1.0 : static_cast<double>(done) / total_;
    const double rate = static_cast<double>(done) / seconds;
    const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : -1;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    const std::string bar =
        std::string(static_cast<size_t>(filled), '#') + std::string(kWidth - filled, '.');
    const std::string time = !state.empty() ? state
                             : final        ? absl::StrFormat("took %.0f s", seconds)
                             : eta < 0      ? std::string("ETA -")
                                            : absl::StrFormat("ETA %.0f s", eta);
    std::fprintf(stderr, "%s[%s] %3.0f%% %llu/%llu persons, %llu rows, %.0f rows/s, %s%s",
                 tty_ ? "\r" : "", bar.c_str(), 100 * fraction,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                 static_cast<unsigned long long>(rows), static_cast<double>(rows) / seconds,
                 time.c_str(), tty_ && !final ? "\x1b[K" : "\n");
    std::fflush(stderr);
  }

  const bool enabled_, tty_;
  const uint64_t total_;
  const absl::Time start_;
  absl::Time last_ = absl::InfinitePast();
  uint64_t calls_ = 0;
  absl::Notification finished_;
  std::thread waiter_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("paritrana-bench-import: generated participants -> ImportRecords.");
  absl::ParseCommandLine(argc, argv);
  const std::string shape_flag = absl::GetFlag(FLAGS_shape);
  const bool legacy = shape_flag == "jambi";
  paritrana::bench::DatasetShape shape = paritrana::bench::DatasetShape::kNational;
  if (!legacy && !paritrana::bench::ParseDatasetShape(shape_flag, &shape)) {
    std::fprintf(stderr, "--shape must be jambi, national or demo\n");
    return 2;
  }
  const paritrana::bench::Dataset data(absl::GetFlag(FLAGS_seed));
  const uint64_t first = absl::GetFlag(FLAGS_first);
  uint64_t n = absl::GetFlag(FLAGS_participants);
  if (shape == paritrana::bench::DatasetShape::kJambi && absl::GetFlag(FLAGS_scale) > 0) {
    n = static_cast<uint64_t>(std::llround(paritrana::bench::NationalDataset::kJambiPersons *
                                           absl::GetFlag(FLAGS_scale)));
  }
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format == "csv" && legacy) return Csv(data, first, n);

  if (!legacy && n > paritrana::bench::NationalDataset::kMaxPersons) {
    std::fprintf(stderr, "--participants: at most %llu (NIKs would repeat)\n",
                 static_cast<unsigned long long>(paritrana::bench::NationalDataset::kMaxPersons));
    return 2;
  }
  // The national generator, when asked for: its region tables come from the catalogue or are
  // Jambi's synthetic ones.
  std::unique_ptr<paritrana::bench::NationalDataset> national;
  if (!legacy) {
    const std::string catalog = absl::GetFlag(FLAGS_region_catalog);
    absl::StatusOr<paritrana::bench::RegionTables> tables =
        catalog.empty() ? paritrana::bench::RegionTables::SyntheticJambi(
                              shape == paritrana::bench::DatasetShape::kJambi ? 3 : 6,
                              shape == paritrana::bench::DatasetShape::kJambi ? 3 : 8)
                        : paritrana::bench::RegionTables::LoadCatalog(
                              catalog, shape == paritrana::bench::DatasetShape::kJambi ? "15" : "");
    if (!tables.ok()) {
      std::fprintf(stderr, "--region_catalog: %s\n", tables.status().ToString().c_str());
      return 2;
    }
    paritrana::bench::DatasetOptions options;
    options.shape = shape;
    options.seed = absl::GetFlag(FLAGS_seed);
    options.participants = n;
    options.region_rows = absl::GetFlag(FLAGS_region_rows) || catalog.empty();
    national = std::make_unique<paritrana::bench::NationalDataset>(*std::move(tables), options);
    if (format == "csv") {
      return absl::GetFlag(FLAGS_part) == "postings" ? PostingsCsv(*national, first, n)
                                                     : NationalCsv(*national, first, n);
    }
  }

  const std::string part = absl::GetFlag(FLAGS_part);
  if (part != "skeleton" && part != "participants" && part != "all" && part != "postings" &&
      part != "writes") {
    std::fprintf(stderr, "--part must be skeleton, participants, all, postings or writes\n");
    return 2;
  }
  if (part == "writes") {
    if (national == nullptr || format != "grpc") {
      std::fprintf(stderr, "--part=writes needs --shape=national or demo and --format=grpc\n");
      return 2;
    }
    grpc::ChannelArguments args;
    auto channel = grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target),
                                             grpc::InsecureChannelCredentials(), args);
    return SingleWrites(*national, n, *rv1::RegistryService::NewStub(channel));
  }
  const bool postings = part == "postings";
  if (postings && national == nullptr) {
    std::fprintf(stderr, "--part=postings needs --shape=national or demo\n");
    return 2;
  }
  const bool with_skeleton = part != "participants" && !postings;
  const bool with_people = part != "skeleton";
  const int per_message = std::clamp(absl::GetFlag(FLAGS_rows_per_message), 1, 10000);
  const int pid = absl::GetFlag(FLAGS_registry_pid);

  std::unique_ptr<rv1::RegistryService::Stub> stub;
  std::unique_ptr<grpc::ClientContext> ctx;
  rv1::ImportRecordsResponse response;
  std::unique_ptr<grpc::ClientWriter<rv1::ImportRecordsRequest>> writer;
  if (format == "grpc") {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    auto channel = grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target),
                                             grpc::InsecureChannelCredentials(), args);
    stub = rv1::RegistryService::NewStub(channel);
    ctx = std::make_unique<grpc::ClientContext>();
    if (!absl::GetFlag(FLAGS_token).empty()) {
      ctx->AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_token));
    }
    writer = stub->ImportRecords(ctx.get(), &response);
    rv1::ImportRecordsRequest header;
    header.mutable_header()->set_import_id(
        absl::GetFlag(FLAGS_import_id).empty()
            ? absl::StrCat("bench-", absl::ToUnixMicros(absl::Now()))
            : absl::GetFlag(FLAGS_import_id));
    header.mutable_header()->set_mode(rv1::IMPORT_MODE_LENIENT);
    header.mutable_header()->set_batch_size(absl::GetFlag(FLAGS_batch_size));
    if (!writer->Write(header)) {
      std::fprintf(stderr, "the registry closed the stream at the header\n");
    }
  } else if (format != "null") {
    std::fprintf(stderr, "--format must be grpc, csv or null\n");
    return 2;
  }

  const absl::Time start = absl::Now();
  Sampler sampler(pid, start);
  uint64_t sent = 0, serialized_bytes = 0;
  bool broken = false;
  // Each message is built on an arena, reset once it is written: the rows cost no malloc.
  google::protobuf::Arena arena;
  rv1::ImportRecordsRequest* message =
      google::protobuf::Arena::CreateMessage<rv1::ImportRecordsRequest>(&arena);
  auto flush = [&]() {
    if (message->rows().rows_size() == 0) return;
    if (writer != nullptr) {
      if (!broken && !writer->Write(*message)) broken = true;  // the server ended the call
    } else {
      serialized_bytes += message->SerializeAsString().size();
    }
    arena.Reset();
    message = google::protobuf::Arena::CreateMessage<rv1::ImportRecordsRequest>(&arena);
  };
  auto add = [&](rv1::ImportRow row) {
    *message->mutable_rows()->add_rows() = std::move(row);
    ++sent;
    if (message->rows().rows_size() >= per_message) flush();
  };

  // The skeleton, then the people, under one progress bar (the skeleton counts as 0 persons).
  const uint64_t begin = first;
  const uint64_t stop = !with_people ? first : national != nullptr ? n : first + n;
  const uint64_t persons = stop > begin ? stop - begin : 0;
  Progress progress(absl::GetFlag(FLAGS_progress), persons);
  int64_t base = 0;
  uint64_t skeleton_rows = 0;
  if (with_skeleton) {
    if (national != nullptr) {
      base = national->Skeleton([&](const rv1::ImportRow& row) {
        if (!broken) add(row);
        progress.Update(0, sent);
      });
    } else {
      for (const rv1::ImportRow& row : data.Skeleton()) {
        if (!broken) add(row);
        base = row.row_number();
      }
    }
    skeleton_rows = sent;
  }
  if (!with_skeleton) base = 0;
  if (postings) {
    ForEachPosting(*national, begin, stop,
                   [&](uint64_t i, const std::string& enrollment, rv1::Contribution c) {
                     if (broken) return;
                     rv1::ImportRow* row = message->mutable_rows()->add_rows();
                     row->set_row_number(static_cast<int64_t>(i + 1));
                     row->mutable_contribution()->set_enrollment(enrollment);
                     *row->mutable_contribution()->mutable_contribution() = std::move(c);
                     ++sent;
                     if (message->rows().rows_size() >= per_message) flush();
                     progress.Update(i + 1 - begin, sent);
                   });
  }
  std::vector<rv1::ParticipantEnrollment> person;
  for (uint64_t i = begin; i < stop && !broken && !postings; ++i) {
    if (national != nullptr) {
      national->Person(i, person);
      for (size_t k = 0; k < person.size(); ++k) {
        rv1::ImportRow* row = message->mutable_rows()->add_rows();
        row->set_row_number(
            paritrana::bench::NationalDataset::RowNumber(base, i, static_cast<int>(k)));
        *row->mutable_participant_enrollment() = person[k];  // a copy: `person` is reused
        ++sent;
        if (message->rows().rows_size() >= per_message) flush();
      }
    } else {
      rv1::ImportRow* row = message->mutable_rows()->add_rows();
      row->set_row_number(base + static_cast<int64_t>(i + 1));
      *row->mutable_participant_enrollment() = data.Participant(i);
      ++sent;
      if (message->rows().rows_size() >= per_message) flush();
    }
    progress.Update(i + 1 - begin, sent);
  }
  flush();
  progress.Sent(persons, sent);
  int rc = 0;
  if (writer != nullptr) {
    rv1::ImportRecordsRequest end;
    end.mutable_end()->set_rows_sent(static_cast<int64_t>(sent));
    if (!broken) writer->Write(end);
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    if (!status.ok()) {
      std::fprintf(stderr, "ImportRecords failed: %s %s\n",
                   std::to_string(status.error_code()).c_str(), status.error_message().c_str());
      rc = 1;
    }
  }
  progress.Finish(persons, sent);  // after the registry has committed the last batch
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const std::vector<Sample> samples = sampler.Stop();
  // Resident memory at each tenth of the import's duration: flat means independent of rows.
  std::string rss_curve;
  for (int tenth = 1; tenth <= 10 && !samples.empty(); ++tenth) {
    const double at = seconds * tenth / 10.0;
    const Sample* best = &samples.front();
    for (const Sample& s : samples) {
      if (s.elapsed_s <= at) best = &s;
    }
    absl::StrAppend(&rss_curve, rss_curve.empty() ? "" : ",", best->rss_kb / 1024);
  }
  const Sample first_sample = samples.empty() ? Sample() : samples.front();
  const Sample last_sample = samples.empty() ? Sample() : samples.back();
  const double cpu = last_sample.cpu_s - first_sample.cpu_s;
  std::printf(
      "%s %s: %llu rows in %.2f s = %.0f rows/s; accepted %lld, unchanged %lld, rejected "
      "%lld%s%s\n",
      format.c_str(), part.c_str(), static_cast<unsigned long long>(sent), seconds,
      static_cast<double>(sent) / seconds, static_cast<long long>(response.rows_accepted()),
      static_cast<long long>(response.rows_unchanged()),
      static_cast<long long>(response.rows_rejected()),
      response.rejected_rows_size() > 0 ? "; first rejected: " : "",
      response.rejected_rows_size() > 0
          ? absl::StrCat(response.rejected_rows(0).field(), " ", response.rejected_rows(0).reason())
                .c_str()
          : "");
  if (pid > 0) {
    std::printf(
        "registry: %.1f CPU-s (%.0f%% of one core), %.0f rows per CPU-s; VmHWM %lld MiB; VmRSS "
        "at each tenth of the time (MiB): %s\n",
        cpu, 100.0 * cpu / seconds, cpu > 0 ? static_cast<double>(sent) / cpu : 0.0,
        static_cast<long long>(last_sample.hwm_kb / 1024), rss_curve.c_str());
  }
  std::printf(
      "RESULT format=%s part=%s rows=%llu seconds=%.3f rows_per_s=%.1f accepted=%lld "
      "rejected=%lld cpu_s=%.2f rows_per_cpu_s=%.1f start_rss_kb=%lld rss_kb=%lld hwm_kb=%lld "
      "rss_mib_by_tenth=%s bytes=%llu shape=%s persons=%llu persons_per_s=%.1f "
      "skeleton_rows=%llu\n",
      format.c_str(), part.c_str(), static_cast<unsigned long long>(sent), seconds,
      static_cast<double>(sent) / seconds, static_cast<long long>(response.rows_accepted()),
      static_cast<long long>(response.rows_rejected()), cpu,
      cpu > 0 ? static_cast<double>(sent) / cpu : 0.0, static_cast<long long>(first_sample.rss_kb),
      static_cast<long long>(last_sample.rss_kb), static_cast<long long>(last_sample.hwm_kb),
      rss_curve.empty() ? "none" : rss_curve.c_str(),
      static_cast<unsigned long long>(serialized_bytes), shape_flag.c_str(),
      static_cast<unsigned long long>(persons), static_cast<double>(persons) / seconds,
      static_cast<unsigned long long>(skeleton_rows));
  if (format == "grpc" && response.rows_rejected() > 0) rc = 1;
  return rc;
}
