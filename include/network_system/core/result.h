#pragma once
// Result<T>: a value or an error_info, the return type of every fallible call.
//
//   auto r = server->start_server(8080);
//   if (r.is_err()) std::cerr << r.error().message << " (" << r.error().code << ")\n";
//
// Thread-safety: a Result is a plain value type; distinct objects may be used from distinct
// threads freely, one object follows the usual rules for standard library values.

#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace network_system {

/// What went wrong. `code` is one of error_codes (−600..−699); `message` is a sentence that
/// names the operation and the endpoint ("bind 0.0.0.0:8080: address already in use");
/// `source` names the component ("messaging_server"); `details` carries extra context such as
/// the underlying system error.
struct error_info {
  int code = 0;
  std::string message;
  std::string source;
  std::string details;
};

/// Thrown by Result::value() on an error result and by Result::error() on a value result.
class bad_result_access : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

template <typename T>
class Result;

namespace detail {
template <typename>
struct is_result : std::false_type {};
template <typename T>
struct is_result<Result<T>> : std::true_type {};
}  // namespace detail

// Declared before the primary template: Result<T>::map may produce a Result<void>.
template <>
class Result<void> {
 public:
  using value_type = void;

  // User-provided, not defaulted: `VoidResult()` then only clears the optional's flag instead
  // of value-initializing (zeroing) its whole 112-byte error_info on every successful send.
  Result() noexcept {}
  Result(error_info err) : error_(std::move(err)) {}

  [[nodiscard]] bool is_ok() const noexcept { return !error_.has_value(); }
  [[nodiscard]] bool is_err() const noexcept { return error_.has_value(); }
  explicit operator bool() const noexcept { return is_ok(); }

  /// No-op on success; throws bad_result_access on an error result.
  void value() const {
    if (error_) throw bad_result_access(error_->message);
  }
  const error_info& error() const {
    if (!error_) throw bad_result_access("Result::error() called on a value");
    return *error_;
  }

  /// f() -> Result<U>.
  template <typename F>
  auto and_then(F&& f) const {
    using R = std::invoke_result_t<F>;
    static_assert(detail::is_result<R>::value, "and_then: f must return a Result");
    return is_ok() ? std::forward<F>(f)() : R(*error_);
  }

  /// f() -> U.
  template <typename F>
  auto map(F&& f) const {
    using U = std::invoke_result_t<F>;
    if constexpr (std::is_void_v<U>) {
      if (is_err()) return Result<void>(*error_);
      std::forward<F>(f)();
      return Result<void>();
    } else {
      return is_ok() ? Result<U>(std::forward<F>(f)()) : Result<U>(*error_);
    }
  }

  /// f(const error_info&) -> Result<void>.
  template <typename F>
  Result or_else(F&& f) const {
    return is_err() ? Result(std::forward<F>(f)(*error_)) : *this;
  }

 private:
  // Empty on success, so an ok() result costs no string construction (hot send paths).
  std::optional<error_info> error_;
};

template <typename T>
class Result {
 public:
  using value_type = T;

  Result(const T& value) : storage_(std::in_place_index<0>, value) {}
  Result(T&& value) : storage_(std::in_place_index<0>, std::move(value)) {}
  Result(error_info err) : storage_(std::in_place_index<1>, std::move(err)) {}

  [[nodiscard]] bool is_ok() const noexcept { return storage_.index() == 0; }
  [[nodiscard]] bool is_err() const noexcept { return storage_.index() == 1; }
  explicit operator bool() const noexcept { return is_ok(); }

  /// The value. Throws bad_result_access (with the error's message) on an error result.
  T& value() & { check_value(); return std::get<0>(storage_); }
  const T& value() const& { check_value(); return std::get<0>(storage_); }
  T&& value() && { check_value(); return std::get<0>(std::move(storage_)); }

  /// The error. Throws bad_result_access on a value result.
  const error_info& error() const {
    if (!is_err()) throw bad_result_access("Result::error() called on a value");
    return std::get<1>(storage_);
  }

  template <typename U>
  T value_or(U&& fallback) const& {
    return is_ok() ? std::get<0>(storage_) : static_cast<T>(std::forward<U>(fallback));
  }

  /// f(T) -> Result<U>; runs only on a value, passes the error through otherwise.
  template <typename F>
  auto and_then(F&& f) const& {
    using R = std::invoke_result_t<F, const T&>;
    static_assert(detail::is_result<R>::value, "and_then: f must return a Result");
    return is_ok() ? std::forward<F>(f)(std::get<0>(storage_)) : R(std::get<1>(storage_));
  }
  template <typename F>
  auto and_then(F&& f) && {
    using R = std::invoke_result_t<F, T&&>;
    static_assert(detail::is_result<R>::value, "and_then: f must return a Result");
    return is_ok() ? std::forward<F>(f)(std::get<0>(std::move(storage_)))
                   : R(std::get<1>(std::move(storage_)));
  }

  /// f(T) -> U; wraps the mapped value, passes the error through.
  template <typename F>
  auto map(F&& f) const& {
    using U = std::invoke_result_t<F, const T&>;
    if constexpr (std::is_void_v<U>) {
      if (is_err()) return Result<void>(std::get<1>(storage_));
      std::forward<F>(f)(std::get<0>(storage_));
      return Result<void>();
    } else {
      return is_ok() ? Result<U>(std::forward<F>(f)(std::get<0>(storage_)))
                     : Result<U>(std::get<1>(storage_));
    }
  }

  /// f(const error_info&) -> Result<T>; runs only on an error (recovery).
  template <typename F>
  Result or_else(F&& f) const& {
    return is_err() ? Result(std::forward<F>(f)(std::get<1>(storage_))) : *this;
  }

 private:
  void check_value() const {
    if (!is_ok()) throw bad_result_access(std::get<1>(storage_).message);
  }
  std::variant<T, error_info> storage_;
};

using VoidResult = Result<void>;

/// A successful Result holding `value`.
template <typename T>
Result<std::decay_t<T>> ok(T&& value) {
  return Result<std::decay_t<T>>(std::forward<T>(value));
}
/// A successful VoidResult.
inline VoidResult ok() { return VoidResult(); }

/// A failed Result<T>.
template <typename T>
Result<T> error(int code, std::string message, std::string source = {}, std::string details = {}) {
  return Result<T>(error_info{code, std::move(message), std::move(source), std::move(details)});
}
/// A failed VoidResult.
inline VoidResult error_void(int code, std::string message, std::string source = {},
                             std::string details = {}) {
  return VoidResult(error_info{code, std::move(message), std::move(source), std::move(details)});
}

}  // namespace network_system
