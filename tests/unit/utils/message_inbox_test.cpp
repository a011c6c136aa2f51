#include "utils/detail/message_inbox.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/io_context.hpp>

namespace {

namespace ns = network_system;
using bytes = std::vector<std::uint8_t>;
using inbox = ns::utils::detail::message_inbox<bytes>;
using result = ns::Result<bytes>;

// Starts a receive whose result lands in `out` once `ctx` runs its handlers.
void pop_into(inbox& in, asio::io_context& ctx, std::optional<result>& out,
              std::optional<std::chrono::milliseconds> timeout = {}) {
  in.async_pop({[&out](result r) { out.emplace(std::move(r)); }, ctx.get_executor()}, timeout,
               ctx.get_executor());
}

TEST(MessageInboxTest, CallbackModeUntilTheFirstReceive) {
  auto in = std::make_shared<inbox>("test");
  EXPECT_FALSE(in->deliver(bytes{1}));
  EXPECT_EQ(in->queued_messages(), 0u);
  in->enter_pull_mode();
  EXPECT_TRUE(in->deliver(bytes{2}));
  EXPECT_EQ(in->queued_messages(), 1u);
}

TEST(MessageInboxTest, QueuedInOrderAndHandedToWaiters) {
  asio::io_context ctx;
  auto in = std::make_shared<inbox>("test");
  std::optional<result> a, b, c;
  pop_into(*in, ctx, a);  // waits
  EXPECT_EQ(in->waiting_receives(), 1u);
  in->push(bytes{1});
  in->push(bytes{2});
  in->push(bytes{3});
  pop_into(*in, ctx, b);
  pop_into(*in, ctx, c);
  EXPECT_FALSE(a.has_value());  // completions are posted, never inline
  ctx.run();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->value(), bytes{1});
  EXPECT_EQ(b->value(), bytes{2});
  EXPECT_EQ(c->value(), bytes{3});
  EXPECT_EQ(in->queued_messages(), 0u);
}

TEST(MessageInboxTest, CancelTakesNothing) {
  asio::io_context ctx;
  auto in = std::make_shared<inbox>("test");
  asio::cancellation_signal signal;
  std::optional<result> canceled, next;
  in->async_pop({asio::bind_cancellation_slot(signal.slot(),
                                              [&](result r) { canceled.emplace(std::move(r)); }),
                 ctx.get_executor()});
  signal.emit(asio::cancellation_type::terminal);
  in->push(bytes{9});
  pop_into(*in, ctx, next);
  ctx.run();
  ASSERT_TRUE(canceled && canceled->is_err());
  EXPECT_EQ(canceled->error().code, ns::error_codes::operation_canceled);
  ASSERT_TRUE(next && next->is_ok());
  EXPECT_EQ(next->value(), bytes{9});
}

TEST(MessageInboxTest, TimeoutTakesNothing) {
  asio::io_context ctx;
  auto in = std::make_shared<inbox>("test");
  std::optional<result> timed_out;
  pop_into(*in, ctx, timed_out, std::chrono::milliseconds(1));
  ctx.run();
  ASSERT_TRUE(timed_out && timed_out->is_err());
  EXPECT_EQ(timed_out->error().code, ns::error_codes::connection_timeout);
  EXPECT_EQ(in->waiting_receives(), 0u);
  in->push(bytes{4});
  EXPECT_EQ(in->queued_messages(), 1u);
}

TEST(MessageInboxTest, MessageBeforeTheTimeoutCancelsTheTimer) {
  asio::io_context ctx;
  auto in = std::make_shared<inbox>("test");
  std::optional<result> got;
  pop_into(*in, ctx, got, std::chrono::hours(1));
  in->push(bytes{5});
  ctx.run();  // returns: the timer was canceled, nothing keeps the context busy for an hour
  ASSERT_TRUE(got && got->is_ok());
  EXPECT_EQ(got->value(), bytes{5});
}

TEST(MessageInboxTest, CloseAfterWhatIsQueued) {
  asio::io_context ctx;
  auto in = std::make_shared<inbox>("test");
  in->enter_pull_mode();
  in->push(bytes{1});
  in->close(ns::error_info{ns::error_codes::connection_closed, "peer closed", "test", {}});
  in->close(ns::error_info{ns::error_codes::server_stopped, "later", "test", {}});
  EXPECT_FALSE(in->push(bytes{2}));
  std::optional<result> a, b, c;
  pop_into(*in, ctx, a);
  pop_into(*in, ctx, b);
  pop_into(*in, ctx, c);
  ctx.run();
  ASSERT_TRUE(a && a->is_ok());
  EXPECT_EQ(a->value(), bytes{1});
  ASSERT_TRUE(b && b->is_err());
  EXPECT_EQ(b->error().code, ns::error_codes::connection_closed);  // the first reason sticks
  ASSERT_TRUE(c && c->is_err());
  EXPECT_EQ(c->error().code, ns::error_codes::connection_closed);
}

TEST(MessageInboxTest, CloseCompletesWaiters) {
  asio::io_context ctx;
  auto in = std::make_shared<inbox>("test");
  std::optional<result> a;
  pop_into(*in, ctx, a);
  in->close(ns::error_info{ns::error_codes::connection_reset, "reset", "test", {}});
  ctx.run();
  ASSERT_TRUE(a && a->is_err());
  EXPECT_EQ(a->error().code, ns::error_codes::connection_reset);
}

TEST(MessageInboxTest, FlowControlPausesAboveHighResumesAtLow) {
  asio::io_context ctx;
  auto in = std::make_shared<inbox>("test", ns::utils::detail::inbox_limits{10, 4, 0});
  std::vector<bool> calls;
  in->set_flow_control([&](bool pause) { calls.push_back(pause); });
  in->enter_pull_mode();
  for (int i = 0; i < 4; ++i) in->push(bytes(3, 0));  // 12 bytes > 10: one pause
  EXPECT_EQ(calls, std::vector<bool>{true});
  std::optional<result> r1, r2, r3;
  pop_into(*in, ctx, r1);  // 9 left
  pop_into(*in, ctx, r2);  // 6 left
  EXPECT_EQ(calls, std::vector<bool>{true});
  pop_into(*in, ctx, r3);  // 3 left <= 4: resume
  EXPECT_EQ(calls, (std::vector<bool>{true, false}));
  ctx.run();
}

TEST(MessageInboxTest, DropAboveRefusesWhatDoesNotFit) {
  auto in = std::make_shared<inbox>("test", ns::utils::detail::inbox_limits{100, 50, 8});
  in->enter_pull_mode();
  EXPECT_TRUE(in->push(bytes(5, 0)));
  EXPECT_FALSE(in->push(bytes(5, 0)));  // 10 > 8
  EXPECT_TRUE(in->push(bytes(3, 0)));   // 8 fits
  EXPECT_EQ(in->dropped(), 1u);
  EXPECT_EQ(in->queued_bytes(), 8u);
}

}  // namespace
