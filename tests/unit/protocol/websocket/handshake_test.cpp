#include "network_system/protocol/websocket/handshake.h"

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/websocket/close_code.h"

namespace network_system::protocol::websocket {
namespace {

namespace ec = error_codes;

http::request_head request() {
  http::request_head h;
  h.method = "GET";
  h.target = "/chat";
  h.fields.add("Host", "server.example.com");
  h.fields.add("Upgrade", "websocket");
  h.fields.add("Connection", "keep-alive, Upgrade");
  h.fields.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  h.fields.add("Origin", "http://example.com");
  h.fields.add("Sec-WebSocket-Protocol", "chat, superchat");
  h.fields.add("Sec-WebSocket-Version", "13");
  return h;
}

TEST(ws_handshake, Rfc6455Section1_3AcceptValue) {
  EXPECT_EQ(sec_websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(ws_handshake, ClientKeysAreValidAndFresh) {
  auto a = generate_client_key(), b = generate_client_key();
  ASSERT_TRUE(a.is_ok());
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(a.value().size(), 24u);
  EXPECT_TRUE(is_valid_client_key(a.value()));
  EXPECT_NE(a.value(), b.value());
  EXPECT_FALSE(is_valid_client_key("dGhlIHNhbXBsZSBub25jZQ="));
  EXPECT_FALSE(is_valid_client_key("dGhlIHNhbXBsZSBub25jZQ=!"));
  EXPECT_FALSE(is_valid_client_key("dGhlIHNhbXBsZSBub2*jZQ=="));
  EXPECT_FALSE(is_valid_client_key("dGhlIHNhbXBsZSBub25jZXg="));  // 17 bytes
}

TEST(ws_handshake, ValidRequest) {
  auto r = validate_upgrade_request(request());
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_EQ(r.value().key, "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(r.value().protocols, (std::vector<std::string>{"chat", "superchat"}));
  EXPECT_EQ(r.value().origin, "http://example.com");
}

TEST(ws_handshake, RequestErrors) {
  struct bad_case {
    const char* field;
    const char* value;  // nullptr: remove
    int code;
  };
  for (const auto& c : std::initializer_list<bad_case>{
           {"Upgrade", "h2c", ec::ws_handshake_failed},
           {"Upgrade", nullptr, ec::ws_handshake_failed},
           {"Connection", "keep-alive", ec::ws_handshake_failed},
           {"Sec-WebSocket-Key", "short", ec::ws_handshake_failed},
           {"Sec-WebSocket-Key", nullptr, ec::ws_handshake_failed},
           {"Sec-WebSocket-Protocol", "a b", ec::ws_handshake_failed},
           {"Sec-WebSocket-Version", "8", ec::ws_unsupported_version},
           {"Sec-WebSocket-Version", nullptr, ec::ws_unsupported_version}}) {
    auto h = request();
    if (c.value) h.fields.set(c.field, c.value); else h.fields.erase(c.field);
    auto r = validate_upgrade_request(h);
    ASSERT_TRUE(r.is_err()) << c.field;
    EXPECT_EQ(r.error().code, c.code) << c.field;
    EXPECT_EQ(status_for_error(r.error().code), c.code == ec::ws_unsupported_version ? 426 : 400);
  }
  auto post = request();
  post.method = "POST";
  EXPECT_TRUE(validate_upgrade_request(post).is_err());
  auto old = request();
  old.version = {1, 0};
  EXPECT_TRUE(validate_upgrade_request(old).is_err());
  auto two_keys = request();
  two_keys.fields.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_TRUE(validate_upgrade_request(two_keys).is_err());
}

TEST(ws_handshake, UnsupportedVersionAnswerNamesVersion13) {
  auto h = request();
  h.fields.set("Sec-WebSocket-Version", "8");
  auto r = validate_upgrade_request(h);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(status_for_error(r.error().code), 426);
  EXPECT_EQ(version_required_fields().get("Sec-WebSocket-Version"), "13");
}

TEST(ws_handshake, CaseInsensitiveTokens) {
  auto h = request();
  h.fields.set("Upgrade", "WebSocket");
  h.fields.set("Connection", "UPGRADE");
  EXPECT_TRUE(validate_upgrade_request(h).is_ok());
}

TEST(ws_handshake, SubprotocolSelection) {
  auto list = parse_token_list(" chat ,, superchat,v2.json ");
  ASSERT_TRUE(list);
  EXPECT_EQ(*list, (std::vector<std::string>{"chat", "superchat", "v2.json"}));
  EXPECT_FALSE(parse_token_list("a, b c"));
  const std::vector<std::string> supported{"superchat", "chat"};
  EXPECT_EQ(select_subprotocol(*list, supported), "superchat");
  const std::vector<std::string> other{"mqtt"};
  EXPECT_FALSE(select_subprotocol(*list, other));
}

http::response_head response_for(std::string_view key, std::optional<std::string> protocol,
                                  std::string_view extensions) {
  http::response_head r;
  r.status = 101;
  r.fields = upgrade_response_fields(key, protocol, extensions);
  return r;
}

TEST(ws_handshake, ResponseFieldsAndClientCheck) {
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  auto resp = response_for(key, "chat", "");
  EXPECT_EQ(resp.fields.get("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  const std::vector<std::string> offered{"chat", "superchat"};
  auto ok = validate_upgrade_response(resp, key, offered, nullptr);
  ASSERT_TRUE(ok.is_ok()) << ok.error().message;
  EXPECT_EQ(ok.value().protocol, "chat");
  EXPECT_FALSE(ok.value().deflate);
}

TEST(ws_handshake, ClientRefusesBadResponses) {
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  const std::vector<std::string> offered{"chat"};
  auto wrong_status = response_for(key, std::nullopt, "");
  wrong_status.status = 200;
  EXPECT_EQ(validate_upgrade_response(wrong_status, key, offered, nullptr).error().code,
            ec::ws_handshake_failed);
  auto wrong_accept = response_for("AAAAAAAAAAAAAAAAAAAAAA==", std::nullopt, "");
  EXPECT_EQ(validate_upgrade_response(wrong_accept, key, offered, nullptr).error().code,
            ec::ws_handshake_failed);
  auto wrong_protocol = response_for(key, "mqtt", "");
  EXPECT_EQ(validate_upgrade_response(wrong_protocol, key, offered, nullptr).error().code,
            ec::ws_handshake_failed);
  // An extension the client did not offer.
  auto not_offered = response_for(key, std::nullopt, "permessage-deflate");
  EXPECT_EQ(validate_upgrade_response(not_offered, key, offered, nullptr).error().code,
            ec::ws_extension_error);
  auto unknown = response_for(key, std::nullopt, "x-unknown");
  deflate_policy policy;
  EXPECT_EQ(validate_upgrade_response(unknown, key, offered, &policy).error().code,
            ec::ws_extension_error);
  auto twice = response_for(key, std::nullopt, "permessage-deflate, permessage-deflate");
  EXPECT_EQ(validate_upgrade_response(twice, key, offered, &policy).error().code,
            ec::ws_extension_error);
  auto no_upgrade = response_for(key, std::nullopt, "");
  no_upgrade.fields.erase("Upgrade");
  EXPECT_TRUE(validate_upgrade_response(no_upgrade, key, offered, nullptr).is_err());
}

TEST(ws_handshake, DeflateNegotiatedEndToEnd) {
  const std::string key = generate_client_key().value();
  deflate_policy client_policy;
  const std::vector<std::string> none;
  auto req_fields = upgrade_request_fields(key, none, deflate_offer_value(client_policy));
  http::request_head req;
  req.fields = req_fields;
  auto checked = validate_upgrade_request(req);
  ASSERT_TRUE(checked.is_ok()) << checked.error().message;
  deflate_policy server_policy;
  server_policy.client_max_window_bits = 12;
  auto n = negotiate_deflate(checked.value().extensions, server_policy);
  ASSERT_TRUE(n);
  auto resp = response_for(checked.value().key, std::nullopt, n->response);
  auto accepted = validate_upgrade_response(resp, key, none, &client_policy);
  ASSERT_TRUE(accepted.is_ok()) << accepted.error().message;
  ASSERT_TRUE(accepted.value().deflate);
  EXPECT_EQ(*accepted.value().deflate, n->params);
  EXPECT_EQ(accepted.value().deflate->client_max_window_bits, 12);
}

}  // namespace
}  // namespace network_system::protocol::websocket
