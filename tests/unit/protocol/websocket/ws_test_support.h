#pragma once
// Shared by the WebSocket codec tests: feeding a frame_parser and collecting what came out.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "network_system/protocol/websocket/frame_parser.h"

namespace network_system::protocol::websocket::test {

using bytes = std::vector<std::uint8_t>;

inline bytes B(std::initializer_list<int> v) {
  bytes out;
  for (int x : v) out.push_back(static_cast<std::uint8_t>(x));
  return out;
}
inline std::string S(std::span<const std::uint8_t> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

/// Everything a parser produced, in order, as text ("start text", "data Hel", "end", "ping x",
/// "pong", "close 1000 bye", "error -800"), plus the messages reassembled.
struct collected {
  std::vector<std::string> events;
  std::vector<std::pair<opcode, std::string>> messages;
  std::vector<bool> compressed;
  int error = 0;
  std::string error_message;
  bool closed = false;
  std::string current;
  opcode type = opcode::binary;
};

/// Feeds `in` (a copy: the parser unmasks in place) to `p`, appending to `c`. Stops at an error.
inline void feed_all(frame_parser& p, std::span<const std::uint8_t> in_bytes, collected& c) {
  bytes in(in_bytes.begin(), in_bytes.end());
  std::span<std::uint8_t> rest(in);
  while (c.error == 0) {
    const auto e = p.feed(rest);
    if (e.consumed > rest.size()) {
      c.events.push_back("BUG consumed more than given");
      return;
    }
    rest = rest.subspan(e.consumed);
    switch (e.status) {
      case frame_status::need_more:
        if (!rest.empty()) c.events.push_back("BUG need_more with input left");
        return;
      case frame_status::message_start:
        c.type = e.type;
        c.current.clear();
        c.compressed.push_back(e.compressed);
        c.events.push_back(std::string("start ") + std::string(opcode_name(e.type)));
        break;
      case frame_status::data:
        c.current += S(e.data);
        c.events.push_back("data " + S(e.data));
        break;
      case frame_status::message_end:
        c.messages.emplace_back(c.type, c.current);
        c.events.push_back("end");
        break;
      case frame_status::ping:
        c.events.push_back("ping " + S(e.data));
        break;
      case frame_status::pong:
        c.events.push_back("pong " + S(e.data));
        break;
      case frame_status::close:
        c.closed = true;
        c.events.push_back("close " + std::to_string(p.close().code) + " " + p.close().reason);
        break;
      case frame_status::error:
        c.error = p.error().code;
        c.error_message = p.error().message;
        c.events.push_back("error " + std::to_string(c.error));
        return;
    }
  }
}

/// The same, with the data events merged (so that results of different splits compare equal).
inline std::vector<std::string> merged(const collected& c) {
  std::vector<std::string> out;
  for (const auto& e : c.events) {
    if (e.rfind("data ", 0) == 0 && !out.empty() && out.back().rfind("data ", 0) == 0) {
      out.back() += e.substr(5);
    } else {
      out.push_back(e);
    }
  }
  return out;
}

}  // namespace network_system::protocol::websocket::test
