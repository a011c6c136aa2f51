// http_server answers that are not made inside the handler: deferred answers from other
// threads, coroutine handlers, streamed (chunked) bodies with back-pressure, Server-Sent
// Events. On real sockets; every wait is bounded.

#include "network_system/http/http_server.h"

#include <gtest/gtest.h>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/http/http_test_server.h"
#include "integration/support/raw_http.h"
#include "network_system/core/error_codes.h"

namespace integration {
namespace {

namespace codes = network_system::error_codes;
using namespace std::chrono_literals;

// Threads a test's handlers start; joined before the server goes (declare it after the server).
class workers {
 public:
  template <typename F>
  void run(F f) {
    std::lock_guard lock(mutex_);
    threads_.emplace_back(std::move(f));
  }
  ~workers() {
    std::vector<std::jthread> taken;
    {
      std::lock_guard lock(mutex_);
      taken.swap(threads_);
    }
  }

 private:
  std::mutex mutex_;
  std::vector<std::jthread> threads_;
};

std::string pattern(std::size_t n, std::size_t seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return s;
}

// GET /stream/:pieces/:size: `pieces` pieces of `size` bytes, written on the connection's
// thread as the queue takes them (waiting for on_drain when write says so).
struct stream_producer : std::enable_shared_from_this<stream_producer> {
  nhttp::response_stream stream;
  std::size_t pieces = 0, size = 0, next = 0;
  std::atomic<int>* drains = nullptr;
  void produce() {
    while (next < pieces) {
      auto r = stream.write(pattern(size, next));
      if (r.is_err()) return;
      ++next;
      if (!r.value()) {
        stream.on_drain([self = shared_from_this()] {
          if (self->drains) self->drains->fetch_add(1);
          self->produce();
        });
        return;
      }
    }
    (void)stream.finish();
  }
};

void add_stream_route(nhttp::router& routes, std::atomic<int>* drains = nullptr) {
  (void)routes.get("/stream/:pieces/:size", [drains](nhttp::request& req, nhttp::response& res) {
    auto p = std::make_shared<stream_producer>();
    p->pieces = std::stoul(std::string(*req.param("pieces")));
    p->size = std::stoul(std::string(*req.param("size")));
    p->drains = drains;
    p->stream = res.stream("application/octet-stream");
    asio::post(p->stream.context(), [p] { p->produce(); });
  });
}

std::string expected_stream(std::size_t pieces, std::size_t size) {
  std::string s;
  for (std::size_t i = 0; i < pieces; ++i) s += pattern(size, i);
  return s;
}

TEST(HttpServerAsync, DeferredAnswersFromOtherThreadsKeepPipelinedOrder) {
  http_test_server s;
  workers pool;
  (void)s.server().routes().get("/later/:ms", [&pool](nhttp::request& req, nhttp::response& res) {
    auto later = res.defer();
    const auto ms = std::stoi(std::string(*req.param("ms")));
    pool.run([later, ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      nhttp::response answer;
      answer.text("later-" + std::to_string(ms));
      EXPECT_TRUE(later.send(std::move(answer)).is_ok());
    });
  });
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /later/80 HTTP/1.1\r\nHost: t\r\n\r\n"
                     "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                     "GET /later/5 HTTP/1.1\r\nHost: t\r\n\r\n"));
  for (std::string_view want : {"later-80", "Hello, World!", "later-5"}) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << c.last_error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, want);
    EXPECT_TRUE(r->keep_alive);
  }
}

TEST(HttpServerAsync, DeferredAnswerSentTwiceIsRefusedTheSecondTime) {
  http_test_server s;
  std::promise<int> second;
  (void)s.server().routes().get("/twice", [&second](nhttp::request&, nhttp::response& res) {
    auto later = res.defer();
    nhttp::response a;
    a.text("first");
    (void)later.send(a);
    second.set_value(later.send(a).error().code);
  });
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /twice HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->body, "first");
  EXPECT_EQ(second.get_future().get(), codes::invalid_state);
}

TEST(HttpServerAsync, AfterHooksRunOnTheDeferredAnswer) {
  http_test_server s;
  s.server().app().use_after([](const nhttp::request& req, nhttp::response& res) {
    res.set_header("X-After", std::string(req.raw_path()));
  });
  workers pool;
  (void)s.server().routes().get("/later", [&pool](nhttp::request&, nhttp::response& res) {
    auto later = res.defer();
    pool.run([later] {
      nhttp::response answer;
      answer.text("done");
      (void)later.send(std::move(answer));
    });
  });
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /later HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(r->field("X-After"), "/later");
}

