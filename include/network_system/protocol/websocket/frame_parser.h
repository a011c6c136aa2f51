#pragma once
// frame_parser: an I/O-free WebSocket decoder (RFC 6455 §5, §7; RFC 7692 §6) for either end of a
// connection. Bytes go in; one event comes out per call, as protocol::http::request_parser.
//
//   frame_parser p({.endpoint = role::server}, deflate.get());  // deflate may be null
//   std::span<std::uint8_t> in = bytes_read;                      // mutable: see below
//   while (true) {
//     auto e = p.feed(in);
//     in = in.subspan(e.consumed);
//     switch (e.status) {
//       case frame_status::need_more:     goto read_more;              // in is empty now
//       case frame_status::message_start: begin(e.type); break;        // text or binary
//       case frame_status::data:          append(e.data); break;       // a piece, unmasked
//       case frame_status::message_end:   deliver(); break;
//       case frame_status::ping:          send_pong(e.data); break;    // whole payload
//       case frame_status::pong:          break;
//       case frame_status::close:         reply_close(p.close()); break;
//       case frame_status::error:
//         send_close(close_code_for(p.error().code)); shut(); return;
//     }
//   }
//
// A message comes out as message_start (with its type and whether it is compressed), then data
// pieces (none for an empty message), then message_end. Control frames (ping, pong, close) come
// out whole, also between the fragments of a message. Pieces of a message are never joined:
// a large message streams through and the parser holds none of it.
//
// Where the bytes of e.data live:
//   - an uncompressed message: a view into the input given to that call, inside its consumed
//     part. The parser unmasks masked payloads IN PLACE: feed writes to the input bytes it
//     consumes (and only to those), which is why it takes a mutable span.
//   - a compressed message (RSV1 on its first frame, a deflate_context given): a view into the
//     parser's own 16 KiB buffer with the decompressed bytes, valid until the next call.
//   - ping / pong: a view into the parser's own buffer (the frame may have arrived in pieces),
//     valid until the next call.
// In every case the view is valid until the next call to feed.
//
// Errors (error().code; close_code_for(code) is the close code to send; error().message names
// the rule broken, e.g. "websocket frame: a fragmented ping frame"):
//   ws_protocol_error     (1002) RSV1 without permessage-deflate or on a control or
//                         continuation frame, RSV2/RSV3 (no extension defines them), an
//                         unknown opcode, a fragmented control frame, a control payload above
//                         125 bytes, a continuation frame with no message open, a text or
//                         binary frame while a fragmented message is open, an unmasked frame
//                         on the server side, a masked frame on the client side, a non-minimal
//                         length or a 64-bit length with its top bit set, a 1-byte close
//                         payload, any frame after a close frame
//   ws_invalid_close_code (1002) a close code RFC 6455 §7.4 does not allow (close_code.h)
//   ws_invalid_utf8       (1007) a text message that is not UTF-8, reported with the piece
//                         holding the first invalid byte (fail fast, before the message ends)
//                         or at its end for a sequence cut off; a close reason that is not UTF-8
//   ws_message_too_big    (1009) a frame payload above max_frame_size (checked on its header,
//                         before any of it arrives), a message above max_message_size (the
//                         uncompressed size: checked on each frame's header, or as it
//                         decompresses)
//   ws_decompression_failed (1007) compressed data that does not inflate
// After an error every feed returns the same error until reset().
//
// Thread-safety: none. A parser belongs to one connection and is used by one thread at a time.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "network_system/core/result.h"
#include "network_system/protocol/websocket/close_code.h"
#include "network_system/protocol/websocket/frame_header.h"
#include "network_system/protocol/websocket/role.h"
#include "network_system/protocol/websocket/utf8_validator.h"

