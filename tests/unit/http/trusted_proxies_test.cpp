#include "network_system/http/trusted_proxies.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "network_system/core/error_codes.h"

namespace {

using network_system::http::trusted_proxies;
using network_system::protocol::http::http_fields;

trusted_proxies make(std::vector<std::string> entries) {
  auto r = trusted_proxies::parse(entries);
  EXPECT_TRUE(r.is_ok()) << (r.is_err() ? r.error().message : "");
  return r.is_ok() ? r.value() : trusted_proxies{};
}

asio::ip::address ip(const char* text) { return asio::ip::make_address(text); }

http_fields xff(std::initializer_list<const char*> values, const char* name = "X-Forwarded-For") {
  http_fields f;
  for (const char* v : values) f.add(name, v);
  return f;
}

TEST(TrustedProxies, RefusesEntriesThatDoNotParse) {
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "host.example",
                          "10.0.0.0/8/1", "1.2.3.4.5"}) {
    const std::vector<std::string> entries{bad};
    auto r = trusted_proxies::parse(entries);
    ASSERT_TRUE(r.is_err()) << bad;
    EXPECT_EQ(r.error().code, network_system::error_codes::invalid_configuration);
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

TEST(TrustedProxies, MatchesAddressesAndBlocks) {
  const auto t = make({"127.0.0.1", "10.0.0.0/8", "fd00::/8", "192.168.1.128/25"});
  EXPECT_TRUE(t.contains(ip("127.0.0.1")));
  EXPECT_FALSE(t.contains(ip("127.0.0.2")));
  EXPECT_TRUE(t.contains(ip("10.255.1.2")));
  EXPECT_FALSE(t.contains(ip("11.0.0.1")));
  EXPECT_TRUE(t.contains(ip("fd12::1")));
  EXPECT_FALSE(t.contains(ip("fe80::1")));
  EXPECT_TRUE(t.contains(ip("192.168.1.200")));
  EXPECT_FALSE(t.contains(ip("192.168.1.100")));
  EXPECT_TRUE(t.contains(ip("::ffff:10.1.2.3")));  // IPv4-mapped, from a dual-stack socket
}

TEST(TrustedProxies, NobodyTrustedMeansThePeer) {
  const trusted_proxies none;
  EXPECT_EQ(none.client_address(ip("127.0.0.1"), xff({"203.0.113.7"})), "127.0.0.1");
}

TEST(TrustedProxies, AnUntrustedPeerIsNotBelieved) {
  const auto t = make({"10.0.0.0/8"});
  EXPECT_EQ(t.client_address(ip("198.51.100.1"), xff({"203.0.113.7"})), "198.51.100.1");
}

TEST(TrustedProxies, TakesTheRightmostUntrustedHop) {
  const auto t = make({"10.0.0.0/8", "127.0.0.1"});
  // client 203.0.113.7 -> proxy 10.0.0.2 -> proxy 127.0.0.1 -> us; "1.1.1.1" is what the
  // client claimed itself and must be ignored.
  EXPECT_EQ(t.client_address(ip("127.0.0.1"), xff({"1.1.1.1, 203.0.113.7, 10.0.0.2"})),
            "203.0.113.7");
  // Several fields are one list.
  EXPECT_EQ(t.client_address(ip("127.0.0.1"), xff({"1.1.1.1", "203.0.113.7", "10.0.0.2"})),
            "203.0.113.7");
}

TEST(TrustedProxies, AllHopsTrustedGivesTheLeftmost) {
  const auto t = make({"10.0.0.0/8"});
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), xff({"10.0.0.3, 10.0.0.2"})), "10.0.0.3");
}

TEST(TrustedProxies, AGarbageEntryStopsAtTheLastGoodAddress) {
  const auto t = make({"10.0.0.0/8"});
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), xff({"203.0.113.7, unknown, 10.0.0.2"})), "10.0.0.2");
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), xff({"<script>"})), "10.0.0.1");
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), xff({""})), "10.0.0.1");
}

TEST(TrustedProxies, PortsAndBracketsAreDropped) {
  const auto t = make({"10.0.0.0/8"});
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), xff({"203.0.113.7:4711"})), "203.0.113.7");
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), xff({"[2001:db8::1]:4711"})), "2001:db8::1");
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), xff({"2001:db8::1"})), "2001:db8::1");
}

TEST(TrustedProxies, ForwardedRfc7239Examples) {
  const auto t = make({"10.0.0.0/8"});
  // RFC 7239 §4 and §7.1 examples.
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), xff({"for=192.0.2.43"}, "Forwarded")), "192.0.2.43");
  EXPECT_EQ(t.client_address(ip("10.0.0.1"),
                             xff({"For=\"[2001:db8:cafe::17]:4711\""}, "Forwarded")),
            "2001:db8:cafe::17");
  EXPECT_EQ(t.client_address(ip("10.0.0.1"),
                             xff({"for=192.0.2.60;proto=http;by=203.0.113.43"}, "Forwarded")),
            "192.0.2.60");
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), xff({"for=192.0.2.43, for=198.51.100.17"}, "Forwarded")),
            "198.51.100.17");
  // An obfuscated identifier is not an address: the walk stops at the proxy.
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), xff({"for=_hidden"}, "Forwarded")), "10.0.0.1");
}

TEST(TrustedProxies, ForwardedWinsOverXForwardedFor) {
  const auto t = make({"10.0.0.0/8"});
  http_fields f;
  f.add("X-Forwarded-For", "198.51.100.1");
  f.add("Forwarded", "for=192.0.2.43");
  EXPECT_EQ(t.client_address(ip("10.0.0.1"), f), "192.0.2.43");
}

}  // namespace
