#include "network_system/http/file_body.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "network_system/core/error_codes.h"
#include "network_system/http/response.h"
#include "network_system/protocol/http/response_parser.h"

namespace network_system::http {
namespace {

namespace fs = std::filesystem;

// A scratch directory removed at the end of the test.
class file_body_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ns_file_body_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  // Whether `fd` is an open descriptor.
  static bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

  fs::path dir_;
};

TEST_F(file_body_test, open_takes_the_whole_file_and_its_stat) {
  const auto path = write("a.txt", "hello, file");
  auto f = file_body::open(path);
  ASSERT_TRUE(f.is_ok()) << f.error().message;
  EXPECT_EQ(f.value().offset(), 0u);
  EXPECT_EQ(f.value().length(), 11u);
  EXPECT_EQ(f.value().info().size, 11u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(f.value().info().inode, st.st_ino);
  EXPECT_EQ(f.value().info().device, st.st_dev);
  EXPECT_EQ(f.value().info().mtime_ns, st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec);
  std::string out = "prefix:";
  ASSERT_TRUE(f.value().append_to(out).is_ok());
  EXPECT_EQ(out, "prefix:hello, file");
}

TEST_F(file_body_test, open_refuses_missing_files_directories_and_fifos) {
  auto missing = file_body::open((dir_ / "nope").string());
  ASSERT_TRUE(missing.is_err());
  EXPECT_EQ(missing.error().code, error_codes::invalid_argument);
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
  auto d = file_body::open(dir_.string());
  ASSERT_TRUE(d.is_err());
  EXPECT_NE(d.error().message.find("not a regular file"), std::string::npos);
  const auto fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto p = file_body::open(fifo);  // O_NONBLOCK: returns at once instead of waiting for a writer
  ASSERT_TRUE(p.is_err());
  EXPECT_EQ(p.error().code, error_codes::invalid_argument);
}

TEST_F(file_body_test, adopt_closes_the_descriptor_on_failure) {
  const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(file_body::adopt(fd).is_err());
  EXPECT_FALSE(is_open(fd));
  EXPECT_TRUE(file_body::adopt(-1).is_err());
}

TEST_F(file_body_test, the_descriptor_closes_with_the_last_copy) {
  const int raw = ::open(write("b.bin", "0123456789").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  int fd = -1;
  {
    auto f = file_body::adopt(raw);
    ASSERT_TRUE(f.is_ok());
    fd = f.value().fd();
    EXPECT_EQ(fd, raw);
    std::optional<file_body> copy = f.value();
    { auto slice = f.value().slice(2, 3); ASSERT_TRUE(slice.is_ok()); }
    f = Result<file_body>(error_info{error_codes::invalid_argument, "gone", "", ""});
    EXPECT_TRUE(is_open(fd)) << "a copy still holds it";
    std::string out;
    ASSERT_TRUE(copy->append_to(out).is_ok());
    EXPECT_EQ(out, "0123456789");
    copy.reset();
    EXPECT_FALSE(is_open(fd)) << "the last copy closed it";
  }
}

TEST_F(file_body_test, slices_share_the_file_and_count_from_its_start) {
  auto f = file_body::open(write("c.bin", "0123456789"));
  ASSERT_TRUE(f.is_ok());
  auto s = f.value().slice(3, 4);
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s.value().fd(), f.value().fd());
  EXPECT_EQ(s.value().offset(), 3u);
  EXPECT_EQ(s.value().length(), 4u);
  EXPECT_EQ(s.value().info().size, 10u);
  std::string out;
  ASSERT_TRUE(s.value().append_to(out).is_ok());
  EXPECT_EQ(out, "3456");
  // A slice of a slice still counts from the file's start.
  auto s2 = s.value().slice(8, 2);
  ASSERT_TRUE(s2.is_ok());
  out.clear();
  ASSERT_TRUE(s2.value().append_to(out).is_ok());
  EXPECT_EQ(out, "89");
  EXPECT_TRUE(f.value().slice(10, 0).is_ok());
  EXPECT_TRUE(f.value().slice(10, 1).is_err());
  EXPECT_TRUE(f.value().slice(11, 0).is_err());
  EXPECT_TRUE(f.value().slice(2, ~std::uint64_t{0}).is_err());  // no overflow past the check
}

TEST_F(file_body_test, read_at_reads_piecewise_within_the_body) {
  auto f = file_body::open(write("d.bin", "abcdefghij"));
  ASSERT_TRUE(f.is_ok());
  const auto s = f.value().slice(2, 6).value();  // "cdefgh"
  char buf[4];
  auto r = s.read_at(0, buf);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r.value(), 4u);
  EXPECT_EQ(std::string(buf, 4), "cdef");
  r = s.read_at(4, buf);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r.value(), 2u);  // stops at the body's end, not the file's
  EXPECT_EQ(std::string(buf, 2), "gh");
  r = s.read_at(6, buf);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), 0u);
}

