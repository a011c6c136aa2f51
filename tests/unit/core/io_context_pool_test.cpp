#include "network_system/core/io_context_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <asio/post.hpp>
#include <gtest/gtest.h>

namespace network_system::core {
namespace {

using namespace std::chrono_literals;

// Generous: only reached when the code under test is broken.
constexpr auto deadline = 10s;

// Runs fn on a detached thread; the future is ready when fn returns. Detached so that a
// deadlocked stop() fails the test at the deadline instead of hanging the run.
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

// Posts fn to ctx and waits (bounded) for its result.
template <typename F>
auto run_on(asio::io_context& ctx, F fn) -> decltype(fn()) {
  auto result = std::make_shared<std::promise<decltype(fn())>>();
  auto future = result->get_future();
  asio::post(ctx, [fn = std::move(fn), result] { result->set_value(fn()); });
  if (future.wait_for(deadline) != std::future_status::ready) {
    ADD_FAILURE() << "posted handler did not run";
    return {};
  }
  return future.get();
}

TEST(io_context_pool_test, size_is_the_requested_thread_count) {
  io_context_pool pool(3);
  EXPECT_EQ(pool.size(), 3u);
}

TEST(io_context_pool_test, zero_threads_means_the_default_thread_count) {
  io_context_pool pool(0);
  EXPECT_EQ(pool.size(), io_context_pool::default_thread_count());
  EXPECT_GE(pool.size(), 1u);
}

// Under `taskset -c N` (or any one-CPU mask) the default is one thread, whatever the host has.
TEST(io_context_pool_test, default_thread_count_follows_the_affinity_mask) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  const std::size_t allowed_count = static_cast<std::size_t>(CPU_COUNT(&allowed));
  EXPECT_LE(io_context_pool::default_thread_count(), allowed_count);
  int cpu = 0;
  while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed)) ++cpu;
  ASSERT_LT(cpu, CPU_SETSIZE);
  std::size_t sized = 0;
  std::size_t counted = 0;
  // The mask is per thread: restrict a new one, not the test runner's.
  std::thread([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) return;
    counted = io_context_pool::default_thread_count();
    io_context_pool pool(0);
    sized = pool.size();
  }).join();
  EXPECT_EQ(counted, 1u);
  EXPECT_EQ(sized, 1u);
}

TEST(io_context_pool_test, contexts_are_distinct) {
  io_context_pool pool(4);
  std::set<asio::io_context*> seen;
  for (std::size_t i = 0; i < pool.size(); ++i) seen.insert(pool.at(i).get());
  EXPECT_EQ(seen.size(), 4u);
}

TEST(io_context_pool_test, at_out_of_range_throws) {
  io_context_pool pool(2);
  EXPECT_THROW((void)pool.at(2), std::out_of_range);
}

TEST(io_context_pool_test, next_is_round_robin) {
  io_context_pool pool(3);
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(pool.next(), pool.at(static_cast<std::size_t>(i) % 3)) << i;
  }
}

TEST(io_context_pool_test, next_spreads_evenly_across_threads_calling_it) {
  io_context_pool pool(4);
  std::vector<std::thread> threads;
  std::vector<std::vector<asio::io_context*>> picks(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) picks[t].push_back(pool.next().get());
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t c = 0; c < 4; ++c) {
    long n = 0;
    for (const auto& p : picks) n += std::count(p.begin(), p.end(), pool.at(c).get());
    EXPECT_EQ(n, 1000) << "context " << c;
  }
}

TEST(io_context_pool_test, not_running_until_started) {
  io_context_pool pool(2);
  EXPECT_FALSE(pool.is_running());
  pool.start();
  EXPECT_TRUE(pool.is_running());
  pool.stop();
  EXPECT_FALSE(pool.is_running());
}

TEST(io_context_pool_test, start_and_stop_are_idempotent) {
  io_context_pool pool(2);
  pool.start();
  pool.start();
  EXPECT_TRUE(pool.is_running());
  EXPECT_TRUE(run_on(*pool.at(0), [] { return true; }));
  pool.stop();
  pool.stop();
  EXPECT_FALSE(pool.is_running());
}

