// libFuzzer target for protocol::http::request_parser (and the serializer it round-trips
// through).
//
// Input: byte 0 picks the options (strict with default or small limits, or one lenient
// switch); the rest is a sequence of chunks, each a length byte followed by up to that many
// bytes, fed in that order, as reads from a socket would arrive.
//
// Invariants checked (abort on violation):
//   - feed never consumes more than it is given; need_more consumes everything;
//   - a body piece lies inside the consumed part of the input it was returned from;
//   - events come in order: head_complete, body*, message_complete; an error stays until
//     reset(), and its code is an HTTP code with a status a server can answer;
//   - a Content-Length body is exactly that long; no body exceeds limits.max_body;
//   - the events are the same whether the stream is fed in the fuzzer's chunks or whole;
//   - in strict mode, every accepted message, serialized again (Content-Length framing),
//     parses back to the same head, body and trailers-free message.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "network_system/protocol/http/http_status.h"
#include "network_system/protocol/http/request_parser.h"
#include "network_system/protocol/http/serializer.h"
#include "fuzz_require.h"

namespace {

namespace http = network_system::protocol::http;
using byte_span = std::span<const std::uint8_t>;

using fuzz_support::require;

http::parser_options make_options(std::uint8_t selector) {
  http::parser_options o;
  switch (selector % 8) {
    case 0: break;
    case 1:
      o.limits.max_start_line = 40;
      o.limits.max_header_bytes = 160;
      o.limits.max_header_count = 4;
      o.limits.max_body = 64;
      o.limits.max_chunk_extensions = 8;
      break;
    case 2: o.allow_bare_lf = true; break;
    case 3: o.allow_obs_fold = true; break;
    case 4: o.allow_missing_host = true; break;
    case 5: o.allow_framing_whitespace = true; break;
    case 6: o.allow_control_chars = true; break;
    default:
      o.allow_bare_lf = o.allow_obs_fold = o.allow_missing_host = true;
      o.allow_framing_whitespace = o.allow_control_chars = true;
      break;
  }
  return o;
}

struct message {
  http::request_head head;
  std::string body;
  bool chunked = false;
  std::uint64_t content_length = 0;
  bool upgrade = false;
};

struct outcome {
  std::vector<message> messages;
  int error = 0;
  bool in_message = false;
};

// Feeds one chunk; returns false once the parser has failed or upgraded.
bool feed(http::request_parser& p, byte_span in, const http::parser_options& o, outcome& out,
          message& cur) {
  for (;;) {
    const auto r = p.feed(in);
    require(r.consumed <= in.size(), "consumed more than given");
    switch (r.status) {
      case http::parse_status::need_more:
        require(r.consumed == in.size(), "need_more left input unconsumed");
        return true;
      case http::parse_status::head_complete:
        require(!out.in_message, "head_complete inside a message");
        out.in_message = true;
        cur = {};
        cur.head = p.head();
        cur.chunked = p.chunked();
        cur.content_length = p.content_length();
        require(!(cur.chunked && cur.content_length), "chunked with a Content-Length");
        require(cur.content_length <= o.limits.max_body, "Content-Length above the limit");
        break;
      case http::parse_status::body:
        require(out.in_message, "body outside a message");
        require(!r.body.empty(), "empty body piece");
        require(r.body.data() >= in.data() &&
                    r.body.data() + r.body.size() <= in.data() + r.consumed,
                "body piece outside the consumed input");
        cur.body.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
        require(cur.body.size() <= o.limits.max_body, "body above the limit");
        break;
      case http::parse_status::message_complete:
        require(out.in_message, "message_complete without a head");
        out.in_message = false;
        if (!cur.chunked && cur.content_length) {
          require(cur.body.size() == cur.content_length, "body length differs from Content-Length");
        }
        cur.upgrade = p.upgrade();
        out.messages.push_back(cur);
        if (cur.upgrade) return false;
        break;
      case http::parse_status::error:
        out.error = p.error().code;
        require(http::status_for_error(out.error) >= 400, "an error without a status to answer");
        require(!p.error().message.empty(), "an error without a message");
        require(p.feed(in).status == http::parse_status::error, "the error did not stay");
        return false;
    }
    in = in.subspan(r.consumed);
  }
}

bool same(const outcome& a, const outcome& b) {
  if (a.error != b.error || a.messages.size() != b.messages.size()) return false;
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    if (!(a.messages[i].head == b.messages[i].head) || a.messages[i].body != b.messages[i].body) {
      return false;
    }
  }
  return true;
}

void check_round_trip(const message& m) {
  if (m.upgrade) return;
  http::request_head head = m.head;
  head.fields.erase("Content-Length");
  head.fields.erase("Transfer-Encoding");
  std::string wire;
  const auto s = http::serialize_message(
      head, {reinterpret_cast<const std::uint8_t*>(m.body.data()), m.body.size()}, wire);
  require(s.is_ok(), "the serializer refused a head the parser accepted");
  http::parser_options roomy;
  roomy.limits.max_start_line *= 4;
  roomy.limits.max_header_bytes *= 4;
  roomy.limits.max_header_count += 2;
  http::request_parser again(roomy);
  outcome out;
  message cur;
  feed(again, {reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size()}, roomy, out, cur);
  require(out.error == 0, "a serialized message does not parse");
  require(out.messages.size() == 1, "a serialized message does not parse as one message");
  head.fields.set("Content-Length", std::to_string(m.body.size()));
  require(out.messages[0].head == head, "the head changed in a round trip");
  require(out.messages[0].body == m.body, "the body changed in a round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto options = make_options(data[0]);
  std::vector<byte_span> chunks;
  std::vector<std::uint8_t> stream;
  for (std::size_t i = 1; i < size;) {
    const std::size_t n = std::min<std::size_t>(data[i], size - i - 1);
    chunks.emplace_back(data + i + 1, n);
    stream.insert(stream.end(), data + i + 1, data + i + 1 + n);
    i += 1 + n;
  }

  http::request_parser split(options);
  outcome by_chunks;
  message cur;
  for (const auto& c : chunks) {
    if (!feed(split, c, options, by_chunks, cur)) break;
  }
  http::request_parser whole(options);
  outcome at_once;
  feed(whole, stream, options, at_once, cur);
  require(same(by_chunks, at_once), "chunked and whole feeding disagree");

  if (data[0] % 8 == 0) {
    for (const auto& m : at_once.messages) check_round_trip(m);
  }
  return 0;
}
