#pragma once
// callback_manager<F...>: a fixed set of user callbacks, one slot per type, that may be set
// from any thread while I/O threads call them.
//
//   using server_callbacks = callback_manager<receive_fn, connect_fn, disconnect_fn, error_fn>;
//   callbacks.set<0>(fn);           // any thread
//   callbacks.invoke<0>(args...);   // calls the slot if set
//
// A slot holds its function behind a shared_ptr: get<I>() hands out a reference-counted
// snapshot, so replacing a callback never destroys one that is running. Hot paths keep a
// slot_cache per thread and call get_cached<I>(), which takes the lock only after a set().
//
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <tuple>
#include <utility>

namespace network_system::utils {

/// One thread's snapshot of one slot of one callback_manager (see get_cached()).
template <typename F>
struct slot_cache {
  std::uint64_t owner = 0;
  std::uint64_t version = 0;
  std::shared_ptr<const F> fn;
  /// Calls through this cache now running on its thread; while above 0, forget() keeps the
  /// snapshot, because it is what keeps the running function alive.
  int running = 0;
};

template <typename... Fs>
class callback_manager {
 public:
  template <std::size_t I>
  using function_type = std::tuple_element_t<I, std::tuple<Fs...>>;

  /// Replaces slot I; an empty function clears it.
  template <std::size_t I>
  void set(function_type<I> fn) {
    std::shared_ptr<const function_type<I>> next;
    if (fn) next = std::make_shared<const function_type<I>>(std::move(fn));
    std::lock_guard lock(mutex_);
    std::get<I>(slots_).swap(next);
    version_.fetch_add(1, std::memory_order_release);
  }

  /// A snapshot of slot I (null when unset).
  template <std::size_t I>
  [[nodiscard]] std::shared_ptr<const function_type<I>> get() const {
    std::lock_guard lock(mutex_);
    return std::get<I>(slots_);
  }

  /// Slot I through `cache` (owned by the calling thread): refreshed only when some set() or
  /// clear() happened since, so the common case is one atomic load. Null when unset.
  template <std::size_t I>
  const function_type<I>* get_cached(slot_cache<function_type<I>>& cache) const {
    const auto v = version_.load(std::memory_order_acquire);
    if (cache.owner != uid_ || cache.version != v) {
      cache.fn = get<I>();
      cache.owner = uid_;
      cache.version = v;
    }
    return cache.fn.get();
  }

  /// Forgets `cache` if it holds a snapshot of this manager (releases what it captured),
  /// unless a call through it is running on this thread.
  template <typename F>
  void forget(slot_cache<F>& cache) const {
    if (cache.owner == uid_ && cache.running == 0) cache = {};
  }

  /// Calls slot I with `args` if it is set; returns whether it was.
  template <std::size_t I, typename... Args>
  bool invoke(Args&&... args) const {
    auto fn = get<I>();
    if (!fn) return false;
    (*fn)(std::forward<Args>(args)...);
    return true;
  }

  /// Clears every slot.
  void clear() {
    std::tuple<std::shared_ptr<const Fs>...> empty;
    std::lock_guard lock(mutex_);
    slots_.swap(empty);
    version_.fetch_add(1, std::memory_order_release);
  }

 private:
  static std::uint64_t next_uid() {
    static std::atomic<std::uint64_t> counter{1};
    return counter.fetch_add(1, std::memory_order_relaxed);
  }

  // Never reused, unlike an address, so a cache cannot mistake a new manager for a dead one.
  const std::uint64_t uid_ = next_uid();
  std::atomic<std::uint64_t> version_{1};
  mutable std::mutex mutex_;
  std::tuple<std::shared_ptr<const Fs>...> slots_;
};

}  // namespace network_system::utils
