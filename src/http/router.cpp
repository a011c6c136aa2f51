#include "network_system/http/router.h"

#include "network_system/http/body_reader.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/url.h"

namespace network_system::http {

namespace {

namespace ph = protocol::http;

struct route_entry {
  std::string method;
  std::string pattern;
  std::vector<std::string> param_names;  // in segment order; "*" last for a wildcard route
  http::handler fn;
  std::shared_ptr<const streaming_handler> streaming;  // add_streaming routes
};

bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_tchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::string_view rest = path.substr(1);
  while (true) {
    const auto slash = rest.find('/');
    out.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

VoidResult add_error(std::string_view method, std::string_view pattern, std::string_view why) {
  return error_void(error_codes::invalid_argument,
                    "add route " + std::string(method) + " " + std::string(pattern) + ": " +
                        std::string(why),
                    "http::router");
}

std::string join_allow(std::set<std::string> methods) {
  if (methods.empty()) return {};
  if (methods.count("GET") != 0) methods.insert("HEAD");
  methods.insert("OPTIONS");
  std::string out;
  for (const auto& m : methods) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

}  // namespace

struct router::node {
  // std::less<> lets a decoded request segment (a string_view) look a literal up directly.
  std::map<std::string, std::unique_ptr<node>, std::less<>> literals;
  std::unique_ptr<node> param;
  std::vector<route_entry> exact;     // routes whose pattern ends at this node
  std::vector<route_entry> wildcard;  // routes whose pattern ends with "*" after this node
  std::set<std::string> methods;      // of every route anywhere; kept on the root only
};

namespace {

// One segment of a request path: the text as sent and decoded. `ok` is false when it does
// not decode; such a segment matches nothing.
struct path_segment {
  std::string_view raw;
  std::string decoded;
  bool ok = true;
};

// The text a ':name' segment matched, as sent and decoded (views into the path_segments).
struct capture {
  std::string_view raw;
  std::string_view decoded;
};

}  // namespace

namespace detail_router {

// Depth-first over the tree in precedence order (literal, then parameter, then wildcard),
// calling visit(routes, captures, rest_index) for every route list that matches the path;
// visit returns true to stop. rest_index is the first segment the wildcard took, or
// segments.size() for an exact match. The recursion is no deeper than the longest pattern
// (it only descends into nodes that exist), whatever the request path; each level tries at
// most a literal and a parameter child, so the routes a program defines bound the work.
template <typename Node, typename Visit>
bool walk(const Node& n, const std::vector<path_segment>& segs, std::size_t i,
          std::vector<capture>& caps, Visit& visit) {
  if (i == segs.size()) {
    return !n.exact.empty() && visit(n.exact, caps, i);
  }
  const path_segment& s = segs[i];
  if (!s.ok) return false;
  if (const auto it = n.literals.find(std::string_view(s.decoded)); it != n.literals.end()) {
    if (walk(*it->second, segs, i + 1, caps, visit)) return true;
  }
  if (n.param && !s.decoded.empty()) {
    caps.push_back({s.raw, s.decoded});
    const bool stop = walk(*n.param, segs, i + 1, caps, visit);
    caps.pop_back();
    if (stop) return true;
  }
  if (!n.wildcard.empty()) {
    // The rest must decode as a whole too; an undecodable later segment matches nothing.
    for (std::size_t k = i; k < segs.size(); ++k) {
      if (!segs[k].ok) return false;
    }
    return visit(n.wildcard, caps, i);
  }
  return false;
}

}  // namespace detail_router

router::router() : root_(std::make_unique<node>()) {}
router::~router() = default;
router::router(router&& other) noexcept
    : root_(std::move(other.root_)),
      size_(std::exchange(other.size_, 0)),
      has_streaming_(std::exchange(other.has_streaming_, false)) {}
router& router::operator=(router&& other) noexcept {
  root_ = std::move(other.root_);
  size_ = std::exchange(other.size_, 0);
  has_streaming_ = std::exchange(other.has_streaming_, false);
  return *this;
}

VoidResult router::add(std::string_view method, std::string_view pattern, handler h) {
  return add_entry(method, pattern, std::move(h), nullptr);
}

VoidResult router::add_streaming(std::string_view method, std::string_view pattern,
                                 streaming_handler h) {
  if (!h) return add_entry(method, pattern, {}, nullptr);  // refused as an empty handler
  auto shared = std::make_shared<const streaming_handler>(std::move(h));
  // Called with a request whose body is all there (a pipeline used directly): the body is
  // handed over in one piece.
  handler whole = [shared](request& req, response& res) {
    body_reader reader;
    (*shared)(req, reader);
    if (reader.refused()) {
      res = reader.take_refusal();
      return;
    }
    if (!req.body().empty()) reader.deliver(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(req.body().data()), req.body().size()));
    reader.end(req, res);
  };
  if (auto r = add_entry(method, pattern, std::move(whole), shared); r.is_err()) return r;
  has_streaming_ = true;
  return ok();
}

VoidResult router::add_entry(std::string_view method, std::string_view pattern, handler h,
                             std::shared_ptr<const streaming_handler> streaming) {
  if (!root_) root_ = std::make_unique<node>();  // a moved-from router is empty, and usable
  if (!is_token(method)) return add_error(method, pattern, "the method is not a token");
  if (!h) return add_error(method, pattern, "empty handler");
  if (pattern.empty() || pattern.front() != '/') {
    return add_error(method, pattern, "a pattern starts with '/'");
  }
  if (pattern.find_first_of("?#") != std::string_view::npos) {
    return add_error(method, pattern, "'?' and '#' cannot appear in a path pattern");
  }

  // Check the whole pattern before touching the tree, so that a refused route leaves the
  // router as it was.
  struct step {
    enum kind_t { literal, param, wildcard } kind;
    std::string text;
  };
  std::vector<step> steps;
  std::vector<std::string> names;
  const auto segs = split_segments(pattern);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::string_view seg = segs[i];
    if (seg == "*") {
      if (i + 1 != segs.size()) {
        return add_error(method, pattern, "'*' is allowed as the last segment only");
      }
      steps.push_back({step::wildcard, {}});
      names.emplace_back("*");
    } else if (!seg.empty() && seg.front() == ':') {
      const std::string name(seg.substr(1));
      if (name.empty()) return add_error(method, pattern, "':' without a parameter name");
      for (const auto& n : names) {
        if (n == name) return add_error(method, pattern, "parameter \"" + name + "\" twice");
      }
      steps.push_back({step::param, {}});
      names.push_back(name);
    } else {
      auto decoded = ph::percent_decode(seg, {.plus_as_space = false, .allow_nul = false});
      if (decoded.is_err()) return add_error(method, pattern, decoded.error().message);
      steps.push_back({step::literal, std::move(decoded.value())});
    }
  }

