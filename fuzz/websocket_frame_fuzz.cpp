// libFuzzer target for protocol::websocket::frame_parser (with deflate_context and
// utf8_validator behind it).
//
// Input: byte 0 picks the role (server or client), whether permessage-deflate is in force (and
// with no context takeover or a small window), and small limits; the rest is a sequence of
// chunks, each a length byte followed by up to that many bytes, fed in that order.
//
// Invariants checked (abort on violation):
//   - feed never consumes more than it is given; need_more consumes everything;
//   - an uncompressed data piece lies inside the consumed part of the input it came from;
//     no data piece is empty;
//   - events come in order: message_start outside a message, data and message_end inside
//     one, control frames anywhere, nothing after close; an error stays;
//   - a completed text message is valid UTF-8; no message exceeds max_message_size; a control
//     payload is at most 125 bytes; a close code is one is_valid_close_code allows (or 1005
//     for none);
//   - every error is in the WebSocket range (−800..−829) and close_code_for maps it to 1002,
//     1007, 1009 or 1010;
//   - the events are the same (with data pieces joined; an unfinished message left out) and so
//     is the error, whether the stream is fed in the fuzzer's chunks or whole (except with a
//     9-bit deflate window, see below).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "network_system/protocol/websocket/close_code.h"
#include "network_system/protocol/websocket/deflate_context.h"
#include "network_system/protocol/websocket/frame_parser.h"
#include "network_system/protocol/websocket/utf8_validator.h"
#include "fuzz_require.h"

namespace {

namespace ws = network_system::protocol::websocket;
using fuzz_support::require;

struct outcome {
  std::vector<std::string> events;  // data pieces joined
  int error = 0;
  bool in_message = false;
  bool closed = false;
  bool stopped = false;
  ws::opcode type = ws::opcode::binary;
  std::string message;
  std::size_t start_index = 0;  // where the open message's events begin
};

void add_event(outcome& out, std::string e) {
  if (e.rfind("d", 0) == 0 && !out.events.empty() && out.events.back().rfind("d", 0) == 0) {
    out.events.back() += e.substr(1);
  } else {
    out.events.push_back(std::move(e));
  }
}

void feed(ws::frame_parser& p, std::span<std::uint8_t> in, outcome& out) {
  const auto& o = p.options();
  while (!out.stopped) {
    const auto e = p.feed(in);
    require(e.consumed <= in.size(), "consumed more than given");
    const std::string piece(reinterpret_cast<const char*>(e.data.data()), e.data.size());
    switch (e.status) {
      case ws::frame_status::need_more:
        require(e.consumed == in.size(), "need_more left input unconsumed");
        return;
      case ws::frame_status::message_start:
        require(!out.in_message && !out.closed, "message_start inside a message or after close");
        require(e.type == ws::opcode::text || e.type == ws::opcode::binary, "bad message type");
        out.in_message = true;
        out.type = e.type;
        out.message.clear();
        out.start_index = out.events.size();
        add_event(out, std::string("s") + (e.type == ws::opcode::text ? "t" : "b") +
                           (e.compressed ? "z" : ""));
        break;
      case ws::frame_status::data:
        require(out.in_message, "data outside a message");
        require(!e.data.empty(), "an empty data piece");
        if (e.data.data() >= in.data() && e.data.data() < in.data() + in.size()) {
          require(e.data.data() + e.data.size() <= in.data() + e.consumed,
                  "data piece outside the consumed input");
        }
        out.message += piece;
        require(out.message.size() <= o.max_message_size, "a message above the limit");
        add_event(out, "d" + piece);
        break;
      case ws::frame_status::message_end:
        require(out.in_message, "message_end outside a message");
        if (out.type == ws::opcode::text && o.validate_utf8) {
          require(ws::is_valid_utf8(out.message), "a text message that is not UTF-8");
        }
        out.in_message = false;
        add_event(out, "e");
        break;
      case ws::frame_status::ping:
      case ws::frame_status::pong:
        require(!out.closed, "a control frame after close");
        require(e.data.size() <= 125, "a control payload above 125 bytes");
        add_event(out, std::string(e.status == ws::frame_status::ping ? "i" : "o") + piece);
        break;
      case ws::frame_status::close: {
        require(!out.closed, "two closes");
        const auto& c = p.close();
        require(c.code == ws::close_code::no_status || ws::is_valid_close_code(c.code),
                "an invalid close code accepted");
        require(c.reason.size() <= ws::max_close_reason && ws::is_valid_utf8(c.reason),
                "a bad close reason accepted");
        out.closed = true;
        add_event(out, "c" + std::to_string(c.code) + c.reason);
        break;
      }
      case ws::frame_status::error: {
        out.error = p.error().code;
        require(out.error <= -800 && out.error >= -829, "an error outside the WebSocket range");
        const auto cc = ws::close_code_for(out.error);
        require(cc == 1002 || cc == 1007 || cc == 1009 || cc == 1010, "an unexpected close code");
        require(p.feed(in).status == ws::frame_status::error, "the error did not stay");
        out.stopped = true;
        return;
      }
    }
    in = in.subspan(e.consumed);
  }
}

struct setup {
  ws::frame_parser_options options;
  bool deflate = false;
  ws::deflate_params params;
};

outcome run(const setup& s, const std::vector<std::vector<std::uint8_t>>& chunks) {
  std::unique_ptr<ws::deflate_context> ctx;
  if (s.deflate) {
    // The context's own limit (16 MiB) stays above the parser's: the parser's is the one tested.
    auto c = ws::deflate_context::create(s.options.endpoint, s.params);
    require(c.is_ok(), "deflate_context::create failed");
    ctx = std::move(c).value();
  }
  ws::frame_parser p(s.options, ctx.get());
  outcome out;
  for (auto chunk : chunks) feed(p, chunk, out);  // a copy: the parser unmasks in place
  // How much of an unfinished message came out depends on where the input was cut (the
  // decompressor, a piece failing UTF-8 as a whole): only finished messages are compared.
  if (out.in_message) out.events.resize(out.start_index);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  setup s;
  const std::uint8_t sel = data[0];
  s.options.endpoint = (sel & 1) ? ws::role::client : ws::role::server;
  s.deflate = (sel & 2) != 0;
  if (sel & 4) {
    s.options.max_frame_size = 300;
    s.options.max_message_size = 1000;
  } else {
    s.options.max_message_size = 1u << 20;  // bounded work per input
  }
  if (sel & 8) s.params.client_no_context_takeover = s.params.server_no_context_takeover = true;
  if (sel & 16) s.params.client_max_window_bits = s.params.server_max_window_bits = 9;
  if (sel & 32) s.options.validate_utf8 = false;

  std::vector<std::vector<std::uint8_t>> chunks;
  std::vector<std::uint8_t> stream;
  for (std::size_t i = 1; i < size;) {
    const std::size_t n = std::min<std::size_t>(data[i], size - i - 1);
    chunks.emplace_back(data + i + 1, data + i + 1 + n);
    stream.insert(stream.end(), data + i + 1, data + i + 1 + n);
    i += 1 + n;
  }
  const outcome split = run(s, chunks);
  const outcome whole = run(s, {stream});
  // With a window below 15 bits zlib's inflate accepts a distance beyond the window while the
  // bytes it reaches are still in its output room, so a peer overreaching its window is caught
  // or not depending on how its bytes arrive (deflate_context.h): no comparison then.
  if (s.deflate && (sel & 16)) return 0;
  require(split.error == whole.error, "chunked and whole feeding disagree on the error");
  require(split.events == whole.events, "chunked and whole feeding give different events");
  return 0;
}
