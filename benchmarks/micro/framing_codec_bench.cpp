// CPU cost of the framing codec, in memory: no socket, no system call. These numbers say how
// much of a core the codec takes per message, NOT how fast messages cross the network (the
// loopback workloads of scripts/bench.sh measure that).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <vector>

#include "network_system/protocol/framing/frame_decoder.h"
#include "network_system/protocol/framing/frame_encoder.h"

namespace {

using network_system::protocol::framing::decode_status;
using network_system::protocol::framing::frame_decoder;
using network_system::protocol::framing::frame_encoder;
using network_system::protocol::framing::framing_config;
using network_system::protocol::framing::framing_kind;

// About 1 MiB of back-to-back frames of `size` payload bytes, as a socket read would hold them.
std::vector<std::uint8_t> make_stream(const framing_config& cfg, std::size_t size,
                                      std::size_t& frames) {
  frame_encoder enc(cfg);
  std::vector<std::uint8_t> payload(size);
  for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<std::uint8_t>('a' + i % 26);
  std::vector<std::uint8_t> stream;
  frames = std::max<std::size_t>(1, (1u << 20) / (size + 4));
  for (std::size_t i = 0; i < frames; ++i) {
    auto f = enc.encode(payload);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  return stream;
}

void decode_all(benchmark::State& state, const framing_config& cfg, std::size_t chunk) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::size_t frames = 0;
  const auto stream = make_stream(cfg, size, frames);
  frame_decoder dec(cfg);
  for (auto _ : state) {
    std::size_t got = 0;
    // Feed it in `chunk`-byte reads: whole reads keep every payload a view into the input;
    // small reads split frames and exercise the decoder's gathering buffer.
    for (std::size_t off = 0; off < stream.size(); off += chunk) {
      std::span<const std::uint8_t> in(stream.data() + off, std::min(chunk, stream.size() - off));
      for (;;) {
        auto r = dec.next(in);
        if (r.status != decode_status::message) break;
        benchmark::DoNotOptimize(r.payload.data());
        ++got;
      }
    }
    if (got != frames) state.SkipWithError("decoder lost frames");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * frames));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
  state.SetLabel("codec CPU cost, in memory (not network throughput)");
}

// frame_decoder::next over a buffer of many frames, fed in 64 KiB reads (a session's read size).
void BM_decoder_next_length(benchmark::State& state) {
  decode_all(state, framing_config{}, 64 * 1024);
}
BENCHMARK(BM_decoder_next_length)->Arg(64)->Arg(1024)->Arg(8192);

// The same stream fed in 1000-byte reads: most large frames are split and gathered (copied).
void BM_decoder_next_length_split_reads(benchmark::State& state) {
  decode_all(state, framing_config{}, 1000);
}
BENCHMARK(BM_decoder_next_length_split_reads)->Arg(64)->Arg(1024)->Arg(8192);

// Delimiter framing ("\n"): the decoder scans every payload byte for the delimiter.
void BM_decoder_next_line(benchmark::State& state) {
  framing_config cfg;
  cfg.kind = framing_kind::delimiter;
  decode_all(state, cfg, 64 * 1024);
}
BENCHMARK(BM_decoder_next_line)->Arg(64)->Arg(1024)->Arg(8192);

// frame_encoder::prefix: the 4 length bytes the write path puts before each payload.
void BM_encoder_prefix(benchmark::State& state) {
  frame_encoder enc(framing_config{});
  std::size_t size = 64;
  for (auto _ : state) {
    auto p = enc.prefix(size);
    benchmark::DoNotOptimize(p);
    size = (size + 61) & 0xffff;  // vary the input so the call is not hoisted
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetLabel("codec CPU cost per message");
}
BENCHMARK(BM_encoder_prefix);

}  // namespace
