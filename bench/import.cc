// paritrana-bench-import: streams generated participants (bench/dataset.h) to the registry's
// ImportRecords, or writes them as CSV for the plain-table floor, never holding more than one
// message of rows. Reports rows per second and, with --registry_pid, the registry's resident
// memory (VmRSS) and peak (VmHWM) at ten points of the import, to show whether memory grows
// with the number of rows.
//
//   --format=grpc  ImportRecords to --target (--part=skeleton: regions, employers, baselines,
//                  target; --part=participants: participants [--first, --first + --participants))
//   --format=csv   the participant rows as CSV on stdout, with a header line
//   --format=null  generate and serialize only: the generator's own speed
#include <unistd.h>

#include <fstream>
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
#include "absl/time/clock.h"
#include "bench/dataset.h"
#include "grpcpp/create_channel.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "HOST:PORT of the registry (plaintext)");
ABSL_FLAG(std::string, format, "grpc", "grpc | csv | null");
ABSL_FLAG(std::string, part, "participants", "skeleton | participants (grpc only)");
ABSL_FLAG(uint64_t, participants, 10000, "Participants to generate");
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

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("paritrana-bench-import: generated participants -> ImportRecords.");
  absl::ParseCommandLine(argc, argv);
  const paritrana::bench::Dataset data(absl::GetFlag(FLAGS_seed));
  const uint64_t first = absl::GetFlag(FLAGS_first);
  const uint64_t n = absl::GetFlag(FLAGS_participants);
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format == "csv") return Csv(data, first, n);

  const bool skeleton = absl::GetFlag(FLAGS_part) == "skeleton";
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
  rv1::ImportRecordsRequest message;
  auto flush = [&]() {
    if (message.rows().rows_size() == 0) return;
    if (writer != nullptr) {
      if (!broken && !writer->Write(message)) broken = true;  // the server ended the call
    } else {
      serialized_bytes += message.SerializeAsString().size();
    }
    message.mutable_rows()->clear_rows();
  };

  const std::vector<rv1::ImportRow> skeleton_rows =
      skeleton ? data.Skeleton() : std::vector<rv1::ImportRow>();
  const uint64_t total = skeleton ? skeleton_rows.size() : n;
  for (uint64_t k = 0; k < total && !broken; ++k) {
    rv1::ImportRow* row = message.mutable_rows()->add_rows();
    if (skeleton) {
      *row = skeleton_rows[k];
    } else {
      row->set_row_number(static_cast<int64_t>(first + k + 1));
      *row->mutable_participant_enrollment() = data.Participant(first + k);
    }
    ++sent;
    if (message.rows().rows_size() >= per_message) flush();
  }
  flush();
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
      format.c_str(), skeleton ? "skeleton" : "participants", static_cast<unsigned long long>(sent),
      seconds, static_cast<double>(sent) / seconds,
      static_cast<long long>(response.rows_accepted()),
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
      "rss_mib_by_tenth=%s bytes=%llu\n",
      format.c_str(), skeleton ? "skeleton" : "participants", static_cast<unsigned long long>(sent),
      seconds, static_cast<double>(sent) / seconds,
      static_cast<long long>(response.rows_accepted()),
      static_cast<long long>(response.rows_rejected()), cpu,
      cpu > 0 ? static_cast<double>(sent) / cpu : 0.0, static_cast<long long>(first_sample.rss_kb),
      static_cast<long long>(last_sample.rss_kb), static_cast<long long>(last_sample.hwm_kb),
      rss_curve.empty() ? "none" : rss_curve.c_str(),
      static_cast<unsigned long long>(serialized_bytes));
  if (format == "grpc" && response.rows_rejected() > 0) rc = 1;
  return rc;
}
