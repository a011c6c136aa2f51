#include "interop/support/peers.h"

#include "interop/support/child_process.h"

namespace interop {

void expect_clean_close(child_process& peer, line_echo_server& server) {
  using integration::describe;
  using integration::long_wait;
  peer.close_stdin();
  EXPECT_EQ(peer.wait_exit(long_wait), 0) << peer.transcript();
  ASSERT_TRUE(integration::wait_until([&] { return server.probe.disconnections.load() == 1; }));
  const auto reason = server.probe.closed()[0].reason;
  EXPECT_EQ(reason.code, ns::error_codes::connection_closed) << describe(reason);
  EXPECT_EQ(reason.message.find("without TLS close_notify"), std::string::npos)
      << describe(reason);
  EXPECT_TRUE(server.session_errors().empty());
}

std::string peer_path(std::string_view program) { return find_program(program); }

std::string missing_peer(std::string_view program, std::string_view package) {
  return "`" + std::string(program) + "` (Debian package " + std::string(package) +
         ") is not installed: run scripts/install-deps.sh";
}

line_echo_server::line_echo_server(ns::core::tls_config tls) {
  ns::core::server_config config;
  config.framing.kind = ns::protocol::framing::framing_kind::delimiter;
  config.framing.delimiter = "\n";
  config.io_threads = 1;  // one peer at a time; no need for a thread per core
  server_ = std::make_shared<ns::core::secure_messaging_server>("interop-echo", std::move(tls),
                                                                std::move(config));
  probe.attach(*server_, /*echo=*/true);
  // Replaces the probe's error callback: a failed handshake never becomes a connection, so its
  // session id cannot be looked up later; keep the errors themselves.
  server_->set_error_callback([this](const auto& session, const ns::error_info& e) {
    if (!session) return;
    std::lock_guard lock(mutex_);
    session_errors_.push_back(e);
  });
  if (auto r = server_->start_server("127.0.0.1", 0); r.is_err()) start_error_ = r.error();
}

line_echo_server::~line_echo_server() { (void)server_->stop_server(); }

std::string line_echo_server::address() const { return "127.0.0.1:" + std::to_string(port()); }

std::vector<ns::error_info> line_echo_server::session_errors() const {
  std::lock_guard lock(mutex_);
  return session_errors_;
}

std::optional<ns::session::tls_details> line_echo_server::only_session_tls() const {
  const auto sessions = server_->sessions();
  if (sessions.size() != 1) return std::nullopt;
  return sessions[0]->tls();
}

std::string value_after(const std::string& report, std::string_view label) {
  std::size_t at = 0;
  while ((at = report.find(label, at)) != std::string::npos) {
    if (at == 0 || report[at - 1] == '\n') {
      const auto begin = at + label.size();
      const auto end = report.find('\n', begin);
      if (end == std::string::npos) return {};  // the line is still being written
      auto value = report.substr(begin, end - begin);
      while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
      return value;
    }
    at += label.size();
  }
  return {};
}

std::vector<std::string> test_lines(std::string_view tag, std::size_t count) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < count; ++i) {
    lines.push_back(std::string(tag) + " line " + std::to_string(i + 1) + "\n");
  }
  // 40,000 bytes: three TLS records of at most 16 KiB, and more than one read on either side.
  // Digits only: s_client treats a read starting with Q, R, k or K as a command.
  std::string long_line;
  for (std::size_t i = 0; long_line.size() < 40000; ++i) long_line += char('0' + i % 10);
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(lines.size() / 2), long_line + "\n");
  return lines;
}

}  // namespace interop