TEST(HttpServerAsync, DroppedDeferredAnswerIs500AndReported) {
  http_test_server s;
  (void)s.server().routes().get("/lost", [](nhttp::request&, nhttp::response& res) {
    (void)res.defer();  // the handle goes at once, never sent
  });
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /lost HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 500);
  auto next = c.read_response();
  ASSERT_TRUE(next) << c.last_error();
  EXPECT_EQ(next->body, "Hello, World!");
  EXPECT_TRUE(s.has_error(codes::invalid_state));
}

TEST(HttpServerAsync, CoroutineHandlerAwaitsATimerAndAnswers) {
  http_test_server s;
  (void)s.server().routes().get("/coro/:name",
                                [](nhttp::request& req) -> asio::awaitable<nhttp::response> {
    asio::steady_timer t(co_await asio::this_coro::executor, 20ms);
    co_await t.async_wait(asio::use_awaitable);
    nhttp::response res;
    res.text("coro:" + std::string(*req.param("name")));
    co_return res;
  });
  (void)s.server().routes().get("/coro-throws", [](nhttp::request&) -> asio::awaitable<nhttp::response> {
    asio::steady_timer t(co_await asio::this_coro::executor, 1ms);
    co_await t.async_wait(asio::use_awaitable);
    throw std::runtime_error("coroutine failed");
  });
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /coro/a HTTP/1.1\r\nHost: t\r\n\r\n"
                     "GET /coro-throws HTTP/1.1\r\nHost: t\r\n\r\n"
                     "GET /coro/b HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto a = c.read_response();
  ASSERT_TRUE(a) << c.last_error();
  EXPECT_EQ(a->body, "coro:a");
  auto failed = c.read_response();
  ASSERT_TRUE(failed) << c.last_error();
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(failed->body.find("coroutine failed"), std::string::npos);
  auto b = c.read_response();
  ASSERT_TRUE(b) << c.last_error();
  EXPECT_EQ(b->body, "coro:b");
}

TEST(HttpServerAsync, CoroutineHandlerCalledOutsideAServerAnswers500) {
  nhttp::router routes;
  (void)routes.get("/c", [](nhttp::request&) -> asio::awaitable<nhttp::response> {
    co_return nhttp::response{};
  });
  nhttp::pipeline app(std::move(routes));
  auto built = nhttp::request::from_head(
      network_system::protocol::http::request_head{.method = "GET", .target = "/c"});
  ASSERT_TRUE(built.is_ok());
  auto res = app.handle(built.value());
  EXPECT_EQ(res.status(), 500);
}

TEST(HttpServerAsync, StreamedBodyIsChunkedCompleteAndTheConnectionGoesOn) {
  http_test_server s;
  add_stream_route(s.server().routes());
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /stream/50/1000 HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->field("Transfer-Encoding"), "chunked");
  EXPECT_TRUE(r->field("Content-Length").empty());
  EXPECT_EQ(r->field("Content-Type"), "application/octet-stream");
  EXPECT_EQ(r->body, expected_stream(50, 1000));
  auto next = c.read_response();
  ASSERT_TRUE(next) << c.last_error();
  EXPECT_EQ(next->body, "Hello, World!");
}

