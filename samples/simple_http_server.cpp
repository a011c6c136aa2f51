// simple_http_server: an HTTP/1.1 server that runs until Ctrl-C (SIGINT) or SIGTERM.
//
//   ./simple_http_server [port] [directory]   # port 0 (the default) lets the OS pick one
//
//   curl http://127.0.0.1:PORT/hello                    -> Hello, World!
//   curl http://127.0.0.1:PORT/users/42                 -> {"id":"42"}
//   curl --data 'hi' http://127.0.0.1:PORT/echo         -> hi
//   curl http://127.0.0.1:PORT/static/index.html        -> the file, when a directory is given
#include <network_system/http/compression.h>
#include <network_system/http/http_server.h>
#include <network_system/http/static_files.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include <pthread.h>

namespace http = network_system::http;

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
