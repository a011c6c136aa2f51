#include "core/udp/detail/udp_server_core.h"

#include <asio/post.hpp>

#include "core/detail/bind_address.h"
#include "core/detail/run_on.h"
#include "core/udp/detail/udp_address.h"
#include "core/udp/detail/udp_socket_options.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"

namespace network_system::core::udp::detail {

namespace {
constexpr const char* source = "messaging_udp_server";

// The receive callback as seen by this I/O thread: no lock per datagram.
thread_local utils::slot_cache<udp_server_receive_slot> receive_cache;
}  // namespace

udp_server_core::udp_server_core(std::string id, udp_config config)
    : id_(std::move(id)),
      config_(std::move(config)),
      pool_(config_.pool ? config_.pool : std::make_shared<io_context_pool>(1)),
      owns_pool_(!config_.pool),
      any_family_limit_(max_datagram_for(config_, false)) {
  inbox_ = make_udp_inbox<datagram_inbox>(source, config_);
  inbox_->close(not_running("receive"));
}

udp_server_core::~udp_server_core() = default;

VoidResult udp_server_core::start(std::string_view bind_address, std::uint16_t port,
                                  bool any_address) {
  if (!lifecycle_.try_start()) {
    return error_void(error_codes::server_already_running,
                      "start_server: UDP server '" + id_ + "' is already running on port " +
                          std::to_string(port_.load()),
                      source);
  }
  if (auto r = validate(config_); r.is_err()) {
    lifecycle_.abort_start();
    return r;
  }
  if (owns_pool_) {
    pool_->start();
  } else if (!pool_->is_running()) {
    lifecycle_.abort_start();
    return error_void(error_codes::invalid_state,
                      "start_server: the shared io_context_pool is not running", source);
  }
  auto context = pool_->next();
  asio::ip::udp::socket socket(*context);
  std::string label;
  if (auto r = open_bound(bind_address, port, any_address, socket, label); r.is_err()) {
    std::error_code ignored;
    socket.close(ignored);
    if (owns_pool_) pool_->stop();
    lifecycle_.abort_start();
    return r;
  }
  auto io = std::make_shared<udp_socket_io>(context, std::move(socket), config_, counters_,
                                            source, label);
  {
    std::lock_guard lock(mutex_);
    io_ = io;
  }
  inbox_->reopen();
  asio::post(*context, [io, self = shared_from_this()] { io->start(self); });
  return ok();
}

VoidResult udp_server_core::open_bound(std::string_view bind_address, std::uint16_t port,
                                       bool any_address, asio::ip::udp::socket& socket,
                                       std::string& label) {
  using asio::ip::udp;
  auto address = core::detail::bind_address_for(bind_address, any_address, source);
  if (address.is_err()) return VoidResult(address.error());
  std::error_code ec;
  udp::endpoint endpoint(address.value(), port);
  label = udp_endpoint_to_string(endpoint);
  auto r = open_socket(socket, endpoint.protocol(), config_, any_address, label, source,
                       error_codes::bind_failed);
  if (r.is_err() && any_address) {  // no IPv6 on this host: IPv4 only
    std::error_code ignored;
    socket.close(ignored);
    endpoint = udp::endpoint(asio::ip::address_v4::any(), port);
    label = udp_endpoint_to_string(endpoint);
    r = open_socket(socket, endpoint.protocol(), config_, false, label, source,
                    error_codes::bind_failed);
  }
  if (r.is_err()) return r;
  socket.bind(endpoint, ec);
  if (ec) return VoidResult(make_error_info(ec, "bind", label, source, error_codes::bind_failed));
  port_.store(socket.local_endpoint(ec).port());
  label = udp_endpoint_to_string(udp::endpoint(endpoint.address(), port_.load()));
  return ok();
}

VoidResult udp_server_core::stop() {
  if (!lifecycle_.prepare_stop()) {
    return error_void(error_codes::server_not_started,
                      "stop_server: UDP server '" + id_ + "' is not running", source);
  }
  std::shared_ptr<udp_socket_io> io;
  {
    std::lock_guard lock(mutex_);
    io.swap(io_);
  }
  if (io) {
    // On the socket's thread: once this has run, no callback is running or can start.
    core::detail::run_on(io->context(), pool_->is_running(), [&] {
      io->close_now();
      callbacks_.forget(receive_cache);
    });
  }
  inbox_->close(not_running("receive"));
  if (owns_pool_) pool_->stop();
  port_.store(0);
  lifecycle_.mark_stopped();
  return ok();
}

std::shared_ptr<udp_socket_io> udp_server_core::current_io() const {
  std::lock_guard lock(mutex_);
  return io_;
}

error_info udp_server_core::not_running(std::string_view op) const {
  return error_info{error_codes::server_not_started,
                    std::string(op) + ": UDP server '" + id_ + "' is not running", source, {}};
}

VoidResult udp_server_core::check_send(const udp_endpoint& to, std::size_t size) const {
  const std::size_t limit = max_datagram_for(config_, is_v6_destination(to));
  if (size <= limit) return ok();
  return error_void(error_codes::message_too_large,
                    "send_to " + udp_endpoint_to_string(to) + ": datagram of " +
                        std::to_string(size) + " bytes is above the maximum of " +
                        std::to_string(limit),
                    source);
}

// From a receive callback the delivering socket is this server's, so neither the mutex nor a
// shared_ptr copy is needed to find it (the callback's own turn keeps it alive). Datagrams up
// to IPv4's limit fit either family, so only larger ones need the destination's.
VoidResult udp_server_core::send_to(const udp_endpoint& to, std::vector<std::uint8_t>&& data) {
  if (auto* io = udp_socket_io::delivering_for(this)) {
    if (data.size() > any_family_limit_) {
      if (auto r = check_send(to, data.size()); r.is_err()) return r;
    }
    return io->send(std::move(data), &to, error_codes::server_not_started);
  }
  auto io = current_io();
  if (!io) return VoidResult(not_running("send_to " + udp_endpoint_to_string(to)));
  if (auto r = check_send(to, data.size()); r.is_err()) return r;
  return io->send(std::move(data), &to, error_codes::server_not_started);
}

void udp_server_core::send_to_tracked(const udp_endpoint& to, std::vector<std::uint8_t>&& data,
                                      core::detail::completion<VoidResult> done) {
  auto io = current_io();
  if (!io) {
    return done.complete(VoidResult(not_running("send_to " + udp_endpoint_to_string(to))));
  }
  if (auto r = check_send(to, data.size()); r.is_err()) return done.complete(std::move(r));
  io->send_tracked(std::move(data), &to, error_codes::server_not_started, std::move(done));
}

VoidResult udp_server_core::send_copy_to(const udp_endpoint& to,
                                         std::span<const std::uint8_t> data) {
  if (auto* io = udp_socket_io::delivering_for(this)) {
    if (data.size() > any_family_limit_) {
      if (auto r = check_send(to, data.size()); r.is_err()) return r;
    }
    return io->send_copy(data, &to, error_codes::server_not_started);
  }
  auto io = current_io();
  if (!io) return VoidResult(not_running("send_to " + udp_endpoint_to_string(to)));
  if (auto r = check_send(to, data.size()); r.is_err()) return r;
  return io->send_copy(data, &to, error_codes::server_not_started);
}

VoidResult udp_server_core::change_membership(bool join, std::string_view group,
                                              std::string_view interface) {
  const char* op = join ? "join_multicast_group" : "leave_multicast_group";
  auto io = current_io();
  if (!io) return VoidResult(not_running(op));
  VoidResult result = ok();
  core::detail::run_on(io->context(), pool_->is_running(), [&] {
    if (io->is_closed()) {
      result = VoidResult(not_running(op));
      return;
    }
    result = detail::change_membership(io->native_handle(), io->is_v6(), join, group, interface,
                                       source);
  });
  return result;
}

void udp_server_core::on_datagram(std::span<const std::uint8_t> data, const udp_endpoint& from) {
  auto& cache = receive_cache;  // one thread-local look-up, not three
  const auto* fn = inbox_->pull_mode() ? nullptr : callbacks_.get_cached<receive>(cache);
  if (fn == nullptr) {  // pulled (async_receive_from), or no callback: the inbox keeps it
    inbox_->enter_pull_mode();
    inbox_->push(udp_datagram{std::vector<std::uint8_t>(data.begin(), data.end()), from});
    return;
  }
  ++cache.running;  // a stop from inside the callback must not free it mid-call
  if (fn->view) {
    fn->view(data, from);
  } else {
    fn->copy(delivery_copy(data), from);
  }
  --cache.running;
}

void udp_server_core::on_io_error(const error_info& e) {
  if (e.code == error_codes::receive_failed) inbox_->close(e);  // the socket stopped receiving
  callbacks_.invoke<error>(e);
}

}  // namespace network_system::core::udp::detail
