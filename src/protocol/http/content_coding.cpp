#include "network_system/protocol/http/content_coding.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/http_fields.h"
#include "protocol/http/detail/coding_engine.h"

namespace network_system::protocol::http {

namespace detail {

// --- state_allocator -------------------------------------------------------------------------

namespace {
// The size header keeps the block aligned for anything the libraries store in it.
constexpr std::size_t block_header = alignof(std::max_align_t);
}  // namespace

void* state_allocator::allocate(std::size_t bytes) noexcept {
  if (bytes > cap_ || used_ > cap_ - bytes) {
    refused_ = true;
    return nullptr;
  }
  void* raw = std::malloc(bytes + block_header);
  if (raw == nullptr) return nullptr;
  std::memcpy(raw, &bytes, sizeof bytes);
  used_ += bytes;
  peak_ = std::max(peak_, used_);
  return static_cast<std::byte*>(raw) + block_header;
}

void state_allocator::release(void* block) noexcept {
  if (block == nullptr) return;
  void* raw = static_cast<std::byte*>(block) - block_header;
  std::size_t bytes = 0;
  std::memcpy(&bytes, raw, sizeof bytes);
  used_ -= bytes;
  std::free(raw);
}

// --- identity ------------------------------------------------------------------------------

namespace {

class identity_encoder final : public encoder_engine {
 public:
  VoidResult encode(std::string_view input, std::string& out, encode_op) override {
    out.append(input);
    return ok();
  }
};

class identity_decoder final : public decoder_engine {
 public:
  Result<decode_step> step(std::span<const std::uint8_t> input,
                           std::span<std::uint8_t> room) override {
    const std::size_t n = std::min(input.size(), room.size());
    if (n != 0) std::memcpy(room.data(), input.data(), n);
    return decode_step{n, n};
  }
  // Any prefix of an identity body is a whole body.
  [[nodiscard]] bool ended() const noexcept override { return true; }
};

}  // namespace

std::unique_ptr<encoder_engine> make_identity_encoder() {
  return std::make_unique<identity_encoder>();
}
std::unique_ptr<decoder_engine> make_identity_decoder() {
  return std::make_unique<identity_decoder>();
}

error_info decode_error(content_coding coding, std::string_view what) {
  return error_info{error_codes::http_decompression_failed,
                    "decompress " + std::string(coding_name(coding)) + ": " + std::string(what),
                    std::string(coding_source), {}};
}

}  // namespace detail

namespace {

using detail::coding_source;

// Decoded output is made in pieces of at most this size.
constexpr std::size_t decode_piece = 16 * 1024;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int effective_level(content_coding coding, int level) noexcept {
  if (level != default_level) return level;
  return coding == content_coding::br ? 5 : 6;
}

VoidResult used_up(std::string_view what) {
  return error_void(error_codes::invalid_argument,
                    std::string(what) + ": the stream is finished or has failed",
                    std::string(coding_source));
}

// Makes room for `extra` more bytes after out.size() without letting the capacity pass
// `ceiling` (>= size + extra): geometric growth, as std::string's, but capped, so that what a
// decoder holds stays within its output limit.
void reserve_capped(std::string& out, std::size_t extra, std::size_t ceiling) {
  const std::size_t needed = out.size() + extra;
  if (out.capacity() >= needed) return;
  const std::size_t grown = std::max(needed, out.capacity() * 2);
  const std::size_t target = std::min(grown, std::max(ceiling, needed));
  if (target < out.capacity() * 2) {
    // libstdc++ rounds a reserve below twice the capacity up to twice it; a fresh string takes
    // the exact size.
    std::string bigger;
    bigger.reserve(target);
    bigger.append(out);
    out.swap(bigger);
  } else {
    out.reserve(target);
  }
}

}  // namespace

std::string_view coding_name(content_coding coding) noexcept {
  switch (coding) {
    case content_coding::identity: return "identity";
    case content_coding::gzip: return "gzip";
    case content_coding::deflate: return "deflate";
    case content_coding::br: return "br";
  }
  return "identity";
}

Result<content_coding> parse_content_coding(std::string_view name) {
  const auto n = trim(name);
  if (iequals(n, "gzip") || iequals(n, "x-gzip")) return content_coding::gzip;
  if (iequals(n, "deflate")) return content_coding::deflate;
  if (iequals(n, "br")) return content_coding::br;
  if (iequals(n, "identity")) return content_coding::identity;
  return error<content_coding>(error_codes::http_not_implemented,
                               "content coding '" + std::string(n.substr(0, 64)) +
                                   "' is not supported (gzip, deflate, br, identity are)",
                               std::string(coding_source));
}

Result<std::vector<content_coding>> parse_content_encoding(std::string_view header,
                                                           std::size_t max_codings) {
  std::vector<content_coding> codings;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto element = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (element.empty()) continue;
    auto c = parse_content_coding(element);
    if (c.is_err()) return Result<std::vector<content_coding>>(c.error());
    if (c.value() == content_coding::identity) continue;
    if (codings.size() == max_codings) {
      return error<std::vector<content_coding>>(
          error_codes::http_decompression_failed,
          "Content-Encoding: more than " + std::to_string(max_codings) + " codings",
          std::string(coding_source));
    }
    codings.push_back(c.value());
  }
  return codings;
}

