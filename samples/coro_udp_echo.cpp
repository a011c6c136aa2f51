// coro_udp_echo: a coroutine echo server and a coroutine client over UDP (udp_facade), both
// in this process on 127.0.0.1.
//
//   ./coro_udp_echo [datagrams]      # 100 by default
//
// UDP may lose a datagram: the client sends again after a timeout (up to 5 times). Exits 0
// when every datagram was echoed.
#include <network_system/facade/udp_facade.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace facade = network_system::facade;
using bytes = std::vector<std::uint8_t>;

asio::awaitable<void> echo(std::shared_ptr<facade::i_protocol_server> server) {
  for (;;) {
    auto d = co_await server->async_receive();  // the datagram and its sender ("ip:port")
    if (d.is_err()) co_return;                  // stopped
    (void)co_await server->async_send(d.value().peer, std::move(d.value().data));
  }
}

asio::awaitable<int> talk(std::shared_ptr<facade::i_protocol_client> client, int count) {
  if (auto r = co_await client->async_start(); r.is_err()) {
    std::cerr << "start: " << r.error().message << "\n";
    co_return 1;
  }
  for (int i = 0; i < count; ++i) {
    const std::string text = "datagram " + std::to_string(i);
    bool echoed = false;
    for (int attempt = 0; attempt < 5 && !echoed; ++attempt) {
      (void)co_await client->async_send(bytes(text.begin(), text.end()));
      // Skip late echoes of earlier datagrams; give up on this attempt after 500 ms.
      for (;;) {
        auto reply = co_await client->async_receive(std::chrono::milliseconds(500));
        if (reply.is_err()) break;  // connection_timeout: send again
        if (std::string(reply.value().begin(), reply.value().end()) == text) {
          echoed = true;
          break;
        }
      }
    }
    if (!echoed) {
      std::cerr << "no echo for '" << text << "'\n";
      co_return 1;
    }
  }
  co_return 0;
}

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 100;
  auto server = facade::udp_facade{}.create_server({.bind_address = "127.0.0.1", .port = 0});
  if (server.is_err() || server.value()->start().is_err()) {
    std::cerr << "could not start the UDP server\n";
    return 1;
  }
  auto client =
      facade::udp_facade{}.create_client({.host = "127.0.0.1", .port = server.value()->port()});
  if (client.is_err()) {
    std::cerr << client.error().message << "\n";
    return 1;
  }

  asio::io_context ctx;
  asio::co_spawn(ctx, echo(server.value()), asio::detached);
  int rc = 1;
  asio::co_spawn(ctx, talk(client.value(), count), [&](std::exception_ptr e, int result) {
    rc = e ? 1 : result;
    client.value()->stop();
    server.value()->stop();
  });
  ctx.run();
  std::cout << "udp echo: " << count << " datagrams, " << (rc == 0 ? "all echoed" : "FAILED")
            << "\n";
  return rc;
}
