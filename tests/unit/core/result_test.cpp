#include "network_system/core/result.h"

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"

namespace network_system {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return error<int>(error_codes::invalid_argument, "parse: not positive", "test");
  return ok(v);
}

TEST(result_test, ok_holds_the_value) {
  auto r = ok(42);
  static_assert(std::is_same_v<decltype(r), Result<int>>);
  EXPECT_TRUE(r.is_ok());
  EXPECT_FALSE(r.is_err());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 42);
}

TEST(result_test, ok_decays_its_argument_type) {
  const std::string s = "abc";
  auto r = ok(s);
  static_assert(std::is_same_v<decltype(r), Result<std::string>>);
  EXPECT_EQ(r.value(), "abc");
}

TEST(result_test, error_carries_every_field_of_error_info) {
  auto r = error<int>(error_codes::bind_failed, "bind 0.0.0.0:8080: in use", "messaging_server",
                      "system:98");
  EXPECT_FALSE(r.is_ok());
  EXPECT_TRUE(r.is_err());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code, error_codes::bind_failed);
  EXPECT_EQ(r.error().message, "bind 0.0.0.0:8080: in use");
  EXPECT_EQ(r.error().source, "messaging_server");
  EXPECT_EQ(r.error().details, "system:98");
}

TEST(result_test, value_on_an_error_throws_bad_result_access_with_the_message) {
  auto r = error<int>(error_codes::connection_refused, "connect 127.0.0.1:1: refused");
  try {
    (void)r.value();
    FAIL() << "value() did not throw";
  } catch (const bad_result_access& e) {
    EXPECT_STREQ(e.what(), "connect 127.0.0.1:1: refused");
  }
  const auto& cr = r;
  EXPECT_THROW((void)cr.value(), bad_result_access);
  EXPECT_THROW((void)std::move(r).value(), bad_result_access);
}

TEST(result_test, bad_result_access_is_a_logic_error) {
  static_assert(std::is_base_of_v<std::logic_error, bad_result_access>);
  auto r = error<int>(error_codes::internal_error, "boom");
  EXPECT_THROW((void)r.value(), std::logic_error);
}

TEST(result_test, error_on_a_value_throws_bad_result_access) {
  auto r = ok(1);
  EXPECT_THROW((void)r.error(), bad_result_access);
  VoidResult v = ok();
  EXPECT_THROW((void)v.error(), bad_result_access);
}

TEST(result_test, value_is_mutable_through_an_lvalue) {
  auto r = ok(std::vector<int>{1, 2});
  r.value().push_back(3);
  EXPECT_EQ(r.value(), (std::vector<int>{1, 2, 3}));
}

TEST(result_test, value_can_be_moved_out_of_an_rvalue) {
  auto r = ok(std::make_unique<int>(7));
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(result_test, value_or_returns_the_value_or_the_fallback) {
  EXPECT_EQ(ok(5).value_or(9), 5);
  EXPECT_EQ(error<int>(error_codes::send_failed, "x").value_or(9), 9);
  EXPECT_EQ(error<std::string>(error_codes::send_failed, "x").value_or("fallback"), "fallback");
}

TEST(result_test, and_then_chains_on_a_value) {
  auto r = ok(3).and_then([](int v) { return ok(std::to_string(v * 2)); });
  static_assert(std::is_same_v<decltype(r), Result<std::string>>);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), "6");
}

TEST(result_test, and_then_passes_an_error_through_without_calling_f) {
  bool called = false;
  auto r = error<int>(error_codes::session_not_found, "no such session")
               .and_then([&](int v) {
                 called = true;
                 return ok(v + 1);
               });
  EXPECT_FALSE(called);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::session_not_found);
  EXPECT_EQ(r.error().message, "no such session");
}

TEST(result_test, and_then_stops_at_the_first_error_in_a_chain) {
  auto r = ok(1).and_then(parse_positive).and_then([](int v) { return parse_positive(-v); })
               .and_then([](int) -> Result<int> { return ok(100); });
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_argument);
}

TEST(result_test, and_then_on_an_rvalue_moves_the_value) {
  auto r = ok(std::make_unique<int>(4)).and_then([](std::unique_ptr<int>&& p) {
    return ok(*p + 1);
  });
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), 5);
}

TEST(result_test, map_transforms_a_value) {
  auto r = ok(std::string("abcd")).map([](const std::string& s) { return s.size(); });
  static_assert(std::is_same_v<decltype(r), Result<std::size_t>>);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), 4u);
}

