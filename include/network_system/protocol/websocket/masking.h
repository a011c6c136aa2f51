#pragma once
// Payload masking (RFC 6455 §5.3) and the random masking keys a client puts on every frame.
//
//   mask_key key = random_mask_key().value();
//   apply_mask(payload, key, 0);                 // masks (or, applied again, unmasks)
//   apply_mask(piece, key, offset_in_payload);   // a payload that arrives in pieces
//
// apply_mask works eight bytes per step on any buffer alignment (unaligned loads and stores
// through memcpy, which compilers turn into plain moves) and on any starting offset: the
// 8-byte pattern is the key rotated by offset % 4.
//
// random_mask_key draws from OpenSSL's CSPRNG (RAND_bytes), as §5.3 requires ("derived from a
// strong source of entropy"), through a 256-byte buffer per thread, refilled when used up, so
// a frame costs a 4-byte copy rather than a call into the RNG (64 keys per refill).
//
// Thread-safety: apply_mask is a pure function; random_mask_key may be called from any thread
// (the buffer is thread_local).

#include <cstddef>
#include <cstdint>
#include <span>

#include "network_system/core/result.h"
#include "network_system/protocol/websocket/frame_header.h"

namespace network_system::protocol::websocket {

/// XORs `data` with `key`, where data[0] is byte `offset` of the frame's payload.
void apply_mask(std::span<std::uint8_t> data, mask_key key, std::uint64_t offset = 0) noexcept;

/// A fresh key from the CSPRNG. Error: error_codes::internal_error when OpenSSL's RAND_bytes
/// fails (its generator could not be seeded); no key is made up in that case.
Result<mask_key> random_mask_key();

/// `out.size()` random bytes straight from RAND_bytes (for Sec-WebSocket-Key). Error:
/// internal_error as above.
VoidResult random_bytes(std::span<std::uint8_t> out);

}  // namespace network_system::protocol::websocket
