#pragma once
// content_coding: the HTTP content codings gzip, deflate and br (RFC 9110 §8.4.1, RFC 7932)
// as I/O-free streaming encoders and decoders, with one-shot helpers. zlib does gzip and
// deflate, Google's brotli library does br; no public header includes either.
//
//   // one shot: a response body, a request body under a limit
//   auto packed = http::compress(http::content_coding::gzip, body);
//   auto plain  = http::decompress(http::content_coding::br, bytes, 8 << 20);
//
//   // streaming: pieces in, output appended; the limit holds across the pieces
//   auto dec = http::content_decoder::create(http::content_coding::gzip, {.max_output = 1 << 20});
//   std::string out;
//   for (auto piece : pieces) if (auto r = dec.value().write(piece, out); r.is_err()) ...;
//   if (auto r = dec.value().finish(); r.is_err()) ...;         // truncated stream?
//
//   // a whole Content-Encoding value ("gzip, br": decoded br first, then gzip)
//   auto body = http::decode_content(req.header("Content-Encoding").value_or(""), bytes, limit);
//
// The codings:
//   gzip     RFC 1952, what `gzip -n` writes; on decode, "x-gzip" names it too (§8.4.1.3) and
//            several members one after another are decoded as one body, as gzip(1) does.
//   deflate  RFC 9110 §8.4.1.2: the zlib format (RFC 1950) around deflate data; the encoder
//            writes it. The decoder also takes raw deflate data (RFC 1951) without the zlib
//            wrapper, which some servers send and every browser accepts; it decides from the
//            first two bytes (a zlib header is a valid CMF/FLG pair, RFC 1950 §2.2).
//   br       RFC 7932, standard windows up to 16 MiB (large-window streams are refused).
//   identity the bytes unchanged (the limit still applies on decode).
//
// Limits and memory. A decoder never makes more than limits.max_output bytes of output in
// all: it gives the inflater at most the room left below the limit plus one byte, so a
// compression bomb is stopped as soon as it passes the limit (http_body_too_large), not after
// it has been inflated. What the decoder appends grows `out` by at most max_output + 1 bytes,
// and it reserves `out` itself in steps that never go past that. Besides `out`, a decoder
// holds a 16 KiB scratch piece, zlib about 45 KiB per stream; brotli holds its ring buffer, as large as the stream's window (up to
// 16 MiB) unless the stream is known to be shorter; limits.max_state caps that memory (an
// allocation that would pass it fails the decode with http_body_too_large).
//
// Errors (error_info::code; the messages name the operation and the coding):
//   http_decompression_failed  corrupt data, a bad header or checksum, a truncated stream
//                              (at finish()), or bytes after the end of a deflate/br stream
//   http_body_too_large        the output above limits.max_output (the message names the
//                              limit), or the codec's state above limits.max_state
//   http_not_implemented       a coding name this library does not know (parse_content_coding,
//                              parse_content_encoding, decode_content); a server answers a
//                              request with one 415 Unsupported Media Type (RFC 9110 §15.5.16)
//   invalid_argument           a compression level out of range, or a call after an error or
//                              after finish()
//   internal_error             the codec library failed to allocate (below max_state) or to
//                              start
//
// Thread-safety: the free functions are pure; call them from any thread. An encoder or a
// decoder is used by one thread at a time (it may move between threads).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"

namespace network_system::protocol::http {

enum class content_coding : std::uint8_t { identity, gzip, deflate, br };

/// The registered name: "identity", "gzip", "deflate", "br".
std::string_view coding_name(content_coding coding) noexcept;

/// The coding named `name` (case-insensitive, surrounding spaces ignored; "x-gzip" is gzip).
/// Errors: http_not_implemented for any other name (the message quotes it).
Result<content_coding> parse_content_coding(std::string_view name);

/// Parses a Content-Encoding value ("gzip", "gzip, br") into its codings in the order they
/// were applied. "identity" elements and empty list elements are dropped, so the result may be
/// empty. Errors: http_not_implemented for an unknown coding; http_decompression_failed for
/// more than `max_codings` codings (a body coded many times over multiplies the work of
/// decoding it, and no sender needs more than one or two).
Result<std::vector<content_coding>> parse_content_encoding(std::string_view header,
                                                           std::size_t max_codings = 4);

// --- compression levels --------------------------------------------------------------------

/// Level -1 picks the coding's default: 6 for gzip and deflate (zlib's own default), 5 for br
/// (for responses made on the fly; 11 is for static files compressed once). Measured on this
/// repository's README.md (33,862 bytes; callgrind instructions to compress): gzip 6 gives
/// 37.6% in 4.9 M, gzip 9 37.6% in 5.4 M, br 5 36.4% in 6.8 M, br 11 32.9% in 373 M;
/// decoding takes 0.9-1.0 M for each.
inline constexpr int default_level = -1;
/// The levels a coding accepts: gzip and deflate 0..9 (0 stores), br 0..11, identity any.
[[nodiscard]] bool valid_level(content_coding coding, int level) noexcept;

namespace detail {
class encoder_engine;
class decoder_engine;
}  // namespace detail

// --- encoder -------------------------------------------------------------------------------

class content_encoder {
 public:
  /// An encoder for `coding` at `level` (see valid_level). Errors: invalid_argument for a
  /// level out of range; internal_error when the codec library cannot start one.
  static Result<content_encoder> create(content_coding coding, int level = default_level);

