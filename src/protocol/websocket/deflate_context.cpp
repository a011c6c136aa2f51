#include "network_system/protocol/websocket/deflate_context.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <optional>

#include "network_system/core/error_codes.h"

namespace network_system::protocol::websocket {

namespace {

constexpr std::uint8_t flush_tail[4] = {0x00, 0x00, 0xFF, 0xFF};
constexpr std::size_t compress_piece = 16 * 1024;
// zlib counts in uInt.
constexpr std::size_t max_zlib_piece = UINT_MAX;

error_info zlib_failure(const char* what) {
  return error_info{error_codes::internal_error, std::string("permessage-deflate: ") + what,
                    "websocket", {}};
}

}  // namespace

struct deflate_context::impl {
  role endpoint;
  deflate_params params;
  deflate_options options;
  z_stream def{};
  z_stream inf{};
  bool def_started = false;
  bool inf_started = false;
  bool reset_compressor_after_message = false;
  bool reset_decompressor_after_message = false;
  int inflate_bits = 15;
  // Per received message:
  std::uint64_t made = 0;
  std::size_t tail_fed = 0;
  bool stream_ended = false;  // BFINAL seen in this message
  // A failure found in a call that also made output: that output goes out first (it may show
  // an earlier fault, e.g. invalid UTF-8), the failure comes with the next call.
  std::optional<error_info> pending;

  ~impl() {
    if (def_started) deflateEnd(&def);
    if (inf_started) inflateEnd(&inf);
  }

  error_info too_big() const {
    return error_info{error_codes::ws_message_too_big,
                      "permessage-deflate: a message decompresses to more than " +
                          std::to_string(options.max_message) + " bytes",
                      "websocket", {}};
  }

  void end_received_message() {
    if (stream_ended || reset_decompressor_after_message) inflateReset(&inf);
    made = 0;
    tail_fed = 0;
    stream_ended = false;
  }

  Result<step> run_inflate(std::span<const std::uint8_t> in, std::span<std::uint8_t> room) {
    if (pending) return Result<step>(*pending);
    auto r = inflate_some(in, room);
    if (r.is_err() && r.error().code == error_codes::ws_decompression_failed && made_now > 0) {
      pending = r.error();
      step s;
      s.consumed = 0;
      s.produced = made_now;
      return s;
    }
    return r;
  }

  std::size_t made_now = 0;

