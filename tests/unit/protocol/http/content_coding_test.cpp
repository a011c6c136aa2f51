#include "network_system/protocol/http/content_coding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/error_codes.h"

// Vectors made by tools we did not write: gzip(1) (`printf 'Hello, World!' | gzip -n`),
// Python's zlib module (zlib.compress, and compressobj(wbits=-15) for raw deflate) and the
// brotli(1) command (`printf 'Hello, brotli!' | brotli -c`; `head -c 100M /dev/zero | brotli
// -c`). Round trips at many sizes and piece splits, the limits, truncated and corrupt input.

namespace network_system::protocol::http {
namespace {

namespace ec = error_codes;

std::string bytes(std::initializer_list<std::uint8_t> b) { return std::string(b.begin(), b.end()); }

// `printf 'Hello, World!' | gzip -n`
const std::string gzip_hello = bytes({0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
                                      0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x08, 0xcf, 0x2f,
                                      0xca, 0x49, 0x51, 0x04, 0x00, 0xd0, 0xc3, 0x4a, 0xec, 0x0d,
                                      0x00, 0x00, 0x00});
// `(printf 'Hello, ' | gzip -n; printf 'gzip members' | gzip -n -9)`: two members.
const std::string gzip_two_members = bytes(
    {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xf3, 0x48, 0xcd, 0xc9, 0xc9,
     0xd7, 0x51, 0x00, 0x00, 0x05, 0x6f, 0x57, 0xde, 0x07, 0x00, 0x00, 0x00, 0x1f, 0x8b, 0x08,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4b, 0xaf, 0xca, 0x2c, 0x50, 0xc8, 0x4d, 0xcd,
     0x4d, 0x4a, 0x2d, 0x2a, 0x06, 0x00, 0x27, 0xca, 0x79, 0xc7, 0x0c, 0x00, 0x00, 0x00});
// `gzip -c named.txt` (FNAME "named.txt" and an mtime in the header), "named file\n".
const std::string gzip_named = bytes(
    {0x1f, 0x8b, 0x08, 0x08, 0x00, 0xf1, 0x53, 0x65, 0x00, 0x03, 0x6e, 0x61, 0x6d, 0x65,
     0x64, 0x2e, 0x74, 0x78, 0x74, 0x00, 0xcb, 0x4b, 0xcc, 0x4d, 0x4d, 0x51, 0x48, 0xcb,
     0xcc, 0x49, 0xe5, 0x02, 0x00, 0xac, 0xb8, 0xbc, 0xf3, 0x0b, 0x00, 0x00, 0x00});
// `printf '' | gzip -n`
const std::string gzip_empty = bytes({0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
                                      0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
// Python: zlib.compress(b'Hello, deflate!')
const std::string zlib_hello = bytes({0x78, 0x9c, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x48,
                                      0x49, 0x4d, 0xcb, 0x49, 0x2c, 0x49, 0x55, 0x04, 0x00, 0x2a,
                                      0x24, 0x05, 0x37});
// Python: zlib.compressobj(wbits=-15) over b'Hello, raw deflate!'
const std::string raw_hello = bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x28, 0x4a, 0x2c,
                                     0x57, 0x48, 0x49, 0x4d, 0xcb, 0x49, 0x2c, 0x49, 0x55, 0x04,
                                     0x00});
// `printf 'Hello, brotli!' | brotli -c`
const std::string br_hello = bytes({0x8f, 0x06, 0x80, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20,
                                    0x62, 0x72, 0x6f, 0x74, 0x6c, 0x69, 0x21, 0x03});
// `printf '' | brotli -c`
const std::string br_empty = bytes({0x3f});
// `brotli -c -q 11 -w 24` over br_text_plain() (a 16 MiB window).
const std::string br_text = bytes({
  0x1f, 0x59, 0x19, 0x00, 0x1c, 0xa9, 0x53, 0x9f, 0x3b, 0x9e, 0x4a, 0x67,
  0xa4, 0x03, 0xbc, 0xbc, 0x6d, 0x4d, 0x97, 0x20, 0x72, 0x74, 0xad, 0x90,
  0xc6, 0xf6, 0x06, 0x23, 0x76, 0x00, 0xd2, 0xf0, 0x50, 0xd2, 0x80, 0x13,
  0x09, 0x3c, 0x7c, 0xd8, 0x18, 0xe3, 0xbb, 0x73, 0x35, 0xa2, 0x9d, 0x5e,
  0xef, 0x9b, 0xa6, 0xe7, 0xef, 0xf3, 0x2d, 0x6d, 0xfd, 0xa0, 0x00, 0x80,
  0x20, 0x30, 0x04, 0x0a, 0x03, 0x0b, 0x37, 0x42, 0x75, 0x13, 0x20, 0x14,
  0x89, 0x25, 0x52, 0x19, 0x59, 0xb8, 0xc2, 0x27, 0x10, 0x8a, 0xc4, 0x12,
  0xa9, 0x8c, 0x2c, 0x5c, 0xd1, 0x13, 0x08, 0x45, 0x62, 0x89, 0x54, 0x46,
  0x16, 0xae, 0xf8, 0x09, 0x84, 0x22, 0xb1, 0x44, 0x2a, 0x23, 0x0b, 0x57,
  0xf2, 0x04, 0x42, 0x91, 0x58, 0x22, 0x95, 0x91, 0x85, 0x2b, 0x7d, 0x02,
  0xa1, 0x48, 0x2c, 0x91, 0xca, 0xc8, 0xc2, 0x95, 0x79, 0x02, 0xa1, 0x48,
  0x2c, 0x91, 0xca, 0xc8, 0xc2, 0x95, 0x7d, 0x02, 0xa1, 0x48, 0x2c, 0x91,
  0xca, 0xc8, 0xc2, 0x95, 0x7b, 0x02, 0xa1, 0x48, 0x2c, 0x91, 0xca, 0xc8,
  0xfe, 0x7d, 0xe8, 0xd1, 0x83, 0x40, 0x24, 0x91, 0x29, 0x54, 0x1a, 0x5a,
  0xb9, 0x84, 0x47, 0x20, 0x92, 0xc8, 0x14, 0x2a, 0x0d, 0xad, 0x5c, 0xe2,
  0x23, 0x10, 0x49, 0x64, 0x0a, 0x95, 0x86, 0x56, 0x2e, 0xe9, 0x11, 0x88,
  0x24, 0x32, 0x85, 0x4a, 0x43, 0x2b, 0x97, 0xfc, 0x08, 0x44, 0x12, 0x99,
  0x42, 0xa5, 0xa1, 0x95, 0x4b, 0x79, 0x04, 0x22, 0x89, 0x4c, 0xa1, 0xd2,
  0xd0, 0xca, 0xa5, 0x3e, 0x02, 0x91, 0x44, 0xa6, 0x50, 0x69, 0x68, 0xe5,
  0xd2, 0x3c, 0x02, 0x91, 0x44, 0xa6, 0x50, 0x69, 0x68, 0xe5, 0xd2, 0x3e,
  0x02, 0x91, 0x44, 0xa6, 0x50, 0x69, 0x68, 0xe5, 0xd2, 0x3d, 0x02, 0x91,
  0x44, 0xa6, 0x50, 0x69, 0x68, 0xd7, 0x0e});
// `head -c 100M /dev/zero | brotli -c`: 93 bytes that decode to 100 MiB.
const std::string br_bomb_100m = bytes(
    {0xcf, 0xff, 0xff, 0x7f, 0xf8, 0x27, 0x00, 0xe2, 0xb1, 0x40, 0x20, 0xf7, 0xfe, 0x9f, 0xff, 0xff,
     0xff, 0xf0, 0x4f, 0x00, 0xc4, 0x61, 0x01, 0x80, 0xee, 0xfd, 0x3f, 0xff, 0xff, 0xff, 0xe1, 0x9f,
     0x00, 0x88, 0xc3, 0x22, 0x00, 0xdd, 0xfb, 0x7f, 0xfe, 0xff, 0xff, 0xc3, 0x3f, 0x01, 0x10, 0x87,
     0x05, 0x00, 0xba, 0xf7, 0xff, 0xfc, 0xff, 0xff, 0x87, 0x7f, 0x02, 0x20, 0x0e, 0x0b, 0x00, 0x74,
     0xef, 0xff, 0xf9, 0xff, 0xff, 0x0f, 0xff, 0x04, 0x40, 0x1c, 0x16, 0x00, 0xe8, 0xde, 0xff, 0xe7,
     0xff, 0xff, 0x0f, 0xfe, 0x09, 0x80, 0x38, 0x2c, 0x00, 0xd0, 0xbd, 0xff, 0x01});

// What br_text holds: Python's ''.join('line %d of the brotli test text\n' % i for i in range(200)).
std::string br_text_plain() {
  std::string s;
  for (int i = 0; i < 200; ++i) s += "line " + std::to_string(i) + " of the brotli test text\n";
  return s;
}

constexpr std::size_t mib = 1u << 20;

// Decodes `input` fed in pieces of `piece` bytes (0: all at once), then finish().
Result<std::string> decode_in_pieces(content_coding c, std::string_view input, std::size_t piece,
                                     decoder_limits limits = {}) {
  auto dec = content_decoder::create(c, limits);
  if (dec.is_err()) return Result<std::string>(dec.error());
  std::string out;
  if (piece == 0) piece = input.size() + 1;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    auto r = dec.value().write(input.substr(at, piece), out);
    if (r.is_err()) return Result<std::string>(r.error());
  }
  if (auto r = dec.value().finish(); r.is_err()) return Result<std::string>(r.error());
  return out;
}

// Encodes `input` written in pieces of `piece` bytes (0: all at once).
std::string encode_in_pieces(content_coding c, std::string_view input, std::size_t piece,
                             int level = default_level) {
  auto enc = content_encoder::create(c, level);
  EXPECT_TRUE(enc.is_ok());
  std::string out;
  if (piece == 0) piece = input.size() + 1;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    EXPECT_TRUE(enc.value().write(input.substr(at, piece), out).is_ok());
  }
  EXPECT_TRUE(enc.value().finish(out).is_ok());
  return out;
}

