// libFuzzer target for protocol::framing::frame_decoder / frame_encoder.
//
// Input: byte 0 picks the framing (see make_config); the rest is a sequence of chunks, each a
// length byte followed by up to that many bytes, fed to one decoder in that order. The
// chunking therefore comes from the data, so the fuzzer explores every way a stream can be
// split across reads.
//
// Invariants checked (abort on violation):
//   - every call makes progress: need_more consumes the whole input, a message consumes bytes;
//   - payloads are at most max_message_size; the only error is message_too_large, and the
//     decoder keeps failing until reset();
//   - a delimited payload never contains the delimiter, and frame_encoder::check accepts it;
//   - re-encoding the decoded messages gives back exactly the bytes they were decoded from,
//     and decoding that concatenation again gives the same message list;
//   - what is left over matches has_partial() / partial_bytes() / partial_expected();
//   - raw framing delivers every byte once, in order, in pieces of 1..max bytes;
//   - check(p) accepts a payload exactly when decode(encode(p)) gives back p alone;
//   - shrink() between inputs changes nothing.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/framing/frame_decoder.h"
#include "network_system/protocol/framing/frame_encoder.h"
#include "fuzz_require.h"

namespace {

namespace framing = network_system::protocol::framing;
namespace error_codes = network_system::error_codes;

using bytes = std::vector<std::uint8_t>;
using byte_span = std::span<const std::uint8_t>;

using fuzz_support::require;

framing::framing_config make_config(std::uint8_t selector) {
  using framing::framing_kind;
  switch (selector % 7) {
    case 0: return {framing_kind::length_prefixed, "\n", 1u << 20};
    case 1: return {framing_kind::delimiter, "\n", 1u << 20};
    case 2: return {framing_kind::delimiter, "\r\n", 1u << 20};
    case 3: return {framing_kind::raw, "\n", 1u << 20};
    // Small limits so that message_too_large and raw splitting are reached often.
    case 4: return {framing_kind::length_prefixed, "\n", 16};
    case 5: return {framing_kind::delimiter, "\r\n\r\n", 24};  // overlaps itself
    default: return {framing_kind::raw, "\n", 7};
  }
}

std::size_t read_be32(const std::uint8_t* p) {
  return (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) |
         std::size_t{p[3]};
}

bool contains(byte_span haystack, std::string_view needle) {
  const std::string_view h(reinterpret_cast<const char*>(haystack.data()), haystack.size());
  return h.find(needle) != std::string_view::npos;
}

struct decoded {
  std::vector<bytes> messages;
  int error = 0;
};

// Feeds one chunk, collecting messages; returns false once the decoder has failed.
bool feed(framing::frame_decoder& dec, byte_span chunk, decoded& out) {
  const std::size_t max = dec.config().max_message_size;
  for (;;) {
    const std::size_t before = chunk.size();
    const auto r = dec.next(chunk);
    switch (r.status) {
      case framing::decode_status::need_more:
        require(chunk.empty(), "need_more left input unconsumed");
        return true;
      case framing::decode_status::error:
        require(r.error_code == error_codes::message_too_large, "unexpected error code");
        out.error = r.error_code;
        return false;
      case framing::decode_status::message:
        require(chunk.size() < before, "a message consumed no input");
        require(r.payload.size() <= max, "payload above max_message_size");
        out.messages.emplace_back(r.payload.begin(), r.payload.end());
        break;
    }
  }
}

bytes encode_all(const framing::frame_encoder& enc, const std::vector<bytes>& messages) {
  bytes out;
  for (const auto& m : messages) {
    const auto frame = enc.encode(m);
    out.insert(out.end(), frame.begin(), frame.end());
  }
  return out;
}

void check_leftover(const framing::frame_decoder& dec, byte_span leftover) {
  const auto& cfg = dec.config();
  require(dec.has_partial() == !leftover.empty(), "has_partial disagrees with leftover bytes");
  if (cfg.kind == framing::framing_kind::length_prefixed) {
    if (leftover.size() < framing::length_prefix_size) {
      require(dec.partial_bytes() == leftover.size(), "partial_bytes inside the prefix");
      require(dec.partial_expected() == 0, "partial_expected before the prefix is complete");
    } else {
      const std::size_t expected = read_be32(leftover.data());
      require(dec.partial_expected() == expected, "partial_expected is not the announced length");
      require(dec.partial_bytes() == leftover.size() - framing::length_prefix_size,
              "partial_bytes is not the buffered payload");
      require(dec.partial_bytes() < expected, "a complete message was left undelivered");
    }
  } else {
    require(dec.partial_bytes() == leftover.size(), "partial_bytes is not the leftover line");
    require(dec.partial_expected() == 0, "partial_expected for a line");
  }
}

void check_framed(const framing::framing_config& cfg, const bytes& stream, const decoded& out,
                  const framing::frame_decoder& dec) {
  const framing::frame_encoder enc(cfg);
  for (const auto& m : out.messages) {
    if (cfg.kind == framing::framing_kind::delimiter) {
      require(!contains(m, cfg.delimiter), "delimiter inside a delimited payload");
    }
    require(enc.check(m).is_ok(), "check() refuses a payload the decoder produced");
  }
  // The decoded messages, framed again, are exactly the bytes they came from.
  const bytes again = encode_all(enc, out.messages);
  require(again.size() <= stream.size() &&
              std::equal(again.begin(), again.end(), stream.begin()),
          "re-encoded messages differ from the decoded stream");
  if (out.error == 0) check_leftover(dec, byte_span(stream).subspan(again.size()));

  // Decoding the re-encoded stream in one piece gives the same list.
  framing::frame_decoder second(cfg);
  decoded out2;
  require(feed(second, again, out2), "re-encoded stream failed to decode");
  require(out2.messages == out.messages, "re-decoded messages differ");
  require(!second.has_partial(), "re-encoded stream left a partial message");
}

void check_raw(const framing::framing_config& cfg, const bytes& stream, const decoded& out,
               const framing::frame_decoder& dec) {
  require(out.error == 0, "raw framing failed");
  bytes joined;
  for (const auto& m : out.messages) {
    require(!m.empty(), "raw framing delivered an empty message");
    joined.insert(joined.end(), m.begin(), m.end());
  }
  require(joined == stream, "raw framing did not deliver the stream as sent");
  require(!dec.has_partial() && dec.partial_bytes() == 0, "raw framing kept bytes back");
  for (const auto& m : out.messages) {
    require(m.size() <= cfg.max_message_size, "raw piece above max_message_size");
  }
}

// check(p) must accept p exactly when p survives encode + decode on its own.
void check_encoder_agrees_with_decoder(const framing::framing_config& cfg, byte_span payload) {
  if (cfg.kind == framing::framing_kind::raw) return;  // raw carries no boundaries
  const framing::frame_encoder enc(cfg);
  const bytes frame = enc.encode(payload);
  framing::frame_decoder dec(cfg);
  decoded out;
  const bool decoded_ok = feed(dec, frame, out);
  const bool round_trips = decoded_ok && out.messages.size() == 1 &&
                           std::equal(payload.begin(), payload.end(), out.messages[0].begin(),
                                      out.messages[0].end()) &&
                           !dec.has_partial();
  require(enc.check(payload).is_ok() == round_trips,
          "check() disagrees with what the decoder makes of encode()");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto cfg = make_config(data[0]);
  require(framing::validate(cfg).is_ok(), "fuzz config is invalid");

  // Split the rest into (length byte, chunk) pairs.
  std::vector<byte_span> chunks;
  bytes stream;
  for (std::size_t i = 1; i < size;) {
    const std::size_t n = std::min<std::size_t>(data[i], size - i - 1);
    chunks.emplace_back(data + i + 1, n);
    stream.insert(stream.end(), data + i + 1, data + i + 1 + n);
    i += 1 + n;
  }

  framing::frame_decoder dec(cfg);
  decoded out;
  for (const auto& chunk : chunks) {
    if (!feed(dec, chunk, out)) break;
  }

  // The same input with shrink() after every chunk gives the same result.
  framing::frame_decoder shrinking(cfg);
  decoded shrunk;
  for (const auto& chunk : chunks) {
    const bool alive = feed(shrinking, chunk, shrunk);
    shrinking.shrink();
    if (!alive) break;
  }
  require(shrunk.messages == out.messages && shrunk.error == out.error,
          "shrink() between inputs changed the decoded messages");
  require(shrinking.partial_bytes() == dec.partial_bytes() &&
              shrinking.partial_expected() == dec.partial_expected(),
          "shrink() between inputs changed the partial state");

  if (out.error != 0) {
    // Stays failed, whatever it is given, until reset().
    byte_span rest = stream;
    const auto r = dec.next(rest);
    require(r.status == framing::decode_status::error, "decoder recovered without reset()");
    dec.reset();
    require(!dec.has_partial(), "reset() kept a partial message");
  }

  if (cfg.kind == framing::framing_kind::raw) {
    check_raw(cfg, stream, out, dec);
  } else {
    check_framed(cfg, stream, out, dec);
  }
  for (const auto& chunk : chunks) check_encoder_agrees_with_decoder(cfg, chunk);
  return 0;
}
