// The awaitable forms over real loopback TCP connections: round trips, pull mode next to
// callbacks, cancellation and timeouts that lose nothing, the close reason after what is
// queued, and async_send's back-pressure against a peer that does not read.
#include "network_system/session/messaging_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "integration/support/coro_runner.h"
#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/messaging_client.h"
#include "network_system/core/messaging_server.h"

namespace integration {
namespace {

namespace ns = network_system;
namespace ec = network_system::error_codes;
using bytes = std::vector<std::uint8_t>;
using session_ptr = std::shared_ptr<ns::session::messaging_session>;

// A server whose sessions are captured as they connect; echoes through its callback when
// `echo` is set; counts what its receive callback saw.
struct test_server {
  explicit test_server(bool echo, ns::core::server_config config = {}) {
    config.io_threads = 1;
    server = std::make_shared<ns::core::messaging_server>("coro", config);
    server->set_connection_callback([this](const session_ptr& s) {
      std::lock_guard lock(mutex);
      sessions.push_back(s);
    });
    server->set_receive_callback([this, echo](const session_ptr& s, const bytes& data) {
      {
        std::lock_guard lock(mutex);
        seen_by_callback.push_back(text_of(data));
      }
      if (echo) (void)s->send_packet(data);
    });
    auto r = server->start_server("127.0.0.1", 0);
    EXPECT_TRUE(r.is_ok()) << (r.is_err() ? r.error().message : "");
  }
  session_ptr first_session() {
    EXPECT_TRUE(wait_until([&] {
      std::lock_guard lock(mutex);
      return !sessions.empty();
    }));
    std::lock_guard lock(mutex);
    return sessions.empty() ? nullptr : sessions.front();
  }
  std::vector<std::string> callback_messages() {
    std::lock_guard lock(mutex);
    return seen_by_callback;
  }
  std::shared_ptr<ns::core::messaging_server> server;
  std::mutex mutex;
  std::vector<session_ptr> sessions;
  std::vector<std::string> seen_by_callback;
};

TEST(AwaitableTest, ClientStartSendReceiveRoundTrip) {
  test_server srv(/*echo=*/true);
  coro_runner runner;
  auto client = std::make_shared<ns::core::messaging_client>("c");
  const auto port = srv.server->port();
  auto got = runner.run([&]() -> asio::awaitable<std::vector<std::string>> {
    auto started = co_await client->async_start_client("127.0.0.1", port);
    EXPECT_TRUE(started.is_ok()) << (started.is_err() ? started.error().message : "");
    std::vector<std::string> replies;
    for (int i = 0; i < 50; ++i) {
      auto sent = co_await client->async_send(bytes_of("m" + std::to_string(i)));
      EXPECT_TRUE(sent.is_ok());
      auto reply = co_await client->async_receive();
      if (reply.is_err()) {
        ADD_FAILURE() << reply.error().message;
        break;
      }
      replies.push_back(text_of(reply.value()));
    }
    co_return replies;
  }());
  ASSERT_EQ(got.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(got[i], "m" + std::to_string(i));
  client->stop_client();
}

TEST(AwaitableTest, StartFailureIsAResult) {
  coro_runner runner;
  auto client = std::make_shared<ns::core::messaging_client>("c");
  const auto port = closed_port();
  auto r = runner.run([&]() -> asio::awaitable<ns::VoidResult> {
    co_return co_await client->async_start_client("127.0.0.1", port);
  }());
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::connection_refused) << r.error().message;
  // A second start after the failure works as usual (nothing listens: the same error).
  auto again = client->start_client("127.0.0.1", port);
  ASSERT_TRUE(again.is_err());
  EXPECT_EQ(again.error().code, ec::connection_refused);
}

TEST(AwaitableTest, ReceiveBeforeStartIsNotConnected) {
  coro_runner runner;
  auto client = std::make_shared<ns::core::messaging_client>("c");
  auto r = runner.run([&]() -> asio::awaitable<ns::Result<bytes>> {
    co_return co_await client->async_receive();
  }());
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::not_connected);
}

// Messages before the first async_receive go to the callback, every later one to the inbox,
// in order; each exactly once.
TEST(AwaitableTest, SessionPullModeTakesOverFromTheCallback) {
  test_server srv(/*echo=*/false);
  auto client = std::make_shared<ns::core::messaging_client>("c");
  ASSERT_TRUE(client->start_client("127.0.0.1", srv.server->port()).is_ok());
  ASSERT_TRUE(client->send_packet("before").is_ok());
  ASSERT_TRUE(wait_until([&] { return srv.callback_messages().size() == 1; }));
  auto s = srv.first_session();
  ASSERT_TRUE(s);

  coro_runner runner;
  // A named lambda: the coroutine refers to its captures after spawn() returns.
  auto pulled_body = [&]() -> asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> out;
    for (int i = 0; i < 20; ++i) {
      auto m = co_await s->async_receive();
      if (m.is_err()) break;
      out.push_back(text_of(m.value()));
    }
    co_return out;
  };
  auto pulled = runner.spawn(pulled_body());
  // The first receive is initiated on the runner's only thread; once a coroutine spawned
  // after it has run there, the session is in pull mode.
  ASSERT_TRUE(runner.run([]() -> asio::awaitable<bool> { co_return true; }()));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(client->send_packet("p" + std::to_string(i)).is_ok());
  ASSERT_TRUE(ready_in_time(pulled));
  auto got = pulled.get();
  ASSERT_EQ(got.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(got[i], "p" + std::to_string(i));
  EXPECT_EQ(srv.callback_messages(), std::vector<std::string>{"before"});
  client->stop_client();
}

TEST(AwaitableTest, SessionAsyncSendReachesThePeer) {
  test_server srv(/*echo=*/false);
  auto client = std::make_shared<ns::core::messaging_client>("c");
  std::mutex m;
  std::vector<std::string> received;
  client->set_receive_callback([&](const bytes& d) {
    std::lock_guard lock(m);
    received.push_back(text_of(d));
  });
  ASSERT_TRUE(client->start_client("127.0.0.1", srv.server->port()).is_ok());
  auto s = srv.first_session();
  ASSERT_TRUE(s);
  coro_runner runner;
  auto r = runner.run([&]() -> asio::awaitable<bool> {
    for (int i = 0; i < 10; ++i) {
      auto sent = co_await s->async_send(bytes_of("s" + std::to_string(i)));
      if (sent.is_err()) co_return false;
    }
    co_return true;
  }());
  EXPECT_TRUE(r);
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(m);
    return received.size() == 10;
  }));
  std::lock_guard lock(m);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(received[i], "s" + std::to_string(i));
  client->stop_client();
}

