#include "network_system/http/middleware.h"

#include <exception>
#include <new>

namespace network_system::http {

namespace detail {

struct chain_state {
  request& req;
  response& res;
  // handle_with: what runs in place of the router.
  const handler* final = nullptr;
  // The highest step started; a next() whose step already ran does nothing.
  std::size_t reached = 0;
};

}  // namespace detail

namespace {

// A 404 / 405 / 204 keeps the fields middleware added before next() and replaces the rest.
void make_status(response& res, int status) {
  const response page = response::status_page(status);
  res.set_status(status);
  res.set_reason({});
  res.set_body(page.body(), *page.headers().get("Content-Type"));
}

void make_allow_only(response& res, const std::string& allow) {
  res.set_status(204);
  res.set_reason({});
  res.body().clear();
  res.headers().erase("Content-Type");
  res.set_header("Allow", allow);
}

}  // namespace

void next_fn::operator()() const {
  if (state_->reached > index_) return;
  owner_->run_step(*state_, index_ + 1);
}

pipeline::pipeline(router routes) : routes_(std::move(routes)) {}

void pipeline::use(before_middleware middleware) {
  if (middleware) before_.push_back(std::move(middleware));
}

void pipeline::use_after(after_middleware hook) {
  if (hook) after_.push_back(std::move(hook));
}

void pipeline::run_step(detail::chain_state& state, std::size_t index) const {
  state.reached = index;
  if (index < before_.size()) {
    before_[index](state.req, state.res, next_fn(this, &state, index));
  } else if (state.final) {
    (*state.final)(state.req, state.res);
  } else {
    dispatch(state.req, state.res);
  }
}

void pipeline::dispatch(request& req, response& res) const {
  if (req.method() == "OPTIONS" && req.raw_path() == "*") {
    const std::string all = routes_.methods();
    make_allow_only(res, all.empty() ? std::string("OPTIONS") : all);
    return;
  }
  route_match m = routes_.match(req.method(), req.raw_path());
  switch (m.status) {
    case match_status::found:
      req.set_params(std::move(m.params));
      req.set_route_pattern(std::string(m.pattern));
      (*m.handler)(req, res);
      return;
    case match_status::not_found:
      make_status(res, 404);
      return;
    case match_status::method_not_allowed:
      if (req.method() == "OPTIONS") {
        make_allow_only(res, m.allow);
      } else {
        make_status(res, 405);
        res.set_header("Allow", m.allow);
      }
      return;
  }
}

response pipeline::handle(request& req) const {
  response res;
  handle(req, res);
  return res;
}

void pipeline::handle(request& req, response& res) const { run(req, res, nullptr); }

void pipeline::handle_with(request& req, response& res, const handler& final) const {
  run(req, res, &final);
}

void pipeline::run(request& req, response& res, const handler* final) const {
  detail::chain_state state{req, res, final};
  // A throwing handler must not take the connection down with it, nor leak what it was
  // doing into the answer: a bare 500 replaces whatever it had built.
  try {
    run_step(state, 0);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (...) {
    res = response::status_page(500);
  }
  // A deferred answer is not made yet: the server runs the hooks on it when it comes.
  if (res.is_deferred()) return;
  run_after_hooks(req, res);
}

void pipeline::run_after_hooks(const request& req, response& res) const {
  for (const auto& hook : after_) {
    try {
      hook(req, res);
    } catch (const std::bad_alloc&) {
      throw;
    } catch (...) {
      res = response::status_page(500);
      break;
    }
  }
}

}  // namespace network_system::http
