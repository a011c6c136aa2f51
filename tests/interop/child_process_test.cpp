// The interop tests' child_process helper itself: exit status and both outputs, stdin, a
// missing program, writing to a child that is gone, and that a child outliving its timeout or
// its object is killed together with everything it started (no process is left behind).
#include "interop/support/child_process.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <string>

#include "integration/support/test_support.h"

namespace interop {
namespace {

using integration::long_wait;
using integration::wait_until;
using namespace std::chrono_literals;

// True once `pid` no longer runs: gone, or a zombie waiting for init to reap it.
bool process_gone(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto after_name = line.rfind(')');
  return after_name != std::string::npos && line.size() > after_name + 2 &&
         line[after_name + 2] == 'Z';
}

// A shell that starts a long sleep in the background, prints its pid, and waits for it.
std::vector<std::string> shell_with_grandchild() {
  return {"sh", "-c", "sleep 600 & echo $!; wait"};
}

int grandchild_pid(const child_process& child) {
  EXPECT_TRUE(child.wait_for_text(output::out, "\n", long_wait)) << child.transcript();
  return std::stoi(child.text(output::out));
}

TEST(ChildProcessTest, ReportsExitCodeAndBothOutputs) {
  child_process child({"sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"});
  ASSERT_TRUE(child.started()) << child.start_error();
  EXPECT_EQ(child.wait_exit(long_wait), 3);
  EXPECT_TRUE(child.wait_for_text(output::err, "to-stderr\n", long_wait));
  EXPECT_EQ(child.text(output::out), "to-stdout\n");
  EXPECT_EQ(child.text(output::err), "to-stderr\n");
  EXPECT_FALSE(child.timed_out());
}

TEST(ChildProcessTest, StdinReachesTheChildUntilClosed) {
  child_process cat({"cat"});
  ASSERT_TRUE(cat.started()) << cat.start_error();
  ASSERT_TRUE(cat.write("first\n"));
  EXPECT_TRUE(cat.wait_for_text(output::out, "first\n", long_wait));
  ASSERT_TRUE(cat.write("second\n"));
  cat.close_stdin();
  EXPECT_EQ(cat.wait_exit(long_wait), 0);
  EXPECT_EQ(cat.text(output::out), "first\nsecond\n");
  EXPECT_FALSE(cat.write("too late\n"));
}

TEST(ChildProcessTest, MissingProgramIsReportedAndNothingRuns) {
  child_process missing({"network-system-no-such-program"});
  EXPECT_FALSE(missing.started());
  EXPECT_NE(missing.start_error().find("not found on PATH"), std::string::npos)
      << missing.start_error();
  EXPECT_EQ(missing.wait_exit(10ms), std::nullopt);
}

TEST(ChildProcessTest, WritingToAChildThatExitedFailsWithoutSigpipe) {
  child_process done({"true"});
  ASSERT_TRUE(done.started()) << done.start_error();
  ASSERT_EQ(done.wait_exit(long_wait), 0);
  EXPECT_FALSE(done.write("nobody reads this\n"));  // EPIPE; SIGPIPE would end this test
}

TEST(ChildProcessTest, OutlivingItsTimeoutKillsTheChildAndWhatItStarted) {
  child_process child(shell_with_grandchild(), {.timeout = 200ms});
  ASSERT_TRUE(child.started()) << child.start_error();
  const int grandchild = grandchild_pid(child);
  EXPECT_EQ(child.wait_exit(long_wait), 128 + SIGKILL) << child.transcript();
  EXPECT_TRUE(child.timed_out());
  EXPECT_TRUE(wait_until([&] { return process_gone(grandchild); }));
}

TEST(ChildProcessTest, DestructionKillsTheChildAndWhatItStarted) {
  int child_pid = 0;
  int grandchild = 0;
  {
    child_process child(shell_with_grandchild());
    ASSERT_TRUE(child.started()) << child.start_error();
    child_pid = child.pid();
    grandchild = grandchild_pid(child);
  }
  EXPECT_TRUE(process_gone(child_pid));  // reaped by the destructor
  EXPECT_TRUE(wait_until([&] { return process_gone(grandchild); }));
}

}  // namespace
}  // namespace interop
