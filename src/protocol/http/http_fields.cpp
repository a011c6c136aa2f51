#include "network_system/protocol/http/http_fields.h"

#include <algorithm>

namespace network_system::protocol::http {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

void http_fields::add(std::string_view name, std::string_view value) {
  fields_.push_back({std::string(name), std::string(value)});
}

void http_fields::set(std::string_view name, std::string_view value) {
  auto first = std::find_if(fields_.begin(), fields_.end(),
                            [&](const http_field& f) { return iequals(f.name, name); });
  if (first == fields_.end()) {
    add(name, value);
    return;
  }
  first->value.assign(value);
  const auto index = first - fields_.begin();
  fields_.erase(std::remove_if(fields_.begin() + index + 1, fields_.end(),
                               [&](const http_field& f) { return iequals(f.name, name); }),
                fields_.end());
}

std::optional<std::string_view> http_fields::get(std::string_view name) const {
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) return std::string_view(f.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> http_fields::get_all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) out.emplace_back(f.value);
  }
  return out;
}

std::string http_fields::get_list(std::string_view name) const {
  std::string out;
  bool first = true;
  for (const auto& f : fields_) {
    if (!iequals(f.name, name)) continue;
    if (!first) out += ", ";
    out += f.value;
    first = false;
  }
  return out;
}

bool http_fields::contains(std::string_view name) const { return get(name).has_value(); }

std::size_t http_fields::count(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(
      fields_.begin(), fields_.end(), [&](const http_field& f) { return iequals(f.name, name); }));
}

std::size_t http_fields::erase(std::string_view name) {
  const auto before = fields_.size();
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const http_field& f) { return iequals(f.name, name); }),
                fields_.end());
  return before - fields_.size();
}

}  // namespace network_system::protocol::http
