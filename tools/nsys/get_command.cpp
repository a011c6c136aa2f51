#include "get_command.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "network_system/core/error_codes.h"
#include "network_system/http/http_client.h"

namespace nsys {

namespace nhttp = network_system::http;

namespace {

std::chrono::milliseconds seconds_to_ms(double s) {
  return std::chrono::milliseconds(static_cast<long long>(s * 1000.0));
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return in.good() || in.eof();
}

std::string head_text(const nhttp::client_response& r) {
  std::string s = "HTTP/1." + std::to_string(r.version_minor) + " " + std::to_string(r.status);
  if (!r.reason.empty()) s += " " + r.reason;
  s += "\r\n";
  for (const auto& f : r.headers) s += f.name + ": " + f.value + "\r\n";
  s += "\r\n";
  return s;
}

}  // namespace

CLI::App* add_get_command(CLI::App& app, get_options& opt) {
  auto* cmd = app.add_subcommand(
      "get", "Fetch a URL with http_client (a small curl): status and headers on stderr, the "
             "body on stdout; exit 0 on 2xx");
  cmd->add_option("url", opt.url, "http:// or https:// URL")->required();
  cmd->add_option("-o,--output", opt.output, "Write the body to FILE instead of stdout");
  cmd->add_option("-H,--header", opt.headers, "Extra request header 'Name: value' (repeatable)");
  cmd->add_option("-d,--data", opt.data,
                  "Request body; @FILE reads it from FILE. Makes the method POST unless -X");
  cmd->add_option("-X,--request", opt.method, "Request method (default GET, POST with --data)");
  auto* cacert = cmd->add_option("--cacert", opt.cacert,
                                 "Trust the CAs in this PEM file (instead of the system store)")
                     ->check(CLI::ExistingFile);
  cmd->add_flag("-k,--insecure", opt.insecure,
                "Accept any server certificate (no verification: tests only)")
      ->excludes(cacert);
  cmd->add_flag("-i,--include", opt.include, "Also write the status line and headers to stdout");
  cmd->add_flag("--compressed,!--no-compressed", opt.compressed,
                "Ask for gzip, deflate, br and decode the body (default on)");
  cmd->add_flag("--chunked", opt.chunked, "Send the --data body with Transfer-Encoding: chunked");
  cmd->add_option("--max-redirs", opt.max_redirs, "Redirects to follow (0: none)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_option("-m,--max-time", opt.max_time, "Seconds the whole exchange may take")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--connect-timeout", opt.connect_timeout, "Seconds to connect (TCP and TLS)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([cmd, &opt] {
    for (const auto& h : opt.headers) {
      const auto colon = h.find(':');
      if (colon == std::string::npos || colon == 0) {
        throw CLI::ValidationError("-H", "'" + h + "' is not 'Name: value'");
      }
    }
    if (opt.chunked && cmd->count("--data") == 0) {
      throw CLI::ValidationError("--chunked", "needs --data (a body to send)");
    }
  });
  return cmd;
}

int run_get(const get_options& opt) {
  nhttp::http_client_config cfg;
  cfg.id = "nsys-get";
  cfg.decode_content = opt.compressed;
  cfg.insecure = opt.insecure;
  if (!opt.cacert.empty()) cfg.tls.ca_file = opt.cacert;
  cfg.follow_redirects = opt.max_redirs > 0;
  cfg.max_redirects = static_cast<std::size_t>(opt.max_redirs);
  cfg.request_timeout = seconds_to_ms(opt.max_time);
  cfg.connect_timeout = seconds_to_ms(opt.connect_timeout);
  cfg.max_body = 1ull << 40;
  cfg.max_decoded_body = std::size_t{1} << 34;
  cfg.idle_timeout = std::chrono::milliseconds(1000);
  cfg.user_agent = "nsys/0.1.0";

  nhttp::client_request req;
  req.url = opt.url;
  if (!opt.data.empty() && opt.data.front() == '@') {
    if (!read_file(opt.data.substr(1), req.body)) {
      std::fprintf(stderr, "nsys get: cannot read %s\n", opt.data.substr(1).c_str());
      return 1;
    }
  } else {
    req.body = opt.data;
  }
  const bool has_data = !opt.data.empty();
  req.method = !opt.method.empty() ? opt.method : (has_data ? "POST" : "GET");
  req.chunked = opt.chunked;
  bool has_type = false;
  for (const auto& h : opt.headers) {
    const auto colon = h.find(':');
    auto value = h.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    const auto name = h.substr(0, colon);
    if (network_system::protocol::http::iequals(name, "Content-Type")) has_type = true;
    req.headers.add(name, value);
  }
  if (has_data && !has_type) req.headers.set("Content-Type", "application/x-www-form-urlencoded");

  nhttp::http_client client(cfg);
  auto r = client.request(std::move(req));
  if (r.is_err()) {
    std::fprintf(stderr, "nsys get: %s (%s)\n", r.error().message.c_str(),
                 std::string(network_system::error_codes::name(r.error().code)).c_str());
    return 1;
  }
  const auto& res = r.value();
  const auto head = head_text(res);
  std::fputs(head.c_str(), stderr);
  if (opt.output.empty()) {
    if (opt.include) std::fwrite(head.data(), 1, head.size(), stdout);
    std::fwrite(res.body.data(), 1, res.body.size(), stdout);
    std::fflush(stdout);
  } else {
    std::ofstream out(opt.output, std::ios::binary | std::ios::trunc);
    if (opt.include) out.write(head.data(), static_cast<std::streamsize>(head.size()));
    out.write(res.body.data(), static_cast<std::streamsize>(res.body.size()));
    out.close();
    if (!out) {
      std::fprintf(stderr, "nsys get: cannot write %s\n", opt.output.c_str());
      return 1;
    }
  }
  return res.status >= 200 && res.status < 300 ? 0 : 1;
}

}  // namespace nsys
