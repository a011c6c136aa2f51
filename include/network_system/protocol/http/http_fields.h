#pragma once
// http_fields: the header (or trailer) fields of one HTTP message, in the order they arrived or
// were added. Names compare case-insensitively (RFC 9110 §5.1); a name may occur several
// times, and every occurrence is kept.
//
//   http_fields f;
//   f.add("Set-Cookie", "a=1");
//   f.add("set-cookie", "b=2");
//   f.get("SET-COOKIE");      // "a=1" (the first)
//   f.get_all("Set-Cookie");  // {"a=1", "b=2"}
//   f.set("Content-Type", "text/plain");  // replaces every Content-Type by one
//
// The container stores what it is given: it does not check names or values. The parsers only
// add fields they have validated; the serializer refuses names that are not tokens and values
// holding CR, LF or NUL, so that a value taken from a user cannot inject a field.
//
// Thread-safety: a plain value type (like std::vector).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace network_system::protocol::http {

/// One field: its name as it was spelled and its value without surrounding whitespace.
struct http_field {
  std::string name;
  std::string value;
  /// Exact comparison (names too): the same field spelled the same way.
  friend bool operator==(const http_field&, const http_field&) = default;
};

/// ASCII case-insensitive equality, the comparison HTTP uses for field names and tokens.
bool iequals(std::string_view a, std::string_view b) noexcept;

class http_fields {
 public:
  using const_iterator = std::vector<http_field>::const_iterator;

  /// Appends a field after every existing one, even if the name is already present.
  void add(std::string_view name, std::string_view value);

  /// Replaces every field called `name` by one with `value`, at the position of the first
  /// (or at the end when there was none).
  void set(std::string_view name, std::string_view value);

  /// The value of the first field called `name`, or nullopt. The view is valid until the
  /// container is modified.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;

  /// Every value of the fields called `name`, in order (empty when there is none).
  [[nodiscard]] std::vector<std::string_view> get_all(std::string_view name) const;

  /// The values of every field called `name` joined with ", " (RFC 9110 §5.3), or "".
  [[nodiscard]] std::string get_list(std::string_view name) const;

  [[nodiscard]] bool contains(std::string_view name) const;
  /// How many fields are called `name`.
  [[nodiscard]] std::size_t count(std::string_view name) const;

  /// Removes every field called `name`; returns how many were removed.
  std::size_t erase(std::string_view name);

  void clear() noexcept { fields_.clear(); }
  [[nodiscard]] bool empty() const noexcept { return fields_.empty(); }
  /// The number of fields (each occurrence counts).
  [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }

  [[nodiscard]] const_iterator begin() const noexcept { return fields_.begin(); }
  [[nodiscard]] const_iterator end() const noexcept { return fields_.end(); }

  friend bool operator==(const http_fields&, const http_fields&) = default;

 private:
  std::vector<http_field> fields_;
};

}  // namespace network_system::protocol::http
