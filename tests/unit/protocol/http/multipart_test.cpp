#include "network_system/protocol/http/multipart.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "network_system/core/error_codes.h"

// Vectors from RFC 2046 §5.1.1 (the "simple boundary" example with preamble, a part without
// headers and an epilogue), RFC 7578 §4 (form-data parts, filename, filename*, Content-Type)
// and RFC 8187 §3.2.3 (ext-value: UTF-8''%e2%82%ac%20rates).

namespace network_system::protocol::http {
namespace {

using bytes = std::span<const std::uint8_t>;

bytes as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct parsed_part {
  std::vector<multipart_header> headers;
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string data;
  bool ended = false;
};

struct parsed {
  std::vector<parsed_part> parts;
  bool finished = false;
  int error = 0;
  std::string message;
  std::size_t data_events = 0;
};

// Feeds `body` cut at the offsets in `cuts` (ascending), checking the event order as it goes.
parsed run(multipart_parser& p, std::string_view body, const std::vector<std::size_t>& cuts = {}) {
  parsed out;
  std::size_t from = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(body.size());
  for (const std::size_t to : ends) {
    bytes in = as_bytes(body.substr(from, to - from));
    from = to;
    for (;;) {
      const auto ev = p.next(in);
      if (ev == multipart_event::need_more) {
        EXPECT_TRUE(in.empty());
        break;
      }
      if (ev == multipart_event::error) {
        out.error = p.error().code;
        out.message = p.error().message;
        return out;
      }
      if (ev == multipart_event::part_begin) {
        EXPECT_TRUE(out.parts.empty() || out.parts.back().ended);
        out.parts.push_back(
            {p.part().headers, p.part().name, p.part().filename, p.part().content_type, {}, false});
        EXPECT_EQ(p.part().index, out.parts.size() - 1);
      } else if (ev == multipart_event::part_data) {
        EXPECT_FALSE(out.parts.empty());
        EXPECT_FALSE(p.data().empty());
        out.parts.back().data.append(reinterpret_cast<const char*>(p.data().data()),
                                     p.data().size());
        ++out.data_events;
      } else if (ev == multipart_event::part_end) {
        out.parts.back().ended = true;
      } else if (ev == multipart_event::finished) {
        EXPECT_FALSE(out.finished);
        out.finished = true;
      }
    }
  }
  return out;
}

parsed run_form(std::string_view boundary, std::string_view body, multipart_limits limits = {},
                const std::vector<std::size_t>& cuts = {}) {
  multipart_parser p(boundary, limits);
  return run(p, body, cuts);
}

constexpr std::string_view rfc2046_body =
    "This is the preamble.  It is to be ignored, though it\r\n"
    "is a handy place for composition agents to include an\r\n"
    "explanatory note to non-MIME conformant readers.\r\n"
    "\r\n"
    "--simple boundary\r\n"
    "\r\n"
    "This is implicitly typed plain US-ASCII text.\r\n"
    "It does NOT end with a linebreak.\r\n"
    "--simple boundary\r\n"
    "Content-type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This is explicitly typed plain US-ASCII text.\r\n"
    "It DOES end with a linebreak.\r\n"
    "\r\n"
    "--simple boundary--\r\n"
    "\r\n"
    "This is the epilogue.  It is also to be ignored.\r\n";

void expect_rfc2046(const parsed& r) {
  ASSERT_EQ(r.error, 0) << r.message;
  EXPECT_TRUE(r.finished);
  ASSERT_EQ(r.parts.size(), 2u);
  EXPECT_TRUE(r.parts[0].headers.empty());
  EXPECT_EQ(r.parts[0].data,
            "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak.");
  ASSERT_EQ(r.parts[1].headers.size(), 1u);
  EXPECT_EQ(r.parts[1].headers[0].name, "Content-type");
  EXPECT_EQ(r.parts[1].content_type, "text/plain; charset=us-ascii");
  EXPECT_EQ(r.parts[1].data,
            "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n");
  EXPECT_TRUE(r.parts[1].ended);
}

TEST(http_multipart_test, rfc2046_example_in_one_piece) {
  auto boundary = multipart_boundary("multipart/mixed; boundary=\"simple boundary\"");
  ASSERT_TRUE(boundary.is_ok());
  EXPECT_EQ(boundary.value(), "simple boundary");
  multipart_parser p(boundary.value(), {.require_form_data = false});
  const auto r = run(p, rfc2046_body);
  expect_rfc2046(r);
  EXPECT_TRUE(p.finish().is_ok());
}

TEST(http_multipart_test, rfc2046_example_split_at_every_byte) {
  for (std::size_t cut = 0; cut <= rfc2046_body.size(); ++cut) {
    SCOPED_TRACE(cut);
    expect_rfc2046(run_form("simple boundary", rfc2046_body, {.require_form_data = false}, {cut}));
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < rfc2046_body.size(); ++i) every.push_back(i);
  expect_rfc2046(run_form("simple boundary", rfc2046_body, {.require_form_data = false}, every));
}

constexpr std::string_view form_body =
    "--AaB03x\r\n"
    "Content-Disposition: form-data; name=\"submit-name\"\r\n"
    "\r\n"
    "Larry\r\n"
    "--AaB03x\r\n"
    "content-disposition: form-data; name=\"files\"; filename=\"file1.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "... contents of file1.txt ...\r\n"
    "--AaB03x--\r\n";

TEST(http_multipart_test, form_data_names_filenames_and_types) {
  auto parser = multipart_parser::from_content_type("multipart/form-data; boundary=AaB03x");
  ASSERT_TRUE(parser.is_ok());
  const auto r = run(parser.value(), form_body);
  ASSERT_EQ(r.error, 0) << r.message;
  ASSERT_EQ(r.parts.size(), 2u);
  EXPECT_EQ(r.parts[0].name, "submit-name");
  EXPECT_FALSE(r.parts[0].filename);
  EXPECT_EQ(r.parts[0].data, "Larry");
  EXPECT_EQ(r.parts[1].name, "files");
  EXPECT_EQ(r.parts[1].filename, "file1.txt");
  EXPECT_EQ(r.parts[1].content_type, "text/plain");
  EXPECT_EQ(r.parts[1].data, "... contents of file1.txt ...");
  EXPECT_EQ(parser.value().part_count(), 2u);
  EXPECT_EQ(parser.value().part().header("CONTENT-TYPE"), "text/plain");
}

TEST(http_multipart_test, filename_star_wins_and_is_decoded) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"EURO rates.txt\"; "
      "filename*=UTF-8''%e2%82%ac%20rates.txt\r\n\r\nx\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"g\"; filename*=iso-8859-1'en'%A3%20rates\r\n"
      "\r\ny\r\n--b--";
  const auto r = run_form("b", body);
  ASSERT_EQ(r.error, 0) << r.message;
  ASSERT_EQ(r.parts.size(), 2u);
  EXPECT_EQ(r.parts[0].filename, "\xE2\x82\xAC rates.txt");
  EXPECT_EQ(r.parts[1].filename, "\xC2\xA3 rates");
  for (const char* bad : {"filename*=UTF-8%e2", "filename*=KOI8-R''%e2", "filename*=UTF-8''a b",
                          "filename*=UTF-8''%zz", "filename*=UTF-8''%00"}) {
    const std::string b =
        std::string("--b\r\nContent-Disposition: form-data; name=f; ") + bad + "\r\n\r\nx\r\n--b--";
    EXPECT_EQ(run_form("b", b).error, error_codes::http_invalid_multipart) << bad;
  }
}

TEST(http_multipart_test, quoted_names_keep_what_browsers_send) {
  // Browsers percent-encode '"' and send backslashes and UTF-8 as they are.
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"a%22b\"; "
      "filename=\"C:\\dir\\\xC3\xA9.txt\"\r\n"
      "\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"q\\\"uote\"\r\n\r\n\r\n--b--";
  const auto r = run_form("b", body);
  ASSERT_EQ(r.error, 0) << r.message;
  ASSERT_EQ(r.parts.size(), 2u);
  EXPECT_EQ(r.parts[0].name, "a%22b");
  EXPECT_EQ(r.parts[0].filename, "C:\\dir\\\xC3\xA9.txt");
  EXPECT_EQ(r.parts[1].name, "q\"uote");
  EXPECT_EQ(r.parts[1].data, "");  // an empty part
  EXPECT_TRUE(r.parts[1].ended);
}

TEST(http_multipart_test, boundary_from_content_type) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=AaB03x").value(), "AaB03x");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a:b=c?\"; charset=utf-8").value(),
            "a:b=c?");
  EXPECT_EQ(multipart_boundary("multipart/form-data; charset=utf-8; boundary=x;").value(), "x");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'z')).value(),
            std::string(70, 'z'));
  for (const std::string& bad : std::vector<std::string>{
           "text/plain; boundary=x", "multipart/form-data", "multipart/; boundary=x",
           "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
           "multipart/form-data; boundary=" + std::string(71, 'z'),
           "multipart/form-data; boundary=\"ends in space \"",
           "multipart/form-data; boundary=\"a\rb\"", "multipart/form-data; boundary=\"a;b\"",
           "multipart/form-data; boundary=x; boundary=y", "multipart/form-data; boundary=\"x",
           "multipart/form-data; boundary"}) {
    EXPECT_EQ(multipart_boundary(bad).is_err() ? multipart_boundary(bad).error().code : 0,
              error_codes::http_invalid_multipart)
        << bad;
  }
  multipart_parser bad_parser(std::string(71, 'z'));
  bytes in = as_bytes("--x");
  EXPECT_EQ(bad_parser.next(in), multipart_event::error);
}

