#include "load_generator.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <memory>

#include <openssl/ssl.h>

#include "connector.h"
#include "progress.h"
#include "tls_client.h"

namespace nsys {

namespace {

constexpr std::size_t read_chunk = 64 * 1024;
constexpr int reads_per_event = 4;  // then let other connections have their turn
constexpr std::int64_t drain_timeout_ns = 2'000'000'000;

// --verify fast: how many messages from seq on are outside the sample (0 when seq is in it).
std::uint64_t unsampled_run(std::uint32_t conn, std::uint64_t seq) {
  return (0 - (seq + conn)) & (bench_options::sample_every - 1);
}

struct echo_conn {
  int fd = -1;
  SSL* ssl = nullptr;  // --proto tls
  std::uint32_t id = 0;
  std::uint64_t next_send = 0;  // sequence number of the next message to send
  std::uint64_t next_recv = 0;  // sequence number of the next echo expected
  std::unique_ptr<std::uint8_t[]> in;
  std::size_t in_cap = 0;
  std::size_t in_len = 0;
  // Bytes the socket did not take, [out_off, size()); new messages go after them until they
  // are sent (rare: the window is normally taken at once, from stage_).
  std::vector<std::uint8_t> out;
  std::size_t out_off = 0;
  std::vector<std::int64_t> sent_at;  // send time of message seq at [seq & sent_mask_]
  bool want_write = false;
  bool alive = true;
};

class echo_run {
 public:
  echo_run(const bench_options& opt, const endpoint& to)
      : opt_(opt),
        to_(to),
        fast_(opt.fast_verify()),
        sent_mask_(std::bit_ceil(std::uint64_t{opt.window}) - 1),
        pattern_(opt.size, opt.wire()),
        progress_(opt.progress && !opt.json, opt.size, false) {}

  bench_result run();

 private:
  void fill(echo_conn& c, std::int64_t now);
  template <bool fast>
  void write_messages(echo_conn& c, std::uint8_t* at, std::size_t count, std::int64_t now);
  void send_staged(echo_conn& c, std::size_t len);
  void flush(echo_conn& c);
  void on_readable(echo_conn& c);
  template <bool fast>
  void parse(echo_conn& c, std::int64_t now);
  template <bool fast>
  bool check_one(echo_conn& c, const std::uint8_t* msg, std::uint64_t seq, std::int64_t now);
  bool check_sampled(echo_conn& c, const std::uint8_t* msg, std::uint64_t seq, std::int64_t now);
  bool report_mismatch(echo_conn& c, const std::uint8_t* msg, std::uint64_t seq);
  void drop(echo_conn& c, const std::string& why);
  void set_write_interest(echo_conn& c, bool on);
  ssize_t receive(echo_conn& c, std::uint8_t* into, std::size_t len, std::string& why);
  ssize_t send_some(echo_conn& c, const std::uint8_t* from, std::size_t len, std::string& why);
  void close_conn(echo_conn& c);

