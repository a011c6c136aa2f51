#pragma once
// The fuzz targets' invariant check: a violated invariant aborts, so that libFuzzer reports the
// input as a crash and keeps it (make fuzz names the target that failed).

#include <cstdio>
#include <cstdlib>

namespace fuzz_support {

inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace fuzz_support