// Half text-like (compressible), half random bytes: both paths of every codec.
std::string sample(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  static constexpr std::string_view words[] = {"alpha ", "beta ", "gamma ", "delta\n", "{\"k\":1}"};
  std::string s;
  s.reserve(n);
  while (s.size() < n) {
    if (rng() % 4 == 0) {
      for (int i = 0; i < 32 && s.size() < n; ++i) s.push_back(static_cast<char>(rng()));
    } else {
      s += words[rng() % 5];
    }
  }
  s.resize(n);
  return s;
}

constexpr content_coding all_codings[] = {content_coding::identity, content_coding::gzip,
                                          content_coding::deflate, content_coding::br};

// --- names ---------------------------------------------------------------------------------

TEST(http_content_coding_test, names_parse_case_insensitively) {
  EXPECT_EQ(parse_content_coding("gzip").value(), content_coding::gzip);
  EXPECT_EQ(parse_content_coding(" GZip ").value(), content_coding::gzip);
  EXPECT_EQ(parse_content_coding("x-gzip").value(), content_coding::gzip);
  EXPECT_EQ(parse_content_coding("Deflate").value(), content_coding::deflate);
  EXPECT_EQ(parse_content_coding("BR").value(), content_coding::br);
  EXPECT_EQ(parse_content_coding("identity").value(), content_coding::identity);
  for (auto c : all_codings) EXPECT_EQ(parse_content_coding(coding_name(c)).value(), c);
  for (const char* bad : {"compress", "zstd", "", "gzip;q=1", "x-compress"}) {
    auto r = parse_content_coding(bad);
    ASSERT_TRUE(r.is_err()) << bad;
    EXPECT_EQ(r.error().code, ec::http_not_implemented) << bad;
  }
  EXPECT_NE(parse_content_coding("zstd").error().message.find("'zstd'"), std::string::npos);
}

