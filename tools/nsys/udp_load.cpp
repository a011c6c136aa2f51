#include "udp_load.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "progress.h"
#include "udp_window.h"

namespace nsys {

namespace {

constexpr std::size_t io_batch = 64;          // datagrams per sendmmsg / recvmmsg call
constexpr int batches_per_event = 4;          // then let other sockets have their turn
constexpr std::int64_t tick_ns = 10'000'000;  // loss timeouts are checked this often
constexpr std::int64_t drain_margin_ns = 2'000'000'000;

struct udp_socket {
  int fd = -1;
  std::uint32_t id = 0;
  udp_window window;
  bool want_write = false;
  bool alive = true;
};

// One batch of datagrams for sendmmsg or recvmmsg: io_batch buffers of the payload size.
// Shared by every socket: a batch is sent or checked before the next call reuses it.
struct batch_buffers {
  std::unique_ptr<std::uint8_t[]> bytes;
  std::vector<mmsghdr> headers;
  std::vector<iovec> iov;

  explicit batch_buffers(std::size_t size)
      : bytes(std::make_unique<std::uint8_t[]>(io_batch * size)),
        headers(io_batch),
        iov(io_batch) {
    for (std::size_t i = 0; i < io_batch; ++i) {
      iov[i] = iovec{bytes.get() + i * size, size};
      std::memset(&headers[i], 0, sizeof(mmsghdr));
      headers[i].msg_hdr.msg_iov = &iov[i];
      headers[i].msg_hdr.msg_iovlen = 1;  // connected sockets: no address per datagram
    }
  }
  [[nodiscard]] std::uint8_t* at(std::size_t i) const {
    return static_cast<std::uint8_t*>(iov[i].iov_base);
  }
};

class udp_run {
 public:
  udp_run(const bench_options& opt, const endpoint& to)
      : opt_(opt),
        to_(to),
        pattern_(opt.size, wire_framing::none),
        progress_(opt.progress && !opt.json, opt.size, true),
        out_(opt.size),
        in_(opt.size),
        lost_after_ns_(static_cast<std::int64_t>(opt.lost_after * 1e9)) {}
  ~udp_run() {
    for (auto& s : sockets_) {
      if (s.alive) ::close(s.fd);
    }
    if (ep_ >= 0) ::close(ep_);
  }
  udp_run(const udp_run&) = delete;
  udp_run& operator=(const udp_run&) = delete;

  bench_result run();

 private:
  void open_sockets();
  void fill(udp_socket& s, std::int64_t now);
  void on_readable(udp_socket& s);
  void check(udp_socket& s, const mmsghdr& h, std::int64_t now);
  void expire_all(std::int64_t now);
  void fail(udp_socket& s, int err, const char* op);
  void drop(udp_socket& s, const std::string& why);
  void set_write_interest(udp_socket& s, bool on);
  [[nodiscard]] bool drained() const;

  const bench_options& opt_;
  const endpoint& to_;
  message_pattern pattern_;
  echo_progress progress_;
  bench_result result_;
  std::vector<udp_socket> sockets_;
  batch_buffers out_;
  batch_buffers in_;
  std::int64_t lost_after_ns_;
  int ep_ = -1;
  std::size_t alive_ = 0;
  bool measuring_ = false;  // past the warm-up
  bool stopping_ = false;   // past the deadline: no new datagrams, wait for the echoes
  std::uint64_t echoes_total_ = 0;  // for the progress line, warm-up included
};

void udp_run::open_sockets() {
  sockets_.reserve(opt_.conns);
  for (std::size_t i = 0; i < opt_.conns; ++i) {
    const int fd =
        ::socket(to_.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    // connect(): the socket then receives only from the server, and learns of ICMP errors.
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&to_.addr), to_.len) != 0) {
      const int err = errno;
      if (fd >= 0) ::close(fd);
      throw fatal_error("UDP socket to " + to_.text + ": " + errno_text(err));
    }
    auto& s = sockets_.emplace_back(udp_socket{fd, static_cast<std::uint32_t>(i),
                                               udp_window(opt_.window)});
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = s.id;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }
  alive_ = sockets_.size();
}

