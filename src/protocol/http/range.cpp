#include "network_system/protocol/http/range.h"

#include <algorithm>
#include <limits>

#include "network_system/core/error_codes.h"

namespace network_system::protocol::http {

namespace {

constexpr std::string_view source = "http::range";

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// 1*DIGIT, saturating at the largest uint64.
std::optional<std::uint64_t> number(std::string_view s) noexcept {
  if (s.empty()) return std::nullopt;
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    v = v > (max - d) / 10 ? max : v * 10 + d;
  }
  return v;
}

std::optional<byte_range_spec> parse_spec(std::string_view s) {
  const auto dash = s.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto a = s.substr(0, dash);
  const auto b = s.substr(dash + 1);
  byte_range_spec spec;
  if (a.empty()) {
    const auto n = number(b);
    if (!n) return std::nullopt;
    spec.kind = byte_range_spec::form::suffix;
    spec.suffix_length = *n;
    return spec;
  }
  const auto first = number(a);
  if (!first) return std::nullopt;
  spec.first = *first;
  if (b.empty()) {
    spec.kind = byte_range_spec::form::first_only;
    return spec;
  }
  const auto last = number(b);
  if (!last || *last < *first) return std::nullopt;  // last < first: invalid (§14.1.1)
  spec.kind = byte_range_spec::form::first_last;
  spec.last = *last;
  return spec;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

Result<range_selection> unsatisfiable(std::string why, std::uint64_t size) {
  return error<range_selection>(error_codes::http_invalid_range,
                                "resolve Range for " + std::to_string(size) + " bytes: " + why,
                                std::string(source));
}

}  // namespace

range_parse_result parse_range(std::string_view header, std::size_t max_specs) {
  range_parse_result out;
  const auto eq = header.find('=');
  if (eq == std::string_view::npos || eq == 0) return out;
  const auto unit = header.substr(0, eq);
  for (char c : unit) {
    const bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!tchar) return out;
  }
  if (!iequals(unit, "bytes")) {
    out.status = range_parse_status::unknown_unit;
    return out;
  }
  std::string_view set = header.substr(eq + 1);
  while (true) {
    const auto comma = set.find(',');
    const auto element = trim(set.substr(0, comma));
    if (!element.empty()) {
      const auto spec = parse_spec(element);
      if (!spec) {
        out.specs.clear();
        return out;
      }
      if (out.specs.size() == max_specs) {
        out.status = range_parse_status::too_many;
        out.specs.clear();
        return out;
      }
      out.specs.push_back(*spec);
    }
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  if (!out.specs.empty()) out.status = range_parse_status::ok;
  return out;
}

Result<range_selection> resolve_range(std::optional<std::string_view> header, std::uint64_t size,
                                      range_limits limits) {
  range_selection sel;
  if (!header) return sel;
  auto parsed = parse_range(*header, limits.max_ranges);
  if (parsed.status == range_parse_status::too_many) {
    return unsatisfiable("more than " + std::to_string(limits.max_ranges) + " ranges", size);
  }
  if (parsed.status != range_parse_status::ok) return sel;  // ignored, as §14.2 says

  for (const auto& spec : parsed.specs) {
    if (size == 0) break;
    switch (spec.kind) {
      case byte_range_spec::form::suffix:
        if (spec.suffix_length == 0) continue;
        sel.ranges.push_back({size - std::min(size, spec.suffix_length), size - 1});
        break;
      case byte_range_spec::form::first_only:
        if (spec.first >= size) continue;
        sel.ranges.push_back({spec.first, size - 1});
        break;
      case byte_range_spec::form::first_last:
        if (spec.first >= size) continue;
        sel.ranges.push_back({spec.first, std::min(spec.last, size - 1)});
        break;
    }
  }
  if (sel.ranges.empty()) return unsatisfiable("no satisfiable range", size);

  if (limits.coalesce) {
    std::sort(sel.ranges.begin(), sel.ranges.end(),
              [](const byte_range& a, const byte_range& b) { return a.first < b.first; });
    std::vector<byte_range> merged;
    for (const auto& r : sel.ranges) {
      // Overlapping or adjacent (r.first == last + 1) ranges become one.
      if (!merged.empty() && r.first <= merged.back().last + 1) {
        merged.back().last = std::max(merged.back().last, r.last);
      } else {
        merged.push_back(r);
      }
    }
    sel.ranges = std::move(merged);
  } else {
    auto sorted = sel.ranges;
    std::sort(sorted.begin(), sorted.end(),
              [](const byte_range& a, const byte_range& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i].first <= sorted[i - 1].last) return unsatisfiable("overlapping ranges", size);
    }
  }
  sel.outcome = range_outcome::partial;
  return sel;
}

std::string format_content_range(byte_range range, std::uint64_t size) {
  return "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
         std::to_string(size);
}

std::string format_unsatisfied_range(std::uint64_t size) {
  return "bytes */" + std::to_string(size);
}

}  // namespace network_system::protocol::http
