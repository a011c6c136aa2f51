#include "network_system/utils/callback_manager.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace network_system::utils {
namespace {

using receive_fn = std::function<void(const std::string&)>;
using count_fn = std::function<void(int&)>;
using tick_fn = std::function<void()>;
using test_callbacks = callback_manager<receive_fn, count_fn, tick_fn>;

TEST(callback_manager_test, unset_slots_are_empty_and_not_invoked) {
  test_callbacks cb;
  EXPECT_EQ(cb.get<0>(), nullptr);
  EXPECT_EQ(cb.get<1>(), nullptr);
  EXPECT_FALSE(cb.invoke<0>(std::string("x")));
  EXPECT_FALSE(cb.invoke<2>());
}

TEST(callback_manager_test, set_then_invoke_passes_the_arguments) {
  test_callbacks cb;
  std::string seen;
  cb.set<0>([&](const std::string& s) { seen = s; });
  EXPECT_TRUE(cb.invoke<0>(std::string("hello")));
  EXPECT_EQ(seen, "hello");
}

TEST(callback_manager_test, invoke_forwards_references) {
  test_callbacks cb;
  cb.set<1>([](int& n) { n += 5; });
  int n = 1;
  EXPECT_TRUE(cb.invoke<1>(n));
  EXPECT_EQ(n, 6);
}

TEST(callback_manager_test, slots_are_independent) {
  test_callbacks cb;
  int ticks = 0;
  cb.set<2>([&] { ++ticks; });
  EXPECT_FALSE(cb.invoke<0>(std::string("x")));
  EXPECT_TRUE(cb.invoke<2>());
  EXPECT_EQ(ticks, 1);
  cb.set<0>(nullptr);
  EXPECT_TRUE(cb.invoke<2>());
  EXPECT_EQ(ticks, 2);
}

TEST(callback_manager_test, get_returns_a_callable_snapshot) {
  test_callbacks cb;
  int ticks = 0;
  cb.set<2>([&] { ++ticks; });
  const auto fn = cb.get<2>();
  ASSERT_NE(fn, nullptr);
  (*fn)();
  EXPECT_EQ(ticks, 1);
}

TEST(callback_manager_test, set_replaces_the_previous_callback) {
  test_callbacks cb;
  std::string which;
  cb.set<2>([&] { which = "first"; });
  cb.set<2>([&] { which = "second"; });
  EXPECT_TRUE(cb.invoke<2>());
  EXPECT_EQ(which, "second");
}

TEST(callback_manager_test, setting_an_empty_function_clears_the_slot) {
  test_callbacks cb;
  cb.set<2>([] {});
  cb.set<2>(tick_fn{});
  EXPECT_EQ(cb.get<2>(), nullptr);
  EXPECT_FALSE(cb.invoke<2>());
}

TEST(callback_manager_test, clear_empties_every_slot) {
  test_callbacks cb;
  cb.set<0>([](const std::string&) {});
  cb.set<1>([](int&) {});
  cb.set<2>([] {});
  cb.clear();
  EXPECT_EQ(cb.get<0>(), nullptr);
  EXPECT_EQ(cb.get<1>(), nullptr);
  EXPECT_EQ(cb.get<2>(), nullptr);
}

TEST(callback_manager_test, snapshot_outlives_a_replacement) {
  test_callbacks cb;
  auto token = std::make_shared<int>(7);
  std::weak_ptr<int> watch = token;
  cb.set<2>([token] { EXPECT_EQ(*token, 7); });
  token.reset();
  auto snapshot = cb.get<2>();
  cb.set<2>([] {});
  EXPECT_FALSE(watch.expired());  // the snapshot keeps the old callback and its captures
  (*snapshot)();
  snapshot.reset();
  EXPECT_TRUE(watch.expired());
}

TEST(callback_manager_test, callback_may_replace_itself_while_running) {
  test_callbacks cb;
  auto token = std::make_shared<int>(42);
  std::weak_ptr<int> watch = token;
  int seen = 0;
  cb.set<2>([&cb, &seen, token] {
    cb.set<2>(nullptr);  // drops the slot's reference to this very callback
    seen = *token;       // still valid: invoke() holds a snapshot
  });
  token.reset();
  EXPECT_TRUE(cb.invoke<2>());
  EXPECT_EQ(seen, 42);
  EXPECT_TRUE(watch.expired());
  EXPECT_FALSE(cb.invoke<2>());
}

TEST(callback_manager_test, callback_may_call_set_and_get_without_deadlock) {
  test_callbacks cb;
  bool saw_slot = false;
  cb.set<2>([&] {
    saw_slot = cb.get<2>() != nullptr;
    cb.set<1>([](int& n) { ++n; });
  });
  EXPECT_TRUE(cb.invoke<2>());
  EXPECT_TRUE(saw_slot);
  int n = 0;
  EXPECT_TRUE(cb.invoke<1>(n));
  EXPECT_EQ(n, 1);
}

TEST(callback_manager_test, replace_while_another_thread_invokes) {
  test_callbacks cb;
  // Every callback installed counts its calls into a counter it owns; a callback destroyed
  // while running would be caught by ASan, a torn slot by the totals.
  constexpr int invokes = 20000;
  constexpr int replacements = 2000;
  std::atomic<long> calls{0};
  std::atomic<long> hits{0};
  auto make = [&calls] {
    auto own = std::make_shared<long>(0);
    return [&calls, own] {
      ++*own;  // touched only by the invoking thread
      calls.fetch_add(1, std::memory_order_relaxed);
    };
  };
  cb.set<2>(make());

  std::atomic<bool> go{false};
  std::thread invoker([&] {
    while (!go.load()) std::this_thread::yield();
    for (int i = 0; i < invokes; ++i) {
      if (cb.invoke<2>()) hits.fetch_add(1, std::memory_order_relaxed);
    }
  });
  std::thread replacer([&] {
    while (!go.load()) std::this_thread::yield();
    for (int i = 0; i < replacements; ++i) {
      if (i % 10 == 9) {
        cb.set<2>(nullptr);
      } else {
        cb.set<2>(make());
      }
      if (i % 100 == 99) cb.clear();
    }
  });
  go.store(true);
  invoker.join();
  replacer.join();
  EXPECT_EQ(calls.load(), hits.load());
  EXPECT_LE(hits.load(), invokes);
}

TEST(callback_manager_test, concurrent_invokers_all_reach_the_callback) {
  test_callbacks cb;
  std::atomic<int> calls{0};
  cb.set<1>([&calls](int& n) {
    ++n;
    calls.fetch_add(1);
  });
  constexpr int threads = 4;
  constexpr int per_thread = 5000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      int local = 0;
      for (int i = 0; i < per_thread; ++i) cb.invoke<1>(local);
      EXPECT_EQ(local, per_thread);
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(calls.load(), threads * per_thread);
}

TEST(callback_manager_test, get_cached_follows_set_and_clear) {
  test_callbacks cb;
  slot_cache<tick_fn> cache;
  EXPECT_EQ(cb.get_cached<2>(cache), nullptr);

  int which = 0;
  cb.set<2>([&] { which = 1; });
  const tick_fn* first = cb.get_cached<2>(cache);
  ASSERT_NE(first, nullptr);
  (*first)();
  EXPECT_EQ(which, 1);
  EXPECT_EQ(cb.get_cached<2>(cache), first);  // unchanged slot: the same snapshot

  cb.set<2>([&] { which = 2; });
  const tick_fn* second = cb.get_cached<2>(cache);
  ASSERT_NE(second, nullptr);
  (*second)();
  EXPECT_EQ(which, 2);

  cb.clear();
  EXPECT_EQ(cb.get_cached<2>(cache), nullptr);
}

TEST(callback_manager_test, get_cached_sees_a_set_of_another_slot_without_going_stale) {
  test_callbacks cb;
  slot_cache<tick_fn> cache;
  int ticks = 0;
  cb.set<2>([&] { ++ticks; });
  ASSERT_NE(cb.get_cached<2>(cache), nullptr);
  cb.set<0>([](const std::string&) {});  // bumps the version; slot 2 is unchanged
  const tick_fn* fn = cb.get_cached<2>(cache);
  ASSERT_NE(fn, nullptr);
  (*fn)();
  EXPECT_EQ(ticks, 1);
}

TEST(callback_manager_test, one_cache_used_with_two_managers_never_mixes_them) {
  test_callbacks a;
  test_callbacks b;
  std::string which;
  a.set<2>([&] { which = "a"; });
  b.set<2>([&] { which = "b"; });
  slot_cache<tick_fn> cache;
  (*a.get_cached<2>(cache))();
  EXPECT_EQ(which, "a");
  (*b.get_cached<2>(cache))();
  EXPECT_EQ(which, "b");
  (*a.get_cached<2>(cache))();
  EXPECT_EQ(which, "a");
}

TEST(callback_manager_test, cache_is_not_confused_by_a_new_manager_at_the_same_address) {
  slot_cache<tick_fn> cache;
  auto first = std::make_unique<test_callbacks>();
  first->set<2>([] {});
  ASSERT_NE(first->get_cached<2>(cache), nullptr);
  first.reset();
  auto second = std::make_unique<test_callbacks>();  // may reuse the address
  EXPECT_EQ(second->get_cached<2>(cache), nullptr);
}

TEST(callback_manager_test, cached_snapshot_keeps_a_replaced_callback_alive) {
  test_callbacks cb;
  auto token = std::make_shared<int>(3);
  std::weak_ptr<int> watch = token;
  cb.set<2>([token] {});
  token.reset();
  slot_cache<tick_fn> cache;
  ASSERT_NE(cb.get_cached<2>(cache), nullptr);
  cb.set<2>(nullptr);
  EXPECT_FALSE(watch.expired());  // the cache still holds it until it refreshes or forgets
  EXPECT_EQ(cb.get_cached<2>(cache), nullptr);
  EXPECT_TRUE(watch.expired());
}

TEST(callback_manager_test, forget_releases_the_cached_snapshot) {
  test_callbacks cb;
  auto token = std::make_shared<int>(3);
  std::weak_ptr<int> watch = token;
  cb.set<2>([token] {});
  token.reset();
  slot_cache<tick_fn> cache;
  ASSERT_NE(cb.get_cached<2>(cache), nullptr);
  cb.clear();
  EXPECT_FALSE(watch.expired());
  cb.forget(cache);
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(cb.get_cached<2>(cache), nullptr);
}

TEST(callback_manager_test, forget_ignores_a_cache_of_another_manager) {
  test_callbacks a;
  test_callbacks b;
  a.set<2>([] {});
  slot_cache<tick_fn> cache;
  ASSERT_NE(a.get_cached<2>(cache), nullptr);
  b.forget(cache);
  EXPECT_NE(cache.fn, nullptr);
}

TEST(callback_manager_test, replace_while_another_thread_calls_through_its_cache) {
  test_callbacks cb;
  constexpr int calls_wanted = 20000;
  constexpr int replacements = 2000;
  std::atomic<long> calls{0};
  std::atomic<long> hits{0};
  auto make = [&calls] {
    auto own = std::make_shared<long>(0);
    return [&calls, own] {
      ++*own;
      calls.fetch_add(1, std::memory_order_relaxed);
    };
  };
  cb.set<2>(make());
  std::atomic<bool> go{false};
  std::thread caller([&] {
    slot_cache<tick_fn> cache;
    while (!go.load()) std::this_thread::yield();
    for (int i = 0; i < calls_wanted; ++i) {
      if (const tick_fn* fn = cb.get_cached<2>(cache)) {
        (*fn)();
        hits.fetch_add(1, std::memory_order_relaxed);
      }
    }
    cb.forget(cache);
  });
  std::thread replacer([&] {
    while (!go.load()) std::this_thread::yield();
    for (int i = 0; i < replacements; ++i) {
      if (i % 10 == 9) {
        cb.set<2>(nullptr);
      } else {
        cb.set<2>(make());
      }
    }
  });
  go.store(true);
  caller.join();
  replacer.join();
  EXPECT_EQ(calls.load(), hits.load());
}

}  // namespace
}  // namespace network_system::utils
