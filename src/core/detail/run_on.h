#pragma once
// run_on: run a function on an io_context's thread and wait for it. Inline when already on
// that thread or when nothing runs the context (a stopped pool), so it never waits for itself.

#include <future>
#include <utility>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

namespace network_system::core::detail {

template <typename F>
void run_on(asio::io_context& ctx, bool context_running, F&& fn) {
  if (!context_running || ctx.get_executor().running_in_this_thread()) {
    std::forward<F>(fn)();
    return;
  }
  std::promise<void> done;
  auto finished = done.get_future();
  asio::post(ctx, [&fn, &done] {
    fn();
    done.set_value();
  });
  finished.wait();
}

}  // namespace network_system::core::detail
