#include "network_system/protocol/websocket/handshake.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/websocket/masking.h"

namespace network_system::protocol::websocket {

namespace {

constexpr char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const std::uint8_t* data, std::size_t n) {
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (std::size_t i = 0; i < n; i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) |
                            (i + 1 < n ? std::uint32_t{data[i + 1]} << 8 : 0) |
                            (i + 2 < n ? data[i + 2] : 0);
    out.push_back(b64_alphabet[(v >> 18) & 63]);
    out.push_back(b64_alphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < n ? b64_alphabet[v & 63] : '=');
  }
  return out;
}

bool is_b64(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '+' || c == '/';
}

bool is_tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated `value` holds `token` (case-insensitive).
bool list_has(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    if (http::iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

template <typename T>
Result<T> fail(int code, std::string what) {
  return error<T>(code, "websocket handshake: " + std::move(what), "websocket");
}

}  // namespace

std::string sec_websocket_accept(std::string_view key) {
  std::string input(key);
  input += handshake_guid;
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), digest.data(), &len, EVP_sha1(), nullptr) != 1) {
    return {};  // SHA-1 is always available in OpenSSL 3's default provider
  }
  return base64(digest.data(), len);
}

Result<std::string> generate_client_key() {
  std::array<std::uint8_t, 16> bytes{};
  auto r = random_bytes(bytes);
  if (r.is_err()) return Result<std::string>(r.error());
  return base64(bytes.data(), bytes.size());
}

bool is_valid_client_key(std::string_view key) noexcept {
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  return std::all_of(key.begin(), key.begin() + 22, is_b64);
}

