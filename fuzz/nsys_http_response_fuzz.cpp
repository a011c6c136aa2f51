// libFuzzer target for nsys::http_response_parser, the response parser of `nsys bench --proto
// http` (tools/nsys/http_response_parser.h): a load generator fed by servers it does not trust.
//
// Input: byte 0 says which responses answer HEAD (bit i for response i, the first eight) and
// the head limit (small or default); the rest is the stream of responses, fed twice: whole,
// and in pieces whose sizes come from the stream's own bytes.
//
// Invariants checked (abort on violation):
//   - parse never consumes more than it is given, and makes progress or asks for more;
//   - a complete response's response_bytes() is at least its body_bytes(), and a HEAD, 1xx,
//     204 or 304 response has no body;
//   - the events, statuses, byte counts and keep-alive flags are the same whether the stream
//     is fed whole or in pieces (a piece not consumed is given again with more after it);
//   - after an error nothing more is fed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../tools/nsys/http_response_parser.h"
#include "fuzz_require.h"

namespace {

using fuzz_support::require;

struct outcome {
  int what;
  int status;
  std::uint64_t response_bytes;
  std::uint64_t body_bytes;
  bool keep_alive;
  bool operator==(const outcome&) const = default;
};

// Feeds `stream` in pieces of the sizes `piece_size` gives, re-presenting what was not consumed.
template <typename PieceSize>
std::vector<outcome> run(const std::string& stream, std::uint8_t head_mask, std::size_t max_head,
                         PieceSize piece_size) {
  nsys::http_response_parser parser(max_head);
  std::vector<outcome> events;
  std::size_t responses = 0;
  parser.begin((head_mask & 1) != 0);
  std::string pending;  // given, not consumed yet
  std::size_t at = 0;
  while (at < stream.size() || !pending.empty()) {
    const std::size_t n = std::min(piece_size(at), stream.size() - at);
    pending.append(stream, at, n);
    at += n;
    bool more_needed = false;
    while (!pending.empty() && !more_needed) {
      const auto r = parser.parse(pending.data(), pending.size());
      require(r.consumed <= pending.size(), "consumed more than given");
      using ev = nsys::http_response_parser::event;
      if (r.what == ev::error) {
        events.push_back({3, 0, 0, 0, false});
        return events;
      }
      if (r.what == ev::need_more) {
        pending.erase(0, r.consumed);
        more_needed = true;
        continue;
      }
      const bool head = responses < 8 && ((head_mask >> responses) & 1) != 0;
      if (r.what == ev::complete) {
        const int st = parser.status();
        require(parser.response_bytes() >= parser.body_bytes(), "body larger than the response");
        if (head || st == 204 || st == 304) require(parser.body_bytes() == 0, "body where none is allowed");
        events.push_back({1, st, parser.response_bytes(), parser.body_bytes(), parser.keep_alive()});
        ++responses;
        parser.begin(responses < 8 && ((head_mask >> responses) & 1) != 0);
      } else {
        events.push_back({2, parser.status(), 0, 0, true});
      }
      require(r.consumed > 0, "an event without progress");
      pending.erase(0, r.consumed);
    }
    if (at >= stream.size() && more_needed) break;  // the stream ends inside a response
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t head_mask = data[0] & 0x7f;
  const std::size_t max_head = (data[0] & 0x80) != 0 ? 64 : 32 * 1024;
  const std::string stream(reinterpret_cast<const char*>(data + 1), size - 1);
  if (stream.size() > 64 * 1024) return 0;

  const auto whole = run(stream, head_mask, max_head, [&](std::size_t) { return stream.size(); });
  const auto pieces = run(stream, head_mask, max_head, [&](std::size_t at) -> std::size_t {
    return at < stream.size() ? 1 + static_cast<unsigned char>(stream[at]) % 7 : 1;
  });
  require(whole == pieces, "fed whole and in pieces differ");
  return 0;
}
