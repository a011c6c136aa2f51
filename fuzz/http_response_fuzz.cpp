// libFuzzer target for protocol::http::response_parser.
//
// Input: byte 0 picks the options and the request method the responses answer (GET, HEAD or
// CONNECT) and whether the stream ends with EOF (finish()); the rest is a sequence of chunks,
// each a length byte followed by up to that many bytes, fed in that order.
//
// Invariants checked (abort on violation):
//   - feed never consumes more than it is given; need_more consumes everything;
//   - a body piece lies inside the consumed part of the input it was returned from;
//   - events come in order (head_complete, body*, message_complete) and an error stays;
//   - a response to HEAD, a 1xx, 204 or 304 has no body; a Content-Length body is exactly
//     that long; no body exceeds limits.max_body;
//   - the events are the same whether the stream is fed in the fuzzer's chunks or whole, and
//     finish() gives the same result after both.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "network_system/protocol/http/response_parser.h"
#include "fuzz_require.h"

namespace {

namespace http = network_system::protocol::http;
using byte_span = std::span<const std::uint8_t>;

using fuzz_support::require;

struct message {
  http::response_head head;
  std::string body;
  bool chunked = false;
  std::uint64_t content_length = 0;
};

struct outcome {
  std::vector<message> messages;
  int error = 0;
  bool in_message = false;
  bool stopped = false;
};

struct context {
  http::parser_options options;
  bool head_request = false;
};

void on_complete(const context& ctx, message& cur, outcome& out, const http::response_parser& p) {
  require(out.in_message, "message_complete without a head");
  out.in_message = false;
  const int s = cur.head.status;
  if (ctx.head_request || s / 100 == 1 || s == 204 || s == 304) {
    require(cur.body.empty(), "a body where none may be");
  }
  if (!cur.chunked && cur.content_length) {
    require(cur.body.size() == cur.content_length, "body length differs from Content-Length");
  }
  out.messages.push_back(cur);
  if (p.upgrade()) out.stopped = true;
}

void feed(http::response_parser& p, byte_span in, const context& ctx, outcome& out, message& cur) {
  while (!out.stopped) {
    const auto r = p.feed(in);
    require(r.consumed <= in.size(), "consumed more than given");
    switch (r.status) {
      case http::parse_status::need_more:
        require(r.consumed == in.size(), "need_more left input unconsumed");
        return;
      case http::parse_status::head_complete:
        require(!out.in_message, "head_complete inside a message");
        out.in_message = true;
        cur = {};
        cur.head = p.head();
        cur.chunked = p.chunked();
        cur.content_length = p.content_length();
        require(cur.head.status >= 100 && cur.head.status <= 999, "status out of range");
        break;
      case http::parse_status::body:
        require(out.in_message, "body outside a message");
        require(!r.body.empty(), "empty body piece");
        require(r.body.data() >= in.data() &&
                    r.body.data() + r.body.size() <= in.data() + r.consumed,
                "body piece outside the consumed input");
        cur.body.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
        require(cur.body.size() <= ctx.options.limits.max_body, "body above the limit");
        break;
      case http::parse_status::message_complete:
        on_complete(ctx, cur, out, p);
        break;
      case http::parse_status::error:
        out.error = p.error().code;
        require(out.error <= -700 && out.error >= -739, "an error outside the HTTP range");
        require(p.feed(in).status == http::parse_status::error, "the error did not stay");
        out.stopped = true;
        return;
    }
    in = in.subspan(r.consumed);
  }
}

void finish(http::response_parser& p, const context& ctx, outcome& out, message& cur) {
  if (out.stopped) return;
  const auto r = p.finish();
  if (r.status == http::parse_status::message_complete) {
    on_complete(ctx, cur, out, p);
  } else if (r.status == http::parse_status::error) {
    out.error = p.error().code;
  } else {
    require(r.status == http::parse_status::need_more, "finish() gave a head or a body");
    require(!out.in_message, "finish() ended cleanly inside a message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  context ctx;
  const std::uint8_t sel = data[0];
  if (sel & 1) {
    ctx.options.limits.max_header_bytes = 200;
    ctx.options.limits.max_header_count = 4;
    ctx.options.limits.max_body = 50;
  }
  if (sel & 2) ctx.options.allow_bare_lf = ctx.options.allow_obs_fold = true;
  const char* method = (sel >> 2) % 3 == 0 ? "GET" : (sel >> 2) % 3 == 1 ? "HEAD" : "CONNECT";
  ctx.head_request = (sel >> 2) % 3 == 1;
  const bool eof = (sel & 0x40) != 0;

  std::vector<byte_span> chunks;
  std::vector<std::uint8_t> stream;
  for (std::size_t i = 1; i < size;) {
    const std::size_t n = std::min<std::size_t>(data[i], size - i - 1);
    chunks.emplace_back(data + i + 1, n);
    stream.insert(stream.end(), data + i + 1, data + i + 1 + n);
    i += 1 + n;
  }

  http::response_parser split(ctx.options);
  split.set_request_method(method);
  outcome a;
  message cur;
  for (const auto& c : chunks) feed(split, c, ctx, a, cur);
  if (eof) finish(split, ctx, a, cur);

  http::response_parser whole(ctx.options);
  whole.set_request_method(method);
  outcome b;
  message cur2;
  feed(whole, stream, ctx, b, cur2);
  if (eof) finish(whole, ctx, b, cur2);

  require(a.error == b.error && a.messages.size() == b.messages.size(),
          "chunked and whole feeding disagree");
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    require(a.messages[i].head == b.messages[i].head && a.messages[i].body == b.messages[i].body,
            "chunked and whole feeding give different messages");
  }
  return 0;
}