  const bench_options& opt_;
  const endpoint& to_;
  const bool fast_;  // --verify fast
  // sent_at is a ring of a power of two >= window entries: a mask, not a division, per message.
  const std::uint64_t sent_mask_;
  message_pattern pattern_;
  // Where the messages of one fill are written and sent from, shared by every connection so
  // that it stays in the cache (one buffer per connection would not, for 64 x 256 x 1 KiB):
  // window x wire_size() bytes in slots of wire_size(), each always holding a whole message.
  // --verify fast rewrites only the sequence number (the header) of messages outside the
  // sample; the rest of their slot is an earlier message, unchecked (printable, with line
  // framing).
  std::unique_ptr<std::uint8_t[]> stage_;
  echo_progress progress_;
  bench_result result_;
  std::vector<echo_conn> conns_;
  int ep_ = -1;
  std::size_t alive_ = 0;
  bool measuring_ = false;  // past the warm-up
  bool stopping_ = false;   // past the deadline: no new messages, wait for the echoes
  std::int64_t start_ns_ = 0;
  std::uint64_t echoes_total_ = 0;  // for the progress line, warm-up included
};

void echo_run::set_write_interest(echo_conn& c, bool on) {
  if (c.want_write == on) return;
  c.want_write = on;
  epoll_event ev{};
  ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
  ev.data.u32 = c.id;
  ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
}

void echo_run::close_conn(echo_conn& c) {
  if (c.ssl != nullptr) SSL_free(c.ssl);
  c.ssl = nullptr;
  ::close(c.fd);
}

void echo_run::drop(echo_conn& c, const std::string& why) {
  if (!c.alive) return;
  result_.add_error("connection " + std::to_string(c.id) + ": " + why);
  c.alive = false;
  --alive_;
  close_conn(c);
}

// One read or write, on the socket or through TLS, with the socket calls' errno conventions.
ssize_t echo_run::receive(echo_conn& c, std::uint8_t* into, std::size_t len, std::string& why) {
  if (c.ssl != nullptr) return tls_recv(c.ssl, into, len, why);
  const ssize_t r = ::recv(c.fd, into, len, 0);
  if (r < 0) why = errno_text(errno);
  return r;
}

ssize_t echo_run::send_some(echo_conn& c, const std::uint8_t* from, std::size_t len,
                            std::string& why) {
  if (c.ssl != nullptr) return tls_send(c.ssl, from, len, why);
  const ssize_t w = ::send(c.fd, from, len, MSG_NOSIGNAL);
  if (w < 0) why = errno_text(errno);
  return w;
}

// Tops the window up and sends; every message of one call shares one timestamp, taken just
// before the send that hands it to the kernel.
void echo_run::fill(echo_conn& c, std::int64_t now) {
  const std::size_t room =
      stopping_ ? 0 : opt_.window - static_cast<std::size_t>(c.next_send - c.next_recv);
  if (room > 0 && c.out_off == c.out.size()) {
    if (fast_) {
      write_messages<true>(c, stage_.get(), room, now);
    } else {
      write_messages<false>(c, stage_.get(), room, now);
    }
    return send_staged(c, room * pattern_.wire_size());
  }
  if (room > 0) {  // behind bytes the socket has not taken yet: whole messages, after them
    const std::size_t at = c.out.size();
    c.out.resize(at + room * pattern_.wire_size());
    write_messages<false>(c, c.out.data() + at, room, now);
  }
  if (!c.want_write) flush(c);
}

// Writes `count` messages from c.next_send on at `at`, in wire_size() slots that hold whole
// messages already (fast: outside the sample, only the header is written).
template <bool fast>
void echo_run::write_messages(echo_conn& c, std::uint8_t* at, std::size_t count,
                              std::int64_t now) {
  const std::size_t wire = pattern_.wire_size();
  std::uint64_t seq = c.next_send;
  const std::uint64_t end = seq + count;
  if (fast && pattern_.word_header()) {
    // One store per message between two sampled ones, its sequence number: the length
    // prefix of every slot is there already. This is the cost per message the generator must
    // keep far below the server's.
    while (seq != end) {
      const std::uint64_t stop = seq + std::min(unsampled_run(c.id, seq), end - seq);
#pragma GCC unroll 8
      for (; seq != stop; ++seq, at += wire) std::memcpy(at + 4, &seq, 8);
      if (seq == end) break;
      pattern_.write_after_prefix(at, c.id, seq);  // the sampled one
      c.sent_at[seq & sent_mask_] = now;
      ++seq;
      at += wire;
    }
  }
  for (; seq != end; ++seq, at += wire) {
    if (!fast || bench_options::sampled(c.id, seq)) {
      pattern_.write(at, c.id, seq);
      c.sent_at[seq & sent_mask_] = now;
    } else {
      pattern_.write_header(at, seq);
    }
  }
  c.next_send = seq;
}

// Sends the first `len` bytes of stage_; what the socket does not take is kept in c.out.
void echo_run::send_staged(echo_conn& c, std::size_t len) {
  std::size_t off = 0;
  while (off < len) {
    std::string why;
    const ssize_t w = send_some(c, stage_.get() + off, len - off, why);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return drop(c, "send: " + why);
    }
    off += static_cast<std::size_t>(w);
  }
  if (off == len) return;
  c.out.assign(stage_.get() + off, stage_.get() + len);
  c.out_off = 0;
  set_write_interest(c, true);
}

void echo_run::flush(echo_conn& c) {
  while (c.out_off < c.out.size()) {
    std::string why;
    const ssize_t w = send_some(c, c.out.data() + c.out_off, c.out.size() - c.out_off, why);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return set_write_interest(c, true);
      return drop(c, "send: " + why);
    }
    c.out_off += static_cast<std::size_t>(w);
  }
  c.out.clear();  // keeps its capacity
  c.out_off = 0;
  set_write_interest(c, false);
}

// A message that failed its check: counted as an error, or the end of the connection when its
// framing is wrong (the stream cannot be cut into messages any more). False after a drop.
bool echo_run::report_mismatch(echo_conn& c, const std::uint8_t* msg, std::uint64_t seq) {
  bool framing_ok = true;
  const auto why = pattern_.describe_mismatch(msg, c.id, seq, framing_ok);
  if (!framing_ok) {
    drop(c, why + " (the stream cannot be followed any further)");
    return false;
  }
  result_.add_error("connection " + std::to_string(c.id) + ": " + why);
  return true;
}

