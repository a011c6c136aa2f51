#pragma once
// mime_types: the media type (Content-Type value) for a file name, from its extension. The
// built-in table holds the types a web site serves (html, css, js, mjs, json, svg, png, jpg,
// gif, webp, avif, ico, txt, wasm, pdf, woff, woff2, xml, mp4, webm, ...); http::static_files
// uses it and lets options override or extend it.
//
//   http::builtin_mime_type("css");               // "text/css; charset=utf-8"
//   http::builtin_mime_type("PNG");               // "image/png" (any case)
//   http::builtin_mime_type("exe");               // nullopt: the caller picks a default
//   http::file_extension("/a/b.min.JS");          // "JS"
//
// Text types (text/*, and JavaScript as text/javascript per RFC 9239) carry
// "; charset=utf-8": a site's text is UTF-8, and a browser that guesses the charset of a
// text file without one may guess otherwise. JSON is application/json without a charset
// (RFC 8259 §11 defines none; JSON is UTF-8).
//
// Thread-safety: pure functions over a constant table; call them from any thread.

#include <optional>
#include <string_view>

namespace network_system::http {

/// The extension of the last segment of `path`, without the dot, as written: "css" for
/// "a/b.min.css", "" for "README", "Makefile.", ".bashrc" (a leading dot starts a name, not
/// an extension) and "dir.d/file".
[[nodiscard]] std::string_view file_extension(std::string_view path) noexcept;

/// The built-in media type for `extension` (without the dot, compared case-insensitively),
/// or nullopt when the table has none. The view points into a static table.
[[nodiscard]] std::optional<std::string_view> builtin_mime_type(std::string_view extension) noexcept;

}  // namespace network_system::http
