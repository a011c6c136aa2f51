// simple_http_server: an HTTP/1.1 server that runs until Ctrl-C (SIGINT) or SIGTERM.
//
//   ./simple_http_server [port] [directory]   # port 0 (the default) lets the OS pick one
//
//   curl http://127.0.0.1:PORT/hello                    -> Hello, World!
//   curl http://127.0.0.1:PORT/users/42                 -> {"id":"42"}
//   curl --data 'hi' http://127.0.0.1:PORT/echo         -> hi
//   curl http://127.0.0.1:PORT/static/index.html        -> the file, when a directory is given
//   curl http://127.0.0.1:PORT/slow                     -> done (a coroutine handler, 50 ms)
//   curl -N http://127.0.0.1:PORT/events                -> three Server-Sent Events, 100 ms apart
//   curl -T big.iso http://127.0.0.1:PORT/upload        -> the byte count (read as it arrives)
#include <network_system/http/compression.h>
#include <network_system/http/body_reader.h>
#include <network_system/http/http_server.h>
#include <network_system/http/static_files.h>

#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <cstdlib>
#include <iostream>
#include <string>

#include <pthread.h>

namespace http = network_system::http;
using namespace std::chrono_literals;

namespace {

// Sends event n of 3 on the connection's thread, then waits 100 ms for the next.
void tick(http::sse_stream events, std::shared_ptr<asio::steady_timer> timer, int n) {
  if (n == 3) {
    (void)events.close();
    return;
  }
  const std::string data = "tick " + std::to_string(n);
  if (events.send({.data = data, .id = std::to_string(n)}).is_err()) return;  // client gone
  timer->expires_after(100ms);
  timer->async_wait([events, timer, n](const std::error_code& ec) {
    if (!ec) tick(events, timer, n + 1);
  });
}

}  // namespace

int main(int argc, char** argv) {
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 0);

  // Block SIGINT/SIGTERM before the server starts its threads (they inherit the mask), then
  // wait for them below with sigwait(): no work happens inside a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  http::http_server server("web");
  // Handlers run on the connection's I/O thread; what they share is theirs to protect.
  (void)server.routes().get("/hello", [](http::request&, http::response& res) {
    res.text("Hello, World!");
  });
  (void)server.routes().get("/users/:id", [](http::request& req, http::response& res) {
    res.json("{\"id\":\"" + std::string(*req.param("id")) + "\"}");
  });
  (void)server.routes().post("/echo", [](http::request& req, http::response& res) {
    res.set_body(req.body(), req.header("Content-Type").value_or("application/octet-stream"));
  });
  // A coroutine handler: waits without holding up the connection's thread.
  (void)server.routes().get("/slow", [](http::request&) -> asio::awaitable<http::response> {
    asio::steady_timer t(co_await asio::this_coro::executor, 50ms);
    co_await t.async_wait(asio::use_awaitable);
    http::response res;
    res.text("done");
    co_return res;
  });
  // Server-Sent Events: a streamed response written from a timer.
  (void)server.routes().get("/events", [](http::request&, http::response& res) {
    auto events = http::sse_stream::start(res);
    auto& io = events.stream().context();
    tick(events, std::make_shared<asio::steady_timer>(io), 0);
  });
  // An upload read piece by piece as it arrives, never held whole.
  (void)server.routes().put_streaming("/upload", [](http::request&, http::body_reader& body) {
    auto bytes = std::make_shared<std::uint64_t>(0);
    body.on_data([bytes](std::span<const std::uint8_t> piece) { *bytes += piece.size(); });
    body.on_end([bytes](http::request&, http::response& res) {
      res.text(std::to_string(*bytes) + " bytes");
    });
  });
  if (argc > 2) {
    auto files = http::make_static_files(argv[2]);
    if (files.is_err()) {
      std::cerr << "static files: " << files.error().message << "\n";
      return 1;
    }
    (void)server.routes().get("/static/*", std::move(files.value()));
  }
  server.app().use_after(http::compress_responses());  // br / gzip / deflate by Accept-Encoding
  server.set_error_callback([](const network_system::error_info& e) {
    std::cerr << "http: " << e.message << "\n";  // a refused request, a reset, a timeout
  });

  if (auto r = server.start_server("127.0.0.1", port); r.is_err()) {
    std::cerr << "start: " << r.error().message << "\n";
    return 1;
  }
  std::cout << "http server listening on port " << server.port() << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  (void)server.stop_server();  // graceful: requests in progress finish first
  const auto st = server.statistics();
  std::cout << "served " << st.requests << " requests on " << st.accepted_connections
            << " connections" << std::endl;
  return 0;
}
