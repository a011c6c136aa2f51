#pragma once
// Small POSIX helpers shared by the nsys commands: name resolution, descriptor limits, CPU
// pinning, and the error type that ends a command with exit code 1.

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace nsys {

/// A failure that ends the command: printed as "nsys <cmd>: error: <what>", exit code 1.
class fatal_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;  ///< "127.0.0.1:8080" or "[::1]:8080"
};

/// Resolves host (a name or an address) and port to the first TCP address. Throws fatal_error.
endpoint resolve(const std::string& host, std::uint16_t port);

/// "[::1]:8080" for IPv6 addresses, "127.0.0.1:8080" otherwise.
std::string format_host_port(const std::string& host, std::uint16_t port);

/// Raises the RLIMIT_NOFILE soft limit to the hard limit; returns the new soft limit.
std::uint64_t raise_fd_limit();

/// Pins the calling thread to CPU `cpu`. Throws fatal_error when that CPU cannot be used.
void pin_to_cpu(int cpu);

/// Monotonic nanoseconds (steady_clock); cheap through the vDSO.
inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// "Connection refused" for errno values.
std::string errno_text(int err);

}  // namespace nsys
