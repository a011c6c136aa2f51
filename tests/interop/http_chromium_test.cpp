// Interop: headless Chromium (a browser nobody on this team wrote) against our http_server on
// 127.0.0.1: it loads a page with an image and decodes the image, over HTTP and over HTTPS
// (trusting our certificate by its public key, and refusing it without), loads a page of 24
// images (fetched over its parallel connections, six here), and it posts a form
// (the page submits it on load) whose answer is the page it ends on. --dump-dom prints the
// DOM; the server's record shows what the browser asked for and sent.
//
// Chromium runs with the flags of SPEC §9 (no sandbox, no GPU, no background traffic, a
// user-data directory of its own), bounded by the child's timeout; its process group (the
// renderer and utility processes) is killed with it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "interop/support/http_peers.h"
#include "interop/support/peers.h"

namespace interop {
namespace {

using integration::long_wait;

// A 3 x 2 RGB PNG (red, green, blue columns), made with Python's zlib; `file` reads it as
// "PNG image data, 3 x 2, 8-bit/color RGB, non-interlaced".
const std::string png_3x2(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x03\x00\x00"
    "\x00\x02\x08\x02\x00\x00\x00\x12\x16\xf1\x4d\x00\x00\x00\x10\x49\x44\x41\x54\x78\xda\x63"
    "\xf8\xcf\xc0\xc0\x00\xc1\x70\x16\x00\x3b\xd8\x05\xfb\x36\x11\x98\xea\x00\x00\x00\x00\x49"
    "\x45\x4e\x44\xae\x42\x60\x82",
    73);

// The page with the image: its script writes the decoded size (or the failure) into #image.
const std::string image_page =
    "<!DOCTYPE html>\n<html><head><title>image page</title></head><body>\n"
    "<p id=marker>nsys-image-page</p>\n"
    "<p id=image>image-pending</p>\n"
    "<img src=\"/img.png\" alt=pixels"
    " onload=\"document.getElementById('image').textContent="
    "'image-loaded-' + this.naturalWidth + 'x' + this.naturalHeight\""
    " onerror=\"document.getElementById('image').textContent='image-failed'\">\n"
    "<form method=post action=/submit><input name=unused value=1></form>\n"
    "</body></html>\n";

// The page that posts its form as soon as it has loaded; the browser ends on /submit's answer.
const std::string form_page =
    "<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>form page</title></head>\n"
    "<body onload=\"document.forms[0].submit()\">\n"
    "<p id=marker>nsys-form-page</p>\n"
    "<form method=post action=/submit>\n"
    "<input name=name value=\"Ada Lovelace\">\n"
    "<input name=note value=\"a&amp;b=c 100% \xc3\xbc\">\n"
    "<input type=hidden name=token value=7f3a9c>\n"
    "</form></body></html>\n";

// A page with `count` images (/pixel/0 ...), which the browser fetches over several connections
// at once; its script writes how many loaded and how many failed once all have settled.
std::string many_images_page(int count) {
  std::string page =
      "<!DOCTYPE html>\n<html><head><title>many images</title><script>\n"
      "var loaded = 0, failed = 0;\n"
      "function settled(ok) {\n"
      "  if (ok) ++loaded; else ++failed;\n"
      "  if (loaded + failed == " + std::to_string(count) + ")\n"
      "    document.getElementById('images').textContent =\n"
      "        'images-loaded-' + loaded + '-failed-' + failed;\n"
      "}\n"
      "</script></head><body>\n<p id=images>images-pending</p>\n";
  for (int i = 0; i < count; ++i) {
    page += "<img src=\"/pixel/" + std::to_string(i) +
            "\" onload=\"settled(this.naturalWidth == 3)\" onerror=\"settled(false)\">\n";
  }
  return page + "</body></html>\n";
}

constexpr int image_count = 24;

void add_pages(nhttp::router& r) {
  (void)r.get("/", [](nhttp::request&, nhttp::response& res) { res.html(image_page); });
  (void)r.get("/img.png", [](nhttp::request&, nhttp::response& res) {
    res.set_body(png_3x2, "image/png");
  });
  (void)r.get("/many", [](nhttp::request&, nhttp::response& res) {
    res.html(many_images_page(image_count));
  });
  (void)r.get("/pixel/:n", [](nhttp::request&, nhttp::response& res) {
    res.set_body(png_3x2, "image/png");
  });
  (void)r.get("/form", [](nhttp::request&, nhttp::response& res) { res.html(form_page); });
  (void)r.post("/submit", [](nhttp::request& req, nhttp::response& res) {
    res.html("<!DOCTYPE html>\n<html><body><p id=result>nsys-form-received " +
             std::to_string(req.body().size()) + " bytes</p></body></html>\n");
  });
}

// Chromium dumping the DOM of the page `url` ends on, with `extra` flags; its run.
//
// --dump-dom alone dumps at the first page's load event, which races with the navigation a
// form submitted from onload starts (seen here: sometimes the form page, sometimes the answer).
// --virtual-time-budget makes headless Chromium run the page, navigations included, until that
// much virtual time has passed and then dump: virtual time jumps ahead while nothing is
// pending, so this is no wall-clock wait.
peer_run dump_dom(const std::string& chromium, const scratch_dir& profile,
                  const std::string& url, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                "--no-first-run", "--disable-background-networking",
                                "--disable-component-update", "--disable-sync",
                                "--user-data-dir=" + profile.path(),
                                "--virtual-time-budget=10000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("--dump-dom");
  argv.push_back(url);
  return run_peer(std::move(argv), {}, long_wait * 2);
}

// The requests in `all` for method and target.
std::vector<recorded_request> requests_for(const std::vector<recorded_request>& all,
                                           const std::string& method,
                                           const std::string& target) {
  std::vector<recorded_request> out;
  for (const auto& r : all) {
    if (r.head.method == method && r.head.target == target) out.push_back(r);
  }
  return out;
}

TEST(HttpChromiumTest, loads_a_page_and_its_image) {
  INTEROP_REQUIRE_PEER(chromium, "chromium", "chromium");
  recording_http_server server({}, add_pages);
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir profile("http-chromium");
  ASSERT_FALSE(profile.path().empty());

  const auto run = dump_dom(chromium, profile, server.url("/"));
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_NE(run.out.find("nsys-image-page"), std::string::npos) << run.out;
  // The browser fetched the image and decoded it to its real size.
  EXPECT_NE(run.out.find("image-loaded-3x2"), std::string::npos) << run.out;

  const auto requests = server.requests();
  EXPECT_EQ(requests_for(requests, "GET", "/").size(), 1u);
  const auto image = requests_for(requests, "GET", "/img.png");
  ASSERT_EQ(image.size(), 1u);
  EXPECT_NE(image[0].head.fields.get("Accept").value_or("").find("image/"), std::string::npos);
  EXPECT_EQ(image[0].head.fields.get("Referer"), server.url("/"));
  EXPECT_EQ(server.statistics().responses_5xx, 0u);
  EXPECT_EQ(server.errors(), "");
}

TEST(HttpChromiumTest, loads_a_page_with_many_images) {
  INTEROP_REQUIRE_PEER(chromium, "chromium", "chromium");
  recording_http_server server({}, add_pages);
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir profile("http-chromium");
  ASSERT_FALSE(profile.path().empty());

  const auto run = dump_dom(chromium, profile, server.url("/many"));
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_NE(run.out.find("images-loaded-" + std::to_string(image_count) + "-failed-0"),
            std::string::npos)
      << run.out;

  // Each image asked for once.
  const auto requests = server.requests();
  for (int i = 0; i < image_count; ++i) {
    EXPECT_EQ(requests_for(requests, "GET", "/pixel/" + std::to_string(i)).size(), 1u) << i;
  }
  EXPECT_EQ(server.statistics().responses_5xx, 0u);
  EXPECT_EQ(server.errors(), "");
}

TEST(HttpChromiumTest, loads_a_page_and_its_image_over_https) {
  INTEROP_REQUIRE_PEER(chromium, "chromium", "chromium");
  INTEROP_REQUIRE_PEER(openssl, "openssl", "openssl");
  recording_http_server server(integration::server_tls(), add_pages);
  ASSERT_FALSE(server.start_error()) << *server.start_error();

  // Chromium reads no CA file; --ignore-certificate-errors-spki-list makes it accept the
  // certificate whose public key has this SHA-256 (base64), ours, and no other.
  const auto spki = run_peer({"bash", "-c",
                              "set -o pipefail; '" + openssl + "' x509 -in '" +
                                  integration::cert_path("server.pem") +
                                  "' -pubkey -noout | '" + openssl +
                                  "' pkey -pubin -outform der | '" + openssl +
                                  "' dgst -sha256 -binary | base64"},
                             {}, long_wait);
  ASSERT_EQ(spki.exit_code, 0) << spki.transcript;
  std::string pin = spki.out;
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  ASSERT_EQ(pin.size(), 44u) << pin;

  {
    scratch_dir profile("http-chromium");
    ASSERT_FALSE(profile.path().empty());
    const auto run = dump_dom(chromium, profile, server.url("/"),
                              {"--ignore-certificate-errors-spki-list=" + pin});
    ASSERT_EQ(run.exit_code, 0) << run.transcript;
    EXPECT_NE(run.out.find("nsys-image-page"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("image-loaded-3x2"), std::string::npos) << run.out;
  }
  const auto served = server.requests();
  EXPECT_EQ(requests_for(served, "GET", "/").size(), 1u);
  EXPECT_EQ(requests_for(served, "GET", "/img.png").size(), 1u);

  // Without the pin Chromium refuses our certificate (the test CA is not its) and asks nothing.
  scratch_dir profile("http-chromium");
  ASSERT_FALSE(profile.path().empty());
  const auto refused = dump_dom(chromium, profile, server.url("/"));
  EXPECT_EQ(refused.out.find("nsys-image-page"), std::string::npos) << refused.out;
  EXPECT_NE(refused.err.find("ERR_CERT_AUTHORITY_INVALID"), std::string::npos) << refused.err;
  EXPECT_EQ(server.requests().size(), served.size());
}

TEST(HttpChromiumTest, posts_a_form_and_shows_the_answer) {
  INTEROP_REQUIRE_PEER(chromium, "chromium", "chromium");
  recording_http_server server({}, add_pages);
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir profile("http-chromium");
  ASSERT_FALSE(profile.path().empty());

  const auto run = dump_dom(chromium, profile, server.url("/form"));
  ASSERT_EQ(run.exit_code, 0) << run.transcript;

  const auto posts = requests_for(server.requests(), "POST", "/submit");
  ASSERT_EQ(posts.size(), 1u) << run.transcript;
  const auto& post = posts[0];
  EXPECT_EQ(post.head.fields.get("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(post.head.fields.get("Origin"), "http://127.0.0.1:" + std::to_string(server.port()));
  // The fields in document order, encoded as the HTML form-urlencoded serializer does (space
  // as '+', the UTF-8 of the page's charset percent-encoded).
  const std::string expected = "name=Ada+Lovelace&note=a%26b%3Dc+100%25+%C3%BC&token=7f3a9c";
  EXPECT_EQ(post.body, expected);
  EXPECT_EQ(post.head.fields.get("Content-Length"), std::to_string(expected.size()));

  // The DOM dumped is the answer's, not the form page's.
  EXPECT_NE(run.out.find("nsys-form-received " + std::to_string(expected.size()) + " bytes"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("nsys-form-page"), std::string::npos) << run.out;
  EXPECT_EQ(server.errors(), "");
}

}  // namespace
}  // namespace interop