TEST(AwaitableTest, CanceledReceiveLosesNothing) {
  test_server srv(/*echo=*/true);
  auto client = std::make_shared<ns::core::messaging_client>("c");
  ASSERT_TRUE(client->start_client("127.0.0.1", srv.server->port()).is_ok());
  coro_runner runner;
  // A receive canceled through its slot completes with operation_canceled...
  auto canceled = runner.run([&]() -> asio::awaitable<ns::Result<bytes>> {
    asio::cancellation_signal signal;
    auto ex = co_await asio::this_coro::executor;
    asio::post(ex, [&signal] { signal.emit(asio::cancellation_type::terminal); });
    co_return co_await client->async_receive(
        asio::bind_cancellation_slot(signal.slot(), asio::use_awaitable));
  }());
  ASSERT_TRUE(canceled.is_err());
  EXPECT_EQ(canceled.error().code, ec::operation_canceled) << canceled.error().message;

  // ...and receives that time out while echoes keep arriving take none of them: every echo
  // of 200 is received once, in order, however the timeouts interleave.
  constexpr int count = 200;
  auto got = runner.run([&]() -> asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> out;
    int timeouts = 0;
    for (int i = 0; i < count; ++i) {
      EXPECT_TRUE((co_await client->async_send(bytes_of("e" + std::to_string(i)))).is_ok());
    }
    while (out.size() < count && timeouts < 100000) {
      auto m = co_await client->async_receive(std::chrono::milliseconds(1));
      if (m.is_ok()) {
        out.push_back(text_of(m.value()));
      } else {
        EXPECT_EQ(m.error().code, ec::connection_timeout) << m.error().message;
        ++timeouts;
      }
    }
    co_return out;
  }());
  ASSERT_EQ(got.size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) EXPECT_EQ(got[i], "e" + std::to_string(i));
  client->stop_client();
}