TEST(http_content_coding_test, content_encoding_lists) {
  using v = std::vector<content_coding>;
  EXPECT_EQ(parse_content_encoding("gzip").value(), v{content_coding::gzip});
  EXPECT_EQ(parse_content_encoding("gzip, br").value(), (v{content_coding::gzip, content_coding::br}));
  EXPECT_EQ(parse_content_encoding(" identity ,, deflate,").value(), v{content_coding::deflate});
  EXPECT_EQ(parse_content_encoding("").value(), v{});
  EXPECT_EQ(parse_content_encoding("identity").value(), v{});
  auto unknown = parse_content_encoding("gzip, compress");
  ASSERT_TRUE(unknown.is_err());
  EXPECT_EQ(unknown.error().code, ec::http_not_implemented);
  EXPECT_TRUE(parse_content_encoding("gzip, gzip, gzip, gzip").is_ok());
  auto many = parse_content_encoding("gzip, gzip, gzip, gzip, gzip");
  ASSERT_TRUE(many.is_err());
  EXPECT_EQ(many.error().code, ec::http_decompression_failed);
}

TEST(http_content_coding_test, levels) {
  EXPECT_TRUE(valid_level(content_coding::gzip, 0));
  EXPECT_TRUE(valid_level(content_coding::gzip, 9));
  EXPECT_FALSE(valid_level(content_coding::gzip, 10));
  EXPECT_FALSE(valid_level(content_coding::deflate, -2));
  EXPECT_TRUE(valid_level(content_coding::br, 11));
  EXPECT_FALSE(valid_level(content_coding::br, 12));
  auto bad = content_encoder::create(content_coding::br, 12);
  ASSERT_TRUE(bad.is_err());
  EXPECT_EQ(bad.error().code, ec::invalid_argument);
  const std::string text = sample(20000, 1);
  for (auto c : {content_coding::gzip, content_coding::deflate, content_coding::br}) {
    const int top = c == content_coding::br ? 11 : 9;
    for (int level = 0; level <= top; ++level) {
      auto packed = compress(c, text, level);
      ASSERT_TRUE(packed.is_ok());
      EXPECT_EQ(decompress(c, packed.value(), mib).value(), text) << coding_name(c) << level;
    }
  }
}

