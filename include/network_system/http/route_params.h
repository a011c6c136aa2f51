#pragma once
// route_params: the values a router captured from a request path for the `:name` and `*`
// segments of the route that matched.
//
//   router.add("GET", "/users/:id/files/*", handler);
//   // GET /users/42/files/a%20b/c.txt
//   params.get("id");     // "42"
//   params.get("*");      // "a b/c.txt"   (decoded)
//   params.get_raw("*");  // "a%20b/c.txt" (as sent, still percent-encoded)
//
// Values are percent-decoded segment by segment after the path was split at '/', so an
// encoded slash ("%2F") inside a `:name` segment is data: "/users/a%2Fb" gives id "a/b". For
// the `*` rest the decoded value joins the decoded segments with '/', which makes an encoded
// and a raw slash look the same there; code that maps the rest onto a file system must use
// get_raw() and protocol::http::resolve_under_root(), which refuses "%2F", "..", NUL and
// backslashes.
//
// Thread-safety: a plain value type.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace network_system::http {

/// One captured value.
struct route_param {
  std::string name;   ///< the name in the pattern without ':' ("id"), or "*" for the rest
  std::string value;  ///< percent-decoded
  std::string raw;    ///< as it appeared in the request path (percent-encoded)
  friend bool operator==(const route_param&, const route_param&) = default;
};

class route_params {
 public:
  using const_iterator = std::vector<route_param>::const_iterator;

  /// Appends a value (the router does this; tests and custom dispatchers may too).
  void add(std::string name, std::string value, std::string raw);

  /// The decoded value captured for `name` ("id" for ":id", "*" for the wildcard), or nullopt
  /// when the route has no such segment. The view is valid until this object is modified.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const noexcept;

  /// The same value as the request sent it, still percent-encoded, or nullopt.
  [[nodiscard]] std::optional<std::string_view> get_raw(std::string_view name) const noexcept;

  [[nodiscard]] bool empty() const noexcept { return params_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return params_.size(); }
  void clear() noexcept { params_.clear(); }
  /// In the order of the pattern's segments.
  [[nodiscard]] const_iterator begin() const noexcept { return params_.begin(); }
  [[nodiscard]] const_iterator end() const noexcept { return params_.end(); }

  friend bool operator==(const route_params&, const route_params&) = default;

 private:
  std::vector<route_param> params_;
};

}  // namespace network_system::http
