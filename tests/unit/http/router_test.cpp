#include "network_system/http/router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "network_system/core/error_codes.h"

namespace network_system::http {
namespace {

// A handler that records which route ran, so a test can tell routes apart by calling it.
handler tag(std::string name) {
  return [name = std::move(name)](request&, response& res) { res.text(name); };
}

std::string run(const route_match& m) {
  if (m.status != match_status::found) return "<none>";
  request req;
  response res;
  (*m.handler)(req, res);
  return res.body();
}

TEST(http_router_test, literal_routes_match_exactly) {
  router r;
  ASSERT_TRUE(r.get("/", tag("root")).is_ok());
  ASSERT_TRUE(r.get("/hello", tag("hello")).is_ok());
  ASSERT_TRUE(r.get("/hello/world", tag("hw")).is_ok());
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(run(r.match("GET", "/")), "root");
  EXPECT_EQ(run(r.match("GET", "/hello")), "hello");
  EXPECT_EQ(run(r.match("GET", "/hello/world")), "hw");
  EXPECT_EQ(r.match("GET", "/hello/world").pattern, "/hello/world");
  EXPECT_EQ(r.match("GET", "/Hello").status, match_status::not_found);  // case-sensitive
  EXPECT_EQ(r.match("GET", "/hello/world/x").status, match_status::not_found);
  EXPECT_EQ(r.match("GET", "/nope").status, match_status::not_found);
}

TEST(http_router_test, params_capture_segments_by_name) {
  router r;
  ASSERT_TRUE(r.get("/users/:id", tag("user")).is_ok());
  ASSERT_TRUE(r.get("/users/:uid/posts/:post", tag("post")).is_ok());
  auto m = r.match("GET", "/users/42");
  ASSERT_EQ(m.status, match_status::found);
  EXPECT_EQ(m.params.get("id"), "42");
  EXPECT_EQ(m.params.size(), 1u);
  m = r.match("GET", "/users/7/posts/hello");
  ASSERT_EQ(m.status, match_status::found);
  EXPECT_EQ(run(m), "post");
  EXPECT_EQ(m.params.get("uid"), "7");
  EXPECT_EQ(m.params.get("post"), "hello");
  EXPECT_FALSE(m.params.get("id").has_value());
  EXPECT_EQ(m.pattern, "/users/:uid/posts/:post");
}

TEST(http_router_test, params_are_decoded_after_splitting) {
  router r;
  ASSERT_TRUE(r.get("/files/:name", tag("file")).is_ok());
  auto m = r.match("GET", "/files/a%2Fb%20c");
  ASSERT_EQ(m.status, match_status::found);
  EXPECT_EQ(m.params.get("name"), "a/b c");
  EXPECT_EQ(m.params.get_raw("name"), "a%2Fb%20c");
}

TEST(http_router_test, empty_segment_does_not_match_a_param) {
  router r;
  ASSERT_TRUE(r.get("/users/:id", tag("user")).is_ok());
  EXPECT_EQ(r.match("GET", "/users/").status, match_status::not_found);
  EXPECT_EQ(r.match("GET", "/users").status, match_status::not_found);
}

TEST(http_router_test, trailing_slash_is_significant) {
  router r;
  ASSERT_TRUE(r.get("/docs", tag("docs")).is_ok());
  ASSERT_TRUE(r.get("/dir/", tag("dir")).is_ok());
  EXPECT_EQ(run(r.match("GET", "/docs")), "docs");
  EXPECT_EQ(r.match("GET", "/docs/").status, match_status::not_found);
  EXPECT_EQ(run(r.match("GET", "/dir/")), "dir");
  EXPECT_EQ(r.match("GET", "/dir").status, match_status::not_found);
  EXPECT_EQ(r.match("GET", "//docs").status, match_status::not_found);
}

TEST(http_router_test, wildcard_takes_the_rest_of_the_path) {
  router r;
  ASSERT_TRUE(r.get("/static/*", tag("static")).is_ok());
  auto m = r.match("GET", "/static/css/site%20main.css");
  ASSERT_EQ(m.status, match_status::found);
  EXPECT_EQ(m.params.get("*"), "css/site main.css");
  EXPECT_EQ(m.params.get_raw("*"), "css/site%20main.css");
  m = r.match("GET", "/static/");
  ASSERT_EQ(m.status, match_status::found);
  EXPECT_EQ(m.params.get("*"), "");
  EXPECT_EQ(r.match("GET", "/static").status, match_status::not_found);
  EXPECT_EQ(r.match("GET", "/staticx/a").status, match_status::not_found);
}

TEST(http_router_test, wildcard_after_params_captures_both) {
  router r;
  ASSERT_TRUE(r.get("/u/:id/files/*", tag("f")).is_ok());
  const auto m = r.match("GET", "/u/9/files/a/b");
  ASSERT_EQ(m.status, match_status::found);
  EXPECT_EQ(m.params.get("id"), "9");
  EXPECT_EQ(m.params.get("*"), "a/b");
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params.begin()->name, "id");
}

TEST(http_router_test, root_wildcard_matches_every_path) {
  router r;
  ASSERT_TRUE(r.get("/*", tag("all")).is_ok());
  EXPECT_EQ(run(r.match("GET", "/")), "all");
  EXPECT_EQ(r.match("GET", "/").params.get("*"), "");
  EXPECT_EQ(r.match("GET", "/a/b/c").params.get("*"), "a/b/c");
}

TEST(http_router_test, literal_beats_param_beats_wildcard_in_any_registration_order) {
  // Registered least specific first, then the other way round: same answers.
  for (const bool reversed : {false, true}) {
    router r;
    std::vector<std::pair<const char*, const char*>> routes = {
        {"/users/*", "wild"}, {"/users/:id", "param"}, {"/users/me", "literal"}};
    if (reversed) std::reverse(routes.begin(), routes.end());
    for (const auto& [p, name] : routes) ASSERT_TRUE(r.get(p, tag(name)).is_ok());
    EXPECT_EQ(run(r.match("GET", "/users/me")), "literal") << reversed;
    EXPECT_EQ(run(r.match("GET", "/users/42")), "param") << reversed;
    EXPECT_EQ(run(r.match("GET", "/users/42/x")), "wild") << reversed;
    EXPECT_EQ(run(r.match("GET", "/users/")), "wild") << reversed;
  }
}

TEST(http_router_test, matching_backtracks_to_a_less_specific_branch) {
  router r;
  ASSERT_TRUE(r.get("/a/:y/c", tag("deep")).is_ok());
  ASSERT_TRUE(r.get("/:x/b", tag("param-first")).is_ok());
  auto m = r.match("GET", "/a/b");
  ASSERT_EQ(m.status, match_status::found);
  EXPECT_EQ(run(m), "param-first");
  EXPECT_EQ(m.params.get("x"), "a");
  EXPECT_EQ(run(r.match("GET", "/a/q/c")), "deep");
  EXPECT_EQ(r.match("GET", "/a/q/d").status, match_status::not_found);
  // Precedence goes segment by segment: the literal "a" of "/a/*" beats the ":x" of "/:x/b"
  // at the first segment, so the wildcard under it now wins for "/a/b".
  ASSERT_TRUE(r.get("/a/*", tag("wild")).is_ok());
  EXPECT_EQ(run(r.match("GET", "/a/b")), "wild");
  EXPECT_EQ(run(r.match("GET", "/a/q/c")), "deep");
  EXPECT_EQ(run(r.match("GET", "/z/b")), "param-first");
}

TEST(http_router_test, the_most_specific_route_with_the_method_wins) {
  router r;
  ASSERT_TRUE(r.get("/users/me", tag("get-me")).is_ok());
  ASSERT_TRUE(r.post("/users/:id", tag("post-user")).is_ok());
  EXPECT_EQ(run(r.match("GET", "/users/me")), "get-me");
  const auto m = r.match("POST", "/users/me");
  EXPECT_EQ(run(m), "post-user");
  EXPECT_EQ(m.params.get("id"), "me");
}

TEST(http_router_test, methods_are_separate_and_case_sensitive) {
  router r;
  ASSERT_TRUE(r.get("/item", tag("get")).is_ok());
  ASSERT_TRUE(r.post("/item", tag("post")).is_ok());
  ASSERT_TRUE(r.put("/item", tag("put")).is_ok());
  ASSERT_TRUE(r.patch("/item", tag("patch")).is_ok());
  ASSERT_TRUE(r.del("/item", tag("delete")).is_ok());
  ASSERT_TRUE(r.add("PURGE", "/item", tag("purge")).is_ok());
  EXPECT_EQ(run(r.match("GET", "/item")), "get");
  EXPECT_EQ(run(r.match("POST", "/item")), "post");
  EXPECT_EQ(run(r.match("PUT", "/item")), "put");
  EXPECT_EQ(run(r.match("PATCH", "/item")), "patch");
  EXPECT_EQ(run(r.match("DELETE", "/item")), "delete");
  EXPECT_EQ(run(r.match("PURGE", "/item")), "purge");
  EXPECT_EQ(r.match("get", "/item").status, match_status::method_not_allowed);
}

TEST(http_router_test, head_is_answered_by_get_unless_it_has_its_own) {
  router r;
  ASSERT_TRUE(r.get("/a", tag("get-a")).is_ok());
  ASSERT_TRUE(r.get("/b", tag("get-b")).is_ok());
  ASSERT_TRUE(r.add("HEAD", "/b", tag("head-b")).is_ok());
  ASSERT_TRUE(r.post("/c", tag("post-c")).is_ok());
  EXPECT_EQ(run(r.match("HEAD", "/a")), "get-a");
  EXPECT_EQ(run(r.match("HEAD", "/b")), "head-b");
  EXPECT_EQ(r.match("HEAD", "/c").status, match_status::method_not_allowed);
}

TEST(http_router_test, unknown_path_is_not_found) {
  router r;
  EXPECT_EQ(r.match("GET", "/").status, match_status::not_found);
  ASSERT_TRUE(r.get("/a", tag("a")).is_ok());
  const auto m = r.match("GET", "/b");
  EXPECT_EQ(m.status, match_status::not_found);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.allow.empty());
}