// --- vectors -------------------------------------------------------------------------------

struct vector_case {
  content_coding coding;
  const std::string* input;
  std::string plain;
};

TEST(http_content_coding_test, decodes_vectors_of_other_tools_whole_and_byte_by_byte) {
  const vector_case cases[] = {
      {content_coding::gzip, &gzip_hello, "Hello, World!"},
      {content_coding::gzip, &gzip_two_members, "Hello, gzip members"},
      {content_coding::gzip, &gzip_named, "named file\n"},
      {content_coding::gzip, &gzip_empty, ""},
      {content_coding::deflate, &zlib_hello, "Hello, deflate!"},
      {content_coding::deflate, &raw_hello, "Hello, raw deflate!"},
      {content_coding::br, &br_hello, "Hello, brotli!"},
      {content_coding::br, &br_empty, ""},
      {content_coding::br, &br_text, br_text_plain()},
  };
  for (const auto& c : cases) {
    for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{5}}) {
      auto r = decode_in_pieces(c.coding, *c.input, piece);
      ASSERT_TRUE(r.is_ok()) << coding_name(c.coding) << " piece " << piece << ": "
                             << r.error().message;
      EXPECT_EQ(r.value(), c.plain) << coding_name(c.coding) << " piece " << piece;
    }
  }
}

TEST(http_content_coding_test, encoders_write_what_the_formats_say) {
  const auto g = compress(content_coding::gzip, "Hello, World!").value();
  ASSERT_GE(g.size(), 18u);
  EXPECT_EQ(static_cast<std::uint8_t>(g[0]), 0x1f);  // RFC 1952 ID1 ID2 CM
  EXPECT_EQ(static_cast<std::uint8_t>(g[1]), 0x8b);
  EXPECT_EQ(static_cast<std::uint8_t>(g[2]), 8);
  // The same deflate data as gzip -n writes at level 6: the body of gzip_hello.
  EXPECT_EQ(g.substr(10), gzip_hello.substr(10));
  const auto d = compress(content_coding::deflate, "Hello, deflate!").value();
  EXPECT_EQ(d, zlib_hello);  // the zlib format, as Python's zlib.compress writes it
  EXPECT_EQ(compress(content_coding::identity, "as is").value(), "as is");
}

TEST(http_content_coding_test, empty_input_is_an_empty_body) {
  for (auto c : all_codings) {
    auto r = decode_in_pieces(c, "", 0);
    ASSERT_TRUE(r.is_ok()) << coding_name(c);
    EXPECT_EQ(r.value(), "");
  }
}

