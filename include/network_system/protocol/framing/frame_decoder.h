#pragma once
// frame_decoder: cuts messages out of a byte stream. I/O-free and callback-free: feed it the
// bytes you read and pull the messages out one at a time.
//
//   frame_decoder dec(cfg);
//   std::span<const std::uint8_t> in(buf, n);
//   for (;;) {
//     auto r = dec.next(in);                     // consumes from `in`
//     if (r.status == decode_status::need_more) break;
//     if (r.status == decode_status::error) { close(r.error_code); break; }
//     deliver(r.payload);                        // valid until the next call to next()
//   }
//
// A message that lies whole inside `in` is returned as a view into `in` (no copy); only a
// message split across inputs is gathered in an internal buffer, which grows to that message's
// size (bounded by max_message_size) and is released by shrink().
//
// Thread-safety: none; one decoder belongs to one session.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "network_system/core/result.h"
#include "network_system/protocol/framing/framing_config.h"

namespace network_system::protocol::framing {

enum class decode_status { need_more, message, error };

struct decode_result {
  decode_status status = decode_status::need_more;
  /// With decode_status::message: the payload, valid until the next call on the decoder.
  std::span<const std::uint8_t> payload;
  /// With decode_status::error: error_codes::message_too_large (a length or a line above
  /// max_message_size). The decoder stays in the error state until reset().
  int error_code = 0;
};

class frame_decoder {
 public:
  /// Validates nothing: call validate(cfg) first when the config comes from a user.
  explicit frame_decoder(framing_config cfg = {});

  /// Consumes bytes from the front of `input` and returns the next message, need_more when
  /// `input` is used up without completing one, or error.
  decode_result next(std::span<const std::uint8_t>& input) {
    // Inline, the common case of a read full of small messages: nothing buffered and a whole
    // length-prefixed message at the front of `input`.
    if (cfg_.kind == framing_kind::length_prefixed && !have_length_ && buffer_.empty() &&
        !failed_ && input.size() >= length_prefix_size) {
      const std::uint8_t* p = input.data();
      const std::size_t len = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                              (std::size_t{p[2]} << 8) | std::size_t{p[3]};
      if (len <= cfg_.max_message_size && input.size() - length_prefix_size >= len) {
        const auto payload = input.subspan(length_prefix_size, len);
        input = input.subspan(length_prefix_size + len);
        return {decode_status::message, payload, 0};
      }
    }
    return next_slow(input);
  }

  /// Cuts every whole length-prefixed message at the front of `input` that lies whole in it,
  /// appending views of their payloads to `out` and their sizes to `payload_bytes`, and
  /// consumes them; stops at the first that does not lie whole in `input` or is above
  /// max_message_size (next() then buffers or refuses it). Cuts nothing for the other framings,
  /// or while a partial message is buffered: use next(). Returns how many it cut. This is
  /// next() for a read full of small messages, without a call per message.
  template <typename Views>
  std::size_t next_whole(std::span<const std::uint8_t>& input, Views& out,
                         std::size_t& payload_bytes) {
    if (release_on_next_) {  // the message handed out last came from buffer_; it is done
      buffer_.clear();
      release_on_next_ = false;
    }
    if (cfg_.kind != framing_kind::length_prefixed || have_length_ || !buffer_.empty() ||
        failed_) {
      return 0;
    }
    const std::uint8_t* p = input.data();
    const std::uint8_t* const end = p + input.size();
    const std::size_t max = cfg_.max_message_size;
    std::size_t count = 0;
    std::size_t bytes = 0;
    while (static_cast<std::size_t>(end - p) >= length_prefix_size) {
      const std::size_t len = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                              (std::size_t{p[2]} << 8) | std::size_t{p[3]};
      if (len > max || static_cast<std::size_t>(end - p) - length_prefix_size < len) break;
      out.emplace_back(p + length_prefix_size, len);
      bytes += len;
      ++count;
      p += length_prefix_size + len;
    }
    input = input.subspan(static_cast<std::size_t>(p - input.data()));
    payload_bytes += bytes;
    return count;
  }

  /// True while part of a message is buffered (a peer that closes now truncates it).
  [[nodiscard]] bool has_partial() const noexcept;
  /// Bytes of the partial message buffered so far, and how many the message needs in all
  /// (0 when unknown: a line, or a length prefix not yet complete).
  [[nodiscard]] std::size_t partial_bytes() const noexcept;
  [[nodiscard]] std::size_t partial_expected() const noexcept;
  /// Frees the internal buffer when no partial message is held.
  void shrink() noexcept;
  /// Back to the initial state (clears an error).
  void reset() noexcept;

  [[nodiscard]] const framing_config& config() const noexcept { return cfg_; }

 private:
  decode_result next_slow(std::span<const std::uint8_t>& input);
  decode_result next_length_prefixed(std::span<const std::uint8_t>& input);
  decode_result next_delimited(std::span<const std::uint8_t>& input);
  decode_result fail(int code);

  framing_config cfg_;
  std::vector<std::uint8_t> buffer_;  // partial message (and, for lengths, partial prefix)
  std::size_t expected_ = 0;          // length_prefixed: payload length once the prefix is read
  bool have_length_ = false;
  bool release_on_next_ = false;      // buffer_ was handed out as a payload; clear it first
  bool failed_ = false;
};

/// Checks a framing_config: delimiter of 1..max_delimiter_size bytes for the delimiter kind,
/// max_message_size ≥ 1 (and < 4 GiB for length_prefixed). Error: invalid_configuration.
VoidResult validate(const framing_config& cfg);

}  // namespace network_system::protocol::framing