TEST(http_router_test, method_not_allowed_lists_every_method_of_the_path) {
  router r;
  ASSERT_TRUE(r.get("/users/:id", tag("get")).is_ok());
  ASSERT_TRUE(r.del("/users/:id", tag("delete")).is_ok());
  ASSERT_TRUE(r.put("/users/me", tag("put-me")).is_ok());
  ASSERT_TRUE(r.post("/users/*", tag("post-any")).is_ok());
  ASSERT_TRUE(r.add("PURGE", "/other", tag("purge")).is_ok());
  auto m = r.match("PATCH", "/users/me");
  ASSERT_EQ(m.status, match_status::method_not_allowed);
  EXPECT_EQ(m.handler, nullptr);
  // PUT from the literal, GET/DELETE from the param, POST from the wildcard; HEAD from GET.
  EXPECT_EQ(m.allow, "DELETE, GET, HEAD, OPTIONS, POST, PUT");
  m = r.match("PATCH", "/users/42");
  EXPECT_EQ(m.allow, "DELETE, GET, HEAD, OPTIONS, POST");
  EXPECT_EQ(r.allow("/users/1/2"), "OPTIONS, POST");
  EXPECT_EQ(r.allow("/nowhere"), "");
  EXPECT_EQ(r.methods(), "DELETE, GET, HEAD, OPTIONS, POST, PURGE, PUT");
  EXPECT_EQ(router{}.methods(), "");
}

