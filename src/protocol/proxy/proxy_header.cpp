#include "network_system/protocol/proxy/proxy_header.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace network_system::protocol::proxy {

namespace {

using bytes = std::span<const std::uint8_t>;

parse_result need(std::size_t at_most) {
  parse_result r;
  r.status = parse_status::need_more;
  r.need_at_most = at_most;
  return r;
}

parse_result fail(parse_error e) {
  parse_result r;
  r.status = parse_status::error;
  r.error = e;
  return r;
}

// --- version 1 -------------------------------------------------------------------------------

// Decimal 0..max without sign or leading zeros ("0" itself is fine): the forms the
// specification writes; anything looser would let two texts mean one address.
std::optional<unsigned> decimal(std::string_view s, unsigned max, std::size_t max_digits) {
  if (s.empty() || s.size() > max_digits || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

std::optional<asio::ip::address> v1_ipv4(std::string_view s) {
  asio::ip::address_v4::bytes_type b{};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto dot = s.find('.');
    const bool last = i == 3;
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    const auto octet = decimal(s.substr(0, dot), 255, 3);
    if (!octet) return std::nullopt;
    b[i] = static_cast<std::uint8_t>(*octet);
    if (!last) s.remove_prefix(dot + 1);
  }
  return asio::ip::address_v4(b);
}

std::optional<asio::ip::address> v1_ipv6(std::string_view s) {
  // inet_pton takes exactly RFC 4291 text (hex groups, one "::", an IPv4 tail) and no scope
  // id, which a header must not carry. 45 characters is the longest such text.
  if (s.empty() || s.size() > 45) return std::nullopt;
  std::array<char, 46> text{};
  std::memcpy(text.data(), s.data(), s.size());
  asio::ip::address_v6::bytes_type b{};
  if (::inet_pton(AF_INET6, text.data(), b.data()) != 1) return std::nullopt;
  return asio::ip::address_v6(b);
}

parse_result parse_v1(bytes input) {
  const std::size_t n = input.size();
  const std::size_t sig = std::min(n, v1_signature.size());
  if (std::memcmp(input.data(), v1_signature.data(), sig) != 0) {
    return fail(parse_error::bad_signature);
  }
  // The line ends at the first LF, which must follow a CR; no CR may stand alone.
  std::size_t line_end = 0;  // bytes up to and with the CRLF
  const std::size_t scan = std::min(n, v1_max_length);
  for (std::size_t i = 0; i < scan; ++i) {
    const auto c = input[i];
    if (c == '\n') {
      if (i == 0 || input[i - 1] != '\r') return fail(parse_error::v1_bad_line);
      line_end = i + 1;
      break;
    }
    if (i > 0 && input[i - 1] == '\r') return fail(parse_error::v1_bad_line);
  }
  if (line_end == 0) {
    if (n >= v1_max_length) return fail(parse_error::v1_line_too_long);
    return need(v1_max_length - n);
  }

  std::string_view line(reinterpret_cast<const char*>(input.data()), line_end - 2);
  line.remove_prefix(v1_signature.size());
  parse_result r;
  r.status = parse_status::complete;
  r.header.version = proxy_version::v1;
  r.header.command = proxy_command::proxy;
  r.header.length = line_end;

  const auto space = line.find(' ');
  const std::string_view protocol = line.substr(0, space);
  if (protocol == "UNKNOWN") {
    // Whatever follows UNKNOWN is to be ignored; the real endpoints apply.
    r.header.family = proxy_family::unknown;
    return r;
  }
  const bool v4 = protocol == "TCP4";
  if (!v4 && protocol != "TCP6") return fail(parse_error::v1_bad_protocol);
  if (space == std::string_view::npos) return fail(parse_error::v1_bad_fields);
  line.remove_prefix(space + 1);

  std::array<std::string_view, 4> field;
  for (std::size_t i = 0; i < field.size(); ++i) {
    const auto sp = line.find(' ');
    const bool last = i == field.size() - 1;
    if (last != (sp == std::string_view::npos)) return fail(parse_error::v1_bad_fields);
    field[i] = line.substr(0, sp);
    if (field[i].empty()) return fail(parse_error::v1_bad_fields);
    if (!last) line.remove_prefix(sp + 1);
  }
  const auto src = v4 ? v1_ipv4(field[0]) : v1_ipv6(field[0]);
  const auto dst = v4 ? v1_ipv4(field[1]) : v1_ipv6(field[1]);
  if (!src || !dst) return fail(parse_error::v1_bad_address);
  const auto sport = decimal(field[2], 65535, 5);
  const auto dport = decimal(field[3], 65535, 5);
  if (!sport || !dport) return fail(parse_error::v1_bad_port);
  r.header.family = v4 ? proxy_family::tcp4 : proxy_family::tcp6;
  r.header.source = {*src, static_cast<std::uint16_t>(*sport)};
  r.header.destination = {*dst, static_cast<std::uint16_t>(*dport)};
  return r;
}

// --- version 2 -------------------------------------------------------------------------------

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

// The address block each defined family/transport byte needs; nullopt for undefined values.
std::optional<std::size_t> v2_address_length(std::uint8_t family) {
  switch (family) {
    case 0x00: return 0;    // AF_UNSPEC, UNSPEC
    case 0x11:              // TCP over IPv4
    case 0x12: return 12;   // UDP over IPv4
    case 0x21:              // TCP over IPv6
    case 0x22: return 36;   // UDP over IPv6
    case 0x31:              // UNIX stream
    case 0x32: return 216;  // UNIX datagram
    default: return std::nullopt;
  }
}

parse_result parse_v2(bytes input, const parse_limits& limits) {
  const std::size_t n = input.size();
  const std::size_t sig = std::min(n, sizeof v2_signature);
  if (std::memcmp(input.data(), v2_signature, sig) != 0) return fail(parse_error::bad_signature);
  // Reject as early as the bytes allow: a bad version or command needs no more input.
  if (n > 12) {
    if ((input[12] >> 4) != 2) return fail(parse_error::v2_bad_version);
    if ((input[12] & 0x0F) > 1) return fail(parse_error::v2_bad_command);
  }
  const bool local = n > 12 && (input[12] & 0x0F) == 0;
  // LOCAL discards the protocol block, family included (the specification says so).
  if (n > 13 && !local && !v2_address_length(input[13])) return fail(parse_error::v2_bad_family);
  if (n < v2_fixed_length) return need(v2_fixed_length + limits.max_v2_length - n);

  const std::size_t len = be16(input.data() + 14);
  if (len > limits.max_v2_length) return fail(parse_error::v2_length_too_large);
  const std::size_t address_length = local ? 0 : *v2_address_length(input[13]);
  if (len < address_length) return fail(parse_error::v2_truncated_address);
  const std::size_t total = v2_fixed_length + len;
  if (n < total) return need(total - n);

  parse_result r;
  r.status = parse_status::complete;
  r.header.version = proxy_version::v2;
  r.header.command = local ? proxy_command::local : proxy_command::proxy;
  r.header.length = total;
  if (local || input[13] == 0x00) return r;  // real endpoints; nothing else to read

  const std::uint8_t* a = input.data() + v2_fixed_length;
  if (input[13] == 0x11) {
    asio::ip::address_v4::bytes_type s{}, d{};
    std::memcpy(s.data(), a, 4);
    std::memcpy(d.data(), a + 4, 4);
    r.header.family = proxy_family::tcp4;
    r.header.source = {asio::ip::address_v4(s), be16(a + 8)};
    r.header.destination = {asio::ip::address_v4(d), be16(a + 10)};
  } else if (input[13] == 0x21) {
    asio::ip::address_v6::bytes_type s{}, d{};
    std::memcpy(s.data(), a, 16);
    std::memcpy(d.data(), a + 16, 16);
    r.header.family = proxy_family::tcp6;
    r.header.source = {asio::ip::address_v6(s), be16(a + 32)};
    r.header.destination = {asio::ip::address_v6(d), be16(a + 34)};
  }
  r.header.tlv_offset = v2_fixed_length + address_length;
  r.header.tlv_length = len - address_length;
  if (r.header.tlv_length == 0) r.header.tlv_offset = 0;
  auto tlvs = input.subspan(r.header.tlv_offset, r.header.tlv_length);
  while (!tlvs.empty()) {
    if (!next_tlv(tlvs)) return fail(parse_error::v2_bad_tlv);
  }
  return r;
}

}  // namespace

parse_result parse_proxy_header(std::span<const std::uint8_t> input, parse_limits limits) {
  if (input.empty()) {
    return need(std::max(v1_max_length, v2_fixed_length + limits.max_v2_length));
  }
  if (input[0] == static_cast<std::uint8_t>(v1_signature[0])) return parse_v1(input);
  if (input[0] == v2_signature[0]) return parse_v2(input, limits);
  return fail(parse_error::bad_signature);
}

std::optional<bool> starts_with_signature(std::span<const std::uint8_t> input) noexcept {
  const auto matches = [&](const std::uint8_t* sig, std::size_t size) -> std::optional<bool> {
    const std::size_t k = std::min(input.size(), size);
    if (std::memcmp(input.data(), sig, k) != 0) return false;
    if (k < size) return std::nullopt;
    return true;
  };
  if (input.empty()) return std::nullopt;
  if (input[0] == static_cast<std::uint8_t>(v1_signature[0])) {
    return matches(reinterpret_cast<const std::uint8_t*>(v1_signature.data()),
                   v1_signature.size());
  }
  return matches(v2_signature, sizeof v2_signature);
}

std::optional<tlv> next_tlv(std::span<const std::uint8_t>& tlvs) noexcept {
  if (tlvs.size() < 3) return std::nullopt;
  const std::size_t len = be16(tlvs.data() + 1);
  if (tlvs.size() < 3 + len) return std::nullopt;
  tlv t{tlvs[0], tlvs.subspan(3, len)};
  tlvs = tlvs.subspan(3 + len);
  return t;
}

std::string_view describe(parse_error e) noexcept {
  switch (e) {
    case parse_error::none: return "no error";
    case parse_error::bad_signature: return "no PROXY protocol signature";
    case parse_error::v1_line_too_long: return "version 1 header without CRLF in 107 bytes";
    case parse_error::v1_bad_line: return "version 1 header with a CR or LF out of place";
    case parse_error::v1_bad_protocol:
      return "version 1 protocol is not TCP4, TCP6 or UNKNOWN";
    case parse_error::v1_bad_fields:
      return "version 1 header without exactly 4 single-space-separated fields after the "
             "protocol";
    case parse_error::v1_bad_address: return "version 1 address not of its protocol's family";
    case parse_error::v1_bad_port: return "version 1 port not a decimal 0..65535";
    case parse_error::v2_bad_version: return "version 2 signature with a version other than 2";
    case parse_error::v2_bad_command: return "version 2 command neither LOCAL nor PROXY";
    case parse_error::v2_bad_family: return "version 2 address family or transport undefined";
    case parse_error::v2_length_too_large: return "version 2 header longer than the limit";
    case parse_error::v2_truncated_address:
      return "version 2 length shorter than its family's address block";
    case parse_error::v2_bad_tlv: return "version 2 TLV running past the header's end";
  }
  return "unknown error";
}

}  // namespace network_system::protocol::proxy
