#include "network_system/http/file_body.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "network_system/core/error_codes.h"

namespace network_system::http {

struct file_body::handle {
  int fd = -1;
  file_info info;
  explicit handle(int f, file_info i) noexcept : fd(f), info(i) {}
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  ~handle() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {

Result<file_body> fail(std::string message, int err = 0) {
  return error<file_body>(error_codes::invalid_argument, std::move(message), "http::file_body",
                          err ? std::string(std::strerror(err)) : std::string{});
}

}  // namespace

Result<file_body> file_body::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    return fail("open file \"" + path + "\": " + std::strerror(err), err);
  }
  auto r = adopt(fd);
  if (r.is_err()) {
    return fail("open file \"" + path + "\": " + r.error().message);
  }
  return r;
}

Result<file_body> file_body::adopt(int fd) {
  if (fd < 0) return fail("adopt file descriptor " + std::to_string(fd) + ": not a descriptor");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return fail("fstat descriptor " + std::to_string(fd) + ": " + std::strerror(err), err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail("descriptor " + std::to_string(fd) + " is not a regular file");
  }
  const file_info info{.size = static_cast<std::uint64_t>(st.st_size),
                       .mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                                   st.st_mtim.tv_nsec,
                       .inode = static_cast<std::uint64_t>(st.st_ino),
                       .device = static_cast<std::uint64_t>(st.st_dev)};
  return file_body(std::make_shared<const handle>(fd, info), 0, info.size);
}

Result<file_body> file_body::slice(std::uint64_t offset, std::uint64_t length) const {
  const std::uint64_t size = handle_->info.size;
  if (offset > size || length > size - offset) {
    return fail("slice of " + std::to_string(length) + " bytes at " + std::to_string(offset) +
                " is beyond the end of a " + std::to_string(size) + "-byte file");
  }
  return file_body(handle_, offset, length);
}

int file_body::fd() const noexcept { return handle_->fd; }

const file_info& file_body::info() const noexcept { return handle_->info; }

Result<std::size_t> file_body::read_at(std::uint64_t pos, std::span<char> out) const {
  if (pos >= length_ || out.empty()) return std::size_t{0};
  const std::uint64_t want64 = std::min<std::uint64_t>(out.size(), length_ - pos);
  const auto want = static_cast<std::size_t>(want64);
  const auto at = static_cast<off_t>(offset_ + pos);
  ssize_t n = 0;
  do {
    n = ::pread(handle_->fd, out.data(), want, at);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    const int err = errno;
    return error<std::size_t>(error_codes::invalid_state,
                              "read file at " + std::to_string(offset_ + pos) + ": " +
                                  std::strerror(err),
                              "http::file_body", std::strerror(err));
  }
  if (n == 0) {
    return error<std::size_t>(error_codes::invalid_state,
                              "read file at " + std::to_string(offset_ + pos) +
                                  ": the file ended early (truncated after it was opened)",
                              "http::file_body");
  }
  return static_cast<std::size_t>(n);
}

VoidResult file_body::append_to(std::string& out) const {
  const std::size_t before = out.size();
  out.resize(before + static_cast<std::size_t>(length_));
  std::uint64_t done = 0;
  while (done < length_) {
    auto r = read_at(done, std::span<char>(out.data() + before + done, length_ - done));
    if (r.is_err()) {
      out.resize(before);
      return VoidResult(r.error());
    }
    done += r.value();
  }
  return ok();
}

}  // namespace network_system::http