TEST(http_router_test, undecodable_or_invalid_paths_are_not_found) {
  router r;
  ASSERT_TRUE(r.get("/:any", tag("any")).is_ok());
  ASSERT_TRUE(r.get("/w/*", tag("w")).is_ok());
  EXPECT_EQ(r.match("GET", "/%zz").status, match_status::not_found);
  EXPECT_EQ(r.match("GET", "/%00").status, match_status::not_found);
  EXPECT_EQ(r.match("GET", "/w/ok/%G0").status, match_status::not_found);
  EXPECT_EQ(r.match("GET", "").status, match_status::not_found);
  EXPECT_EQ(r.match("GET", "any").status, match_status::not_found);
  EXPECT_EQ(r.match("GET", "*").status, match_status::not_found);
}

TEST(http_router_test, literal_patterns_may_be_written_encoded_or_decoded) {
  router r;
  ASSERT_TRUE(r.get("/caf%C3%A9", tag("cafe")).is_ok());
  EXPECT_EQ(run(r.match("GET", "/caf%c3%a9")), "cafe");
  // The same route written decoded is a duplicate.
  EXPECT_TRUE(r.get("/caf\xC3\xA9", tag("again")).is_err());
  ASSERT_TRUE(r.get("/a b", tag("space")).is_ok());
  EXPECT_EQ(run(r.match("GET", "/a%20b")), "space");
}