  // Find where the route goes without creating nodes yet (the duplicate check must not leave
  // empty branches behind on failure), then create the missing ones.
  node* n = root_.get();
  bool is_wildcard = false;
  std::vector<const step*> to_create;
  std::size_t k = 0;
  for (; k < steps.size(); ++k) {
    const step& st = steps[k];
    if (st.kind == step::wildcard) {
      is_wildcard = true;
      break;
    }
    node* next = nullptr;
    if (st.kind == step::literal) {
      const auto it = n->literals.find(st.text);
      if (it != n->literals.end()) next = it->second.get();
    } else {
      next = n->param.get();
    }
    if (next == nullptr) break;
    n = next;
  }
  const bool path_exists = is_wildcard || k == steps.size();
  if (path_exists) {
    const auto& list = is_wildcard ? n->wildcard : n->exact;
    for (const auto& e : list) {
      if (e.method == method) {
        return add_error(method, pattern, "conflicts with the route " + e.method + " " + e.pattern);
      }
    }
  }
  for (; k < steps.size(); ++k) {
    const step& st = steps[k];
    if (st.kind == step::wildcard) {
      is_wildcard = true;
      break;
    }
    if (st.kind == step::literal) {
      auto& child = n->literals[st.text];
      if (!child) child = std::make_unique<node>();
      n = child.get();
    } else {
      if (!n->param) n->param = std::make_unique<node>();
      n = n->param.get();
    }
  }
  auto& list = is_wildcard ? n->wildcard : n->exact;
  list.push_back({std::string(method), std::string(pattern), std::move(names), std::move(h),
                  std::move(streaming)});
  root_->methods.emplace(method);
  ++size_;
  return ok();
}

namespace {

bool split_request_path(std::string_view path, std::vector<path_segment>& out) {
  if (path.empty() || path.front() != '/') return false;
  // The segments of split_segments(path), without the vector of views in between.
  std::string_view rest = path.substr(1);
  for (bool last = false; !last;) {
    const auto slash = rest.find('/');
    const std::string_view raw = rest.substr(0, slash);
    last = slash == std::string_view::npos;
    if (!last) rest.remove_prefix(slash + 1);
    path_segment s;
    s.raw = raw;
    if (raw.find('%') == std::string_view::npos) {
      s.decoded = std::string(raw);
    } else {
      auto d = ph::percent_decode(raw, {.plus_as_space = false, .allow_nul = false});
      s.ok = d.is_ok();
      if (s.ok) s.decoded = std::move(d.value());
    }
    out.push_back(std::move(s));
  }
  return true;
}

}  // namespace

// Collects the methods of every route list that matches `path` (all of them: the visitor never
// stops the walk). Returns false when no route matches at all.
template <typename Node>
bool methods_for_path(const Node& root, const std::vector<path_segment>& segs,
                      std::set<std::string>& methods) {
  bool any = false;
  std::vector<capture> caps;
  auto collect = [&](const std::vector<route_entry>& routes, const std::vector<capture>&,
                     std::size_t) {
    any = true;
    for (const auto& e : routes) methods.insert(e.method);
    return false;
  };
  detail_router::walk(root, segs, 0, caps, collect);
  return any;
}

route_match router::match(std::string_view method, std::string_view path) const {
  route_match m;
  std::vector<path_segment> segs;
  segs.reserve(8);
  if (!root_ || !split_request_path(path, segs)) return m;

  std::vector<capture> caps;
  std::set<std::string> methods;
  bool any = false;
  auto pick = [&](const std::vector<route_entry>& routes, const std::vector<capture>& c,
                  std::size_t rest) {
    any = true;
    const route_entry* found = nullptr;
    const route_entry* get = nullptr;
    for (const auto& e : routes) {
      if (e.method == method) {
        found = &e;
        break;
      }
      if (e.method == "GET") get = &e;
    }
    // RFC 9110 §9.3.2: HEAD is GET without the content; a GET handler answers it.
    if (found == nullptr && method == "HEAD") found = get;
    if (found == nullptr) {
      for (const auto& e : routes) methods.insert(e.method);
      return false;
    }
    m.status = match_status::found;
    m.handler = &found->fn;
    m.streaming = found->streaming.get();
    m.pattern = found->pattern;
    for (std::size_t j = 0; j < c.size(); ++j) {
      m.params.add(found->param_names[j], std::string(c[j].decoded), std::string(c[j].raw));
    }
    if (rest < segs.size()) {  // a wildcard route: "*" takes segments rest..end
      std::string raw;
      std::string decoded;
      for (std::size_t k = rest; k < segs.size(); ++k) {
        if (k != rest) {
          raw += '/';
          decoded += '/';
        }
        raw += segs[k].raw;
        decoded += segs[k].decoded;
      }
      m.params.add("*", std::move(decoded), std::move(raw));
    }
    return true;
  };
  detail_router::walk(*root_, segs, 0, caps, pick);
  if (m.status != match_status::found && any) {
    m.status = match_status::method_not_allowed;
    m.allow = join_allow(std::move(methods));
  }
  return m;
}

std::string router::allow(std::string_view path) const {
  std::vector<path_segment> segs;
  if (!root_ || !split_request_path(path, segs)) return {};
  std::set<std::string> methods;
  if (!methods_for_path(*root_, segs, methods)) return {};
  return join_allow(std::move(methods));
}

std::string router::methods() const { return root_ ? join_allow(root_->methods) : std::string(); }

}  // namespace network_system::http
