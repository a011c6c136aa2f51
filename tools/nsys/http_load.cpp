#include "http_load.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <thread>

#include "connector.h"
#include "http_response_parser.h"
#include "progress.h"

namespace nsys {

namespace {

constexpr std::size_t read_chunk = 64 * 1024;  // twice the parser's largest head
constexpr int reads_per_event = 4;             // then let other connections have their turn
constexpr std::int64_t drain_timeout_ns = 2'000'000'000;

enum class phase { connecting, open, down };

// --threads > 1: what each loop publishes for the progress line the main thread draws (once per
// pass of its loop, not per response).
struct published_counts {
  std::atomic<std::uint64_t> responses{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<bool> done{false};
};

struct http_conn {
  int fd = -1;
  std::uint32_t id = 0;
  std::uint32_t generation = 0;  // epoll events of an earlier socket of this slot are stale
  phase state = phase::down;
  std::uint64_t next_send = 0;  // requests sent on this socket
  std::uint64_t next_recv = 0;  // responses completed on it
  std::unique_ptr<char[]> in;
  std::size_t in_len = 0;
  std::vector<char> out;  // bytes the socket did not take, [out_off, size())
  std::size_t out_off = 0;
  std::vector<std::int64_t> sent_at;  // send time of request seq at [seq & sent_mask_]
  http_response_parser parser;
  bool want_write = false;
};

class http_run {
 public:
  /// `published`: null for a single loop (it draws the progress line itself).
  /// `first_id`: the number of this loop's first connection in the error texts.
  http_run(const bench_options& opt, const endpoint& to, published_counts* published,
           std::size_t first_id = 0)
      : opt_(opt),
        to_(to),
        head_(opt.method == "HEAD"),
        sent_mask_(std::bit_ceil(std::uint64_t{opt.window}) - 1),
        progress_(opt.progress && !opt.json && published == nullptr),
        published_(published),
        first_id_(first_id) {
    request_ = opt.method + " " + opt.path + " HTTP/1.1\r\nHost: " +
               format_host_port(opt.host, opt.port) + "\r\n";
    if (opt.method == "POST" || opt.method == "PUT") request_ += "Content-Length: 0\r\n";
    request_ += "\r\n";
    for (std::size_t i = 0; i < opt.window; ++i) stage_ += request_;
  }

  bench_result run();

 private:
  void start(http_conn& c, int fd, phase state);
  void replace(http_conn& c, const std::string& kind, const std::string& why);
  void go_down(http_conn& c);
  void set_events(http_conn& c, std::uint32_t events);
  void fill(http_conn& c, std::int64_t now);
  void flush(http_conn& c);
  void on_readable(http_conn& c);
  void on_writable(http_conn& c);
  bool parse(http_conn& c, std::int64_t now);
  void complete(http_conn& c, std::int64_t now);
  [[nodiscard]] std::string unanswered(const http_conn& c) const;
  [[nodiscard]] std::string name(const http_conn& c) const {
    return "connection " + std::to_string(first_id_ + c.id);
  }

