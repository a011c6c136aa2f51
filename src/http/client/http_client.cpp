#include "network_system/http/http_client.h"

#include <future>
#include <utility>

#include "http/client/http_client_state.h"
#include "network_system/core/error_codes.h"

namespace network_system::http {

client_request client_request::make(std::string method, std::string url, std::string body,
                                    std::string_view content_type) {
  client_request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  if (!content_type.empty()) r.headers.set("Content-Type", content_type);
  return r;
}

client_request client_request::make_multipart(std::string url,
                                              protocol::http::multipart_builder& form,
                                              std::string method) {
  const auto type = form.content_type();
  auto bytes = form.body();
  return make(std::move(method), std::move(url), std::string(bytes.begin(), bytes.end()), type);
}

http_client::http_client(http_client_config config)
    : state_(std::make_shared<detail::http_client_state>(std::move(config))) {}

http_client::~http_client() { state_->stop(); }

asio::any_io_executor http_client::executor_of(const std::shared_ptr<detail::http_client_state>& s) {
  return s->context().get_executor();
}

void http_client::start(const std::shared_ptr<detail::http_client_state>& s, client_request r,
                        core::detail::completion<response_result> done) {
  // completion is move-only and a posted handler must be copyable for asio::post's
  // type-erased paths: share it.
  if (s->stopped()) {
    done.complete(error<client_response>(error_codes::operation_canceled,
                                         r.method + " " + r.url + ": the client is stopped",
                                         "http_client"));
    return;
  }
  auto shared = std::make_shared<core::detail::completion<response_result>>(std::move(done));
  asio::post(s->context(), [s, r = std::move(r), shared]() mutable {
    s->begin(std::move(r), std::move(*shared));
  });
}

http_client::response_result http_client::request(client_request r) {
  if (state_->on_thread()) {
    return error<client_response>(error_codes::invalid_state,
                                  r.method + " " + r.url +
                                      ": a blocking request on the client's own thread would "
                                      "wait for itself",
                                  "http_client");
  }
  if (state_->stopped()) {
    return error<client_response>(error_codes::operation_canceled,
                                  r.method + " " + r.url + ": the client is stopped",
                                  "http_client");
  }
  auto promise = std::make_shared<std::promise<response_result>>();
  auto future = promise->get_future();
  async_request(std::move(r), [promise](response_result res) { promise->set_value(std::move(res)); });
  return future.get();  // bounded: every client_exchange ends within request_timeout
}

http_client::response_result http_client::get(std::string_view url) {
  client_request r;
  r.url = std::string(url);
  return request(std::move(r));
}

http_client::response_result http_client::post(std::string_view url, std::string body,
                                               std::string_view content_type) {
  return request(client_request::make("POST", std::string(url), std::move(body), content_type));
}

void http_client::stop() { state_->stop(); }

http_client_statistics http_client::statistics() const { return state_->statistics(); }

}  // namespace network_system::http
