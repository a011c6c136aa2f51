// http_client against Debian's nginx (a server we did not write), started by the test on
// 127.0.0.1 with a configuration written at test time: keep-alive (nginx's own connection
// number and request count per connection), chunked and gzip answers (nginx gzip on), a
// chunked request body, and redirects (nginx `return 301/302/303/307`).

#include "network_system/http/http_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "interop/support/child_process.h"
#include "interop/support/http_peers.h"

namespace interop {
namespace {

using integration::long_wait;
using namespace std::chrono_literals;
namespace nhttp = network_system::http;

// A port the OS just handed out (nginx cannot listen on port 0); the caller retries if another
// program takes it before nginx does.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

std::string big_text() {
  std::string s;
  for (int i = 0; s.size() < 200'000; ++i) s += "line " + std::to_string(i) + " of a compressible file\n";
  return s;
}

class nginx_peer {
 public:
  explicit nginx_peer(const scratch_dir& dir) {
    const std::string d = dir.path();
    for (int attempt = 0; attempt < 3 && !running_; ++attempt) {
      port_ = free_port();
      const std::string p = std::to_string(port_);
      const auto conf = dir.write("nginx.conf",
          "worker_processes 1;\n"
          "events { worker_connections 1024; }\n"
          "http {\n"
          "  access_log off;\n"
          "  client_body_temp_path " + d + "/body; proxy_temp_path " + d + "/proxy;\n"
          "  fastcgi_temp_path " + d + "/fastcgi; uwsgi_temp_path " + d + "/uwsgi;\n"
          "  scgi_temp_path " + d + "/scgi;\n"
          "  keepalive_requests 100000; keepalive_timeout 60s;\n"
          "  gzip on; gzip_min_length 256; gzip_types text/plain;\n"
          "  types { text/plain txt; }\n"
          "  server {\n"
          "    listen 127.0.0.1:" + p + ";\n"
          "    root " + d + "/www;\n"
          "    location = /hello {\n"
          "      add_header X-Connection $connection;\n"
          "      add_header X-Connection-Requests $connection_requests;\n"
          "      default_type text/plain; return 200 \"Hello, World!\";\n"
          "    }\n"
          "    location = /upload { default_type text/plain; return 200 \"got $content_length|$http_transfer_encoding\"; }\n"
          "    location = /moved { return 301 /hello; }\n"
          "    location = /found-absolute { return 302 http://127.0.0.1:" + p + "/big.txt; }\n"
          "    location = /see-other { return 303 /hello; }\n"
          "    location = /temporary { return 307 /upload; }\n"
          "    location = /loop { return 302 /loop; }\n"
          "  }\n"
          "}\n");
      nginx_ = std::make_unique<child_process>(
          std::vector<std::string>{"nginx", "-p", d, "-c", conf, "-e", "stderr", "-g",
                                   "daemon off; pid " + d + "/nginx.pid; error_log stderr;"},
          child_options{.timeout = 240s});
      if (!nginx_->started()) {
        error_ = nginx_->start_error();
        return;
      }
      running_ = integration::wait_until(
          [&] {
            integration::raw_client probe;
            return probe.connect("127.0.0.1", port_) || nginx_->wait_exit(0ms).has_value();
          },
          10s) &&
                 !nginx_->wait_exit(0ms).has_value();
      if (!running_) {
        error_ = "nginx did not listen on 127.0.0.1:" + p + ": " + nginx_->text(output::err);
        nginx_.reset();
      }
    }
  }
  [[nodiscard]] bool running() const { return running_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  std::unique_ptr<child_process> nginx_;
  std::uint16_t port_ = 0;
  bool running_ = false;
  std::string error_;
};

class http_client_nginx : public ::testing::Test {
 protected:
  http_client_nginx() : dir_("http-client-nginx") {
    namespace fs = std::filesystem;
    fs::create_directories(dir_.file("www"));
    (void)dir_.write("www/big.txt", big_text());
    // nginx started as root serves files as an unprivileged worker user.
    const auto dirs = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec;
    fs::permissions(dir_.path(), dirs);
    fs::permissions(dir_.file("www"), dirs);
    fs::permissions(dir_.file("www/big.txt"), fs::perms::owner_read | fs::perms::owner_write |
                                                  fs::perms::group_read | fs::perms::others_read);
    nginx_ = std::make_unique<nginx_peer>(dir_);
  }
  void SetUp() override { ASSERT_TRUE(nginx_->running()) << nginx_->error(); }
  static nhttp::http_client_config config() {
    nhttp::http_client_config c;
    c.request_timeout = long_wait;
    return c;
  }
  scratch_dir dir_;
  std::unique_ptr<nginx_peer> nginx_;
};

TEST_F(http_client_nginx, keep_alive_reuses_one_nginx_connection) {
  nhttp::http_client client(config());
  std::optional<std::string> connection;
  for (int i = 1; i <= 50; ++i) {
    auto r = client.get(nginx_->url("/hello"));
    ASSERT_TRUE(r.is_ok()) << r.error().message;
    EXPECT_EQ(r.value().status, 200);
    EXPECT_EQ(r.value().body, "Hello, World!");
    const auto conn = std::string(r.value().header("X-Connection").value_or("?"));
    if (!connection) connection = conn;
    EXPECT_EQ(conn, *connection) << "request " << i << " on another nginx connection";
    EXPECT_EQ(r.value().header("X-Connection-Requests").value_or(""), std::to_string(i));
  }
  EXPECT_EQ(client.statistics().connections_opened, 1u);
  EXPECT_EQ(client.statistics().connections_reused, 49u);
}

TEST_F(http_client_nginx, gzip_chunked_answers_are_decoded) {
  nhttp::http_client client(config());
  auto r = client.get(nginx_->url("/big.txt"));
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_EQ(r.value().status, 200);
  EXPECT_TRUE(r.value().body == big_text()) << r.value().body.size() << " bytes";
  EXPECT_FALSE(r.value().header("Content-Encoding"));

  auto cfg = config();
  cfg.decode_content = false;
  nhttp::http_client raw(cfg);
  nhttp::client_request req{.url = nginx_->url("/big.txt")};
  req.headers.set("Accept-Encoding", "gzip");
  auto z = raw.request(req);
  ASSERT_TRUE(z.is_ok()) << z.error().message;
  EXPECT_EQ(z.value().header("Content-Encoding").value_or(""), "gzip");
  EXPECT_EQ(z.value().header("Transfer-Encoding").value_or(""), "chunked");
  EXPECT_LT(z.value().body.size(), big_text().size() / 4);
  // Unasked, nginx sends it as it is, with a Content-Length.
  nhttp::client_request plain_req{.url = nginx_->url("/big.txt")};
  plain_req.headers.set("Accept-Encoding", "identity");
  auto p = raw.request(plain_req);
  ASSERT_TRUE(p.is_ok()) << p.error().message;
  EXPECT_EQ(p.value().header("Content-Length").value_or(""), std::to_string(big_text().size()));
  EXPECT_TRUE(p.value().body == big_text());
}

TEST_F(http_client_nginx, chunked_and_sized_request_bodies_are_framed_right) {
  nhttp::http_client client(config());
  auto sized = client.post(nginx_->url("/upload"), std::string(10'000, 'x'), "text/plain");
  ASSERT_TRUE(sized.is_ok()) << sized.error().message;
  EXPECT_EQ(sized.value().body, "got 10000|");
  auto req = nhttp::client_request::make("POST", nginx_->url("/upload"), std::string(50'000, 'y'),
                                         "text/plain");
  req.chunked = true;
  req.chunk_size = 4000;
  auto chunked = client.request(req);
  ASSERT_TRUE(chunked.is_ok()) << chunked.error().message;
  // nginx read the chunked body (it would answer 400 to broken framing) and saw no length.
  EXPECT_EQ(chunked.value().status, 200);
  EXPECT_TRUE(chunked.value().body.ends_with("|chunked")) << chunked.value().body;
  // The connection is still in step: the next answer is the next request's.
  auto after = client.get(nginx_->url("/hello"));
  ASSERT_TRUE(after.is_ok()) << after.error().message;
  EXPECT_EQ(after.value().body, "Hello, World!");
  EXPECT_TRUE(after.value().reused_connection);
}

TEST_F(http_client_nginx, redirects_follow_nginx_return) {
  nhttp::http_client client(config());
  auto moved = client.get(nginx_->url("/moved"));
  ASSERT_TRUE(moved.is_ok()) << moved.error().message;
  EXPECT_EQ(moved.value().body, "Hello, World!");
  EXPECT_EQ(moved.value().redirects, 1u);
  EXPECT_EQ(moved.value().url, nginx_->url("/hello"));

  auto absolute = client.get(nginx_->url("/found-absolute"));
  ASSERT_TRUE(absolute.is_ok()) << absolute.error().message;
  EXPECT_EQ(absolute.value().url, nginx_->url("/big.txt"));
  EXPECT_EQ(absolute.value().body.size(), big_text().size());

  auto see_other = client.post(nginx_->url("/see-other"), "data", "text/plain");
  ASSERT_TRUE(see_other.is_ok()) << see_other.error().message;
  EXPECT_EQ(see_other.value().body, "Hello, World!");  // 303: GET

  auto temporary = client.post(nginx_->url("/temporary"), "12345", "text/plain");
  ASSERT_TRUE(temporary.is_ok()) << temporary.error().message;
  EXPECT_EQ(temporary.value().body, "got 5|");  // 307: POST with its body again

  auto loop = client.get(nginx_->url("/loop"));
  ASSERT_TRUE(loop.is_err());
  EXPECT_EQ(loop.error().code, network_system::error_codes::http_too_many_redirects);
}

}  // namespace
}  // namespace interop
