#pragma once
// connection_protocol: what runs on a stream_connection (SPEC §5). The connection reads; the
// protocol consumes the bytes and delivers what they mean (messages, requests, frames) to the
// application, and queues its output through the connection's queue_*(). It never touches the
// socket, so the same protocol runs over TCP and TLS, and a fix to the driver reaches all.
//
// Every method runs on the connection's owner thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "network_system/core/result.h"

namespace network_system::connection {
class stream_connection;
}

namespace network_system::connection::detail {

class connection_protocol {
 public:
  virtual ~connection_protocol() = default;

  /// Consumes bytes from the front of `in` (one read's worth, or bytes a pause had held
  /// back). Delivers complete units while `c.delivering()`; when it turns false (the
  /// application paused the connection or closed it, or the protocol was replaced) it returns
  /// at once and leaves the rest in `in`, which the connection keeps for later or hands to the
  /// next protocol. `self` is `c` as the shared pointer the read loop holds: callbacks get it
  /// without a reference-count round trip per message. A protocol error is reported with
  /// c.fail(...) (the connection closes).
  virtual void on_data(const std::shared_ptr<stream_connection>& self,
                       std::span<const std::uint8_t>& in) = 0;

  /// The read burst is over: give back memory held only while a unit was in progress.
  virtual void on_read_burst_end() {}

  /// The peer closed its side (EOF, or TLS close_notify). nullopt: a clean end. An error: the
  /// close truncated a unit (for example half a message), which becomes the close reason.
  [[nodiscard]] virtual std::optional<error_info> on_peer_eof(const stream_connection& c) {
    (void)c;
    return std::nullopt;
  }

  /// Whether a peer's EOF still lets what is queued be written before the connection closes
  /// (an HTTP client that half-closes after its request still gets the response). false: the
  /// connection closes at once and discards its queue (messaging peers that close are gone).
  [[nodiscard]] virtual bool flush_on_peer_eof() const noexcept { return false; }

  /// The owner asked for a graceful shutdown (a server stopping): finish what is in progress
  /// in the protocol's terms, then close. The default closes at once, gracefully (what is
  /// queued is written first).
  virtual void on_shutdown(stream_connection& c, const error_info& reason);

  /// The send queue is back below its low-water mark after reaching the high-water mark, or
  /// after stream_connection::watch_drain(): a protocol producing output piece by piece (a
  /// streamed HTTP body) goes on. Before the handler's on_drained.
  virtual void on_drained(stream_connection& c) { (void)c; }

  /// The connection closed: drop partial state.
  virtual void on_closed() {}
};

}  // namespace network_system::connection::detail
