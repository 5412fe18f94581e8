#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace paritrana::test_support {

// A child process started from a binary of this build, with its stdout captured, so tests can
// run the real service binaries the way operators do.
class ChildProcess final {
 public:
  ChildProcess(const std::string& binary, const std::vector<std::string>& args);
  ~ChildProcess();  // SIGKILLs the child if it still runs

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads stdout until a line containing `needle` appears; returns it, or "" after `timeout`.
  std::string WaitForLine(const std::string& needle, absl::Duration timeout);
  void Signal(int signal);
  // Waits up to `timeout` for the child to exit; returns its exit status, or -1 on timeout.
  int Wait(absl::Duration timeout);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool exited_ = false;
};

// Sends `signal` to the child `pid` and reaps it; SIGKILLs it if it has not exited after
// `grace`, and then says so (DEADLINE_EXCEEDED naming `name`). What the test servers' Stop do.
absl::Status StopChild(pid_t pid, int signal, absl::Duration grace, const std::string& name);

}  // namespace paritrana::test_support
