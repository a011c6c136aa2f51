// make_awaitable (router.h): a coroutine handler run as a deferred answer on the connection's
// thread.

#include <exception>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "network_system/http/deferred_response.h"
#include "network_system/http/router.h"

namespace network_system::http {

handler make_awaitable(awaitable_handler h) {
  if (!h) return {};
  auto shared = std::make_shared<const awaitable_handler>(std::move(h));
  return [shared](request&, response& res) {
    auto later = res.defer();
    if (!later.is_open()) {
      res = response::status_page(500, "a coroutine handler runs only on a server connection");
      return;
    }
    auto& io = later.context();
    // The completion holds the handle (and with it the request the coroutine reads) and the
    // handler (whose captures a lambda coroutine reads) until the coroutine is done. No
    // try/catch inside a coroutine of ours: the exception arrives here instead.
    asio::co_spawn(io, (*shared)(later.request()),
                   [later, shared](std::exception_ptr failed, response answer) {
                     // As for a plain handler (middleware.h): a bare 500, nothing of the
                     // exception in it.
                     if (failed) answer = response::status_page(500);
                     (void)later.send(std::move(answer));  // not_connected: the client left
                   });
  };
}

}  // namespace network_system::http
