#pragma once
// The one body of the async_* initiators of messaging_client, messaging_udp_client and
// messaging_udp_server (library-internal; not part of the public API).
//
// Each of those classes holds a shared core and, in a .cpp file, a static `executor_of(core)`
// (where a handler without an executor of its own runs) and static `start_*` functions that
// begin the operation with a completion<R>. An initiator is then one call:
//
//   return detail::async_receive_on(token, core_, &executor_of, &start_receive, timeout);
//
// Both functions are called when Asio initiates the operation (for use_awaitable: at the
// co_await, not when the initiator is called), with the core the initiator was called on.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>

#include "network_system/core/detail/completion.h"
#include "network_system/core/result.h"

namespace network_system::core::detail {

template <typename Core>
using core_executor_fn = asio::any_io_executor (*)(const std::shared_ptr<Core>&);

/// Initiates an operation with handler signature void(R): `start(core, completion<R>)`.
template <typename R, typename CompletionToken, typename Core, typename Start>
auto initiate_on(CompletionToken&& token, std::shared_ptr<Core> core,
                 core_executor_fn<Core> executor_of, Start start) {
  return asio::async_initiate<CompletionToken, void(R)>(
      [executor_of](auto handler, std::shared_ptr<Core> c, Start s) {
        auto fallback = executor_of(c);
        std::move(s)(c, completion<R>{std::move(handler), fallback});
      },
      token, std::move(core), std::move(start));
}

/// A pull-mode receive: `start(core, completion, timeout)`; no timeout when nullopt.
template <typename CompletionToken, typename Core, typename Message>
auto async_receive_on(CompletionToken&& token, std::shared_ptr<Core> core,
                      core_executor_fn<Core> executor_of,
                      void (*start)(const std::shared_ptr<Core>&, completion<Result<Message>>,
                                    std::optional<std::chrono::milliseconds>),
                      std::optional<std::chrono::milliseconds> timeout) {
  return initiate_on<Result<Message>>(
      std::forward<CompletionToken>(token), std::move(core), executor_of,
      [start, timeout](const std::shared_ptr<Core>& c, completion<Result<Message>> done) {
        start(c, std::move(done), timeout);
      });
}

/// A send of `data` (moved along, never copied): `start(core, data, completion)`.
template <typename CompletionToken, typename Core>
auto async_send_on(CompletionToken&& token, std::shared_ptr<Core> core,
                   core_executor_fn<Core> executor_of,
                   void (*start)(const std::shared_ptr<Core>&, std::vector<std::uint8_t>&&,
                                 completion<VoidResult>),
                   std::vector<std::uint8_t> data) {
  return initiate_on<VoidResult>(
      std::forward<CompletionToken>(token), std::move(core), executor_of,
      [start, bytes = std::move(data)](const std::shared_ptr<Core>& c,
                                       completion<VoidResult> done) mutable {
        start(c, std::move(bytes), std::move(done));
      });
}

}  // namespace network_system::core::detail