TEST(AwaitableTest, ReceiveTimeoutWithNothingSent) {
  test_server srv(/*echo=*/false);
  auto client = std::make_shared<ns::core::messaging_client>("c");
  ASSERT_TRUE(client->start_client("127.0.0.1", srv.server->port()).is_ok());
  auto s = srv.first_session();
  ASSERT_TRUE(s);
  coro_runner runner;
  auto r = runner.run([&]() -> asio::awaitable<ns::Result<bytes>> {
    co_return co_await s->async_receive(std::chrono::milliseconds(20));
  }());
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::connection_timeout);
  EXPECT_NE(r.error().message.find("20 ms"), std::string::npos) << r.error().message;
  client->stop_client();
}

// The close reason completes a waiting receive after everything queued, and every later one.
TEST(AwaitableTest, CloseReasonAfterQueuedMessages) {
  test_server srv(/*echo=*/false);
  auto client = std::make_shared<ns::core::messaging_client>("c");
  ASSERT_TRUE(client->start_client("127.0.0.1", srv.server->port()).is_ok());
  auto s = srv.first_session();
  ASSERT_TRUE(s);
  coro_runner runner;
  std::atomic<bool> waiting{false};
  // A named lambda: the coroutine refers to its captures after spawn() returns.
  auto results_body = [&]() -> asio::awaitable<std::vector<ns::Result<bytes>>> {
    std::vector<ns::Result<bytes>> out;
    waiting = true;
    out.push_back(co_await client->async_receive());  // waits: in pull mode from here
    // Let the rest arrive and the close happen before taking anything more.
    asio::steady_timer t(co_await asio::this_coro::executor);
    while (client->is_connected()) {
      t.expires_after(std::chrono::milliseconds(1));
      co_await t.async_wait(asio::use_awaitable);
    }
    for (int i = 0; i < 4; ++i) out.push_back(co_await client->async_receive());
    co_return out;
  };
  auto results = runner.spawn(results_body());
  ASSERT_TRUE(wait_until([&] { return waiting.load(); }));
  // The receive is initiated in the same handler that set `waiting`, on the runner's only
  // thread: once a later coroutine has run there, the client is in pull mode.
  ASSERT_TRUE(runner.run([]() -> asio::awaitable<bool> { co_return true; }()));
  for (const char* m : {"one", "two", "three"}) ASSERT_TRUE(s->send_packet(m).is_ok());
  s->close("done here");
  ASSERT_TRUE(ready_in_time(results));
  auto out = results.get();
  ASSERT_EQ(out.size(), 5u);
  const std::vector<std::string> expected{"one", "two", "three"};
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(out[i].is_ok()) << out[i].error().message;
    EXPECT_EQ(text_of(out[i].value()), expected[i]);
  }
  for (std::size_t i = 3; i < 5; ++i) {
    ASSERT_TRUE(out[i].is_err());
    EXPECT_EQ(out[i].error().code, ec::connection_closed) << out[i].error().message;
  }
}

