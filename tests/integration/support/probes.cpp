#include "integration/support/probes.h"

#include <thread>
#include <utility>

namespace integration {

// --- server_probe ------------------------------------------------------------------------------

void server_probe::check_stopped() {
  if (stopped.load()) callbacks_after_stop.fetch_add(1);
}

void server_probe::attach(
    ns::core::messaging_server& server, bool echo,
    std::function<void(const session_ptr&, const std::vector<std::uint8_t>&)> on_message) {
  server.set_connection_callback([this](session_ptr s) {
    check_stopped();
    {
      std::lock_guard lock(mutex_);
      connected_.push_back(s ? s->id() : 0);
    }
    connections.fetch_add(1);
  });
  server.set_disconnection_callback([this](session_ptr s, const ns::error_info& reason) {
    check_stopped();
    {
      std::lock_guard lock(mutex_);
      closed_.push_back({s ? s->id() : 0, reason});
    }
    disconnections.fetch_add(1);
  });
  server.set_error_callback([this](session_ptr s, const ns::error_info& e) {
    check_stopped();
    if (!s) {
      server_errors.fetch_add(1);
      return;
    }
    {
      std::lock_guard lock(mutex_);
      errors_.emplace(s->id(), e);  // keeps the first
    }
    session_errors.fetch_add(1);
  });
  server.set_drain_callback([this](session_ptr) {
    check_stopped();
    drains.fetch_add(1);
  });
  server.set_receive_callback([this, echo, record = record_messages,
                               on_message = std::move(on_message)](
                                  session_ptr s, const std::vector<std::uint8_t>& data) {
    check_stopped();
    if (record) {
      std::lock_guard lock(mutex_);
      messages_[s->id()].push_back(data);
    }
    received.fetch_add(1);
    if (echo) {
      if (auto r = s->send_packet(data); r.is_err()) echo_failures.fetch_add(1);
    }
    if (on_message) on_message(s, data);
  });
}

std::vector<std::uint64_t> server_probe::connected_ids() const {
  std::lock_guard lock(mutex_);
  return connected_;
}

std::vector<closed_session> server_probe::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::optional<ns::error_info> server_probe::closed_reason(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  for (const auto& c : closed_) {
    if (c.id == id) return c.reason;
  }
  return std::nullopt;
}

std::optional<ns::error_info> server_probe::first_error(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  auto it = errors_.find(id);
  if (it == errors_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::vector<std::uint8_t>> server_probe::messages_of(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  auto it = messages_.find(id);
  if (it == messages_.end()) return {};
  return it->second;
}

std::uint64_t server_probe::wait_connection(std::size_t already_seen,
                                            std::chrono::milliseconds timeout) const {
  if (!wait_until([&] { return connections.load() > already_seen; }, timeout)) return 0;
  std::lock_guard lock(mutex_);
  return connected_.size() > already_seen ? connected_[already_seen] : 0;
}

// --- client_probe ------------------------------------------------------------------------------

client_probe::client_probe(std::string id, ns::core::client_config config)
    : client_probe(std::make_shared<ns::core::messaging_client>(std::move(id), std::move(config))) {}

client_probe::client_probe(std::shared_ptr<ns::core::messaging_client> watched)
    : client(std::move(watched)) {
  client->set_receive_callback([this](const std::vector<std::uint8_t>& data) {
    {
      std::lock_guard lock(mutex_);
      messages_.push_back(data);
    }
    received.fetch_add(1);
  });
  client->set_connected_callback([this] { connects.fetch_add(1); });
  client->set_disconnected_callback([this](const ns::error_info& reason) {
    {
      std::lock_guard lock(mutex_);
      disconnect_reasons_.push_back(reason);
    }
    disconnects.fetch_add(1);
  });
  client->set_error_callback([this](const ns::error_info& e) {
    std::lock_guard lock(mutex_);
    errors_.push_back(e);
  });
  client->set_reconnect_callback([this](const ns::core::reconnect_attempt& a) {
    std::lock_guard lock(mutex_);
    reconnects_.push_back(a);
  });
  client->set_drain_callback([this] { drains.fetch_add(1); });
}

client_probe::~client_probe() {
  // No callback may run after stop_client() returns, so the members they touch are safe.
  (void)client->stop_client();
}

ns::VoidResult client_probe::send(std::span<const std::uint8_t> data,
                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto r = client->send_packet(data);
    if (r.is_ok() || r.error().code != ns::error_codes::send_queue_full ||
        std::chrono::steady_clock::now() >= deadline) {
      return r;
    }
    std::this_thread::sleep_for(1ms);
  }
}

bool client_probe::wait_messages(std::size_t count, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return received.load() >= count; }, timeout);
}

std::vector<std::vector<std::uint8_t>> client_probe::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::vector<ns::error_info> client_probe::disconnect_reasons() const {
  std::lock_guard lock(mutex_);
  return disconnect_reasons_;
}

std::vector<ns::core::reconnect_attempt> client_probe::reconnects() const {
  std::lock_guard lock(mutex_);
  return reconnects_;
}

std::vector<ns::error_info> client_probe::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

// --- helpers -------------------------------------------------------------------------------

std::shared_ptr<ns::core::messaging_server> start_echo_server(server_probe& probe,
                                                              ns::core::server_config config,
                                                              std::string_view bind_address) {
  return start_echo_server(
      probe, std::make_shared<ns::core::messaging_server>("echo", std::move(config)), bind_address);
}

std::shared_ptr<ns::core::messaging_server> start_echo_server(
    server_probe& probe, std::shared_ptr<ns::core::messaging_server> server,
    std::string_view bind_address) {
  probe.attach(*server, /*echo=*/true);
  (void)server->start_server(bind_address, 0);
  return server;
}

std::string describe(const ns::error_info& e) {
  return std::to_string(e.code) + " (" + std::string(ns::error_codes::name(e.code)) +
         "): " + e.message + (e.details.empty() ? "" : " [" + e.details + "]");
}

}  // namespace integration
