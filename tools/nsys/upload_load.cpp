#include "upload_load.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <cerrno>
#include <vector>

#include "connector.h"
#include "tls_client.h"

namespace nsys {

namespace {

// Writes to one connection before the others (and the clock) get their turn: a sink faster
// than the generator would otherwise never fill the socket.
constexpr int writes_per_turn = 64;
constexpr int close_wait_ms = 2000;

struct upload_conn {
  int fd = -1;
  SSL* ssl = nullptr;
  bool alive = true;
};

// One write of at most `len` bytes; errno conventions of send().
ssize_t write_some(upload_conn& c, const std::uint8_t* data, std::size_t len, std::string& why) {
  if (c.ssl != nullptr) return tls_send(c.ssl, data, len, why);
  const ssize_t w = ::send(c.fd, data, len, MSG_NOSIGNAL);
  if (w < 0) why = errno_text(errno);
  return w;
}

// Ends a connection cleanly: close_notify and FIN, then what the server still sends (TLS
// session tickets) is read until it closes too, so that it has read everything and sees no
// reset. Bounded by close_wait_ms.
void finish(upload_conn& c) {
  if (c.ssl != nullptr) {
    if (c.alive) SSL_shutdown(c.ssl);
    SSL_free(c.ssl);
  }
  if (c.alive) {
    ::shutdown(c.fd, SHUT_WR);
    const std::int64_t until = now_ns() + std::int64_t{close_wait_ms} * 1'000'000;
    std::uint8_t sink[16384];
    for (std::int64_t now = now_ns(); now < until; now = now_ns()) {
      pollfd p{c.fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>((until - now) / 1'000'000) + 1) <= 0) break;
      const ssize_t r = ::recv(c.fd, sink, sizeof(sink), 0);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) break;
    }
  }
  ::close(c.fd);
}

// One --size payload as the server's framing wants it: length-prefixed, '\n'-ended, or raw
// bytes (for sinks that know no framing, such as openssl s_server).
std::vector<std::uint8_t> framed_chunk(const bench_options& opt) {
  std::vector<std::uint8_t> chunk;
  if (opt.framing == "length") {
    const auto n = static_cast<std::uint32_t>(opt.size);
    chunk = {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
             static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  }
  chunk.insert(chunk.end(), opt.size, 0x5a);
  if (opt.framing == "line") chunk.push_back('\n');
  return chunk;
}

}  // namespace

bench_result run_upload_load(const bench_options& opt, const endpoint& to) {
  bench_result result;
  result.workload = "upload";
  result.target = to.text;
  const auto timeout = std::chrono::milliseconds(static_cast<long>(opt.connect_timeout * 1000));
  const auto fds = connect_all(to, opt.conns, opt.conns, timeout);
  std::vector<SSL*> tls;
  if (opt.proto == "tls") tls = handshake_all(opt.tls, fds, to.text, timeout);
  std::vector<upload_conn> conns(fds.size());
  std::vector<pollfd> polls(fds.size());
  for (std::size_t i = 0; i < fds.size(); ++i) {
    conns[i].fd = fds[i];
    conns[i].ssl = tls.empty() ? nullptr : tls[i];
    polls[i] = {fds[i], POLLOUT, 0};
  }

  // Every chunk is the same bytes from the same buffer, so a TLS write that must be retried
  // is retried with exactly what it started with.
  const std::vector<std::uint8_t> chunk = framed_chunk(opt);
  std::vector<std::size_t> chunk_off(conns.size(), 0);
  const std::int64_t start = now_ns();
  const std::int64_t measure = start + static_cast<std::int64_t>(opt.warmup * 1e9);
  const std::int64_t deadline = measure + static_cast<std::int64_t>(opt.duration * 1e9);
  bool measuring = opt.warmup <= 0;
  std::size_t alive = conns.size();
  std::int64_t now = start;
  while (alive > 0 && now < deadline) {
    if (::poll(polls.data(), polls.size(), 50) < 0 && errno != EINTR) {
      throw fatal_error("poll: " + errno_text(errno));
    }
    for (std::size_t i = 0; i < conns.size(); ++i) {
      auto& c = conns[i];
      if (!c.alive || (polls[i].revents & (POLLOUT | POLLERR | POLLHUP)) == 0) continue;
      for (int n = 0; n < writes_per_turn; ++n) {  // until the socket is full, or its turn ends
        std::string why;
        const ssize_t w =
            write_some(c, chunk.data() + chunk_off[i], chunk.size() - chunk_off[i], why);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) break;
        if (w <= 0) {
          result.add_error("connection " + std::to_string(i) + ": send: " +
                           (w == 0 ? std::string("closed by the server") : why));
          c.alive = false;
          polls[i].fd = -1;
          --alive;
          break;
        }
        chunk_off[i] += static_cast<std::size_t>(w);
        if (chunk_off[i] == chunk.size()) {
          chunk_off[i] = 0;
          if (measuring) {
            ++result.messages;
            result.payload_bytes += opt.size;
          }
        }
      }
    }
    now = now_ns();
    if (!measuring && now >= measure) measuring = true;
  }
  result.seconds = static_cast<double>(now - measure) / 1e9;
  if (result.seconds < 0) result.seconds = 0;
  result.connections = conns.size();
  // A chunk cut short would reach the server as a truncated message: complete it first.
  for (std::size_t i = 0; i < conns.size(); ++i) {
    const std::int64_t until = now_ns() + std::int64_t{close_wait_ms} * 1'000'000;
    while (conns[i].alive && chunk_off[i] != 0 && now_ns() < until) {
      pollfd p{conns[i].fd, POLLOUT, 0};
      ::poll(&p, 1, 10);
      std::string why;
      const ssize_t w =
          write_some(conns[i], chunk.data() + chunk_off[i], chunk.size() - chunk_off[i], why);
      if (w > 0) chunk_off[i] = (chunk_off[i] + static_cast<std::size_t>(w)) % chunk.size();
      if (w == 0 || (w < 0 && errno != EAGAIN && errno != EINTR)) conns[i].alive = false;
    }
  }
  for (auto& c : conns) finish(c);
  return result;
}

}  // namespace nsys