TEST_F(file_body_test, a_file_truncated_after_open_is_reported) {
  const auto path = write("e.bin", std::string(100, 'x'));
  auto f = file_body::open(path);
  ASSERT_TRUE(f.is_ok());
  ASSERT_EQ(::truncate(path.c_str(), 40), 0);
  std::string out = "keep";
  const auto r = f.value().append_to(out);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_state);
  EXPECT_EQ(out, "keep");
}

// --- response with a file body ------------------------------------------------------------

TEST_F(file_body_test, response_head_reports_the_file_length) {
  auto f = file_body::open(write("f.txt", "0123456789"));
  ASSERT_TRUE(f.is_ok());
  response res;
  res.set_file(f.value().slice(1, 5).value(), "text/plain");
  ASSERT_NE(res.file(), nullptr);
  EXPECT_EQ(res.content_length(), 5u);
  const auto head = res.to_head();
  EXPECT_EQ(head.fields.get("Content-Length"), "5");
  EXPECT_EQ(head.fields.get("Content-Type"), "text/plain");
}

TEST_F(file_body_test, response_serialize_reads_the_file_and_parses_back) {
  auto f = file_body::open(write("g.txt", "hello from disk"));
  ASSERT_TRUE(f.is_ok());
  response res;
  res.set_file(f.value(), "text/plain");
  std::string wire;
  ASSERT_TRUE(res.serialize(wire).is_ok());
  EXPECT_EQ(wire,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\n"
            "hello from disk");
  protocol::http::response_parser p;
  p.set_request_method("GET");
  std::span<const std::uint8_t> in(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size());
  std::string body;
  bool complete = false;
  for (int guard = 0; guard < 100 && !complete; ++guard) {
    const auto r = p.feed(in);
    in = in.subspan(r.consumed);
    if (r.status == protocol::http::parse_status::body) {
      body.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
    }
    if (r.status == protocol::http::parse_status::message_complete) complete = true;
    ASSERT_NE(r.status, protocol::http::parse_status::error);
    if (r.status == protocol::http::parse_status::need_more) break;
  }
  EXPECT_TRUE(complete);
  EXPECT_EQ(body, "hello from disk");
}

TEST_F(file_body_test, response_head_request_leaves_the_file_out) {
  auto f = file_body::open(write("h.txt", "abc"));
  ASSERT_TRUE(f.is_ok());
  response res;
  res.set_file(f.value());
  std::string wire;
  ASSERT_TRUE(res.serialize(wire, /*head_request=*/true).is_ok());
  EXPECT_EQ(wire, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
}

TEST_F(file_body_test, setting_a_body_drops_the_file_and_vice_versa) {
  auto f = file_body::open(write("i.txt", "file"));
  ASSERT_TRUE(f.is_ok());
  response res;
  res.text("memory");
  res.set_file(f.value());
  EXPECT_TRUE(res.body().empty());
  ASSERT_NE(res.file(), nullptr);
  res.text("memory again");
  EXPECT_EQ(res.file(), nullptr);
  EXPECT_EQ(res.content_length(), 12u);
  res.set_file(f.value());
  ASSERT_TRUE(res.redirect("/elsewhere").is_ok());
  EXPECT_EQ(res.file(), nullptr);
  res.set_file(f.value());
  res.clear_file();
  EXPECT_EQ(res.file(), nullptr);
  EXPECT_EQ(res.content_length(), 0u);
}

TEST_F(file_body_test, response_refuses_a_file_with_a_bodyless_status_or_with_a_body) {
  auto f = file_body::open(write("j.txt", "xyz"));
  ASSERT_TRUE(f.is_ok());
  response res;
  res.set_file(f.value());
  res.set_status(204);
  std::string wire = "keep";
  auto r = res.serialize(wire);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_argument);
  EXPECT_EQ(wire, "keep");
  res.set_status(200);
  res.body() = "sneaked in";
  r = res.serialize(wire);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_argument);
  EXPECT_EQ(wire, "keep");
}

TEST_F(file_body_test, response_serialize_reports_a_truncated_file) {
  const auto path = write("k.bin", std::string(64, 'k'));
  auto f = file_body::open(path);
  ASSERT_TRUE(f.is_ok());
  response res;
  res.set_file(f.value());
  ASSERT_EQ(::truncate(path.c_str(), 10), 0);
  std::string wire = "keep";
  const auto r = res.serialize(wire);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_state);
  EXPECT_EQ(wire, "keep");
}

TEST_F(file_body_test, copies_of_a_response_share_the_file) {
  auto f = file_body::open(write("l.txt", "shared"));
  ASSERT_TRUE(f.is_ok());
  const int fd = f.value().fd();
  std::optional<response> a{response{}};
  a->set_file(std::move(f).value());
  response b = *a;
  a.reset();
  EXPECT_TRUE(is_open(fd));
  std::string wire;
  ASSERT_TRUE(b.serialize(wire).is_ok());
  EXPECT_TRUE(wire.ends_with("\r\n\r\nshared"));
}

}  // namespace
}  // namespace network_system::http