void udp_run::set_write_interest(udp_socket& s, bool on) {
  if (s.want_write == on) return;
  s.want_write = on;
  epoll_event ev{};
  ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
  ev.data.u32 = s.id;
  ::epoll_ctl(ep_, EPOLL_CTL_MOD, s.fd, &ev);
}

void udp_run::drop(udp_socket& s, const std::string& why) {
  if (!s.alive) return;
  result_.add_error("socket " + std::to_string(s.id) + ": " + why);
  s.alive = false;
  --alive_;
  ::close(s.fd);
}

void udp_run::fail(udp_socket& s, int err, const char* op) {
  // On a connected UDP socket ECONNREFUSED is the ICMP "port unreachable" of an earlier send.
  if (err == ECONNREFUSED) {
    return drop(s, to_.text + ": connection refused (nothing listens on that UDP port)");
  }
  drop(s, std::string(op) + ": " + errno_text(err));
}

// Tops the window up, io_batch datagrams per sendmmsg; all share one timestamp, taken just
// before the calls that hand them to the kernel. What the kernel does not take is taken back
// and sent when the socket is writable again (or at the next tick: ENOBUFS gives no EPOLLOUT).
void udp_run::fill(udp_socket& s, std::int64_t now) {
  if (stopping_ || !s.alive) return;
  for (int round = 0; round < 64 && s.window.room() > 0; ++round) {  // bounded: 4,096 at most
    const std::size_t count = std::min(s.window.room(), io_batch);
    for (std::size_t i = 0; i < count; ++i) {
      pattern_.write(out_.at(i), s.id, s.window.next_seq());
      s.window.sent(now);
    }
    const int n = ::sendmmsg(s.fd, out_.headers.data(), static_cast<unsigned>(count), 0);
    const int err = n < 0 ? errno : 0;
    const std::size_t taken = n < 0 ? 0 : static_cast<std::size_t>(n);
    if (taken == count) continue;
    s.window.unsend(count - taken);
    if (n >= 0 || err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
      return set_write_interest(s, true);
    }
    if (err == EINTR) continue;
    return fail(s, err, "sendmmsg");
  }
  set_write_interest(s, false);
}

void udp_run::check(udp_socket& s, const mmsghdr& h, std::int64_t now) {
  const auto* d = static_cast<const std::uint8_t*>(h.msg_hdr.msg_iov->iov_base);
  // Error texts only: built on the (rare) failure paths, never per datagram.
  auto who = [&s] { return "socket " + std::to_string(s.id) + ": "; };
  if (h.msg_len != opt_.size || (h.msg_hdr.msg_flags & MSG_TRUNC)) [[unlikely]] {
    const bool longer = (h.msg_hdr.msg_flags & MSG_TRUNC) != 0;
    // Free its slot when the sequence number is readable, so the window does not stall for
    // a loss timeout on a datagram that did come back (wrong, but back).
    std::int64_t ignored = 0;
    if (h.msg_len >= 8) (void)s.window.take(pattern_.seq_of(d), ignored);
    return result_.add_error(who() + "an echoed datagram of " + (longer ? "more than " : "") +
                             std::to_string(h.msg_len) + " bytes, expected " +
                             std::to_string(opt_.size));
  }
  const std::uint64_t seq = pattern_.seq_of(d);
  std::int64_t sent_at = 0;
  const auto outcome = s.window.take(seq, sent_at);
  const bool intact = pattern_.matches(d, s.id, seq);
  if (outcome == udp_window::outcome::never_sent) [[unlikely]] {
    return result_.add_error(who() + "an echo of datagram #" + std::to_string(seq) +
                             ", never sent" + (intact ? "" : " (corrupted sequence number?)"));
  }
  if (!intact) [[unlikely]] {
    bool framing_ok = true;
    return result_.add_error(who() + pattern_.describe_mismatch(d, s.id, seq, framing_ok));
  }
  if (outcome == udp_window::outcome::duplicate) [[unlikely]] {
    return result_.add_error(who() + "datagram #" + std::to_string(seq) + " echoed twice");
  }
  if (outcome == udp_window::outcome::late) {
    if (measuring_) ++result_.late;
    return;
  }
  ++echoes_total_;
  if (!measuring_) return;
  result_.latency.record(static_cast<std::uint64_t>(now - sent_at));
  if (!stopping_) ++result_.messages;
}

