// The pool policy of http_client (src/http/client/host_slots.h): limits, reuse order, waiting,
// idle expiry; and the client's error codes.

#include "http/client/host_slots.h"

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"

namespace {

using network_system::http::detail::host_slots;
using namespace std::chrono_literals;
using decision = host_slots::decision;

TEST(http_client_pool_test, opens_up_to_the_limit_then_waits) {
  host_slots s(2);
  std::vector<std::uint64_t> expired;
  const auto now = host_slots::clock::now();
  EXPECT_EQ(s.acquire(now, 30s, expired).what, decision::open);
  EXPECT_EQ(s.acquire(now, 30s, expired).what, decision::open);
  EXPECT_EQ(s.acquire(now, 30s, expired).what, decision::wait);
  EXPECT_EQ(s.total(), 2u);
  s.open_failed();
  EXPECT_EQ(s.total(), 1u);
  EXPECT_EQ(s.acquire(now, 30s, expired).what, decision::open);
  EXPECT_TRUE(expired.empty());
}

TEST(http_client_pool_test, reuses_only_released_clean_connections_most_recent_first) {
  host_slots s(3);
  std::vector<std::uint64_t> expired;
  const auto t0 = host_slots::clock::now();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(s.acquire(t0, 30s, expired).what, decision::open);
  s.release(1, t0, true);
  s.release(2, t0 + 1s, true);
  s.release(3, t0 + 2s, false);  // not reusable: its slot is freed
  EXPECT_EQ(s.total(), 2u);
  EXPECT_EQ(s.idle(), 2u);
  auto p = s.acquire(t0 + 3s, 30s, expired);
  EXPECT_EQ(p.what, decision::reuse);
  EXPECT_EQ(p.id, 2u);
  p = s.acquire(t0 + 3s, 30s, expired);
  EXPECT_EQ(p.what, decision::reuse);
  EXPECT_EQ(p.id, 1u);
  EXPECT_EQ(s.acquire(t0 + 3s, 30s, expired).what, decision::open);
  EXPECT_EQ(s.acquire(t0 + 3s, 30s, expired).what, decision::wait);
}

TEST(http_client_pool_test, idle_connections_expire) {
  host_slots s(2);
  std::vector<std::uint64_t> expired;
  const auto t0 = host_slots::clock::now();
  (void)s.acquire(t0, 10s, expired);
  (void)s.acquire(t0, 10s, expired);
  s.release(7, t0, true);
  s.release(8, t0 + 5s, true);
  EXPECT_EQ(s.next_expiry(10s), t0 + 10s);
  EXPECT_TRUE(s.expire(t0 + 9s, 10s).empty());
  EXPECT_EQ(s.expire(t0 + 10s, 10s), std::vector<std::uint64_t>{7});
  EXPECT_EQ(s.total(), 1u);
  // acquire drops the expired one first, then opens.
  auto p = s.acquire(t0 + 15s, 10s, expired);
  EXPECT_EQ(expired, std::vector<std::uint64_t>{8});
  EXPECT_EQ(p.what, decision::open);
  EXPECT_EQ(s.next_expiry(10s), host_slots::clock::time_point::max());
}

TEST(http_client_pool_test, server_closing_an_idle_connection_frees_its_slot) {
  host_slots s(1);
  std::vector<std::uint64_t> expired;
  const auto t0 = host_slots::clock::now();
  (void)s.acquire(t0, 10s, expired);
  s.release(4, t0, true);
  EXPECT_FALSE(s.closed_while_idle(5));
  EXPECT_TRUE(s.closed_while_idle(4));
  EXPECT_EQ(s.total(), 0u);
  EXPECT_EQ(s.acquire(t0, 10s, expired).what, decision::open);
}

TEST(http_client_pool_test, a_zero_limit_means_one) {
  host_slots s(0);
  EXPECT_EQ(s.limit(), 1u);
}

TEST(http_client_pool_test, error_codes_in_the_client_range_have_names) {
  namespace ec = network_system::error_codes;
  for (int code : {ec::http_client_timeout, ec::http_client_idle_expired,
                   ec::http_client_insecure_redirect, ec::http_client_queue_full}) {
    EXPECT_LE(code, -720);
    EXPECT_GE(code, -739);
    EXPECT_NE(ec::name(code), "unknown") << code;
  }
  EXPECT_EQ(ec::name(ec::http_client_timeout), "http_client_timeout");
}

}  // namespace