// Checks one message. Full: every byte, and its latency. Fast: its header (length prefix or
// delimiter, and sequence number, so that a lost, duplicated or reordered echo is still caught),
// and all of it when it is in the sample (which catches corruption and misdelivery), whose latency alone is recorded. False
// when the connection was dropped (its framing is broken).
template <bool fast>
bool echo_run::check_one(echo_conn& c, const std::uint8_t* msg, std::uint64_t seq,
                         std::int64_t now) {
  if constexpr (fast) {
    if (!pattern_.header_matches(msg, seq)) [[unlikely]] {
      // Its latency is not recorded: it is not the message whose send time was kept.
      return report_mismatch(c, msg, seq);
    }
    if (!bench_options::sampled(c.id, seq)) return true;
  }
  return check_sampled(c, msg, seq, now);
}

// Checks every byte of one message and records its latency (when it is the message whose send
// time was kept). False when the connection was dropped.
bool echo_run::check_sampled(echo_conn& c, const std::uint8_t* msg, std::uint64_t seq,
                             std::int64_t now) {
  if (!pattern_.matches(msg, c.id, seq)) [[unlikely]] return report_mismatch(c, msg, seq);
  if (measuring_) {
    result_.latency.record(static_cast<std::uint64_t>(now - c.sent_at[seq & sent_mask_]));
  }
  return true;
}

// Checks every complete message in c.in (check_one); the counters are updated once per call,
// not per message.
template <bool fast>
void echo_run::parse(echo_conn& c, std::int64_t now) {
  const std::size_t wire = pattern_.wire_size();
  const std::uint64_t in_flight = c.next_send - c.next_recv;
  std::uint64_t frames = c.in_len / wire;
  const bool never_sent = frames > in_flight;
  if (never_sent) frames = in_flight;
  const std::uint8_t* msg = c.in.get();
  std::uint64_t seq = c.next_recv;
  const std::uint64_t end = seq + frames;
  if (fast && pattern_.word_header()) {
    // Between two sampled messages, two loads per message and one branch per run: a run with
    // any difference is left to the general loop below, which finds and reports it.
    const std::uint32_t prefix = pattern_.prefix_word();
    while (seq != end) {
      const std::uint64_t stop = seq + std::min(unsampled_run(c.id, seq), end - seq);
      std::uint64_t diff = 0;
      const std::uint8_t* at = msg;
#pragma GCC unroll 8
      for (std::uint64_t s = seq; s != stop; ++s, at += wire) {
        std::uint32_t got_prefix;
        std::uint64_t got_seq;
        std::memcpy(&got_prefix, at, 4);
        std::memcpy(&got_seq, at + 4, 8);
        diff |= (got_prefix ^ prefix) | (got_seq ^ s);
      }
      if (diff != 0) [[unlikely]] break;
      seq = stop;
      msg = at;
      if (seq == end) break;
      // The sampled one.
      if (!pattern_.matches_words(msg, c.id, seq)) [[unlikely]] break;
      if (measuring_) {
        result_.latency.record(static_cast<std::uint64_t>(now - c.sent_at[seq & sent_mask_]));
      }
      ++seq;
      msg += wire;
    }
  }
  for (; seq != end && c.alive; ++seq, msg += wire) {
    if (!check_one<fast>(c, msg, seq, now)) break;
  }
  const std::uint64_t checked = seq - c.next_recv;
  c.next_recv = seq;
  echoes_total_ += checked;
  if (measuring_ && !stopping_) result_.messages += checked;
  if (!c.alive) return;
  if (never_sent) return drop(c, "an echo of a message never sent");
  const std::size_t done = static_cast<std::size_t>(checked) * wire;
  c.in_len -= done;
  if (c.in_len > 0 && done > 0) std::memmove(c.in.get(), c.in.get() + done, c.in_len);
}

void echo_run::on_readable(echo_conn& c) {
  // TLS reads return a record at a time and may leave decrypted bytes inside OpenSSL, which
  // epoll does not announce: read those until OpenSSL wants the socket again.
  for (int i = 0; (i < reads_per_event || c.ssl != nullptr) && c.alive; ++i) {
    const std::size_t space = c.in_cap - c.in_len;
    std::string why;
    const ssize_t r = receive(c, c.in.get() + c.in_len, space, why);
    if (r == 0)
      return drop(c, "closed by the server after " + std::to_string(c.next_recv) + " echoes");
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return drop(c, "recv: " + why);
    }
    c.in_len += static_cast<std::size_t>(r);
    const std::int64_t now = now_ns();
    if (fast_) {
      parse<true>(c, now);
    } else {
      parse<false>(c, now);
    }
    if (!c.alive) return;
    fill(c, now);
    if (c.ssl == nullptr && static_cast<std::size_t>(r) < space) break;  // the socket is drained
  }
}

