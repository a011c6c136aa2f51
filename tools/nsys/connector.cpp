#include "connector.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace nsys {

int start_connect(const endpoint& to, int& err) {
  err = 0;
  const int fd = ::socket(to.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno;
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to.addr), to.len) != 0 &&
      errno != EINPROGRESS) {
    err = errno;
    ::close(fd);
    return -1;
  }
  return fd;
}

int connect_result(int fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

namespace {

[[noreturn]] void fail(const endpoint& to, int err, std::vector<int>& opened) {
  for (int fd : opened) ::close(fd);
  std::string hint;
  if (err == EMFILE || err == ENFILE) hint = " (raise the descriptor limit: ulimit -n)";
  if (err == EADDRNOTAVAIL) hint = " (out of local ports: too many connections in TIME_WAIT?)";
  throw fatal_error("connect to " + to.text + ": " + errno_text(err) + hint);
}

}  // namespace

std::vector<int> connect_all(const endpoint& to, std::size_t count, std::size_t batch,
                             std::chrono::milliseconds timeout,
                             const std::function<void(std::size_t)>& progress) {
  std::vector<int> opened;
  opened.reserve(count);
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) throw fatal_error("epoll_create1: " + errno_text(errno));
  std::vector<epoll_event> events(256);
  batch = std::max<std::size_t>(batch, 1);

  while (opened.size() < count) {
    const std::size_t first = opened.size();
    const std::size_t n = std::min(batch, count - first);
    for (std::size_t i = 0; i < n; ++i) {
      int err = 0;
      const int fd = start_connect(to, err);
      if (fd < 0) {
        ::close(ep);
        fail(to, err, opened);
      }
      opened.push_back(fd);
      epoll_event ev{};
      ev.events = EPOLLOUT;
      ev.data.u64 = first + i;
      ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    // Wait until every connect of the batch finished, or the deadline.
    std::size_t pending = n;
    const std::int64_t deadline = now_ns() + std::chrono::nanoseconds(timeout).count();
    while (pending > 0) {
      const std::int64_t left_ms = (deadline - now_ns()) / 1'000'000;
      if (left_ms <= 0) {
        ::close(ep);
        fail(to, ETIMEDOUT, opened);
      }
      const int got = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()),
                                   static_cast<int>(left_ms) + 1);
      if (got < 0 && errno != EINTR) {
        ::close(ep);
        fail(to, errno, opened);
      }
      for (int i = 0; i < got; ++i) {
        const int fd = opened[events[static_cast<std::size_t>(i)].data.u64];
        if (const int err = connect_result(fd); err != 0) {
          ::close(ep);
          fail(to, err, opened);
        }
        ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        --pending;
      }
    }
    if (progress) progress(opened.size());
  }
  ::close(ep);
  return opened;
}

}  // namespace nsys
