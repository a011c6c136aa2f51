#include "connect_rate.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "connector.h"
#include "progress.h"

namespace nsys {

namespace {

constexpr std::int64_t drain_timeout_ns = 2'000'000'000;
// A server that stops accepting would make every loop fail at once; give up after this many.
constexpr std::uint64_t max_errors = 100;

struct cycle_slot {
  int fd = -1;
  bool connecting = false;
  std::int64_t started_ns = 0;
  std::uint64_t seq = 0;  // cycles this slot completed: the message's sequence number
  std::vector<std::uint8_t> buf;
  std::size_t got = 0;
};

class connect_run {
 public:
  connect_run(const bench_options& opt, const endpoint& to)
      : opt_(opt), to_(to), pattern_(opt.size, opt.wire()), progress_(opt.progress && !opt.json) {}
  bench_result run();

 private:
  void start(std::uint32_t index);
  void on_event(std::uint32_t index, std::uint32_t events);
  void fail(std::uint32_t index, const std::string& why);
  void finish(std::uint32_t index);

  const bench_options& opt_;
  const endpoint& to_;
  message_pattern pattern_;
  progress_line progress_;
  bench_result result_;
  std::vector<cycle_slot> slots_;
  int ep_ = -1;
  std::size_t busy_ = 0;
  bool measuring_ = false;
  bool stopping_ = false;
  std::uint64_t cycles_total_ = 0;
};

void connect_run::start(std::uint32_t index) {
  auto& s = slots_[index];
  if (stopping_ || result_.errors >= max_errors) return;
  int err = 0;
  s.started_ns = now_ns();
  s.fd = start_connect(to_, err);
  if (s.fd < 0) {
    // The first connection decides whether there is a server at all.
    if (cycles_total_ == 0) throw fatal_error("connect to " + to_.text + ": " + errno_text(err));
    result_.add_error("connect: " + errno_text(err));
    return;
  }
  s.connecting = true;
  s.got = 0;
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.u32 = index;
  ::epoll_ctl(ep_, EPOLL_CTL_ADD, s.fd, &ev);
  ++busy_;
}

void connect_run::fail(std::uint32_t index, const std::string& why) {
  auto& s = slots_[index];
  ::close(s.fd);
  s.fd = -1;
  --busy_;
  result_.add_error(why);
  start(index);
}

void connect_run::finish(std::uint32_t index) {
  auto& s = slots_[index];
  const std::int64_t now = now_ns();
  if (!pattern_.matches(s.buf.data(), index, s.seq)) {
    bool framing_ok = true;
    result_.add_error(pattern_.describe_mismatch(s.buf.data(), index, s.seq, framing_ok));
  }
  if (measuring_) {
    result_.latency.record(static_cast<std::uint64_t>(now - s.started_ns));
    if (!stopping_) ++result_.connections;
  }
  ++cycles_total_;
  ++s.seq;
  ::close(s.fd);  // everything was read, so this is a FIN, not a reset
  s.fd = -1;
  --busy_;
  start(index);
}

void connect_run::on_event(std::uint32_t index, std::uint32_t events) {
  auto& s = slots_[index];
  if (s.connecting) {
    if (const int err = connect_result(s.fd); err != 0) {
      if (cycles_total_ == 0) throw fatal_error("connect to " + to_.text + ": " + errno_text(err));
      return fail(index, "connect: " + errno_text(err));
    }
    s.connecting = false;
    pattern_.write(s.buf.data(), index, s.seq);
    // One small message fits any socket buffer: a short send here is an error.
    if (::send(s.fd, s.buf.data(), s.buf.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(s.buf.size())) {
      return fail(index, "send: " + errno_text(errno));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = index;
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, s.fd, &ev);
    return;
  }
  if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
  const ssize_t r = ::recv(s.fd, s.buf.data() + s.got, s.buf.size() - s.got, 0);
  if (r == 0) return fail(index, "closed by the server before the echo");
  if (r < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return fail(index, "recv: " + errno_text(errno));
  }
  s.got += static_cast<std::size_t>(r);
  if (s.got == s.buf.size()) finish(index);
}

bench_result connect_run::run() {
  result_.workload = "connect_rate";
  result_.target = to_.text;
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  slots_.resize(opt_.conns);
  for (auto& s : slots_) s.buf.resize(pattern_.wire_size());

  const std::int64_t start_ns = now_ns();
  const std::int64_t measure_ns = start_ns + static_cast<std::int64_t>(opt_.warmup * 1e9);
  const std::int64_t deadline_ns = measure_ns + static_cast<std::int64_t>(opt_.duration * 1e9);
  const std::int64_t connect_deadline_ns =
      start_ns + static_cast<std::int64_t>(opt_.connect_timeout * 1e9);
  std::int64_t stop_ns = deadline_ns;
  measuring_ = opt_.warmup <= 0;
  for (std::uint32_t i = 0; i < slots_.size(); ++i) start(i);

  std::vector<epoll_event> events(256);
  std::uint64_t last_cycles = 0;
  std::int64_t last_show = start_ns;
  while (busy_ > 0) {
    const int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 50);
    if (n < 0 && errno != EINTR) throw fatal_error("epoll_wait: " + errno_text(errno));
    for (int i = 0; i < n; ++i)
      on_event(events[static_cast<std::size_t>(i)].data.u32,
               events[static_cast<std::size_t>(i)].events);
    const std::int64_t now = now_ns();
    if (cycles_total_ == 0 && now > connect_deadline_ns) {
      throw fatal_error("connect to " + to_.text + ": no answer within " +
                        std::to_string(opt_.connect_timeout) + " s");
    }
    if (!measuring_ && now >= measure_ns) {
      measuring_ = true;
      result_.latency.reset();
      result_.connections = 0;
    }
    if (!stopping_ && now >= deadline_ns) {
      stopping_ = true;  // let the cycles under way finish, start no new ones
      stop_ns = now;
    }
    if (stopping_ && now - stop_ns > drain_timeout_ns) {
      result_.add_error(std::to_string(busy_) + " cycles unfinished 2 s after the end");
      break;
    }
    if (progress_.due(now)) {
      const double rate = static_cast<double>(cycles_total_ - last_cycles) /
                          (static_cast<double>(now - last_show) / 1e9);
      char line[160];
      std::snprintf(line, sizeof(line), "  %5.1f s  %sconn/s  errors %llu",
                    static_cast<double>(now - start_ns) / 1e9, si(rate).c_str(),
                    static_cast<unsigned long long>(result_.errors));
      progress_.show(line);
      last_cycles = cycles_total_;
      last_show = now;
    }
  }
  progress_.clear();
  if (!stopping_) stop_ns = now_ns();
  for (auto& s : slots_) {
    if (s.fd >= 0) ::close(s.fd);
  }
  ::close(ep_);
  result_.seconds = std::max(0.0, static_cast<double>(stop_ns - measure_ns) / 1e9);
  result_.messages = result_.connections;
  result_.payload_bytes = result_.messages * opt_.size;
  return result_;
}

}  // namespace

bench_result run_connect_rate(const bench_options& opt, const endpoint& to) {
  return connect_run(opt, to).run();
}

}  // namespace nsys
