// Interop: HAProxy (a load balancer nobody on this team wrote) in front of two `nsys serve
// --proxy-protocol required` processes, balancing round-robin with send-proxy-v2, as a user
// scales a service out. Every echo through HAProxy must be right, both processes must serve,
// and each session's remote_endpoint() (printed by --log-connections) must be the real
// client's address and port, not HAProxy's.
//
// HAProxy's configuration is written at test time into a temporary directory: 127.0.0.1 only,
// mode tcp, short timeouts, no health checks (their connections would add sessions nobody
// drives). Its listening port is found free just before it starts; a start that loses that
// port to another process is retried with another.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "integration/support/test_support.h"
#include "interop/support/child_process.h"
#include "interop/support/peers.h"

namespace interop {
namespace {

using integration::long_wait;
using integration::raw_client;
using integration::wait_until;

#ifdef NSYS_PATH

// `nsys serve` for plain TCP echo on 127.0.0.1 behind a proxy, one I/O thread.
struct nsys_server {
  nsys_server()
      : process({NSYS_PATH, "serve", "--proto", "tcp", "--bind", "127.0.0.1", "--port", "0",
                 "--threads", "1", "--proxy-protocol", "required", "--log-connections"},
                {.timeout = long_wait * 2}) {
    if (process.wait_for_output(
            [](const std::string& out, const std::string&) {
              return !value_after(out, "listening on 127.0.0.1:").empty();
            },
            long_wait)) {
      port = static_cast<std::uint16_t>(
          std::stoul(value_after(process.text(output::out), "listening on 127.0.0.1:")));
    }
  }
  /// True if this server printed a session whose remote is `remote`.
  [[nodiscard]] bool served(const std::string& remote) const {
    return process.text(output::out).find("\nconnection " + remote + " ") != std::string::npos;
  }
  [[nodiscard]] std::size_t sessions() const {
    const std::string out = process.text(output::out);
    std::size_t n = 0;
    for (auto at = out.find("\nconnection "); at != std::string::npos;
         at = out.find("\nconnection ", at + 1)) {
      ++n;
    }
    return n;
  }
  /// SIGTERM, then the exit code (nullopt if it did not stop in time).
  std::optional<int> stop() {
    ::kill(process.pid(), SIGTERM);
    return process.wait_exit(long_wait);
  }

