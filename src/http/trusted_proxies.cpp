#include "network_system/http/trusted_proxies.h"

#include <charconv>

#include "network_system/core/error_codes.h"

namespace network_system::http {

namespace {

asio::ip::address_v6::bytes_type mapped(const asio::ip::address& a) {
  if (a.is_v6()) return a.to_v6().to_bytes();
  return asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()).to_bytes();
}

asio::ip::address unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

bool prefix_matches(const asio::ip::address_v6::bytes_type& a,
                    const asio::ip::address_v6::bytes_type& net, unsigned prefix) noexcept {
  for (unsigned i = 0; i < 16 && prefix > 0; ++i) {
    const unsigned bits = prefix >= 8 ? 8 : prefix;
    const auto mask = static_cast<std::uint8_t>(0xFF00u >> bits);
    if ((a[i] & mask) != (net[i] & mask)) return false;
    prefix -= bits;
  }
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// An address from a list entry: "192.0.2.1", "192.0.2.1:4711", "2001:db8::1",
/// "[2001:db8::1]", "[2001:db8::1]:4711"; nullopt for anything else.
std::optional<asio::ip::address> entry_address(std::string_view e) {
  e = trim(e);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  if (!e.empty() && e.front() == '[') {
    const auto close = e.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    e = e.substr(1, close - 1);
  } else if (e.find(':') == e.rfind(':') && e.find(':') != std::string_view::npos) {
    e = e.substr(0, e.find(':'));  // IPv4 with a port
  }
  std::error_code ec;
  auto a = asio::ip::make_address(std::string(e), ec);
  if (ec) return std::nullopt;
  return a;
}

/// The entries of the list fields, left to right: the for= values of Forwarded, or the
/// comma-separated X-Forwarded-For entries.
std::vector<std::string_view> forwarded_chain(const protocol::http::http_fields& fields) {
  std::vector<std::string_view> out;
  if (fields.contains("Forwarded")) {
    for (auto value : fields.get_all("Forwarded")) {
      // forwarded-element *( "," forwarded-element ), each "k=v;k=v".
      while (!value.empty()) {
        const auto comma = value.find(',');
        auto element = value.substr(0, comma);
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
        std::string_view for_value;
        while (!element.empty()) {
          const auto semi = element.find(';');
          auto pair = trim(element.substr(0, semi));
          element = semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1);
          const auto eq = pair.find('=');
          if (eq == std::string_view::npos) continue;
          if (protocol::http::iequals(trim(pair.substr(0, eq)), "for")) for_value = pair.substr(eq + 1);
        }
        out.push_back(for_value);  // an element without for= is an unknown hop
      }
    }
    return out;
  }
  for (auto value : fields.get_all("X-Forwarded-For")) {
    while (true) {
      const auto comma = value.find(',');
      out.push_back(value.substr(0, comma));
      if (comma == std::string_view::npos) break;
      value = value.substr(comma + 1);
    }
  }
  return out;
}

}  // namespace

Result<trusted_proxies> trusted_proxies::parse(std::span<const std::string> entries) {
  trusted_proxies t;
  for (const auto& entry : entries) {
    const auto bad = [&](std::string_view why) {
      return error<trusted_proxies>(error_codes::invalid_configuration,
                                    "trusted_proxies: '" + entry + "' " + std::string(why),
                                    "http_server");
    };
    std::string_view text = entry;
    const auto slash = text.find('/');
    std::error_code ec;
    const auto address = asio::ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec) return bad("is not an IP address or CIDR block");
    const unsigned max = address.is_v4() ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
      const auto digits = text.substr(slash + 1);
      const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (err != std::errc() || end != digits.data() + digits.size() || digits.empty() || prefix > max) {
        return bad("has a prefix length that is not 0.." + std::to_string(max));
      }
    }
    t.blocks_.push_back({mapped(address), address.is_v4() ? prefix + 96 : prefix});
  }
  return t;
}

bool trusted_proxies::contains(const asio::ip::address& address) const noexcept {
  const auto bytes = mapped(address);
  for (const auto& b : blocks_) {
    if (prefix_matches(bytes, b.bytes, b.prefix)) return true;
  }
  return false;
}

std::string trusted_proxies::client_address(const asio::ip::address& peer,
                                            const protocol::http::http_fields& fields) const {
  auto current = unmapped(peer);
  if (blocks_.empty() || !contains(current)) return current.to_string();
  const auto chain = forwarded_chain(fields);
  for (auto it = chain.rbegin(); it != chain.rend() && contains(current); ++it) {
    const auto next = entry_address(*it);
    if (!next) break;
    current = unmapped(*next);
  }
  return current.to_string();
}

}  // namespace network_system::http
