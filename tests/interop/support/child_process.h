#pragma once
// child_process: runs a peer program (openssl, gnutls-cli, testssl) for an interop test, with
// its stdin, stdout and stderr on pipes, bounded in time, and never left behind.
//
//   interop::child_process s_client({"openssl", "s_client", "-connect", "127.0.0.1:4433"});
//   ASSERT_TRUE(s_client.started()) << s_client.start_error();
//   s_client.write("hello\n");
//   EXPECT_TRUE(s_client.wait_for_text(interop::output::out, "hello\n", 30s));
//   s_client.close_stdin();
//   EXPECT_EQ(s_client.wait_exit(30s), 0) << s_client.transcript();
//
// The child runs in a process group of its own; whatever it starts (testssl runs hundreds of
// openssl processes) is in that group too. The group is killed with SIGKILL when the child
// outlives child_options::timeout, when kill() is called, when the object is destroyed, and
// (stragglers only) as soon as the child itself exits. The child also dies with SIGKILL if the
// test process dies first (PR_SET_PDEATHSIG on the watcher thread that forked it).
//
// Threads: one watcher thread per child forks it, drains its output and reaps it. Every method
// may be called from any thread; waits take a timeout and never block longer.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace interop {

enum class output { out, err };

struct child_options {
  /// The child and its process group are killed (SIGKILL) once it has run this long.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  /// Environment entries "NAME=value" added to ours (replacing a variable of the same name).
  std::vector<std::string> environment;
  /// Working directory of the child; empty: ours.
  std::string working_directory;
};

/// The absolute path of `program` found on PATH (or `program` itself if it names a file with a
/// '/'), or an empty string.
std::string find_program(std::string_view program);

class child_process {
 public:
  /// Starts argv[0] (looked up on PATH unless it contains a '/') with argv. Returns once the
  /// program was executed or failed to; check started().
  explicit child_process(std::vector<std::string> argv, child_options options = {});
  /// Kills the process group if the child still runs, reaps it and stops the watcher.
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  [[nodiscard]] bool started() const noexcept { return started_; }
  /// Why the program could not be run ("…: not found on PATH", "exec …: Permission denied").
  [[nodiscard]] const std::string& start_error() const noexcept { return start_error_; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  /// Writes all of `text` to the child's stdin within `timeout`. False if the child closed its
  /// stdin, stdin was closed, or the time ran out.
  bool write(std::string_view text,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Closes the child's stdin: it reads end of file.
  void close_stdin();

  /// Everything the child wrote to stdout or stderr so far.
  [[nodiscard]] std::string text(output which) const;
  /// Waits until `which` contains `needle`; false at the timeout or once the child's output
  /// ended without it.
  bool wait_for_text(output which, std::string_view needle,
                     std::chrono::milliseconds timeout) const;
  /// Waits until `ready(stdout, stderr)` is true; false at the timeout or once the output ended
  /// without it.
  bool wait_for_output(const std::function<bool(const std::string&, const std::string&)>& ready,
                       std::chrono::milliseconds timeout) const;

  /// Waits for the child to exit: its exit code, 128 + the signal that killed it, or nullopt
  /// if it still runs at the timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  /// True once the child was killed because it outlived child_options::timeout.
  [[nodiscard]] bool timed_out() const;
  /// Kills the child's process group (SIGKILL) now.
  void kill();

  /// The command, its status and both outputs: for failure messages.
  [[nodiscard]] std::string transcript() const;

 private:
  void watch(std::vector<std::string> argv, std::string path, child_options options);
  bool spawn(const std::vector<std::string>& argv, const std::string& path,
             const child_options& options);
  void drain(int& fd, std::string& into);
  void reap(int status);

  std::string command_;
  bool started_ = false;
  std::string start_error_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;  // guarded by stdin_mutex_
  int stdout_fd_ = -1;  // watcher thread only
  int stderr_fd_ = -1;  // watcher thread only

  std::mutex stdin_mutex_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool launched_ = false;      // the watcher finished starting the child (or failing to)
  bool stop_ = false;          // the destructor or kill() asks the watcher to kill the group
  bool output_done_ = false;   // both pipes reached end of file
  bool exited_ = false;
  bool timed_out_ = false;
  int exit_status_ = -1;
  std::string stdout_;
  std::string stderr_;
  std::thread watcher_;
};

}  // namespace interop
