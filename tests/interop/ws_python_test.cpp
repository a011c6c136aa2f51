// Interop: Python's websockets library (Debian python3-websockets, a client nobody on this team
// wrote) against messaging_ws_server, on its own port and on an http_server route, with and
// without permessage-deflate: text, a 1 MiB binary message, ping, 50 messages in order, the
// closing handshake (tests/interop/scripts/ws_client_peer.py drives it and reports as JSON).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "integration/http/http_test_server.h"
#include "integration/support/test_support.h"
#include "interop/support/http_peers.h"
#include "interop/support/peers.h"
#include "network_system/core/messaging_ws_server.h"
#include "network_system/http/websocket_route.h"

namespace interop {
namespace {

using integration::long_wait;
namespace core = network_system::core;

const std::string peer_script =
    std::string(NETWORK_SOURCE_DIR) + "/tests/interop/scripts/ws_client_peer.py";

std::shared_ptr<core::messaging_ws_server> echo_server(std::vector<core::ws_close_info>& closes,
                                                       std::mutex& mutex) {
  auto ws = std::make_shared<core::messaging_ws_server>("ws-python");
  ws->set_message_callback([](const core::ws_session_ptr& s, const core::ws_message& m) {
    if (m.is_text) {
      (void)s->send_text(m.text());
    } else {
      (void)s->send_binary(m.data);
    }
  });
  ws->set_disconnection_callback([&](const core::ws_session_ptr&, const core::ws_close_info& c) {
    std::lock_guard lock(mutex);
    closes.push_back(c);
  });
  return ws;
}

nlohmann::json run_client(const std::string& python, const std::string& url, const std::string& mode) {
  const auto run = run_peer({python, peer_script, url, mode}, {}, long_wait);
  if (run.exit_code != 0) {
    ADD_FAILURE() << run.transcript;
    return nullptr;
  }
  auto report = nlohmann::json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) ADD_FAILURE() << "not JSON: " << run.transcript;
  return report.is_discarded() ? nullptr : report;
}

void expect_echoes(const nlohmann::json& r, bool compressed) {
  ASSERT_FALSE(r.is_null());
  EXPECT_TRUE(r.value("ok", false)) << r.dump();
  EXPECT_EQ(r.value("text", ""), "héllo wörld");
  EXPECT_TRUE(r.value("binary_ok", false));
  EXPECT_TRUE(r.value("pong", false));
  EXPECT_TRUE(r.value("in_order", false));
  EXPECT_EQ(r.value("close_code", 0), 1000);
  const auto ext = r.value("extensions", nlohmann::json::array());
  EXPECT_EQ(ext.size(), compressed ? 1u : 0u) << r.dump();
}

TEST(WsPythonTest, websockets_client_against_the_standalone_server_with_and_without_deflate) {
  INTEROP_REQUIRE_PEER(python, "/usr/bin/python3", "python3-websockets");
  std::mutex mutex;
  std::vector<core::ws_close_info> closes;
  auto ws = echo_server(closes, mutex);
  ASSERT_TRUE(ws->start_server("127.0.0.1", 0).is_ok());
  const std::string url = "ws://127.0.0.1:" + std::to_string(ws->port()) + "/echo";
  expect_echoes(run_client(python, url, "deflate"), true);
  expect_echoes(run_client(python, url, "none"), false);
  ASSERT_TRUE(integration::wait_until([&] {
    std::lock_guard lock(mutex);
    return closes.size() == 2;
  }));
  std::lock_guard lock(mutex);
  for (const auto& c : closes) {
    EXPECT_EQ(c.code, 1000);
    EXPECT_EQ(c.reason, "done");
    EXPECT_TRUE(c.by_peer);
  }
}

TEST(WsPythonTest, websockets_client_on_an_http_server_route) {
  INTEROP_REQUIRE_PEER(python, "/usr/bin/python3", "python3-websockets");
  std::mutex mutex;
  std::vector<core::ws_close_info> closes;
  auto ws = echo_server(closes, mutex);
  integration::http_test_server http;
  (void)http.server().routes().get("/ws", network_system::http::websocket_route(ws));
  const auto port = http.start();
  expect_echoes(run_client(python, "ws://127.0.0.1:" + std::to_string(port) + "/ws", "deflate"), true);
}

}  // namespace
}  // namespace interop