TEST(http_multipart_test, near_delimiters_in_data_stay_data_at_every_split) {
  // Prefixes of "\r\n--XyZ" inside the content, and a CR right before the real delimiter.
  const std::string content = "a\r\nb\r\n-c\r\n--d\r\n--X\r\n--Xy\r\r\n--XyZ-not-quite?";
  const std::string content2 = "\r\n--Xy\r";
  const std::string body = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n" + content +
                           "x\r\n--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n" +
                           content2 + "\r\n--XyZ--";
  // "\r\n--XyZ-not-quite" is the delimiter followed by "-n": malformed at every split.
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    const auto r = run_form("XyZ", body, {}, {cut});
    ASSERT_EQ(r.error, error_codes::http_invalid_multipart) << cut;
  }
  const std::string ok_content = "a\r\nb\r\n-c\r\n--d\r\n--X\r\n--Xy\r\r\n--Xy!";
  const std::string ok_body =
      "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n" + ok_content +
      "\r\n--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n" + content2 + "\r\n--XyZ--";
  for (std::size_t cut = 0; cut <= ok_body.size(); ++cut) {
    for (std::size_t cut2 = cut; cut2 <= ok_body.size(); cut2 += 7) {
      const auto r = run_form("XyZ", ok_body, {}, {cut, cut2});
      ASSERT_EQ(r.error, 0) << cut << " " << r.message;
      ASSERT_EQ(r.parts.size(), 2u);
      ASSERT_EQ(r.parts[0].data, ok_content) << cut;
      ASSERT_EQ(r.parts[1].data, content2) << cut;
    }
  }
}

