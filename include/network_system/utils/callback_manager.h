#pragma once
// callback_manager<F...>: a fixed set of user callbacks, one slot per type, that may be set
// from any thread while I/O threads call them.
//
//   using server_callbacks = callback_manager<receive_fn, connect_fn, disconnect_fn, error_fn>;
//   callbacks.set<0>(fn);           // any thread
//   callbacks.invoke<0>(args...);   // calls the slot if set
//
// A slot holds its function behind a shared_ptr: get<I>() hands out a reference-counted
// snapshot, so replacing a callback never destroys one that is running. Hot paths take one
// snapshot per batch of events and call it directly.
//
// Thread-safety: every method may be called from any thread.

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <tuple>
#include <utility>

namespace network_system::utils {

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
  }

  /// A snapshot of slot I (null when unset).
  template <std::size_t I>
  [[nodiscard]] std::shared_ptr<const function_type<I>> get() const {
    std::lock_guard lock(mutex_);
    return std::get<I>(slots_);
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
  }

 private:
  mutable std::mutex mutex_;
  std::tuple<std::shared_ptr<const Fs>...> slots_;
};

}  // namespace network_system::utils
