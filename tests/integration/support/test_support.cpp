#include "integration/support/test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <utility>

namespace integration {

namespace {

bool make_address(std::string_view host, std::uint16_t port, sockaddr_storage& out,
                  socklen_t& len) {
  std::memset(&out, 0, sizeof(out));
  const std::string h(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

std::uint16_t port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  }
  return 0;
}

std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

}  // namespace

// --- payloads and checksums ------------------------------------------------------------------

std::vector<std::uint8_t> random_payload(std::mt19937_64& rng, std::size_t size) {
  std::vector<std::uint8_t> out(size);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  if (i < size) {
    const std::uint64_t v = rng();
    std::memcpy(out.data() + i, &v, size - i);
  }
  return out;
}

std::size_t random_size(std::mt19937_64& rng, std::size_t large_one_in, std::size_t large_max) {
  if (large_one_in > 0 && rng() % large_one_in == 0) {
    return std::uniform_int_distribution<std::size_t>(1, large_max)(rng);
  }
  return std::uniform_int_distribution<std::size_t>(1, 4096)(rng);
}

std::uint32_t crc32(std::span<const std::uint8_t> data) {
  static const auto table = make_crc_table();
  std::uint32_t c = 0xFFFFFFFFu;
  for (const auto b : data) c = table[(c ^ b) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::uint64_t fnv1a(std::span<const std::uint8_t> data) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const auto b : data) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

std::string text_of(std::span<const std::uint8_t> data) {
  return {data.begin(), data.end()};
}

std::vector<std::uint8_t> length_prefix(std::uint32_t length) {
  return {static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
          static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
}

std::vector<std::uint8_t> length_prefixed(std::span<const std::uint8_t> payload) {
  auto out = length_prefix(static_cast<std::uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// --- process ---------------------------------------------------------------------------------

std::size_t raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  return static_cast<std::size_t>(lim.rlim_cur);
}

std::size_t vm_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

bool ipv6_loopback_available() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_storage addr{};
  socklen_t len = 0;
  make_address("::1", 0, addr, len);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  ::close(fd);
  return ok;
}

std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_storage addr{};
  socklen_t len = 0;
  make_address("127.0.0.1", 0, addr, len);
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) {
    sockaddr_storage bound{};
    socklen_t blen = sizeof(bound);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen) == 0) port = port_of(bound);
  }
  ::close(fd);  // never listened: a connect gets RST
  return port;
}

std::optional<int> int_socket_option(int fd, int level, int name) {
  int value = 0;
  socklen_t len = sizeof(value);
  if (::getsockopt(fd, level, name, &value, &len) != 0) return std::nullopt;
  return value;
}

// --- raw_client --------------------------------------------------------------------------------

raw_client::~raw_client() { close(); }

raw_client::raw_client(raw_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), eof_(other.eof_), errno_(other.errno_) {}

raw_client& raw_client::operator=(raw_client&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    eof_ = other.eof_;
    errno_ = other.errno_;
  }
  return *this;
}

raw_client raw_client::adopt(int fd) {
  raw_client c;
  c.fd_ = fd;
  return c;
}

bool raw_client::connect(std::string_view host, std::uint16_t port, int receive_buffer) {
  close();
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!make_address(host, port, addr, len)) return false;
  fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    errno_ = errno;
    return false;
  }
  if (receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int rc = 0;
  do {
    rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    errno_ = errno;
    close();
    return false;
  }
  return true;
}

bool raw_client::connect_nonblocking(std::string_view host, std::uint16_t port) {
  close();
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!make_address(host, port, addr, len)) return false;
  fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    errno_ = errno;
    return false;
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 && errno != EINPROGRESS) {
    errno_ = errno;
    close();
    return false;
  }
  return true;
}

std::uint16_t raw_client::local_port() const {
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  if (fd_ < 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len) != 0) return 0;
  return port_of(local);
}

bool raw_client::send_all(std::span<const std::uint8_t> data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      errno_ = errno;
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool raw_client::send_all(std::string_view text) {
  return send_all(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::vector<std::uint8_t> raw_client::receive_some(std::chrono::milliseconds timeout) {
  if (fd_ < 0 || eof_) return {};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return {};  // timeout
    std::vector<std::uint8_t> buf(64 * 1024);
    const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n > 0) {
      buf.resize(static_cast<std::size_t>(n));
      return buf;
    }
    if (n == 0) {
      eof_ = true;
      return {};
    }
    if (errno == EINTR || errno == EAGAIN) continue;
    errno_ = errno;
    eof_ = true;  // reset: nothing more will come
    return {};
  }
}

std::vector<std::uint8_t> raw_client::receive_exactly(std::size_t count,
                                                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::uint8_t> out;
  while (out.size() < count && !eof_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (fd_ < 0) break;
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) break;
    const std::size_t want = count - out.size();
    const std::size_t old = out.size();
    out.resize(old + want);
    const ssize_t n = ::recv(fd_, out.data() + old, want, MSG_DONTWAIT);
    if (n > 0) {
      out.resize(old + static_cast<std::size_t>(n));
      continue;
    }
    out.resize(old);
    if (n == 0) {
      eof_ = true;
      break;
    }
    if (errno == EINTR || errno == EAGAIN) continue;
    errno_ = errno;
    eof_ = true;
    break;
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> raw_client::receive_frame(
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto prefix = receive_exactly(4, timeout);
  if (prefix.size() != 4) return std::nullopt;
  const std::size_t length = (std::size_t{prefix[0]} << 24) | (std::size_t{prefix[1]} << 16) |
                             (std::size_t{prefix[2]} << 8) | std::size_t{prefix[3]};
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  auto payload = receive_exactly(length, std::max(left, std::chrono::milliseconds(1)));
  if (payload.size() != length) return std::nullopt;
  return payload;
}

bool raw_client::wait_closed_by_peer(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    (void)receive_some(left);
  }
  return true;
}

void raw_client::set_receive_buffer(int bytes) {
  if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

void raw_client::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void raw_client::reset() {
  if (fd_ < 0) return;
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  close();
}

void raw_client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// --- raw_listener ------------------------------------------------------------------------------

raw_listener::~raw_listener() { close(); }

bool raw_listener::listen(int backlog, int receive_buffer) {
  close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  if (receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  sockaddr_storage addr{};
  socklen_t len = 0;
  make_address("127.0.0.1", 0, addr, len);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, backlog) != 0) {
    close();
    return false;
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof(bound);
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &blen) != 0) {
    close();
    return false;
  }
  port_ = port_of(bound);
  return true;
}

raw_client raw_listener::accept(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return {};
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return {};
  const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return {};
  return raw_client::adopt(fd);
}

void raw_listener::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  port_ = 0;
}

}  // namespace integration
