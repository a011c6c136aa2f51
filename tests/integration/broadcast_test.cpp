// broadcast, broadcast_to_group and send(session_id, ...): each message reaches exactly the
// sessions it is meant for, once.
#include "network_system/core/messaging_server.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/core/io_context_pool.h"

namespace integration {
namespace {

using ns::core::client_config;
using ns::core::io_context_pool;
using ns::core::messaging_server;

// A server that does not echo, and N clients that each introduced themselves ("i") so that the
// test knows which session belongs to which client.
class BroadcastTest : public ::testing::Test {
 protected:
  static constexpr std::size_t clients_count = 8;

  void SetUp() override {
    server_ = std::make_shared<messaging_server>("broadcast");
    probe_.attach(*server_, /*echo=*/false, [this](const auto& s, const auto& data) {
      std::lock_guard lock(mutex_);
      session_of_[text_of(data)] = s->id();
    });
    ASSERT_TRUE(server_->start_server("127.0.0.1", 0).is_ok());
    pool_ = std::make_shared<io_context_pool>(2);
    pool_->start();
    for (std::size_t i = 0; i < clients_count; ++i) {
      client_config cfg;
      cfg.pool = pool_;
      clients_.push_back(std::make_unique<client_probe>("member-" + std::to_string(i), cfg));
      auto r = clients_.back()->start("127.0.0.1", server_->port());
      ASSERT_TRUE(r.is_ok()) << describe(r.error());
      ASSERT_TRUE(clients_.back()->send(std::to_string(i)).is_ok());
    }
    ASSERT_TRUE(wait_until([&] { return probe_.received.load() == clients_count; }));
  }

  void TearDown() override {
    clients_.clear();
    if (pool_) pool_->stop();
    if (server_) (void)server_->stop_server();
  }

  std::uint64_t session_of(std::size_t client) {
    std::lock_guard lock(mutex_);
    return session_of_.at(std::to_string(client));
  }

  // Broadcasts an end marker and waits until every client has it: anything sent before the
  // marker has then arrived (per-session order), so the messages seen are all there will be.
  void finish_with_marker() {
    std::vector<std::size_t> before;
    for (auto& c : clients_) before.push_back(c->received.load());
    auto r = server_->broadcast(bytes_of("end"));
    ASSERT_TRUE(r.is_ok()) << describe(r.error());
    EXPECT_EQ(r.value(), clients_count);
    for (std::size_t i = 0; i < clients_count; ++i) {
      ASSERT_TRUE(wait_until([&] {
        const auto got = clients_[i]->messages();
        return !got.empty() && text_of(got.back()) == "end";
      })) << "client " << i << " never got the end marker";
    }
  }

  std::vector<std::string> texts_of(std::size_t client) {
    std::vector<std::string> out;
    for (const auto& m : clients_[client]->messages()) out.push_back(text_of(m));
    return out;
  }

  server_probe probe_;
  std::shared_ptr<messaging_server> server_;
  std::shared_ptr<io_context_pool> pool_;
  std::vector<std::unique_ptr<client_probe>> clients_;
  std::mutex mutex_;
  std::map<std::string, std::uint64_t> session_of_;
};

TEST_F(BroadcastTest, BroadcastReachesEveryClientOnce) {
  auto r = server_->broadcast(bytes_of("to all"));
  ASSERT_TRUE(r.is_ok()) << describe(r.error());
  EXPECT_EQ(r.value(), clients_count);
  finish_with_marker();
  for (std::size_t i = 0; i < clients_count; ++i) {
    EXPECT_EQ(texts_of(i), (std::vector<std::string>{"to all", "end"})) << "client " << i;
  }
}

TEST_F(BroadcastTest, BroadcastToGroupReachesOnlyMembers) {
  for (std::size_t i = 0; i < clients_count; i += 2) {
    auto s = server_->get_session(session_of(i));
    ASSERT_TRUE(s) << "client " << i;
    s->join_group("even");
  }
  auto s1 = server_->get_session(session_of(1));
  ASSERT_TRUE(s1);
  s1->join_group("solo");

  auto r = server_->broadcast_to_group("even", bytes_of("evens only"));
  ASSERT_TRUE(r.is_ok()) << describe(r.error());
  EXPECT_EQ(r.value(), clients_count / 2);
  auto r1 = server_->broadcast_to_group("solo", bytes_of("one only"));
  ASSERT_TRUE(r1.is_ok());
  EXPECT_EQ(r1.value(), 1u);
  auto none = server_->broadcast_to_group("nobody", bytes_of("lost"));
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none.value(), 0u);

