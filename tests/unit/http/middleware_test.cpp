#include "network_system/http/middleware.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "network_system/protocol/http/response_parser.h"

namespace network_system::http {
namespace {

namespace ph = protocol::http;

request make(std::string method, std::string target,
             std::initializer_list<std::pair<const char*, const char*>> fields = {}) {
  ph::request_head h;
  h.method = std::move(method);
  h.target = std::move(target);
  h.fields.add("Host", "example.com");
  for (const auto& [n, v] : fields) h.fields.add(n, v);
  auto r = request::from_head(std::move(h));
  EXPECT_TRUE(r.is_ok());
  return r.is_ok() ? std::move(r.value()) : request{};
}

router demo_routes() {
  router r;
  EXPECT_TRUE(r.get("/hello", [](request&, response& res) { res.text("Hello, World!"); }).is_ok());
  EXPECT_TRUE(r.post("/echo", [](request& req, response& res) {
                 res.set_body(req.body(), req.header("Content-Type").value_or(""));
               }).is_ok());
  EXPECT_TRUE(r.get("/users/:id", [](request& req, response& res) {
                 res.text("user " + std::string(*req.param("id")) + " via " + req.route_pattern());
               }).is_ok());
  EXPECT_TRUE(r.del("/users/:id", [](request&, response& res) { res.set_status(204); }).is_ok());
  EXPECT_TRUE(r.get("/throw", [](request&, response& res) {
                 res.set_header("X-Secret", "partial");
                 throw std::runtime_error("database password is hunter2");
               }).is_ok());
  return r;
}

TEST(http_middleware_test, routes_dispatch_with_params) {
  const pipeline app(demo_routes());
  request req = make("GET", "/users/42");
  const response res = app.handle(req);
  EXPECT_EQ(res.status(), 200);
  EXPECT_EQ(res.body(), "user 42 via /users/:id");
  EXPECT_EQ(req.param("id"), "42");
  EXPECT_EQ(req.route_pattern(), "/users/:id");
}

TEST(http_middleware_test, echo_returns_body_and_content_type) {
  const pipeline app(demo_routes());
  auto r = request::from_head(
      [] {
        ph::request_head h{.method = "POST", .target = "/echo"};
        h.fields.add("Host", "x");
        h.fields.add("Content-Type", "application/x-thing");
        return h;
      }(),
      "payload");
  ASSERT_TRUE(r.is_ok());
  const response res = app.handle(r.value());
  EXPECT_EQ(res.body(), "payload");
  EXPECT_EQ(res.headers().get("Content-Type"), "application/x-thing");
}

TEST(http_middleware_test, unknown_path_is_404_with_text_body) {
  const pipeline app(demo_routes());
  request req = make("GET", "/nope");
  const response res = app.handle(req);
  EXPECT_EQ(res.status(), 404);
  EXPECT_EQ(res.body(), "404 Not Found\n");
  EXPECT_EQ(res.headers().get("Content-Type"), "text/plain; charset=utf-8");
}

TEST(http_middleware_test, wrong_method_is_405_with_allow) {
  const pipeline app(demo_routes());
  request req = make("PUT", "/users/1");
  const response res = app.handle(req);
  EXPECT_EQ(res.status(), 405);
  EXPECT_EQ(res.body(), "405 Method Not Allowed\n");
  EXPECT_EQ(res.headers().get("Allow"), "DELETE, GET, HEAD, OPTIONS");
}

TEST(http_middleware_test, options_is_answered_with_allow) {
  const pipeline app(demo_routes());
  request req = make("OPTIONS", "/users/1");
  const response res = app.handle(req);
  EXPECT_EQ(res.status(), 204);
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(res.headers().get("Allow"), "DELETE, GET, HEAD, OPTIONS");
  std::string wire;
  EXPECT_TRUE(res.serialize(wire).is_ok());

  request star = make("OPTIONS", "*");
  const response all = app.handle(star);
  EXPECT_EQ(all.status(), 204);
  EXPECT_EQ(all.headers().get("Allow"), "DELETE, GET, HEAD, OPTIONS, POST");

  request none = make("OPTIONS", "/nope");
  EXPECT_EQ(app.handle(none).status(), 404);
  request empty_star = make("OPTIONS", "*");
  EXPECT_EQ(pipeline{}.handle(empty_star).headers().get("Allow"), "OPTIONS");
}

TEST(http_middleware_test, head_on_a_get_route_sends_fields_without_body) {
  const pipeline app(demo_routes());
  request req = make("HEAD", "/hello");
  const response res = app.handle(req);
  EXPECT_EQ(res.status(), 200);
  std::string wire;
  ASSERT_TRUE(res.serialize(wire, req.method() == "HEAD").is_ok());
  ph::response_parser p;
  p.set_request_method("HEAD");
  std::span<const std::uint8_t> in(reinterpret_cast<const std::uint8_t*>(wire.data()),
                                   wire.size());
  auto r = p.feed(in);
  ASSERT_EQ(r.status, ph::parse_status::head_complete);
  EXPECT_EQ(p.head().fields.get("Content-Length"), "13");
  r = p.feed(in.subspan(r.consumed));
  EXPECT_EQ(r.status, ph::parse_status::message_complete);
  EXPECT_EQ(wire.find("Hello, World!"), std::string::npos);
}

TEST(http_middleware_test, before_middleware_run_in_order_around_the_handler) {
  router r;
  std::vector<std::string> trace;
  ASSERT_TRUE(r.get("/x", [&trace](request&, response& res) {
                 trace.push_back("handler");
                 res.text("x");
               }).is_ok());
  pipeline app(std::move(r));
  app.use([&trace](request&, response& res, next_fn next) {
    trace.push_back("a-in");
    next();
    trace.push_back("a-out:" + res.body());
  });
  app.use([&trace](request&, response&, next_fn next) {
    trace.push_back("b-in");
    next();
    trace.push_back("b-out");
  });
  app.use_after([&trace](const request&, response&) { trace.push_back("after1"); });
  app.use_after([&trace](const request&, response&) { trace.push_back("after2"); });
  request req = make("GET", "/x");
  (void)app.handle(req);
  const std::vector<std::string> want = {"a-in",  "b-in",   "handler", "b-out",
                                         "a-out:x", "after1", "after2"};
  EXPECT_EQ(trace, want);
}

TEST(http_middleware_test, not_calling_next_short_circuits_but_after_hooks_run) {
  int handler_calls = 0;
  int second_calls = 0;
  router r;
  ASSERT_TRUE(r.get("/private", [&](request&, response&) { ++handler_calls; }).is_ok());
  pipeline app(std::move(r));
  app.use([](request& req, response& res, next_fn next) {
    if (!req.header("Authorization")) {
      res = response::status_page(401);
      res.set_header("WWW-Authenticate", "Bearer");
      return;
    }
    next();
  });
  app.use([&](request&, response&, next_fn next) {
    ++second_calls;
    next();
  });
  app.use_after([](const request&, response& res) { res.set_header("X-After", "1"); });

  request anon = make("GET", "/private");
  const response denied = app.handle(anon);
  EXPECT_EQ(denied.status(), 401);
  EXPECT_EQ(denied.headers().get("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(denied.headers().get("X-After"), "1");
  EXPECT_EQ(handler_calls, 0);
  EXPECT_EQ(second_calls, 0);

  request authed = make("GET", "/private", {{"Authorization", "Bearer t"}});
  const response ok = app.handle(authed);
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(handler_calls, 1);
  EXPECT_EQ(second_calls, 1);
}

TEST(http_middleware_test, middleware_that_does_nothing_gives_an_empty_200) {
  pipeline app(demo_routes());
  app.use([](request&, response&, next_fn) {});
  request req = make("GET", "/hello");
  const response res = app.handle(req);
  EXPECT_EQ(res.status(), 200);
  EXPECT_TRUE(res.body().empty());
}

TEST(http_middleware_test, calling_next_twice_runs_the_rest_once) {
  int calls = 0;
  router r;
  ASSERT_TRUE(r.get("/", [&](request&, response&) { ++calls; }).is_ok());
  pipeline app(std::move(r));
  app.use([](request&, response&, next_fn next) {
    next();
    next();
  });
  request req = make("GET", "/");
  (void)app.handle(req);
  EXPECT_EQ(calls, 1);
}

TEST(http_middleware_test, middleware_may_rewrite_the_request_before_routing) {
  pipeline app(demo_routes());
  app.use([](request& req, response&, next_fn next) {
    req.headers().set("Content-Type", "text/x-rewritten");
    next();
  });
  auto r = request::from_head(
      [] {
        ph::request_head h{.method = "POST", .target = "/echo"};
        h.fields.add("Host", "x");
        return h;
      }(),
      "b");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(app.handle(r.value()).headers().get("Content-Type"), "text/x-rewritten");
}

TEST(http_middleware_test, fields_set_before_next_survive_404_and_405) {
  pipeline app(demo_routes());
  app.use([](request&, response& res, next_fn next) {
    res.set_header("Access-Control-Allow-Origin", "*");
    next();
  });
  request missing = make("GET", "/nope");
  const response nf = app.handle(missing);
  EXPECT_EQ(nf.status(), 404);
  EXPECT_EQ(nf.headers().get("Access-Control-Allow-Origin"), "*");
  request wrong = make("POST", "/hello");
  const response na = app.handle(wrong);
  EXPECT_EQ(na.status(), 405);
  EXPECT_EQ(na.headers().get("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(na.headers().get("Allow"), "GET, HEAD, OPTIONS");
}

TEST(http_middleware_test, after_hooks_see_404_and_405) {
  pipeline app(demo_routes());
  std::vector<int> seen;
  app.use_after([&seen](const request&, response& res) { seen.push_back(res.status()); });
  request a = make("GET", "/nope");
  request b = make("PATCH", "/hello");
  request c = make("GET", "/hello");
  (void)app.handle(a);
  (void)app.handle(b);
  (void)app.handle(c);
  EXPECT_EQ(seen, (std::vector<int>{404, 405, 200}));
}

TEST(http_middleware_test, a_throwing_handler_gives_a_bare_500_and_after_hooks_run) {
  pipeline app(demo_routes());
  bool after_ran = false;
  app.use_after([&](const request&, response& res) {
    after_ran = true;
    EXPECT_EQ(res.status(), 500);
  });
  request req = make("GET", "/throw");
  const response res = app.handle(req);
  EXPECT_EQ(res.status(), 500);
  EXPECT_EQ(res.body(), "500 Internal Server Error\n");
  EXPECT_FALSE(res.headers().contains("X-Secret"));
  EXPECT_EQ(res.body().find("hunter2"), std::string::npos);
  EXPECT_TRUE(after_ran);
}

TEST(http_middleware_test, a_throwing_after_hook_gives_500_and_skips_the_rest) {
  pipeline app(demo_routes());
  bool later_ran = false;
  app.use_after([](const request&, response&) { throw 42; });
  app.use_after([&](const request&, response&) { later_ran = true; });
  request req = make("GET", "/hello");
  EXPECT_EQ(app.handle(req).status(), 500);
  EXPECT_FALSE(later_ran);
}

TEST(http_middleware_test, empty_middleware_is_ignored) {
  pipeline app(demo_routes());
  app.use(before_middleware{});
  app.use_after(after_middleware{});
  request req = make("GET", "/hello");
  EXPECT_EQ(app.handle(req).body(), "Hello, World!");
}

TEST(http_middleware_test, built_pipeline_handles_requests_from_many_threads) {
  pipeline app(demo_routes());
  std::atomic<int> counted{0};
  app.use([&counted](request&, response&, next_fn next) {
    counted.fetch_add(1, std::memory_order_relaxed);
    next();
  });
  const pipeline& shared = app;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&shared, &wrong, t] {
      for (int i = 0; i < 500; ++i) {
        request req = make("GET", "/users/" + std::to_string(t * 1000 + i));
        const response res = shared.handle(req);
        if (res.body() != "user " + std::to_string(t * 1000 + i) + " via /users/:id") ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(counted.load(), 2000);
}

}  // namespace
}  // namespace network_system::http
