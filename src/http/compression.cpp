#include "network_system/http/compression.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/accept_encoding.h"
#include "network_system/protocol/http/http_fields.h"

namespace network_system::http {

namespace ph = protocol::http;

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && ph::iequals(s.substr(s.size() - suffix.size()), suffix);
}

// Whether a comma-separated list value (Vary, Cache-Control) holds `token` as an element
// (case-insensitive; Cache-Control directives may carry "=value").
bool list_has(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto element = trim(list.substr(0, comma));
    element = trim(element.substr(0, element.find('=')));
    if (ph::iequals(element, token)) return true;
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return false;
}

bool has_body_status(int status) noexcept {
  return status >= 200 && status != 204 && status != 304 && status != 206;
}

void add_vary(response& res) {
  const std::string vary = res.headers().get_list("Vary");
  if (list_has(vary, "*") || list_has(vary, "Accept-Encoding")) return;
  res.set_header("Vary", vary.empty() ? std::string("Accept-Encoding") : vary + ", Accept-Encoding");
}

void weaken_etag(response& res) {
  const auto etag = res.headers().get("ETag");
  if (!etag || etag->empty() || etag->starts_with("W/")) return;
  res.set_header("ETag", "W/" + std::string(*etag));
}

int level_for(const compression_options& o, content_coding coding) noexcept {
  const int level = coding == content_coding::br     ? o.br_level
                    : coding == content_coding::gzip ? o.gzip_level
                                                     : o.deflate_level;
  return ph::valid_level(coding, level) ? level : ph::default_level;
}

void compress_one(const compression_options& o, const std::vector<std::string_view>& names,
                  const request& req, response& res) {
  if (!has_body_status(res.status())) return;
  if (res.headers().contains("Content-Encoding")) return;
  if (list_has(res.headers().get_list("Cache-Control"), "no-transform")) return;
  const auto type = res.headers().get("Content-Type");
  if (!type || !compressible_type(*type, o.types)) return;
  if (res.body().size() < o.min_size) return;
  // From here the answer depends on Accept-Encoding, whatever it turns out to be.
  add_vary(res);
  const auto choice = ph::negotiate_encoding(req.header("Accept-Encoding"), names);
  if (!choice || *choice == "identity") return;
  const auto coding = ph::parse_content_coding(*choice);
  if (coding.is_err()) return;
  auto packed = ph::compress(coding.value(), res.body(), level_for(o, coding.value()));
  if (packed.is_err() || packed.value().size() >= res.body().size()) return;
  res.body() = std::move(packed).value();
  res.set_header("Content-Encoding", *choice);
  weaken_etag(res);
  res.headers().erase("Accept-Ranges");
}

std::string coding_list(const std::vector<content_coding>& codings) {
  std::string list;
  for (const auto c : codings) {
    if (c == content_coding::identity) continue;
    if (!list.empty()) list += ", ";
    list += ph::coding_name(c);
  }
  return list.empty() ? std::string("identity") : list;
}

void refuse(response& res, int status, const std::string& detail) {
  res = response::status_page(status, detail);
}

}  // namespace

bool compressible_type(std::string_view content_type, const std::vector<std::string>& types) {
  const auto media = trim(content_type.substr(0, content_type.find(';')));
  const auto slash = media.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == media.size()) return false;
  for (const auto& pattern : types) {
    const std::string_view p = pattern;
    if (p.size() >= 2 && p.starts_with("*+")) {
      if (ends_with_ci(media, p.substr(1))) return true;
    } else if (p.ends_with("/*")) {
      if (ph::iequals(media.substr(0, slash + 1), p.substr(0, p.size() - 1))) return true;
    } else if (ph::iequals(media, p)) {
      return true;
    }
  }
  return false;
}

after_middleware compress_responses(compression_options options) {
  // negotiate_encoding takes the server's list as names; they live as long as the hook.
  std::vector<std::string_view> names;
  for (const auto c : options.codings) {
    if (c != content_coding::identity) names.push_back(ph::coding_name(c));
  }
  return [o = std::move(options), names = std::move(names)](const request& req, response& res) {
    compress_one(o, names, req, res);
  };
}

before_middleware decode_request_bodies(request_decoding_options options) {
  return [o = std::move(options)](request& req, response& res, next_fn next) {
    const std::string header = std::as_const(req).headers().get_list("Content-Encoding");
    if (header.empty()) {
      next();
      return;
    }
    auto codings = ph::parse_content_encoding(header);
    if (codings.is_err()) {
      if (codings.error().code == error_codes::http_not_implemented) {
        refuse(res, 415, codings.error().message);
        res.set_header("Accept-Encoding", coding_list(o.codings));
      } else {
        refuse(res, 400, codings.error().message);
      }
      return;
    }
    for (const auto c : codings.value()) {
      if (std::find(o.codings.begin(), o.codings.end(), c) == o.codings.end()) {
        refuse(res, 415,
               "content coding '" + std::string(ph::coding_name(c)) + "' is not accepted here");
        res.set_header("Accept-Encoding", coding_list(o.codings));
        return;
      }
    }
    auto decoded = ph::decode_content(header, req.body(),
                                       {.max_output = o.max_body, .max_state = o.max_state});
    if (decoded.is_err()) {
      const int code = decoded.error().code;
      const int status = code == error_codes::http_body_too_large          ? 413
                         : code == error_codes::http_decompression_failed ? 400
                                                                          : 500;
      refuse(res, status, status == 500 ? std::string{} : decoded.error().message);
      return;
    }
    req.set_body(std::move(decoded).value());
    auto& fields = req.headers();
    fields.erase("Content-Encoding");
    fields.erase("Transfer-Encoding");
    fields.set("Content-Length", std::to_string(req.body().size()));
    next();
  };
}

}  // namespace network_system::http
