#pragma once
// accept_encoding: content-coding negotiation from `Accept-Encoding` (RFC 9110 §12.5.3) with
// q-values (§12.4.2). A server lists the codings it can produce, best first; the client's
// header decides which of them it may use.
//
//   static constexpr std::string_view ours[] = {"br", "gzip", "deflate", "identity"};
//   auto choice = http::negotiate_encoding(request.header("Accept-Encoding"), ours);
//   if (!choice) return respond(406);         // identity refused, nothing else acceptable
//   if (*choice != "identity") compress_with(*choice);
//
// Rules (RFC 9110 §12.5.3):
//   - no header: identity. RFC 9110 lets a server pick any coding then, but a client that
//     sends none (curl without --compressed, most scripts) can rarely decode one; an empty
//     header: only identity;
//   - a coding named with q=0 is refused; "*" gives its q to every coding not named;
//   - identity is acceptable unless named with q=0, or "*;q=0" is given and identity is not
//     named; when neither names it, it ranks below every coding with a q above 0;
//   - names compare case-insensitively, and "x-gzip" counts as "gzip" (§8.4.1.3);
//   - the highest q wins; on a tie the server's order decides.
//
// Thread-safety: the functions are pure; call them from any thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"

namespace network_system::protocol::http {

/// One element of Accept-Encoding: a coding (lower-cased; "*" for any) and its weight in
/// thousandths (q=0.5 is 500; no q is 1000).
struct accepted_coding {
  std::string coding;
  std::uint16_t qvalue = 1000;
  friend bool operator==(const accepted_coding&, const accepted_coding&) = default;
};

struct accept_encoding_limits {
  /// Elements accepted in one header; more is an error (bounds the work per request).
  std::size_t max_elements = 64;
};

/// Parses an Accept-Encoding value into its elements, in order. Empty list elements (", ,")
/// are skipped, as RFC 9110 §5.6.1 requires of a recipient; parameters other than q are
/// ignored.
/// Errors (http_invalid_header): a coding that is not a token; a q-value outside RFC 9110
/// §12.4.2's grammar ("0", "0.5", "1.000"; at most three decimals, not above 1); junk after
/// an element; more than limits.max_elements elements.
Result<std::vector<accepted_coding>> parse_accept_encoding(std::string_view header,
                                                           accept_encoding_limits limits = {});

/// The weight (0..1000) the parsed header gives `coding` (lower-case), following the rules
/// above; 0 means not acceptable.
std::uint16_t coding_qvalue(std::span<const accepted_coding> accepted, std::string_view coding);

/// Chooses the coding to send: the element of `supported` (server preference first, lower
/// case, "identity" for none) with the highest weight above 0. identity is considered even
/// if `supported` does not list it, after everything that does.
/// `header` is the Accept-Encoding value, nullopt when the request has none. A header that
/// does not parse (see parse_accept_encoding) gets identity: an uncompressed body is always
/// safe to send, and refusing the request over a hint would serve no one.
/// Returns the chosen name (a view into `supported`, or "identity"), or nullopt when nothing
/// is acceptable (the server answers 406 Not Acceptable or, as RFC 9110 allows, ignores the
/// header and sends identity).
std::optional<std::string_view> negotiate_encoding(std::optional<std::string_view> header,
                                                   std::span<const std::string_view> supported);

}  // namespace network_system::protocol::http