  child_process process;
  std::uint16_t port = 0;
};

std::string haproxy_config(std::uint16_t front, std::uint16_t a, std::uint16_t b) {
  return "global\n"
         "    nbthread 1\n"
         "    maxconn 64\n"
         "defaults\n"
         "    mode tcp\n"
         "    timeout connect 5s\n"
         "    timeout client 20s\n"
         "    timeout server 20s\n"
         "frontend nsys_front\n"
         "    bind 127.0.0.1:" + std::to_string(front) + "\n"
         "    default_backend nsys_servers\n"
         "backend nsys_servers\n"
         "    balance roundrobin\n"
         "    server nsys_a 127.0.0.1:" + std::to_string(a) + " send-proxy-v2\n"
         "    server nsys_b 127.0.0.1:" + std::to_string(b) + " send-proxy-v2\n";
}

// True if a socket listens on 127.0.0.1:port (from /proc/net/tcp: connecting to find out would
// send a connection through HAProxy to a server and count as a session).
bool listening_on(std::uint16_t port) {
  std::ifstream table("/proc/net/tcp");
  char local[32];
  std::snprintf(local, sizeof local, "0100007F:%04X", port);
  std::string line;
  while (std::getline(table, line)) {
    // "  sl  local_address rem_address   st ..." with st 0A = LISTEN
    std::istringstream fields(line);
    std::string slot, address, remote, state;
    fields >> slot >> address >> remote >> state;
    if (address == local && state == "0A") return true;
  }
  return false;
}

struct temp_dir {
  temp_dir() {
    char pattern[] = "/tmp/nsys-haproxy-XXXXXX";
    if (::mkdtemp(pattern) != nullptr) path = pattern;
  }
  ~temp_dir() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

// HAProxy listening on 127.0.0.1 in front of ports a and b; null (with a failure recorded) if
// it could not be started.
std::unique_ptr<child_process> start_haproxy(const std::string& haproxy, const temp_dir& dir,
                                             std::uint16_t a, std::uint16_t b,
                                             std::uint16_t& front) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    front = integration::closed_port();
    const std::string cfg = dir.path + "/haproxy.cfg";
    std::ofstream(cfg) << haproxy_config(front, a, b);
    auto p = std::make_unique<child_process>(std::vector<std::string>{haproxy, "-f", cfg, "-db"},
                                             child_options{.timeout = long_wait * 2});
    if (!p->started()) {
      ADD_FAILURE() << p->start_error();
      return nullptr;
    }
    // Listening, or exited (the port was taken meanwhile).
    const bool listening = wait_until([&] {
      return listening_on(front) || p->wait_exit(std::chrono::milliseconds(0)).has_value();
    });
    if (listening && !p->wait_exit(std::chrono::milliseconds(0))) return p;
    if (p->text(output::err).find("cannot bind") == std::string::npos) {
      ADD_FAILURE() << "haproxy did not start: " << p->transcript();
      return nullptr;
    }
  }
  ADD_FAILURE() << "haproxy found no free port in 3 attempts";
  return nullptr;
}

#endif  // NSYS_PATH

TEST(HaproxyTest, balances_two_nsys_servers_and_each_session_knows_its_real_client) {
#ifndef NSYS_PATH
  GTEST_SKIP() << "built without nsys (NETWORK_BUILD_TOOLS=OFF): nothing to put behind HAProxy";
#else
  INTEROP_REQUIRE_PEER(haproxy, "haproxy", "haproxy");
  nsys_server a;
  nsys_server b;
  ASSERT_NE(a.port, 0) << a.process.transcript();
  ASSERT_NE(b.port, 0) << b.process.transcript();
  temp_dir dir;
  ASSERT_FALSE(dir.path.empty());
  std::uint16_t front = 0;
  auto proxy = start_haproxy(haproxy, dir, a.port, b.port, front);
  ASSERT_TRUE(proxy);

  // Clients one after another (round-robin then alternates), two echoes each, in one write.
  constexpr int clients = 6;
  std::vector<std::string> remotes;
  for (int i = 0; i < clients; ++i) {
    raw_client c;
    ASSERT_TRUE(c.connect("127.0.0.1", front));
    const std::string one = "client " + std::to_string(i) + " first";
    const std::string two = "client " + std::to_string(i) + " second, " + std::string(3000, 'x');
    auto wire = integration::length_prefixed(integration::bytes_of(one));
    const auto second = integration::length_prefixed(integration::bytes_of(two));
    wire.insert(wire.end(), second.begin(), second.end());
    ASSERT_TRUE(c.send_all(wire));
    const auto e1 = c.receive_frame();
    const auto e2 = c.receive_frame();
    ASSERT_TRUE(e1 && e2) << "no echo through haproxy for client " << i << "\n"
                          << proxy->transcript();
    EXPECT_EQ(integration::text_of(*e1), one);
    EXPECT_EQ(integration::text_of(*e2), two);
    remotes.push_back("127.0.0.1:" + std::to_string(c.local_port()));
  }

  // Each session, in whichever process served it, reports the client's own address and port.
  for (const auto& remote : remotes) {
    EXPECT_TRUE(wait_until([&] { return a.served(remote) || b.served(remote); }))
        << remote << " is in neither log:\n"
        << a.process.text(output::out) << b.process.text(output::out);
    EXPECT_FALSE(a.served(remote) && b.served(remote)) << remote;
  }
  EXPECT_GE(a.sessions(), 1u) << a.process.text(output::out);
  EXPECT_GE(b.sessions(), 1u) << b.process.text(output::out);
  EXPECT_EQ(a.sessions() + b.sessions(), static_cast<std::size_t>(clients));

  proxy->kill();
  for (auto* s : {&a, &b}) {
    EXPECT_EQ(s->stop(), 0) << s->process.transcript();
    EXPECT_NE(s->process.text(output::out).find("summary:"), std::string::npos);
    EXPECT_NE(s->process.text(output::out).find(" errors=0"), std::string::npos)
        << s->process.transcript();
    EXPECT_EQ(s->process.text(output::err).find("PROXY protocol"), std::string::npos)
        << s->process.transcript();
  }
#endif
}

}  // namespace
}  // namespace interop
