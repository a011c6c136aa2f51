// udp_echo_server: the physical-limit reference of the UDP loopback benchmark (SPEC §10).
//
// One thread, one non-blocking socket, epoll. When the socket is readable: recvmmsg a batch,
// then sendmmsg the very same batch back, each datagram to its own sender (the receive headers
// already hold the sender addresses and lengths, so nothing is copied). Repeat until the
// socket is empty. Nothing here is clever on purpose: it is the bar any UDP server on this
// machine is measured against.
//
//   udp_echo_server --port 0 --bind 127.0.0.1     # prints "port=NNNN", stops on SIGINT/TERM

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
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

constexpr std::size_t batch = 64;
constexpr std::size_t max_datagram = 65536;  // anything larger than IPv6's limit fits
constexpr int send_retries = 100;            // × 10 ms: a stuck send buffer gives up in 1 s

struct batch_area {
  std::unique_ptr<std::uint8_t[]> bytes = std::make_unique_for_overwrite<std::uint8_t[]>(
      batch * max_datagram);
  std::vector<mmsghdr> headers = std::vector<mmsghdr>(batch);
  std::vector<iovec> iov = std::vector<iovec>(batch);
  std::vector<sockaddr_storage> senders = std::vector<sockaddr_storage>(batch);

  // recvmmsg writes msg_len and msg_namelen; reset what the previous echo changed.
  void prepare_receive() {
    for (std::size_t i = 0; i < batch; ++i) {
      iov[i] = iovec{bytes.get() + i * max_datagram, max_datagram};
      std::memset(&headers[i], 0, sizeof(mmsghdr));
      headers[i].msg_hdr.msg_iov = &iov[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      headers[i].msg_hdr.msg_name = &senders[i];
      headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
  }
};

// Sends headers[0, n) back: each iovec shrunk to what was received, each name as received.
// A datagram the kernel refuses (an ICMP error of an earlier send, say) is skipped: UDP.
void echo_batch(int fd, batch_area& a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) a.iov[i].iov_len = a.headers[i].msg_len;
  std::size_t done = 0;
  int retries = 0;
  while (done < n) {
    const int w = ::sendmmsg(fd, a.headers.data() + done, static_cast<unsigned>(n - done), 0);
    if (w > 0) {
      done += static_cast<std::size_t>(w);
      continue;
    }
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == ENOBUFS) && ++retries <= send_retries) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 10);
      continue;
    }
    ++done;  // this datagram cannot leave; the rest may
  }
}

void on_readable(int fd, batch_area& a) {
  for (;;) {
    a.prepare_receive();
    const int n = ::recvmmsg(fd, a.headers.data(), batch, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) std::perror("recvmmsg");
      return;
    }
    echo_batch(fd, a, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < batch) return;  // a short batch: the socket is drained
  }
}

}  // namespace

int main(int argc, char** argv) {
  reference::options opt;
  const int rc = reference::parse_options(argc, argv, "udp_echo_server", opt);
  if (rc >= 0) return rc;

  static volatile sig_atomic_t stop = 0;
  const sigset_t wait_mask = reference::block_stop_signals(stop);

  const int fd = reference::bound_socket(opt, SOCK_DGRAM, "udp_echo_server");
  if (fd < 0) return 1;
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  std::printf("port=%u\n", reference::bound_port(fd));
  std::fflush(stdout);

  batch_area area;
  epoll_event got{};
  while (!stop) {
    const int n = ::epoll_pwait(ep, &got, 1, -1, &wait_mask);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("epoll_pwait");
      return 1;
    }
    if (n > 0) on_readable(fd, area);
  }
  ::close(ep);
  ::close(fd);
  return 0;
}
