#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace paritrana::test_support {

// A fresh folder of the test's own under GoogleTest's temporary directory (TEST_TMPDIR when the
// runner sets it), removed with everything in it when this object goes. Every test that needs
// files uses it, so there is one way to name, create and clean up a test's folder. The name is
// `prefix` plus mkdtemp's random suffix, so tests running at once (ctest -j) never share one.
class TempDir final {
 public:
  // Fails the current test (ADD_FAILURE) and leaves path() empty if the folder cannot be made.
  explicit TempDir(absl::string_view prefix = "paritrana");
  ~TempDir();

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(absl::string_view name) const;

 private:
  std::string path_;
};

}  // namespace paritrana::test_support