bench_result echo_run::run() {
  result_.workload = "echo";
  result_.target = to_.text;
  const auto fds =
      connect_all(to_, opt_.conns, opt_.conns,
                  std::chrono::milliseconds(static_cast<long>(opt_.connect_timeout * 1000)));
  std::vector<SSL*> tls;
  if (opt_.proto == "tls") {
    tls = handshake_all(opt_.tls, fds, to_.text,
                        std::chrono::milliseconds(static_cast<long>(opt_.connect_timeout * 1000)));
  }
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  // Every slot starts as a whole message, so that no byte --verify fast leaves unwritten is
  // ever a zero or a '\n' from the allocation.
  const std::size_t stage_len = opt_.window * pattern_.wire_size();
  stage_ = std::make_unique_for_overwrite<std::uint8_t[]>(stage_len);
  for (std::size_t at = 0, seq = 0; at < stage_len; at += pattern_.wire_size(), ++seq) {
    pattern_.write(stage_.get() + at, 0, seq);
  }
  conns_.resize(fds.size());
  const std::size_t in_cap = std::max(read_chunk, 2 * pattern_.wire_size());
  for (std::size_t i = 0; i < fds.size(); ++i) {
    auto& c = conns_[i];
    c.fd = fds[i];
    c.ssl = tls.empty() ? nullptr : tls[i];
    c.id = static_cast<std::uint32_t>(i);
    c.in = std::make_unique_for_overwrite<std::uint8_t[]>(in_cap);
    c.in_cap = in_cap;
    c.sent_at.resize(sent_mask_ + 1);

    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = c.id;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  }
  alive_ = conns_.size();

  start_ns_ = now_ns();
  const std::int64_t measure_ns = start_ns_ + static_cast<std::int64_t>(opt_.warmup * 1e9);
  const std::int64_t deadline_ns = measure_ns + static_cast<std::int64_t>(opt_.duration * 1e9);
  std::int64_t stop_ns = deadline_ns;
  measuring_ = opt_.warmup <= 0;
  for (auto& c : conns_) fill(c, now_ns());

  std::vector<epoll_event> events(512);
  while (alive_ > 0) {
    const int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 50);
    if (n < 0 && errno != EINTR) throw fatal_error("epoll_wait: " + errno_text(errno));
    for (int i = 0; i < n; ++i) {
      const auto& ev = events[static_cast<std::size_t>(i)];
      auto& c = conns_[ev.data.u32];
      if (!c.alive) continue;
      if (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
      if (c.alive && c.want_write && (ev.events & EPOLLOUT)) flush(c);
    }
    const std::int64_t now = now_ns();
    if (!measuring_ && now >= measure_ns) {
      measuring_ = true;
      result_.latency.reset();
      result_.messages = 0;
    }
    if (!stopping_ && now >= deadline_ns) {
      stopping_ = true;
      stop_ns = now;
    }
    progress_.tick(now, start_ns_, echoes_total_, result_.latency, result_.errors, 0,
                   !measuring_);
    if (stopping_) {
      bool drained = true;
      for (const auto& c : conns_) drained = drained && (!c.alive || c.next_recv == c.next_send);
      if (drained) break;
      if (now - stop_ns > drain_timeout_ns) {
        for (auto& c : conns_) {
          if (c.alive && c.next_recv != c.next_send) {
            drop(c,
                 std::to_string(c.next_send - c.next_recv) + " echoes missing 2 s after the end");
          }
        }
        break;
      }
    }
  }
  progress_.clear();
  if (!stopping_) stop_ns = now_ns();  // every connection failed before the deadline
  result_.seconds = static_cast<double>(stop_ns - measure_ns) / 1e9;
  if (result_.seconds < 0) result_.seconds = 0;
  result_.payload_bytes = result_.messages * opt_.size;
  result_.connections = conns_.size();
  for (auto& c : conns_) {
    if (c.alive) close_conn(c);
  }
  ::close(ep_);
  return result_;
}

}  // namespace

bench_result run_echo_load(const bench_options& opt, const endpoint& to) {
  return echo_run(opt, to).run();
}

}  // namespace nsys
