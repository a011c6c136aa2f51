#pragma once
// proxy_header: the PROXY protocol header (HAProxy's "The PROXY protocol", versions 1 and 2)
// that a load balancer puts in front of a relayed TCP connection to say who the real client is.
// I/O-free: hand it the bytes at the start of a connection; it says whether they hold a whole
// header, how many more bytes it may still need, or what is wrong with them.
//
//   std::span<const std::uint8_t> peeked = ...;   // the first bytes of the connection
//   auto r = proxy::parse_proxy_header(peeked);
//   switch (r.status) {
//     case proxy::parse_status::need_more: /* read at most r.need_at_most more bytes */ break;
//     case proxy::parse_status::error:     /* close: proxy::describe(r.error) */ break;
//     case proxy::parse_status::complete:  /* r.header.length bytes are the header; the
//                                             application's bytes start right after */ break;
//   }
//
// Version 1 is one text line, "PROXY TCP4 <src> <dst> <sport> <dport>\r\n" (TCP6 with IPv6
// addresses, or "PROXY UNKNOWN ...\r\n"), at most 107 bytes with the CRLF. Version 2 is a 16-byte
// binary prefix (12-byte signature, version/command, family/transport, 16-bit big-endian length)
// followed by that many bytes: the address block, then TLVs (type, 16-bit length, value).
//
// What the parser accepts is what the specification allows and no more: exactly one space
// between v1 fields, dotted-quad IPv4 without leading zeros, ports 0..65535 without leading
// zeros, a CRLF within 107 bytes; v2 version 2, command LOCAL or PROXY, the family and
// transport values the specification defines, an address block as long as the family needs,
// and TLVs that each fit inside the header. The address family of a v2 header that is not TCP
// over IPv4 or IPv6 (UDP, UNIX sockets, AF_UNSPEC) is reported as `unknown` with its addresses
// skipped, as is everything after the command of a LOCAL header: in both cases the receiver
// keeps the connection's real endpoints. A CRC32C TLV is skipped like any other, not verified.
//
// Thread-safety: the functions are pure; call them from any thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <asio/ip/tcp.hpp>

namespace network_system::protocol::proxy {

/// The 12 bytes every version 2 header starts with.
inline constexpr std::uint8_t v2_signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                  0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
/// A version 1 header starts with these 6 bytes.
inline constexpr std::string_view v1_signature = "PROXY ";
/// The longest version 1 line, CRLF included (the specification's bound).
inline constexpr std::size_t v1_max_length = 107;
/// The fixed part of a version 2 header (signature, version/command, family, length).
inline constexpr std::size_t v2_fixed_length = 16;
/// The default bound on a version 2 header's length field (address block + TLVs): headers up
/// to 4 KiB in all, far above what HAProxy sends (28 bytes for IPv4, 52 for IPv6, plus TLVs
/// such as ALPN or the TLS details when configured).
inline constexpr std::size_t default_max_v2_length = 4096 - v2_fixed_length;

enum class parse_status : std::uint8_t { need_more, complete, error };

/// What is wrong with a header. describe() gives the text.
enum class parse_error : std::uint8_t {
  none,
  bad_signature,         ///< the bytes start with neither "PROXY " nor the v2 signature
  v1_line_too_long,      ///< no CRLF within the first 107 bytes
  v1_bad_line,           ///< a CR not followed by LF, a LF alone, or a byte that is not printable
  v1_bad_protocol,       ///< the protocol field is not TCP4, TCP6 or UNKNOWN
  v1_bad_fields,         ///< not exactly four fields after TCP4/TCP6, or not single spaces
  v1_bad_address,        ///< an address that is not IPv4 (TCP4) or IPv6 (TCP6)
  v1_bad_port,           ///< a port that is not a decimal 0..65535 without leading zeros
  v2_bad_version,        ///< the version nibble is not 2
  v2_bad_command,        ///< the command nibble is neither LOCAL (0) nor PROXY (1)
  v2_bad_family,         ///< a family or transport value the specification does not define
  v2_length_too_large,   ///< the length field is above the caller's limit
  v2_truncated_address,  ///< the length field is shorter than the family's address block
  v2_bad_tlv,            ///< a TLV that runs past the end of the header
};

enum class proxy_version : std::uint8_t { v1 = 1, v2 = 2 };
/// LOCAL: the proxy opened the connection itself (a health check); keep the real endpoints.
/// PROXY: the connection is relayed for the client the header names.
enum class proxy_command : std::uint8_t { local, proxy };
/// tcp4/tcp6: source and destination are set. unknown: v1 "UNKNOWN", or a v2 header for
/// another family or transport (or LOCAL); the connection's real endpoints apply.
enum class proxy_family : std::uint8_t { unknown, tcp4, tcp6 };

struct proxy_header {
  proxy_version version = proxy_version::v1;
  proxy_command command = proxy_command::proxy;
  proxy_family family = proxy_family::unknown;
  /// The client as the proxy saw it, and the address it connected to (tcp4/tcp6 only).
  asio::ip::tcp::endpoint source;
  asio::ip::tcp::endpoint destination;
  /// Bytes the header takes at the start of the stream; the application's data follows.
  std::size_t length = 0;
  /// v2: where the TLVs lie inside the header (offset from its first byte, and their size);
  /// walk them with next_tlv(). 0/0 for v1 and for a v2 header without TLVs.
  std::size_t tlv_offset = 0;
  std::size_t tlv_length = 0;
};

struct parse_result {
  parse_status status = parse_status::need_more;
  /// need_more: an upper bound on the bytes still missing (the header may end sooner: a v1
  /// line ends at its CRLF). Never 0 with need_more.
  std::size_t need_at_most = 0;
  proxy_header header{};  ///< complete only
  parse_error error = parse_error::none;  ///< error only
};

struct parse_limits {
  /// The largest v2 length field accepted (address block + TLVs); above it: v2_length_too_large.
  std::size_t max_v2_length = default_max_v2_length;
};

/// Parses the header at the start of `input`. Bytes after the header are not looked at.
/// Returns complete with the header, need_more while `input` is a prefix of a header that may
/// still be valid (or of a signature), or error with what is wrong (see parse_error).
parse_result parse_proxy_header(std::span<const std::uint8_t> input, parse_limits limits = {});

/// True if `input` is long enough to tell and starts with either signature, false if it cannot
/// be a header, nullopt while it is a strict prefix of a signature.
std::optional<bool> starts_with_signature(std::span<const std::uint8_t> input) noexcept;

/// One v2 TLV: its type (PP2_TYPE_ALPN = 0x01, PP2_TYPE_AUTHORITY = 0x02, ...) and its value,
/// a view into the bytes given to next_tlv().
struct tlv {
  std::uint8_t type = 0;
  std::span<const std::uint8_t> value;
};

/// Takes the next TLV off the front of `tlvs` (a header's TLV region: input.subspan(
/// header.tlv_offset, header.tlv_length)); nullopt when `tlvs` is empty or what is left is not
/// a whole TLV (parse_proxy_header has checked the region of a complete header).
std::optional<tlv> next_tlv(std::span<const std::uint8_t>& tlvs) noexcept;

/// "no PROXY protocol signature", "version 1 line longer than 107 bytes", ...
std::string_view describe(parse_error e) noexcept;

}  // namespace network_system::protocol::proxy