// A sender loop against a peer that does not read: async_send waits at the high-water mark
// instead of refusing, the queue stays bounded, and once the peer reads everything arrives,
// byte-identical and in order.
TEST(AwaitableTest, AsyncSendAppliesBackPressure) {
  ns::core::server_config config;
  config.send_queue.high_water = 256 * 1024;
  config.send_queue.low_water = 64 * 1024;
  test_server srv(/*echo=*/false, config);
  raw_client peer;
  ASSERT_TRUE(peer.connect("127.0.0.1", srv.server->port(), /*receive_buffer=*/16 * 1024));
  auto s = srv.first_session();
  ASSERT_TRUE(s);

  constexpr std::size_t chunk = 32 * 1024;
  // Far more than the queue and every kernel buffer between the two can hold (8 MiB):
  // send_packet would have refused some of it.
  constexpr std::size_t count = 512;  // 16 MiB
  coro_runner runner;
  std::atomic<std::size_t> sent{0};
  std::atomic<std::size_t> max_queued{0};
  std::atomic<int> failures{0};
  // A named lambda: the coroutine refers to its captures after spawn() returns.
  auto sender_body = [&]() -> asio::awaitable<bool> {
    for (std::size_t i = 0; i < count; ++i) {
      auto r = co_await s->async_send(bytes(chunk, static_cast<std::uint8_t>(i)));
      if (r.is_err()) {
        ++failures;
        co_return false;
      }
      sent = i + 1;
      max_queued = std::max(max_queued.load(), s->queued_bytes());
    }
    co_return true;
  };
  auto sender = runner.spawn(sender_body());
  // The peer reads nothing until the queue is at its mark: the next send cannot be queued
  // then, so the sender is waiting (send_packet would refuse it with send_queue_full).
  ASSERT_TRUE(wait_until(
      [&] { return s->queued_bytes() + chunk > config.send_queue.high_water; }));
  EXPECT_LT(sent.load(), count);
  EXPECT_EQ(failures.load(), 0);

  std::size_t frames = 0;
  bool intact = true;
  while (frames < count) {
    auto f = peer.receive_frame();
    if (!f) break;
    if (f->size() != chunk ||
        std::any_of(f->begin(), f->end(),
                    [&](std::uint8_t b) { return b != static_cast<std::uint8_t>(frames); })) {
      if (intact) {
        ADD_FAILURE() << "frame " << frames << ": " << f->size() << " bytes, first "
                      << int(f->empty() ? -1 : (*f)[0]);
      }
      intact = false;
    }
    ++frames;
  }
  ASSERT_TRUE(ready_in_time(sender));
  EXPECT_TRUE(sender.get());
  EXPECT_EQ(frames, count);
  EXPECT_TRUE(intact);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(sent.load(), count);
  EXPECT_LE(max_queued.load(), config.send_queue.high_water + chunk + 16);
}

TEST(AwaitableTest, WaitingSendCompletesWithTheCloseReason) {
  ns::core::server_config config;
  config.send_queue.high_water = 64 * 1024;
  config.send_queue.low_water = 16 * 1024;
  test_server srv(/*echo=*/false, config);
  raw_client peer;
  ASSERT_TRUE(peer.connect("127.0.0.1", srv.server->port(), 16 * 1024));
  auto s = srv.first_session();
  ASSERT_TRUE(s);
  coro_runner runner;
  // A named lambda: the coroutine refers to its captures after spawn() returns.
  auto last_body = [&]() -> asio::awaitable<ns::VoidResult> {
    for (;;) {
      auto r = co_await s->async_send(bytes(32 * 1024, 7));
      if (r.is_err()) co_return r;
    }
  };
  auto last = runner.spawn(last_body());
  ASSERT_TRUE(wait_until([&] { return s->queued_bytes() + 32 * 1024 > 64 * 1024; }));
  peer.reset();  // the session fails with a reset (or sees EOF) and the waiting send ends
  ASSERT_TRUE(ready_in_time(last));
  auto r = last.get();
  ASSERT_TRUE(r.is_err());
  EXPECT_TRUE(r.error().code == ec::connection_reset || r.error().code == ec::connection_closed ||
              r.error().code == ec::not_connected)
      << ec::name(r.error().code) << ": " << r.error().message;
}

// Completion tokens other than use_awaitable: a plain callback, and cancellation by
// awaitable_operators' `||` (the timer wins, the receive is canceled, the message stays).
TEST(AwaitableTest, CallbackTokenAndAwaitableOperators) {
  test_server srv(/*echo=*/true);
  auto client = std::make_shared<ns::core::messaging_client>("c");
  ASSERT_TRUE(client->start_client("127.0.0.1", srv.server->port()).is_ok());
  coro_runner runner;
  auto raced = runner.run([&]() -> asio::awaitable<int> {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(5));
    auto which = co_await (client->async_receive() || t.async_wait(asio::use_awaitable));
    co_return static_cast<int>(which.index());
  }());
  EXPECT_EQ(raced, 1);  // nothing was sent: the timer won

  std::promise<ns::Result<bytes>> got;
  client->async_receive([&got](ns::Result<bytes> r) { got.set_value(std::move(r)); });
  ASSERT_TRUE(client->send_packet("via callback token").is_ok());
  auto f = got.get_future();
  ASSERT_EQ(f.wait_for(long_wait), std::future_status::ready);
  auto r = f.get();
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_EQ(text_of(r.value()), "via callback token");
  client->stop_client();
}