// --- round trips ---------------------------------------------------------------------------

TEST(http_content_coding_test, round_trips_at_many_sizes_and_splits) {
  const std::size_t sizes[] = {0, 1, 2, 3, 100, 1000, 16383, 16384, 16385, 65536 + 7, mib + 3};
  unsigned seed = 7;
  for (auto c : all_codings) {
    for (std::size_t n : sizes) {
      const std::string plain = sample(n, ++seed);
      for (std::size_t wpiece : {std::size_t{0}, std::size_t{4093}}) {
        const std::string packed = encode_in_pieces(c, plain, wpiece);
        for (std::size_t rpiece : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
          if (rpiece == 1 && packed.size() > 70000) continue;  // byte by byte: the small ones
          auto r = decode_in_pieces(c, packed, rpiece, {.max_output = n});
          ASSERT_TRUE(r.is_ok()) << coding_name(c) << " n=" << n << " w=" << wpiece << " r=" << rpiece
                                 << ": " << r.error().message;
          ASSERT_EQ(r.value(), plain) << coding_name(c) << " n=" << n << " r=" << rpiece;
        }
      }
    }
  }
}

TEST(http_content_coding_test, writing_one_byte_at_a_time_round_trips) {
  const std::string plain = sample(30000, 99);
  for (auto c : all_codings) {
    const std::string packed = encode_in_pieces(c, plain, 1);
    EXPECT_EQ(decode_in_pieces(c, packed, 1).value(), plain) << coding_name(c);
  }
}

TEST(http_content_coding_test, flush_makes_everything_so_far_decodable) {
  for (auto c : all_codings) {
    auto enc = content_encoder::create(c).value();
    auto dec = content_decoder::create(c).value();
    std::string wire, plain, sent;
    for (int i = 0; i < 5; ++i) {
      const std::string part = "event " + std::to_string(i) + ": " + sample(300, i) + "\n";
      sent += part;
      wire.clear();
      ASSERT_TRUE(enc.write(part, wire).is_ok());
      ASSERT_TRUE(enc.flush(wire).is_ok());
      ASSERT_TRUE(dec.write(wire, plain).is_ok()) << coding_name(c);
      EXPECT_EQ(plain, sent) << coding_name(c) << " after part " << i;
    }
    wire.clear();
    ASSERT_TRUE(enc.finish(wire).is_ok());
    ASSERT_TRUE(dec.write(wire, plain).is_ok());
    EXPECT_TRUE(dec.finish().is_ok());
    EXPECT_TRUE(dec.stream_ended());
    EXPECT_EQ(plain, sent);
    EXPECT_EQ(enc.write("late", wire).error().code, ec::invalid_argument);
    EXPECT_EQ(dec.write("late", plain).error().code, ec::invalid_argument);
  }
}

TEST(http_content_coding_test, several_codings_are_undone_in_reverse_order) {
  const std::string plain = sample(5000, 3);
  const std::string gz = compress(content_coding::gzip, plain).value();
  const std::string gz_br = compress(content_coding::br, gz).value();
  EXPECT_EQ(decode_content("gzip, br", gz_br, mib).value(), plain);
  EXPECT_EQ(decode_content("gzip,identity, br", gz_br, mib).value(), plain);
  auto wrong = decode_content("br, gzip", gz_br, mib);
  ASSERT_TRUE(wrong.is_err());
  EXPECT_EQ(wrong.error().code, ec::http_decompression_failed);
  EXPECT_EQ(decode_content("", plain, mib).value(), plain);
  EXPECT_EQ(decode_content("identity", plain, 4999).error().code, ec::http_body_too_large);
  EXPECT_EQ(decode_content("gzip, zstd", gz, mib).error().code, ec::http_not_implemented);
}

// --- limits --------------------------------------------------------------------------------

TEST(http_content_coding_test, no_limit_means_no_limit) {
  const std::string plain = sample(100000, 11);
  for (auto c : all_codings) {
    EXPECT_EQ(decompress(c, compress(c, plain).value(), SIZE_MAX).value(), plain) << coding_name(c);
  }
}

