#pragma once
// The file-system half of http::static_files: the checks a request path must pass before the
// file system sees it, and a root directory that opens paths without letting them leave it
// (see static_files.h for the rules; this is their implementation).

#include <optional>
#include <string>
#include <string_view>

#include "network_system/core/result.h"
#include "network_system/http/static_files.h"

namespace network_system::http::detail {

/// A request path that passed the checks: decoded segments joined with '/', "" for the root.
struct safe_path {
  std::string rel;
  bool trailing_slash = false;  ///< the request path ended with '/' (or was empty)
};

/// Checks the raw (percent-encoded) path below the mount point, without a leading '/', and
/// decodes it. nullopt for anything static_files.h lists as refused.
std::optional<safe_path> to_safe_path(std::string_view raw, bool serve_hidden);

/// A descriptor closed on destruction.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd();
  [[nodiscard]] int get() const noexcept { return fd_; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

/// The served root, opened once. Read-only after open(): open_file may run on many threads.
class root_dir {
 public:
  /// Opens `path` (a directory) and settles the containment mode (automatic probes openat2).
  /// Errors: as make_static_files (invalid_argument, invalid_configuration).
  static Result<root_dir> open(const std::string& path, containment mode);

  /// Opens `rel` (from to_safe_path; "" is the root itself) read-only, O_NONBLOCK, without
  /// leaving the root. Returns the descriptor, or -errno (EXDEV, ELOOP, ENOENT, ... when the
  /// path leaves the root or does not exist).
  [[nodiscard]] int open_file(const std::string& rel) const;

  [[nodiscard]] bool uses_openat2() const noexcept { return beneath_; }

 private:
  unique_fd fd_;
  std::string real_;  // realpath of the root, for containment::realpath
  bool beneath_ = false;
};

}  // namespace network_system::http::detail
