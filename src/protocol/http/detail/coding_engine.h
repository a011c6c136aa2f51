#pragma once
// The codec side of content_encoder / content_decoder: one engine per coding (identity, zlib
// for gzip and deflate, brotli), behind two small interfaces. content_coding.cpp owns the
// limits and the output buffer; an engine only moves bytes through its library.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "network_system/core/result.h"
#include "network_system/protocol/http/content_coding.h"

namespace network_system::protocol::http::detail {

inline constexpr std::string_view coding_source = "http::content_coding";

/// Counts what a codec library allocates through its hooks (zlib's zalloc, brotli's
/// alloc_func) and refuses what would pass `cap`, so that a stream's state is bounded and
/// measured. Each block carries its size in a header in front of it.
class state_allocator {
 public:
  explicit state_allocator(std::size_t cap) noexcept : cap_(cap) {}
  state_allocator(const state_allocator&) = delete;
  state_allocator& operator=(const state_allocator&) = delete;

  void* allocate(std::size_t bytes) noexcept;
  void release(void* block) noexcept;

  [[nodiscard]] std::size_t peak() const noexcept { return peak_; }
  /// True once an allocation was refused for the cap (not for lack of memory).
  [[nodiscard]] bool refused() const noexcept { return refused_; }
  [[nodiscard]] std::size_t cap() const noexcept { return cap_; }

 private:
  std::size_t cap_;
  std::size_t used_ = 0;
  std::size_t peak_ = 0;
  bool refused_ = false;
};

enum class encode_op : std::uint8_t { process, flush, finish };

class encoder_engine {
 public:
  virtual ~encoder_engine() = default;
  /// Consumes all of `input` and appends the output `op` makes ready to `out`.
  virtual VoidResult encode(std::string_view input, std::string& out, encode_op op) = 0;
};

/// What one decoder_engine::step did.
struct decode_step {
  std::size_t consumed = 0;  ///< input bytes used
  std::size_t produced = 0;  ///< output bytes written
};

class decoder_engine {
 public:
  virtual ~decoder_engine() = default;
  /// Decodes from `input` into `room`. Returns when the input is used up, the room is full, or
  /// the stream ended. Errors: http_decompression_failed, http_body_too_large (state cap),
  /// internal_error.
  virtual Result<decode_step> step(std::span<const std::uint8_t> input,
                                   std::span<std::uint8_t> room) = 0;
  /// Whether the stream's end has been seen (and nothing of a next gzip member since).
  [[nodiscard]] virtual bool ended() const noexcept = 0;
  /// Whether every output byte of the input consumed so far has been handed out (brotli may
  /// hold some back when the room was full).
  [[nodiscard]] virtual bool has_pending_output() const noexcept { return false; }
  [[nodiscard]] virtual std::size_t peak_state() const noexcept { return 0; }
};

/// identity: bytes through unchanged.
std::unique_ptr<encoder_engine> make_identity_encoder();
std::unique_ptr<decoder_engine> make_identity_decoder();

/// gzip or deflate (zlib format) at zlib level 0..9. Null when zlib cannot start one.
std::unique_ptr<encoder_engine> make_zlib_encoder(content_coding coding, int level);
/// gzip (several members) or deflate (zlib format or raw); zlib starts on the first input.
std::unique_ptr<decoder_engine> make_zlib_decoder(content_coding coding, std::size_t max_state);

/// br at quality 0..11. Null when brotli cannot start one.
std::unique_ptr<encoder_engine> make_brotli_encoder(int quality);
/// br; brotli starts on the first input.
std::unique_ptr<decoder_engine> make_brotli_decoder(std::size_t max_state);

/// The error of a failed decode, naming the coding.
error_info decode_error(content_coding coding, std::string_view what);

}  // namespace network_system::protocol::http::detail
