#include "network_system/protocol/framing/frame_encoder.h"

#include <algorithm>
#include <string>

#include "network_system/core/error_codes.h"

namespace network_system::protocol::framing {

namespace {

// True when `body` followed by `delim` holds a delimiter that starts inside `body`, so the peer
// would end the message early: the body ends with the first k bytes of a delimiter that
// overlaps itself by k bytes (e.g. "abc\r\n" before "\r\n\r\n").
bool ends_early(std::string_view body, std::string_view delim) noexcept {
  if (delim.empty()) return false;
  const std::size_t n = std::min(delim.size() - 1, body.size());
  for (std::size_t k = 1; k <= n; ++k) {
    if (body.ends_with(delim.substr(0, k)) &&
        delim.substr(k) == delim.substr(0, delim.size() - k)) {
      return true;
    }
  }
  return false;
}

}  // namespace

frame_encoder::frame_encoder(framing_config cfg) : cfg_(std::move(cfg)) {}

VoidResult frame_encoder::check_slow(std::span<const std::uint8_t> payload) const {
  if (payload.size() > cfg_.max_message_size) {
    return error_void(error_codes::message_too_large,
                      "send: message of " + std::to_string(payload.size()) +
                          " bytes exceeds max_message_size " +
                          std::to_string(cfg_.max_message_size),
                      "frame_encoder");
  }
  if (cfg_.kind == framing_kind::delimiter) {
    const std::string_view body(reinterpret_cast<const char*>(payload.data()), payload.size());
    if (body.find(cfg_.delimiter) != std::string_view::npos || ends_early(body, cfg_.delimiter)) {
      return error_void(error_codes::invalid_message,
                        "send: message contains the framing delimiter", "frame_encoder");
    }
  }
  return ok();
}

std::span<const std::uint8_t> frame_encoder::suffix() const noexcept {
  if (cfg_.kind != framing_kind::delimiter) return {};
  return {reinterpret_cast<const std::uint8_t*>(cfg_.delimiter.data()), cfg_.delimiter.size()};
}

std::vector<std::uint8_t> frame_encoder::encode(std::span<const std::uint8_t> payload) const {
  const auto p = prefix(payload.size());
  const auto s = suffix();
  std::vector<std::uint8_t> out;
  out.reserve(p.size + payload.size() + s.size());
  out.insert(out.end(), p.bytes.begin(), p.bytes.begin() + p.size);
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

}  // namespace network_system::protocol::framing
