#include "network_system/protocol/framing/frame_decoder.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "network_system/core/error_codes.h"

namespace network_system::protocol::framing {

namespace {

std::size_t read_be32(const std::uint8_t* p) noexcept {
  return (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) |
         std::size_t{p[3]};
}

std::string_view as_chars(std::span<const std::uint8_t> s) noexcept {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

void append(std::vector<std::uint8_t>& buf, std::span<const std::uint8_t> bytes) {
  buf.insert(buf.end(), bytes.begin(), bytes.end());
}

decode_result message(std::span<const std::uint8_t> payload) noexcept {
  return {decode_status::message, payload, 0};
}

}  // namespace

frame_decoder::frame_decoder(framing_config cfg) : cfg_(std::move(cfg)) {}

decode_result frame_decoder::fail(int code) {
  failed_ = true;
  return {decode_status::error, {}, code};
}

decode_result frame_decoder::next_slow(std::span<const std::uint8_t>& input) {
  if (failed_) return {decode_status::error, {}, error_codes::message_too_large};
  if (release_on_next_) {
    buffer_.clear();
    release_on_next_ = false;
  }
  switch (cfg_.kind) {
    case framing_kind::length_prefixed:
      return next_length_prefixed(input);
    case framing_kind::delimiter:
      return next_delimited(input);
    case framing_kind::raw:
      break;
  }
  if (input.empty()) return {};
  // Raw chunks carry no boundaries, so a read above max_message_size is cut rather than
  // delivered whole: the limit holds for every framing (max 0 is invalid; never loop on it).
  const std::size_t limit = std::max<std::size_t>(cfg_.max_message_size, 1);
  const auto chunk = input.first(std::min(input.size(), limit));
  input = input.subspan(chunk.size());
  return message(chunk);
}

decode_result frame_decoder::next_length_prefixed(std::span<const std::uint8_t>& input) {
  if (!have_length_) {
    if (buffer_.empty() && input.size() >= length_prefix_size) {
      const std::size_t len = read_be32(input.data());
      if (len > cfg_.max_message_size) return fail(error_codes::message_too_large);
      if (input.size() - length_prefix_size >= len) {
        auto payload = input.subspan(length_prefix_size, len);
        input = input.subspan(length_prefix_size + len);
        return message(payload);
      }
      input = input.subspan(length_prefix_size);
      expected_ = len;
    } else {
      const std::size_t take = std::min(length_prefix_size - buffer_.size(), input.size());
      append(buffer_, input.first(take));
      input = input.subspan(take);
      if (buffer_.size() < length_prefix_size) return {};
      expected_ = read_be32(buffer_.data());
      buffer_.clear();
      if (expected_ > cfg_.max_message_size) return fail(error_codes::message_too_large);
    }
    have_length_ = true;
  }

  if (buffer_.empty() && input.size() >= expected_) {
    auto payload = input.first(expected_);
    input = input.subspan(expected_);
    have_length_ = false;
    return message(payload);
  }
  // Grow with the bytes that actually arrive rather than reserving the announced length, so
  // a peer that announces 16 MiB and sends nothing costs nothing.
  const std::size_t take = std::min(expected_ - buffer_.size(), input.size());
  append(buffer_, input.first(take));
  input = input.subspan(take);
  if (buffer_.size() < expected_) return {};
  have_length_ = false;
  release_on_next_ = true;
  return message(buffer_);
}

decode_result frame_decoder::next_delimited(std::span<const std::uint8_t>& input) {
  const std::string_view delim = cfg_.delimiter;
  const std::size_t dl = delim.size();
  const std::size_t max = cfg_.max_message_size;

  if (!buffer_.empty() && dl > 1) {
    // A delimiter may straddle the buffered tail and the new input. No complete delimiter is
    // ever buffered, so only the last dl-1 buffered bytes can start one.
    const std::size_t t = std::min(dl - 1, buffer_.size());
    const std::size_t u = std::min(dl - 1, input.size());
    std::array<char, 2 * max_delimiter_size> window{};
    std::copy_n(buffer_.end() - static_cast<std::ptrdiff_t>(t), t, window.begin());
    std::copy_n(input.begin(), u, window.begin() + static_cast<std::ptrdiff_t>(t));
    const auto p = std::string_view(window.data(), t + u).find(delim);
    if (p != std::string_view::npos && p < t) {
      const std::size_t line = buffer_.size() - t + p;
      if (line > max) return fail(error_codes::message_too_large);
      buffer_.resize(line);
      input = input.subspan(p + dl - t);
      release_on_next_ = true;
      return message(buffer_);
    }
  }

  const auto pos = as_chars(input).find(delim);
  if (pos != std::string_view::npos) {
    if (buffer_.size() + pos > max) return fail(error_codes::message_too_large);
    if (buffer_.empty()) {
      auto payload = input.first(pos);
      input = input.subspan(pos + dl);
      return message(payload);
    }
    append(buffer_, input.first(pos));
    input = input.subspan(pos + dl);
    release_on_next_ = true;
    return message(buffer_);
  }
  // Up to dl-1 trailing bytes may be the start of a delimiter, not part of the line.
  if (buffer_.size() + input.size() > max + dl - 1) return fail(error_codes::message_too_large);
  append(buffer_, input);
  input = {};
  return {};
}

bool frame_decoder::has_partial() const noexcept {
  if (release_on_next_) return false;
  return have_length_ || !buffer_.empty();
}

std::size_t frame_decoder::partial_bytes() const noexcept {
  return release_on_next_ ? 0 : buffer_.size();
}

std::size_t frame_decoder::partial_expected() const noexcept {
  return (have_length_ && !release_on_next_) ? expected_ : 0;
}

void frame_decoder::shrink() noexcept {
  if (release_on_next_) {
    buffer_.clear();
    release_on_next_ = false;
  }
  if (buffer_.empty()) std::vector<std::uint8_t>().swap(buffer_);
}

void frame_decoder::reset() noexcept {
  std::vector<std::uint8_t>().swap(buffer_);
  expected_ = 0;
  have_length_ = false;
  release_on_next_ = false;
  failed_ = false;
}

VoidResult validate(const framing_config& cfg) {
  constexpr const char* source = "framing";
  if (cfg.max_message_size == 0) {
    return error_void(error_codes::invalid_configuration,
                      "framing: max_message_size must be at least 1", source);
  }
  if (cfg.kind == framing_kind::length_prefixed && cfg.max_message_size > 0xFFFFFFFFull) {
    return error_void(error_codes::invalid_configuration,
                      "framing: max_message_size above 4 GiB - 1 cannot be length-prefixed",
                      source);
  }
  if (cfg.kind == framing_kind::delimiter &&
      (cfg.delimiter.empty() || cfg.delimiter.size() > max_delimiter_size)) {
    return error_void(error_codes::invalid_configuration,
                      "framing: the delimiter must be 1 to 16 bytes long", source);
  }
  return ok();
}

}  // namespace network_system::protocol::framing
