#include "http/detail/static_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/url.h"

namespace network_system::http::detail {

namespace {

constexpr int open_flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

int hex(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one raw segment into `out`, refusing what could act as structure once decoded:
// '/', '\' and NUL, raw or escaped, and a bad escape.
bool decode_segment(std::string_view raw, std::string& out) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) return false;
      const int hi = hex(raw[i + 1]);
      const int lo = hex(raw[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '/' || c == '\\' || c == '\0') return false;
    out += c;
  }
  return true;
}

long sys_openat2(int dirfd, const char* path, int flags) noexcept {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long r = 0;
  do {
    r = ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  } while (r < 0 && errno == EINTR);
  return r;
}

}  // namespace

std::optional<safe_path> to_safe_path(std::string_view raw, bool serve_hidden) {
  safe_path out;
  if (raw.empty()) {
    out.trailing_slash = true;
    return out;
  }
  if (raw.size() > PATH_MAX) return std::nullopt;
  std::string seg;
  std::size_t start = 0;
  while (true) {
    const auto slash = raw.find('/', start);
    const auto piece = raw.substr(start, slash == std::string_view::npos ? raw.npos : slash - start);
    const bool last = slash == std::string_view::npos;
    if (piece.empty()) {
      // Only the segment after a final '/' may be empty: "dir/" is a directory, "a//b" and
      // "/etc" (an absolute path below the mount) are refused.
      if (!last || start == 0) return std::nullopt;
      out.trailing_slash = true;
      break;
    }
    seg.clear();
    if (!decode_segment(piece, seg)) return std::nullopt;
    if (seg == "." || seg == "..") return std::nullopt;
    if (seg.front() == '.' && !serve_hidden) return std::nullopt;
    if (!out.rel.empty()) out.rel += '/';
    out.rel += seg;
    if (last) break;
    start = slash + 1;
  }
  return out;
}

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<root_dir> root_dir::open(const std::string& path, containment mode) {
  root_dir r;
  const int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return error<root_dir>(error_codes::invalid_argument,
                           "static files: open root \"" + path + "\": " + std::strerror(err),
                           "http::static_files", std::strerror(err));
  }
  r.fd_ = unique_fd(fd);
  if (mode != containment::realpath) {
    // One probe tells whether the kernel (or a seccomp filter in front of it) lets openat2
    // through; the answer holds for the life of the process.
    const long probe = sys_openat2(fd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);
    if (probe >= 0) {
      ::close(static_cast<int>(probe));
      r.beneath_ = true;
    } else if (errno != ENOSYS && errno != EPERM) {
      const int err = errno;
      return error<root_dir>(error_codes::invalid_argument,
                             "static files: open root \"" + path + "\" with openat2: " +
                                 std::strerror(err),
                             "http::static_files", std::strerror(err));
    } else if (mode == containment::beneath) {
      return error<root_dir>(error_codes::invalid_configuration,
                             "static files: containment::beneath needs openat2(2), which this "
                             "kernel refuses (" + std::string(std::strerror(errno)) + ")",
                             "http::static_files");
    }
  }
  if (!r.beneath_) {
    char* real = ::realpath(path.c_str(), nullptr);
    if (real == nullptr) {
      const int err = errno;
      return error<root_dir>(error_codes::invalid_argument,
                             "static files: resolve root \"" + path + "\": " + std::strerror(err),
                             "http::static_files", std::strerror(err));
    }
    r.real_ = real;
    std::free(real);
  }
  return r;
}

int root_dir::open_file(const std::string& rel) const {
  if (beneath_) {
    const long fd = sys_openat2(fd_.get(), rel.empty() ? "." : rel.c_str(), open_flags);
    return fd >= 0 ? static_cast<int>(fd) : -errno;
  }
  const std::string full = rel.empty() ? real_ : real_ + '/' + rel;
  char* resolved = ::realpath(full.c_str(), nullptr);
  if (resolved == nullptr) return -errno;
  const std::string real(resolved);
  std::free(resolved);
  const bool inside = real == real_ || (real.size() > real_.size() &&
                                        real.compare(0, real_.size(), real_) == 0 &&
                                        (real_ == "/" || real[real_.size()] == '/'));
  if (!inside) return -EXDEV;
  const int fd = ::open(real.c_str(), open_flags | O_NOFOLLOW);
  return fd >= 0 ? fd : -errno;
}

}  // namespace network_system::http::detail
