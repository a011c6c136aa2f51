// frame_count_client: the reference load generator of the loopback benchmarks (issue #8).
//
// One thread, raw epoll, non-blocking sockets, TCP_NODELAY, the library's wire format (4-byte
// big-endian length, then the payload). Each of N connections keeps W messages of S bytes in
// flight: every echoed frame is counted and its length header checked, and as many frames as
// came back are sent again at once, from one prebuilt buffer. It checks nothing else on purpose:
// it is the cheapest client that still follows the framing, the bar `nsys bench` (which checks
// far more) must stay close to so that it never becomes the limit of what it measures.
//
//   frame_count_client --port P [--host 127.0.0.1] [--conns 64] [--window 256] [--size 64]
//                      [--duration 4] [--warmup 0.5] [--json]
//
// Prints "msg_per_s=R messages=M seconds=T errors=E" (or one JSON object with --json). Exit code
// 0, or 1 on a failure (connect refused, a connection closed, a bad length header).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr std::size_t read_chunk = 64 * 1024;

struct options {
  std::string host = "127.0.0.1";
  long port = 0;
  long conns = 64;
  long window = 256;
  long size = 64;
  double duration = 4.0;
  double warmup = 0.5;
  bool json = false;
};

int usage(const char* argv0, int rc) {
  std::fprintf(stderr,
               "usage: %s --port P [--host ADDR (127.0.0.1)] [--conns N (64)] [--window W (256)]\n"
               "       [--size S (64)] [--duration SECONDS (4)] [--warmup SECONDS (0.5)] [--json]\n",
               argv0);
  return rc;
}

/// Returns -1 to go on, else the exit code (0 for --help).
int parse_options(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--json") {
      o.json = true;
    } else if (a == "--host" && has_value) {
      o.host = argv[++i];
    } else if (a == "--port" && has_value) {
      o.port = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--conns" && has_value) {
      o.conns = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--window" && has_value) {
      o.window = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--size" && has_value) {
      o.size = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--duration" && has_value) {
      o.duration = std::strtod(argv[++i], nullptr);
    } else if (a == "--warmup" && has_value) {
      o.warmup = std::strtod(argv[++i], nullptr);
    } else {
      return usage(argv[0], a == "--help" || a == "-h" ? 0 : 2);
    }
  }
  const char* bad = o.port < 1 || o.port > 65535             ? "--port must be 1..65535"
                    : o.conns < 1 || o.conns > 60000         ? "--conns must be 1..60000"
                    : o.window < 1 || o.window > 65536       ? "--window must be 1..65536"
                    : o.size < 1 || o.size > 16 * 1024 * 1024 ? "--size must be 1..16777216"
                    : !(o.duration > 0 && o.duration <= 3600) ? "--duration must be in (0, 3600]"
                    : !(o.warmup >= 0 && o.warmup <= 600)     ? "--warmup must be in [0, 600]"
                                                              : nullptr;
  if (bad != nullptr) {
    std::fprintf(stderr, "frame_count_client: %s\n", bad);
    return 2;
  }
  return -1;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct connection {
  int fd = -1;
  std::unique_ptr<std::uint8_t[]> in;
  std::size_t in_len = 0;
  std::uint64_t owed = 0;     // bytes of frames to send that the socket has not taken yet
  std::size_t out_pos = 0;    // where in the prebuilt buffer the next byte to send is
  std::uint64_t in_flight = 0;  // frames sent (or owed) and not echoed yet
  bool writing = false;       // waiting for EPOLLOUT
};

class run {
 public:
  explicit run(const options& o)
      : o_(o), wire_(4 + static_cast<std::size_t>(o.size)),
        in_cap_(std::max(read_chunk, 2 * wire_)),
        frames_(static_cast<std::size_t>(o.window) * wire_) {
    // W identical frames: the length header, then a payload that nobody checks.
    const std::uint32_t len = htonl(static_cast<std::uint32_t>(o.size));
    for (std::size_t at = 0; at < frames_.size(); at += wire_) {
      std::memcpy(frames_.data() + at, &len, 4);
      std::memset(frames_.data() + at + 4, 'x', wire_ - 4);
    }
    std::memcpy(header_, &len, 4);
  }

  int go();

 private:
  bool connect_all();
  bool flush(connection& c);
  bool on_readable(connection& c);
  void set_writing(connection& c, bool on);
  int fail(const std::string& what);

  const options& o_;
  std::size_t wire_;
  std::size_t in_cap_;
  std::vector<std::uint8_t> frames_;
  std::uint8_t header_[4];
  std::vector<connection> conns_;
  int ep_ = -1;
  bool measuring_ = false;
  std::uint64_t counted_ = 0;  // frames echoed in the measured interval
  std::string error_;
};

void run::set_writing(connection& c, bool on) {
  if (c.writing == on) return;
  c.writing = on;
  epoll_event ev{};
  ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
  ev.data.u32 = static_cast<std::uint32_t>(&c - conns_.data());
  ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
}

// Sends what is owed from the prebuilt frames (every frame is the same, so any W-frame window
// of the buffer, starting at the byte where the last send stopped, is what the stream needs).
bool run::flush(connection& c) {
  while (c.owed > 0) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(c.owed, frames_.size() - c.out_pos));
    const ssize_t w = ::send(c.fd, frames_.data() + c.out_pos, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        set_writing(c, true);
        return true;
      }
      error_ = std::string("send: ") + std::strerror(errno);
      return false;
    }
    c.owed -= static_cast<std::uint64_t>(w);
    c.out_pos = (c.out_pos + static_cast<std::size_t>(w)) % wire_;
  }
  set_writing(c, false);
  return true;
}