TEST(io_context_pool_test, stop_without_start_is_harmless) {
  io_context_pool pool(2);
  pool.stop();
  EXPECT_FALSE(pool.is_running());
}

TEST(io_context_pool_test, can_be_started_again_after_stop) {
  io_context_pool pool(2);
  for (int round = 0; round < 3; ++round) {
    pool.start();
    EXPECT_EQ(run_on(*pool.at(1), [] { return 7; }), 7) << "round " << round;
    pool.stop();
  }
}

TEST(io_context_pool_test, posted_work_runs_on_every_context) {
  io_context_pool pool(3);
  pool.start();
  constexpr int per_context = 100;
  std::atomic<int> ran{0};
  auto all_done = std::make_shared<std::promise<void>>();
  auto finished = all_done->get_future();
  for (std::size_t c = 0; c < pool.size(); ++c) {
    for (int i = 0; i < per_context; ++i) {
      asio::post(*pool.at(c), [&ran, all_done, total = 3 * per_context] {
        if (ran.fetch_add(1) + 1 == total) all_done->set_value();
      });
    }
  }
  ASSERT_EQ(finished.wait_for(deadline), std::future_status::ready);
  EXPECT_EQ(ran.load(), 3 * per_context);
  pool.stop();
}

TEST(io_context_pool_test, each_context_runs_on_its_own_thread) {
  io_context_pool pool(3);
  pool.start();
  std::set<std::thread::id> ids;
  for (std::size_t c = 0; c < pool.size(); ++c) {
    ids.insert(run_on(*pool.at(c), [] { return std::this_thread::get_id(); }));
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  // The same context always runs on the same thread.
  const auto first = run_on(*pool.at(0), [] { return std::this_thread::get_id(); });
  EXPECT_EQ(run_on(*pool.at(0), [] { return std::this_thread::get_id(); }), first);
  pool.stop();
}

TEST(io_context_pool_test, running_in_pool_thread_is_true_in_a_handler_and_false_outside) {
  io_context_pool pool(2);
  pool.start();
  EXPECT_FALSE(pool.running_in_pool_thread());
  for (std::size_t c = 0; c < pool.size(); ++c) {
    EXPECT_TRUE(run_on(*pool.at(c), [&pool] { return pool.running_in_pool_thread(); })) << c;
  }
  EXPECT_FALSE(pool.running_in_pool_thread());
  pool.stop();
}

TEST(io_context_pool_test, running_in_pool_thread_is_false_on_another_pools_thread) {
  io_context_pool a(1);
  io_context_pool b(1);
  a.start();
  b.start();
  EXPECT_FALSE(run_on(*b.at(0), [&a] { return a.running_in_pool_thread(); }));
  a.stop();
  b.stop();
}

TEST(io_context_pool_test, stop_runs_queued_handlers_before_returning) {
  io_context_pool pool(2);
  pool.start();
  constexpr int total = 2000;
  std::atomic<int> ran{0};
  for (int i = 0; i < total; ++i) {
    asio::post(*pool.next(), [&ran] { ran.fetch_add(1); });
  }
  pool.stop();
  EXPECT_EQ(ran.load(), total);
}

TEST(io_context_pool_test, stop_releases_what_queued_handlers_hold) {
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> watch = token;
  {
    io_context_pool pool(2);
    pool.start();
    for (int i = 0; i < 100; ++i) asio::post(*pool.next(), [token] { (void)*token; });
    token.reset();
    pool.stop();
    EXPECT_TRUE(watch.expired());
  }
}

TEST(io_context_pool_test, destructor_stops_a_running_pool) {
  auto pool = std::make_unique<io_context_pool>(2);
  pool->start();
  EXPECT_TRUE(run_on(*pool->at(0), [] { return true; }));
  auto destroyed = run_detached([p = pool.release()] { delete p; });
  EXPECT_EQ(destroyed.wait_for(deadline), std::future_status::ready);
}

TEST(io_context_pool_test, stop_from_inside_a_pool_handler_does_not_deadlock) {
  auto pool = std::make_shared<io_context_pool>(2);
  pool->start();
  auto stopped = std::make_shared<std::promise<void>>();
  auto finished = stopped->get_future();
  asio::post(*pool->at(0), [pool, stopped] {
    pool->stop();
    stopped->set_value();
  });
  ASSERT_EQ(finished.wait_for(deadline), std::future_status::ready);
  EXPECT_FALSE(pool->is_running());
  pool->stop();  // still idempotent from outside
  EXPECT_FALSE(pool->is_running());
}

TEST(io_context_pool_test, destroying_the_pool_from_inside_its_handler_does_not_deadlock) {
  auto* pool = new io_context_pool(2);
  pool->start();
  auto destroyed = std::make_shared<std::promise<void>>();
  auto finished = destroyed->get_future();
  asio::post(*pool->at(1), [pool, destroyed] {
    delete pool;
    destroyed->set_value();
  });
  EXPECT_EQ(finished.wait_for(deadline), std::future_status::ready);
}

// stop() held the start/stop mutex while joining the pool's threads, and a pool handler that
// called stop() at the same moment blocked on that mutex: each waited for the other forever.
TEST(io_context_pool_test, regression_stop_from_a_handler_while_another_thread_stops_deadlocked) {
  auto* pool = new io_context_pool(2);
  pool->start();
  auto entered = std::make_shared<std::promise<void>>();
  auto handler_entered = entered->get_future();
  asio::post(*pool->at(0), [pool, entered] {
    entered->set_value();
    // Wait until the other thread is inside stop(): it clears is_running() and then joins
    // this thread.
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (pool->is_running() && std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();
    }
    pool->stop();
  });
  ASSERT_EQ(handler_entered.wait_for(deadline), std::future_status::ready);
  auto stopped = run_detached([pool] { pool->stop(); });
  const bool finished = stopped.wait_for(deadline) == std::future_status::ready;
  EXPECT_TRUE(finished) << "stop() deadlocked";
  if (finished) delete pool;  // else leak it: its threads are still blocked inside
}

// A handler still queued when stop() begins runs either on its pool thread or, once the context
// is stopped, in stop()'s drain on the stopping thread itself. If it calls stop() (e.g. a
// session closing its server), neither case may deadlock.
TEST(io_context_pool_test, stop_called_by_a_queued_handler_while_stopping_does_not_deadlock) {
  auto* pool = new io_context_pool(1);
  pool->start();
  auto release = std::make_shared<std::promise<void>>();
  auto released = release->get_future().share();
  auto entered = std::make_shared<std::promise<void>>();
  auto blocker_entered = entered->get_future();
  auto inner_ran = std::make_shared<std::atomic<bool>>(false);
  // The blocker keeps the only thread busy until stop() has stopped the context, so the
  // handler behind it is left for stop()'s drain.
  asio::post(*pool->at(0), [entered, released] {
    entered->set_value();
    (void)released.wait_for(deadline);
  });
  asio::post(*pool->at(0), [pool, inner_ran] {
    pool->stop();
    inner_ran->store(true);
  });
  ASSERT_EQ(blocker_entered.wait_for(deadline), std::future_status::ready);
  auto stopped = run_detached([pool] { pool->stop(); });
  // Let the blocker go once stop() has begun (is_running() is cleared first).
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (pool->is_running() && std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
  }
  release->set_value();
  const bool finished = stopped.wait_for(deadline) == std::future_status::ready;
  EXPECT_TRUE(finished) << "stop() deadlocked";
  if (!finished) return;  // leak the pool: its threads are still blocked inside
  EXPECT_TRUE(inner_ran->load());
  delete pool;
}

}  // namespace
}  // namespace network_system::core