// A send waiting at the high-water mark can be canceled: it completes with
// operation_canceled and its message is not sent.
TEST(AwaitableTest, WaitingSendCanBeCanceled) {
  ns::core::server_config config;
  config.send_queue.high_water = 64 * 1024;
  config.send_queue.low_water = 16 * 1024;
  test_server srv(/*echo=*/false, config);
  raw_client peer;
  ASSERT_TRUE(peer.connect("127.0.0.1", srv.server->port(), 16 * 1024));
  auto s = srv.first_session();
  ASSERT_TRUE(s);
  coro_runner runner;
  asio::cancellation_signal signal;
  std::atomic<int> sent{0};
  auto fill_body = [&]() -> asio::awaitable<ns::VoidResult> {
    for (;;) {
      auto r = co_await s->async_send(bytes(32 * 1024, 1),
                                      asio::bind_cancellation_slot(signal.slot(),
                                                                   asio::use_awaitable));
      if (r.is_err()) co_return r;
      ++sent;
    }
  };
  auto fill = runner.spawn(fill_body());
  ASSERT_TRUE(wait_until([&] { return s->queued_bytes() + 32 * 1024 > 64 * 1024; }));
  // Emitted on the runner's thread, as Asio requires of a slot's signal. A signal emitted
  // between two sends reaches no operation (Asio drops it), so emit until the loop ends.
  const auto deadline = std::chrono::steady_clock::now() + long_wait;
  while (!fill.ready(std::chrono::milliseconds(10)) && std::chrono::steady_clock::now() < deadline) {
    asio::post(runner.context(), [&] { signal.emit(asio::cancellation_type::terminal); });
  }
  ASSERT_TRUE(ready_in_time(fill));
  auto r = fill.get();
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::operation_canceled) << r.error().message;
  // Everything accepted before the cancel arrives, and nothing after it.
  const auto accepted = static_cast<std::size_t>(sent.load());
  std::size_t frames = 0;
  while (frames < accepted + 1) {
    auto frame = peer.receive_frame(frames < accepted ? long_wait : std::chrono::milliseconds(200));
    if (!frame) break;
    ++frames;
  }
  EXPECT_EQ(frames, accepted);
}

}  // namespace
}  // namespace integration

namespace integration {
namespace {

// A pull-mode session whose application does not receive: above send_queue.high_water bytes
// in its inbox it stops reading (the peer's window closes), and once the application receives
// again every message arrives, in order.
TEST(AwaitableTest, FullInboxPausesReadingAndLosesNothing) {
  ns::core::server_config config;
  config.io_threads = 1;
  config.send_queue.high_water = 256 * 1024;
  config.send_queue.low_water = 64 * 1024;
  auto server = std::make_shared<ns::core::messaging_server>("inbox", config);
  std::mutex mutex;
  session_ptr session;
  server->set_connection_callback([&](const session_ptr& s) {
    std::lock_guard lock(mutex);
    session = s;
  });
  // No receive callback: every message goes to the session's inbox (pull mode).
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());

  constexpr std::size_t count = 64;
  constexpr std::size_t size = 32 * 1024;
  raw_client peer;
  ASSERT_TRUE(peer.connect("127.0.0.1", server->port()));
  std::atomic<bool> sent_all{false};
  std::thread sender([&] {  // blocks once the server stops reading and the buffers are full
    bool ok = true;
    for (std::size_t i = 0; i < count && ok; ++i) {
      ok = peer.send_all(length_prefixed(bytes(size, static_cast<std::uint8_t>(i))));
    }
    sent_all.store(ok);
  });
  session_ptr s;
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mutex);
    s = session;
    return s && s->get_statistics().read_pauses > 0;
  })) << "the session never paused with 2 MiB waiting in an inbox of 256 KiB";

  coro_runner runner;
  auto body = [&]() -> asio::awaitable<std::size_t> {
    std::size_t in_order = 0;
    for (std::size_t i = 0; i < count; ++i) {
      auto m = co_await s->async_receive();
      if (m.is_err() || m.value() != bytes(size, static_cast<std::uint8_t>(i))) break;
      ++in_order;
    }
    co_return in_order;
  };
  auto received = runner.spawn(body());
  ASSERT_TRUE(ready_in_time(received));
  EXPECT_EQ(received.get(), count);
  sender.join();
  EXPECT_TRUE(sent_all.load());
  EXPECT_TRUE(server->stop_server().is_ok());
}

}  // namespace
}  // namespace integration
