#include "network_system/http/compression.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "network_system/core/error_codes.h"

// The rules of compress_responses and decode_request_bodies (compression.h), each a test, on
// requests and responses built in memory and, for the pipeline cases, run through one.

namespace network_system::http {
namespace {

namespace ph = protocol::http;

request make(std::string method, std::initializer_list<std::pair<const char*, const char*>> fields,
             std::string body = {}) {
  ph::request_head h;
  h.method = std::move(method);
  h.target = "/";
  h.fields.add("Host", "example.com");
  for (const auto& [n, v] : fields) h.fields.add(n, v);
  auto r = request::from_head(std::move(h), std::move(body));
  EXPECT_TRUE(r.is_ok());
  return r.is_ok() ? std::move(r.value()) : request{};
}

request accepting(const char* accept_encoding) {
  return make("GET", {{"Accept-Encoding", accept_encoding}});
}

// Text that compresses well, above the default threshold.
std::string page_text(std::size_t n = 4000) {
  std::string s;
  while (s.size() < n) s += "<p>Hello, compressed world, line " + std::to_string(s.size()) + "</p>\n";
  return s;
}

response page(std::string type = "text/html; charset=utf-8", std::string body = page_text()) {
  response res;
  res.set_body(std::move(body), type);
  return res;
}

response after(const request& req, response res, compression_options o = {}) {
  compress_responses(std::move(o))(req, res);
  return res;
}

std::string field(const response& res, std::string_view name) {
  return std::string(res.headers().get(name).value_or("<none>"));
}

// --- compress_responses -------------------------------------------------------------------

TEST(http_compression_test, picks_the_coding_by_accept_encoding_and_server_preference) {
  const std::string plain = page_text();
  const std::pair<const char*, const char*> cases[] = {
      {"gzip, deflate, br", "br"},        // all equal: the server's order (br first)
      {"gzip", "gzip"},
      {"deflate", "deflate"},
      {"x-gzip", "gzip"},
      {"gzip;q=0.5, br;q=0.4", "gzip"},   // the client's weights win
      {"*", "br"},
      {"br;q=0, *", "gzip"},
  };
  for (const auto& [accept, expected] : cases) {
    const response res = after(accepting(accept), page());
    ASSERT_EQ(field(res, "Content-Encoding"), expected) << accept;
    EXPECT_EQ(field(res, "Vary"), "Accept-Encoding");
    EXPECT_LT(res.body().size(), plain.size());
    auto back = ph::decode_content(expected, res.body(), 1 << 20);
    ASSERT_TRUE(back.is_ok()) << back.error().message;
    EXPECT_EQ(back.value(), plain);
  }
}

TEST(http_compression_test, no_accept_encoding_or_identity_preferred_sends_identity_with_vary) {
  for (auto req : {make("GET", {}), accepting(""), accepting("identity"),
                   accepting("identity;q=1, gzip;q=0.5"), accepting("compress"),
                   accepting("gzip;q=0, br;q=0, deflate;q=0")}) {
    const response res = after(req, page());
    EXPECT_FALSE(res.headers().contains("Content-Encoding")) << req.header("Accept-Encoding").value_or("-");
    EXPECT_EQ(res.body(), page_text());
    EXPECT_EQ(field(res, "Vary"), "Accept-Encoding");  // another client could get gzip
  }
}

TEST(http_compression_test, bodies_below_the_threshold_are_left_alone) {
  const response small = after(accepting("gzip"), page("text/plain", std::string(1023, 'a')));
  EXPECT_FALSE(small.headers().contains("Content-Encoding"));
  EXPECT_FALSE(small.headers().contains("Vary"));
  const response at = after(accepting("gzip"), page("text/plain", std::string(1024, 'a')));
  EXPECT_EQ(field(at, "Content-Encoding"), "gzip");
  const response custom =
      after(accepting("gzip"), page("text/plain", std::string(100, 'a')), {.min_size = 100});
  EXPECT_EQ(field(custom, "Content-Encoding"), "gzip");
}

TEST(http_compression_test, only_compressible_types) {
  const compression_options o;
  for (const char* yes : {"text/html", "text/plain; charset=utf-8", "TEXT/CSS", "text/javascript",
                          "application/json", "application/javascript", "application/xml",
                          "image/svg+xml", "application/wasm", "application/vnd.api+json",
                          "application/soap+xml; charset=utf-8", " application/json ; x=1"}) {
    EXPECT_TRUE(compressible_type(yes, o.types)) << yes;
    EXPECT_EQ(field(after(accepting("gzip"), page(yes)), "Content-Encoding"), "gzip") << yes;
  }
  for (const char* no : {"image/png", "image/jpeg", "video/mp4", "application/octet-stream",
                         "application/zip", "font/woff2", "application/gzip", "text", "",
                         "/json", "json", "application/jsonx"}) {
    EXPECT_FALSE(compressible_type(no, o.types)) << no;
  }
  const response png = after(accepting("gzip"), page("image/png"));
  EXPECT_FALSE(png.headers().contains("Content-Encoding"));
  EXPECT_FALSE(png.headers().contains("Vary"));
  response untyped;
  untyped.body() = page_text();
  EXPECT_FALSE(after(accepting("gzip"), untyped).headers().contains("Content-Encoding"));
  // A configured list replaces the default.
  EXPECT_EQ(field(after(accepting("gzip"), page("application/x-custom"),
                        {.types = {"application/x-custom"}}),
                  "Content-Encoding"),
            "gzip");
  EXPECT_FALSE(after(accepting("gzip"), page("text/html"), {.types = {"application/x-custom"}})
                   .headers()
                   .contains("Content-Encoding"));
}

TEST(http_compression_test, never_for_1xx_204_304_206) {
  for (int status : {101, 204, 304, 206}) {
    response r = page();
    r.set_status(status);
    const response res = after(accepting("gzip"), r);
    EXPECT_FALSE(res.headers().contains("Content-Encoding")) << status;
    EXPECT_FALSE(res.headers().contains("Vary")) << status;
    EXPECT_EQ(res.body(), page_text()) << status;
  }
  for (int status : {200, 201, 404, 500}) {
    response r = page();
    r.set_status(status);
    EXPECT_EQ(field(after(accepting("gzip"), r), "Content-Encoding"), "gzip") << status;
  }
}

TEST(http_compression_test, an_existing_content_encoding_is_kept) {
  response r = page();
  r.set_header("Content-Encoding", "identity");
  const response res = after(accepting("gzip"), r);
  EXPECT_EQ(field(res, "Content-Encoding"), "identity");
  EXPECT_EQ(res.body(), page_text());
}

TEST(http_compression_test, cache_control_no_transform_is_honoured) {
  response r = page();
  r.set_header("Cache-Control", "public, No-Transform, max-age=60");
  const response res = after(accepting("gzip"), r);
  EXPECT_FALSE(res.headers().contains("Content-Encoding"));
  EXPECT_EQ(res.body(), page_text());
}

TEST(http_compression_test, vary_is_appended_once) {
  response one = page();
  one.set_header("Vary", "Origin");
  EXPECT_EQ(field(after(accepting("gzip"), one), "Vary"), "Origin, Accept-Encoding");
  response two = page();
  two.add_header("Vary", "Origin");
  two.add_header("Vary", "Cookie");
  const response merged = after(accepting("gzip"), two);
  EXPECT_EQ(merged.headers().count("Vary"), 1u);
  EXPECT_EQ(field(merged, "Vary"), "Origin, Cookie, Accept-Encoding");
  response already = page();
  already.set_header("Vary", "accept-encoding, Origin");
  EXPECT_EQ(field(after(accepting("gzip"), already), "Vary"), "accept-encoding, Origin");
  response star = page();
  star.set_header("Vary", "*");
  const response starred = after(accepting("gzip"), star);
  EXPECT_EQ(field(starred, "Vary"), "*");
  EXPECT_EQ(field(starred, "Content-Encoding"), "gzip");
}

TEST(http_compression_test, a_strong_etag_becomes_weak) {
  response strong = page();
  strong.set_header("ETag", "\"v1-abc\"");
  EXPECT_EQ(field(after(accepting("br"), strong), "ETag"), "W/\"v1-abc\"");
  response weak = page();
  weak.set_header("ETag", "W/\"v1\"");
  EXPECT_EQ(field(after(accepting("gzip"), weak), "ETag"), "W/\"v1\"");
  // Not compressed: the tag describes the bytes sent, and stays strong.
  response kept = page();
  kept.set_header("ETag", "\"v1-abc\"");
  EXPECT_EQ(field(after(accepting("identity"), kept), "ETag"), "\"v1-abc\"");
}

TEST(http_compression_test, accept_ranges_is_dropped_when_compressed) {
  response r = page();
  r.set_header("Accept-Ranges", "bytes");
  EXPECT_FALSE(after(accepting("gzip"), r).headers().contains("Accept-Ranges"));
  EXPECT_EQ(field(after(accepting("identity"), r), "Accept-Ranges"), "bytes");
}

TEST(http_compression_test, a_body_that_does_not_shrink_is_sent_as_is) {
  std::mt19937 rng(3);
  std::string noise(8000, '\0');
  for (auto& ch : noise) ch = static_cast<char>(rng());
  for (const char* accept : {"gzip", "deflate", "br"}) {
    const response res = after(accepting(accept), page("text/plain", noise));
    EXPECT_FALSE(res.headers().contains("Content-Encoding")) << accept;
    EXPECT_EQ(res.body(), noise);
    EXPECT_EQ(field(res, "Vary"), "Accept-Encoding");
  }
}

TEST(http_compression_test, the_server_list_and_levels_are_configurable) {
  const compression_options gzip_only{.codings = {content_coding::gzip}};
  EXPECT_EQ(field(after(accepting("br, gzip"), page(), gzip_only), "Content-Encoding"), "gzip");
  EXPECT_FALSE(after(accepting("br"), page(), gzip_only).headers().contains("Content-Encoding"));
  const compression_options prefer_gzip{
      .codings = {content_coding::gzip, content_coding::br}};
  EXPECT_EQ(field(after(accepting("br, gzip"), page(), prefer_gzip), "Content-Encoding"), "gzip");
  // Level 0 stores (bigger than the input: left as is); a level out of range falls back.
  EXPECT_FALSE(after(accepting("gzip"), page(), {.gzip_level = 0}).headers().contains("Content-Encoding"));
  const response fallback = after(accepting("gzip"), page(), {.gzip_level = 42});
  EXPECT_EQ(fallback.body(), ph::compress(content_coding::gzip, page_text()).value());
  const response best = after(accepting("br"), page(), {.br_level = 11});
  EXPECT_EQ(best.body(), ph::compress(content_coding::br, page_text(), 11).value());
}

TEST(http_compression_test, head_gets_the_fields_get_gets) {
  router routes;
  ASSERT_TRUE(routes.get("/page", [](request&, response& res) { res.html(page_text()); }).is_ok());
  pipeline app(std::move(routes));
  app.use_after(compress_responses());
  auto get_req = make("GET", {{"Accept-Encoding", "gzip"}});
  auto head_req = make("HEAD", {{"Accept-Encoding", "gzip"}});
  // make() targets "/"; route the same path for both.
  ph::request_head gh = get_req.head(), hh = head_req.head();
  gh.target = hh.target = "/page";
  auto get = request::from_head(gh).value();
  auto head = request::from_head(hh).value();
  const response got = app.handle(get);
  const response headed = app.handle(head);
  ASSERT_EQ(field(got, "Content-Encoding"), "gzip");
  std::string get_wire, head_wire;
  ASSERT_TRUE(got.serialize(get_wire, false).is_ok());
  ASSERT_TRUE(headed.serialize(head_wire, true).is_ok());
  const std::string get_head = get_wire.substr(0, get_wire.find("\r\n\r\n") + 4);
  EXPECT_EQ(head_wire, get_head);
  EXPECT_NE(head_wire.find("Content-Length: " + std::to_string(got.body().size()) + "\r\n"),
            std::string::npos);
  EXPECT_EQ(get_wire.substr(get_head.size()), got.body());
}

// --- decode_request_bodies ----------------------------------------------------------------

struct run_result {
  response res;
  bool handler_ran = false;
  std::string handler_body;
  std::string content_length;
  bool had_encoding = false;
};

run_result through_pipeline(request req, request_decoding_options o = {}) {
  run_result out;
  router routes;
  EXPECT_TRUE(routes.post("/up", [&out](request& r, response& res) {
                      out.handler_ran = true;
                      out.handler_body = r.body();
                      out.content_length = std::string(r.header("Content-Length").value_or("<none>"));
                      out.had_encoding = r.headers().contains("Content-Encoding");
                      res.text("ok");
                    }).is_ok());
  pipeline app(std::move(routes));
  app.use(decode_request_bodies(std::move(o)));
  ph::request_head h = req.head();
  h.target = "/up";
  h.method = "POST";
  auto r = request::from_head(std::move(h), req.body()).value();
  out.res = app.handle(r);
  return out;
}

request upload(const char* encoding, std::string body) {
  return make("POST", {{"Content-Encoding", encoding}, {"Content-Length", "999"}}, std::move(body));
}

TEST(http_compression_test, a_gzip_request_body_is_decoded) {
  const std::string plain = page_text(10000);
  for (const char* coding : {"gzip", "deflate", "br", "GZIP", "x-gzip"}) {
    const auto c = ph::parse_content_coding(coding).value();
    const auto out = through_pipeline(upload(coding, ph::compress(c, plain).value()));
    EXPECT_TRUE(out.handler_ran) << coding;
    EXPECT_EQ(out.res.status(), 200);
    EXPECT_EQ(out.handler_body, plain);
    EXPECT_FALSE(out.had_encoding);
    EXPECT_EQ(out.content_length, std::to_string(plain.size()));
  }
}

TEST(http_compression_test, several_request_codings_are_undone_in_reverse_order) {
  const std::string plain = page_text(3000);
  const std::string gz = ph::compress(content_coding::gzip, plain).value();
  const auto out = through_pipeline(upload("gzip, br", ph::compress(content_coding::br, gz).value()));
  EXPECT_TRUE(out.handler_ran);
  EXPECT_EQ(out.handler_body, plain);
}

TEST(http_compression_test, a_request_without_content_encoding_passes_untouched) {
  const auto out = through_pipeline(make("POST", {{"Content-Length", "5"}}, "plain"));
  EXPECT_TRUE(out.handler_ran);
  EXPECT_EQ(out.handler_body, "plain");
  EXPECT_EQ(out.content_length, "5");
  const auto identity = through_pipeline(upload("identity", "plain"));
  EXPECT_TRUE(identity.handler_ran);
  EXPECT_EQ(identity.handler_body, "plain");
  EXPECT_FALSE(identity.had_encoding);
}

TEST(http_compression_test, a_request_bomb_gets_413) {
  // 64 MiB of zeros, about 64 KiB compressed, against a 1 MiB limit.
  auto enc = ph::content_encoder::create(content_coding::gzip, 9).value();
  std::string bomb;
  const std::string zeros(1 << 20, '\0');
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(enc.write(zeros, bomb).is_ok());
  ASSERT_TRUE(enc.finish(bomb).is_ok());
  const auto out = through_pipeline(upload("gzip", bomb), {.max_body = 1 << 20});
  EXPECT_FALSE(out.handler_ran);
  EXPECT_EQ(out.res.status(), 413);
  EXPECT_NE(out.res.body().find("1048576 bytes"), std::string::npos) << out.res.body();
  // Under the default 8 MiB limit too.
  const auto dflt = through_pipeline(upload("gzip", bomb));
  EXPECT_EQ(dflt.res.status(), 413);
  EXPECT_NE(dflt.res.body().find("8388608 bytes"), std::string::npos) << dflt.res.body();
}

TEST(http_compression_test, a_brotli_window_above_max_state_gets_413) {
  // 6 MiB in several meta-blocks: the decoder needs the encoder's whole 4 MiB window.
  const std::string plain = page_text(6 << 20);
  const std::string br = ph::compress(content_coding::br, plain, 1).value();
  const auto refused = through_pipeline(upload("br", br), {.max_state = 1 << 20});
  EXPECT_FALSE(refused.handler_ran);
  EXPECT_EQ(refused.res.status(), 413);
  EXPECT_NE(refused.res.body().find("state"), std::string::npos) << refused.res.body();
  const auto taken = through_pipeline(upload("br", br));
  EXPECT_TRUE(taken.handler_ran);
  EXPECT_EQ(taken.handler_body, plain);
}

TEST(http_compression_test, a_corrupt_or_truncated_request_body_gets_400) {
  const std::string gz = ph::compress(content_coding::gzip, page_text()).value();
  for (const std::string& body : {std::string("not gzip"), gz.substr(0, gz.size() / 2)}) {
    const auto out = through_pipeline(upload("gzip", body));
    EXPECT_FALSE(out.handler_ran);
    EXPECT_EQ(out.res.status(), 400);
    EXPECT_NE(out.res.body().find("gzip"), std::string::npos) << out.res.body();
  }
  const auto many = through_pipeline(upload("gzip, gzip, gzip, gzip, gzip", gz));
  EXPECT_EQ(many.res.status(), 400);
}

TEST(http_compression_test, an_unknown_request_coding_gets_415_with_accept_encoding) {
  const auto out = through_pipeline(upload("zstd", "whatever"));
  EXPECT_FALSE(out.handler_ran);
  EXPECT_EQ(out.res.status(), 415);
  EXPECT_EQ(field(out.res, "Accept-Encoding"), "gzip, deflate, br");
  EXPECT_NE(out.res.body().find("zstd"), std::string::npos) << out.res.body();
  // Known, but not accepted by this server.
  const auto br = through_pipeline(upload("br", ph::compress(content_coding::br, "x").value()),
                                   {.codings = {content_coding::gzip}});
  EXPECT_FALSE(br.handler_ran);
  EXPECT_EQ(br.res.status(), 415);
  EXPECT_EQ(field(br.res, "Accept-Encoding"), "gzip");
}

}  // namespace
}  // namespace network_system::http