namespace network_system::protocol::websocket {

class deflate_context;

/// Limits and switches, as data (like libhv's framing settings).
struct frame_parser_options {
  /// Which end this parser runs at: a server requires masked frames, a client unmasked ones.
  role endpoint = role::server;
  /// The largest payload of one frame, as on the wire (compressed).
  std::uint64_t max_frame_size = 16u * 1024 * 1024;
  /// The largest message, uncompressed (the sum of its frames, or what they inflate to).
  std::uint64_t max_message_size = 16u * 1024 * 1024;
  /// Validate text messages as UTF-8 (RFC 6455 §8.1 requires it; off only for a peer known
  /// to be trusted, e.g. a benchmark).
  bool validate_utf8 = true;
};

enum class frame_status {
  /// Every byte given was consumed and no event is complete: read more and feed it.
  need_more,
  /// A text or binary message begins: frame_event::type, frame_event::compressed.
  message_start,
  /// frame_event::data holds the next piece of the message (unmasked, decompressed), never
  /// empty.
  data,
  /// The message is complete (and, if text, valid UTF-8).
  message_end,
  /// A ping arrived: frame_event::data is its payload (answer with a pong carrying it).
  ping,
  /// A pong arrived: frame_event::data is its payload.
  pong,
  /// A close frame arrived: close() holds its code and reason. Nothing may follow it.
  close,
  /// error() says what; the parser stays failed.
  error,
};

struct frame_event {
  frame_status status = frame_status::need_more;
  /// Bytes of the input this call consumed (the front of it).
  std::size_t consumed = 0;
  /// With message_start: opcode::text or opcode::binary.
  opcode type = opcode::binary;
  /// With message_start: the message is compressed (RSV1 set, permessage-deflate).
  bool compressed = false;
  /// With data, ping and pong: see "Where the bytes of e.data live" above.
  std::span<const std::uint8_t> data{};
};

class frame_parser {
 public:
  /// `inflater`, when given, is the connection's permessage-deflate context: RSV1 is then
  /// allowed on the first frame of a message, which is decompressed through it. It must
  /// outlive the parser (or a reset() without it).
  explicit frame_parser(frame_parser_options options = {}, deflate_context* inflater = nullptr);

  /// Consumes bytes from the front of `input` up to the next event and returns it. Unmasks
  /// the payload bytes it consumes in place.
  frame_event feed(std::span<std::uint8_t> input);

  /// After frame_status::close: the peer's code (close_code::no_status for an empty payload)
  /// and reason.
  [[nodiscard]] const websocket::close_reason& close() const noexcept { return close_; }
  /// After frame_status::error.
  [[nodiscard]] const error_info& error() const noexcept { return error_; }
  /// Whether a message has started and not yet ended.
  [[nodiscard]] bool in_message() const noexcept { return in_message_; }
  [[nodiscard]] const frame_parser_options& options() const noexcept { return options_; }

  /// Forgets everything, including an error and a close, and waits for a new frame.
  void reset(deflate_context* inflater);
  void reset() { reset(inflater_); }

 private:
  enum class state { header, payload, control, inflate_tail, closed, failed };

  frame_event fail(int code, std::string message, std::size_t consumed);
  bool check_header(std::size_t consumed, frame_event& out);
  bool check_text(std::span<const std::uint8_t> piece, std::size_t consumed, frame_event& out);
  bool check_size(std::size_t consumed, frame_event& out);
  [[nodiscard]] std::size_t room_size() const noexcept;

  frame_parser_options options_;
  deflate_context* inflater_;
  state state_ = state::header;
  std::array<std::uint8_t, max_frame_header_size> head_buf_{};
  std::size_t head_len_ = 0;
  frame_header frame_{};
  std::uint64_t remaining_ = 0;  // payload bytes of the current frame still to come
  std::uint64_t offset_ = 0;     // payload bytes of the current frame already taken
  bool in_message_ = false;
  opcode message_type_ = opcode::binary;
  bool compressed_ = false;
  bool drain_ = false;  // the decompressor filled the room: it may hold more output
  std::uint64_t message_size_ = 0;
  utf8_validator utf8_;
  std::array<std::uint8_t, 125> control_{};
  std::size_t control_len_ = 0;
  std::vector<std::uint8_t> inflated_;
  websocket::close_reason close_;
  error_info error_;
};

}  // namespace network_system::protocol::websocket
