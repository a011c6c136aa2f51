// gzip and deflate through zlib.

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>

#include "network_system/core/error_codes.h"
#include "protocol/http/detail/coding_engine.h"

namespace network_system::protocol::http::detail {

namespace {

// zlib counts in uInt; larger pieces go through in several calls.
constexpr std::size_t max_zlib_piece = UINT_MAX;
// Output is appended in pieces of this size (zlib wants room to write into).
constexpr std::size_t encode_piece = 16 * 1024;

// windowBits for deflateInit2 / inflateInit2 (zlib.h): 15 is the largest window, +16 the gzip
// wrapper, negative raw deflate.
constexpr int zlib_window = 15;
constexpr int gzip_window = 15 + 16;
constexpr int raw_window = -15;

voidpf zalloc(voidpf opaque, uInt items, uInt size) {
  const std::size_t bytes = static_cast<std::size_t>(items) * size;
  return static_cast<state_allocator*>(opaque)->allocate(bytes);
}
void zfree(voidpf opaque, voidpf address) { static_cast<state_allocator*>(opaque)->release(address); }

class zlib_encoder final : public encoder_engine {
 public:
  ~zlib_encoder() override {
    if (started_) deflateEnd(&z_);
  }

  bool start(content_coding coding, int level) {
    std::memset(&z_, 0, sizeof z_);
    // memLevel 8 and the default strategy are zlib's defaults (what gzip(1) uses).
    started_ = deflateInit2(&z_, level, Z_DEFLATED,
                            coding == content_coding::gzip ? gzip_window : zlib_window, 8,
                            Z_DEFAULT_STRATEGY) == Z_OK;
    return started_;
  }

  VoidResult encode(std::string_view input, std::string& out, encode_op op) override {
    const int flush = op == encode_op::finish  ? Z_FINISH
                      : op == encode_op::flush ? Z_SYNC_FLUSH
                                               : Z_NO_FLUSH;
    const auto* in = reinterpret_cast<const Bytef*>(input.data());
    std::size_t left = input.size();
    for (;;) {
      const std::size_t piece = std::min(left, max_zlib_piece);
      z_.next_in = const_cast<Bytef*>(in);  // zlib's API is not const-correct; it only reads
      z_.avail_in = static_cast<uInt>(piece);
      const bool last_piece = piece == left;
      const int mode = last_piece ? flush : Z_NO_FLUSH;
      int rc = Z_OK;
      do {
        const std::size_t old = out.size();
        out.resize(old + encode_piece);
        z_.next_out = reinterpret_cast<Bytef*>(out.data() + old);
        z_.avail_out = static_cast<uInt>(encode_piece);
        rc = deflate(&z_, mode);
        out.resize(old + encode_piece - z_.avail_out);
        if (rc == Z_STREAM_ERROR) {
          return error_void(error_codes::internal_error, "compress: zlib deflate failed",
                            std::string(coding_source));
        }
        // deflate() is done with a mode once it leaves room in the output (zlib.h), or, for
        // Z_FINISH, once it says Z_STREAM_END.
      } while (z_.avail_out == 0 || (mode == Z_FINISH && rc != Z_STREAM_END));
      in += piece;
      left -= piece;
      if (last_piece) return ok();
    }
  }

 private:
  z_stream z_{};
  bool started_ = false;
};

class zlib_decoder final : public decoder_engine {
 public:
  zlib_decoder(content_coding coding, std::size_t max_state) : coding_(coding), alloc_(max_state) {}
  ~zlib_decoder() override {
    if (started_) inflateEnd(&z_);
  }