bool run::on_readable(connection& c) {
  for (;;) {
    const std::size_t space = in_cap_ - c.in_len;
    const ssize_t r = ::recv(c.fd, c.in.get() + c.in_len, space, 0);
    if (r == 0) {
      error_ = "the server closed a connection";
      return false;
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return true;
      error_ = std::string("recv: ") + std::strerror(errno);
      return false;
    }
    c.in_len += static_cast<std::size_t>(r);
    std::size_t done = 0;
    std::uint64_t frames = 0;
    while (c.in_len - done >= wire_) {
      if (std::memcmp(c.in.get() + done, header_, 4) != 0) {
        error_ = "a frame with a wrong length header";
        return false;
      }
      done += wire_;
      ++frames;
    }
    if (frames > c.in_flight) {
      error_ = "more echoes than messages sent";
      return false;
    }
    c.in_len -= done;
    if (c.in_len > 0 && done > 0) std::memmove(c.in.get(), c.in.get() + done, c.in_len);
    if (measuring_) counted_ += frames;
    c.owed += frames * wire_;  // the window stays full: in_flight does not change
    if (!c.writing && !flush(c)) return false;
    if (static_cast<std::size_t>(r) < space) return true;  // a short read: the socket is drained
  }
}

bool run::connect_all() {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, o_.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(o_.port));
    len = sizeof(*v4);
  } else if (::inet_pton(AF_INET6, o_.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(o_.port));
    len = sizeof(*v6);
  } else {
    error_ = "'" + o_.host + "' is not an IP address";
    return false;
  }
  conns_.resize(static_cast<std::size_t>(o_.conns));
  for (auto& c : conns_) {
    // A blocking connect (loopback answers at once), then non-blocking for the run.
    c.fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const timeval tv{5, 0};  // a connect that hangs fails the run instead
    if (c.fd >= 0) ::setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (c.fd < 0 || ::connect(c.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      error_ = "connect " + o_.host + ":" + std::to_string(o_.port) + ": " + std::strerror(errno);
      return false;
    }
    const int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::fcntl(c.fd, F_SETFL, O_NONBLOCK);
    c.in = std::make_unique_for_overwrite<std::uint8_t[]>(in_cap_);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(&c - conns_.data());
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  }
  return true;
}

int run::go() {
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (!connect_all()) return fail(error_);
  for (auto& c : conns_) {
    c.in_flight = static_cast<std::uint64_t>(o_.window);
    c.owed = frames_.size();
    if (!flush(c)) return fail(error_);
  }
  const std::int64_t start = now_ns();
  const std::int64_t measure_from = start + static_cast<std::int64_t>(o_.warmup * 1e9);
  const std::int64_t deadline = measure_from + static_cast<std::int64_t>(o_.duration * 1e9);
  std::int64_t measured_start = start;
  measuring_ = o_.warmup <= 0;
  std::int64_t last_echo = start;
  std::vector<epoll_event> events(512);
  std::int64_t now = start;
  while (now < deadline) {
    const int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 50);
    if (n < 0 && errno != EINTR) return fail(std::string("epoll_wait: ") + std::strerror(errno));
    for (int i = 0; i < n; ++i) {
      const auto& ev = events[static_cast<std::size_t>(i)];
      auto& c = conns_[ev.data.u32];
      if ((ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && !on_readable(c)) return fail(error_);
      if (c.writing && (ev.events & EPOLLOUT) && !flush(c)) return fail(error_);
    }
    now = now_ns();
    if (n > 0) last_echo = now;
    if (now - last_echo > 5'000'000'000) return fail("no echo for 5 s");
    if (!measuring_ && now >= measure_from) {
      measuring_ = true;
      measured_start = now;
      counted_ = 0;
    }
  }
  const double seconds = static_cast<double>(now - measured_start) / 1e9;
  const double rate = seconds > 0 ? static_cast<double>(counted_) / seconds : 0.0;
  if (o_.json) {
    std::printf("{\"tool\":\"frame_count_client\",\"conns\":%ld,\"window\":%ld,\"size\":%ld,"
                "\"duration_s\":%.3f,\"messages\":%llu,\"msg_per_s\":%.1f,\"mb_per_s\":%.2f,"
                "\"errors\":0}\n",
                o_.conns, o_.window, o_.size, seconds,
                static_cast<unsigned long long>(counted_), rate,
                rate * static_cast<double>(o_.size) / 1e6);
  } else {
    std::printf("msg_per_s=%.1f messages=%llu seconds=%.3f errors=0\n", rate,
                static_cast<unsigned long long>(counted_), seconds);
  }
  for (auto& c : conns_) ::close(c.fd);
  ::close(ep_);
  return 0;
}

int run::fail(const std::string& what) {
  if (o_.json) {
    std::printf("{\"tool\":\"frame_count_client\",\"errors\":1,\"error_samples\":[\"%s\"]}\n",
                what.c_str());
  }
  std::fprintf(stderr, "frame_count_client: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  const int rc = parse_options(argc, argv, o);
  if (rc >= 0) return rc;
  ::signal(SIGPIPE, SIG_IGN);
  return run(o).go();
}
