#include "network_system/protocol/websocket/utf8_validator.h"

#include <cstring>

namespace network_system::protocol::websocket {

std::size_t utf8_validator::feed(std::span<const std::uint8_t> bytes) noexcept {
  if (failed_) return 0;
  const std::uint8_t* p = bytes.data();
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    if (need_ == 0) {
      // ASCII fast path: eight bytes at a time while none has its high bit set.
      while (i + 8 <= n) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if ((w & 0x8080808080808080ull) != 0) break;
        i += 8;
      }
      if (i == n) break;
      const std::uint8_t b = p[i];
      if (b < 0x80) {
        ++i;
        continue;
      }
      if (b >= 0xC2 && b <= 0xDF) {
        need_ = 1;
        lo_ = 0x80, hi_ = 0xBF;
      } else if (b >= 0xE0 && b <= 0xEF) {
        need_ = 2;
        lo_ = b == 0xE0 ? 0xA0 : 0x80;  // E0 80..9F would be overlong
        hi_ = b == 0xED ? 0x9F : 0xBF;  // ED A0..BF are surrogates
      } else if (b >= 0xF0 && b <= 0xF4) {
        need_ = 3;
        lo_ = b == 0xF0 ? 0x90 : 0x80;  // F0 80..8F would be overlong
        hi_ = b == 0xF4 ? 0x8F : 0xBF;  // F4 90.. is above U+10FFFF
      } else {
        failed_ = true;  // 80..C1 (continuation or overlong lead), F5..FF
        return i;
      }
      ++i;
    } else {
      const std::uint8_t b = p[i];
      if (b < lo_ || b > hi_) {
        failed_ = true;
        return i;
      }
      lo_ = 0x80, hi_ = 0xBF;
      --need_;
      ++i;
    }
  }
  return npos;
}

bool is_valid_utf8(std::string_view s) noexcept {
  utf8_validator v;
  return v.feed(s) == utf8_validator::npos && v.finish();
}

}  // namespace network_system::protocol::websocket