TEST(HttpServerAsync, StreamToASlowReaderWaitsForDrainAndLosesNothing) {
  auto config = http_test_server::small_config();
  config.server.send_queue.low_water = 64 * 1024;
  config.server.send_queue.high_water = 256 * 1024;
  http_test_server s(config);
  std::atomic<int> drains{0};
  add_stream_route(s.server().routes(), &drains);
  raw_http c(s.start(), 30s);
  // 16 MiB in 64 KiB pieces: far more than the socket buffers and the queue's marks hold, so
  // the producer must wait for the reader, which starts late.
  ASSERT_TRUE(c.send("GET /stream/256/65536 HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::this_thread::sleep_for(200ms);
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  ASSERT_EQ(r->body.size(), 256u * 65536u);
  EXPECT_TRUE(r->body == expected_stream(256, 65536));
  EXPECT_GT(drains.load(), 0);
}

TEST(HttpServerAsync, StreamWrittenFromAnotherThreadKeepsItsOrder) {
  http_test_server s;
  workers pool;
  (void)s.server().routes().get("/threaded", [&pool](nhttp::request&, nhttp::response& res) {
    auto stream = res.stream("text/plain");
    pool.run([stream] {
      for (int i = 0; i < 200; ++i) {
        // Honour back-pressure without a callback: the queue's marks are far above 200 lines.
        auto r = stream.write("line " + std::to_string(i) + "\n");
        ASSERT_TRUE(r.is_ok()) << r.error().message;
      }
      network_system::protocol::http::http_fields trailers;
      trailers.add("X-Lines", "200");
      ASSERT_TRUE(stream.finish(trailers).is_ok());
    });
  });
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /threaded HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  std::string want;
  for (int i = 0; i < 200; ++i) want += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(r->body, want);
}

TEST(HttpServerAsync, HeadOfAStreamedRouteHasTheFieldsAndNoBody) {
  http_test_server s;
  add_stream_route(s.server().routes());
  raw_http c(s.start());
  ASSERT_TRUE(c.send("HEAD /stream/5/100 HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response("HEAD");
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->field("Transfer-Encoding"), "chunked");
  EXPECT_TRUE(r->body.empty());
  auto next = c.read_response();
  ASSERT_TRUE(next) << c.last_error();
  EXPECT_EQ(next->body, "Hello, World!");
}

TEST(HttpServerAsync, StreamToAnHttp10ClientEndsWithTheClose) {
  http_test_server s;
  add_stream_route(s.server().routes());
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /stream/7/300 HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_TRUE(r->field("Transfer-Encoding").empty());
  EXPECT_EQ(r->field("Connection"), "close");
  EXPECT_EQ(r->body, expected_stream(7, 300));
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServerAsync, DroppedStreamClosesTheConnectionSoTheBodyIsSeenIncomplete) {
  http_test_server s;
  (void)s.server().routes().get("/dropped", [](nhttp::request&, nhttp::response& res) {
    auto stream = res.stream("text/plain");
    (void)stream.write("partial");
  });  // the handle goes without finish()
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /dropped HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_FALSE(c.read_response());
  EXPECT_TRUE(s.has_error(codes::invalid_state));
}

TEST(HttpServerAsync, ClientLeavingMidStreamRunsOnClose) {
  http_test_server s;
  std::promise<int> closed;
  std::atomic<bool> once{false};
  (void)s.server().routes().get("/ticks", [&](nhttp::request&, nhttp::response& res) {
    auto stream = res.stream("text/plain");
    stream.on_close([&](const network_system::error_info& e) {
      if (!once.exchange(true)) closed.set_value(e.code);
    });
    // A tick every 5 ms on the connection's thread until the write fails.
    auto timer = std::make_shared<asio::steady_timer>(stream.context());
    auto tick = std::make_shared<std::function<void()>>();
    // The closure holds itself only weakly; the pending wait holds it while it waits.
    *tick = [stream, timer, self = std::weak_ptr<std::function<void()>>(tick)] {
      if (stream.write("tick\n").is_err()) return;
      timer->expires_after(5ms);
      timer->async_wait([next = self.lock()](const std::error_code& ec) {
        if (!ec && next) (*next)();
      });
    };
    asio::post(stream.context(), [tick] { (*tick)(); });
  });
  {
    raw_http c(s.start());
    ASSERT_TRUE(c.send("GET /ticks HTTP/1.1\r\nHost: t\r\n\r\n"));
    std::this_thread::sleep_for(50ms);
  }  // the client closes with the stream open
  auto f = closed.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_NE(f.get(), 0);
}

TEST(HttpServerAsync, ServerSentEventsArriveAsSent) {
  http_test_server s;
  (void)s.server().routes().get("/events", [](nhttp::request& req, nhttp::response& res) {
    auto events = nhttp::sse_stream::start(res);
    const auto last = req.header("Last-Event-ID");
    (void)events.send({.data = "resumed after " + std::string(last ? *last : "none")});
    (void)events.send({.data = "line 1\nline 2", .event = "update", .id = "7"});
    (void)events.comment("keep-alive");
    (void)events.send({.data = "", .retry = 1500ms});
    (void)events.close();
  });
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /events HTTP/1.1\r\nHost: t\r\nLast-Event-ID: 6\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->field("Content-Type"), "text/event-stream");
  EXPECT_EQ(r->field("Cache-Control"), "no-cache");
  EXPECT_EQ(r->body,
            "data: resumed after 6\n\n"
            "event: update\nid: 7\ndata: line 1\ndata: line 2\n\n"
            ": keep-alive\n"
            "retry: 1500\ndata: \n\n");
}

}  // namespace
}  // namespace integration
