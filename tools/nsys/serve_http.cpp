// nsys serve --proto http|https: the library's http_server with the routes SPEC §8 names, and
// a WebSocket echo at /ws on the same port. --proto ws|wss: the WebSocket echo on every path
// (an http_server whose only route upgrades, so that wss is its TLS).

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>

#include "network_system/core/io_context_pool.h"
#include "network_system/http/compression.h"
#include "network_system/http/http_server.h"
#include "network_system/http/static_files.h"
#include "network_system/http/websocket_route.h"
#include "serve_command.h"
#include "serve_common.h"

namespace nsys {

namespace http = network_system::http;
namespace core = network_system::core;

namespace {
// Text stays text, binary stays binary.
std::shared_ptr<core::messaging_ws_server> ws_echo() {
  auto ws = std::make_shared<core::messaging_ws_server>("nsys-ws");
  ws->set_message_callback([](const core::ws_session_ptr& s, const core::ws_message& m) {
    if (m.is_text) {
      (void)s->send_text(m.text());
    } else {
      (void)s->send_binary(m.data);
    }
  });
  ws->set_error_callback([reported = std::make_shared<std::atomic<int>>(0)](
                             const network_system::error_info& e) {
    if (reported->fetch_add(1) < 10) std::fprintf(stderr, "nsys serve: %s\n", e.message.c_str());
  });
  return ws;
}
}  // namespace

int run_http_serve(const serve_options& opt) {
  const sigset_t stop_signals = block_stop_signals();
  http::http_server_config cfg;
  cfg.server.io_threads =
      opt.threads ? opt.threads : network_system::core::io_context_pool::default_thread_count();
  cfg.server.reuse_port = opt.reuse_port;
  cfg.server.max_connections = opt.max_connections;
  cfg.server.proxy_protocol = proxy_mode_from(opt);

  std::unique_ptr<http::http_server> server;
  const bool websocket_only = opt.proto == "ws" || opt.proto == "wss";
  if (opt.proto == "https" || opt.proto == "wss") {
    const auto tls = server_tls_from(opt);
    server = std::make_unique<http::http_server>("nsys", cfg, tls);
  } else {
    server = std::make_unique<http::http_server>("nsys", cfg);
  }
  auto& routes = server->routes();
  auto ws = ws_echo();
  if (websocket_only) {
    (void)routes.get("/", http::websocket_route(ws));
    (void)routes.get("/*", http::websocket_route(ws));
  } else {
    (void)routes.get("/ws", http::websocket_route(ws));
  }
  if (!websocket_only) {
  (void)routes.get("/hello", [](http::request&, http::response& res) {
    res.set_body("Hello, World!", "text/plain");
  });
  (void)routes.post("/echo", [](http::request& req, http::response& res) {
    const auto type = req.header("Content-Type");
    res.set_body(std::move(req.body()), type ? *type : "application/octet-stream");
  });
  if (!opt.dir.empty()) {
    auto files = http::make_static_files(opt.dir);
    if (files.is_err()) {
      std::fprintf(stderr, "nsys serve: error: --dir %s: %s\n", opt.dir.c_str(),
                   files.error().message.c_str());
      return 1;
    }
    (void)routes.get("/*", std::move(files.value()));
  }
  }
  // Text answers are compressed for clients that accept it (br, gzip, deflate from 1 KiB);
  // gzip-encoded request bodies are decoded (bombs get 413).
  server->app().use(http::decode_request_bodies());
  server->app().use_after(http::compress_responses());
  // The first errors say what went wrong (a request refused, a failed handshake); later ones
  // are counted in the summary.
  server->set_error_callback([reported = std::make_shared<std::atomic<int>>(0)](
                                 const network_system::error_info& e) {
    if (reported->fetch_add(1) < 10) std::fprintf(stderr, "nsys serve: %s\n", e.message.c_str());
  });

  if (!start_and_announce(*server, opt.bind, opt.port)) return 1;
  const auto t0 = std::chrono::steady_clock::now();
  std::fprintf(stderr,
               "nsys serve: %s: %s%s%s, %zu I/O thread(s)%s; SIGINT/SIGTERM stops\n",
               opt.proto.c_str(),
               websocket_only ? "WebSocket echo on every path" : "GET /hello, POST /echo, WebSocket echo at /ws",
               opt.dir.empty() ? "" : ", files of ", opt.dir.c_str(),
               cfg.server.io_threads,
               opt.reuse_port ? " each with its own SO_REUSEPORT acceptor" : "");

  const int sig = wait_stop_signal(stop_signals);
  server->stop_server();
  const auto st = server->statistics();
  serve_counters c;
  c.connections = st.accepted_connections;
  c.rejected = st.rejected_connections;
  c.messages_in = st.requests;
  c.messages_out = st.responses_2xx + st.responses_3xx + st.responses_4xx + st.responses_5xx;
  c.errors = st.bad_requests + st.timeouts;
  print_summary(sig, c,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}

}  // namespace nsys
