#include "idle_hold.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "connector.h"
#include "progress.h"

namespace nsys {

bench_result run_idle_hold(const bench_options& opt, const endpoint& to) {
  bench_result result;
  result.workload = "idle";
  result.target = to.text;
  progress_line progress(opt.progress && !opt.json);

  const std::int64_t open_start = now_ns();
  const auto fds =
      connect_all(to, opt.idle_conns, opt.batch,
                  std::chrono::milliseconds(static_cast<long>(opt.connect_timeout * 1000)),
                  [&](std::size_t opened) {
                    if (progress.due(now_ns()) || opened == opt.idle_conns) {
                      progress.show("  opening connections: " + with_commas(opened) + " / " +
                                    with_commas(opt.idle_conns));
                    }
                  });
  result.open_seconds = static_cast<double>(now_ns() - open_start) / 1e9;
  result.connections = fds.size();

  // Hold: any readiness on an idle connection means the server closed or reset it.
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < fds.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  const std::int64_t hold_start = now_ns();
  const std::int64_t hold_end = hold_start + static_cast<std::int64_t>(opt.hold * 1e9);
  std::vector<epoll_event> events(256);
  for (std::int64_t now = hold_start; now < hold_end; now = now_ns()) {
    const int wait_ms =
        static_cast<int>(std::min<std::int64_t>((hold_end - now) / 1'000'000 + 1, 250));
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), wait_ms);
    if (n < 0 && errno != EINTR) throw fatal_error("epoll_wait: " + errno_text(errno));
    for (int i = 0; i < n; ++i) {
      const auto index = events[static_cast<std::size_t>(i)].data.u64;
      ::epoll_ctl(ep, EPOLL_CTL_DEL, fds[index], nullptr);
      result.add_error("idle connection " + std::to_string(index) + " closed by the server");
    }
    if (progress.due(now)) {
      char line[160];
      std::snprintf(line, sizeof(line), "  holding %s idle connections: %.1f / %.1f s",
                    with_commas(fds.size()).c_str(), static_cast<double>(now - hold_start) / 1e9,
                    opt.hold);
      progress.show(line);
    }
  }
  result.seconds = static_cast<double>(now_ns() - hold_start) / 1e9;
  ::close(ep);
  for (int fd : fds) ::close(fd);
  progress.clear();
  return result;
}

}  // namespace nsys
