#include "network_system/protocol/http/accept_encoding.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "network_system/core/error_codes.h"

// Vectors: the five Accept-Encoding examples of RFC 9110 §12.5.3, the qvalue grammar of
// §12.4.2, and the identity / "*" rules of §12.5.3.

namespace network_system::protocol::http {
namespace {

constexpr std::array<std::string_view, 4> ours = {"br", "gzip", "deflate", "identity"};

std::optional<std::string_view> choose(std::optional<std::string_view> header) {
  return negotiate_encoding(header, ours);
}

TEST(http_accept_encoding_test, parses_the_rfc_examples) {
  using v = std::vector<accepted_coding>;
  EXPECT_EQ(parse_accept_encoding("compress, gzip").value(),
            (v{{"compress", 1000}, {"gzip", 1000}}));
  EXPECT_EQ(parse_accept_encoding("").value(), v{});
  EXPECT_EQ(parse_accept_encoding("*").value(), (v{{"*", 1000}}));
  EXPECT_EQ(parse_accept_encoding("compress;q=0.5, gzip;q=1.0").value(),
            (v{{"compress", 500}, {"gzip", 1000}}));
  EXPECT_EQ(parse_accept_encoding("gzip;q=1.0, identity; q=0.5, *;q=0").value(),
            (v{{"gzip", 1000}, {"identity", 500}, {"*", 0}}));
}

TEST(http_accept_encoding_test, qvalue_grammar_and_names) {
  using v = std::vector<accepted_coding>;
  EXPECT_EQ(parse_accept_encoding("GZip;Q=0.123 , ,x-gzip;q=0., BR;q=1.000;level=5").value(),
            (v{{"gzip", 123}, {"gzip", 0}, {"br", 1000}}));
  for (const char* bad : {"gzip;q=1.001", "gzip;q=2", "gzip;q=0.1234", "gzip;q=.5", "gzip;q=",
                          "gzip;q", "gzip;q=-1", "gz ip", "gzip;q=0.5x", "\"gzip\"", "gzip;=1"}) {
    auto r = parse_accept_encoding(bad);
    EXPECT_EQ(r.is_err() ? r.error().code : 0, error_codes::http_invalid_header) << bad;
  }
  std::string many;
  for (int i = 0; i < 65; ++i) many += "c" + std::to_string(i) + ",";
  EXPECT_EQ(parse_accept_encoding(many).error().code, error_codes::http_invalid_header);
  EXPECT_TRUE(parse_accept_encoding(many, {.max_elements = 65}).is_ok());
}

TEST(http_accept_encoding_test, chooses_by_q_then_server_order) {
  EXPECT_EQ(choose("compress, gzip"), "gzip");
  EXPECT_EQ(choose("gzip, br"), "br");              // tie: the server prefers br
  EXPECT_EQ(choose("gzip;q=1, br;q=0.9"), "gzip");  // the client's weight first
  EXPECT_EQ(choose("*"), "br");
  EXPECT_EQ(choose("compress;q=0.5, gzip;q=1.0"), "gzip");
  EXPECT_EQ(choose("gzip;q=1.0, identity; q=0.5, *;q=0"), "gzip");
  EXPECT_EQ(choose("deflate;q=0.2, *;q=0.1"), "deflate");
  EXPECT_EQ(choose("br;q=0, *"), "gzip");
  EXPECT_EQ(choose("x-gzip"), "gzip");
}

TEST(http_accept_encoding_test, identity_rules_and_not_acceptable) {
  EXPECT_EQ(choose(std::nullopt), "identity");  // no header
  EXPECT_EQ(choose(""), "identity");            // only identity
  EXPECT_EQ(choose("compress"), "identity");    // nothing we have, identity by default
  EXPECT_EQ(choose("gzip;q=0.001"), "gzip");    // any weight beats the default identity
  EXPECT_EQ(choose("identity;q=0.5, gzip;q=0.4"), "identity");
  EXPECT_EQ(choose("compress;q=0.5, garbage;;q=="), "identity");  // malformed: identity
  // Refused identity and nothing else: 406.
  EXPECT_EQ(choose("identity;q=0"), std::nullopt);
  EXPECT_EQ(choose("*;q=0"), std::nullopt);
  EXPECT_EQ(choose("compress, identity;q=0"), std::nullopt);
  EXPECT_EQ(choose("*;q=0, identity"), "identity");
  EXPECT_EQ(choose("*;q=0, gzip;q=0.3"), "gzip");
  // identity is considered even if the server does not list it.
  constexpr std::array<std::string_view, 1> gzip_only = {"gzip"};
  EXPECT_EQ(negotiate_encoding("br", gzip_only), "identity");
  EXPECT_EQ(negotiate_encoding("br, identity;q=0", gzip_only), std::nullopt);
  EXPECT_EQ(negotiate_encoding("gzip", {}), "identity");
}

TEST(http_accept_encoding_test, qvalue_lookup) {
  const auto parsed = parse_accept_encoding("gzip;q=0.5, *;q=0.2").value();
  EXPECT_EQ(coding_qvalue(parsed, "gzip"), 500);
  EXPECT_EQ(coding_qvalue(parsed, "X-GZIP"), 500);
  EXPECT_EQ(coding_qvalue(parsed, "br"), 200);
  EXPECT_EQ(coding_qvalue(parsed, "identity"), 200);
  const auto none = parse_accept_encoding("gzip").value();
  EXPECT_EQ(coding_qvalue(none, "br"), 0);
  EXPECT_EQ(coding_qvalue(none, "identity"), 1);
}

}  // namespace
}  // namespace network_system::protocol::http