  content_encoder(content_encoder&&) noexcept;
  content_encoder& operator=(content_encoder&&) noexcept;
  ~content_encoder();

  [[nodiscard]] content_coding coding() const noexcept { return coding_; }

  /// Compresses `input`, appending whatever output is ready to `out` (possibly nothing: the
  /// codec buffers). Errors: invalid_argument after finish() or an earlier error.
  VoidResult write(std::string_view input, std::string& out);
  /// Appends everything buffered so far, so that a decoder of the bytes written up to now can
  /// produce all the input given up to now (a streamed response's pieces; costs ratio). gzip
  /// and deflate use a zlib sync flush, br a brotli flush. Errors: as write().
  VoidResult flush(std::string& out);
  /// Ends the stream (trailer, checksum), appending the rest of the output. Afterwards every
  /// call fails. Errors: as write().
  VoidResult finish(std::string& out);

 private:
  content_encoder(content_coding coding, std::unique_ptr<detail::encoder_engine> engine) noexcept;
  content_coding coding_;
  std::unique_ptr<detail::encoder_engine> engine_;
  bool done_ = false;
};

// --- decoder -------------------------------------------------------------------------------

struct decoder_limits {
  /// Most bytes of output in all (the decompressed body); 8 MiB, the request body limit.
  std::size_t max_output = 8u << 20;
  /// Most bytes the codec library may hold for its state (brotli's ring buffer, zlib's
  /// window): 32 MiB, above anything a standard stream needs (brotli: 16 MiB + tables).
  std::size_t max_state = 32u << 20;
};

class content_decoder {
 public:
  /// A decoder for `coding` under `limits`. The codec library starts on the first write(),
  /// so that its first allocations meet limits.max_state there. Errors: internal_error when
  /// the engine cannot be made (none in practice).
  static Result<content_decoder> create(content_coding coding, decoder_limits limits = {});

  content_decoder(content_decoder&&) noexcept;
  content_decoder& operator=(content_decoder&&) noexcept;
  ~content_decoder();

  [[nodiscard]] content_coding coding() const noexcept { return coding_; }

  /// Decodes `input` (any piece of the stream, even one byte), appending output to `out`.
  /// Errors: http_decompression_failed, http_body_too_large (see the file comment; `out` then
  /// holds the output made before the error, at most max_output + 1 bytes of it);
  /// invalid_argument after finish() or an earlier error; internal_error when the codec
  /// library cannot start or runs out of memory below max_state.
  VoidResult write(std::string_view input, std::string& out);
  /// Declares the end of the input. Errors: http_decompression_failed when the stream is not
  /// complete (truncated); invalid_argument after an earlier error. No input at all is an
  /// empty body, not an error (a HEAD or 204 answer carries Content-Encoding without bytes).
  VoidResult finish();

  /// True once the compressed stream's end has been seen (gzip: the end of a member).
  [[nodiscard]] bool stream_ended() const noexcept;
  /// Output bytes made so far.
  [[nodiscard]] std::uint64_t total_out() const noexcept { return total_out_; }
  /// Input bytes the codec consumed so far (less than given when it stopped at an error).
  [[nodiscard]] std::uint64_t total_in() const noexcept { return total_in_; }
  /// The most bytes the codec library held at once for this stream (see max_state).
  [[nodiscard]] std::size_t peak_state_bytes() const noexcept;

 private:
  content_decoder(content_coding coding, decoder_limits limits,
                  std::unique_ptr<detail::decoder_engine> engine) noexcept;
  content_coding coding_;
  decoder_limits limits_;
  std::unique_ptr<detail::decoder_engine> engine_;
  std::unique_ptr<std::uint8_t[]> scratch_;
  std::uint64_t total_out_ = 0;
  std::uint64_t total_in_ = 0;
  bool failed_ = false;
  bool finished_ = false;
};

// --- one shot ------------------------------------------------------------------------------

/// `bytes` compressed with `coding` at `level` (a complete stream). Errors: as
/// content_encoder::create.
Result<std::string> compress(content_coding coding, std::string_view bytes,
                             int level = default_level);

/// `bytes` (a complete stream) decoded, at most `max_output` bytes of it. Errors: as
/// content_decoder::write and finish().
Result<std::string> decompress(content_coding coding, std::string_view bytes,
                               std::size_t max_output);
/// The same with both limits.
Result<std::string> decompress(content_coding coding, std::string_view bytes,
                               decoder_limits limits);

/// A body decoded according to its Content-Encoding value: the codings undone in reverse order
/// ("gzip, br" was gzipped, then brotli'd: br is undone first), each stage under max_output.
/// An empty value or only "identity" returns the bytes unchanged (still under the limit).
/// Errors: as parse_content_encoding and decompress.
Result<std::string> decode_content(std::string_view content_encoding, std::string_view bytes,
                                   std::size_t max_output);
/// The same with both limits (decoder_limits::max_state for each stage's codec state).
Result<std::string> decode_content(std::string_view content_encoding, std::string_view bytes,
                                   decoder_limits limits);

}  // namespace network_system::protocol::http
