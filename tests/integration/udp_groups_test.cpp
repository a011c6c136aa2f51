// UDP broadcast and multicast heard by two receivers sharing a port (issue 4). Traffic stays
// on the loopback interface: broadcast goes to 127.255.255.255 (lo's broadcast address), and
// multicast leaves by 127.0.0.1 (IP_MULTICAST_IF) with IP_MULTICAST_LOOP, which Linux
// delivers locally even though lo lacks the MULTICAST flag.
#include "network_system/core/messaging_udp_server.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "integration/support/test_support.h"
#include "integration/support/udp_receiver.h"
#include "network_system/core/messaging_udp_client.h"

namespace integration {
namespace {

using namespace udp_support;

constexpr const char* group = "239.255.77.12";

// A server that records what it receives; reuse_address lets several bind one port.
std::shared_ptr<messaging_udp_server> listener(receiver& r, const std::string& id) {
  udp_config c;
  c.reuse_address = true;
  auto server = std::make_shared<messaging_udp_server>(id, c);
  server->set_receive_callback(
      [&r](const std::vector<std::uint8_t>& d, const udp_endpoint& from) { r.add(d, from); });
  server->set_error_callback([&r](const error_info& e) { r.add_error(e); });
  return server;
}

TEST(UdpGroupsTest, BroadcastReachesTwoReceiversOnOnePort) {
  receiver a;
  receiver b;
  auto first = listener(a, "bcast-a");
  ASSERT_TRUE(first->start_server("0.0.0.0", 0).is_ok());
  auto second = listener(b, "bcast-b");
  auto bound = second->start_server("0.0.0.0", first->port());
  ASSERT_TRUE(bound.is_ok()) << describe_error(bound.error());

  receiver sender_seen;
  auto sender = recording_client(sender_seen);
  ASSERT_TRUE(sender->start_client("127.0.0.1", first->port()).is_ok());
  auto refused = sender->send_broadcast(first->port(), bytes_of("no"), "127.255.255.255");
  ASSERT_TRUE(refused.is_err());
  EXPECT_EQ(refused.error().code, codes::invalid_state) << describe_error(refused.error());
  refused = sender->send_broadcast(first->port(), bytes_of("no"), "::1");
  ASSERT_TRUE(refused.is_err());

  ASSERT_TRUE(sender->enable_broadcast(true).is_ok());
  ASSERT_TRUE(sender->send_broadcast(first->port(), bytes_of("to all"), "127.255.255.255").is_ok());
  ASSERT_TRUE(a.wait(1));
  ASSERT_TRUE(b.wait(1));
  EXPECT_EQ(text_of(a.at(0)), "to all");
  EXPECT_EQ(text_of(b.at(0)), "to all");
  EXPECT_EQ(sender_seen.error_count.load(), 0u);
}

TEST(UdpGroupsTest, ServerConfiguredForBroadcastCanSendTo127Broadcast) {
  receiver a;
  receiver b;
  auto first = listener(a, "bcast-a");
  ASSERT_TRUE(first->start_server("0.0.0.0", 0).is_ok());
  auto second = listener(b, "bcast-b");
  ASSERT_TRUE(second->start_server("0.0.0.0", first->port()).is_ok());
  udp_config c;
  c.broadcast = true;
  auto sender = std::make_shared<messaging_udp_server>("bcast-sender", c);
  ASSERT_TRUE(sender->start_server("127.0.0.1", 0).is_ok());
  ASSERT_TRUE(sender->send_to("127.255.255.255", first->port(), bytes_of("hello lan")).is_ok());
  ASSERT_TRUE(a.wait(1));
  ASSERT_TRUE(b.wait(1));
  EXPECT_EQ(text_of(b.at(0)), "hello lan");
  EXPECT_EQ(a.senders.at(0).port(), sender->port());
}

TEST(UdpGroupsTest, MulticastReachesTwoMembersAndLeaveWorks) {
  receiver a;
  receiver b;
  auto dual = listener(a, "mcast-dual");  // IPv4 group on the dual-stack "::" socket
  ASSERT_TRUE(dual->start_server(0).is_ok());
  auto v4 = listener(b, "mcast-v4");
  ASSERT_TRUE(v4->start_server("0.0.0.0", dual->port()).is_ok());
  const auto joined = dual->join_multicast_group(group, "127.0.0.1");
  if (joined.is_err()) {
    GTEST_SKIP() << "this host cannot join a multicast group on lo: "
                 << describe_error(joined.error());
  }
  ASSERT_TRUE(v4->join_multicast_group(group, "lo").is_ok());
  const auto again = v4->join_multicast_group(group, "lo");
  ASSERT_TRUE(again.is_err());  // already a member
  EXPECT_EQ(again.error().code, codes::invalid_argument) << describe_error(again.error());
  EXPECT_NE(again.error().message.find(group), std::string::npos) << again.error().message;

  udp_config c;
  c.multicast_interface = "127.0.0.1";
  c.multicast_loopback = true;
  c.multicast_ttl = 0;  // never beyond this host
  auto sender = std::make_shared<messaging_udp_server>("mcast-sender", c);
  ASSERT_TRUE(sender->start_server("127.0.0.1", 0).is_ok());
  ASSERT_TRUE(sender->send_to(group, dual->port(), bytes_of("to the group")).is_ok());
  ASSERT_TRUE(a.wait(1));
  ASSERT_TRUE(b.wait(1));
  EXPECT_EQ(text_of(a.at(0)), "to the group");
  EXPECT_EQ(text_of(b.at(0)), "to the group");
  EXPECT_TRUE(a.senders.at(0).address().is_v4());

  // A client "connected" to the group sends to it too.
  receiver unused;
  auto client = recording_client(unused, c);
  ASSERT_TRUE(client->start_client(group, dual->port()).is_ok());
  ASSERT_TRUE(client->send_packet("from a client").is_ok());
  ASSERT_TRUE(a.wait(2));
  ASSERT_TRUE(b.wait(2));
  EXPECT_EQ(text_of(b.at(1)), "from a client");

  ASSERT_TRUE(dual->leave_multicast_group(group, "127.0.0.1").is_ok());
  const auto left_twice = dual->leave_multicast_group(group, "127.0.0.1");
  ASSERT_TRUE(left_twice.is_err());
  EXPECT_EQ(left_twice.error().code, codes::invalid_argument);
  ASSERT_TRUE(sender->send_to(group, dual->port(), bytes_of("after leave")).is_ok());
  ASSERT_TRUE(b.wait(3));
  EXPECT_EQ(text_of(b.at(2)), "after leave");
}

TEST(UdpGroupsTest, MembershipErrorsSayWhy) {
  receiver a;
  auto server = listener(a, "mcast-errors");
  auto r = server->join_multicast_group(group);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, codes::server_not_started);
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  r = server->join_multicast_group("10.1.2.3");
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, codes::invalid_argument);
  EXPECT_NE(r.error().message.find("not a multicast address"), std::string::npos);
  r = server->join_multicast_group(group, "no-such-interface0");
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, codes::invalid_argument) << describe_error(r.error());
  r = server->join_multicast_group("ff15::1234", "lo");
  ASSERT_TRUE(r.is_err());  // IPv6 group on an IPv4 socket
  EXPECT_EQ(r.error().code, codes::invalid_argument);
}

}  // namespace
}  // namespace integration
