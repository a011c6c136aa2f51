#pragma once
// message_batch: the complete messages one read brought to a session, in order, as views of
// the read buffer. It is what a batch receive callback gets
// (messaging_server::set_receive_batch_callback): one call per read instead of one per
// message, which is where a small-message server spends its time (SPEC §10).
//
//   server->set_receive_batch_callback([](const auto& session, const auto& batch) {
//     for (std::span<const std::uint8_t> m : batch) consume(m);   // each message, in order
//     (void)session->send_batch(batch);                             // or echo them all at once
//   });
//
// Valid during the callback only, like the span form's data: copy what you keep.
// Thread-safety: none needed; it lives on the session's thread for the length of a call.

#include <cstddef>
#include <cstdint>
#include <span>

namespace network_system::protocol::framing {
struct framing_config;
}

namespace network_system::session {

class message_batch {
 public:
  using message = std::span<const std::uint8_t>;
  using iterator = const message*;

  /// `messages` in order. `wire`: the framed bytes they arrived as, contiguous, when they lie
  /// in one buffer as read (empty otherwise); `framing` the framing they were cut with.
  message_batch(std::span<const message> messages, std::span<const std::uint8_t> wire,
                std::size_t payload_bytes, const protocol::framing::framing_config* framing)
      : messages_(messages), wire_(wire), payload_bytes_(payload_bytes), framing_(framing) {}

  /// How many messages (at least one).
  [[nodiscard]] std::size_t size() const noexcept { return messages_.size(); }
  [[nodiscard]] bool empty() const noexcept { return messages_.empty(); }
  /// Message `i` (0 ≤ i < size()).
  [[nodiscard]] message operator[](std::size_t i) const noexcept { return messages_[i]; }
  [[nodiscard]] iterator begin() const noexcept { return messages_.data(); }
  [[nodiscard]] iterator end() const noexcept { return messages_.data() + messages_.size(); }
  /// The payload bytes of all messages (framing excluded).
  [[nodiscard]] std::size_t payload_bytes() const noexcept { return payload_bytes_; }

  /// The framed bytes of the whole batch as they arrived, or empty when its messages do not
  /// lie in one buffer (a message that spanned reads was reassembled). send_batch() uses it.
  [[nodiscard]] std::span<const std::uint8_t> wire() const noexcept { return wire_; }
  /// The framing the batch was cut with (never null).
  [[nodiscard]] const protocol::framing::framing_config& framing() const noexcept {
    return *framing_;
  }

 private:
  std::span<const message> messages_;
  std::span<const std::uint8_t> wire_;
  std::size_t payload_bytes_;
  const protocol::framing::framing_config* framing_;
};

}  // namespace network_system::session