TEST(http_router_test, invalid_routes_are_refused_and_leave_the_router_unchanged) {
  router r;
  ASSERT_TRUE(r.get("/users/:id", tag("user")).is_ok());
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"GET", "users"},        {"GET", ""},           {"GET", "/a?b"},
      {"GET", "/a#b"},         {"GET", "/:"},         {"GET", "/:a/:a"},
      {"GET", "/*/x"},         {"GET", "/bad%zz"},    {"GET", "/users/:name"},
      {"", "/x"},              {"G T", "/x"},         {"GET\r\n", "/x"},
      {"GET", "/new/%00"}};
  for (const auto& [method, pattern] : bad) {
    const auto res = r.add(method, pattern, tag("bad"));
    ASSERT_TRUE(res.is_err()) << method << " " << pattern;
    EXPECT_EQ(res.error().code, error_codes::invalid_argument);
    EXPECT_NE(res.error().message.find("add route"), std::string::npos);
  }
  EXPECT_TRUE(r.get("/x", handler{}).is_err());
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(r.match("GET", "/new/x").status, match_status::not_found);
  // The conflict names the existing route.
  const auto dup = r.get("/users/:other", tag("dup"));
  ASSERT_TRUE(dup.is_err());
  EXPECT_NE(dup.error().message.find("GET /users/:id"), std::string::npos);
  EXPECT_EQ(r.match("GET", "/users/1").params.get("id"), "1");
  // Another method on the same pattern is fine.
  EXPECT_TRUE(r.post("/users/:name", tag("post")).is_ok());
  EXPECT_EQ(r.match("POST", "/users/1").params.get("name"), "1");
}

TEST(http_router_test, moved_router_keeps_its_routes_and_the_source_is_empty) {
  router a;
  ASSERT_TRUE(a.get("/users/:id", tag("user")).is_ok());
  router b(std::move(a));
  const auto m = b.match("GET", "/users/5");
  EXPECT_EQ(run(m), "user");
  EXPECT_EQ(m.pattern, "/users/:id");
  EXPECT_EQ(a.match("GET", "/users/5").status, match_status::not_found);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.methods(), "");
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(a.allow("/users/5"), "");
  ASSERT_TRUE(a.get("/again", tag("again")).is_ok());
  EXPECT_EQ(run(a.match("GET", "/again")), "again");
}

TEST(http_router_test, built_router_is_matched_from_many_threads_at_once) {
  router r;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(r.get("/r" + std::to_string(i) + "/:id", tag("r" + std::to_string(i))).is_ok());
  }
  ASSERT_TRUE(r.get("/static/*", tag("static")).is_ok());
  const router& shared = r;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&shared, &wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        const int k = (i + t) % 50;
        const auto m = shared.match("GET", "/r" + std::to_string(k) + "/" + std::to_string(i));
        if (m.status != match_status::found || m.params.get("id") != std::to_string(i) ||
            run(m) != "r" + std::to_string(k)) {
          ++wrong;
        }
        if (shared.match("POST", "/static/x").allow != "GET, HEAD, OPTIONS") ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace network_system::http
