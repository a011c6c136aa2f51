#include "core/udp/detail/udp_client_core.h"

#include "core/detail/run_on.h"
#include "core/udp/detail/udp_address.h"
#include "core/udp/detail/udp_socket_options.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"

namespace network_system::core::udp::detail {

namespace {
constexpr const char* source = "messaging_udp_client";

// The receive callback as seen by this I/O thread: no lock per datagram.
thread_local utils::slot_cache<udp_client_receive_slot> receive_cache;
}  // namespace

udp_client_core::udp_client_core(std::string id, udp_config config)
    : id_(std::move(id)),
      config_(std::move(config)),
      pool_(config_.pool ? config_.pool : std::make_shared<io_context_pool>(1)),
      owns_pool_(!config_.pool),
      any_family_limit_(max_datagram_for(config_, false)),
      context_(pool_->next()),
      broadcast_(config_.broadcast) {
  inbox_ = make_udp_inbox<payload_inbox>(source, config_);
  inbox_->close(error_info{error_codes::not_connected,
                           "receive: UDP client '" + id_ + "' is not running", source, {}});
}

udp_client_core::~udp_client_core() = default;

VoidResult udp_client_core::start(std::string_view host, std::uint16_t port) {
  if (!lifecycle_.try_start()) {
    return error_void(error_codes::already_running,
                      "start_client: UDP client '" + id_ + "' is already running", source);
  }
  auto refuse = [this](VoidResult r) {
    lifecycle_.abort_start();
    return r;
  };
  if (context_->get_executor().running_in_this_thread()) {
    return refuse(error_void(error_codes::invalid_state,
                             "start_client: called from the client's own thread", source));
  }
  if (auto r = validate(config_); r.is_err()) return refuse(r);
  if (owns_pool_) {
    pool_->start();
  } else if (!pool_->is_running()) {
    return refuse(error_void(error_codes::invalid_state,
                             "start_client: the shared io_context_pool is not running", source));
  }
  broadcast_.store(config_.broadcast);
  asio::ip::udp::socket socket(*context_);
  connection c;
  if (auto r = connect_socket(host, port, socket, c); r.is_err()) {
    if (owns_pool_) pool_->stop();
    return refuse(r);
  }
  c.io = std::make_shared<udp_socket_io>(context_, std::move(socket), config_, counters_, source,
                                         udp_endpoint_to_string(c.remote));
  {
    std::lock_guard lock(mutex_);
    connection_ = c;
  }
  inbox_->reopen();
  core::detail::run_on(*context_, true, [&] { c.io->start(shared_from_this()); });
  return ok();
}

VoidResult udp_client_core::connect_socket(std::string_view host, std::uint16_t port,
                                           asio::ip::udp::socket& socket, connection& c) {
  const std::string target = std::string(host) + ":" + std::to_string(port);
  std::error_code ec;
  asio::ip::udp::resolver resolver(*context_);
  // Blocking: UDP has no handshake to overlap it with, and start_client() waits anyway.
  const auto results = resolver.resolve(std::string(host), std::to_string(port),
                                        asio::ip::resolver_base::numeric_service, ec);
  if (ec) {
    return VoidResult(make_error_info(ec, "resolve", target, source, error_codes::host_not_found));
  }
  VoidResult last = error_void(error_codes::host_not_found,
                               "resolve " + target + ": no address", source);
  for (const auto& entry : results) {
    const auto endpoint = entry.endpoint();
    const auto label = udp_endpoint_to_string(endpoint);
    std::error_code ignored;
    socket.close(ignored);
    last = open_socket(socket, endpoint.protocol(), config_, false, label, source,
                       error_codes::connection_failed);
    if (last.is_err()) continue;
    socket.connect(endpoint, ec);
    if (ec) {
      last = VoidResult(make_error_info(ec, "connect to", label, source,
                                        error_codes::connection_failed));
      continue;
    }
    c.remote = endpoint;
    c.local = socket.local_endpoint(ec);
    return ok();
  }
  std::error_code ignored;
  socket.close(ignored);
  return last;
}

VoidResult udp_client_core::stop() {
  const bool was_running = lifecycle_.prepare_stop();
  connection c;
  {
    std::lock_guard lock(mutex_);
    std::swap(c, connection_);
  }
  core::detail::run_on(*context_, pool_->is_running(), [&] {
    if (c.io) c.io->close_now();
    callbacks_.forget(receive_cache);
  });
  inbox_->close(error_info{error_codes::not_connected,
                           "receive: UDP client '" + id_ + "' is not running", source, {}});
  if (owns_pool_) pool_->stop();
  if (was_running) lifecycle_.mark_stopped();
  return ok();
}

udp_client_core::connection udp_client_core::current() const {
  std::lock_guard lock(mutex_);
  return connection_;
}

udp_endpoint udp_client_core::remote_endpoint() const { return current().remote; }
udp_endpoint udp_client_core::local_endpoint() const { return current().local; }

VoidResult udp_client_core::check_send(const udp_endpoint& remote, std::size_t size) const {
  const std::size_t limit = max_datagram_for(config_, is_v6_destination(remote));
  if (size <= limit) return ok();
  return error_void(error_codes::message_too_large,
                    "send to " + udp_endpoint_to_string(remote) + ": datagram of " +
                        std::to_string(size) + " bytes is above the maximum of " +
                        std::to_string(limit),
                    source);
}

VoidResult udp_client_core::sendable(const connection& c, std::size_t size) const {
  if (!c.io) {
    return error_void(error_codes::not_connected,
                      "send_packet: UDP client '" + id_ + "' is not running", source);
  }
  return check_send(c.remote, size);
}

VoidResult udp_client_core::send(std::vector<std::uint8_t>&& data) {
  const auto c = current();
  if (auto r = sendable(c, data.size()); r.is_err()) return r;
  return c.io->send(std::move(data), nullptr, error_codes::not_connected);
}

void udp_client_core::send_tracked(std::vector<std::uint8_t>&& data,
                                   core::detail::completion<VoidResult> done) {
  const auto c = current();
  if (auto r = sendable(c, data.size()); r.is_err()) return done.complete(std::move(r));
  c.io->send_tracked(std::move(data), nullptr, error_codes::not_connected, std::move(done));
}

VoidResult udp_client_core::send_copy(std::span<const std::uint8_t> data) {
  // From a receive callback (a reply) the delivering socket is this client's: no lock, no
  // copy of the connection. Larger datagrams need the peer's family for their limit.
  if (data.size() <= any_family_limit_) {
    if (auto* io = udp_socket_io::delivering_for(this)) {
      return io->send_copy(data, nullptr, error_codes::not_connected);
    }
  }
  const auto c = current();
  // Refused before anything else, as the size is known: an oversize span costs nothing.
  if (auto r = check_send(c.remote, data.size()); r.is_err()) return r;
  if (!c.io) {
    return error_void(error_codes::not_connected,
                      "send_packet: UDP client '" + id_ + "' is not running", source);
  }
  return c.io->send_copy(data, nullptr, error_codes::not_connected);
}

VoidResult udp_client_core::enable_broadcast(bool enable) {
  const auto c = current();
  if (!c.io) {
    return error_void(error_codes::not_connected,
                      "enable_broadcast: UDP client '" + id_ + "' is not running", source);
  }
  VoidResult result = ok();
  core::detail::run_on(c.io->context(), pool_->is_running(), [&] {
    if (c.io->is_closed()) {
      result = error_void(error_codes::not_connected,
                          "enable_broadcast: UDP client '" + id_ + "' is not running", source);
      return;
    }
    result = set_broadcast(c.io->native_handle(), enable, source);
  });
  if (result.is_ok()) broadcast_.store(enable);
  return result;
}

VoidResult udp_client_core::send_broadcast(std::uint16_t port, std::vector<std::uint8_t>&& data,
                                           std::string_view address) {
  const auto c = current();
  const std::string target = std::string(address) + ":" + std::to_string(port);
  if (!c.io) {
    return error_void(error_codes::not_connected,
                      "send_broadcast: UDP client '" + id_ + "' is not running", source);
  }
  if (!broadcast_.load()) {
    return error_void(error_codes::invalid_state,
                      "send_broadcast to " + target +
                          ": broadcast is not enabled (enable_broadcast() or "
                          "udp_config::broadcast)",
                      source);
  }
  std::error_code ec;
  const auto v4 = asio::ip::make_address_v4(std::string(address), ec);
  if (ec || c.io->is_v6()) {
    return error_void(error_codes::invalid_argument,
                      "send_broadcast to " + target +
                          (ec ? ": not an IPv4 address"
                              : ": the client's socket is IPv6 (no broadcast)"),
                      source);
  }
  const std::size_t limit = max_datagram_for(config_, false);
  if (data.size() > limit) {
    return error_void(error_codes::message_too_large,
                      "send_broadcast to " + target + ": datagram of " +
                          std::to_string(data.size()) + " bytes is above the maximum of " +
                          std::to_string(limit),
                      source);
  }
  const udp_endpoint to(v4, port);
  return c.io->send(std::move(data), &to, error_codes::not_connected);
}

void udp_client_core::on_datagram(std::span<const std::uint8_t> data, const udp_endpoint&) {
  auto& cache = receive_cache;  // one thread-local look-up, not three
  const auto* fn = inbox_->pull_mode() ? nullptr : callbacks_.get_cached<receive>(cache);
  if (fn == nullptr) {  // pulled (async_receive), or no callback: the inbox keeps it
    inbox_->enter_pull_mode();
    inbox_->push(std::vector<std::uint8_t>(data.begin(), data.end()));
    return;
  }
  ++cache.running;  // a stop from inside the callback must not free it mid-call
  if (fn->view) {
    fn->view(data);
  } else {
    fn->copy(delivery_copy(data));
  }
  --cache.running;
}

void udp_client_core::on_io_error(const error_info& e) {
  if (e.code == error_codes::receive_failed) inbox_->close(e);  // the socket stopped receiving
  callbacks_.invoke<error>(e);
}

}  // namespace network_system::core::udp::detail
