#include "network_system/protocol/http/response_parser.h"

#include "protocol/http/detail/parser_core.h"

namespace network_system::protocol::http {

response_parser::response_parser(parser_options options)
    : core_(std::make_unique<detail::parser_core>(false, options)) {}
response_parser::~response_parser() = default;
response_parser::response_parser(response_parser&&) noexcept = default;
response_parser& response_parser::operator=(response_parser&&) noexcept = default;

parse_result response_parser::feed(std::span<const std::uint8_t> input) { return core_->feed(input); }
parse_result response_parser::finish() { return core_->finish(); }
const response_head& response_parser::head() const noexcept { return core_->response; }
const http_fields& response_parser::trailers() const noexcept { return core_->trailers; }
const error_info& response_parser::error() const noexcept { return core_->error; }
bool response_parser::chunked() const noexcept { return core_->chunked; }
std::uint64_t response_parser::content_length() const noexcept { return core_->content_length; }
bool response_parser::keep_alive() const noexcept { return core_->keep_alive; }
bool response_parser::upgrade() const noexcept { return core_->upgrade; }
void response_parser::reset() { core_->reset(); }
void response_parser::set_request_method(std::string_view method) {
  core_->set_request_method(method);
}

}  // namespace network_system::protocol::http
