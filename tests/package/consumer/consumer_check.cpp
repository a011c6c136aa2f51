// Uses the installed package: starts a server on a free port, connects a client, round-trips
// one message and exits 0 (1 on any failure).
#include <network_system/compatibility.h>
#include <network_system/core/error_codes.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <iostream>
#include <string>
#include <vector>

namespace {

int fail(const std::string& what, const network_system::error_info& err) {
  std::cerr << "consumer_check: " << what << ": " << err.message << " ("
            << network_system::error_codes::name(err.code) << ")\n";
  return 1;
}

}  // namespace

int main() {
  using namespace std::chrono_literals;

  // The legacy namespace and factory must work from the installed headers too.
  auto server = network_module::create_server("consumer-server");
  server->set_receive_callback([](auto session, const std::vector<std::uint8_t>& data) {
    (void)session->send_packet(data);  // echo
  });
  if (auto r = server->start_server("127.0.0.1", 0); r.is_err()) {
    return fail("start_server", r.error());
  }

  std::promise<std::string> echoed;
  auto client = network_system::create_client("consumer-client");
  client->set_receive_callback([&echoed](const std::vector<std::uint8_t>& data) {
    echoed.set_value(std::string(data.begin(), data.end()));
  });
  const std::uint16_t port = server->port();
  if (auto r = client->start_client("127.0.0.1", port); r.is_err()) {
    return fail("start_client", r.error());
  }
  const std::string message = "hello from an installed network_system";
  if (auto r = client->send_packet(message); r.is_err()) return fail("send_packet", r.error());

  auto reply = echoed.get_future();
  if (reply.wait_for(10s) != std::future_status::ready) {
    std::cerr << "consumer_check: no echo within 10 s\n";
    return 1;
  }
  const std::string got = reply.get();
  (void)client->stop_client();
  (void)server->stop_server();
  if (got != message) {
    std::cerr << "consumer_check: echo mismatch: '" << got << "'\n";
    return 1;
  }
  std::cout << "consumer_check: round trip on port " << port << " ok\n";
  return 0;
}
