#include "network_system/protocol/http/sse_event.h"

#include "network_system/core/error_codes.h"

namespace network_system::protocol::http {

namespace {
constexpr const char* source = "sse_event";

bool has_line_break(std::string_view s) noexcept {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

VoidResult refuse(std::string_view what) {
  return error_void(error_codes::invalid_argument, std::string("server-sent event: ") + std::string(what),
                    source);
}
}  // namespace

VoidResult append_sse_event(std::string& out, const sse_event& ev) {
  if (has_line_break(ev.event)) return refuse("a line break in the event type");
  if (has_line_break(ev.id)) return refuse("a line break in the id");
  if (ev.id.find('\0') != std::string_view::npos) return refuse("a NUL in the id");
  if (ev.retry && ev.retry->count() < 0) return refuse("a negative retry time");

  out.reserve(out.size() + ev.data.size() + ev.event.size() + ev.id.size() + 32);
  if (!ev.event.empty()) {
    out += "event: ";
    out += ev.event;
    out += '\n';
  }
  if (!ev.id.empty()) {
    out += "id: ";
    out += ev.id;
    out += '\n';
  }
  if (ev.retry) {
    out += "retry: ";
    out += std::to_string(ev.retry->count());
    out += '\n';
  }
  // One "data:" line per line of the payload; CRLF counts as one break, as the client's line
  // splitting does.
  std::string_view rest = ev.data;
  for (;;) {
    const auto cut = rest.find_first_of("\r\n");
    out += "data: ";
    out += rest.substr(0, cut);
    out += '\n';
    if (cut == std::string_view::npos) break;
    const std::size_t skip = rest[cut] == '\r' && cut + 1 < rest.size() && rest[cut + 1] == '\n' ? 2 : 1;
    rest.remove_prefix(cut + skip);
  }
  out += '\n';
  return ok();
}

VoidResult append_sse_comment(std::string& out, std::string_view text) {
  if (has_line_break(text)) return refuse("a line break in a comment");
  out += ": ";
  out += text;
  out += '\n';
  return ok();
}

}  // namespace network_system::protocol::http
