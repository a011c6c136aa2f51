#pragma once
// What the reference servers share: the command line, the bound socket and the stop signals.
// Plain system calls only, like the servers themselves (they must not depend on the library).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace reference {

struct options {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;
};

/// Parses `--port P --bind ADDR`. Returns -1 to go on, else the exit code (0 for --help).
inline int parse_options(int argc, char** argv, const char* name, options& out) {
  long port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--port" && i + 1 < argc) {
      port = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--bind" && i + 1 < argc) {
      out.bind = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--port P (0 = any)] [--bind ADDR (127.0.0.1)]\n", argv[0]);
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "%s: --port must be 0..65535\n", name);
    return 2;
  }
  out.port = static_cast<std::uint16_t>(port);
  return -1;
}

/// A non-blocking socket of `type` bound to the options' address (SO_REUSEADDR for streams),
/// or -1 with the reason on stderr.
inline int bound_socket(const options& o, int type, const char* name) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, o.bind.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(o.port);
    len = sizeof(*v4);
  } else if (::inet_pton(AF_INET6, o.bind.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(o.port);
    len = sizeof(*v6);
  } else {
    std::fprintf(stderr, "%s: '%s' is not an IP address\n", name, o.bind.c_str());
    return -1;
  }
  const int fd = ::socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0 && type == SOCK_STREAM) {
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  }
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    std::fprintf(stderr, "%s: bind %s:%u: %s\n", name, o.bind.c_str(), o.port,
                 std::strerror(errno));
    return -1;
  }
  return fd;
}

inline std::uint16_t bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

/// Blocks SIGINT/SIGTERM except inside the epoll_pwait that is given the returned mask, so a
/// stop is never missed between two waits; `stop` becomes 1 on either signal.
inline sigset_t block_stop_signals(volatile sig_atomic_t& stop) {
  static volatile sig_atomic_t* flag = nullptr;
  flag = &stop;
  sigset_t stop_set, wait_mask;
  sigemptyset(&stop_set);
  sigaddset(&stop_set, SIGINT);
  sigaddset(&stop_set, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stop_set, &wait_mask);
  sigdelset(&wait_mask, SIGINT);
  sigdelset(&wait_mask, SIGTERM);
  struct sigaction sa {};
  sa.sa_handler = [](int) { *flag = 1; };
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  return wait_mask;
}

}  // namespace reference