bool valid_level(content_coding coding, int level) noexcept {
  if (level == default_level) return true;
  switch (coding) {
    case content_coding::identity: return true;
    case content_coding::gzip:
    case content_coding::deflate: return level >= 0 && level <= 9;
    case content_coding::br: return level >= 0 && level <= 11;
  }
  return false;
}

// --- content_encoder -------------------------------------------------------------------------

content_encoder::content_encoder(content_coding coding,
                                 std::unique_ptr<detail::encoder_engine> engine) noexcept
    : coding_(coding), engine_(std::move(engine)) {}
content_encoder::content_encoder(content_encoder&&) noexcept = default;
content_encoder& content_encoder::operator=(content_encoder&&) noexcept = default;
content_encoder::~content_encoder() = default;

Result<content_encoder> content_encoder::create(content_coding coding, int level) {
  if (!valid_level(coding, level)) {
    return error<content_encoder>(error_codes::invalid_argument,
                                  "compress " + std::string(coding_name(coding)) + ": level " +
                                      std::to_string(level) + " is out of range",
                                  std::string(coding_source));
  }
  const int l = effective_level(coding, level);
  std::unique_ptr<detail::encoder_engine> engine;
  switch (coding) {
    case content_coding::identity: engine = detail::make_identity_encoder(); break;
    case content_coding::gzip:
    case content_coding::deflate: engine = detail::make_zlib_encoder(coding, l); break;
    case content_coding::br: engine = detail::make_brotli_encoder(l); break;
  }
  if (!engine) {
    return error<content_encoder>(error_codes::internal_error,
                                  "compress " + std::string(coding_name(coding)) +
                                      ": the codec library could not start an encoder",
                                  std::string(coding_source));
  }
  return content_encoder(coding, std::move(engine));
}

VoidResult content_encoder::write(std::string_view input, std::string& out) {
  if (done_ || !engine_) return used_up("compress");
  auto r = engine_->encode(input, out, detail::encode_op::process);
  if (r.is_err()) done_ = true;
  return r;
}

VoidResult content_encoder::flush(std::string& out) {
  if (done_ || !engine_) return used_up("compress");
  auto r = engine_->encode({}, out, detail::encode_op::flush);
  if (r.is_err()) done_ = true;
  return r;
}

VoidResult content_encoder::finish(std::string& out) {
  if (done_ || !engine_) return used_up("compress");
  done_ = true;
  return engine_->encode({}, out, detail::encode_op::finish);
}

// --- content_decoder -------------------------------------------------------------------------

content_decoder::content_decoder(content_coding coding, decoder_limits limits,
                                 std::unique_ptr<detail::decoder_engine> engine) noexcept
    : coding_(coding), limits_(limits), engine_(std::move(engine)) {}
content_decoder::content_decoder(content_decoder&&) noexcept = default;
content_decoder& content_decoder::operator=(content_decoder&&) noexcept = default;
content_decoder::~content_decoder() = default;

Result<content_decoder> content_decoder::create(content_coding coding, decoder_limits limits) {
  std::unique_ptr<detail::decoder_engine> engine;
  switch (coding) {
    case content_coding::identity: engine = detail::make_identity_decoder(); break;
    case content_coding::gzip:
    case content_coding::deflate:
      engine = detail::make_zlib_decoder(coding, limits.max_state);
      break;
    case content_coding::br: engine = detail::make_brotli_decoder(limits.max_state); break;
  }
  if (!engine) {
    return error<content_decoder>(error_codes::internal_error,
                                  "decompress " + std::string(coding_name(coding)) +
                                      ": the codec library could not start a decoder",
                                  std::string(coding_source));
  }
  return content_decoder(coding, limits, std::move(engine));
}

bool content_decoder::stream_ended() const noexcept { return engine_ && engine_->ended(); }

std::size_t content_decoder::peak_state_bytes() const noexcept {
  return engine_ ? engine_->peak_state() : 0;
}