  // Leaving a group takes effect for the next broadcast.
  server_->get_session(session_of(0))->leave_group("even");
  auto r2 = server_->broadcast_to_group("even", bytes_of("evens again"));
  ASSERT_TRUE(r2.is_ok());
  EXPECT_EQ(r2.value(), clients_count / 2 - 1);

  finish_with_marker();
  EXPECT_EQ(texts_of(0), (std::vector<std::string>{"evens only", "end"}));
  EXPECT_EQ(texts_of(1), (std::vector<std::string>{"one only", "end"}));
  for (std::size_t i = 2; i < clients_count; ++i) {
    const auto want = i % 2 == 0 ? std::vector<std::string>{"evens only", "evens again", "end"}
                                 : std::vector<std::string>{"end"};
    EXPECT_EQ(texts_of(i), want) << "client " << i;
  }
}

TEST(BroadcastStandaloneTest, GroupJoinedFromConnectionCallback) {
  // A second server whose sessions join a group as soon as they connect.
  server_probe probe;
  auto server = std::make_shared<messaging_server>("lobby");
  probe.attach(*server, /*echo=*/false);
  server->set_connection_callback([&probe](auto s) {
    s->join_group("lobby");
    probe.connections.fetch_add(1);
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  client_probe a("lobby-a");
  client_probe b("lobby-b");
  ASSERT_TRUE(a.start("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(b.start("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(wait_until([&] { return probe.connections.load() == 2; }));
  auto r = server->broadcast_to_group("lobby", bytes_of("welcome"));
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), 2u);
  ASSERT_TRUE(a.wait_messages(1));
  ASSERT_TRUE(b.wait_messages(1));
  EXPECT_EQ(text_of(a.messages()[0]), "welcome");
  EXPECT_EQ(text_of(b.messages()[0]), "welcome");
  EXPECT_TRUE(server->stop_server().is_ok());
}

TEST_F(BroadcastTest, SendToSessionIdReachesOnlyThatClient) {
  auto r = server_->send(session_of(3), bytes_of("just you"));
  ASSERT_TRUE(r.is_ok()) << describe(r.error());
  finish_with_marker();
  for (std::size_t i = 0; i < clients_count; ++i) {
    const auto want = i == 3 ? std::vector<std::string>{"just you", "end"}
                             : std::vector<std::string>{"end"};
    EXPECT_EQ(texts_of(i), want) << "client " << i;
  }
}

TEST_F(BroadcastTest, SendToUnknownSessionIsSessionNotFound) {
  auto r = server_->send(0xFFFFFFFFFFFFull, bytes_of("nobody"));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::session_not_found) << describe(r.error());
  EXPECT_EQ(server_->get_session(0xFFFFFFFFFFFFull), nullptr);
  auto d = server_->disconnect_session(0xFFFFFFFFFFFFull);
  ASSERT_TRUE(d.is_err());
  EXPECT_EQ(d.error().code, ns::error_codes::session_not_found);
}

TEST_F(BroadcastTest, RegressionSessionsShareOneId) {
  // The old library gave every session the same id, so send(id) and get_session(id) hit the
  // wrong peer. Ids (numeric and string) must be distinct and each must reach its own client.
  std::set<std::uint64_t> ids;
  std::set<std::string> string_ids;
  for (const auto& s : server_->sessions()) {
    ids.insert(s->id());
    string_ids.insert(s->string_id());
  }
  EXPECT_EQ(ids.size(), clients_count);
  EXPECT_EQ(string_ids.size(), clients_count);
  EXPECT_EQ(server_->connection_count(), clients_count);

  for (std::size_t i = 0; i < clients_count; ++i) {
    auto s = server_->get_session(session_of(i));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->id(), session_of(i));
    ASSERT_TRUE(server_->send(session_of(i), bytes_of("you are " + std::to_string(i))).is_ok());
  }
  finish_with_marker();
  for (std::size_t i = 0; i < clients_count; ++i) {
    EXPECT_EQ(texts_of(i), (std::vector<std::string>{"you are " + std::to_string(i), "end"}));
  }
  // The clients' own sessions have ids of their own too.
  for (const auto& c : clients_) {
    auto s = c->client->session();
    ASSERT_TRUE(s);
    EXPECT_FALSE(ids.count(s->id())) << "a client session shares an id with a server session";
    ids.insert(s->id());
  }
}

TEST(BroadcastStandaloneTest, BroadcastOnStoppedServerIsServerNotStarted) {
  auto server = std::make_shared<messaging_server>("idle");
  auto r = server->broadcast(bytes_of("x"));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::server_not_started);
  auto g = server->broadcast_to_group("g", bytes_of("x"));
  ASSERT_TRUE(g.is_err());
  EXPECT_EQ(g.error().code, ns::error_codes::server_not_started);
}

}  // namespace
}  // namespace integration
