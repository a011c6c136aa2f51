#pragma once
// Drives a request_parser or response_parser over a byte string cut into pieces, the way a
// connection would (feed what was read, then the rest), and records what came out.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/parse_result.h"

namespace network_system::protocol::http::test {

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

template <typename Head>
struct parsed_message {
  Head head;
  std::string body;
  std::size_t body_pieces = 0;
  http_fields trailers;
  bool keep_alive = false;
  bool upgrade = false;
};

template <typename Head>
struct parse_run {
  std::vector<parsed_message<Head>> messages;
  int error = 0;
  std::string error_message;
  bool head_pending = false;  // a head_complete without its message_complete yet
};

// Feeds `wire` cut at `cuts` (increasing offsets) and then calls finish() if `eof`.
template <typename Parser, typename Head = std::decay_t<decltype(std::declval<Parser>().head())>>
parse_run<Head> run_parser(Parser& parser, std::string_view wire,
                           const std::vector<std::size_t>& cuts = {}, bool eof = false) {
  parse_run<Head> out;
  parsed_message<Head> current;
  auto on = [&](const parse_result& r) {
    switch (r.status) {
      case parse_status::head_complete:
        current = {};
        current.head = parser.head();
        out.head_pending = true;
        break;
      case parse_status::body:
        current.body.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
        ++current.body_pieces;
        break;
      case parse_status::message_complete:
        current.trailers = parser.trailers();
        current.keep_alive = parser.keep_alive();
        current.upgrade = parser.upgrade();
        out.messages.push_back(current);
        out.head_pending = false;
        break;
      case parse_status::error:
        out.error = parser.error().code;
        out.error_message = parser.error().message;
        break;
      case parse_status::need_more:
        break;
    }
  };
  std::size_t start = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(wire.size());
  for (const std::size_t end : ends) {
    std::span<const std::uint8_t> in = as_bytes(wire.substr(start, end - start));
    start = end;
    for (int guard = 0; guard < 100000; ++guard) {
      const auto r = parser.feed(in);
      if (r.consumed > in.size()) {
        out.error = 1;
        out.error_message = "consumed more than given";
        return out;
      }
      in = in.subspan(r.consumed);
      on(r);
      if (r.status == parse_status::error) return out;
      if (r.status == parse_status::need_more) break;
      if (r.status == parse_status::message_complete && parser.upgrade()) return out;
    }
  }
  if (eof) on(parser.finish());
  return out;
}

}  // namespace network_system::protocol::http::test
