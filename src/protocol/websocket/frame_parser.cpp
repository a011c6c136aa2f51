#include "network_system/protocol/websocket/frame_parser.h"

#include <algorithm>
#include <cstring>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/websocket/deflate_context.h"
#include "network_system/protocol/websocket/masking.h"

namespace network_system::protocol::websocket {

namespace {
constexpr std::size_t inflate_room = 16 * 1024;
}

// The decompressor's output room: 16 KiB, but never more than one byte past the message limit.
// The piece that passes the limit then always ends at the same byte however the input was
// split, so that whether the UTF-8 check (done first) or the limit fails is decided by the
// bytes alone.
std::size_t frame_parser::room_size() const noexcept {
  const std::uint64_t left = options_.max_message_size - message_size_;
  return left < inflate_room ? static_cast<std::size_t>(left + 1) : inflate_room;
}

frame_parser::frame_parser(frame_parser_options options, deflate_context* inflater)
    : options_(options), inflater_(inflater) {}

void frame_parser::reset(deflate_context* inflater) {
  const auto options = options_;
  *this = frame_parser(options, inflater);
}

frame_event frame_parser::fail(int code, std::string message, std::size_t consumed) {
  error_ = error_info{code, "websocket frame: " + std::move(message), "websocket", {}};
  state_ = state::failed;
  frame_event e;
  e.status = frame_status::error;
  e.consumed = consumed;
  return e;
}

bool frame_parser::check_text(std::span<const std::uint8_t> piece, std::size_t consumed,
                              frame_event& out) {
  if (!options_.validate_utf8 || message_type_ != opcode::text) return true;
  const std::size_t bad = utf8_.feed(piece);
  if (bad == utf8_validator::npos) return true;
  out = fail(error_codes::ws_invalid_utf8,
             "invalid UTF-8 in a text message at byte " +
                 std::to_string(message_size_ - piece.size() + bad) + " of the message",
             consumed);
  return false;
}

bool frame_parser::check_size(std::size_t consumed, frame_event& out) {
  if (message_size_ <= options_.max_message_size) return true;
  out = fail(error_codes::ws_message_too_big,
             "a message above " + std::to_string(options_.max_message_size) +
                 " bytes once decompressed",
             consumed);
  return false;
}

// Judges frame_ once its header is complete; on a violation sets `out` to the error.
bool frame_parser::check_header(std::size_t consumed, frame_event& out) {
  const auto& f = frame_;
  const auto op = f.op;
  const unsigned opv = static_cast<unsigned>(op);
  if (f.rsv2 || f.rsv3) {
    out = fail(error_codes::ws_protocol_error,
               std::string("reserved bit ") + (f.rsv2 ? "RSV2" : "RSV3") +
                   " set without a negotiated extension",
               consumed);
    return false;
  }
  if (!is_known_opcode(opv)) {
    out = fail(error_codes::ws_protocol_error, "unknown opcode 0x" + std::to_string(opv), consumed);
    return false;
  }
  if (f.rsv1) {
    const char* why = inflater_ == nullptr             ? "without a negotiated extension"
                      : is_control(op)                 ? "on a control frame"
                      : op == opcode::continuation     ? "on a continuation frame"
                                                       : nullptr;
    if (why != nullptr) {
      out = fail(error_codes::ws_protocol_error, std::string("reserved bit RSV1 set ") + why,
                 consumed);
      return false;
    }
  }
  if (is_control(op)) {
    if (!f.fin) {
      out = fail(error_codes::ws_protocol_error,
                 "a fragmented " + std::string(opcode_name(op)) + " frame", consumed);
      return false;
    }
    if (f.payload_length > 125) {
      out = fail(error_codes::ws_protocol_error,
                 "a " + std::string(opcode_name(op)) + " frame of " +
                     std::to_string(f.payload_length) +
                     " bytes (control frames carry at most 125)",
                 consumed);
      return false;
    }
  }
  if (options_.endpoint == role::server && !f.masked) {
    out = fail(error_codes::ws_protocol_error, "an unmasked frame from the client", consumed);
    return false;
  }
  if (options_.endpoint == role::client && f.masked) {
    out = fail(error_codes::ws_protocol_error, "a masked frame from the server", consumed);
    return false;
  }
  if (op == opcode::continuation && !in_message_) {
    out = fail(error_codes::ws_protocol_error, "a continuation frame with no message to continue",
               consumed);
    return false;
  }
  if ((op == opcode::text || op == opcode::binary) && in_message_) {
    out = fail(error_codes::ws_protocol_error,
               "a new " + std::string(opcode_name(op)) + " frame inside a fragmented message",
               consumed);
    return false;
  }
  if (f.payload_length > options_.max_frame_size) {
    out = fail(error_codes::ws_message_too_big,
               "a frame of " + std::to_string(f.payload_length) + " bytes (the limit is " +
                   std::to_string(options_.max_frame_size) + ")",
               consumed);
    return false;
  }
  const bool compressed = op == opcode::continuation ? compressed_ : f.rsv1;
  const std::uint64_t before = op == opcode::continuation ? message_size_ : 0;
  if (!is_control(op) && !compressed &&
      f.payload_length > options_.max_message_size - before) {
    out = fail(error_codes::ws_message_too_big,
               "a message above " + std::to_string(options_.max_message_size) + " bytes",
               consumed);
    return false;
  }
  return true;
}

frame_event frame_parser::feed(std::span<std::uint8_t> input) {
  frame_event out;
  std::size_t used = 0;
  auto need_more = [&] {
    out.status = frame_status::need_more;
    out.consumed = used;
    return out;
  };
  for (;;) {
    switch (state_) {
      case state::failed: {
        out.status = frame_status::error;
        out.consumed = 0;
        return out;
      }
      case state::closed: {
        if (used == input.size()) return need_more();
        return fail(error_codes::ws_protocol_error, "data after a close frame", used);
      }
      case state::header: {
        if (used == input.size()) return need_more();
        // Parse straight from the input when nothing is held; otherwise gather at most what a
        // header can be, so that payload bytes are never taken as header.
        std::span<const std::uint8_t> view;
        std::size_t take = 0;
        if (head_len_ == 0) {
          view = input.subspan(used);
        } else {
          take = std::min(max_frame_header_size - head_len_, input.size() - used);
          std::memcpy(head_buf_.data() + head_len_, input.data() + used, take);
          view = std::span<const std::uint8_t>(head_buf_.data(), head_len_ + take);
        }
        auto parsed = parse_frame_header(view, frame_);
        if (parsed.is_err()) {
          error_ = parsed.error();
          error_.message = "websocket frame: " + error_.message;
          state_ = state::failed;
          out.status = frame_status::error;
          out.consumed = used;
          return out;
        }
        const std::size_t size = parsed.value();
        if (size == 0) {
          // Partial: hold what there is (all of it belongs to the header).
          if (head_len_ == 0) {
            const std::size_t n = input.size() - used;
            std::memcpy(head_buf_.data(), input.data() + used, n);
            head_len_ = n;
          } else {
            head_len_ += take;
          }
          used = input.size();
          return need_more();
        }
        used += size - head_len_;
        head_len_ = 0;
        if (!check_header(used, out)) return out;
        remaining_ = frame_.payload_length;
        offset_ = 0;
        if (is_control(frame_.op)) {
          control_len_ = 0;
          state_ = state::control;
          break;
        }
        state_ = state::payload;
        if (frame_.op != opcode::continuation) {
          in_message_ = true;
          message_type_ = frame_.op;
          compressed_ = frame_.rsv1;
          message_size_ = 0;
          utf8_.reset();
          drain_ = false;
          out.status = frame_status::message_start;
          out.consumed = used;
          out.type = message_type_;
          out.compressed = compressed_;
          return out;
        }
        break;
      }
      case state::payload: {
        if (compressed_ && drain_) {
          // The room was full last time: zlib may hold output for input already consumed.
          inflated_.resize(room_size());
          auto r = inflater_->decompress({}, inflated_);
          if (r.is_err()) return fail(r.error().code, r.error().message, used);
          const std::size_t made = r.value().produced;
          drain_ = made == inflated_.size();
          if (made > 0) {
            message_size_ += made;
            const std::span<const std::uint8_t> piece(inflated_.data(), made);
            if (!check_text(piece, used, out)) return out;
            if (!check_size(used, out)) return out;
            out.status = frame_status::data;
            out.consumed = used;
            out.data = piece;
            return out;
          }
        }
        if (remaining_ == 0) {
          if (!frame_.fin) {
            state_ = state::header;
            break;
          }
          if (compressed_) {
            state_ = state::inflate_tail;
            break;
          }
          in_message_ = false;
          state_ = state::header;
          if (options_.validate_utf8 && message_type_ == opcode::text && !utf8_.finish()) {
            return fail(error_codes::ws_invalid_utf8,
                        "a text message ends inside a UTF-8 sequence", used);
          }
          out.status = frame_status::message_end;
          out.consumed = used;
          return out;
        }
        if (used == input.size()) return need_more();
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size() - used));
        std::span<std::uint8_t> piece = input.subspan(used, n);
        if (frame_.masked) apply_mask(piece, frame_.key, offset_);
        if (!compressed_) {
          used += n;
          remaining_ -= n;
          offset_ += n;
          message_size_ += n;
          if (!check_text(piece, used, out)) return out;
          out.status = frame_status::data;
          out.consumed = used;
          out.data = piece;
          return out;
        }
        inflated_.resize(room_size());
        auto r = inflater_->decompress(piece, inflated_);
        if (r.is_err()) return fail(r.error().code, r.error().message, used + n);
        const std::size_t took = r.value().consumed;
        const std::size_t made = r.value().produced;
        // Bytes zlib did not take stay in the input for the next call, masked as they came.
        if (frame_.masked && took < n) apply_mask(piece.subspan(took), frame_.key, offset_ + took);
        used += took;
        remaining_ -= took;
        offset_ += took;
        drain_ = made == inflated_.size();
        if (made == 0) {
          if (took == 0) {
            return fail(error_codes::ws_decompression_failed,
                        "the decompressor made no progress", used);
          }
          break;
        }
        message_size_ += made;
        const std::span<const std::uint8_t> got(inflated_.data(), made);
        if (!check_text(got, used, out)) return out;
        if (!check_size(used, out)) return out;
        out.status = frame_status::data;
        out.consumed = used;
        out.data = got;
        return out;
      }
      case state::inflate_tail: {
        inflated_.resize(room_size());
        bool done = false;
        auto r = inflater_->finish_message(inflated_, done);
        if (r.is_err()) return fail(r.error().code, r.error().message, used);
        const std::size_t made = r.value().produced;
        if (made > 0) {
          message_size_ += made;
          const std::span<const std::uint8_t> got(inflated_.data(), made);
          if (!check_text(got, used, out)) return out;
          if (!check_size(used, out)) return out;
          if (done) {
            // The end comes with the next call, so that this piece is seen first.
            drain_ = false;
            remaining_ = 0;
            compressed_ = false;  // the payload state then ends the message
            state_ = state::payload;
          }
          out.status = frame_status::data;
          out.consumed = used;
          out.data = got;
          return out;
        }
        if (!done) return fail(error_codes::ws_decompression_failed,
                               "the decompressor made no progress at the end of a message", used);
        compressed_ = false;
        remaining_ = 0;
        drain_ = false;
        state_ = state::payload;
        break;
      }
      case state::control: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size() - used));
        if (n > 0) {
          std::memcpy(control_.data() + control_len_, input.data() + used, n);
          if (frame_.masked) {
            apply_mask(std::span<std::uint8_t>(control_.data() + control_len_, n), frame_.key,
                       offset_);
          }
          control_len_ += n;
          used += n;
          remaining_ -= n;
          offset_ += n;
        }
        if (remaining_ > 0) return need_more();
        const std::span<const std::uint8_t> payload(control_.data(), control_len_);
        state_ = state::header;
        out.consumed = used;
        if (frame_.op == opcode::close) {
          auto c = parse_close_payload(payload);
          if (c.is_err()) return fail(c.error().code, c.error().message, used);
          close_ = std::move(c).value();
          state_ = state::closed;
          out.status = frame_status::close;
          out.data = payload;
          return out;
        }
        out.status = frame_.op == opcode::ping ? frame_status::ping : frame_status::pong;
        out.data = payload;
        return out;
      }
    }
  }
}

}  // namespace network_system::protocol::websocket