  Result<decode_step> step(std::span<const std::uint8_t> input,
                           std::span<std::uint8_t> room) override {
    decode_step did;
    // zlib starts on the first input, so that its allocations meet the state limit here (and
    // fail as that limit, not as a failed create()).
    if (!started_ && coding_ == content_coding::gzip && !init(gzip_window)) return init_error();
    if (!started_) {
      // deflate: a zlib stream opens with CMF, FLG where CM = 8, CINFO <= 7, no preset
      // dictionary, and CMF*256 + FLG a multiple of 31 (RFC 1950 §2.2). Anything else is taken
      // as raw deflate, as browsers do. The first byte is held until the second arrives.
      while (header_len_ < 2 && !input.empty()) {
        header_[header_len_++] = input.front();
        input = input.subspan(1);
        ++did.consumed;
      }
      if (header_len_ < 2) return did;
      const unsigned cmf = header_[0], flg = header_[1];
      const bool zlib_header = (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 && (flg & 0x20) == 0 &&
                               (cmf * 256 + flg) % 31 == 0;
      if (!init(zlib_header ? zlib_window : raw_window)) return init_error();
      held_off_ = 0;
    }
    if (held_off_ < 2) {
      auto held = run(std::span<const std::uint8_t>(header_ + held_off_, 2 - held_off_), room);
      if (held.is_err()) return held;
      held_off_ += held.value().consumed;
      did.produced += held.value().produced;
      room = room.subspan(held.value().produced);
      if (held_off_ < 2) return did;
    }
    auto r = run(input, room);
    if (r.is_err()) return r;
    did.consumed += r.value().consumed;
    did.produced += r.value().produced;
    return did;
  }

  [[nodiscard]] bool ended() const noexcept override { return ended_; }
  [[nodiscard]] std::size_t peak_state() const noexcept override { return alloc_.peak(); }

 private:
  bool init(int window) {
    std::memset(&z_, 0, sizeof z_);
    z_.zalloc = zalloc;
    z_.zfree = zfree;
    z_.opaque = &alloc_;
    started_ = inflateInit2(&z_, window) == Z_OK;
    return started_;
  }

  Result<decode_step> init_error() const {
    if (alloc_.refused()) return Result<decode_step>(state_error());
    return error<decode_step>(error_codes::internal_error,
                              "decompress " + std::string(coding_name(coding_)) +
                                  ": zlib inflateInit failed",
                              std::string(coding_source));
  }

  error_info state_error() const {
    return error_info{error_codes::http_body_too_large,
                      "decompress " + std::string(coding_name(coding_)) +
                          ": the decoder's state would pass its limit of " +
                          std::to_string(alloc_.cap()) + " bytes",
                      std::string(coding_source), {}};
  }

  Result<decode_step> run(std::span<const std::uint8_t> input, std::span<std::uint8_t> room) {
    decode_step did;
    // Also with no input: zlib may hold output from earlier input that did not fit.
    while (!room.empty()) {
      if (ended_) {
        if (input.empty()) break;
        // gzip(1) decodes members one after another as one file (RFC 1952 §2.2); a deflate
        // stream has exactly one end.
        if (coding_ != content_coding::gzip) {
          return Result<decode_step>(decode_error(coding_, "data after the end of the stream"));
        }
        if (inflateReset(&z_) != Z_OK) {
          return error<decode_step>(error_codes::internal_error,
                                    "decompress gzip: zlib inflateReset failed",
                                    std::string(coding_source));
        }
        ended_ = false;
      }
      const std::size_t in_piece = std::min(input.size(), max_zlib_piece);
      const std::size_t out_piece = std::min(room.size(), max_zlib_piece);
      z_.next_in = const_cast<Bytef*>(input.data());
      z_.avail_in = static_cast<uInt>(in_piece);
      z_.next_out = room.data();
      z_.avail_out = static_cast<uInt>(out_piece);
      const int rc = inflate(&z_, Z_NO_FLUSH);
      const std::size_t used = in_piece - z_.avail_in;
      const std::size_t made = out_piece - z_.avail_out;
      did.consumed += used;
      did.produced += made;
      input = input.subspan(used);
      room = room.subspan(made);
      switch (rc) {
        case Z_OK:
          break;
        case Z_STREAM_END:
          ended_ = true;
          break;
        case Z_BUF_ERROR:  // no progress possible: only when input or room ran out
          if (used == 0 && made == 0) return did;
          break;
        case Z_NEED_DICT:
          return Result<decode_step>(decode_error(coding_, "the stream needs a preset dictionary"));
        case Z_MEM_ERROR:
          if (alloc_.refused()) return Result<decode_step>(state_error());
          return error<decode_step>(error_codes::internal_error,
                                    "decompress " + std::string(coding_name(coding_)) +
                                        ": out of memory",
                                    std::string(coding_source));
        default:  // Z_DATA_ERROR, Z_STREAM_ERROR
          return Result<decode_step>(
              decode_error(coding_, z_.msg != nullptr ? z_.msg : "corrupt data"));
      }
      if (input.empty() && z_.avail_out != 0) break;  // everything given out
    }
    return did;
  }

  content_coding coding_;
  state_allocator alloc_;
  z_stream z_{};
  bool started_ = false;
  bool ended_ = false;
  std::uint8_t header_[2]{};
  std::size_t header_len_ = 0;
  std::size_t held_off_ = 2;  // how many of header_ zlib has taken (deflate only)
};

}  // namespace

std::unique_ptr<encoder_engine> make_zlib_encoder(content_coding coding, int level) {
  auto e = std::make_unique<zlib_encoder>();
  if (!e->start(coding, level)) return nullptr;
  return e;
}

std::unique_ptr<decoder_engine> make_zlib_decoder(content_coding coding, std::size_t max_state) {
  return std::make_unique<zlib_decoder>(coding, max_state);
}

}  // namespace network_system::protocol::http::detail
