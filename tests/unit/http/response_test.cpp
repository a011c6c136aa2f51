#include "network_system/http/response.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/cookie.h"
#include "network_system/protocol/http/response_parser.h"
#include "network_system/protocol/http/serializer.h"

namespace network_system::http {
namespace {

namespace ph = protocol::http;

struct parsed {
  ph::response_head head;
  std::string body;
  bool complete = false;
  std::size_t consumed = 0;
};

// Feeds `wire` to a real response_parser (answering `method`), the way a client would.
parsed parse_back(std::string_view wire, std::string_view method = "GET") {
  ph::response_parser p;
  p.set_request_method(method);
  parsed out;
  std::span<const std::uint8_t> in(reinterpret_cast<const std::uint8_t*>(wire.data()),
                                   wire.size());
  for (int guard = 0; guard < 1000 && !out.complete; ++guard) {
    const auto r = p.feed(in);
    in = in.subspan(r.consumed);
    out.consumed += r.consumed;
    switch (r.status) {
      case ph::parse_status::head_complete: out.head = p.head(); break;
      case ph::parse_status::body:
        out.body.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
        break;
      case ph::parse_status::message_complete: out.complete = true; break;
      case ph::parse_status::error: ADD_FAILURE() << p.error().message; return out;
      case ph::parse_status::need_more: return out;
    }
  }
  return out;
}

TEST(http_response_test, defaults_to_200_with_empty_body) {
  const response res;
  EXPECT_EQ(res.status(), 200);
  EXPECT_TRUE(res.body().empty());
  std::string wire;
  ASSERT_TRUE(res.serialize(wire).is_ok());
  EXPECT_EQ(wire, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST(http_response_test, text_round_trips_through_the_response_parser) {
  response res;
  res.text("Hello, World!");
  res.add_header("X-Trace", "abc");
  std::string wire;
  ASSERT_TRUE(res.serialize(wire).is_ok());
  const parsed p = parse_back(wire);
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.consumed, wire.size());
  EXPECT_EQ(p.head.status, 200);
  EXPECT_EQ(p.head.reason, "OK");
  EXPECT_EQ(p.head.fields.get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(p.head.fields.get("Content-Length"), "13");
  EXPECT_EQ(p.head.fields.get("X-Trace"), "abc");
  EXPECT_EQ(p.body, "Hello, World!");
}

TEST(http_response_test, binary_body_and_custom_reason_round_trip) {
  response res;
  res.set_status(201);
  res.set_reason("Made It");
  const std::string bytes("\x00\x01\xFF\r\n\r\nend", 10);
  res.set_body(bytes, "application/octet-stream");
  std::string wire;
  ASSERT_TRUE(res.serialize(wire).is_ok());
  const parsed p = parse_back(wire);
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.head.status, 201);
  EXPECT_EQ(p.head.reason, "Made It");
  EXPECT_EQ(p.body, bytes);
}

TEST(http_response_test, json_and_html_set_their_content_types) {
  response res;
  res.json(R"({"id":42})");
  EXPECT_EQ(res.headers().get("Content-Type"), "application/json");
  res.html("<p>x</p>");
  EXPECT_EQ(res.headers().get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(res.headers().count("Content-Type"), 1u);
  res.set_body("raw");  // no content type: the previous one stays
  EXPECT_EQ(res.headers().get("Content-Type"), "text/html; charset=utf-8");
}

TEST(http_response_test, handler_content_length_is_replaced_by_the_real_one) {
  response res;
  res.set_header("Content-Length", "999");
  res.text("abc");
  std::string wire;
  ASSERT_TRUE(res.serialize(wire).is_ok());
  const parsed p = parse_back(wire);
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.head.fields.count("Content-Length"), 1u);
  EXPECT_EQ(p.body, "abc");
}

TEST(http_response_test, head_request_gets_the_fields_without_the_body) {
  response res;
  res.text("Hello, World!");
  std::string wire;
  ASSERT_TRUE(res.serialize(wire, /*head_request=*/true).is_ok());
  EXPECT_EQ(wire.find("Hello"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
  const parsed p = parse_back(wire, "HEAD");
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.consumed, wire.size());
  EXPECT_EQ(p.head.fields.get("Content-Length"), "13");  // what GET would send
  EXPECT_TRUE(p.body.empty());
}

TEST(http_response_test, no_content_statuses_carry_neither_body_nor_content_length) {
  for (const int status : {204, 100}) {
    response res;
    res.set_status(status);
    std::string wire;
    ASSERT_TRUE(res.serialize(wire).is_ok());
    EXPECT_EQ(wire.find("Content-Length"), std::string::npos) << status;
  }
  response not_modified;
  not_modified.set_status(304);
  not_modified.set_header("Content-Length", "1234");  // of the representation the client has
  not_modified.set_header("ETag", "\"v1\"");
  std::string wire;
  ASSERT_TRUE(not_modified.serialize(wire).is_ok());
  const parsed p = parse_back(wire);
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.consumed, wire.size());
  EXPECT_EQ(p.head.fields.get("Content-Length"), "1234");
  EXPECT_TRUE(p.body.empty());
}

TEST(http_response_test, body_on_a_no_content_status_is_refused) {
  response res;
  res.set_status(204);
  res.text("oops");
  std::string wire = "kept";
  const auto r = res.serialize(wire);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_argument);
  EXPECT_EQ(wire, "kept");
}

TEST(http_response_test, injection_and_framing_fields_are_refused_and_out_unchanged) {
  {
    response res;
    res.set_header("X-Evil", "a\r\nSet-Cookie: stolen=1");
    std::string wire = "prefix";
    const auto r = res.serialize(wire);
    ASSERT_TRUE(r.is_err());
    EXPECT_EQ(r.error().code, error_codes::http_invalid_header);
    EXPECT_EQ(wire, "prefix");
  }
  {
    response res;
    res.set_header("Transfer-Encoding", "chunked");
    std::string wire;
    const auto r = res.serialize(wire);
    ASSERT_TRUE(r.is_err());
    EXPECT_EQ(r.error().code, error_codes::http_bad_request);
    EXPECT_TRUE(wire.empty());
  }
  {
    response res;
    res.set_status(42);
    std::string wire;
    EXPECT_TRUE(res.serialize(wire).is_err());
    EXPECT_TRUE(wire.empty());
  }
}

TEST(http_response_test, set_cookie_adds_one_field_per_cookie) {
  response res;
  ASSERT_TRUE(res.set_cookie({.name = "sid",
                              .value = "a3fWa",
                              .max_age = std::chrono::seconds(3600),
                              .path = "/",
                              .secure = true,
                              .http_only = true,
                              .same_site = ph::same_site_policy::lax})
                  .is_ok());
  ASSERT_TRUE(res.set_cookie({.name = "theme", .value = "dark"}).is_ok());
  std::string wire;
  ASSERT_TRUE(res.serialize(wire).is_ok());
  const parsed p = parse_back(wire);
  ASSERT_TRUE(p.complete);
  const auto values = p.head.fields.get_all("Set-Cookie");
  ASSERT_EQ(values.size(), 2u);
  // What a client's cookie jar makes of them.
  auto sid = ph::parse_set_cookie(values[0]);
  ASSERT_TRUE(sid.is_ok());
  EXPECT_EQ(sid.value().name, "sid");
  EXPECT_EQ(sid.value().value, "a3fWa");
  EXPECT_EQ(sid.value().max_age, 3600);
  EXPECT_EQ(sid.value().path, "/");
  EXPECT_TRUE(sid.value().secure);
  EXPECT_TRUE(sid.value().http_only);
  EXPECT_EQ(sid.value().same_site, ph::same_site_policy::lax);
  EXPECT_EQ(values[1], "theme=dark");
}

TEST(http_response_test, invalid_cookie_is_refused_and_nothing_added) {
  response res;
  const auto r = res.set_cookie({.name = "a b", .value = "x"});
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::http_invalid_cookie);
  EXPECT_FALSE(res.headers().contains("Set-Cookie"));
  EXPECT_TRUE(res.set_cookie({.name = "v", .value = "a;b"}).is_err());
}

TEST(http_response_test, redirect_sets_status_location_and_body) {
  response res;
  ASSERT_TRUE(res.redirect("/login?next=%2Fhome").is_ok());
  EXPECT_EQ(res.status(), 302);
  EXPECT_EQ(res.headers().get("Location"), "/login?next=%2Fhome");
  ASSERT_TRUE(res.redirect("https://example.com/", 308).is_ok());
  EXPECT_EQ(res.status(), 308);
  EXPECT_EQ(res.headers().count("Location"), 1u);
  std::string wire;
  ASSERT_TRUE(res.serialize(wire).is_ok());
  const parsed p = parse_back(wire);
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.head.status, 308);
  EXPECT_EQ(p.head.reason, "Permanent Redirect");
  EXPECT_EQ(p.head.fields.get("Location"), "https://example.com/");
}