TEST(http_content_coding_test, the_limit_is_exact) {
  const std::string plain(100000, 'z');
  for (auto c : all_codings) {
    const std::string packed = compress(c, plain).value();
    EXPECT_TRUE(decompress(c, packed, plain.size()).is_ok()) << coding_name(c);
    auto over = decompress(c, packed, plain.size() - 1);
    ASSERT_TRUE(over.is_err()) << coding_name(c);
    EXPECT_EQ(over.error().code, ec::http_body_too_large);
    EXPECT_NE(over.error().message.find("99999 bytes"), std::string::npos) << over.error().message;
  }
}

// 100 MiB of zeros, compressed as a stream (never held whole).
std::string zeros_bomb(content_coding c) {
  auto enc = content_encoder::create(c, 9).value();
  const std::string zeros(mib, '\0');
  std::string out;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(enc.write(zeros, out).is_ok());
  EXPECT_TRUE(enc.finish(out).is_ok());
  return out;
}

void expect_bomb_stopped(content_coding c, const std::string& bomb, std::size_t piece) {
  constexpr std::size_t limit = mib;
  auto dec = content_decoder::create(c, {.max_output = limit}).value();
  std::string out;
  VoidResult r;
  std::size_t fed = 0;
  for (; fed < bomb.size() && r.is_ok(); fed += piece) r = dec.write(std::string_view(bomb).substr(fed, piece), out);
  ASSERT_TRUE(r.is_err()) << coding_name(c);
  EXPECT_EQ(r.error().code, ec::http_body_too_large);
  EXPECT_NE(r.error().message.find("1048576 bytes"), std::string::npos) << r.error().message;
  // Stopped at the limit: one byte past it at most was made, and `out` never grew beyond it.
  EXPECT_LE(dec.total_out(), limit + 1);
  EXPECT_LE(out.size(), limit + 1);
  EXPECT_LE(out.capacity(), limit + 1 + 16);
  // The codec's own memory: zlib's window and tables; brotli's ring buffer is the stream's
  // window (16 MiB for this one) at most.
  EXPECT_LE(dec.peak_state_bytes(), c == content_coding::br ? 17 * mib : 64 * 1024) << coding_name(c);
  EXPECT_EQ(dec.write("x", out).error().code, ec::invalid_argument);  // failed for good
}

TEST(http_content_coding_test, a_compression_bomb_stops_at_the_limit) {
  for (auto c : {content_coding::gzip, content_coding::deflate}) {
    const std::string bomb = zeros_bomb(c);
    ASSERT_LT(bomb.size(), 200 * 1024u);  // about 1000:1
    expect_bomb_stopped(c, bomb, bomb.size());
    expect_bomb_stopped(c, bomb, 4096);
    // Stopped early: 1 MiB of zeros takes about a hundredth of the 100 MiB stream.
    auto dec = content_decoder::create(c, {.max_output = mib}).value();
    std::string out;
    EXPECT_TRUE(dec.write(bomb, out).is_err());
    EXPECT_LT(dec.total_in(), bomb.size() / 20) << coding_name(c);
  }
  expect_bomb_stopped(content_coding::br, br_bomb_100m, br_bomb_100m.size());
  expect_bomb_stopped(content_coding::br, br_bomb_100m, 1);
  expect_bomb_stopped(content_coding::br, zeros_bomb(content_coding::br), 4096);
}

TEST(http_content_coding_test, the_state_limit_refuses_a_large_brotli_window) {
  // br_bomb_100m declares a 16 MiB window; with 1 MiB for the decoder's state it cannot run.
  auto r = decode_in_pieces(content_coding::br, br_bomb_100m, 0,
                            {.max_output = 200 * mib, .max_state = mib});
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::http_body_too_large);
  EXPECT_NE(r.error().message.find("state"), std::string::npos) << r.error().message;
  // Below what zlib or brotli need to start at all: the same error, at the first write.
  for (auto c : {content_coding::gzip, content_coding::deflate, content_coding::br}) {
    const std::string packed = compress(c, "tiny").value();
    auto tiny = decode_in_pieces(c, packed, 0, {.max_state = 1024});
    ASSERT_TRUE(tiny.is_err()) << coding_name(c);
    EXPECT_EQ(tiny.error().code, ec::http_body_too_large) << tiny.error().message;
    EXPECT_NE(tiny.error().message.find("1024 bytes"), std::string::npos) << tiny.error().message;
  }
  EXPECT_EQ(decode_in_pieces(content_coding::identity, "tiny", 0, {.max_state = 0}).value(), "tiny");
  // A short stream needs a ring buffer only as large as itself.
  EXPECT_EQ(decode_in_pieces(content_coding::br, br_text, 0, {.max_state = 256 * 1024}).value(),
            br_text_plain());
}