TEST(result_test, map_passes_an_error_through) {
  bool called = false;
  auto r = error<int>(error_codes::receive_failed, "read").map([&](int v) {
    called = true;
    return v * 2.0;
  });
  static_assert(std::is_same_v<decltype(r), Result<double>>);
  EXPECT_FALSE(called);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::receive_failed);
}

TEST(result_test, map_to_void_gives_a_void_result) {
  int seen = 0;
  auto r = ok(8).map([&](int v) { seen = v; });
  static_assert(std::is_same_v<decltype(r), VoidResult>);
  EXPECT_TRUE(r.is_ok());
  EXPECT_EQ(seen, 8);

  auto e = error<int>(error_codes::send_failed, "x").map([&](int) { seen = -1; });
  EXPECT_TRUE(e.is_err());
  EXPECT_EQ(seen, 8);
}

TEST(result_test, or_else_recovers_from_an_error) {
  auto r = error<int>(error_codes::connection_timeout, "timeout")
               .or_else([](const error_info& e) -> Result<int> {
                 return e.code == error_codes::connection_timeout ? ok(0) : Result<int>(e);
               });
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), 0);
}

TEST(result_test, or_else_is_not_called_on_a_value) {
  bool called = false;
  auto r = ok(1).or_else([&](const error_info&) -> Result<int> {
    called = true;
    return ok(2);
  });
  EXPECT_FALSE(called);
  EXPECT_EQ(r.value(), 1);
}

TEST(result_test, or_else_can_replace_the_error) {
  auto r = error<int>(error_codes::send_failed, "a").or_else([](const error_info& e) {
    return error<int>(error_codes::internal_error, e.message + "b");
  });
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::internal_error);
  EXPECT_EQ(r.error().message, "ab");
}

TEST(void_result_test, default_and_ok_are_success) {
  VoidResult a;
  VoidResult b = ok();
  EXPECT_TRUE(a.is_ok());
  EXPECT_TRUE(b.is_ok());
  EXPECT_TRUE(static_cast<bool>(b));
  EXPECT_NO_THROW(b.value());
}

TEST(void_result_test, error_void_carries_the_error) {
  VoidResult r = error_void(error_codes::server_not_started, "stop: not started", "srv", "d");
  EXPECT_TRUE(r.is_err());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code, error_codes::server_not_started);
  EXPECT_EQ(r.error().message, "stop: not started");
  EXPECT_EQ(r.error().source, "srv");
  EXPECT_EQ(r.error().details, "d");
}

TEST(void_result_test, value_on_an_error_throws_bad_result_access) {
  VoidResult r = error_void(error_codes::bind_failed, "bind: in use");
  try {
    r.value();
    FAIL() << "value() did not throw";
  } catch (const bad_result_access& e) {
    EXPECT_STREQ(e.what(), "bind: in use");
  }
}

TEST(void_result_test, and_then_runs_only_on_success) {
  auto r = ok().and_then([] { return ok(std::string("next")); });
  static_assert(std::is_same_v<decltype(r), Result<std::string>>);
  EXPECT_EQ(r.value(), "next");

  bool called = false;
  auto e = error_void(error_codes::send_failed, "send").and_then([&] {
    called = true;
    return ok();
  });
  EXPECT_FALSE(called);
  ASSERT_TRUE(e.is_err());
  EXPECT_EQ(e.error().code, error_codes::send_failed);
}

TEST(void_result_test, map_produces_a_value_or_passes_the_error) {
  auto r = ok().map([] { return 11; });
  static_assert(std::is_same_v<decltype(r), Result<int>>);
  EXPECT_EQ(r.value(), 11);

  auto e = error_void(error_codes::send_failed, "send").map([] { return 11; });
  ASSERT_TRUE(e.is_err());
  EXPECT_EQ(e.error().code, error_codes::send_failed);

  int runs = 0;
  auto v = ok().map([&] { ++runs; });
  static_assert(std::is_same_v<decltype(v), VoidResult>);
  EXPECT_TRUE(v.is_ok());
  EXPECT_EQ(runs, 1);
}

TEST(void_result_test, or_else_recovers_or_keeps_success) {
  auto r = error_void(error_codes::connection_closed, "closed").or_else([](const error_info&) {
    return ok();
  });
  EXPECT_TRUE(r.is_ok());

  bool called = false;
  auto s = ok().or_else([&](const error_info&) {
    called = true;
    return error_void(error_codes::internal_error, "never");
  });
  EXPECT_FALSE(called);
  EXPECT_TRUE(s.is_ok());
}

}  // namespace
}  // namespace network_system
