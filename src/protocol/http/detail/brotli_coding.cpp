// br through Google's brotli library (libbrotlienc, libbrotlidec).

#include <brotli/decode.h>
#include <brotli/encode.h>

#include <algorithm>

#include "network_system/core/error_codes.h"
#include "protocol/http/detail/coding_engine.h"

namespace network_system::protocol::http::detail {

namespace {

// 4 MiB, brotli's own default window (BROTLI_DEFAULT_WINDOW): what the decoder on the other
// side must hold, so larger windows would cost every client memory for little gain on
// response-sized bodies.
constexpr int encoder_window = BROTLI_DEFAULT_WINDOW;

void* balloc(void* opaque, std::size_t bytes) {
  return static_cast<state_allocator*>(opaque)->allocate(bytes);
}
void bfree(void* opaque, void* address) { static_cast<state_allocator*>(opaque)->release(address); }

class brotli_encoder final : public encoder_engine {
 public:
  ~brotli_encoder() override {
    if (state_ != nullptr) BrotliEncoderDestroyInstance(state_);
  }

  bool start(int quality) {
    state_ = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
    if (state_ == nullptr) return false;
    return BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY,
                                     static_cast<std::uint32_t>(quality)) == BROTLI_TRUE &&
           BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, encoder_window) == BROTLI_TRUE;
  }

  VoidResult encode(std::string_view input, std::string& out, encode_op op) override {
    const BrotliEncoderOperation bop = op == encode_op::finish  ? BROTLI_OPERATION_FINISH
                                       : op == encode_op::flush ? BROTLI_OPERATION_FLUSH
                                                                : BROTLI_OPERATION_PROCESS;
    std::size_t avail_in = input.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(input.data());
    for (;;) {
      // No output buffer of ours: BrotliEncoderTakeOutput hands out the encoder's own, which
      // saves a copy through a scratch buffer.
      std::size_t avail_out = 0;
      if (BrotliEncoderCompressStream(state_, bop, &avail_in, &next_in, &avail_out, nullptr,
                                      nullptr) != BROTLI_TRUE) {
        return error_void(error_codes::internal_error, "compress br: brotli encoder failed",
                          std::string(coding_source));
      }
      while (BrotliEncoderHasMoreOutput(state_) == BROTLI_TRUE) {
        std::size_t size = 0;
        const std::uint8_t* data = BrotliEncoderTakeOutput(state_, &size);
        out.append(reinterpret_cast<const char*>(data), size);
      }
      // Done with this operation once the input is used up, nothing is left to take and, for
      // FINISH, the stream is closed (brotli/encode.h).
      if (avail_in == 0 && (bop != BROTLI_OPERATION_FINISH ||
                            BrotliEncoderIsFinished(state_) == BROTLI_TRUE)) {
        return ok();
      }
    }
  }

 private:
  BrotliEncoderState* state_ = nullptr;
};

class brotli_decoder final : public decoder_engine {
 public:
  explicit brotli_decoder(std::size_t max_state) : alloc_(max_state) {}
  ~brotli_decoder() override {
    if (state_ != nullptr) BrotliDecoderDestroyInstance(state_);
  }

  bool start() {
    state_ = BrotliDecoderCreateInstance(balloc, bfree, &alloc_);
    return state_ != nullptr;
  }

  Result<decode_step> step(std::span<const std::uint8_t> input,
                           std::span<std::uint8_t> room) override {
    // Started on the first input, like zlib, so that its first allocation meets the state
    // limit here.
    if (state_ == nullptr && !start()) {
      if (alloc_.refused()) return state_error();
      return error<decode_step>(error_codes::internal_error,
                                "decompress br: brotli could not start a decoder",
                                std::string(coding_source));
    }
    if (ended_) {
      if (input.empty()) return decode_step{};
      return Result<decode_step>(
          decode_error(content_coding::br, "data after the end of the stream"));
    }
    std::size_t avail_in = input.size();
    const std::uint8_t* next_in = input.data();
    std::size_t avail_out = room.size();
    std::uint8_t* next_out = room.data();
    const BrotliDecoderResult rc =
        BrotliDecoderDecompressStream(state_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    decode_step did{input.size() - avail_in, room.size() - avail_out};
    switch (rc) {
      case BROTLI_DECODER_RESULT_SUCCESS:
        ended_ = true;
        if (avail_in != 0) {
          return Result<decode_step>(
              decode_error(content_coding::br, "data after the end of the stream"));
        }
        return did;
      case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
      case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
        return did;
      case BROTLI_DECODER_RESULT_ERROR:
      default:
        break;
    }
    const BrotliDecoderErrorCode code = BrotliDecoderGetErrorCode(state_);
    if (code <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES && code >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES) {
      if (alloc_.refused()) return state_error();
      return error<decode_step>(error_codes::internal_error, "decompress br: out of memory",
                                std::string(coding_source));
    }
    // Brotli's names are "_ERROR_FORMAT_PADDING_1" and the like; keep them for the details.
    auto e = decode_error(content_coding::br, "corrupt data");
    e.details = BrotliDecoderErrorString(code);
    return Result<decode_step>(std::move(e));
  }

  [[nodiscard]] bool ended() const noexcept override { return ended_; }
  [[nodiscard]] bool has_pending_output() const noexcept override {
    return state_ != nullptr && BrotliDecoderHasMoreOutput(state_) == BROTLI_TRUE;
  }
  [[nodiscard]] std::size_t peak_state() const noexcept override { return alloc_.peak(); }

 private:
  Result<decode_step> state_error() const {
    return error<decode_step>(error_codes::http_body_too_large,
                              "decompress br: the decoder's state would pass its limit of " +
                                  std::to_string(alloc_.cap()) + " bytes",
                              std::string(coding_source));
  }

  state_allocator alloc_;
  BrotliDecoderState* state_ = nullptr;
  bool ended_ = false;
};

}  // namespace

std::unique_ptr<encoder_engine> make_brotli_encoder(int quality) {
  auto e = std::make_unique<brotli_encoder>();
  if (!e->start(quality)) return nullptr;
  return e;
}

std::unique_ptr<decoder_engine> make_brotli_decoder(std::size_t max_state) {
  return std::make_unique<brotli_decoder>(max_state);
}

}  // namespace network_system::protocol::http::detail
