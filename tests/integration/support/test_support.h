#pragma once
// Shared helpers for the loopback integration tests: bounded waits, reproducible payloads,
// checksums, descriptor limits, memory readings and a blocking POSIX TCP client for sending
// hand-crafted bytes. Everything here talks to 127.0.0.1 / ::1 only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace integration {

using namespace std::chrono_literals;

// --- build flavour ---------------------------------------------------------------------------

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool under_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool under_sanitizer = true;
#else
inline constexpr bool under_sanitizer = false;
#endif
#else
inline constexpr bool under_sanitizer = false;
#endif

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool under_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool under_asan = true;
#else
inline constexpr bool under_asan = false;
#endif
#else
inline constexpr bool under_asan = false;
#endif

/// `normal` in a plain build, `sanitized` under ASan/TSan (which run several times slower).
constexpr std::size_t scaled(std::size_t normal, std::size_t sanitized) {
  return under_sanitizer ? sanitized : normal;
}

/// The bound for "this should happen soon": generous, since the machine is shared and
/// sanitizers are slow. A test that needs it is broken; it only keeps a failure from hanging.
inline constexpr std::chrono::milliseconds long_wait = under_sanitizer ? 90s : 30s;

// --- waiting ---------------------------------------------------------------------------------

/// Polls `pred` every millisecond until it is true or `timeout` passes; returns its last value.
template <typename Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds timeout = long_wait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(1ms);
  }
}

// --- payloads and checksums ------------------------------------------------------------------

/// `size` bytes from `rng` (reproducible for a given seed).
std::vector<std::uint8_t> random_payload(std::mt19937_64& rng, std::size_t size);
/// Mostly 1 B – 4 KiB; one in `large_one_in` up to `large_max`.
std::size_t random_size(std::mt19937_64& rng, std::size_t large_one_in = 20,
                        std::size_t large_max = 256 * 1024);

std::uint32_t crc32(std::span<const std::uint8_t> data);
std::uint64_t fnv1a(std::span<const std::uint8_t> data);

std::vector<std::uint8_t> bytes_of(std::string_view text);
std::string text_of(std::span<const std::uint8_t> data);

/// A length-prefixed frame (4-byte big-endian length, then the payload) as a peer sends it.
std::vector<std::uint8_t> length_prefixed(std::span<const std::uint8_t> payload);
/// Only the 4-byte big-endian prefix announcing `length` bytes.
std::vector<std::uint8_t> length_prefix(std::uint32_t length);

// --- process ---------------------------------------------------------------------------------

/// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit.
std::size_t raise_fd_limit();
/// VmRSS of this process in KiB (0 if unreadable).
std::size_t vm_rss_kib();
/// True if a TCP socket can bind to ::1.
bool ipv6_loopback_available();
/// A port on 127.0.0.1 that nothing listens on (bound, then released).
std::uint16_t closed_port();

/// getsockopt(fd, level, name) as int, or nullopt on failure.
std::optional<int> int_socket_option(int fd, int level, int name);

// --- a blocking POSIX TCP client ---------------------------------------------------------------

/// A plain socket for sending hand-crafted bytes and watching what comes back. Every receive
/// takes a timeout; nothing blocks for ever.
class raw_client {
 public:
  raw_client() = default;
  ~raw_client();
  raw_client(raw_client&& other) noexcept;
  raw_client& operator=(raw_client&& other) noexcept;
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  /// Takes ownership of a connected socket.
  static raw_client adopt(int fd);

  /// Connects to host:port ("127.0.0.1" or "::1"); `receive_buffer` > 0 sets SO_RCVBUF before
  /// connecting (so the window is small from the start). Returns false on failure.
  bool connect(std::string_view host, std::uint16_t port, int receive_buffer = 0);
  /// Starts a non-blocking connect and returns without waiting for it.
  bool connect_nonblocking(std::string_view host, std::uint16_t port);
  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] std::uint16_t local_port() const;

  /// Sends every byte (blocking). False on an error.
  bool send_all(std::span<const std::uint8_t> data);
  bool send_all(std::string_view text);

  /// What one recv() gives within `timeout`: bytes, or an empty vector with eof()/error set.
  std::vector<std::uint8_t> receive_some(std::chrono::milliseconds timeout = long_wait);
  /// Receives until `count` bytes arrived, EOF, an error or the timeout.
  std::vector<std::uint8_t> receive_exactly(std::size_t count,
                                            std::chrono::milliseconds timeout = long_wait);
  /// Receives one length-prefixed frame's payload, or nullopt.
  std::optional<std::vector<std::uint8_t>> receive_frame(
      std::chrono::milliseconds timeout = long_wait);
  /// Reads and discards until the peer closes (EOF or reset) within `timeout`; true if it did.
  bool wait_closed_by_peer(std::chrono::milliseconds timeout = long_wait);

  [[nodiscard]] bool eof() const noexcept { return eof_; }
  /// errno of the last failed call (ECONNRESET, ...), 0 if none.
  [[nodiscard]] int last_errno() const noexcept { return errno_; }

  /// SO_RCVBUF on the connected socket (e.g. to let a slow reader catch up quickly).
  void set_receive_buffer(int bytes);

  /// shutdown(SHUT_WR): a half-close, the peer reads EOF.
  void shutdown_write();
  /// SO_LINGER {1, 0} then close(): the peer sees a reset.
  void reset();
  void close();

 private:
  int fd_ = -1;
  bool eof_ = false;
  int errno_ = 0;
};

/// A plain listening socket on 127.0.0.1 whose connections the test accepts (or not) itself.
class raw_listener {
 public:
  raw_listener() = default;
  ~raw_listener();
  raw_listener(const raw_listener&) = delete;
  raw_listener& operator=(const raw_listener&) = delete;

  /// Listens on 127.0.0.1, port chosen by the OS. `receive_buffer` > 0 sets SO_RCVBUF, which
  /// accepted sockets inherit (a small window from the first byte).
  bool listen(int backlog = 16, int receive_buffer = 0);
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }
  /// Accepts one connection within `timeout`; an unopened raw_client on timeout.
  raw_client accept(std::chrono::milliseconds timeout = long_wait);
  void close();

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace integration