TEST(http_multipart_test, data_points_into_the_input_and_little_is_held_back) {
  const std::string payload(10000, 'p');
  const std::string body =
      "--bnd\r\nContent-Disposition: form-data; name=f\r\n\r\n" + payload + "\r\n--bnd--\r\n";
  multipart_parser p("bnd");
  bytes in = as_bytes(body);
  const auto* lo = in.data();
  const auto* hi = in.data() + in.size();
  std::size_t delivered = 0;
  for (auto ev = p.next(in); ev != multipart_event::need_more; ev = p.next(in)) {
    ASSERT_NE(ev, multipart_event::error) << p.error().message;
    if (ev == multipart_event::part_data) {
      EXPECT_GE(p.data().data(), lo);  // zero-copy: a view into what was fed
      EXPECT_LE(p.data().data() + p.data().size(), hi);
      delivered += p.data().size();
    }
  }
  EXPECT_EQ(delivered, payload.size());
  EXPECT_TRUE(p.is_finished());

  // Fed in 1000-byte pieces, everything but a delimiter's length is out after each piece.
  multipart_parser q("bnd");
  const std::size_t head = body.find("\r\n\r\n") + 4;
  delivered = 0;
  for (std::size_t off = 0; off < body.size(); off += 1000) {
    bytes piece = as_bytes(std::string_view(body).substr(off, 1000));
    for (auto ev = q.next(piece); ev != multipart_event::need_more; ev = q.next(piece)) {
      ASSERT_NE(ev, multipart_event::error);
      if (ev == multipart_event::part_data) delivered += q.data().size();
    }
    const std::size_t fed = std::min(body.size(), off + 1000);
    if (fed > head && fed < head + payload.size()) {
      EXPECT_GE(delivered + std::string_view("\r\n--bnd").size(), fed - head) << off;
    }
  }
  EXPECT_EQ(delivered, payload.size());
}

