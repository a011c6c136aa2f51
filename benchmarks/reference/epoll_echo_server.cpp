// epoll_echo_server: the physical-limit reference of the loopback benchmarks (SPEC §10).
//
// One thread, raw epoll, non-blocking sockets, TCP_NODELAY, the library's wire format (4-byte
// big-endian length, then the payload). Each readable connection is read until the socket is
// empty, and every complete frame is written back at once. Nothing here is clever on purpose:
// it is the bar any messaging server on this machine is measured against.
//
//   epoll_echo_server --port 0 --bind 127.0.0.1     # prints "port=NNNN", stops on SIGINT/TERM

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "reference_common.h"

namespace {

constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::uint32_t max_frame = 16u * 1024u * 1024u;  // the library's default limit

struct connection {
  int fd = -1;
  // Allocated on the first read (idle connections hold nothing) and not zero-filled.
  std::unique_ptr<std::uint8_t[]> in;
  std::size_t in_cap = 0;
  std::size_t in_len = 0;
  std::vector<std::uint8_t> out;  // bytes the socket did not take yet
  std::size_t out_off = 0;
  bool writing = false;  // waiting for EPOLLOUT (reading paused: that is the back-pressure)
};

std::vector<std::unique_ptr<connection>> conns;  // indexed by fd
int ep = -1;

void close_conn(connection* c) {
  ::close(c->fd);  // also removes it from the epoll set
  conns[static_cast<std::size_t>(c->fd)].reset();
}

void set_interest(connection* c, bool want_write) {
  if (c->writing == want_write) return;
  c->writing = want_write;
  epoll_event ev{};
  ev.events = want_write ? EPOLLOUT : EPOLLIN;
  ev.data.fd = c->fd;
  ::epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

// Sends bytes, keeping what the socket refused in c->out. False: the connection failed.
bool send_bytes(connection* c, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(c->fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return false;
      c->out.insert(c->out.end(), p, p + n);
      set_interest(c, true);
      return true;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void on_writable(connection* c) {
  const std::size_t n = c->out.size() - c->out_off;
  const ssize_t w = ::send(c->fd, c->out.data() + c->out_off, n, MSG_NOSIGNAL);
  if (w < 0) {
    if (errno != EAGAIN && errno != EINTR) close_conn(c);
    return;
  }
  c->out_off += static_cast<std::size_t>(w);
  if (c->out_off == c->out.size()) {
    c->out.clear();
    c->out_off = 0;
    set_interest(c, false);
  }
}

void grow_input(connection* c, std::size_t cap) {
  auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(cap);
  if (c->in_len > 0) std::memcpy(bigger.get(), c->in.get(), c->in_len);
  c->in = std::move(bigger);
  c->in_cap = cap;
}

void on_readable(connection* c) {
  for (;;) {
    if (c->in_cap - c->in_len < read_chunk / 4) grow_input(c, c->in_len + read_chunk);
    const std::size_t space = c->in_cap - c->in_len;
    const ssize_t r = ::recv(c->fd, c->in.get() + c->in_len, space, 0);
    if (r == 0) return close_conn(c);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return close_conn(c);
      return;
    }
    c->in_len += static_cast<std::size_t>(r);

    // The echo of complete frames is the same bytes: find where they end, send that range.
    std::size_t done = 0;
    while (c->in_len - done >= 4) {
      std::uint32_t len;
      std::memcpy(&len, c->in.get() + done, 4);
      len = ntohl(len);
      if (len > max_frame) return close_conn(c);
      if (c->in_len - done - 4 < len) break;
      done += 4 + std::size_t{len};
    }
    if (done > 0) {
      if (!send_bytes(c, c->in.get(), done)) return close_conn(c);
      c->in_len -= done;
      if (c->in_len > 0) std::memmove(c->in.get(), c->in.get() + done, c->in_len);
    }
    if (c->in_len >= 4) {  // a frame larger than the buffer: make room for all of it
      std::uint32_t len;
      std::memcpy(&len, c->in.get(), 4);
      const std::size_t need = 4 + std::size_t{ntohl(len)};
      if (need > c->in_cap) grow_input(c, need + read_chunk / 4);
    }
    if (c->writing) return;  // the peer does not read: stop reading until it does
    if (static_cast<std::size_t>(r) < space) return;  // a short read: the socket is drained
  }
}

void on_acceptable(int listener) {
  for (;;) {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN) std::perror("accept4");
      return;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (conns.size() <= static_cast<std::size_t>(fd))
      conns.resize(static_cast<std::size_t>(fd) + 1024);
    auto c = std::make_unique<connection>();
    c->fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    conns[static_cast<std::size_t>(fd)] = std::move(c);
  }
}

}  // namespace

int main(int argc, char** argv) {
  reference::options opt;
  const int rc = reference::parse_options(argc, argv, "epoll_echo_server", opt);
  if (rc >= 0) return rc;

  rlimit rl{};  // 10,000 idle connections need more descriptors than the default soft limit
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }

  static volatile sig_atomic_t stop = 0;
  const sigset_t wait_mask = reference::block_stop_signals(stop);

  const int listener = reference::bound_socket(opt, SOCK_STREAM, "epoll_echo_server");
  if (listener < 0) return 1;
  if (::listen(listener, 4096) != 0) {
    std::perror("epoll_echo_server: listen");
    return 1;
  }
  ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.fd = listener;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &lev);
  std::printf("port=%u\n", reference::bound_port(listener));
  std::fflush(stdout);

  std::vector<epoll_event> events(512);
  while (!stop) {
    const int n = ::epoll_pwait(ep, events.data(), static_cast<int>(events.size()), -1, &wait_mask);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("epoll_pwait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == listener) {
        on_acceptable(listener);
        continue;
      }
      connection* c = conns[static_cast<std::size_t>(fd)].get();
      if (c == nullptr) continue;  // closed earlier in this batch
      if (c->writing) {
        on_writable(c);
      } else {
        on_readable(c);
      }
    }
  }
  for (auto& c : conns) {
    if (c) ::close(c->fd);
  }
  return 0;
}