  const bench_options& opt_;
  const endpoint& to_;
  const bool head_;
  // sent_at is a ring of a power of two >= depth entries: a mask, not a division, per request.
  const std::uint64_t sent_mask_;
  std::string request_;
  std::string stage_;  // depth copies of the request: one fill is one send from here
  http_progress progress_;
  published_counts* published_;
  std::size_t first_id_;
  bench_result result_;
  std::vector<http_conn> conns_;
  std::array<std::uint64_t, 600> statuses_{};
  int ep_ = -1;
  std::size_t up_ = 0;      // connections not down
  bool measuring_ = false;  // past the warm-up
  bool stopping_ = false;   // past the deadline: no new requests, wait for the responses
  std::int64_t start_ns_ = 0;
  std::uint64_t responses_total_ = 0;  // for the progress line, warm-up included
  std::uint64_t bytes_total_ = 0;
};

void http_run::set_events(http_conn& c, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = (std::uint64_t{c.generation} << 32) | c.id;
  ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
}

// Puts a new socket in slot c: open (connected already) or connecting (writable when done).
void http_run::start(http_conn& c, int fd, phase state) {
  c.fd = fd;
  ++c.generation;
  c.state = state;
  c.next_send = c.next_recv = 0;
  c.in_len = 0;
  c.out.clear();
  c.out_off = 0;
  c.want_write = state == phase::connecting;
  c.parser.begin(head_);
  epoll_event ev{};
  ev.events = EPOLLIN | (c.want_write ? EPOLLOUT : 0u);
  ev.data.u64 = (std::uint64_t{c.generation} << 32) | c.id;
  ::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  ++up_;
}

void http_run::go_down(http_conn& c) {
  if (c.state == phase::down) return;
  ::close(c.fd);  // also takes it out of the epoll set
  c.fd = -1;
  c.state = phase::down;
  --up_;
}

std::string http_run::unanswered(const http_conn& c) const {
  const std::uint64_t n = c.next_send - c.next_recv;
  return std::to_string(c.next_recv) + " responses on this socket, " + std::to_string(n) +
         (n == 1 ? " request" : " requests") + " unanswered";
}

// Counts the error and puts a new connection in the slot (not once the run is stopping: the
// slot then stays down).
void http_run::replace(http_conn& c, const std::string& kind, const std::string& why) {
  result_.add_error(kind, name(c) + ": " + why);
  go_down(c);
  if (stopping_) return;
  int err = 0;
  const int fd = start_connect(to_, err);
  if (fd < 0) {
    result_.add_error("connect", name(c) + ": reconnect to " +
                                     to_.text + ": " + errno_text(err));
    return;
  }
  start(c, fd, phase::connecting);
}

// Tops the pipeline up: every request of one call shares one timestamp, taken just before the
// send that hands them to the kernel. In batches (the default), only once every request of the
// previous batch is answered, as wrk's pipelining does: the server then reads D requests at a
// time. Measured against nginx (1 worker, -c64, D = 16), a request sent per response instead
// (--sliding) costs it more reads and writes per request, and it answered about 0.8x as many.
void http_run::fill(http_conn& c, std::int64_t now) {
  if (c.state != phase::open) return;
  if (!opt_.sliding && c.next_send != c.next_recv) return;
  const std::size_t room =
      stopping_ ? 0 : opt_.window - static_cast<std::size_t>(c.next_send - c.next_recv);
  if (room == 0) return;
  for (std::uint64_t s = c.next_send; s != c.next_send + room; ++s) c.sent_at[s & sent_mask_] = now;
  c.next_send += room;
  const std::size_t len = room * request_.size();
  if (c.out_off < c.out.size()) {  // behind bytes the socket has not taken yet
    c.out.insert(c.out.end(), stage_.data(), stage_.data() + len);
    return;
  }
  std::size_t off = 0;
  while (off < len) {
    const ssize_t w = ::send(c.fd, stage_.data() + off, len - off, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return replace(c, "io", "send: " + errno_text(errno) + " (" + unanswered(c) + ")");
    }
    off += static_cast<std::size_t>(w);
  }
  if (off == len) return;
  c.out.assign(stage_.data() + off, stage_.data() + len);
  c.out_off = 0;
  c.want_write = true;
  set_events(c, EPOLLIN | EPOLLOUT);
}

void http_run::flush(http_conn& c) {
  while (c.out_off < c.out.size()) {
    const ssize_t w = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off,
                             MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      return replace(c, "io", "send: " + errno_text(errno) + " (" + unanswered(c) + ")");
    }
    c.out_off += static_cast<std::size_t>(w);
  }
  c.out.clear();  // keeps its capacity
  c.out_off = 0;
  c.want_write = false;
  set_events(c, EPOLLIN);
}

void http_run::on_writable(http_conn& c) {
  if (c.state == phase::connecting) {
    const int err = connect_result(c.fd);
    if (err != 0) {
      // The server is gone or refuses: retrying at once would only spin.
      result_.add_error("connect", name(c) + ": reconnect to " +
                                       to_.text + ": " + errno_text(err));
      return go_down(c);
    }
    c.state = phase::open;
    c.want_write = false;
    set_events(c, EPOLLIN);
    return fill(c, now_ns());
  }
  if (c.want_write) flush(c);
}

void http_run::complete(http_conn& c, std::int64_t now) {
  const std::uint64_t seq = c.next_recv++;
  const int status = c.parser.status();
  ++statuses_[static_cast<std::size_t>(status)];  // 100..599: the parser checks the first digit
  ++responses_total_;
  bytes_total_ += c.parser.response_bytes();
  if (measuring_) {
    result_.latency.record(static_cast<std::uint64_t>(now - c.sent_at[seq & sent_mask_]));
    if (!stopping_) {
      ++result_.messages;
      result_.payload_bytes += c.parser.response_bytes();
      result_.body_bytes += c.parser.body_bytes();
    }
  }
  if (status < 200 || status > 299) [[unlikely]] {
    result_.add_error("status", name(c) + ": " +
                                    opt_.method + " " + opt_.path + " answered " +
                                    std::to_string(status));
  }
}

// Parses every complete response in c.in. False when the connection was replaced.
bool http_run::parse(http_conn& c, std::int64_t now) {
  std::size_t off = 0;
  while (off < c.in_len) {
    if (c.next_recv == c.next_send) {
      replace(c, "malformed", std::to_string(c.in_len - off) +
                                  " bytes with no request in flight, after " +
                                  std::to_string(c.next_recv) + " responses");
      return false;
    }
    const auto r = c.parser.parse(c.in.get() + off, c.in_len - off);
    off += r.consumed;
    if (r.what == http_response_parser::event::need_more) break;
    if (r.what == http_response_parser::event::interim) continue;
    if (r.what == http_response_parser::event::error) {
      replace(c, "malformed", c.parser.error_text() + " (" + unanswered(c) + ")");
      return false;
    }
    complete(c, now);
    if (!c.parser.keep_alive()) {
      replace(c, "closed", "the server ended keep-alive (Connection: close) after " +
                               unanswered(c));
      return false;
    }
    c.parser.begin(head_);
  }
  c.in_len -= off;
  if (c.in_len > 0 && off > 0) std::memmove(c.in.get(), c.in.get() + off, c.in_len);
  return true;
}

void http_run::on_readable(http_conn& c) {
  if (c.state != phase::open) return;  // connecting: an error shows as writable too
  for (int i = 0; i < reads_per_event; ++i) {
    const std::size_t space = read_chunk - c.in_len;
    const ssize_t r = ::recv(c.fd, c.in.get() + c.in_len, space, 0);
    if (r == 0) return replace(c, "closed", "closed by the server (" + unanswered(c) + ")");
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return replace(c, "io", "recv: " + errno_text(errno) + " (" + unanswered(c) + ")");
    }
    c.in_len += static_cast<std::size_t>(r);
    const std::int64_t now = now_ns();
    if (!parse(c, now)) return;
    fill(c, now);
    if (c.state != phase::open) return;
    if (static_cast<std::size_t>(r) < space) break;  // the socket is drained
  }
}

bench_result http_run::run() {
  result_.workload = "http";
  result_.target = to_.text;
  const auto fds =
      connect_all(to_, opt_.conns, opt_.conns,
                  std::chrono::milliseconds(static_cast<long>(opt_.connect_timeout * 1000)));
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  conns_.resize(fds.size());
  for (std::size_t i = 0; i < fds.size(); ++i) {
    auto& c = conns_[i];
    c.id = static_cast<std::uint32_t>(i);
    c.in = std::make_unique_for_overwrite<char[]>(read_chunk);
    c.sent_at.resize(sent_mask_ + 1);
    start(c, fds[i], phase::open);
  }

  start_ns_ = now_ns();
  const std::int64_t measure_ns = start_ns_ + static_cast<std::int64_t>(opt_.warmup * 1e9);
  const std::int64_t deadline_ns = measure_ns + static_cast<std::int64_t>(opt_.duration * 1e9);
  std::int64_t stop_ns = deadline_ns;
  measuring_ = opt_.warmup <= 0;
  for (auto& c : conns_) fill(c, now_ns());

  std::vector<epoll_event> events(512);
  while (up_ > 0) {
    const int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 50);
    if (n < 0 && errno != EINTR) throw fatal_error("epoll_wait: " + errno_text(errno));
    for (int i = 0; i < n; ++i) {
      const auto& ev = events[static_cast<std::size_t>(i)];
      auto& c = conns_[static_cast<std::uint32_t>(ev.data.u64)];
      const auto generation = static_cast<std::uint32_t>(ev.data.u64 >> 32);
      if (c.state == phase::down || c.generation != generation) continue;
      if (ev.events & EPOLLOUT) on_writable(c);
      if (c.state == phase::down || c.generation != generation) continue;
      if (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
    }
    const std::int64_t now = now_ns();
    if (!measuring_ && now >= measure_ns) {
      measuring_ = true;
      result_.latency.reset();
      result_.messages = 0;
      result_.payload_bytes = 0;
      result_.body_bytes = 0;
    }
    if (!stopping_ && now >= deadline_ns) {
      stopping_ = true;
      stop_ns = now;
    }
    progress_.tick(now, start_ns_, responses_total_, bytes_total_, &result_.latency,
                   result_.errors, !measuring_);
    if (published_ != nullptr) {
      published_->responses.store(responses_total_, std::memory_order_relaxed);
      published_->bytes.store(bytes_total_, std::memory_order_relaxed);
      published_->errors.store(result_.errors, std::memory_order_relaxed);
    }
    if (stopping_) {
      bool drained = true;
      for (const auto& c : conns_) {
        drained = drained && (c.state != phase::open || c.next_recv == c.next_send);
      }
      if (drained) break;
      if (now - stop_ns > drain_timeout_ns) {
        for (auto& c : conns_) {
          if (c.state == phase::open && c.next_recv != c.next_send) {
            result_.add_error("timeout", name(c) + ": " +
                                             unanswered(c) + " 2 s after the end");
          }
        }
        break;
      }
    }
  }
  progress_.clear();
  if (!stopping_) stop_ns = now_ns();  // every connection went down before the deadline
  result_.seconds = static_cast<double>(stop_ns - measure_ns) / 1e9;
  if (result_.seconds < 0) result_.seconds = 0;
  result_.connections = conns_.size();
  for (std::size_t s = 0; s < statuses_.size(); ++s) {
    if (statuses_[s] > 0) result_.statuses[static_cast<int>(s)] = statuses_[s];
  }
  for (auto& c : conns_) go_down(c);
  ::close(ep_);
  return result_;
}

// Adds one loop's result to the sum of them all.
void merge_into(bench_result& sum, const bench_result& r) {
  sum.seconds = std::max(sum.seconds, r.seconds);
  sum.messages += r.messages;
  sum.payload_bytes += r.payload_bytes;
  sum.body_bytes += r.body_bytes;
  sum.connections += r.connections;
  sum.latency.merge(r.latency);
  sum.errors += r.errors;
  for (const auto& e : r.error_samples) {
    if (sum.error_samples.size() < 5) sum.error_samples.push_back(e);
  }
  for (const auto& [k, n] : r.error_kinds) sum.error_kinds[k] += n;
  for (const auto& [code, n] : r.statuses) sum.statuses[code] += n;
}

}  // namespace

