#include "interop/support/http_peers.h"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <system_error>

#include "integration/http/http_test_server.h"
#include "integration/support/test_support.h"
#include "interop/support/child_process.h"

namespace interop {

recording_http_server::recording_http_server(
    std::optional<network_system::core::tls_config> tls,
    const std::function<void(nhttp::router&)>& extra_routes)
    : https_(tls.has_value()) {
  auto config = integration::http_test_server::small_config();
  server_ = tls ? std::make_unique<nhttp::http_server>("http-interop", std::move(config),
                                                       std::move(*tls))
                : std::make_unique<nhttp::http_server>("http-interop", std::move(config));
  // Recorded before next(): /echo moves the body out of the request.
  server_->app().use([this](nhttp::request& req, nhttp::response&, nhttp::next_fn next) {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back({req.head(), req.body()});
    }
    next();
  });
  integration::http_test_server::add_routes(server_->routes());
  if (extra_routes) extra_routes(server_->routes());
  server_->set_error_callback([this](const network_system::error_info& e) {
    std::lock_guard lock(mutex_);
    errors_ += e.message + "\n";
  });
  if (auto r = server_->start_server("127.0.0.1", 0); r.is_err()) {
    start_error_ = r.error().message;
  }
}

recording_http_server::~recording_http_server() {
  if (server_->is_running()) (void)server_->stop_server();
}

std::string recording_http_server::url(std::string_view path) const {
  return (https_ ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port()) +
         std::string(path);
}

std::vector<recorded_request> recording_http_server::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::string recording_http_server::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

scratch_dir::scratch_dir(std::string_view tag) {
  std::string pattern = "/tmp/nsys-" + std::string(tag) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

scratch_dir::~scratch_dir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

std::string scratch_dir::file(std::string_view name) const {
  return path_ + "/" + std::string(name);
}

std::string scratch_dir::write(std::string_view name, std::string_view content) const {
  const std::string target = file(name);
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  return out ? target : std::string();
}

peer_run run_peer(std::vector<std::string> argv, std::string_view input,
                  std::chrono::milliseconds timeout) {
  child_process peer(std::move(argv), {.timeout = timeout});
  if (!peer.started()) return {.transcript = peer.start_error()};
  if (!input.empty()) (void)peer.write(input, timeout);  // a failure shows in the transcript
  peer.close_stdin();
  // The child_options timeout kills it; the extra second only lets that be seen here.
  const auto code = peer.wait_exit(timeout + std::chrono::seconds(1));
  // False once both pipes reached end of file: everything it wrote is in text().
  (void)peer.wait_for_output([](const std::string&, const std::string&) { return false; },
                             std::chrono::seconds(5));
  return {.exit_code = peer.timed_out() ? std::nullopt : code,
          .out = peer.text(output::out),
          .err = peer.text(output::err),
          .transcript = peer.transcript()};
}

std::vector<std::string> curl_command(const std::string& curl, std::vector<std::string> args) {
  std::vector<std::string> argv{curl, "-q", "-sS", "--noproxy", "*", "--max-time",
                                std::to_string(integration::long_wait.count() / 1000)};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(byte(rng));
  return out;
}

std::optional<std::string> read_binary_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::string> head_field(std::string_view head, std::string_view field) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
  };
  const std::string wanted = lower(field);
  std::istringstream lines{std::string(head)};
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // curl -v prefixes received fields with "< ".
    std::string_view rest = line;
    if (rest.starts_with("< ")) rest.remove_prefix(2);
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos || lower(rest.substr(0, colon)) != wanted) continue;
    rest.remove_prefix(colon + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
    return std::string(rest);
  }
  return std::nullopt;
}

}  // namespace interop
