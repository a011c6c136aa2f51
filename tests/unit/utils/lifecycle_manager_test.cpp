#include "network_system/utils/lifecycle_manager.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace network_system::utils {
namespace {

using namespace std::chrono_literals;
using state = lifecycle_manager::state;

// Generous: only reached when the code under test is broken.
constexpr auto deadline = 10s;

// Runs fn on a detached thread and returns a future that becomes ready when fn returns.
// Detached so that an implementation that never returns fails the test at the deadline
// instead of hanging the run; fn must share ownership of whatever it touches.
template <typename F>
std::future<void> run_detached(F fn) {
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  std::thread([fn = std::move(fn), done] {
    fn();
    done->set_value();
  }).detach();
  return finished;
}

TEST(lifecycle_manager_test, starts_idle) {
  lifecycle_manager lm;
  EXPECT_EQ(lm.current(), state::idle);
  EXPECT_FALSE(lm.is_running());
}

TEST(lifecycle_manager_test, try_start_succeeds_once) {
  lifecycle_manager lm;
  EXPECT_TRUE(lm.try_start());
  EXPECT_TRUE(lm.is_running());
  EXPECT_EQ(lm.current(), state::running);
  EXPECT_FALSE(lm.try_start());
  EXPECT_EQ(lm.current(), state::running);
}

TEST(lifecycle_manager_test, try_start_fails_while_stopping) {
  lifecycle_manager lm;
  ASSERT_TRUE(lm.try_start());
  ASSERT_TRUE(lm.prepare_stop());
  EXPECT_FALSE(lm.try_start());
  EXPECT_EQ(lm.current(), state::stopping);
  EXPECT_FALSE(lm.is_running());
}

TEST(lifecycle_manager_test, prepare_stop_succeeds_only_once) {
  lifecycle_manager lm;
  ASSERT_TRUE(lm.try_start());
  EXPECT_TRUE(lm.prepare_stop());
  EXPECT_FALSE(lm.prepare_stop());
  lm.mark_stopped();
  EXPECT_FALSE(lm.prepare_stop());
}

TEST(lifecycle_manager_test, prepare_stop_fails_when_never_started) {
  lifecycle_manager lm;
  EXPECT_FALSE(lm.prepare_stop());
  EXPECT_EQ(lm.current(), state::idle);
}

TEST(lifecycle_manager_test, prepare_stop_has_one_winner_among_racing_threads) {
  lifecycle_manager lm;
  ASSERT_TRUE(lm.try_start());
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (lm.prepare_stop()) winners.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST(lifecycle_manager_test, can_start_again_after_mark_stopped) {
  lifecycle_manager lm;
  ASSERT_TRUE(lm.try_start());
  ASSERT_TRUE(lm.prepare_stop());
  lm.mark_stopped();
  EXPECT_EQ(lm.current(), state::idle);
  EXPECT_TRUE(lm.try_start());
  EXPECT_TRUE(lm.is_running());
}

TEST(lifecycle_manager_test, abort_start_returns_to_idle) {
  lifecycle_manager lm;
  ASSERT_TRUE(lm.try_start());
  lm.abort_start();
  EXPECT_EQ(lm.current(), state::idle);
  EXPECT_TRUE(lm.wait_for_stop_for(0ms));
  EXPECT_TRUE(lm.try_start());
}

TEST(lifecycle_manager_test, wait_for_stop_returns_at_once_when_never_started) {
  auto lm = std::make_shared<lifecycle_manager>();
  auto waited = run_detached([lm] { lm->wait_for_stop(); });
  EXPECT_EQ(waited.wait_for(deadline), std::future_status::ready);
  EXPECT_TRUE(lm->wait_for_stop_for(0ms));
}

TEST(lifecycle_manager_test, wait_for_stop_returns_at_once_after_a_completed_stop) {
  auto lm = std::make_shared<lifecycle_manager>();
  ASSERT_TRUE(lm->try_start());
  ASSERT_TRUE(lm->prepare_stop());
  lm->mark_stopped();
  auto waited = run_detached([lm] { lm->wait_for_stop(); });
  EXPECT_EQ(waited.wait_for(deadline), std::future_status::ready);
}

TEST(lifecycle_manager_test, wait_for_stop_for_times_out_while_running) {
  lifecycle_manager lm;
  ASSERT_TRUE(lm.try_start());
  EXPECT_FALSE(lm.wait_for_stop_for(20ms));
  ASSERT_TRUE(lm.prepare_stop());
  EXPECT_FALSE(lm.wait_for_stop_for(20ms));  // stopping is not stopped yet
  lm.mark_stopped();
  EXPECT_TRUE(lm.wait_for_stop_for(0ms));
}

// The old library's wait_for_stop() returned at once while the server was still running, so a
// main() that started a server and waited on it exited immediately. Pin that waiting really
// blocks until another thread marks the component stopped.
TEST(lifecycle_manager_test, regression_wait_for_stop_returned_at_once_while_running) {
  auto lm = std::make_shared<lifecycle_manager>();
  ASSERT_TRUE(lm->try_start());
  auto waited = run_detached([lm] { lm->wait_for_stop(); });
  // Still running: the waiter must still be blocked. (A correct implementation always times
  // out here; the broken one returned at once.)
  EXPECT_EQ(waited.wait_for(50ms), std::future_status::timeout);
  ASSERT_TRUE(lm->prepare_stop());
  EXPECT_EQ(waited.wait_for(20ms), std::future_status::timeout);  // stopping is not stopped

  std::thread stopper([lm] { lm->mark_stopped(); });
  stopper.join();
  EXPECT_EQ(waited.wait_for(deadline), std::future_status::ready);
}

TEST(lifecycle_manager_test, mark_stopped_wakes_every_waiter) {
  lifecycle_manager lm;
  ASSERT_TRUE(lm.try_start());
  std::vector<std::future<bool>> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.push_back(
        std::async(std::launch::async, [&] { return lm.wait_for_stop_for(deadline); }));
  }
  ASSERT_TRUE(lm.prepare_stop());
  lm.mark_stopped();
  for (auto& w : waiters) {
    ASSERT_EQ(w.wait_for(deadline), std::future_status::ready);
    EXPECT_TRUE(w.get());
  }
}

}  // namespace
}  // namespace network_system::utils
