// The write path's gather: what it costs to put N queued messages on the wire.
//
// BM_gather_iovecs models stream_connection::do_write() (src/connection/connection_io.cpp): walk the
// write queue and fill one iovec per prefix and payload. CPU only, no system call.
// BM_loopback_* send N 64-byte messages over a real TCP loopback connection, once as one
// gathered sendmsg (what the session does) and once as N send() calls (a naive write loop).
// BM_loopback_send_coalesced copies the N framed messages into one flat buffer first and sends
// that (what the raw-epoll reference effectively does), for comparison with the gather.
// All include the receiving side draining the bytes on the same thread; they compare system
// call strategies, they are NOT a throughput figure for the library.

#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "network_system/protocol/framing/frame_encoder.h"

namespace {

using network_system::protocol::framing::frame_encoder;
using network_system::protocol::framing::frame_prefix;

constexpr std::size_t message_size = 64;

struct queued_message {  // the shape of messaging_session::out_message
  std::vector<std::uint8_t> owned;
  frame_prefix prefix;
};

std::vector<queued_message> make_queue(std::size_t n) {
  frame_encoder enc;
  std::vector<queued_message> q(n);
  for (auto& m : q) {
    m.owned.assign(message_size, 0x5a);
    m.prefix = enc.prefix(m.owned.size());
  }
  return q;
}

std::size_t build_iovecs(const std::vector<queued_message>& q, std::vector<iovec>& iov) {
  std::size_t count = 0;
  for (const auto& m : q) {
    iov[count++] = {const_cast<std::uint8_t*>(m.prefix.bytes.data()), m.prefix.size};
    iov[count++] = {const_cast<std::uint8_t*>(m.owned.data()), m.owned.size()};
  }
  return count;
}

void BM_gather_iovecs(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto q = make_queue(n);
  std::vector<iovec> iov(2 * n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(build_iovecs(q, iov));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetLabel("CPU cost of building iovecs (model of do_write), no syscall");
}
BENCHMARK(BM_gather_iovecs)->Arg(1)->Arg(16)->Arg(64)->Arg(256);

// A connected TCP pair on 127.0.0.1 (blocking sockets, TCP_NODELAY on the sender).
struct loopback_pair {
  int sender = -1;
  int receiver = -1;
  loopback_pair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ::bind(listener, reinterpret_cast<sockaddr*>(&addr), len);
    ::listen(listener, 1);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    sender = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(sender, reinterpret_cast<sockaddr*>(&addr), len) == 0) {
      receiver = ::accept(listener, nullptr, nullptr);
    }
    ::close(listener);
    const int one = 1;
    ::setsockopt(sender, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~loopback_pair() {
    ::close(sender);
    ::close(receiver);
  }
  [[nodiscard]] bool ok() const { return sender >= 0 && receiver >= 0; }
  void drain(std::vector<std::uint8_t>& buf, std::size_t bytes) const {
    while (bytes > 0) {
      const ssize_t r = ::recv(receiver, buf.data(), std::min(buf.size(), bytes), 0);
      if (r <= 0) return;
      bytes -= static_cast<std::size_t>(r);
    }
  }
};

void BM_loopback_sendmsg_gathered(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  loopback_pair pair;
  if (!pair.ok()) return state.SkipWithError("no loopback connection");
  const auto q = make_queue(n);
  std::vector<iovec> iov(2 * n);
  std::vector<std::uint8_t> sink(64 * 1024);
  const std::size_t total = n * (message_size + 4);
  for (auto _ : state) {
    msghdr mh{};
    mh.msg_iov = iov.data();
    mh.msg_iovlen = build_iovecs(q, iov);
    if (::sendmsg(pair.sender, &mh, MSG_NOSIGNAL) != static_cast<ssize_t>(total)) {
      return state.SkipWithError("short sendmsg");
    }
    pair.drain(sink, total);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetLabel("1 gathered sendmsg of N x 64 B + receiver drain, TCP loopback, 1 thread");
}
BENCHMARK(BM_loopback_sendmsg_gathered)->Arg(1)->Arg(16)->Arg(64)->Arg(256);

void BM_loopback_send_each(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  loopback_pair pair;
  if (!pair.ok()) return state.SkipWithError("no loopback connection");
  // Prefix and payload contiguous, so the naive loop still needs only one send per message.
  std::vector<std::uint8_t> frame(message_size + 4, 0x5a);
  const auto prefix = frame_encoder{}.prefix(message_size);
  std::memcpy(frame.data(), prefix.bytes.data(), prefix.size);
  std::vector<std::uint8_t> sink(64 * 1024);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      if (::send(pair.sender, frame.data(), frame.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(frame.size())) {
        return state.SkipWithError("short send");
      }
    }
    pair.drain(sink, n * frame.size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetLabel("N send() calls of 64 B + receiver drain, TCP loopback, 1 thread");
}
BENCHMARK(BM_loopback_send_each)->Arg(1)->Arg(16)->Arg(64)->Arg(256);

void BM_loopback_send_coalesced(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  loopback_pair pair;
  if (!pair.ok()) return state.SkipWithError("no loopback connection");
  const auto q = make_queue(n);
  std::vector<std::uint8_t> flat;
  std::vector<std::uint8_t> sink(64 * 1024);
  for (auto _ : state) {
    flat.clear();  // keeps its capacity, as a per-thread output buffer would
    for (const auto& m : q) {
      flat.insert(flat.end(), m.prefix.bytes.begin(), m.prefix.bytes.begin() + m.prefix.size);
      flat.insert(flat.end(), m.owned.begin(), m.owned.end());
    }
    if (::send(pair.sender, flat.data(), flat.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(flat.size())) {
      return state.SkipWithError("short send");
    }
    pair.drain(sink, flat.size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetLabel("copy N x 64 B into one buffer, 1 send() + receiver drain, TCP loopback");
}
BENCHMARK(BM_loopback_send_coalesced)->Arg(1)->Arg(16)->Arg(64)->Arg(256);

}  // namespace
