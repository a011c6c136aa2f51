// Replacing the protocol of a live connection (what an HTTP Upgrade needs, SPEC §5): the
// socket and the write queue stay, and the bytes that follow the switch in the very same read
// go to the new protocol, in order.
#include "connection/detail/connection_protocol.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/connection/stream_connection.h"
#include "network_system/core/messaging_server.h"

namespace integration {
namespace {

namespace conn = ns::connection;

// A line protocol: every "\n"-terminated line is recorded and answered with "<line>!\n".
class line_protocol final : public conn::detail::connection_protocol {
 public:
  line_protocol(std::mutex& m, std::vector<std::string>& lines) : mutex_(m), lines_(lines) {}

  void on_data(const std::shared_ptr<conn::stream_connection>& self,
               std::span<const std::uint8_t>& in) override {
    while (self->delivering() && !in.empty()) {
      const auto nl = std::find(in.begin(), in.end(), std::uint8_t{'\n'});
      partial_.append(in.begin(), nl);
      if (nl == in.end()) {
        in = {};
        return;
      }
      in = in.subspan(static_cast<std::size_t>(nl - in.begin()) + 1);
      {
        std::lock_guard lock(mutex_);
        lines_.push_back(partial_);
      }
      const std::string reply = partial_ + "!\n";
      (void)self->queue_copy({}, std::span<const std::uint8_t>(
                                     reinterpret_cast<const std::uint8_t*>(reply.data()),
                                     reply.size()));
      partial_.clear();
    }
  }

 private:
  std::mutex& mutex_;
  std::vector<std::string>& lines_;
  std::string partial_;
};

TEST(protocol_switch, bytes_after_the_switch_in_the_same_read_go_to_the_new_protocol) {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::vector<std::string> framed;
  auto server = std::make_shared<ns::core::messaging_server>("switch");
  server->set_receive_span_callback(
      [&](const auto& s, std::span<const std::uint8_t> data) {
        const std::string text = text_of(data);
        {
          std::lock_guard lock(mutex);
          framed.push_back(text);
        }
        if (text == "upgrade") {
          (void)s->send_packet("switching");  // the old protocol's last word, framed
          s->replace_protocol(std::make_unique<line_protocol>(mutex, lines));
        }
      });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());

  raw_client c;
  ASSERT_TRUE(c.connect("127.0.0.1", server->port()));
  // One write, so that the switch happens in the middle of one read.
  auto bytes = length_prefixed(bytes_of("hello"));
  for (const auto& b : {length_prefixed(bytes_of("upgrade")), bytes_of("one\ntwo\nthr")}) {
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  ASSERT_TRUE(c.send_all(bytes));
  const auto ack = c.receive_frame();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(text_of(*ack), "switching");
  EXPECT_EQ(text_of(c.receive_exactly(10)), "one!\ntwo!\n");
  ASSERT_TRUE(c.send_all(bytes_of("ee\n")));  // the rest of a line split across reads
  EXPECT_EQ(text_of(c.receive_exactly(7)), "three!\n");
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(framed, (std::vector<std::string>{"hello", "upgrade"}));
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three"}));
  }
  EXPECT_TRUE(server->stop_server().is_ok());
}

}  // namespace
}  // namespace integration
