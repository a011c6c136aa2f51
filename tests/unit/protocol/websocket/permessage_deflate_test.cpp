#include "network_system/protocol/websocket/permessage_deflate.h"

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"

namespace network_system::protocol::websocket {
namespace {

namespace ec = error_codes;

extension ext(std::string_view value) {
  auto r = parse_extensions(value);
  EXPECT_TRUE(r.is_ok()) << value;
  EXPECT_EQ(r.value().size(), 1u);
  return r.value().front();
}

TEST(ws_permessage_deflate, ParsesSeveralOffersWithParameters) {
  auto r = parse_extensions(
      "permessage-deflate; client_max_window_bits; server_max_window_bits=10, "
      "permessage-deflate;client_max_window_bits=\"12\" ,, x-webkit-deflate-frame");
  ASSERT_TRUE(r.is_ok());
  const auto& v = r.value();
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].name, "permessage-deflate");
  ASSERT_EQ(v[0].params.size(), 2u);
  EXPECT_EQ(v[0].params[0].name, "client_max_window_bits");
  EXPECT_FALSE(v[0].params[0].value);
  EXPECT_EQ(v[0].params[1].value, "10");
  EXPECT_EQ(v[1].params[0].value, "12");  // unquoted
  EXPECT_EQ(v[2].name, "x-webkit-deflate-frame");
}

TEST(ws_permessage_deflate, SyntaxErrors) {
  for (std::string_view bad : {"permessage-deflate; ", "; a", "permessage-deflate; a=",
                               "permessage-deflate; a=\"1", "permessage-deflate; a=\"1 2\"",
                               "permessage-deflate x", "per@message"}) {
    auto r = parse_extensions(bad);
    ASSERT_TRUE(r.is_err()) << bad;
    EXPECT_EQ(r.error().code, ec::ws_extension_error);
  }
  EXPECT_TRUE(parse_extensions("").value().empty());
}

TEST(ws_permessage_deflate, UnusableOffers) {
  for (std::string_view bad :
       {"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
        "permessage-deflate; server_max_window_bits", "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16", "permessage-deflate; server_max_window_bits=010",
        "permessage-deflate; client_max_window_bits=1a", "permessage-deflate; unknown_param",
        "permessage-deflate; server_no_context_takeover=1"}) {
    EXPECT_FALSE(parse_deflate_offer(ext(bad))) << bad;
  }
  auto o = parse_deflate_offer(ext("permessage-deflate; client_max_window_bits"));
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->client_max_window_bits);
  EXPECT_FALSE(o->client_max_window_bits_value);
}

TEST(ws_permessage_deflate, ServerAcceptsThePlainOffer) {
  auto n = negotiate_deflate("permessage-deflate", {});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->response, "permessage-deflate");
  EXPECT_EQ(n->params, deflate_params{});
}

TEST(ws_permessage_deflate, ServerSkipsUnusableOffersAndTakesTheNext) {
  auto n = negotiate_deflate(
      "permessage-deflate; bogus, permessage-deflate; server_max_window_bits=8, "
      "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
      {});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->response, "permessage-deflate; server_no_context_takeover; server_max_window_bits=10");
  EXPECT_TRUE(n->params.server_no_context_takeover);
  EXPECT_EQ(n->params.server_max_window_bits, 10);
}

TEST(ws_permessage_deflate, ServerLimitsTheClientWindowOnlyWhenOffered) {
  deflate_policy policy;
  policy.client_max_window_bits = 10;
  policy.server_max_window_bits = 12;
  auto bare = negotiate_deflate("permessage-deflate; client_max_window_bits", policy);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->response,
            "permessage-deflate; server_max_window_bits=12; client_max_window_bits=10");
  EXPECT_EQ(bare->params.client_max_window_bits, 10);
  auto none = negotiate_deflate("permessage-deflate", policy);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->response, "permessage-deflate; server_max_window_bits=12");
  EXPECT_EQ(none->params.client_max_window_bits, 15);
  auto smaller = negotiate_deflate("permessage-deflate; client_max_window_bits=9", policy);
  ASSERT_TRUE(smaller);
  EXPECT_EQ(smaller->params.client_max_window_bits, 9);
}

TEST(ws_permessage_deflate, ServerContextTakeoverPolicyAndDisabled) {
  deflate_policy policy;
  policy.client_no_context_takeover = true;
  auto n = negotiate_deflate("permessage-deflate", policy);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->response, "permessage-deflate; client_no_context_takeover");
  policy.enabled = false;
  EXPECT_FALSE(negotiate_deflate("permessage-deflate", policy));
  EXPECT_FALSE(negotiate_deflate("x-other", {}));
  EXPECT_FALSE(negotiate_deflate("permessage-deflate;", {}));
}

TEST(ws_permessage_deflate, ClientOfferValue) {
  EXPECT_EQ(deflate_offer_value({}), "permessage-deflate; client_max_window_bits");
  deflate_policy p;
  p.server_no_context_takeover = true;
  p.server_max_window_bits = 10;
  p.client_max_window_bits = 11;
  EXPECT_EQ(deflate_offer_value(p),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; "
            "client_max_window_bits=11");
}

TEST(ws_permessage_deflate, ClientAcceptsValidResponses) {
  auto r = accept_deflate_response(ext("permessage-deflate"), {});
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), deflate_params{});
  r = accept_deflate_response(
      ext("permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
          "server_max_window_bits=8; client_max_window_bits=9"),
      {});
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r.value().server_no_context_takeover);
  EXPECT_TRUE(r.value().client_no_context_takeover);
  EXPECT_EQ(r.value().server_max_window_bits, 8);  // we inflate with 9: fine
  EXPECT_EQ(r.value().client_max_window_bits, 9);
}

TEST(ws_permessage_deflate, ClientRefusesBadResponses) {
  deflate_policy offered;
  offered.server_no_context_takeover = true;
  offered.server_max_window_bits = 10;
  offered.client_max_window_bits = 12;
  for (std::string_view bad :
       {"permessage-deflate; server_max_window_bits=10",  // server_no_context_takeover missing
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=11",
        "permessage-deflate; server_no_context_takeover; client_max_window_bits=13",
        "permessage-deflate; server_no_context_takeover; client_max_window_bits=8",
        "permessage-deflate; server_no_context_takeover; client_max_window_bits",
        "permessage-deflate; server_no_context_takeover; bogus",
        "x-other"}) {
    auto r = accept_deflate_response(ext(bad), offered);
    ASSERT_TRUE(r.is_err()) << bad;
    EXPECT_EQ(r.error().code, ec::ws_extension_error);
  }
}

}  // namespace
}  // namespace network_system::protocol::websocket
