#include "network_system/protocol/proxy/proxy_header.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

// Vectors built from HAProxy's "The PROXY protocol" (versions 1 and 2): the examples and the
// bounds of section 2.1 (the 107-byte worst case), the v2 byte layout of section 2.2 and the
// TLV format of section 2.2.1.

namespace network_system::protocol::proxy {
namespace {

using bytes = std::vector<std::uint8_t>;

bytes b(std::string_view text) { return bytes(text.begin(), text.end()); }

parse_result parse(const bytes& in, parse_limits limits = {}) {
  return parse_proxy_header(std::span<const std::uint8_t>(in), limits);
}

// A v2 header: signature, ver_cmd, fam, the length of `rest`, then `rest`.
bytes v2(std::uint8_t ver_cmd, std::uint8_t fam, const bytes& rest) {
  bytes out(std::begin(v2_signature), std::end(v2_signature));
  out.push_back(ver_cmd);
  out.push_back(fam);
  out.push_back(static_cast<std::uint8_t>(rest.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(rest.size() & 0xFF));
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

void append_be16(bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

// 192.0.2.10:56324 -> 198.51.100.1:443
bytes ipv4_block() {
  bytes a = {192, 0, 2, 10, 198, 51, 100, 1};
  append_be16(a, 56324);
  append_be16(a, 443);
  return a;
}

// [2001:db8::1]:40000 -> [2001:db8::2]:8443
bytes ipv6_block() {
  bytes a;
  for (std::uint8_t last : {1, 2}) {
    bytes ip(16, 0);
    ip[0] = 0x20;
    ip[1] = 0x01;
    ip[2] = 0x0d;
    ip[3] = 0xb8;
    ip[15] = last;
    a.insert(a.end(), ip.begin(), ip.end());
  }
  append_be16(a, 40000);
  append_be16(a, 8443);
  return a;
}

bytes tlv_bytes(std::uint8_t type, std::string_view value) {
  bytes t = {type};
  append_be16(t, static_cast<std::uint16_t>(value.size()));
  t.insert(t.end(), value.begin(), value.end());
  return t;
}

bytes cat(bytes a, const bytes& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

parse_error error_of(const bytes& in, parse_limits limits = {}) {
  const auto r = parse(in, limits);
  EXPECT_EQ(r.status, parse_status::error) << describe(r.error);
  return r.error;
}

// Every strict prefix of `header` asks for more, with a bound that covers what is missing;
// the whole of it is complete.
void expect_split_everywhere(const bytes& header) {
  for (std::size_t k = 0; k < header.size(); ++k) {
    const bytes prefix(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(k));
    const auto r = parse(prefix);
    ASSERT_EQ(r.status, parse_status::need_more) << "prefix of " << k << " bytes";
    EXPECT_GE(r.need_at_most, header.size() - k) << "prefix of " << k << " bytes";
  }
  const auto r = parse(header);
  ASSERT_EQ(r.status, parse_status::complete) << describe(r.error);
  EXPECT_EQ(r.header.length, header.size());
}

// --- version 1 ---------------------------------------------------------------------------------

TEST(proxy_header_test, v1_tcp4_gives_both_endpoints_and_the_line_length) {
  const std::string line = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
  const auto r = parse(b(line + "GET / HTTP/1.1\r\n"));
  ASSERT_EQ(r.status, parse_status::complete) << describe(r.error);
  EXPECT_EQ(r.header.version, proxy_version::v1);
  EXPECT_EQ(r.header.command, proxy_command::proxy);
  EXPECT_EQ(r.header.family, proxy_family::tcp4);
  EXPECT_EQ(r.header.source.address().to_string(), "192.168.0.1");
  EXPECT_EQ(r.header.source.port(), 56324);
  EXPECT_EQ(r.header.destination.address().to_string(), "192.168.0.11");
  EXPECT_EQ(r.header.destination.port(), 443);
  EXPECT_EQ(r.header.length, line.size());
  EXPECT_EQ(r.header.tlv_length, 0u);
}

TEST(proxy_header_test, v1_tcp6_takes_compressed_and_full_ipv6_text) {
  const auto r = parse(b("PROXY TCP6 2001:db8::1 ::ffff:192.0.2.1 0 65535\r\n"));
  ASSERT_EQ(r.status, parse_status::complete) << describe(r.error);
  EXPECT_EQ(r.header.family, proxy_family::tcp6);
  EXPECT_EQ(r.header.source.address().to_string(), "2001:db8::1");
  EXPECT_EQ(r.header.source.port(), 0);
  EXPECT_TRUE(r.header.destination.address().is_v6());
  EXPECT_EQ(r.header.destination.port(), 65535);

  const std::string longest_tcp6 =
      "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
  EXPECT_EQ(longest_tcp6.size(), 104u);  // the specification's largest TCP6 line
  const auto full = parse(b(longest_tcp6));
  ASSERT_EQ(full.status, parse_status::complete) << describe(full.error);
  EXPECT_EQ(full.header.length, 104u);
}

TEST(proxy_header_test, v1_unknown_ignores_the_rest_of_the_line) {
  const auto bare = parse(b("PROXY UNKNOWN\r\nhello"));
  ASSERT_EQ(bare.status, parse_status::complete) << describe(bare.error);
  EXPECT_EQ(bare.header.family, proxy_family::unknown);
  EXPECT_EQ(bare.header.length, 15u);

  // The worst case of section 2.1: exactly 107 bytes.
  const std::string worst =
      "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
  ASSERT_EQ(worst.size(), v1_max_length);
  const auto r = parse(b(worst));
  ASSERT_EQ(r.status, parse_status::complete) << describe(r.error);
  EXPECT_EQ(r.header.family, proxy_family::unknown);
  EXPECT_EQ(r.header.length, 107u);

  EXPECT_EQ(parse(b("PROXY UNKNOWN anything at all\r\n")).status, parse_status::complete);
}

TEST(proxy_header_test, v1_split_at_every_byte_needs_more_until_the_crlf) {
  expect_split_everywhere(b("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"));
  expect_split_everywhere(b("PROXY TCP6 2001:db8::1 2001:db8::2 40000 8443\r\n"));
  expect_split_everywhere(b("PROXY UNKNOWN\r\n"));
}

TEST(proxy_header_test, v1_without_crlf_in_107_bytes_is_too_long) {
  std::string line = "PROXY UNKNOWN ";
  line.resize(v1_max_length - 1, 'x');
  const auto almost = parse(b(line));
  ASSERT_EQ(almost.status, parse_status::need_more);
  EXPECT_EQ(almost.need_at_most, 1u);
  EXPECT_EQ(error_of(b(line + "x")), parse_error::v1_line_too_long);
  // A CR as the 107th byte would put the LF at the 108th.
  EXPECT_EQ(error_of(b(line + "\r\n")), parse_error::v1_line_too_long);
  std::string fits = "PROXY UNKNOWN ";
  fits.resize(v1_max_length - 2, 'x');
  EXPECT_EQ(parse(b(fits + "\r\n")).status, parse_status::complete);
}

TEST(proxy_header_test, v1_signature_must_match_exactly) {
  EXPECT_EQ(error_of(b("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n")), parse_error::bad_signature);
  EXPECT_EQ(error_of(b("PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n")), parse_error::bad_signature);
  EXPECT_EQ(error_of(b("PRX")), parse_error::bad_signature);
  EXPECT_EQ(error_of(b("GET / HTTP/1.1\r\n")), parse_error::bad_signature);
  EXPECT_EQ(error_of(bytes{0x00, 0x00, 0x00, 0x05}), parse_error::bad_signature);
}

TEST(proxy_header_test, v1_cr_and_lf_out_of_place_are_refused) {
  EXPECT_EQ(error_of(b("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")), parse_error::v1_bad_line);
  EXPECT_EQ(error_of(b("PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n")), parse_error::v1_bad_line);
  EXPECT_EQ(error_of(b("PROXY UNKNOWN\r\r\n")), parse_error::v1_bad_line);
  EXPECT_EQ(error_of(b("\n")), parse_error::bad_signature);
}

TEST(proxy_header_test, v1_unknown_protocols_are_refused) {
  EXPECT_EQ(error_of(b("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n")), parse_error::v1_bad_protocol);
  EXPECT_EQ(error_of(b("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n")), parse_error::v1_bad_protocol);
  EXPECT_EQ(error_of(b("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n")), parse_error::v1_bad_protocol);
  EXPECT_EQ(error_of(b("PROXY UNKNOWNX\r\n")), parse_error::v1_bad_protocol);
  EXPECT_EQ(error_of(b("PROXY \r\n")), parse_error::v1_bad_protocol);
}

TEST(proxy_header_test, v1_fields_must_be_four_single_spaced) {
  for (const char* line : {
           "PROXY TCP4\r\n",
           "PROXY TCP4 \r\n",
           "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
           "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",
           "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",
           "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
       }) {
    const auto e = parse(b(line)).error;
    EXPECT_TRUE(e == parse_error::v1_bad_fields || e == parse_error::v1_bad_protocol)
        << line << ": " << describe(e);
    EXPECT_EQ(parse(b(line)).status, parse_status::error) << line;
  }
}

TEST(proxy_header_test, v1_addresses_must_be_of_the_protocols_family) {
  for (const char* line : {
           "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
           "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",
           "PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",
           "PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n",
           "PROXY TCP4 1.2.3. 5.6.7.8 1 2\r\n",
           "PROXY TCP4 1..3.4 5.6.7.8 1 2\r\n",
           "PROXY TCP4 +1.2.3.4 5.6.7.8 1 2\r\n",
           "PROXY TCP4 ::1 5.6.7.8 1 2\r\n",
           "PROXY TCP4 1.2.3.4 localhost 1 2\r\n",
           "PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
           "PROXY TCP6 ::1 ::1%eth0 1 2\r\n",
           "PROXY TCP6 2001:db8:::1 ::1 1 2\r\n",
           "PROXY TCP6 12345::1 ::1 1 2\r\n",
       }) {
    EXPECT_EQ(error_of(b(line)), parse_error::v1_bad_address) << line;
  }
}

TEST(proxy_header_test, v1_ports_must_be_decimal_0_to_65535_without_leading_zeros) {
  for (const char* line : {
           "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n",
           "PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n",
           "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
           "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",
           "PROXY TCP4 1.2.3.4 5.6.7.8 1a 2\r\n",
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 0x10\r\n",
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 123456\r\n",
       }) {
    EXPECT_EQ(error_of(b(line)), parse_error::v1_bad_port) << line;
  }
}

// --- version 2 ---------------------------------------------------------------------------------

TEST(proxy_header_test, v2_proxy_ipv4_gives_both_endpoints) {
  const bytes header = v2(0x21, 0x11, ipv4_block());
  ASSERT_EQ(header.size(), 28u);
  const auto r = parse(cat(header, b("after")));
  ASSERT_EQ(r.status, parse_status::complete) << describe(r.error);
  EXPECT_EQ(r.header.version, proxy_version::v2);
  EXPECT_EQ(r.header.command, proxy_command::proxy);
  EXPECT_EQ(r.header.family, proxy_family::tcp4);
  EXPECT_EQ(r.header.source.address().to_string(), "192.0.2.10");
  EXPECT_EQ(r.header.source.port(), 56324);
  EXPECT_EQ(r.header.destination.address().to_string(), "198.51.100.1");
  EXPECT_EQ(r.header.destination.port(), 443);
  EXPECT_EQ(r.header.length, 28u);
  EXPECT_EQ(r.header.tlv_length, 0u);
}

TEST(proxy_header_test, v2_proxy_ipv6_gives_both_endpoints) {
  const bytes header = v2(0x21, 0x21, ipv6_block());
  ASSERT_EQ(header.size(), 52u);
  const auto r = parse(header);
  ASSERT_EQ(r.status, parse_status::complete) << describe(r.error);
  EXPECT_EQ(r.header.family, proxy_family::tcp6);
  EXPECT_EQ(r.header.source.address().to_string(), "2001:db8::1");
  EXPECT_EQ(r.header.source.port(), 40000);
  EXPECT_EQ(r.header.destination.address().to_string(), "2001:db8::2");
  EXPECT_EQ(r.header.destination.port(), 8443);
}

TEST(proxy_header_test, v2_local_keeps_the_real_endpoints_and_discards_the_block) {
  const auto health_check = parse(v2(0x20, 0x00, {}));
  ASSERT_EQ(health_check.status, parse_status::complete) << describe(health_check.error);
  EXPECT_EQ(health_check.header.command, proxy_command::local);
  EXPECT_EQ(health_check.header.family, proxy_family::unknown);
  EXPECT_EQ(health_check.header.length, 16u);

  // Even an address block, or a family byte no PROXY header may carry: discarded unread.
  const auto with_block = parse(v2(0x20, 0x11, ipv4_block()));
  ASSERT_EQ(with_block.status, parse_status::complete) << describe(with_block.error);
  EXPECT_EQ(with_block.header.family, proxy_family::unknown);
  EXPECT_EQ(with_block.header.length, 28u);
  const auto odd_family = parse(v2(0x20, 0xFF, {1, 2, 3}));
  ASSERT_EQ(odd_family.status, parse_status::complete) << describe(odd_family.error);
  EXPECT_EQ(odd_family.header.length, 19u);
}

TEST(proxy_header_test, v2_tlvs_are_skipped_and_can_be_walked) {
  const bytes tlvs =
      cat(cat(tlv_bytes(0x01, "h2"), tlv_bytes(0x02, "example.com")), tlv_bytes(0x04, ""));
  const bytes header = v2(0x21, 0x11, cat(ipv4_block(), tlvs));
  const auto r = parse(cat(header, b("app")));
  ASSERT_EQ(r.status, parse_status::complete) << describe(r.error);
  EXPECT_EQ(r.header.family, proxy_family::tcp4);
  EXPECT_EQ(r.header.length, header.size());
  EXPECT_EQ(r.header.tlv_offset, 28u);
  EXPECT_EQ(r.header.tlv_length, tlvs.size());

  auto region = std::span<const std::uint8_t>(header).subspan(r.header.tlv_offset,
                                                              r.header.tlv_length);
  std::vector<std::pair<int, std::string>> seen;
  while (auto t = next_tlv(region)) {
    seen.emplace_back(t->type, std::string(t->value.begin(), t->value.end()));
  }
  EXPECT_TRUE(region.empty());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], (std::pair<int, std::string>{0x01, "h2"}));
  EXPECT_EQ(seen[1], (std::pair<int, std::string>{0x02, "example.com"}));
  EXPECT_EQ(seen[2], (std::pair<int, std::string>{0x04, ""}));
}

TEST(proxy_header_test, v2_split_at_every_byte_needs_more_until_the_last) {
  expect_split_everywhere(v2(0x21, 0x11, ipv4_block()));
  expect_split_everywhere(v2(0x21, 0x21, ipv6_block()));
  expect_split_everywhere(v2(0x20, 0x00, {}));
  expect_split_everywhere(v2(0x21, 0x11, cat(ipv4_block(), tlv_bytes(0x01, "http/1.1"))));
}

TEST(proxy_header_test, v2_after_the_fixed_part_needs_exactly_the_rest) {
  const bytes header = v2(0x21, 0x21, ipv6_block());
  const bytes fixed(header.begin(), header.begin() + 16);
  const auto r = parse(fixed);
  ASSERT_EQ(r.status, parse_status::need_more);
  EXPECT_EQ(r.need_at_most, 36u);
  EXPECT_EQ(parse({}).need_at_most, v2_fixed_length + default_max_v2_length);
}

TEST(proxy_header_test, v2_other_families_are_unknown_with_their_block_skipped) {
  bytes udp4 = ipv4_block();
  const auto u = parse(v2(0x21, 0x12, udp4));
  ASSERT_EQ(u.status, parse_status::complete) << describe(u.error);
  EXPECT_EQ(u.header.family, proxy_family::unknown);
  EXPECT_EQ(u.header.command, proxy_command::proxy);

  const auto unix_stream = parse(v2(0x21, 0x31, bytes(216, 'a')));
  ASSERT_EQ(unix_stream.status, parse_status::complete) << describe(unix_stream.error);
  EXPECT_EQ(unix_stream.header.family, proxy_family::unknown);
  EXPECT_EQ(unix_stream.header.length, 232u);

  const auto unspec = parse(v2(0x21, 0x00, bytes{9, 9, 9}));
  ASSERT_EQ(unspec.status, parse_status::complete) << describe(unspec.error);
  EXPECT_EQ(unspec.header.family, proxy_family::unknown);
  EXPECT_EQ(unspec.header.length, 19u);
}

TEST(proxy_header_test, v2_signature_mismatch_at_any_byte_is_refused) {
  for (std::size_t i = 1; i < sizeof v2_signature; ++i) {
    bytes header = v2(0x21, 0x11, ipv4_block());
    header[i] ^= 0x40;
    EXPECT_EQ(error_of(header), parse_error::bad_signature) << "byte " << i;
    // As soon as the wrong byte is there, not only once the header is whole.
    EXPECT_EQ(error_of(bytes(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(i) + 1)),
              parse_error::bad_signature)
        << "byte " << i;
  }
}

TEST(proxy_header_test, v2_version_and_command_are_checked_from_their_byte) {
  EXPECT_EQ(error_of(v2(0x11, 0x11, ipv4_block())), parse_error::v2_bad_version);
  EXPECT_EQ(error_of(v2(0x31, 0x11, ipv4_block())), parse_error::v2_bad_version);
  EXPECT_EQ(error_of(v2(0x01, 0x11, ipv4_block())), parse_error::v2_bad_version);
  EXPECT_EQ(error_of(v2(0x22, 0x11, ipv4_block())), parse_error::v2_bad_command);
  EXPECT_EQ(error_of(v2(0x2F, 0x11, ipv4_block())), parse_error::v2_bad_command);
  const bytes early = v2(0x22, 0x11, ipv4_block());
  EXPECT_EQ(error_of(bytes(early.begin(), early.begin() + 13)), parse_error::v2_bad_command);
}

TEST(proxy_header_test, v2_undefined_family_or_transport_is_refused) {
  for (std::uint8_t fam : {0x01, 0x02, 0x10, 0x13, 0x20, 0x23, 0x30, 0x41, 0xFF}) {
    EXPECT_EQ(error_of(v2(0x21, fam, ipv6_block())), parse_error::v2_bad_family)
        << "family byte " << int{fam};
  }
}

TEST(proxy_header_test, v2_length_above_the_limit_is_refused_before_it_arrives) {
  bytes header = v2(0x21, 0x11, ipv4_block());
  header[14] = 0xFF;
  header[15] = 0xFF;
  EXPECT_EQ(error_of(bytes(header.begin(), header.begin() + 16)), parse_error::v2_length_too_large);

  const bytes big = v2(0x21, 0x11, cat(ipv4_block(), tlv_bytes(0x02, std::string(100, 'h'))));
  EXPECT_EQ(error_of(big, parse_limits{.max_v2_length = 64}), parse_error::v2_length_too_large);
  EXPECT_EQ(parse(big, parse_limits{.max_v2_length = 115}).status, parse_status::complete);
}

TEST(proxy_header_test, v2_length_below_the_address_block_is_truncated) {
  bytes block = ipv4_block();
  block.pop_back();
  EXPECT_EQ(error_of(v2(0x21, 0x11, block)), parse_error::v2_truncated_address);
  EXPECT_EQ(error_of(v2(0x21, 0x21, ipv4_block())), parse_error::v2_truncated_address);
  EXPECT_EQ(error_of(v2(0x21, 0x31, bytes(215, 0))), parse_error::v2_truncated_address);
}

TEST(proxy_header_test, v2_tlv_past_the_end_of_the_header_is_refused) {
  bytes overrun = tlv_bytes(0x01, "h2");
  overrun[2] = 10;  // claims 10 bytes, 2 follow
  EXPECT_EQ(error_of(v2(0x21, 0x11, cat(ipv4_block(), overrun))), parse_error::v2_bad_tlv);
  EXPECT_EQ(error_of(v2(0x21, 0x11, cat(ipv4_block(), bytes{0x01, 0x00}))),
            parse_error::v2_bad_tlv);
  EXPECT_EQ(error_of(v2(0x21, 0x21, cat(ipv6_block(), bytes{0x05}))), parse_error::v2_bad_tlv);
}

TEST(proxy_header_test, starts_with_signature_tells_once_it_can) {
  EXPECT_FALSE(starts_with_signature({}).has_value());
  EXPECT_FALSE(starts_with_signature(b("PROX")).has_value());
  EXPECT_EQ(starts_with_signature(b("PROXY ")), std::optional<bool>(true));
  EXPECT_EQ(starts_with_signature(b("PROXY")), std::nullopt);
  EXPECT_EQ(starts_with_signature(b("PROXI")), std::optional<bool>(false));
  EXPECT_EQ(starts_with_signature(bytes{0x00, 0x00, 0x00, 0x04}), std::optional<bool>(false));
  const bytes sig(std::begin(v2_signature), std::end(v2_signature));
  EXPECT_EQ(starts_with_signature(bytes(sig.begin(), sig.begin() + 11)), std::nullopt);
  EXPECT_EQ(starts_with_signature(sig), std::optional<bool>(true));
}

TEST(proxy_header_test, next_tlv_refuses_a_partial_tlv) {
  bytes partial = {0x01, 0x00, 0x05, 'a', 'b'};
  std::span<const std::uint8_t> region(partial);
  EXPECT_FALSE(next_tlv(region).has_value());
  EXPECT_EQ(region.size(), partial.size());
}

TEST(proxy_header_test, every_error_has_a_description) {
  for (int e = 0; e <= static_cast<int>(parse_error::v2_bad_tlv); ++e) {
    EXPECT_NE(describe(static_cast<parse_error>(e)), "unknown error") << e;
  }
}

}  // namespace
}  // namespace network_system::protocol::proxy