std::optional<std::vector<std::string>> parse_token_list(std::string_view value) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = value.find(',');
    const auto item = trim(value.substr(0, comma));
    if (!item.empty()) {
      if (!std::all_of(item.begin(), item.end(), is_tchar)) return std::nullopt;
      out.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<std::string> select_subprotocol(std::span<const std::string> offered,
                                              std::span<const std::string> supported) {
  for (const auto& s : supported) {
    if (std::find(offered.begin(), offered.end(), s) != offered.end()) return s;
  }
  return std::nullopt;
}

Result<upgrade_request> validate_upgrade_request(const http::request_head& head) {
  using R = upgrade_request;
  const auto& f = head.fields;
  if (head.method != "GET") {
    return fail<R>(error_codes::ws_handshake_failed,
                   "the method is " + head.method + " (an upgrade must be GET)");
  }
  if (head.version.major < 1 || (head.version.major == 1 && head.version.minor < 1)) {
    return fail<R>(error_codes::ws_handshake_failed, "an upgrade needs HTTP/1.1 or later");
  }
  if (!list_has(f.get_list("Upgrade"), "websocket")) {
    return fail<R>(error_codes::ws_handshake_failed, "Upgrade does not name websocket");
  }
  if (!list_has(f.get_list("Connection"), "upgrade")) {
    return fail<R>(error_codes::ws_handshake_failed, "Connection lacks the upgrade token");
  }
  const auto versions = f.get_all("Sec-WebSocket-Version");
  if (versions.size() != 1 || trim(versions[0]) != "13") {
    return fail<R>(error_codes::ws_unsupported_version,
                   versions.empty() ? "no Sec-WebSocket-Version (13 is supported)"
                                    : "Sec-WebSocket-Version is not 13");
  }
  const auto keys = f.get_all("Sec-WebSocket-Key");
  if (keys.size() != 1) {
    return fail<R>(error_codes::ws_handshake_failed,
                   keys.empty() ? "no Sec-WebSocket-Key" : "several Sec-WebSocket-Key fields");
  }
  const auto key = trim(keys[0]);
  if (!is_valid_client_key(key)) {
    return fail<R>(error_codes::ws_handshake_failed,
                   "Sec-WebSocket-Key is not the base64 of 16 bytes");
  }
  upgrade_request out;
  out.key = key;
  if (f.contains("Sec-WebSocket-Protocol")) {
    auto list = parse_token_list(f.get_list("Sec-WebSocket-Protocol"));
    if (!list) {
      return fail<R>(error_codes::ws_handshake_failed,
                     "Sec-WebSocket-Protocol is not a list of tokens");
    }
    out.protocols = std::move(*list);
  }
  out.extensions = f.get_list("Sec-WebSocket-Extensions");
  if (auto o = f.get("Origin")) out.origin = std::string(*o);
  return out;
}

http::http_fields upgrade_response_fields(std::string_view key,
                                          const std::optional<std::string>& protocol,
                                          std::string_view extensions) {
  http::http_fields f;
  f.add("Upgrade", "websocket");
  f.add("Connection", "Upgrade");
  f.add("Sec-WebSocket-Accept", sec_websocket_accept(key));
  if (protocol) f.add("Sec-WebSocket-Protocol", *protocol);
  if (!extensions.empty()) f.add("Sec-WebSocket-Extensions", extensions);
  return f;
}

http::http_fields version_required_fields() {
  http::http_fields f;
  f.add("Sec-WebSocket-Version", "13");
  return f;
}

http::http_fields upgrade_request_fields(std::string_view key,
                                         std::span<const std::string> protocols,
                                         std::string_view extensions) {
  http::http_fields f;
  f.add("Upgrade", "websocket");
  f.add("Connection", "Upgrade");
  f.add("Sec-WebSocket-Key", key);
  f.add("Sec-WebSocket-Version", "13");
  if (!protocols.empty()) {
    std::string list;
    for (const auto& p : protocols) {
      if (!list.empty()) list += ", ";
      list += p;
    }
    f.add("Sec-WebSocket-Protocol", list);
  }
  if (!extensions.empty()) f.add("Sec-WebSocket-Extensions", extensions);
  return f;
}

Result<accepted_upgrade> validate_upgrade_response(const http::response_head& head,
                                                   std::string_view key,
                                                   std::span<const std::string> offered_protocols,
                                                   const deflate_policy* deflate_offered) {
  using R = accepted_upgrade;
  const auto& f = head.fields;
  if (head.status != 101) {
    return fail<R>(error_codes::ws_handshake_failed,
                   "the server answered " + std::to_string(head.status) + " instead of 101");
  }
  if (!list_has(f.get_list("Upgrade"), "websocket")) {
    return fail<R>(error_codes::ws_handshake_failed, "the 101 lacks Upgrade: websocket");
  }
  if (!list_has(f.get_list("Connection"), "upgrade")) {
    return fail<R>(error_codes::ws_handshake_failed, "the 101 lacks Connection: upgrade");
  }
  const auto accepts = f.get_all("Sec-WebSocket-Accept");
  if (accepts.size() != 1 || trim(accepts[0]) != sec_websocket_accept(key)) {
    return fail<R>(error_codes::ws_handshake_failed,
                   accepts.empty() ? "the 101 has no Sec-WebSocket-Accept"
                                   : "Sec-WebSocket-Accept does not match the key");
  }
  accepted_upgrade out;
  const auto protocols = f.get_all("Sec-WebSocket-Protocol");
  if (protocols.size() > 1) {
    return fail<R>(error_codes::ws_handshake_failed, "several Sec-WebSocket-Protocol fields");
  }
  if (protocols.size() == 1) {
    const std::string p(trim(protocols[0]));
    if (std::find(offered_protocols.begin(), offered_protocols.end(), p) ==
        offered_protocols.end()) {
      return fail<R>(error_codes::ws_handshake_failed,
                     "the server chose subprotocol '" + p + "', which was not offered");
    }
    out.protocol = p;
  }
  const auto ext_value = f.get_list("Sec-WebSocket-Extensions");
  auto exts = parse_extensions(ext_value);
  if (exts.is_err()) return Result<R>(exts.error());
  for (const auto& e : exts.value()) {
    if (deflate_offered == nullptr || !http::iequals(e.name, "permessage-deflate")) {
      return fail<R>(error_codes::ws_extension_error,
                     "the server accepted extension '" + e.name + "', which was not offered");
    }
    if (out.deflate) {
      return fail<R>(error_codes::ws_extension_error, "permessage-deflate accepted twice");
    }
    auto p = accept_deflate_response(e, *deflate_offered);
    if (p.is_err()) return Result<R>(p.error());
    out.deflate = p.value();
  }
  return out;
}

}  // namespace network_system::protocol::websocket