TEST(http_multipart_test, transport_padding_after_a_delimiter_is_allowed) {
  const auto r =
      run_form("b", "--b \t\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--  ");
  ASSERT_EQ(r.error, 0) << r.message;
  ASSERT_EQ(r.parts.size(), 1u);
  EXPECT_EQ(r.parts[0].data, "1");
}

TEST(http_multipart_test, malformed_bodies_are_refused) {
  const std::string cd = "Content-Disposition: form-data; name=x\r\n";
  for (const std::string& bad : std::vector<std::string>{
           "--bX\r\n" + cd + "\r\n1\r\n--b--",            // delimiter followed by junk
           "--b\r\n" + cd + "\r\n1\r\n--b-x",             // one dash
           "--b \tx\r\n" + cd + "\r\n1\r\n--b--",         // junk after padding
           "--b\rX" + cd + "\r\n1\r\n--b--",              // CR without LF
           "--b\r\nno colon here\r\n\r\n1\r\n--b--",      // header without ':'
           "--b\r\n" + cd + " folded\r\n\r\n1\r\n--b--",  // obs-fold
           "--b\r\nBad Name: v\r\n" + cd + "\r\n1\r\n--b--",
           "--b\r\nX: a\nb\r\n" + cd + "\r\n1\r\n--b--",  // bare LF
           "--b\r\nX: a\rb\r\n" + cd + "\r\n1\r\n--b--",  // bare CR
           "--b\r\nX: a\x01\r\n" + cd + "\r\n1\r\n--b--",
           "--b\r\n\r\n1\r\n--b--",  // no Content-Disposition
           "--b\r\nContent-Disposition: attachment; name=x\r\n\r\n1\r\n--b--",
           "--b\r\nContent-Disposition: form-data\r\n\r\n1\r\n--b--",  // no name
           "--b\r\nContent-Disposition: form-data; name=x; name=y\r\n\r\n1\r\n--b--",
           "--b\r\nContent-Disposition: form-data; name=\"x\r\n\r\n1\r\n--b--",
           "--b\r\n" + cd + cd + "\r\n1\r\n--b--",  // two Content-Disposition
       }) {
    const auto r = run_form("b", bad);
    EXPECT_EQ(r.error, error_codes::http_invalid_multipart) << bad;
  }
}

TEST(http_multipart_test, errors_are_sticky_and_truncation_is_reported_by_finish) {
  multipart_parser p("b");
  bytes in = as_bytes("--bX");
  EXPECT_EQ(p.next(in), multipart_event::error);
  bytes more = as_bytes("--b\r\n");
  EXPECT_EQ(p.next(more), multipart_event::error);
  EXPECT_EQ(p.finish().error().code, error_codes::http_invalid_multipart);

  for (const std::string& truncated : std::vector<std::string>{
           std::string(""), std::string("preamble only"), std::string("--b\r\nContent-Dispo"),
           std::string("--b\r\nContent-Disposition: form-data; name=x\r\n\r\nhalf"),
           std::string("--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b")}) {
    multipart_parser t("b");
    const auto r = run(t, truncated);
    EXPECT_EQ(r.error, 0);
    EXPECT_FALSE(t.is_finished());
    EXPECT_EQ(t.finish().error().code, error_codes::http_invalid_multipart) << truncated;
  }
}

