// libFuzzer target for the WebSocket handshake helpers: Sec-WebSocket-Extensions parsing,
// permessage-deflate negotiation on both sides, subprotocol lists and key checks.
//
// Input: byte 0 picks the server's and the client's deflate_policy; the rest is a header value.
//
// Invariants checked (abort on violation):
//   - parse_extensions output prints back to a value that parses to the same elements;
//   - a negotiated response parses to exactly one usable permessage-deflate element, meets the
//     accepted offer (server_max_window_bits no larger than offered, no client_max_window_bits
//     unless offered, server_no_context_takeover when offered), and its params give a
//     deflate_context on both sides;
//   - the client accepts the server's response to the client's own offer, with the same params;
//   - parse_token_list gives tokens only; a valid client key is 24 characters.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "network_system/protocol/websocket/deflate_context.h"
#include "network_system/protocol/websocket/handshake.h"
#include "network_system/protocol/websocket/permessage_deflate.h"
#include "fuzz_require.h"

namespace {

namespace ws = network_system::protocol::websocket;
using fuzz_support::require;

std::string print(const std::vector<ws::extension>& v) {
  std::string out;
  for (const auto& e : v) {
    if (!out.empty()) out += ", ";
    out += e.name;
    for (const auto& p : e.params) {
      out += "; " + p.name;
      if (p.value) out += "=" + *p.value;
    }
  }
  return out;
}

ws::deflate_policy policy_from(std::uint8_t b) {
  ws::deflate_policy p;
  p.server_no_context_takeover = (b & 1) != 0;
  p.client_no_context_takeover = (b & 2) != 0;
  p.server_max_window_bits = static_cast<std::uint8_t>(9 + (b >> 2) % 7);
  p.client_max_window_bits = static_cast<std::uint8_t>(9 + (b >> 5) % 7);
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ws::deflate_policy server_policy = policy_from(data[0]);
  const ws::deflate_policy client_policy = policy_from(static_cast<std::uint8_t>(data[0] * 37 + 11));
  const std::string_view value(reinterpret_cast<const char*>(data + 1), size - 1);

  auto parsed = ws::parse_extensions(value);
  if (parsed.is_ok()) {
    auto again = ws::parse_extensions(print(parsed.value()));
    require(again.is_ok() && again.value() == parsed.value(), "extensions do not print back");
  }

  if (auto n = ws::negotiate_deflate(value, server_policy)) {
    require(parsed.is_ok(), "negotiated from a header that does not parse");
    auto resp = ws::parse_extensions(n->response);
    require(resp.is_ok() && resp.value().size() == 1, "the response does not parse");
    auto params = ws::parse_deflate_offer(resp.value()[0]);
    require(params.has_value(), "the response is not a usable element");
    // Find the offer that was accepted: the first usable one the policy can meet.
    const ws::deflate_offer* taken = nullptr;
    std::vector<ws::deflate_offer> offers;
    for (const auto& e : parsed.value()) {
      if (auto o = ws::parse_deflate_offer(e)) offers.push_back(*o);
    }
    for (const auto& o : offers) {
      if (o.server_max_window_bits && *o.server_max_window_bits < 9) continue;
      taken = &o;
      break;
    }
    require(taken != nullptr, "no offer could have been taken");
    if (taken->server_max_window_bits) {
      require(n->params.server_max_window_bits <= *taken->server_max_window_bits,
              "server_max_window_bits above the offer");
    }
    if (!taken->client_max_window_bits) {
      require(!params->client_max_window_bits, "client_max_window_bits not offered");
    }
    if (taken->server_no_context_takeover) {
      require(n->params.server_no_context_takeover, "server_no_context_takeover dropped");
    }
    require(ws::deflate_context::create(ws::role::server, n->params).is_ok(),
            "the server cannot run what it negotiated");
  }

  // The client's own offer, answered by a server with this policy, is accepted as negotiated.
  const std::string offer = ws::deflate_offer_value(client_policy);
  auto n = ws::negotiate_deflate(offer, server_policy);
  require(n.has_value(), "the server refused our own offer");
  auto resp = ws::parse_extensions(n->response);
  require(resp.is_ok() && resp.value().size() == 1, "the response does not parse");
  auto accepted = ws::accept_deflate_response(resp.value()[0], client_policy);
  require(accepted.is_ok(), "the client refused the server's answer to its offer");
  require(accepted.value() == n->params, "client and server disagree on the params");
  require(ws::deflate_context::create(ws::role::client, accepted.value()).is_ok(),
          "the client cannot run what it accepted");

  if (auto list = ws::parse_token_list(value)) {
    for (const auto& t : *list) require(!t.empty(), "an empty token");
  }
  if (ws::is_valid_client_key(value)) require(value.size() == 24, "a key of the wrong length");
  return 0;
}
