// libFuzzer target for protocol::http content codings: content_decoder for gzip, deflate
// (zlib and raw), br and identity under a small output limit, decode_content over a
// Content-Encoding list, and the encoders' round trip.
//
// Input: byte 0 picks the coding of the streaming decode (its low two bits: identity, gzip,
// deflate, br), byte 1 the piece size it is fed in (1..64, or 0: all at once), byte 2 the
// output limit (byte * 64 + 1, so 1..16321 bytes); the rest is the data. Every coding decodes
// the data; the one picked is also fed piece by piece.
//
// Invariants checked (abort on violation):
//   - a decoder never holds more than its limit of output on success, nor more than one byte
//     past it on failure, and consumes no more than it was given;
//   - errors are only http_decompression_failed and http_body_too_large;
//   - splitting the input into pieces changes nothing: the same output, or a failure too;
//   - decode_content("<coding>") agrees with the decoder;
//   - compress then decompress gives the data back, for every coding and a few levels.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_require.h"
#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/content_coding.h"

namespace {

namespace http = network_system::protocol::http;
namespace error_codes = network_system::error_codes;

using fuzz_support::require;

struct outcome {
  bool ok = false;
  int code = 0;
  std::string out;
};

outcome decode(http::content_coding coding, std::string_view data, std::size_t piece,
               std::size_t limit) {
  auto dec = http::content_decoder::create(coding, {.max_output = limit});
  require(dec.is_ok(), "decoder: create failed");
  outcome o;
  network_system::VoidResult r;
  if (piece == 0) piece = data.size() + 1;
  for (std::size_t at = 0; at < data.size() && r.is_ok(); at += piece) {
    r = dec.value().write(data.substr(at, piece), o.out);
    require(o.out.size() <= limit + 1, "decoder: output past the limit");
  }
  if (r.is_ok()) r = dec.value().finish();
  require(dec.value().total_in() <= data.size(), "decoder: consumed more than given");
  require(dec.value().total_out() == o.out.size(), "decoder: total_out differs from the output");
  o.ok = r.is_ok();
  if (o.ok) {
    require(o.out.size() <= limit, "decoder: a successful output above the limit");
  } else {
    o.code = r.error().code;
    require(o.code == error_codes::http_decompression_failed ||
                o.code == error_codes::http_body_too_large,
            "decoder: unexpected error code");
    require(r.error().message.rfind("decompress ", 0) == 0, "decoder: message names no operation");
  }
  return o;
}

constexpr http::content_coding codings[] = {http::content_coding::identity,
                                            http::content_coding::gzip,
                                            http::content_coding::deflate,
                                            http::content_coding::br};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 3) return 0;
  const auto picked = codings[bytes[0] & 3];
  const std::size_t piece = bytes[1] == 0 ? 0 : 1 + bytes[1] % 64;
  const std::size_t limit = std::size_t{bytes[2]} * 64 + 1;
  const std::string_view data(reinterpret_cast<const char*>(bytes + 3), size - 3);

  for (const auto c : codings) {
    const outcome whole = decode(c, data, 0, limit);
    const auto one_shot = http::decode_content(http::coding_name(c), data, limit);
    require(one_shot.is_ok() == whole.ok, "decode_content disagrees with the decoder");
    if (whole.ok) {
      require(one_shot.value() == whole.out, "decode_content: different output");
    } else {
      require(one_shot.error().code == whole.code, "decode_content: different error");
    }
    if (c == picked && piece != 0) {
      const outcome split = decode(c, data, piece, limit);
      require(split.ok == whole.ok, "pieces: success differs");
      // Failing either way is enough: which error comes first may differ (brotli hands out
      // what it decoded sooner when it runs out of input, and so may pass the limit before
      // it reaches a corrupt byte that the whole input shows it first).
      if (whole.ok) require(split.out == whole.out, "pieces: output differs");
    }
  }

  // Round trip of the data itself, at a level the input picks.
  for (const auto c : codings) {
    // br above 9 is slow enough to starve the fuzzer; the unit tests cover 10 and 11.
    const int level = bytes[1] % 10;
    auto packed = http::compress(c, data, level);
    require(packed.is_ok(), "compress failed");
    auto back = http::decompress(c, packed.value(), data.size());
    require(back.is_ok() && back.value() == data, "round trip: data differs");
  }
  return 0;
}