TEST(http_response_test, redirect_refuses_bad_status_and_location) {
  response res;
  for (const int status : {200, 304, 305, 404}) {
    const auto r = res.redirect("/x", status);
    ASSERT_TRUE(r.is_err()) << status;
    EXPECT_EQ(r.error().code, error_codes::invalid_argument);
  }
  EXPECT_TRUE(res.redirect("").is_err());
  EXPECT_TRUE(res.redirect("/a\r\nSet-Cookie: x=1").is_err());
  EXPECT_EQ(res.status(), 200);
  EXPECT_FALSE(res.headers().contains("Location"));
}

TEST(http_response_test, status_page_has_status_reason_and_detail) {
  const response res = response::status_page(404, "no route for /x");
  EXPECT_EQ(res.status(), 404);
  EXPECT_EQ(res.body(), "404 Not Found\nno route for /x\n");
  EXPECT_EQ(res.headers().get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(response::status_page(599).body(), "599\n");
}

TEST(http_response_test, to_head_matches_what_serialize_writes) {
  response res;
  res.text("12345");
  res.add_header("X-A", "1");
  ASSERT_TRUE(res.set_cookie({.name = "k", .value = "v"}).is_ok());
  const ph::response_head h = res.to_head();
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.version, (ph::http_version{1, 1}));
  EXPECT_EQ(h.fields.get("Content-Length"), "5");
  std::string a;
  ASSERT_TRUE(ph::serialize_head(h, a).is_ok());
  a += res.body();
  std::string b;
  ASSERT_TRUE(res.serialize(b).is_ok());
  EXPECT_EQ(a, b);
  // The same with a handler's own Content-Length (replaced) and for a HEAD answer.
  res.set_header("Content-Length", "7");
  std::string c;
  ASSERT_TRUE(res.serialize(c).is_ok());
  EXPECT_EQ(c, b);
  std::string d;
  ASSERT_TRUE(res.serialize(d, /*head_request=*/true).is_ok());
  EXPECT_EQ(d, b.substr(0, b.size() - 5));
}

TEST(http_response_test, serialize_appends_after_what_out_holds) {
  response first;
  first.text("one");
  response second;
  second.set_status(404);
  second.text("two");
  std::string wire;
  ASSERT_TRUE(first.serialize(wire).is_ok());
  const std::size_t first_size = wire.size();
  ASSERT_TRUE(second.serialize(wire).is_ok());
  const parsed p = parse_back(std::string_view(wire).substr(first_size));
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.head.status, 404);
  EXPECT_EQ(p.body, "two");
  EXPECT_EQ(parse_back(std::string_view(wire).substr(0, first_size)).body, "one");
}

}  // namespace
}  // namespace network_system::http
