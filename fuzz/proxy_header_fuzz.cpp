// libFuzzer target for protocol::proxy::parse_proxy_header (PROXY protocol v1 and v2).
//
// Input: byte 0 picks the v2 length limit (the default, or a small one so that
// v2_length_too_large is reached often); the rest is the start of a connection.
//
// Invariants checked (abort on violation):
//   - need_more always asks for at least one byte and never for more than the longest header
//     the limit allows; complete never claims more bytes than it was given, at most 107 for v1
//     and 16 + limit for v2;
//   - starts_with_signature() agrees with the parser: false exactly when it reports
//     bad_signature, undecided only while it needs more;
//   - prefixes: every prefix shorter than a complete header needs more, with a bound that
//     covers the rest of the header; a prefix that holds the header gives the same header;
//     an error on a prefix stays an error on the whole input (more bytes never repair one);
//   - a complete header is consistent: tcp4 carries IPv4 endpoints, tcp6 IPv6 ones, the TLV
//     region lies inside the header and next_tlv() walks it exactly; the v2 address block and a
//     v1 TCP4 line are exactly what the endpoints encode to.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "network_system/protocol/proxy/proxy_header.h"
#include "fuzz_require.h"

namespace {

namespace proxy = network_system::protocol::proxy;
using byte_span = std::span<const std::uint8_t>;

using fuzz_support::require;

bool same_header(const proxy::proxy_header& a, const proxy::proxy_header& b) {
  return a.version == b.version && a.command == b.command && a.family == b.family &&
         a.source == b.source && a.destination == b.destination && a.length == b.length &&
         a.tlv_offset == b.tlv_offset && a.tlv_length == b.tlv_length;
}

void check_complete(byte_span input, const proxy::proxy_header& h, std::size_t limit) {
  require(h.length > 0 && h.length <= input.size(), "header longer than its input");
  if (h.version == proxy::proxy_version::v1) {
    require(h.length <= proxy::v1_max_length, "v1 header above 107 bytes");
    require(input[h.length - 2] == '\r' && input[h.length - 1] == '\n', "v1 line without CRLF");
  } else {
    require(h.length >= proxy::v2_fixed_length && h.length <= proxy::v2_fixed_length + limit,
            "v2 header length out of bounds");
  }
  if (h.family == proxy::proxy_family::tcp4) {
    require(h.source.address().is_v4() && h.destination.address().is_v4(), "tcp4 not IPv4");
  } else if (h.family == proxy::proxy_family::tcp6) {
    require(h.source.address().is_v6() && h.destination.address().is_v6(), "tcp6 not IPv6");
  }
  if (h.command == proxy::proxy_command::local) {
    require(h.family == proxy::proxy_family::unknown, "LOCAL with a family");
  }

  require(h.tlv_offset + h.tlv_length <= h.length, "TLV region outside the header");
  auto region = input.subspan(h.tlv_offset, h.tlv_length);
  while (!region.empty()) require(proxy::next_tlv(region).has_value(), "TLV region unwalkable");

  // The endpoints encode back to the bytes they were read from.
  if (h.version == proxy::proxy_version::v2 && h.family != proxy::proxy_family::unknown) {
    std::vector<std::uint8_t> block;
    for (const auto* ep : {&h.source, &h.destination}) {
      if (h.family == proxy::proxy_family::tcp4) {
        const auto a = ep->address().to_v4().to_bytes();
        block.insert(block.end(), a.begin(), a.end());
      } else {
        const auto a = ep->address().to_v6().to_bytes();
        block.insert(block.end(), a.begin(), a.end());
      }
    }
    for (const auto* ep : {&h.source, &h.destination}) {
      block.push_back(static_cast<std::uint8_t>(ep->port() >> 8));
      block.push_back(static_cast<std::uint8_t>(ep->port() & 0xFF));
    }
    require(std::equal(block.begin(), block.end(), input.begin() + 16), "v2 block re-encodes");
  }
  if (h.version == proxy::proxy_version::v1 && h.family == proxy::proxy_family::tcp4) {
    const std::string line = "PROXY TCP4 " + h.source.address().to_string() + " " +
                             h.destination.address().to_string() + " " +
                             std::to_string(h.source.port()) + " " +
                             std::to_string(h.destination.port()) + "\r\n";
    require(line.size() == h.length && std::memcmp(line.data(), input.data(), h.length) == 0,
            "v1 TCP4 line re-encodes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t limit = (data[0] & 1) ? 64 : proxy::default_max_v2_length;
  const proxy::parse_limits limits{.max_v2_length = limit};
  const byte_span input(data + 1, size - 1);
  const std::size_t longest = std::max(proxy::v1_max_length, proxy::v2_fixed_length + limit);

  const auto r = proxy::parse_proxy_header(input, limits);
  switch (r.status) {
    case proxy::parse_status::need_more:
      require(r.need_at_most > 0, "need_more asks for nothing");
      require(input.size() + r.need_at_most <= longest, "need_more beyond the longest header");
      break;
    case proxy::parse_status::error:
      require(r.error != proxy::parse_error::none, "error without a reason");
      break;
    case proxy::parse_status::complete: check_complete(input, r.header, limit); break;
  }

  const auto sig = proxy::starts_with_signature(input);
  if (!sig) require(r.status == proxy::parse_status::need_more, "undecided signature decided");
  if (sig && !*sig) require(r.error == proxy::parse_error::bad_signature, "no signature, no error");
  if (sig && *sig) require(r.error != proxy::parse_error::bad_signature, "signature refused");

  // Prefixes: all of the first 24 bytes (signatures and the v2 fixed part), then a spread.
  std::vector<std::size_t> cuts;
  for (std::size_t k = 0; k < std::min<std::size_t>(input.size(), 24); ++k) cuts.push_back(k);
  for (std::size_t k = 24; k < input.size(); k += std::max<std::size_t>(1, input.size() / 32)) {
    cuts.push_back(k);
  }
  if (r.status == proxy::parse_status::complete) {
    cuts.push_back(r.header.length - 1);
    cuts.push_back(r.header.length);
  }
  for (std::size_t k : cuts) {
    if (k > input.size()) continue;
    const auto p = proxy::parse_proxy_header(input.first(k), limits);
    if (p.status == proxy::parse_status::error) {
      require(r.status == proxy::parse_status::error, "more bytes repaired an error");
    }
    if (p.status == proxy::parse_status::complete) {
      require(r.status == proxy::parse_status::complete && same_header(p.header, r.header),
              "a prefix's header differs from the whole input's");
    }
    if (r.status == proxy::parse_status::complete) {
      if (k < r.header.length) {
        require(p.status == proxy::parse_status::need_more, "prefix of a header not need_more");
        require(p.need_at_most >= r.header.length - k, "need_more bound below what is missing");
      } else {
        require(p.status == proxy::parse_status::complete, "prefix with the header incomplete");
      }
    }
  }
  return 0;
}
