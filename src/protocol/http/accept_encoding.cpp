#include "network_system/protocol/http/accept_encoding.h"

#include <algorithm>

#include "network_system/core/error_codes.h"

namespace network_system::protocol::http {

namespace {

constexpr std::string_view source = "http::accept_encoding";

using parsed_list = std::vector<accepted_coding>;

Result<parsed_list> fail(std::string message) {
  return error<parsed_list>(error_codes::http_invalid_header,
                            "parse Accept-Encoding: " + std::move(message), std::string(source));
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool is_tchar(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<std::uint16_t> parse_qvalue(std::string_view s) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
  unsigned v = static_cast<unsigned>(s[0] - '0') * 1000;
  if (s.size() == 1) return static_cast<std::uint16_t>(v);
  if (s[1] != '.' || s.size() > 5) return std::nullopt;
  unsigned scale = 100;
  for (char c : s.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    v += static_cast<unsigned>(c - '0') * scale;
    scale /= 10;
  }
  if (v > 1000) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

std::string canonical(std::string_view coding) {
  std::string out(coding);
  for (auto& c : out) c = lower(c);
  if (out == "x-gzip") return "gzip";          // RFC 9110 §8.4.1.3
  if (out == "x-compress") return "compress";  // RFC 9110 §8.4.1.1
  return out;
}

}  // namespace

Result<std::vector<accepted_coding>> parse_accept_encoding(std::string_view header,
                                                           accept_encoding_limits limits) {
  parsed_list out;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto element = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (element.empty()) continue;
    if (out.size() == limits.max_elements) {
      return fail("more than " + std::to_string(limits.max_elements) + " elements");
    }
    auto semi = element.find(';');
    const auto coding = trim(element.substr(0, semi));
    if (!is_token(coding)) return fail("'" + std::string(coding) + "' is not a coding");
    accepted_coding entry{canonical(coding), 1000};
    while (semi != std::string_view::npos) {
      const auto rest = element.substr(semi + 1);
      const auto next = rest.find(';');
      const auto param = trim(rest.substr(0, next));
      semi = next == std::string_view::npos ? next : semi + 1 + next;
      const auto eq = param.find('=');
      if (eq == std::string_view::npos || !is_token(trim(param.substr(0, eq)))) {
        return fail("bad parameter '" + std::string(param) + "' of " + std::string(coding));
      }
      const auto name = trim(param.substr(0, eq));
      if (name.size() == 1 && lower(name[0]) == 'q') {
        const auto q = parse_qvalue(trim(param.substr(eq + 1)));
        if (!q) return fail("bad q-value in '" + std::string(param) + "'");
        entry.qvalue = *q;
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::uint16_t coding_qvalue(std::span<const accepted_coding> accepted, std::string_view coding) {
  const std::string want = canonical(coding);
  const accepted_coding* star = nullptr;
  for (const auto& a : accepted) {
    if (a.coding == want) return a.qvalue;  // the first mention counts
    if (a.coding == "*" && star == nullptr) star = &a;
  }
  if (star != nullptr) return star->qvalue;
  // identity is acceptable by default, below anything the client weighted.
  return want == "identity" ? 1 : 0;
}

std::optional<std::string_view> negotiate_encoding(std::optional<std::string_view> header,
                                                   std::span<const std::string_view> supported) {
  static constexpr std::string_view identity = "identity";
  if (!header) return identity;
  const auto parsed = parse_accept_encoding(*header);
  if (parsed.is_err()) return identity;
  std::optional<std::string_view> best;
  std::uint16_t best_q = 0;
  bool saw_identity = false;
  for (const auto s : supported) {
    if (canonical(s) == identity) saw_identity = true;
    const auto q = coding_qvalue(parsed.value(), s);
    if (q > best_q) {
      best = s;
      best_q = q;
    }
  }
  if (!saw_identity && coding_qvalue(parsed.value(), identity) > best_q) best = identity;
  return best;
}

}  // namespace network_system::protocol::http
