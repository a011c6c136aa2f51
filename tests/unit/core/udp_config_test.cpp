// udp_config: the documented ranges, the per-family datagram limit, endpoint formatting, and
// the IPv4-mapped address handling of the UDP sockets (src/core/udp/detail/udp_address.h).
#include "network_system/core/udp_config.h"

#include <netinet/in.h>

#include <gtest/gtest.h>

#include "core/udp/detail/udp_address.h"
#include "network_system/core/error_codes.h"

namespace {

using network_system::core::max_datagram_for;
using network_system::core::udp_config;
using network_system::core::udp_endpoint;
using network_system::core::udp_endpoint_to_string;
using network_system::core::validate;
namespace codes = network_system::error_codes;
namespace udp = network_system::core::udp::detail;

TEST(UdpConfigTest, DefaultsAreValidAndFitIpv4) {
  const udp_config c;
  EXPECT_TRUE(validate(c).is_ok());
  EXPECT_EQ(c.max_datagram_size, 65507u);
  EXPECT_EQ(c.batch_size, 32u);
}

TEST(UdpConfigTest, RejectsOutOfRangeFieldsNamingThem) {
  auto expect_invalid = [](udp_config c, const char* field) {
    const auto r = validate(c);
    ASSERT_TRUE(r.is_err()) << field;
    EXPECT_EQ(r.error().code, codes::invalid_configuration);
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  };
  udp_config c;
  c.max_datagram_size = 0;
  expect_invalid(c, "max_datagram_size");
  c.max_datagram_size = 65528;
  expect_invalid(c, "max_datagram_size");
  c = {};
  c.batch_size = 0;
  expect_invalid(c, "batch_size");
  c.batch_size = 1025;
  expect_invalid(c, "batch_size");
  c = {};
  c.max_queued_bytes = 100;
  expect_invalid(c, "max_queued_bytes");
  c = {};
  c.multicast_ttl = 256;
  expect_invalid(c, "multicast_ttl");
  c = {};
  c.receive_buffer_size = -1;
  expect_invalid(c, "receive_buffer_size");
  c = {};
  c.max_batches_per_event = 0;
  expect_invalid(c, "max_batches_per_event");
}

TEST(UdpConfigTest, LimitIsNeverAboveTheProtocolMaximum) {
  udp_config c;
  c.max_datagram_size = 65527;
  EXPECT_TRUE(validate(c).is_ok());
  EXPECT_EQ(max_datagram_for(c, false), 65507u);
  EXPECT_EQ(max_datagram_for(c, true), 65527u);
  c.max_datagram_size = 1200;
  EXPECT_EQ(max_datagram_for(c, false), 1200u);
  EXPECT_EQ(max_datagram_for(c, true), 1200u);
}

TEST(UdpConfigTest, FormatsEndpoints) {
  EXPECT_EQ(udp_endpoint_to_string(udp_endpoint(asio::ip::make_address("127.0.0.1"), 5000)),
            "127.0.0.1:5000");
  EXPECT_EQ(udp_endpoint_to_string(udp_endpoint(asio::ip::make_address("::1"), 5000)),
            "[::1]:5000");
}

TEST(UdpAddressTest, Ipv4DestinationIsMappedOnADualStackSocket) {
  udp::udp_sockaddr sa{};
  const udp_endpoint to(asio::ip::make_address("127.0.0.1"), 7);
  ASSERT_EQ(udp::to_sockaddr(to, true, sa), sizeof(sockaddr_in6));
  EXPECT_EQ(sa.base.sa_family, AF_INET6);
  EXPECT_EQ(ntohs(sa.v6.sin6_port), 7);
  EXPECT_TRUE(IN6_IS_ADDR_V4MAPPED(&sa.v6.sin6_addr));
  const auto back = udp::from_sockaddr(sa, sizeof(sockaddr_in6));
  EXPECT_TRUE(back.address().is_v4());  // unmapped for the user
  EXPECT_EQ(back, to);
  EXPECT_FALSE(udp::is_v6_destination(udp_endpoint(
      asio::ip::make_address("::ffff:10.0.0.1"), 7)));
  EXPECT_TRUE(udp::is_v6_destination(udp_endpoint(asio::ip::make_address("::1"), 7)));
  EXPECT_FALSE(udp::is_v6_destination(to));
}

TEST(UdpAddressTest, Ipv6DestinationCannotLeaveAnIpv4Socket) {
  udp::udp_sockaddr sa{};
  EXPECT_EQ(udp::to_sockaddr(udp_endpoint(asio::ip::make_address("::1"), 7), false, sa), 0u);
  // ... but an IPv4-mapped one can, as plain IPv4.
  ASSERT_EQ(udp::to_sockaddr(udp_endpoint(asio::ip::make_address("::ffff:127.0.0.1"), 7), false,
                             sa),
            sizeof(sockaddr_in));
  EXPECT_EQ(sa.base.sa_family, AF_INET);
  EXPECT_EQ(udp::from_sockaddr(sa, sizeof(sockaddr_in)),
            udp_endpoint(asio::ip::make_address("127.0.0.1"), 7));
}

TEST(UdpAddressTest, SameFamilyDestinationsKeepAddressPortAndScope) {
  udp::udp_sockaddr sa{};
  const udp_endpoint v4(asio::ip::make_address("192.0.2.1"), 65535);
  ASSERT_EQ(udp::to_sockaddr(v4, false, sa), sizeof(sockaddr_in));
  EXPECT_EQ(ntohs(sa.v4.sin_port), 65535);
  EXPECT_EQ(ntohl(sa.v4.sin_addr.s_addr), 0xC0000201u);
  EXPECT_EQ(udp::from_sockaddr(sa, sizeof(sockaddr_in)), v4);

  const auto scoped = asio::ip::make_address_v6("fe80::1%1");
  const udp_endpoint v6(scoped, 5353);
  ASSERT_EQ(udp::to_sockaddr(v6, true, sa), sizeof(sockaddr_in6));
  EXPECT_EQ(sa.v6.sin6_scope_id, 1u);
  EXPECT_EQ(ntohs(sa.v6.sin6_port), 5353);
  const auto back = udp::from_sockaddr(sa, sizeof(sockaddr_in6));
  EXPECT_EQ(back, v6);
  EXPECT_EQ(back.address().to_v6().scope_id(), 1u);
}

TEST(UdpAddressTest, ReceivedAddressOfUnknownFamilyOrShortLengthIsTheDefault) {
  sockaddr_storage ss{};
  ss.ss_family = AF_UNIX;
  EXPECT_EQ(udp::from_sockaddr(ss, sizeof(ss)), udp_endpoint());
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  in->sin_family = AF_INET;
  in->sin_port = htons(9);
  EXPECT_EQ(udp::from_sockaddr(ss, sizeof(sockaddr_in) - 1), udp_endpoint());
  EXPECT_EQ(udp::from_sockaddr(ss, sizeof(sockaddr_in)),
            udp_endpoint(asio::ip::address_v4::any(), 9));
}

}  // namespace
