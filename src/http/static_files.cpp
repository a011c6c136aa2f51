#include "network_system/http/static_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>

#include "http/detail/static_path.h"
#include "network_system/core/error_codes.h"
#include "network_system/http/file_body.h"
#include "network_system/http/mime_types.h"
#include "network_system/protocol/http/accept_encoding.h"
#include "network_system/protocol/http/http_date.h"
#include "network_system/protocol/http/http_status.h"

namespace network_system::http {

namespace {

namespace ph = protocol::http;
using detail::unique_fd;

struct state {
  detail::root_dir root;
  static_options options;
};

// The status page body, keeping the fields earlier middleware set (as the pipeline does).
void page(response& res, int status) {
  const response p = response::status_page(status);
  res.set_status(status);
  res.set_body(p.body(), *p.headers().get("Content-Type"));
}

// Errors that mean "nothing servable there" (including a path the kernel refused to let
// leave the root: EXDEV, ELOOP) as opposed to a failing file system.
bool is_absent(int err) noexcept {
  switch (err) {
    case ENOENT: case ENOTDIR: case EXDEV: case ELOOP: case EACCES: case EPERM:
    case ENAMETOOLONG: case ENXIO: case ENODEV: case EISDIR:
      return true;
    default:
      return false;
  }
}

// An opened candidate and what fstat said of it.
struct opened {
  unique_fd fd;
  struct stat st {};
};

// Opens rel under the root; the errno on failure (fstat failing counts as the file system
// failing).
int open_under(const state& s, const std::string& rel, opened& out) {
  const int fd = s.root.open_file(rel);
  if (fd < 0) return -fd;
  out.fd = unique_fd(fd);
  if (::fstat(fd, &out.st) != 0) return errno == 0 ? EIO : errno;
  return 0;
}

std::string hex(std::uint64_t v) {
  char buf[17];
  const int n = std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string make_etag(const file_info& info) {
  return '"' + hex(info.inode) + '-' + hex(info.size) + '-' +
         hex(static_cast<std::uint64_t>(info.mtime_ns)) + '"';
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 §8.8.3: If-Match / If-None-Match = "*" / #entity-tag. `ours` is a strong tag with
// its quotes. A malformed list matches nothing from the bad element on.
bool etag_list_matches(std::string_view list, std::string_view ours, bool weak_comparison) {
  list = trim(list);
  if (list == "*") return true;
  std::size_t i = 0;
  while (i < list.size()) {
    if (list[i] == ',' || list[i] == ' ' || list[i] == '\t') {
      ++i;
      continue;
    }
    bool weak = false;
    if (list.compare(i, 2, "W/") == 0) {
      weak = true;
      i += 2;
    }
    if (i >= list.size() || list[i] != '"') return false;
    const auto close = list.find('"', i + 1);
    if (close == std::string_view::npos) return false;
    if (list.substr(i, close - i + 1) == ours && (weak_comparison || !weak)) return true;
    i = close + 1;
    while (i < list.size() && (list[i] == ' ' || list[i] == '\t')) ++i;
    if (i < list.size() && list[i] != ',') return false;
  }
  return false;
}

// The field's values as one list (several fields of a list-valued name are one list, §5.3).
std::optional<std::string> field_list(const request& req, std::string_view name) {
  if (!req.headers().contains(name)) return std::nullopt;
  return req.headers().get_list(name);
}

// The date of a single-valued date field, or nullopt when absent or not an HTTP-date (then
// §13.1.3 / §13.1.4 say to ignore it).
std::optional<std::chrono::sys_seconds> field_date(const request& req, std::string_view name) {
  if (req.headers().count(name) != 1) return std::nullopt;
  return ph::parse_http_date(trim(*req.header(name)));
}

std::string boundary() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return hex(gen()) + hex(gen());
}

struct representation {
  file_body file;
  std::string etag;
  std::chrono::sys_seconds last_modified;
  std::string_view content_type;
  std::string_view coding;  // "" for identity
  bool has_variants = false;
};

// ETag, Last-Modified, Cache-Control and Vary: what 200, 206 and 304 share (§15.4.5).
void add_validators(const state& s, const representation& rep, response& res) {
  res.set_header("ETag", rep.etag);
  res.set_header("Last-Modified", ph::format_http_date(rep.last_modified));
  if (!s.options.cache_control.empty()) res.set_header("Cache-Control", s.options.cache_control);
  if (rep.has_variants) res.set_header("Vary", "Accept-Encoding");
}

void add_entity_fields(const state& s, const representation& rep, response& res) {
  add_validators(s, rep, res);
  res.set_header("Accept-Ranges", "bytes");
  if (!rep.coding.empty()) res.set_header("Content-Encoding", rep.coding);
}

// RFC 9110 §13.2.2 steps 1-4. Returns the status to answer with (304 or 412), or 0 to go on.
int evaluate_preconditions(const request& req, const representation& rep) {
  if (const auto im = field_list(req, "If-Match")) {
    if (!etag_list_matches(*im, rep.etag, /*weak_comparison=*/false)) return 412;
  } else if (const auto ius = field_date(req, "If-Unmodified-Since")) {
    if (rep.last_modified > *ius) return 412;
  }
  if (const auto inm = field_list(req, "If-None-Match")) {
    if (etag_list_matches(*inm, rep.etag, /*weak_comparison=*/true)) return 304;
  } else if (const auto ims = field_date(req, "If-Modified-Since")) {
    if (rep.last_modified <= *ims) return 304;
  }
  return 0;
}

// §13.1.5: an entity-tag must match strongly, a date exactly.
bool if_range_holds(const request& req, const representation& rep) {
  if (!req.headers().contains("If-Range")) return true;
  if (req.headers().count("If-Range") != 1) return false;
  const std::string_view v = trim(*req.header("If-Range"));
  if (!v.empty() && (v.front() == '"' || v.starts_with("W/"))) return v == rep.etag;
  const auto d = ph::parse_http_date(v);
  return d && *d == rep.last_modified;
}

void serve_ranges(const state& s, const representation& rep,
                  const std::vector<ph::byte_range>& ranges, response& res) {
  const std::uint64_t size = rep.file.info().size;
  if (ranges.size() == 1) {
    const auto& r = ranges.front();
    res.set_status(206);
    add_entity_fields(s, rep, res);
    res.set_header("Content-Range", ph::format_content_range(r, size));
    res.set_file(rep.file.slice(r.first, r.length()).value(), rep.content_type);
    return;
  }
  // multipart/byteranges (§14.6), built in memory within its limit.
  const std::string b = boundary();
  std::vector<std::string> heads;
  std::uint64_t total = 0;
  for (const auto& r : ranges) {
    std::string h = (heads.empty() ? "--" : "\r\n--") + b + "\r\nContent-Type: ";
    h += rep.content_type;
    h += "\r\nContent-Range: " + ph::format_content_range(r, size) + "\r\n\r\n";
    total += h.size() + r.length();
    heads.push_back(std::move(h));
  }
  const std::string tail = "\r\n--" + b + "--\r\n";
  total += tail.size();
  if (total > s.options.max_multirange_bytes) {
    res.set_status(200);
    add_entity_fields(s, rep, res);
    res.set_file(rep.file, rep.content_type);
    return;
  }
  std::string body;
  body.reserve(static_cast<std::size_t>(total));
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    body += heads[i];
    auto part = rep.file.slice(ranges[i].first, ranges[i].length());
    auto r = part.is_ok() ? part.value().append_to(body) : VoidResult(part.error());
    if (r.is_err()) {
      page(res, 500);
      return;
    }
  }
  body += tail;
  res.set_status(206);
  add_entity_fields(s, rep, res);
  res.set_body(std::move(body), "multipart/byteranges; boundary=" + b);
}

std::string_view content_type_for(const state& s, std::string_view path) {
  const auto ext = file_extension(path);
  if (!ext.empty() && !s.options.mime_types.empty()) {
    std::string lower(ext);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (const auto it = s.options.mime_types.find(lower); it != s.options.mime_types.end()) {
      return it->second;
    }
  }
  if (const auto t = builtin_mime_type(ext)) return *t;
  return s.options.default_mime_type;
}

void serve(const state& s, request& req, response& res) {
  const std::string& method = req.method();
  if (method != "GET" && method != "HEAD") {
    page(res, 405);
    res.set_header("Allow", "GET, HEAD");
    return;
  }
  std::string_view raw;
  if (const auto rest = req.params().get_raw("*")) {
    raw = *rest;
  } else {
    raw = req.raw_path();
    if (!raw.empty() && raw.front() == '/') raw.remove_prefix(1);
  }
  const auto safe = detail::to_safe_path(raw, s.options.serve_hidden);
  if (!safe) return page(res, 404);

  opened file;
  if (const int err = open_under(s, safe->rel, file)) return page(res, is_absent(err) ? 404 : 500);
  std::string path = safe->rel;
  if (S_ISDIR(file.st.st_mode)) {
    if (!safe->trailing_slash) {
      const std::string& target = req.raw_path();
      if (!s.options.redirect_directories || target.empty() || target.front() != '/' ||
          target.starts_with("//")) {
        return page(res, 404);
      }
      std::string location = target + '/';
      if (!req.query_string().empty()) location += '?' + req.query_string();
      (void)res.redirect(location, 301);
      return;
    }
    bool found = false;
    for (const auto& index : s.options.index_files) {
      std::string candidate = path.empty() ? index : path + '/' + index;
      opened f;
      const int err = open_under(s, candidate, f);
      if (err != 0) {
        if (is_absent(err)) continue;
        return page(res, 500);
      }
      if (!S_ISREG(f.st.st_mode)) continue;
      file = std::move(f);
      path = std::move(candidate);
      found = true;
      break;
    }
    if (!found) return page(res, 404);
  } else if (!S_ISREG(file.st.st_mode) || safe->trailing_slash) {
    return page(res, 404);  // "file.txt/" names no directory; FIFOs, sockets, devices
  }

  // Stored variants: any of them existing makes the answer vary with Accept-Encoding.
  std::string_view coding;
  bool has_variants = false;
  if (!s.options.precompressed.empty()) {
    std::vector<std::string_view> codings;
    std::vector<opened> variants;
    for (const auto& v : s.options.precompressed) {
      opened f;
      if (open_under(s, path + v.suffix, f) != 0 || !S_ISREG(f.st.st_mode)) continue;
      codings.push_back(v.coding);
      variants.push_back(std::move(f));
    }
    if (!variants.empty()) {
      has_variants = true;
      const auto accept = field_list(req, "Accept-Encoding");
      const auto choice = ph::negotiate_encoding(
          accept ? std::optional<std::string_view>(*accept) : std::nullopt, codings);
      for (std::size_t i = 0; choice && i < codings.size(); ++i) {
        if (codings[i] == *choice) {
          file = std::move(variants[i]);
          coding = codings[i];
          break;
        }
      }
    }
  }

  auto body = file_body::adopt(file.fd.release());
  if (body.is_err()) return page(res, 500);
  const file_info& info = body.value().info();
  const representation rep{
      .file = body.value(),
      .etag = make_etag(info),
      .last_modified = std::chrono::floor<std::chrono::seconds>(info.mtime()),
      .content_type = content_type_for(s, path),
      .coding = coding,
      .has_variants = has_variants};

  if (const int status = evaluate_preconditions(req, rep)) {
    if (status == 304) {
      res.set_status(304);
      res.body().clear();
      res.clear_file();
      add_validators(s, rep, res);
    } else {
      page(res, status);
    }
    return;
  }

  // Range is defined for GET only (§14.2); HEAD gets the 200 fields.
  const auto range = method == "GET" ? field_list(req, "Range") : std::nullopt;
  if (range && if_range_holds(req, rep)) {
    const auto sel = ph::resolve_range(*range, info.size, s.options.range_limits);
    if (sel.is_err()) {
      page(res, 416);
      res.set_header("Content-Range", ph::format_unsatisfied_range(info.size));
      res.set_header("Accept-Ranges", "bytes");
      return;
    }
    if (sel.value().outcome == ph::range_outcome::partial) {
      return serve_ranges(s, rep, sel.value().ranges, res);
    }
  }
  res.set_status(200);
  add_entity_fields(s, rep, res);
  res.set_file(rep.file, rep.content_type);
}

VoidResult check_options(const static_options& o) {
  const auto bad = [](std::string what) {
    return error_void(error_codes::invalid_configuration, "static files: " + std::move(what),
                      "http::static_files");
  };
  for (const auto& index : o.index_files) {
    if (index.empty() || index == "." || index == ".." ||
        index.find_first_of(std::string_view("/\0", 2)) != std::string::npos) {
      return bad("index file name \"" + index + "\" is not a plain file name");
    }
  }
  for (const auto& v : o.precompressed) {
    if (v.coding.empty()) return bad("a precompressed variant has no coding");
    if (v.suffix.empty() || v.suffix.find_first_of(std::string_view("/\0", 2)) != std::string::npos) {
      return bad("precompressed suffix \"" + v.suffix + "\" for " + v.coding +
                 " is empty or holds '/' or NUL");
    }
  }
  return ok();
}

}  // namespace

Result<handler> make_static_files(const std::string& root, static_options options) {
  if (auto r = check_options(options); r.is_err()) return Result<handler>(r.error());
  auto dir = detail::root_dir::open(root, options.mode);
  if (dir.is_err()) return Result<handler>(dir.error());
  auto st = std::make_shared<const state>(
      state{.root = std::move(dir).value(), .options = std::move(options)});
  return handler([st](request& req, response& res) { serve(*st, req, res); });
}

handler static_files(const std::string& root, static_options options) {
  auto h = make_static_files(root, std::move(options));
  if (h.is_err()) throw std::invalid_argument(h.error().message);
  return std::move(h).value();
}

}  // namespace network_system::http