bench_result run_http_load(const bench_options& opt, const endpoint& to) {
  if (opt.threads <= 1) return http_run(opt, to, nullptr).run();
  // One loop per thread, each with its share of the connections and a histogram of its own,
  // summed at the end; the main thread only draws the progress line.
  const std::size_t n = std::min(opt.threads, opt.conns);
  std::vector<bench_options> shares(n, opt);
  std::vector<published_counts> counts(n);
  std::vector<bench_result> results(n);
  std::vector<std::exception_ptr> failures(n);
  std::vector<std::thread> loops;
  for (std::size_t i = 0, first = 0; i < n; first += shares[i].conns, ++i) {
    shares[i].conns = opt.conns / n + (i < opt.conns % n ? 1 : 0);
    loops.emplace_back([&, i, first] {
      try {
        results[i] = http_run(shares[i], to, &counts[i], first).run();
      } catch (...) {
        failures[i] = std::current_exception();
      }
      counts[i].done.store(true, std::memory_order_release);
    });
  }
  http_progress progress(opt.progress && !opt.json);
  const std::int64_t start = now_ns();
  for (;;) {
    bool all_done = true;
    std::uint64_t responses = 0, bytes = 0, errors = 0;
    for (auto& c : counts) {
      all_done = all_done && c.done.load(std::memory_order_acquire);
      responses += c.responses.load(std::memory_order_relaxed);
      bytes += c.bytes.load(std::memory_order_relaxed);
      errors += c.errors.load(std::memory_order_relaxed);
    }
    if (all_done) break;
    const std::int64_t now = now_ns();
    progress.tick(now, start, responses, bytes, nullptr, errors,
                  now - start < static_cast<std::int64_t>(opt.warmup * 1e9));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& t : loops) t.join();
  progress.clear();
  for (const auto& f : failures) {
    if (f) std::rethrow_exception(f);
  }
  bench_result sum;
  sum.workload = "http";
  sum.target = to.text;
  for (const auto& r : results) merge_into(sum, r);
  return sum;
}

}  // namespace nsys
