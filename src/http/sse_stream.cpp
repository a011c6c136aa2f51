#include "network_system/http/sse_stream.h"

#include <string>

namespace network_system::http {

sse_stream sse_stream::start(response& res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  return sse_stream(res.stream("text/event-stream"));
}

Result<bool> sse_stream::send(const protocol::http::sse_event& ev) const {
  std::string text;
  if (auto r = protocol::http::append_sse_event(text, ev); r.is_err()) return Result<bool>(r.error());
  return stream_.write(text);
}

Result<bool> sse_stream::comment(std::string_view text) const {
  std::string line;
  if (auto r = protocol::http::append_sse_comment(line, text); r.is_err()) return Result<bool>(r.error());
  return stream_.write(line);
}

}  // namespace network_system::http
