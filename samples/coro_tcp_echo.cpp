// coro_tcp_echo: a coroutine echo server and a coroutine client over TCP (or TLS), written
// against the protocol interfaces (tcp_facade). Both run in this process on 127.0.0.1.
//
//   ./coro_tcp_echo [messages]                          # plain TCP, 100 messages by default
//   ./coro_tcp_echo --tls CERT KEY CA [messages]        # TLS; the client trusts CA
//
// Exits 0 when every echo came back unchanged and in order.
#include <network_system/facade/tcp_facade.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace facade = network_system::facade;
using bytes = std::vector<std::uint8_t>;

// Serves until the server stops: each message goes back to its sender. async_send waits while
// that peer's send queue is full, so a slow reader slows this loop instead of losing replies.
asio::awaitable<void> echo(std::shared_ptr<facade::i_protocol_server> server) {
  for (;;) {
    auto m = co_await server->async_receive();
    if (m.is_err()) co_return;  // server_stopped
    auto sent = co_await server->async_send(m.value().peer, std::move(m.value().data));
    if (sent.is_err()) std::cerr << "echo: " << sent.error().message << "\n";
  }
}

// Connects, sends `count` messages one after the other and checks each reply.
asio::awaitable<int> talk(std::shared_ptr<facade::i_protocol_client> client, int count) {
  if (auto r = co_await client->async_start(); r.is_err()) {
    std::cerr << "connect: " << r.error().message << "\n";
    co_return 1;
  }
  for (int i = 0; i < count; ++i) {
    const std::string text = "message " + std::to_string(i);
    if (auto r = co_await client->async_send(bytes(text.begin(), text.end())); r.is_err()) {
      std::cerr << "send: " << r.error().message << "\n";
      co_return 1;
    }
    auto reply = co_await client->async_receive(std::chrono::seconds(10));
    if (reply.is_err()) {
      std::cerr << "receive: " << reply.error().message << "\n";
      co_return 1;
    }
    if (std::string(reply.value().begin(), reply.value().end()) != text) {
      std::cerr << "wrong echo for '" << text << "'\n";
      co_return 1;
    }
  }
  co_return 0;
}

int main(int argc, char** argv) {
  facade::tcp_server_config server_config{.bind_address = "127.0.0.1", .port = 0};
  facade::tcp_client_config client_config{.host = "localhost"};
  int arg = 1;
  if (argc > 4 && std::string(argv[1]) == "--tls") {
    server_config.use_tls = true;
    server_config.tls.certificate_chain_file = argv[2];
    server_config.tls.private_key_file = argv[3];
    client_config.use_tls = true;
    client_config.tls.ca_file = argv[4];
    arg = 5;
  }
  const int count = argc > arg ? std::atoi(argv[arg]) : 100;

  auto server = facade::tcp_facade{}.create_server(server_config);
  if (server.is_err()) {
    std::cerr << server.error().message << "\n";
    return 1;
  }
  if (auto r = server.value()->start(); r.is_err()) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  client_config.port = server.value()->port();
  auto client = facade::tcp_facade{}.create_client(client_config);
  if (client.is_err()) {
    std::cerr << client.error().message << "\n";
    return 1;
  }

  asio::io_context ctx;  // the coroutines run here; the library's I/O runs on its own threads
  asio::co_spawn(ctx, echo(server.value()), asio::detached);
  int rc = 1;
  asio::co_spawn(ctx, talk(client.value(), count), [&](std::exception_ptr e, int result) {
    rc = e ? 1 : result;
    client.value()->stop();
    server.value()->stop();  // ends echo(): its receive completes with server_stopped
  });
  ctx.run();
  std::cout << (client_config.use_tls ? "tls" : "tcp") << " echo: " << count << " messages, "
            << (rc == 0 ? "all correct" : "FAILED") << "\n";
  return rc;
}