void udp_run::on_readable(udp_socket& s) {
  for (int i = 0; i < batches_per_event && s.alive; ++i) {
    const int n = ::recvmmsg(s.fd, in_.headers.data(), io_batch, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return fail(s, errno, "recvmmsg");
    }
    const std::int64_t now = now_ns();
    for (int k = 0; k < n; ++k) check(s, in_.headers[static_cast<std::size_t>(k)], now);
    fill(s, now);
    if (static_cast<std::size_t>(n) < io_batch) break;  // a short batch: the socket is drained
  }
}

void udp_run::expire_all(std::int64_t now) {
  for (auto& s : sockets_) {
    if (!s.alive) continue;
    const std::size_t lost = s.window.expire(now - lost_after_ns_);
    if (measuring_) result_.lost += lost;
    fill(s, now);  // the slots of lost datagrams, and sends ENOBUFS refused
  }
}

bool udp_run::drained() const {
  return std::all_of(sockets_.begin(), sockets_.end(),
                     [](const udp_socket& s) { return !s.alive || s.window.idle(); });
}

bench_result udp_run::run() {
  result_.workload = "echo";
  result_.target = to_.text;
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0) throw fatal_error("epoll_create1: " + errno_text(errno));
  open_sockets();

  const std::int64_t start_ns = now_ns();
  const std::int64_t measure_ns = start_ns + static_cast<std::int64_t>(opt_.warmup * 1e9);
  const std::int64_t deadline_ns = measure_ns + static_cast<std::int64_t>(opt_.duration * 1e9);
  std::int64_t stop_ns = deadline_ns;
  std::int64_t next_tick_ns = start_ns + tick_ns;
  measuring_ = opt_.warmup <= 0;
  for (auto& s : sockets_) fill(s, now_ns());

  std::vector<epoll_event> events(512);
  while (alive_ > 0) {
    const int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 10);
    if (n < 0 && errno != EINTR) throw fatal_error("epoll_wait: " + errno_text(errno));
    for (int i = 0; i < n; ++i) {
      const auto& ev = events[static_cast<std::size_t>(i)];
      auto& s = sockets_[ev.data.u32];
      if (!s.alive) continue;
      if (ev.events & (EPOLLIN | EPOLLERR)) on_readable(s);
      if (s.alive && s.want_write && (ev.events & EPOLLOUT)) fill(s, now_ns());
    }
    const std::int64_t now = now_ns();
    if (!measuring_ && now >= measure_ns) {
      measuring_ = true;
      result_.latency.reset();
      result_.messages = result_.lost = result_.late = 0;
    }
    if (!stopping_ && now >= deadline_ns) {
      stopping_ = true;
      stop_ns = now;
    }
    if (now >= next_tick_ns) {
      expire_all(now);
      next_tick_ns = now + tick_ns;
    }
    progress_.tick(now, start_ns, echoes_total_, result_.latency, result_.errors, result_.lost,
                   !measuring_);
    // Every datagram in flight is echoed or lost within lost_after of the stop; the margin
    // only guards against a clock that does not advance.
    if (stopping_ && (drained() || now - stop_ns > lost_after_ns_ + drain_margin_ns)) break;
  }
  progress_.clear();
  if (!stopping_) stop_ns = now_ns();  // every socket failed before the deadline
  result_.seconds = std::max(0.0, static_cast<double>(stop_ns - measure_ns) / 1e9);
  result_.payload_bytes = result_.messages * opt_.size;
  result_.connections = sockets_.size();
  return result_;
}

}  // namespace

bench_result run_udp_echo_load(const bench_options& opt, const endpoint& to) {
  return udp_run(opt, to).run();
}

}  // namespace nsys
