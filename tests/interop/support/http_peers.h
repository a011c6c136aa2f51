#pragma once
// What the HTTP interop tests share: our http_server on 127.0.0.1 (plain or HTTPS) with the
// routes of the HTTP integration tests and a record of every request it was asked, a scratch
// directory for the files the peers read and write, and random bodies.
//
//   interop::recording_http_server server;                       // GET /hello, POST /echo, ...
//   ASSERT_FALSE(server.start_error()) << *server.start_error();
//   child_process curl({curl_path, "-q", "-sS", server.url("/hello")}, {.timeout = long_wait});
//   ...
//   EXPECT_EQ(server.requests().at(0).head.method, "GET");
//
// Threads: handlers and the recording middleware run on the server's I/O threads; every
// method may be called from the test's thread at any time.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/tls_config.h"
#include "network_system/http/http_server.h"
#include "network_system/protocol/http/http_message.h"

namespace interop {

namespace nhttp = network_system::http;

/// A request as the server's pipeline received it, before any handler touched it.
struct recorded_request {
  network_system::protocol::http::request_head head;
  std::string body;
};

/// An http_server on 127.0.0.1 (port from the OS, two I/O threads) with the routes of
/// integration::http_test_server (/hello, /echo, /throw, /size/:n) plus `extra_routes`, started
/// by the constructor. HTTPS when `tls` is given.
class recording_http_server {
 public:
  explicit recording_http_server(std::optional<network_system::core::tls_config> tls = {},
                                 const std::function<void(nhttp::router&)>& extra_routes = {});
  ~recording_http_server();
  recording_http_server(const recording_http_server&) = delete;
  recording_http_server& operator=(const recording_http_server&) = delete;

  /// Why the server did not start, or nullopt if it runs.
  [[nodiscard]] const std::optional<std::string>& start_error() const { return start_error_; }
  [[nodiscard]] std::uint16_t port() const { return server_->port(); }
  /// "http://127.0.0.1:<port><path>", or "https://localhost:<port><path>" for HTTPS (the
  /// certificate's name; curl needs --resolve, Python finds localhost in /etc/hosts).
  [[nodiscard]] std::string url(std::string_view path) const;
  [[nodiscard]] nhttp::http_server& server() { return *server_; }
  [[nodiscard]] nhttp::http_server_statistics statistics() const {
    return server_->statistics();
  }
  /// Every request the pipeline received so far, in the order they were handled.
  [[nodiscard]] std::vector<recorded_request> requests() const;
  /// The error callback's reports so far ("127.0.0.1:40312: ..."), one per line.
  [[nodiscard]] std::string errors() const;

 private:
  std::unique_ptr<nhttp::http_server> server_;
  bool https_ = false;
  std::optional<std::string> start_error_;
  mutable std::mutex mutex_;
  std::vector<recorded_request> requests_;
  std::string errors_;
};

/// A directory under /tmp made for one test and removed with everything in it by the
/// destructor.
class scratch_dir {
 public:
  explicit scratch_dir(std::string_view tag);
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  /// Empty if the directory could not be made.
  [[nodiscard]] const std::string& path() const { return path_; }
  /// path() + "/" + name.
  [[nodiscard]] std::string file(std::string_view name) const;
  /// Writes `content` to file(name) and returns that path (empty on failure).
  std::string write(std::string_view name, std::string_view content) const;

 private:
  std::string path_;
};

/// How a peer program run to its end went.
struct peer_run {
  /// Its exit code (128 + signal), or nullopt if it did not start or outlived the timeout.
  std::optional<int> exit_code;
  std::string out;
  std::string err;
  /// The command, its status and both outputs: for failure messages.
  std::string transcript;
};

/// Runs `argv` with `input` on its stdin (then end of file), killed after `timeout`, and
/// returns once it exited and its output was read to the end.
peer_run run_peer(std::vector<std::string> argv, std::string_view input,
                  std::chrono::milliseconds timeout);

/// curl with what every test gives it (-q: no ~/.curlrc; -sS; --noproxy '*': a proxy from the
/// environment would take the requests elsewhere; --max-time of integration::long_wait), then
/// `args`.
std::vector<std::string> curl_command(const std::string& curl, std::vector<std::string> args);

/// `size` bytes of every value 0..255 from a seeded generator (reproducible per seed).
std::string random_bytes(std::size_t size, std::uint64_t seed);
/// The whole content of the file at `path` (binary), or nullopt if it cannot be read.
std::optional<std::string> read_binary_file(const std::string& path);
/// The value of `field` in an HTTP head as printed by curl -i / -v (case-insensitive name,
/// value without surrounding spaces or CR), from the first head that has it; nullopt if none.
std::optional<std::string> head_field(std::string_view head, std::string_view field);

}  // namespace interop
