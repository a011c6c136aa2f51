// make_awaitable (router.h): a coroutine handler run as a deferred answer on the connection's
// thread.

#include <exception>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include "network_system/http/deferred_response.h"
#include "network_system/http/router.h"

namespace network_system::http {

namespace {

asio::awaitable<void> run_handler(std::shared_ptr<const awaitable_handler> h,
                                  deferred_response later) {
  response answer;
  try {
    answer = co_await (*h)(later.request());
  } catch (...) {
    // As for a plain handler (middleware.h): a bare 500, nothing of the exception in it.
    answer = response::status_page(500);
  }
  (void)later.send(std::move(answer));  // not_connected: the client left; nothing to do
}

}  // namespace

handler make_awaitable(awaitable_handler h) {
  if (!h) return {};
  auto shared = std::make_shared<const awaitable_handler>(std::move(h));
  return [shared](request&, response& res) {
    auto later = res.defer();
    if (!later.is_open()) {
      res = response::status_page(500, "a coroutine handler runs only on a server connection");
      return;
    }
    auto& io = later.context();  // before `later` is moved into the coroutine
    asio::co_spawn(io, run_handler(shared, std::move(later)), asio::detached);
  };
}

}  // namespace network_system::http
