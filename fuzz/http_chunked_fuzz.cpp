// libFuzzer target for chunked transfer coding: request_parser's decoder and chunk_encoder.
//
// Input: byte 0 picks the mode.
//   even: the rest is a chunked body as sent (sizes, extensions, data, trailers) after a fixed
//         request head, fed in pieces whose sizes come from byte 1. If the parser accepts it,
//         the decoded body and trailers, encoded again by chunk_encoder in one chunk, must
//         decode to the same body and trailers.
//   odd:  the rest is body content; it is cut into chunks (sizes from the content itself),
//         framed by chunk_encoder with a trailer, and fed split at a point from byte 1: the
//         parser must give back exactly the content, without error.
// Invariants also checked: body pieces lie inside the input, no body above max_body, errors
// are HTTP codes that stay.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "network_system/protocol/http/request_parser.h"
#include "network_system/protocol/http/serializer.h"
#include "fuzz_require.h"

namespace {

namespace http = network_system::protocol::http;
using byte_span = std::span<const std::uint8_t>;

using fuzz_support::require;

const std::string head = "POST /upload HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\n\r\n";

struct decoded {
  bool complete = false;
  int error = 0;
  std::string body;
  http::http_fields trailers;
};

byte_span bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

decoded decode(const std::string& wire, std::size_t piece, const http::parser_options& o) {
  http::request_parser p(o);
  decoded out;
  byte_span all = bytes_of(wire);
  bool head_seen = false;
  for (std::size_t at = 0; at < all.size() && !out.complete && out.error == 0;) {
    const std::size_t n = std::min(piece, all.size() - at);
    byte_span in = all.subspan(at, n);
    at += n;
    for (;;) {
      const auto r = p.feed(in);
      require(r.consumed <= in.size(), "consumed more than given");
      if (r.status == http::parse_status::need_more) {
        require(r.consumed == in.size(), "need_more left input unconsumed");
        break;
      }
      if (r.status == http::parse_status::error) {
        out.error = p.error().code;
        require(out.error <= -700 && out.error >= -739, "an error outside the HTTP range");
        require(p.feed(in).status == http::parse_status::error, "the error did not stay");
        break;
      }
      if (r.status == http::parse_status::head_complete) {
        require(!head_seen && p.chunked(), "the fixed head did not parse as chunked");
        head_seen = true;
      } else if (r.status == http::parse_status::body) {
        require(head_seen, "body before the head");
        require(r.body.data() >= in.data() &&
                    r.body.data() + r.body.size() <= in.data() + r.consumed,
                "body piece outside the consumed input");
        out.body.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
        require(out.body.size() <= o.limits.max_body, "body above the limit");
      } else {
        out.complete = true;
        out.trailers = p.trailers();
        break;
      }
      in = in.subspan(r.consumed);
    }
  }
  return out;
}

std::string encode(const std::string& body, const std::vector<std::size_t>& sizes,
                   const http::http_fields& trailers) {
  http::chunk_encoder enc;
  std::string wire = head;
  std::size_t at = 0;
  for (std::size_t i = 0; at < body.size(); ++i) {
    const std::size_t n = std::min(body.size() - at, std::max<std::size_t>(1, sizes[i % sizes.size()]));
    for (const auto& piece : enc.encode(bytes_of(body).subspan(at, n))) {
      wire.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    }
    at += n;
  }
  const auto last = http::chunk_encoder::last_chunk(trailers);
  require(last.is_ok(), "last_chunk refused trailers the parser produced");
  return wire + last.value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t piece = 1 + data[1] % 64;
  const std::string rest(reinterpret_cast<const char*>(data + 2), size - 2);
  http::parser_options o;
  o.limits.max_body = 1 << 16;
  o.limits.max_chunk_extensions = 64;

  if (data[0] % 2 == 0) {
    const decoded d = decode(head + rest, piece, o);
    const decoded whole = decode(head + rest, head.size() + rest.size(), o);
    require(d.complete == whole.complete && d.error == whole.error && d.body == whole.body,
            "piecewise and whole decoding disagree");
    if (!d.complete) return 0;
    const decoded again = decode(encode(d.body, {d.body.size()}, d.trailers), piece, o);
    require(again.complete && again.error == 0, "re-encoded body does not decode");
    require(again.body == d.body, "re-encoded body decodes differently");
    require(again.trailers == d.trailers, "re-encoded trailers decode differently");
    return 0;
  }
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < rest.size() && sizes.size() < 16; ++i) {
    sizes.push_back(static_cast<unsigned char>(rest[i]) + 1);
  }
  if (sizes.empty()) sizes.push_back(1);
  http::http_fields trailers;
  trailers.add("X-Length", std::to_string(rest.size()));
  const decoded d = decode(encode(rest, sizes, trailers), piece, o);
  require(d.error == 0, "encoded body did not decode");
  require(d.complete, "encoded body did not complete");
  require(d.body == rest, "encoded body decoded differently");
  require(d.trailers == trailers, "trailers decoded differently");
  return 0;
}
