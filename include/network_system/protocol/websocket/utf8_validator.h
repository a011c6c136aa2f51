#pragma once
// utf8_validator: incremental UTF-8 validation (RFC 3629, Unicode Table 3-7) for text messages
// that arrive in fragments and pieces.
//
//   utf8_validator v;
//   for (auto piece : pieces)
//     if (auto bad = v.feed(piece); bad != utf8_validator::npos) fail(1007);  // fail fast
//   if (!v.finish()) fail(1007);                  // a sequence cut off at the message's end
//
// Refused: bytes C0, C1, F5-FF; continuation bytes without a lead byte; overlong forms (E0 80..9F,
// F0 80..8F); UTF-16 surrogates (ED A0..BF); code points above U+10FFFF (F4 90..BF); a lead
// byte not followed by enough continuation bytes. A sequence may be split anywhere between
// feeds: the state is kept.
//
// Runs of ASCII are checked eight bytes at a time.
//
// Thread-safety: none (a plain value type used by one thread at a time).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace network_system::protocol::websocket {

class utf8_validator {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// Checks the next bytes. Returns npos when they are valid so far (possibly ending inside a
  /// sequence), else the index in `bytes` of the first byte that cannot be part of valid
  /// UTF-8. After a failure every feed returns 0 until reset().
  std::size_t feed(std::span<const std::uint8_t> bytes) noexcept;
  std::size_t feed(std::string_view s) noexcept {
    return feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()),
                                              s.size()));
  }

  /// At the end of the text: true when everything fed is valid and no sequence is incomplete.
  [[nodiscard]] bool finish() const noexcept { return !failed_ && need_ == 0; }
  /// Whether a feed has found an invalid byte.
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  /// Forgets everything (for the next message).
  void reset() noexcept { *this = utf8_validator{}; }

 private:
  std::uint8_t need_ = 0;  // continuation bytes still expected
  std::uint8_t lo_ = 0x80, hi_ = 0xBF;  // range of the next continuation byte
  bool failed_ = false;
};

/// Whether `s` is valid UTF-8 as a whole.
bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace network_system::protocol::websocket
