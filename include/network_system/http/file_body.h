#pragma once
// file_body: a response body that is a byte range of an open file, for a response to carry
// instead of an in-memory body (response::set_file). What http::static_files answers with.
//
//   auto f = http::file_body::open("/srv/www/video.mp4");
//   if (f.is_err()) { /* f.error().message names the path and the reason */ }
//   res.set_file(f.value(), "video/mp4");                   // the whole file
//   res.set_file(f.value().slice(1000, 500).value(), "video/mp4");  // bytes 1000..1499
//
// A file_body holds a shared, read-only descriptor (O_RDONLY | O_CLOEXEC): copies share it,
// and it is closed when the last copy is destroyed, so a response may be copied, moved into a
// write queue and outlive the handler. With the descriptor it keeps what fstat(2) said when
// the file was opened (size, mtime, inode, device): the validators (ETag, Last-Modified) a
// handler derives from them describe exactly the bytes that go out, even if the path is
// replaced meanwhile (a new file under the same name is a new inode; the open one stays).
//
// How the bytes go out:
//   - plain TCP: the server writes response::to_head() and then calls
//     sendfile(2)(socket, fd(), &off, length()) with off starting at offset(), until length()
//     bytes are sent; the file's bytes never pass through user space. sendfile with an offset
//     pointer leaves the descriptor's own file position alone, so several responses sharing a
//     descriptor may be sent at once from different threads;
//   - TLS (where sendfile cannot encrypt), tests, and anything else: response::serialize()
//     appends the bytes read with pread(2) (append_to), or a server reads them piecewise with
//     read_at() to bound its buffer.
// The file's content is not pinned: if the file is truncated after open, fewer bytes than
// length() can be read. append_to and read_at report that (error below); a server that
// already sent a head with Content-Length must then close the connection, as sendfile(2)
// returning 0 early means the same thing.
//
// Thread-safety: a value type holding a shared descriptor. Distinct copies may be used from
// distinct threads at once, and every const method may be called on one object from several
// threads at once (pread and fstat do not use the file position).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "network_system/core/result.h"

namespace network_system::http {

/// What fstat(2) said of a file when it was opened.
struct file_info {
  std::uint64_t size = 0;   ///< st_size, bytes
  std::int64_t mtime_ns = 0;  ///< st_mtim in nanoseconds since the Unix epoch
  std::uint64_t inode = 0;  ///< st_ino
  std::uint64_t device = 0;  ///< st_dev
  /// The mtime as a system_clock time.
  [[nodiscard]] std::chrono::system_clock::time_point mtime() const noexcept {
    return std::chrono::system_clock::time_point{
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds{mtime_ns})};
  }
  friend bool operator==(const file_info&, const file_info&) = default;
};

class file_body {
 public:
  /// Opens `path` read-only and takes the whole file (offset 0, length = its size). The open
  /// uses O_NONBLOCK, so that a FIFO at that path is refused instead of blocking the thread.
  /// Errors: error_codes::invalid_argument when open(2) or fstat(2) fails (the message names
  /// the path and strerror) or the path is not a regular file (a directory, FIFO, device).
  static Result<file_body> open(const std::string& path);

  /// Takes ownership of `fd`, an open, readable descriptor, and takes the whole file. `fd` is
  /// closed when the last copy goes away, and at once when this fails.
  /// Errors: error_codes::invalid_argument when fd < 0, fstat(2) fails, or fd is not a
  /// regular file.
  static Result<file_body> adopt(int fd);

  /// The same file, bytes [offset, offset + length) of the file (offsets count from the start
  /// of the file, not of this body); shares the descriptor. length 0 is allowed.
  /// Errors: error_codes::invalid_argument when the range ends beyond info().size.
  [[nodiscard]] Result<file_body> slice(std::uint64_t offset, std::uint64_t length) const;

  /// The descriptor, for sendfile(2). Valid while this object (or a copy) lives; do not close
  /// it, and do not read(2) or lseek(2) it (copies share its position; use pread/sendfile
  /// with an explicit offset).
  [[nodiscard]] int fd() const noexcept;
  /// Where the bytes start in the file.
  [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }
  /// How many bytes the body has: the response's Content-Length.
  [[nodiscard]] std::uint64_t length() const noexcept { return length_; }
  /// fstat's facts at open time; info().size is the whole file's size (what a Content-Range
  /// reports after the '/').
  [[nodiscard]] const file_info& info() const noexcept;

  /// Reads up to out.size() bytes of the body starting `pos` bytes into it (not into the
  /// file), with pread(2); returns the count, 0 when pos >= length(). Retries EINTR.
  /// Errors: error_codes::invalid_state when pread fails (strerror in the message) or the
  /// file ends before the body does (it was truncated after open).
  [[nodiscard]] Result<std::size_t> read_at(std::uint64_t pos, std::span<char> out) const;

  /// Appends the whole body (length() bytes) to `out`. Errors: as read_at; `out` is then left
  /// as it was.
  [[nodiscard]] VoidResult append_to(std::string& out) const;

 private:
  struct handle;
  file_body(std::shared_ptr<const handle> h, std::uint64_t offset, std::uint64_t length) noexcept
      : handle_(std::move(h)), offset_(offset), length_(length) {}

  std::shared_ptr<const handle> handle_;
  std::uint64_t offset_ = 0;
  std::uint64_t length_ = 0;
};

}  // namespace network_system::http