TEST(http_multipart_test, every_limit_has_its_error) {
  const std::string one = "--b\r\nContent-Disposition: form-data; name=x\r\n\r\n0123456789\r\n";
  const std::string body = one + one + one + "--b--\r\n";
  EXPECT_EQ(run_form("b", body).error, 0);

  auto r = run_form("b", body, {.max_parts = 2});
  EXPECT_EQ(r.error, error_codes::http_multipart_limit);
  EXPECT_NE(r.message.find("max_parts"), std::string::npos);
  EXPECT_EQ(run_form("b", body, {.max_parts = 3}).error, 0);

  r = run_form("b", body, {.max_part_bytes = 9});
  EXPECT_EQ(r.error, error_codes::http_multipart_limit);
  EXPECT_NE(r.message.find("max_part_bytes"), std::string::npos);
  EXPECT_EQ(run_form("b", body, {.max_part_bytes = 10}).error, 0);

  const std::size_t header_block =
      std::string_view("Content-Disposition: form-data; name=x\r\n\r\n").size();
  r = run_form("b", body, {.max_part_header_bytes = header_block - 1});
  EXPECT_EQ(r.error, error_codes::http_multipart_limit);
  EXPECT_NE(r.message.find("max_part_header_bytes"), std::string::npos);
  EXPECT_EQ(run_form("b", body, {.max_part_header_bytes = header_block}).error, 0);

  r = run_form("b", body, {.max_total_bytes = body.size() - 1});
  EXPECT_EQ(r.error, error_codes::http_multipart_limit);
  EXPECT_NE(r.message.find("max_total_bytes"), std::string::npos);
  EXPECT_EQ(run_form("b", body, {.max_total_bytes = body.size()}).error, 0);
  // Split into pieces, the total still counts every byte once.
  EXPECT_EQ(run_form("b", body, {.max_total_bytes = body.size()}, {3, 50, 51, 100}).error, 0);
  EXPECT_EQ(run_form("b", body, {.max_total_bytes = body.size() - 1}, {3, 50, 51, 100}).error,
            error_codes::http_multipart_limit);
}

TEST(http_multipart_test, builder_output_parses_back) {
  multipart_builder b;
  ASSERT_TRUE(b.add_field("title", "Hello \"world\"\r\n").is_ok());
  const std::string file = std::string("\x00\x01\xff binary\r\n--almost", 20);
  ASSERT_TRUE(b.add_file("up\"load", "\xC3\xA9t\xC3\xA9.bin", as_bytes(file), "image/png").is_ok());
  ASSERT_TRUE(b.add_file("empty", "e.txt", {}).is_ok());
  const auto ct = b.content_type();
  const auto body = b.body();
  auto p = multipart_parser::from_content_type(ct);
  ASSERT_TRUE(p.is_ok()) << ct;
  const auto r = run(p.value(), {reinterpret_cast<const char*>(body.data()), body.size()});
  ASSERT_EQ(r.error, 0) << r.message;
  EXPECT_TRUE(r.finished);
  ASSERT_EQ(r.parts.size(), 3u);
  EXPECT_EQ(r.parts[0].name, "title");
  EXPECT_EQ(r.parts[0].data, "Hello \"world\"\r\n");
  EXPECT_EQ(r.parts[1].name, "up%22load");
  EXPECT_EQ(r.parts[1].filename, "\xC3\xA9t\xC3\xA9.bin");
  EXPECT_EQ(r.parts[1].content_type, "image/png");
  EXPECT_EQ(r.parts[1].data, file);
  EXPECT_EQ(r.parts[2].content_type, "application/octet-stream");
  EXPECT_EQ(r.parts[2].data, "");
  EXPECT_TRUE(b.body().empty());
  EXPECT_EQ(b.add_field("late", "x").error().code, error_codes::http_invalid_multipart);
}

TEST(http_multipart_test, builder_boundaries_are_random_and_checked) {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    multipart_builder b;
    EXPECT_TRUE(valid_boundary(b.boundary()));
    EXPECT_GE(b.boundary().size(), 32u);
    seen.insert(b.boundary());
  }
  EXPECT_EQ(seen.size(), 64u);

  multipart_builder fixed("fixed boundary");
  EXPECT_EQ(fixed.content_type(), "multipart/form-data; boundary=\"fixed boundary\"");
  EXPECT_EQ(fixed.add_field("a", "x\r\n--fixed boundary\r\n").error().code,
            error_codes::http_invalid_multipart);
  EXPECT_TRUE(fixed.add_field("a", "--fixed boundary at the start is not a delimiter").is_ok());
  EXPECT_EQ(fixed.add_file("f", "n", {}, "text/plain\r\nX-Injected: 1").error().code,
            error_codes::http_invalid_multipart);
  multipart_builder bad(std::string(71, 'z'));
  EXPECT_EQ(bad.add_field("a", "b").error().code, error_codes::http_invalid_multipart);
}

}  // namespace
}  // namespace network_system::protocol::http