VoidResult content_decoder::write(std::string_view input, std::string& out) {
  if (failed_ || finished_ || !engine_) return used_up("decompress");
  auto in = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(input.data()),
                                          input.size());
  for (;;) {
    // Room for one byte past the limit at most: that byte, if it comes, proves the limit
    // passed, and the inflater is never asked for more.
    const std::size_t left =
        limits_.max_output - static_cast<std::size_t>(std::min<std::uint64_t>(total_out_, limits_.max_output));
    const std::size_t allowance = left == SIZE_MAX ? left : left + 1;  // no limit: no overflow
    const std::size_t piece = std::min(decode_piece, allowance);
    // Through a scratch piece rather than straight into `out`: growing `out` first would
    // zero-fill a whole piece on every call, which costs more than the copy when the input
    // comes in small pieces.
    if (!scratch_) scratch_ = std::make_unique_for_overwrite<std::uint8_t[]>(decode_piece);
    auto r = engine_->step(in, std::span<std::uint8_t>(scratch_.get(), piece));
    if (r.is_err()) {
      failed_ = true;
      return VoidResult(r.error());
    }
    const auto did = r.value();
    reserve_capped(out, did.produced,
                   allowance > SIZE_MAX - out.size() ? SIZE_MAX : out.size() + allowance);
    out.append(reinterpret_cast<const char*>(scratch_.get()), did.produced);
    total_out_ += did.produced;
    total_in_ += did.consumed;
    in = in.subspan(did.consumed);
    if (total_out_ > limits_.max_output) {
      failed_ = true;
      return error_void(error_codes::http_body_too_large,
                        "decompress " + std::string(coding_name(coding_)) +
                            ": the decoded body passes its limit of " +
                            std::to_string(limits_.max_output) + " bytes",
                        std::string(coding_source));
    }
    // Done when the input is used up and the engine left room unused and holds nothing back
    // (it had nothing more to give).
    if (did.produced == piece || engine_->has_pending_output()) continue;
    if (in.empty()) return ok();
    if (did.consumed == 0) {
      failed_ = true;
      return error_void(error_codes::internal_error,
                        "decompress " + std::string(coding_name(coding_)) +
                            ": the decoder made no progress",
                        std::string(coding_source));
    }
  }
}

VoidResult content_decoder::finish() {
  if (failed_ || finished_ || !engine_) return used_up("decompress");
  finished_ = true;
  if (total_in_ == 0 || engine_->ended()) return ok();
  failed_ = true;
  return VoidResult(detail::decode_error(coding_, "the stream is truncated"));
}

// --- one shot ------------------------------------------------------------------------------

Result<std::string> compress(content_coding coding, std::string_view bytes, int level) {
  auto enc = content_encoder::create(coding, level);
  if (enc.is_err()) return Result<std::string>(enc.error());
  std::string out;
  // Compressed text is usually well under half its size; one reserve avoids most regrowth.
  out.reserve(coding == content_coding::identity ? bytes.size() : bytes.size() / 2 + 64);
  if (auto r = enc.value().write(bytes, out); r.is_err()) return Result<std::string>(r.error());
  if (auto r = enc.value().finish(out); r.is_err()) return Result<std::string>(r.error());
  return out;
}

Result<std::string> decompress(content_coding coding, std::string_view bytes,
                               std::size_t max_output) {
  return decompress(coding, bytes, decoder_limits{.max_output = max_output});
}

Result<std::string> decompress(content_coding coding, std::string_view bytes,
                               decoder_limits limits) {
  auto dec = content_decoder::create(coding, limits);
  if (dec.is_err()) return Result<std::string>(dec.error());
  std::string out;
  if (auto r = dec.value().write(bytes, out); r.is_err()) return Result<std::string>(r.error());
  if (auto r = dec.value().finish(); r.is_err()) return Result<std::string>(r.error());
  return out;
}

Result<std::string> decode_content(std::string_view content_encoding, std::string_view bytes,
                                   std::size_t max_output) {
  return decode_content(content_encoding, bytes, decoder_limits{.max_output = max_output});
}

Result<std::string> decode_content(std::string_view content_encoding, std::string_view bytes,
                                   decoder_limits limits) {
  auto codings = parse_content_encoding(content_encoding);
  if (codings.is_err()) return Result<std::string>(codings.error());
  const auto& list = codings.value();
  if (list.empty()) {
    return decompress(content_coding::identity, bytes, limits);
  }
  std::string current(bytes);
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    auto next = decompress(*it, current, limits);
    if (next.is_err()) return next;
    current = std::move(next).value();
  }
  return current;
}

}  // namespace network_system::protocol::http
