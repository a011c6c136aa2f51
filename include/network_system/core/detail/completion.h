#pragma once
// completion<R>: a type-erased, move-only completion handler of signature void(R), used by the
// async_* initiators of this library (library-internal; not part of the public API).
//
// The initiators are templates (Asio completion tokens: use_awaitable, a callback, as_tuple...)
// while the operations behind them live in .cpp files. An initiation wraps the handler it gets
// from asio::async_initiate in a completion and passes it on. A completion:
//   - keeps the handler's associated executor busy (a work guard) until its completion has
//     been posted (the posted handler then counts as the executor's work);
//   - completes by posting the handler to that executor, never inline, so a handler never
//     runs inside the I/O thread's read loop or under a lock of ours;
//   - exposes the handler's cancellation slot (cancellation_slot()), and clears it just before
//     the handler runs, on the handler's executor, as Asio's own operations do.
//
// Thread-safety: one completion object is used by one thread at a time; complete() may be
// called from any thread (once).

#include <chrono>
#include <memory>
#include <type_traits>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

namespace network_system::core::detail {

/// A completion token, as opposed to the timeout of an async_*(timeout, token) overload.
template <typename T>
concept not_a_timeout = !std::is_convertible_v<std::decay_t<T>, std::chrono::milliseconds>;

template <typename R>
class completion {
 public:
  completion() = default;

  /// Wraps `handler`; `fallback` runs it when the handler has no associated executor.
  template <typename Handler>
  completion(Handler&& handler, const asio::any_io_executor& fallback)
      : impl_(std::make_unique<impl<std::decay_t<Handler>>>(std::forward<Handler>(handler),
                                                             fallback)) {}

  completion(completion&&) noexcept = default;
  completion& operator=(completion&&) noexcept = default;

  [[nodiscard]] explicit operator bool() const noexcept { return impl_ != nullptr; }

  /// The handler's cancellation slot (not connected when the caller cannot cancel).
  [[nodiscard]] asio::cancellation_slot cancellation_slot() const {
    return impl_ ? impl_->slot() : asio::cancellation_slot();
  }

  /// Posts handler(result) to the handler's executor. Consumes the completion.
  void complete(R result) {
    auto p = std::move(impl_);
    if (p) p->post(std::move(result), std::move(p));
  }

 private:
  struct base {
    virtual ~base() = default;
    virtual asio::cancellation_slot slot() const = 0;
    virtual void post(R result, std::unique_ptr<base> self) = 0;
  };

  template <typename Handler>
  struct impl final : base {
    using executor_type = asio::associated_executor_t<Handler, asio::any_io_executor>;
    impl(Handler h, const asio::any_io_executor& fallback)
        : handler(std::move(h)),
          work(asio::make_work_guard(asio::get_associated_executor(handler, fallback))) {}

    asio::cancellation_slot slot() const override {
      return asio::get_associated_cancellation_slot(handler);
    }

    void post(R result, std::unique_ptr<base> self) override {
      // The guard leaves the object first (the handler may run, and free it, before post()
      // returns here) and is released only after post() returned: until then the target
      // context cannot run out of work and be destroyed under this thread's feet.
      auto guard = std::move(work);
      asio::post(guard.get_executor(),
                 [self = std::move(self), result = std::move(result)]() mutable {
                   auto& me = static_cast<impl&>(*self);
                   auto slot = asio::get_associated_cancellation_slot(me.handler);
                   if (slot.is_connected()) slot.clear();
                   Handler h = std::move(me.handler);
                   self.reset();
                   std::move(h)(std::move(result));
                 });
      guard.reset();
    }

    Handler handler;
    asio::executor_work_guard<executor_type> work;
  };

  std::unique_ptr<base> impl_;
};

}  // namespace network_system::core::detail
