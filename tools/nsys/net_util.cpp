#include "net_util.h"

#include <netdb.h>
#include <sched.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace nsys {

std::string errno_text(int err) { return std::strerror(err); }

std::string format_host_port(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

endpoint resolve(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    throw fatal_error("resolve '" + host + "': " + ::gai_strerror(rc));
  }
  endpoint ep;
  std::memcpy(&ep.addr, found->ai_addr, found->ai_addrlen);
  ep.len = found->ai_addrlen;
  char text[NI_MAXHOST] = {};
  ::getnameinfo(found->ai_addr, found->ai_addrlen, text, sizeof(text), nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(found);
  ep.text = format_host_port(text, port);
  return ep;
}

std::uint64_t raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (cpu < 0 || cpu >= CPU_SETSIZE || ::sched_setaffinity(0, sizeof(set), &set) != 0) {
    throw fatal_error(
        "pin to CPU " + std::to_string(cpu) + ": " +
        (cpu < 0 || cpu >= CPU_SETSIZE ? std::string("no such CPU") : errno_text(errno)));
  }
}

}  // namespace nsys
