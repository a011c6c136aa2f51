// libFuzzer target for protocol::http::multipart_parser (and multipart_builder).
//
// Input: byte 0 picks the boundary and the limits (see make_case), byte 1 seeds the chunking;
// the rest is the body. The body is parsed twice: in one piece, and cut into chunks whose
// sizes come from a small generator seeded by byte 1, so every way a delimiter can straddle
// two reads is explored.
//
// Invariants checked (abort on violation):
//   - events come in order: part_begin, part_data*, part_end, ..., finished at most once;
//     nothing but need_more after finished, nothing but error after an error;
//   - need_more leaves no input unconsumed; part_data is never empty;
//   - the part data delivered never exceeds the input, nor a part's max_part_bytes; parts
//     never exceed max_parts; errors are only http_invalid_multipart / http_multipart_limit;
//   - finish() succeeds exactly when finished was returned;
//   - the chunked run gives the same parts, data, end state and error code as the one-piece
//     run (limits chosen so that the eager max_total_bytes check cannot tell them apart);
//   - a well-formed form rebuilt with multipart_builder (same boundary) parses back to the
//     same names, filenames and data.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/multipart.h"
#include "fuzz_require.h"

namespace {

namespace http = network_system::protocol::http;
namespace error_codes = network_system::error_codes;
using byte_span = std::span<const std::uint8_t>;

using fuzz_support::require;

struct fuzz_case {
  std::string boundary;
  http::multipart_limits limits;
};

fuzz_case make_case(std::uint8_t selector) {
  static const std::string boundaries[] = {"b", "AaB03x", "simple boundary", std::string(70, 'z'),
                                           "--"};
  fuzz_case c;
  c.boundary = boundaries[selector % 5];
  switch ((selector / 5) % 4) {
    case 0:
      break;  // defaults
    case 1:   // small limits, reached often
      c.limits = {.max_part_header_bytes = 64,
                  .max_parts = 3,
                  .max_part_bytes = 16,
                  .max_total_bytes = 1u << 30,
                  .require_form_data = true};
      break;
    case 2:
      c.limits.require_form_data = false;
      break;
    default:
      c.limits = {.max_part_header_bytes = 40,
                  .max_parts = 2,
                  .max_part_bytes = 5,
                  .max_total_bytes = 1u << 30,
                  .require_form_data = false};
      break;
  }
  return c;
}

struct part_out {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string data;
  bool ended = false;
};

struct run_out {
  std::vector<part_out> parts;
  bool finished = false;
  int error = 0;
  std::size_t data_bytes = 0;
};

void feed(http::multipart_parser& p, byte_span in, run_out& out) {
  const auto& limits = p.limits();
  for (;;) {
    const auto ev = p.next(in);
    switch (ev) {
      case http::multipart_event::need_more:
        require(in.empty(), "need_more with input left");
        return;
      case http::multipart_event::error:
        require(p.error().code == error_codes::http_invalid_multipart ||
                    p.error().code == error_codes::http_multipart_limit,
                "unexpected error code");
        require(out.error == 0 || out.error == p.error().code, "error code changed");
        out.error = p.error().code;
        require(p.next(in) == http::multipart_event::error, "error is not sticky");
        return;
      case http::multipart_event::part_begin:
        require(!out.finished, "part after finished");
        require(out.parts.empty() || out.parts.back().ended, "part_begin inside a part");
        require(p.part().index == out.parts.size(), "part index");
        require(out.parts.size() < limits.max_parts, "more than max_parts");
        out.parts.push_back({p.part().name, p.part().filename, p.part().content_type, {}, false});
        break;
      case http::multipart_event::part_data:
        require(!out.parts.empty() && !out.parts.back().ended, "data outside a part");
        require(!p.data().empty(), "empty part_data");
        out.parts.back().data.append(reinterpret_cast<const char*>(p.data().data()),
                                     p.data().size());
        require(out.parts.back().data.size() <= limits.max_part_bytes, "part above max_part_bytes");
        out.data_bytes += p.data().size();
        break;
      case http::multipart_event::part_end:
        require(!out.parts.empty() && !out.parts.back().ended, "part_end outside a part");
        out.parts.back().ended = true;
        break;
      case http::multipart_event::finished:
        require(!out.finished, "finished twice");
        require(out.parts.empty() || out.parts.back().ended, "finished inside a part");
        out.finished = true;
        break;
    }
  }
}

bool plain(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || c == '"' || c == '\\') return false;
  }
  return true;
}

void check_rebuild(const fuzz_case& fc, const run_out& parsed) {
  if (!fc.limits.require_form_data || parsed.error != 0 || !parsed.finished) return;
  http::multipart_builder b(fc.boundary);
  for (const auto& p : parsed.parts) {
    if (!plain(p.name) || (p.filename && !plain(*p.filename))) return;
    const byte_span data(reinterpret_cast<const std::uint8_t*>(p.data.data()), p.data.size());
    const auto r = p.filename ? b.add_file(p.name, *p.filename, data, p.content_type)
                              : b.add_field(p.name, p.data);
    require(r.is_ok(), "builder refused parsed content");
  }
  const auto body = b.body();
  // The rebuilt headers may be longer (quotes, a default Content-Type): roomier limits.
  http::multipart_parser again(fc.boundary, {.max_part_header_bytes = 1u << 20});
  run_out out;
  feed(again, body, out);
  require(out.error == 0 && out.finished, "rebuilt form does not parse");
  require(out.parts.size() == parsed.parts.size(), "rebuilt form has other parts");
  for (std::size_t i = 0; i < out.parts.size(); ++i) {
    require(out.parts[i].name == parsed.parts[i].name, "rebuilt name differs");
    require(out.parts[i].filename == parsed.parts[i].filename, "rebuilt filename differs");
    require(out.parts[i].data == parsed.parts[i].data, "rebuilt data differs");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto fc = make_case(data[0]);
  std::uint32_t rng = 0x9E3779B9u ^ data[1];
  const byte_span body(data + 2, size - 2);

  http::multipart_parser whole(fc.boundary, fc.limits);
  run_out one;
  feed(whole, body, one);
  require(one.data_bytes <= body.size(), "more part data than input");
  require(whole.finish().is_ok() == one.finished, "finish() disagrees with finished");

  http::multipart_parser chunked(fc.boundary, fc.limits);
  run_out many;
  for (std::size_t off = 0; off < body.size() && many.error == 0;) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    const std::size_t n = std::min<std::size_t>(body.size() - off, 1 + rng % 24);
    feed(chunked, body.subspan(off, n), many);
    off += n;
  }
  require(many.error == one.error, "chunked run gives another error");
  require(many.finished == one.finished, "chunked run ends differently");
  if (one.error == 0) {
    require(many.parts.size() == one.parts.size(), "chunked run has other parts");
    for (std::size_t i = 0; i < one.parts.size(); ++i) {
      require(many.parts[i].name == one.parts[i].name &&
                  many.parts[i].filename == one.parts[i].filename &&
                  many.parts[i].content_type == one.parts[i].content_type &&
                  many.parts[i].data == one.parts[i].data &&
                  many.parts[i].ended == one.parts[i].ended,
              "chunked run gives other part contents");
    }
  }
  check_rebuild(fc, one);
  return 0;
}
