#include "interop/support/child_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace interop {

namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How often the watcher looks at the child when its pipes are quiet. Exit is noticed within
// this; nothing waits on it otherwise.
constexpr auto watch_period = 5ms;
// After the child exited, how long its output may still take to arrive (something outside its
// process group could hold the pipe open; we stop reading then).
constexpr auto drain_after_exit = 2s;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool make_pipe(int fds[2]) { return ::pipe2(fds, O_CLOEXEC) == 0; }

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Our environment with `overrides` ("NAME=value") replacing or adding variables.
std::vector<std::string> child_environment(const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto name = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const auto& o : overrides) replaced = replaced || o.rfind(name, 0) == 0;
    if (!replaced) env.emplace_back(entry);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// The descriptors open in this process, listed before fork(): a fallback for kernels without
// close_range(CLOSE_RANGE_CLOEXEC) (5.11), since the child may only make async-signal-safe
// calls and cannot read a directory.
std::vector<int> open_descriptors() {
  std::vector<int> fds;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') fds.push_back(std::atoi(e->d_name));
    }
    ::closedir(d);
  }
  return fds;
}

}  // namespace

std::string find_program(std::string_view program) {
  if (program.empty()) return {};
  if (program.find('/') != std::string_view::npos) {
    return ::access(std::string(program).c_str(), X_OK) == 0 ? std::string(program) : "";
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + std::string(program);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

child_process::child_process(std::vector<std::string> argv, child_options options) {
  for (const auto& a : argv) command_ += (command_.empty() ? "" : " ") + a;
  const std::string path = argv.empty() ? "" : find_program(argv[0]);
  if (path.empty()) {
    start_error_ = (argv.empty() ? std::string("(no program)") : argv[0]) + ": not found on PATH";
    return;
  }
  // The watcher thread forks: the child's PR_SET_PDEATHSIG follows the thread that forked it,
  // so the child cannot outlive this object's watcher, nor the test process.
  watcher_ = std::thread([this, argv = std::move(argv), path, options = std::move(options)] {
    watch(argv, path, options);
  });
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return launched_; });
}

child_process::~child_process() {
  if (watcher_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    watcher_.join();
  }
  std::lock_guard lock(stdin_mutex_);
  close_fd(stdin_fd_);
}

bool child_process::spawn(const std::vector<std::string>& argv, const std::string& path,
                          const child_options& options) {
  int in[2], out[2], err[2], exec_error[2];
  if (!make_pipe(in) || !make_pipe(out) || !make_pipe(err) || !make_pipe(exec_error)) {
    start_error_ = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  // Everything the child needs is prepared here: after fork() it may not allocate.
  auto args = argv;
  auto arg_pointers = pointers_to(args);
  auto env = child_environment(options.environment);
  auto env_pointers = pointers_to(env);
  const auto inherited = open_descriptors();
  const pid_t parent = ::getpid();
  const char* workdir = options.working_directory.empty() ? nullptr
                                                          : options.working_directory.c_str();

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent is already gone
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    // Nothing of ours (sockets, other children's pipes) may leak into the peer.
    if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) != 0) {
      for (int fd : inherited) {
        if (fd > STDERR_FILENO && fd != exec_error[1]) ::close(fd);
      }
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);  // we ignore it; the peer must not
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (workdir == nullptr || ::chdir(workdir) == 0) {
      ::execve(path.c_str(), arg_pointers.data(), env_pointers.data());
    }
    const int e = errno;
    (void)!::write(exec_error[1], &e, sizeof e);
    ::_exit(127);
  }
  for (int fd : {in[0], out[1], err[1], exec_error[1]}) ::close(fd);
  if (pid < 0) {
    start_error_ = std::string("fork: ") + std::strerror(errno);
    for (int fd : {in[1], out[0], err[0], exec_error[0]}) ::close(fd);
    return false;
  }
  ::setpgid(pid, pid);  // also here, so that kill(-pid) works before the child ran
  pid_ = pid;
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  set_nonblocking(stdout_fd_);
  set_nonblocking(stderr_fd_);
  set_nonblocking(in[1]);
  {
    std::lock_guard lock(stdin_mutex_);
    stdin_fd_ = in[1];
  }
  // End of file on the exec-error pipe: execve() succeeded (the pipe was close-on-exec).
  int e = 0;
  ssize_t n;
  do {
    n = ::read(exec_error[0], &e, sizeof e);
  } while (n < 0 && errno == EINTR);
  ::close(exec_error[0]);
  if (n > 0) {
    start_error_ = "exec " + path + ": " + std::strerror(e);
    return false;
  }
  return true;
}

void child_process::drain(int& fd, std::string& into) {
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      std::lock_guard lock(mutex_);
      into.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close_fd(fd);  // end of file or an error: nothing more will come
    return;
  }
}

