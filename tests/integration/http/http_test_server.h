#pragma once
// A started http_server with the routes the HTTP integration tests use, on 127.0.0.1.

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "network_system/http/http_server.h"

namespace integration {

namespace nhttp = network_system::http;

class http_test_server {
 public:
  explicit http_test_server(nhttp::http_server_config config = small_config())
      : server_(std::make_unique<nhttp::http_server>("http-test", std::move(config))) {
    add_routes(server_->routes());
    server_->set_error_callback([this](const network_system::error_info& e) {
      std::lock_guard lock(mutex_);
      errors_.push_back(e);
    });
  }
  ~http_test_server() {
    if (server_->is_running()) (void)server_->stop_server();
  }

  /// Two I/O threads, and limits small enough to hit in a test.
  static nhttp::http_server_config small_config() {
    nhttp::http_server_config c;
    c.server.io_threads = 2;
    return c;
  }

  /// GET /hello; POST /echo (body and Content-Type back); GET /throw (a handler that throws);
  /// GET /size/:n (n bytes of a repeating pattern); GET /whoami (request::remote_address()).
  static void add_routes(nhttp::router& r) {
    (void)r.get("/hello", [](nhttp::request&, nhttp::response& res) {
      res.set_body("Hello, World!", "text/plain");
    });
    (void)r.post("/echo", [](nhttp::request& req, nhttp::response& res) {
      const auto type = req.header("Content-Type");
      res.set_body(std::move(req.body()), type ? *type : "application/octet-stream");
    });
    (void)r.get("/whoami", [](nhttp::request& req, nhttp::response& res) {
      res.text(req.remote_address());
    });
    (void)r.get("/throw", [](nhttp::request&, nhttp::response&) {
      throw std::runtime_error("handler failed");
    });
    (void)r.get("/size/:n", [](nhttp::request& req, nhttp::response& res) {
      const auto n = std::stoul(std::string(*req.param("n")));
      std::string body(n, '\0');
      for (std::size_t i = 0; i < n; ++i) body[i] = static_cast<char>('a' + i % 26);
      res.set_body(std::move(body), "application/octet-stream");
    });
  }

  nhttp::http_server& server() { return *server_; }
  std::uint16_t start() {
    auto r = server_->start_server("127.0.0.1", 0);
    if (r.is_err()) throw std::runtime_error(r.error().message);
    return server_->port();
  }
  std::vector<network_system::error_info> errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }
  bool has_error(int code) const {
    std::lock_guard lock(mutex_);
    for (const auto& e : errors_) {
      if (e.code == code) return true;
    }
    return false;
  }

 private:
  std::unique_ptr<nhttp::http_server> server_;
  mutable std::mutex mutex_;
  std::vector<network_system::error_info> errors_;
};

}  // namespace integration
