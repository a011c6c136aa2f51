#include "network_system/http/route_params.h"

namespace network_system::http {

void route_params::add(std::string name, std::string value, std::string raw) {
  params_.push_back({std::move(name), std::move(value), std::move(raw)});
}

std::optional<std::string_view> route_params::get(std::string_view name) const noexcept {
  for (const auto& p : params_) {
    if (p.name == name) return std::string_view(p.value);
  }
  return std::nullopt;
}

std::optional<std::string_view> route_params::get_raw(std::string_view name) const noexcept {
  for (const auto& p : params_) {
    if (p.name == name) return std::string_view(p.raw);
  }
  return std::nullopt;
}

}  // namespace network_system::http
