#include "network_system/protocol/websocket/masking.h"

#include <openssl/rand.h>

#include <climits>
#include <cstring>

#include "network_system/core/error_codes.h"

namespace network_system::protocol::websocket {

void apply_mask(std::span<std::uint8_t> data, mask_key key, std::uint64_t offset) noexcept {
  std::uint8_t pattern[8];
  for (std::size_t i = 0; i < 8; ++i) pattern[i] = key[(offset + i) % 4];
  std::uint64_t word;
  std::memcpy(&word, pattern, 8);
  std::uint8_t* p = data.data();
  std::size_t n = data.size();
  // The pattern repeats every 4 bytes, so every 8-byte step starts at the same phase.
  for (; n >= 32; n -= 32, p += 32) {
    std::uint64_t a, b, c, d;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    std::memcpy(&c, p + 16, 8);
    std::memcpy(&d, p + 24, 8);
    a ^= word;
    b ^= word;
    c ^= word;
    d ^= word;
    std::memcpy(p, &a, 8);
    std::memcpy(p + 8, &b, 8);
    std::memcpy(p + 16, &c, 8);
    std::memcpy(p + 24, &d, 8);
  }
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t a;
    std::memcpy(&a, p, 8);
    a ^= word;
    std::memcpy(p, &a, 8);
  }
  for (std::size_t i = 0; i < n; ++i) p[i] ^= pattern[i];
}

VoidResult random_bytes(std::span<std::uint8_t> out) {
  while (!out.empty()) {
    const std::size_t piece = out.size() > INT_MAX ? INT_MAX : out.size();
    if (RAND_bytes(out.data(), static_cast<int>(piece)) != 1) {
      return error_void(error_codes::internal_error,
                        "websocket: OpenSSL RAND_bytes failed (the CSPRNG is not seeded)",
                        "websocket");
    }
    out = out.subspan(piece);
  }
  return ok();
}

namespace {
struct key_pool {
  std::uint8_t bytes[256];
  std::size_t used = sizeof bytes;
};
thread_local key_pool pool;
}  // namespace

Result<mask_key> random_mask_key() {
  if (pool.used + 4 > sizeof pool.bytes) {
    auto r = random_bytes(pool.bytes);
    if (r.is_err()) return Result<mask_key>(r.error());
    pool.used = 0;
  }
  mask_key k;
  std::memcpy(k.data(), pool.bytes + pool.used, 4);
  // A key handed out is not left in memory for a later reader of the pool.
  std::memset(pool.bytes + pool.used, 0, 4);
  pool.used += 4;
  return k;
}

}  // namespace network_system::protocol::websocket