void child_process::reap(int status) {
  exited_ = true;
  if (WIFEXITED(status)) {
    exit_status_ = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit_status_ = 128 + WTERMSIG(status);
  }
}

void child_process::watch(std::vector<std::string> argv, std::string path,
                          child_options options) {
  // SIGPIPE would kill the test process when it writes to a child that closed its stdin.
  static const bool sigpipe_ignored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  const bool ok = spawn(argv, path, options);
  {
    std::lock_guard lock(mutex_);
    started_ = ok;
    launched_ = true;
  }
  changed_.notify_all();
  if (pid_ < 0) return;

  const auto deadline = steady::now() + options.timeout;
  std::optional<steady::time_point> exited_at;
  for (;;) {
    pollfd fds[2];
    nfds_t n = 0;
    if (stdout_fd_ >= 0) fds[n++] = {stdout_fd_, POLLIN, 0};
    if (stderr_fd_ >= 0) fds[n++] = {stderr_fd_, POLLIN, 0};
    if (n > 0) {
      (void)::poll(fds, n, static_cast<int>(watch_period.count()));
    } else {
      std::this_thread::sleep_for(watch_period);
    }
    if (stdout_fd_ >= 0) drain(stdout_fd_, stdout_);
    if (stderr_fd_ >= 0) drain(stderr_fd_, stderr_);

    std::unique_lock lock(mutex_);
    output_done_ = stdout_fd_ < 0 && stderr_fd_ < 0;
    if (!exited_) {
      // WNOWAIT: the child stays a zombie, so its pid (and process group id) cannot be reused
      // while we kill the group's stragglers.
      siginfo_t info{};
      const bool gone = ::waitid(P_PID, static_cast<id_t>(pid_), &info,
                                 WEXITED | WNOHANG | WNOWAIT) == 0 &&
                        info.si_pid == pid_;
      if (!gone && (stop_ || steady::now() >= deadline)) {
        if (!stop_) timed_out_ = true;
        ::kill(-pid_, SIGKILL);
      }
      if (gone) {
        ::kill(-pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        reap(status);
        exited_at = steady::now();
      }
    }
    const bool done =
        exited_ && (output_done_ || stop_ || steady::now() - *exited_at >= drain_after_exit);
    lock.unlock();
    changed_.notify_all();
    if (done) break;
  }
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
  std::lock_guard lock(mutex_);
  output_done_ = true;
  changed_.notify_all();
}

bool child_process::write(std::string_view text, std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  std::lock_guard lock(stdin_mutex_);
  while (!text.empty()) {
    if (stdin_fd_ < 0) return false;
    const ssize_t n = ::write(stdin_fd_, text.data(), text.size());
    if (n > 0) {
      text.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return false;  // EPIPE: the child closed its stdin
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    if (left <= 0ms) return false;
    pollfd p{stdin_fd_, POLLOUT, 0};
    (void)::poll(&p, 1, static_cast<int>(left.count()));
  }
  return true;
}

void child_process::close_stdin() {
  std::lock_guard lock(stdin_mutex_);
  close_fd(stdin_fd_);
}

std::string child_process::text(output which) const {
  std::lock_guard lock(mutex_);
  return which == output::out ? stdout_ : stderr_;
}

bool child_process::wait_for_output(
    const std::function<bool(const std::string&, const std::string&)>& ready,
    std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return ready(stdout_, stderr_) || output_done_; });
  return ready(stdout_, stderr_);
}

bool child_process::wait_for_text(output which, std::string_view needle,
                                  std::chrono::milliseconds timeout) const {
  return wait_for_output(
      [&](const std::string& out, const std::string& err) {
        return (which == output::out ? out : err).find(needle) != std::string::npos;
      },
      timeout);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return exited_ || !started_; })) return std::nullopt;
  if (!exited_) return std::nullopt;
  return exit_status_;
}

bool child_process::timed_out() const {
  std::lock_guard lock(mutex_);
  return timed_out_;
}

void child_process::kill() {
  std::lock_guard lock(mutex_);
  // Only before the watcher reaped the child: until then its pid cannot belong to another.
  if (pid_ > 0 && !exited_) ::kill(-pid_, SIGKILL);
}

std::string child_process::transcript() const {
  std::lock_guard lock(mutex_);
  std::ostringstream s;
  s << "$ " << command_ << "\n";
  if (!start_error_.empty()) s << "[not started: " << start_error_ << "]\n";
  if (exited_) {
    s << "[exit status " << exit_status_ << (timed_out_ ? ", killed at its timeout" : "") << "]\n";
  } else if (started_) {
    s << "[still running]\n";
  }
  s << "--- stdout ---\n" << stdout_ << "\n--- stderr ---\n" << stderr_ << "\n";
  return s.str();
}

}  // namespace interop
