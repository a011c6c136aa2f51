#pragma once
// deflate_context: the per-connection compressor and decompressor of permessage-deflate
// (RFC 7692 §7.2), on zlib.
//
//   auto ctx = deflate_context::create(role::server, negotiated.params).value();
//   std::vector<std::uint8_t> payload;
//   if (ctx->should_compress(msg.size())) ctx->compress(msg, payload);  // send with RSV1 set
//   // receiving (frame_parser does this when given the context):
//   ctx->decompress(piece, room);  ...  ctx->finish_message(room);
//
// Compression: raw deflate, each message ended with Z_SYNC_FLUSH and the flush's trailing
// 00 00 FF FF removed (§7.2.1). With no context takeover for our direction the compressor is
// reset after every message; otherwise the window carries over (§7.1.1). Our window is
// params.<our side>_max_window_bits; 8 is refused (zlib's deflateInit2 does not make raw
// deflate with a 256-byte window; permessage_deflate.h never negotiates it for our side).
//
// Decompression: the message's payload in pieces, then finish_message, which feeds 00 00 FF FF
// back (§7.2.2). The peer's window is params.<peer side>_max_window_bits, raised to 9 when it
// is 8, since zlib's inflate refuses 8 for raw deflate too: a window of 512 bytes decodes every
// stream made with 256 (distances only reach back 256 bytes). A message whose last block has
// BFINAL set ends the deflate stream (§7.2.3.4 of the RFC allows it): bytes after that block
// in the same message are dropped (the RFC's own example carries a padding byte there), and the
// decompressor starts a fresh stream for the next message, which therefore cannot refer back
// to it.
// zlib checks a back-reference against the window it keeps plus the output already in the
// current room, so a peer that reaches further back than its negotiated window is refused
// (ws_decompression_failed, "invalid distance too far back") only when the bytes it reaches
// are no longer in the room: whether it is caught depends on how its bytes arrive. This is
// never unsafe (memory stays bounded, every byte produced is one the stream defines); with
// 15 bits every stream is judged the same way however it is split.
// The output goes into a buffer the caller gives (`room`), so memory stays bounded whatever
// the ratio; options.max_message counts the bytes made per message and stops a bomb right at
// the limit with ws_message_too_big.
//
// Errors: ws_decompression_failed (corrupt data), ws_message_too_big (above
// max_message), internal_error (zlib could not allocate or start), invalid_argument (create
// with a window of 8 bits for our side or bits out of 8..15).
//
// Thread-safety: none. One context belongs to one connection; its compressor and decompressor
// are independent, so a sending thread and a receiving thread may use compress and decompress
// at the same time, but not the same half from two threads.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "network_system/core/result.h"
#include "network_system/protocol/websocket/permessage_deflate.h"
#include "network_system/protocol/websocket/role.h"

namespace network_system::protocol::websocket {

struct deflate_options {
  /// zlib level 0..9 (-1: zlib's default, 6).
  int level = -1;
  /// zlib memLevel 1..9: the compressor's state is about 2^(memLevel+9) bytes besides the window.
  int mem_level = 8;
  /// Messages shorter than this are sent uncompressed (RSV1 clear): compressing a few bytes
  /// costs more than it saves.
  std::size_t threshold = 64;
  /// The most bytes one message may decompress to.
  std::uint64_t max_message = 16u * 1024 * 1024;
};

class deflate_context {
 public:
  /// A context for `endpoint` with the negotiated `params`. Errors: invalid_argument,
  /// internal_error (see above).
  static Result<std::unique_ptr<deflate_context>> create(role endpoint, const deflate_params& params,
                                                         deflate_options options = {});
  ~deflate_context();
  deflate_context(const deflate_context&) = delete;
  deflate_context& operator=(const deflate_context&) = delete;

  /// Whether a message of `size` bytes should be compressed (size >= options.threshold).
  [[nodiscard]] bool should_compress(std::size_t size) const noexcept;

  /// Compresses a whole message and appends the payload to `out`. Error: internal_error.
  VoidResult compress(std::span<const std::uint8_t> message, std::vector<std::uint8_t>& out);

  struct step {
    std::size_t consumed = 0;  ///< bytes of the input taken
    std::size_t produced = 0;  ///< bytes written at the front of room
  };
  /// Decompresses the next piece of a compressed message into `room` (non-empty). Less than
  /// the whole input is consumed when room fills up: call again with the rest.
  Result<step> decompress(std::span<const std::uint8_t> in, std::span<std::uint8_t> room);
  /// After the message's last piece: produces the rest into `room`; `done` becomes true once
  /// the message is complete (call again while it is false). The next decompress starts the
  /// next message.
  Result<step> finish_message(std::span<std::uint8_t> room, bool& done);
  /// Bytes the current message has decompressed to so far.
  [[nodiscard]] std::uint64_t message_size() const noexcept;

  /// Convenience: decompresses a whole message payload, appending to `out`.
  VoidResult decompress_message(std::span<const std::uint8_t> payload,
                                std::vector<std::uint8_t>& out);

  [[nodiscard]] const deflate_params& params() const noexcept;
  [[nodiscard]] const deflate_options& options() const noexcept;

 private:
  struct impl;
  explicit deflate_context(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace network_system::protocol::websocket