// --- bad input -----------------------------------------------------------------------------

TEST(http_content_coding_test, every_truncation_fails) {
  const std::string plain = sample(3000, 5);
  for (auto c : {content_coding::gzip, content_coding::deflate, content_coding::br}) {
    const std::string packed = compress(c, plain).value();
    for (std::size_t n = 1; n < packed.size(); ++n) {
      auto r = decode_in_pieces(c, std::string_view(packed).substr(0, n), 0);
      ASSERT_TRUE(r.is_err()) << coding_name(c) << " prefix " << n;
      EXPECT_EQ(r.error().code, ec::http_decompression_failed) << coding_name(c) << " " << n;
    }
  }
  auto r = decode_in_pieces(content_coding::gzip, gzip_hello.substr(0, gzip_hello.size() - 1), 1);
  ASSERT_TRUE(r.is_err());
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
}

TEST(http_content_coding_test, corrupt_data_fails_with_a_message) {
  struct bad_case {
    content_coding coding;
    std::string input;
    std::string_view says;
  };
  std::string bad_crc = gzip_hello;
  bad_crc[gzip_hello.size() - 6] ^= 0x01;  // CRC32 of the trailer
  std::string bad_length = gzip_hello;
  bad_length[gzip_hello.size() - 1] ^= 0x01;  // ISIZE
  std::string bad_adler = zlib_hello;
  bad_adler.back() ^= 0x01;
  std::string bad_br = br_text;
  bad_br[40] ^= 0x55;  // brotli -d says "corrupt input" too
  std::string bad_method = gzip_hello;
  bad_method[2] = 7;
  const bad_case cases[] = {
      {content_coding::gzip, "not gzip at all", "gzip"},
      {content_coding::gzip, bad_crc, "check"},
      {content_coding::gzip, bad_length, "length"},
      {content_coding::gzip, bad_method, "gzip"},
      {content_coding::gzip, gzip_hello + "trailing garbage", "gzip"},
      {content_coding::deflate, bad_adler, "check"},
      {content_coding::deflate, zlib_hello + "x", "after the end"},
      {content_coding::deflate, std::string("\xff\xff\xff\xff", 4), "deflate"},
      {content_coding::br, br_hello + "x", "after the end"},
      {content_coding::br, std::string("\xff\xff\xff\xff\xff\xff", 6), "br"},
      {content_coding::br, bad_br, "br"},
  };
  for (const auto& c : cases) {
    for (std::size_t piece : {std::size_t{0}, std::size_t{1}}) {
      auto r = decode_in_pieces(c.coding, c.input, piece);
      ASSERT_TRUE(r.is_err()) << coding_name(c.coding) << " " << c.says;
      EXPECT_EQ(r.error().code, ec::http_decompression_failed) << r.error().message;
      EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
      EXPECT_EQ(r.error().message.rfind("decompress ", 0), 0u) << r.error().message;
    }
  }
}

TEST(http_content_coding_test, random_bytes_never_pass_the_limit) {
  std::mt19937 rng(42);
  for (int round = 0; round < 300; ++round) {
    std::string junk(1 + rng() % 200, '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng());
    for (auto c : {content_coding::gzip, content_coding::deflate, content_coding::br}) {
      auto dec = content_decoder::create(c, {.max_output = 4096}).value();
      std::string out;
      auto r = dec.write(junk, out);
      if (r.is_ok()) r = dec.finish();
      EXPECT_LE(out.size(), 4097u);
      if (r.is_err()) {
        const int code = r.error().code;
        EXPECT_TRUE(code == ec::http_decompression_failed || code == ec::http_body_too_large)
            << code << " " << r.error().message;
      }
    }
  }
}

}  // namespace
}  // namespace network_system::protocol::http
