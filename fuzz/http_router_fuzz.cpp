// libFuzzer target for the application side of the HTTP server: http::request::from_head
// (target forms, percent-decoding, query, cookies), http::router::match (segment tree,
// precedence, backtracking, HEAD and 405) and http::pipeline, with the response serialized
// and parsed back.
//
// Input: the method up to the first '\n' (or "GET" when there is none), then the request
// target up to the first 0x00, then the value of a Cookie field (absent without a 0x00).
//
// Invariants checked (abort on violation):
//   - from_head fails only with http_invalid_url; a request it accepts has a path starting
//     with '/' (or "*" for OPTIONS) and no NUL in its decoded path;
//   - a found route: every ':name' value is non-empty, its raw text holds no '/' and lies in
//     raw_path(), and decodes to the value; the '*' rest is the tail of raw_path() and
//     decodes to its value;
//   - match() gives the same answer twice and the same one as the pipeline (404 / 405 with
//     an Allow listing OPTIONS / found), allow() agrees with the 405's Allow;
//   - every response serializes, and parses back through response_parser with the same
//     status and (except for HEAD) the same body; a HEAD answer carries no body bytes;
//   - cookies() fails only with http_invalid_cookie or http_headers_too_large.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "network_system/core/error_codes.h"
#include "network_system/http/middleware.h"
#include "network_system/protocol/http/response_parser.h"
#include "network_system/protocol/http/url.h"
#include "fuzz_require.h"

namespace {

namespace http = network_system::http;
namespace ph = network_system::protocol::http;
namespace error_codes = network_system::error_codes;

using fuzz_support::require;

void echo_params(http::request& req, http::response& res) {
  std::string body = req.route_pattern();
  for (const auto& p : req.params()) body += "|" + p.name + "=" + p.value;
  res.set_body(std::move(body), "application/octet-stream");
}

http::pipeline make_app() {
  http::router r;
  const char* gets[] = {"/",          "/hello",        "/users/me",          "/users/:id",
                        "/users/:uid/posts/:post",     "/static/*",          "/:a/b",
                        "/a/:y/c",    "/a/*",          "/caf%C3%A9",         "/dir/",
                        "/x/:p/y/*"};
  for (const char* p : gets) require(r.get(p, echo_params).is_ok(), "add GET route");
  require(r.post("/users/:id", echo_params).is_ok(), "add POST route");
  require(r.del("/users/:id", echo_params).is_ok(), "add DELETE route");
  require(r.add("HEAD", "/hello", echo_params).is_ok(), "add HEAD route");
  require(r.put("/*", echo_params).is_ok(), "add PUT route");
  http::pipeline app(std::move(r));
  app.use([](http::request& req, http::response& res, http::next_fn next) {
    const auto& c = req.cookies();
    if (c.is_err()) {
      require(c.error().code == error_codes::http_invalid_cookie ||
                  c.error().code == error_codes::http_headers_too_large,
              "cookie error code");
    }
    if (req.cookie("stop")) {
      res.text("stopped");
      return;
    }
    next();
  });
  return app;
}

const http::pipeline& app() {
  static const http::pipeline instance = make_app();
  return instance;
}

void check_params(const http::request& req, const http::route_match& m) {
  const std::string& raw_path = req.raw_path();
  for (const auto& p : m.params) {
    auto decoded = ph::percent_decode(p.raw, {.plus_as_space = false, .allow_nul = false});
    require(decoded.is_ok() && decoded.value() == p.value, "param decodes to its value");
    if (p.name == "*") {
      require(raw_path.size() >= p.raw.size() &&
                  raw_path.compare(raw_path.size() - p.raw.size(), p.raw.size(), p.raw) == 0,
              "wildcard is the tail of the path");
    } else {
      require(!p.value.empty(), "param is non-empty");
      require(p.raw.find('/') == std::string::npos, "param raw holds no '/'");
      require(raw_path.find(p.raw) != std::string::npos, "param raw lies in the path");
    }
  }
}

void check_round_trip(const http::response& res, bool head) {
  std::string wire;
  const auto s = res.serialize(wire, head);
  require(s.is_ok(), "pipeline responses serialize");
  ph::response_parser parser;
  parser.set_request_method(head ? "HEAD" : "GET");
  std::span<const std::uint8_t> in(reinterpret_cast<const std::uint8_t*>(wire.data()),
                                   wire.size());
  std::string body;
  bool complete = false;
  for (int guard = 0; guard < 64 && !complete; ++guard) {
    const auto r = parser.feed(in);
    in = in.subspan(r.consumed);
    require(r.status != ph::parse_status::error, "serialized response parses");
    if (r.status == ph::parse_status::head_complete) {
      require(parser.head().status == res.status(), "status survives");
    } else if (r.status == ph::parse_status::body) {
      body.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
    } else if (r.status == ph::parse_status::message_complete) {
      complete = true;
    } else {
      break;
    }
  }
  require(complete && in.empty(), "one whole response");
  require(head ? body.empty() : body == res.body(), "body survives");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string method = "GET";
  if (const auto nl = input.find('\n'); nl != std::string_view::npos && nl <= 16) {
    method = std::string(input.substr(0, nl));
    input.remove_prefix(nl + 1);
  }
  ph::request_head head;
  head.method = method;
  head.fields.add("Host", "fuzz");
  const auto nul = input.find('\0');
  head.target = std::string(input.substr(0, nul));
  if (nul != std::string_view::npos) head.fields.add("Cookie", input.substr(nul + 1));

  auto built = http::request::from_head(head, "body");
  if (built.is_err()) {
    require(built.error().code == error_codes::http_invalid_url, "from_head error code");
    return 0;
  }
  http::request& req = built.value();
  require(req.path() == "*" ? (method == "OPTIONS" && req.raw_path() == "*")
                            : (!req.path().empty() && req.path().front() == '/'),
          "path form");
  require(req.path().find('\0') == std::string::npos, "no NUL in the decoded path");

  const http::router& routes = app().routes();
  const auto m1 = routes.match(req.method(), req.raw_path());
  const auto m2 = routes.match(req.method(), req.raw_path());
  require(m1.status == m2.status && m1.params == m2.params && m1.allow == m2.allow &&
              m1.pattern == m2.pattern,
          "match is deterministic");
  if (m1.status == http::match_status::found) check_params(req, m1);
  if (m1.status == http::match_status::method_not_allowed) {
    require(m1.allow.find("OPTIONS") != std::string::npos, "Allow lists OPTIONS");
    require(routes.allow(req.raw_path()) == m1.allow, "allow() agrees with match()");
  }
  if (m1.status == http::match_status::not_found) {
    require(routes.allow(req.raw_path()).empty(), "no Allow for an unknown path");
  }

  const http::response res = app().handle(req);
  const bool stopped = req.cookie("stop").has_value();
  if (!stopped && req.raw_path() != "*") {
    switch (m1.status) {
      case http::match_status::found:
        require(res.status() == 200 && req.route_pattern() == m1.pattern, "found dispatches");
        break;
      case http::match_status::not_found:
        require(res.status() == 404, "404");
        break;
      case http::match_status::method_not_allowed:
        require(res.status() == (req.method() == "OPTIONS" ? 204 : 405), "405 or 204");
        require(res.headers().get("Allow") == m1.allow, "Allow field");
        break;
    }
  }
  check_round_trip(res, req.method() == "HEAD");
  return 0;
}
