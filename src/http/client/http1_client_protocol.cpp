#include "http/client/http1_client_protocol.h"

#include <utility>

#include "network_system/core/error_codes.h"

namespace network_system::http::detail {

namespace {
constexpr const char* source = "http_client";
using protocol::http::parse_status;
}  // namespace

http1_client_protocol::http1_client_protocol(protocol::http::parser_options options,
                                             response_listener& listener)
    : listener_(listener), parser_(options) {}

void http1_client_protocol::expect(std::string_view method) {
  parser_.set_request_method(method);
  current_ = {};
  awaiting_ = true;
  answer_started_ = false;
}

std::string http1_client_protocol::peer(const connection::stream_connection& c) const {
  return "response from " + c.remote_endpoint() + ": ";
}

void http1_client_protocol::on_data(const std::shared_ptr<connection::stream_connection>& self,
                                    std::span<const std::uint8_t>& in) {
  auto& c = *self;
  while (c.delivering()) {
    if (!awaiting_) {
      if (in.empty()) return;
      // A server may not send before it is asked (RFC 9112 §9.3): whatever this is, the
      // connection cannot be trusted to frame the next answer.
      c.fail(error_info{error_codes::http_invalid_response,
                        peer(c) + std::to_string(in.size()) +
                            " bytes arrived with no request outstanding",
                        source, {}});
      in = {};
      return;
    }
    if (!in.empty()) answer_started_ = true;
    const auto r = parser_.feed(in);
    in = in.subspan(r.consumed);
    switch (r.status) {
      case parse_status::need_more:  // all of `in` consumed
        return;
      case parse_status::head_complete:
        break;
      case parse_status::body:
        current_.body.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
        break;
      case parse_status::message_complete:
        if (parser_.head().status < 200) {
          current_.body.clear();  // an interim answer (100 Continue, 103): the final one follows
          break;
        }
        // Bytes after the answer, unasked for: this one is good, the connection is not.
        complete(c, parser_.keep_alive() && !parser_.upgrade() && in.empty());
        if (in.empty()) return;
        break;
      case parse_status::error: {
        const auto& e = parser_.error();
        c.fail(error_info{e.code, peer(c) + e.message, source, e.details});
        in = {};
        return;
      }
    }
  }
}

void http1_client_protocol::complete(connection::stream_connection& c, bool reusable) {
  current_.head = parser_.head();
  current_.trailers = parser_.trailers();
  awaiting_ = false;
  auto r = std::move(current_);
  current_ = {};
  listener_.on_response(c, std::move(r), reusable);
}

std::optional<error_info> http1_client_protocol::on_peer_eof(const connection::stream_connection& c) {
  if (!awaiting_) return std::nullopt;  // an idle connection the server closed
  if (!answer_started_) {
    return error_info{error_codes::connection_closed,
                      peer(c) + "the server closed the connection before answering", source, {}};
  }
  const auto r = parser_.finish();
  if (r.status == parse_status::message_complete) {
    // A body read until close. The listener gets it before the connection reports its close.
    complete(const_cast<connection::stream_connection&>(c), false);
    return std::nullopt;
  }
  if (r.status == parse_status::error) {
    const auto& e = parser_.error();
    return error_info{e.code, peer(c) + e.message, source, e.details};
  }
  return error_info{error_codes::http_invalid_response,
                    peer(c) + "the connection closed in the middle of the response", source, {}};
}

void http1_client_protocol::on_closed() {
  current_ = {};
}

}  // namespace network_system::http::detail
