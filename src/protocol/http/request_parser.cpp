#include "network_system/protocol/http/request_parser.h"

#include "protocol/http/detail/parser_core.h"

namespace network_system::protocol::http {

request_parser::request_parser(parser_options options)
    : core_(std::make_unique<detail::parser_core>(true, options)) {}
request_parser::~request_parser() = default;
request_parser::request_parser(request_parser&&) noexcept = default;
request_parser& request_parser::operator=(request_parser&&) noexcept = default;

parse_result request_parser::feed(std::span<const std::uint8_t> input) { return core_->feed(input); }
parse_result request_parser::finish() { return core_->finish(); }
const request_head& request_parser::head() const noexcept { return core_->request; }
request_head request_parser::take_head() noexcept {
  request_head h = std::move(core_->request);
  core_->request.method.clear();
  core_->request.target.clear();
  core_->request.fields.clear();
  core_->request.version = h.version;
  return h;
}
const http_fields& request_parser::trailers() const noexcept { return core_->trailers; }
const error_info& request_parser::error() const noexcept { return core_->error; }
bool request_parser::chunked() const noexcept { return core_->chunked; }
std::uint64_t request_parser::content_length() const noexcept { return core_->content_length; }
bool request_parser::keep_alive() const noexcept { return core_->keep_alive; }
bool request_parser::upgrade() const noexcept { return core_->upgrade; }
void request_parser::reset() { core_->reset(); }
void request_parser::continue_after_upgrade() noexcept { core_->continue_after_upgrade(); }

}  // namespace network_system::protocol::http