  Result<step> inflate_some(std::span<const std::uint8_t> in, std::span<std::uint8_t> room) {
    step s;
    made_now = 0;
    if (stream_ended) {
      // Bytes after a BFINAL block end nothing: they are dropped (see the header).
      s.consumed = in.size();
      return s;
    }
    // Never make more than the limit allows, plus one byte to see that it is passed.
    const std::uint64_t left = options.max_message - made;
    std::size_t cap = room.size();
    if (left + 1 < cap) cap = static_cast<std::size_t>(left + 1);
    inf.next_in = const_cast<Bytef*>(in.data());  // zlib only reads it
    inf.avail_in = static_cast<uInt>(std::min(in.size(), max_zlib_piece));
    inf.next_out = room.data();
    inf.avail_out = static_cast<uInt>(std::min(cap, max_zlib_piece));
    const uInt in_before = inf.avail_in, out_before = inf.avail_out;
    const int rc = inflate(&inf, Z_SYNC_FLUSH);
    s.consumed = in_before - inf.avail_in;
    s.produced = out_before - inf.avail_out;
    made_now = s.produced;
    made += s.produced;
    if (made > options.max_message) return Result<step>(too_big());
    switch (rc) {
      case Z_OK:
      case Z_BUF_ERROR:  // no progress possible right now (input or room ran out)
        return s;
      case Z_STREAM_END:
        stream_ended = true;
        s.consumed = in.size();
        return s;
      case Z_MEM_ERROR:
        return Result<step>(zlib_failure("zlib inflate is out of memory"));
      default:  // Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR
        return error<step>(error_codes::ws_decompression_failed,
                           std::string("permessage-deflate: ") +
                               (inf.msg != nullptr ? inf.msg : "corrupt deflate data"),
                           "websocket");
    }
  }
};

Result<std::unique_ptr<deflate_context>> deflate_context::create(role endpoint,
                                                                 const deflate_params& params,
                                                                 deflate_options options) {
  auto bad = [](std::string what) {
    return error<std::unique_ptr<deflate_context>>(error_codes::invalid_argument,
                                                   "permessage-deflate: " + std::move(what),
                                                   "websocket");
  };
  if (params.server_max_window_bits < 8 || params.server_max_window_bits > 15 ||
      params.client_max_window_bits < 8 || params.client_max_window_bits > 15) {
    return bad("window bits outside 8..15");
  }
  auto p = std::make_unique<impl>();
  p->endpoint = endpoint;
  p->params = params;
  p->options = options;
  const bool server = endpoint == role::server;
  const int our_bits = server ? params.server_max_window_bits : params.client_max_window_bits;
  const int peer_bits = server ? params.client_max_window_bits : params.server_max_window_bits;
  if (our_bits < 9) return bad("zlib cannot compress raw deflate with 8 window bits");
  p->reset_compressor_after_message =
      server ? params.server_no_context_takeover : params.client_no_context_takeover;
  p->reset_decompressor_after_message =
      server ? params.client_no_context_takeover : params.server_no_context_takeover;
  p->inflate_bits = std::max(peer_bits, 9);
  if (deflateInit2(&p->def, options.level, Z_DEFLATED, -our_bits, options.mem_level,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Result<std::unique_ptr<deflate_context>>(zlib_failure("zlib deflateInit2 failed"));
  }
  p->def_started = true;
  if (inflateInit2(&p->inf, -p->inflate_bits) != Z_OK) {
    return Result<std::unique_ptr<deflate_context>>(zlib_failure("zlib inflateInit2 failed"));
  }
  p->inf_started = true;
  return std::unique_ptr<deflate_context>(new deflate_context(std::move(p)));
}

deflate_context::deflate_context(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
deflate_context::~deflate_context() = default;

bool deflate_context::should_compress(std::size_t size) const noexcept {
  return size >= impl_->options.threshold;
}

VoidResult deflate_context::compress(std::span<const std::uint8_t> message,
                                     std::vector<std::uint8_t>& out) {
  z_stream& z = impl_->def;
  const std::size_t start = out.size();
  const std::uint8_t* in = message.data();
  std::size_t left = message.size();
  for (;;) {
    const std::size_t piece = std::min(left, max_zlib_piece);
    const bool last = piece == left;
    z.next_in = const_cast<Bytef*>(in);
    z.avail_in = static_cast<uInt>(piece);
    const int mode = last ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    do {
      const std::size_t old = out.size();
      // Room for the whole piece at once when it is small (deflate rarely grows data by more
      // than a few bytes per 16 KiB), else in 16 KiB steps.
      const std::size_t room = std::max(compress_piece, std::min<std::size_t>(piece + 64, 1u << 20));
      out.resize(old + room);
      z.next_out = out.data() + old;
      z.avail_out = static_cast<uInt>(room);
      const int rc = deflate(&z, mode);
      out.resize(old + room - z.avail_out);
      if (rc == Z_STREAM_ERROR) {
        out.resize(start);
        return VoidResult(zlib_failure("zlib deflate failed"));
      }
    } while (z.avail_out == 0);
    in += piece;
    left -= piece;
    if (last) break;
  }
  // Z_SYNC_FLUSH ends with an empty stored block, 00 00 FF FF: RFC 7692 §7.2.1 drops it.
  if (out.size() - start >= 4 &&
      std::memcmp(out.data() + out.size() - 4, flush_tail, 4) == 0) {
    out.resize(out.size() - 4);
  }
  if (impl_->reset_compressor_after_message) deflateReset(&z);
  return ok();
}

Result<deflate_context::step> deflate_context::decompress(std::span<const std::uint8_t> in,
                                                          std::span<std::uint8_t> room) {
  return impl_->run_inflate(in, room);
}

Result<deflate_context::step> deflate_context::finish_message(std::span<std::uint8_t> room,
                                                              bool& done) {
  done = false;
  step total;
  auto& p = *impl_;
  if (p.stream_ended) {
    // BFINAL ended the stream: the appended tail would be data after its end.
    p.end_received_message();
    done = true;
    return total;
  }
  while (p.tail_fed < 4) {
    auto r = p.run_inflate(std::span<const std::uint8_t>(flush_tail + p.tail_fed, 4 - p.tail_fed),
                           room.subspan(total.produced));
    if (r.is_err()) return r;
    p.tail_fed += r.value().consumed;
    total.produced += r.value().produced;
    if (p.stream_ended) {
      p.tail_fed = 4;
      break;
    }
    if (total.produced == room.size()) return total;  // room is full: call again
    if (r.value().consumed == 0 && r.value().produced == 0) break;
  }
  // Pending output zlib still holds (the tail can release it).
  while (total.produced < room.size()) {
    auto r = p.run_inflate({}, room.subspan(total.produced));
    if (r.is_err()) return r;
    total.produced += r.value().produced;
    if (r.value().produced == 0) break;
  }
  if (total.produced == room.size()) return total;
  p.end_received_message();
  done = true;
  return total;
}

std::uint64_t deflate_context::message_size() const noexcept { return impl_->made; }

VoidResult deflate_context::decompress_message(std::span<const std::uint8_t> payload,
                                               std::vector<std::uint8_t>& out) {
  std::uint8_t room[16 * 1024];
  while (!payload.empty()) {
    auto r = decompress(payload, room);
    if (r.is_err()) return VoidResult(r.error());
    out.insert(out.end(), room, room + r.value().produced);
    payload = payload.subspan(r.value().consumed);
    if (r.value().consumed == 0 && r.value().produced == 0) {
      return error_void(error_codes::ws_decompression_failed,
                        "permessage-deflate: the decompressor made no progress", "websocket");
    }
  }
  bool done = false;
  while (!done) {
    auto r = finish_message(room, done);
    if (r.is_err()) return VoidResult(r.error());
    out.insert(out.end(), room, room + r.value().produced);
  }
  return ok();
}

const deflate_params& deflate_context::params() const noexcept { return impl_->params; }
const deflate_options& deflate_context::options() const noexcept { return impl_->options; }

}  // namespace network_system::protocol::websocket
