#pragma once
// static_files: a handler that serves a directory's files, to mount on a wildcard route.
//
//   http::router routes;
//   routes.get("/static/*", http::static_files("/srv/www/static"));   // /static/app.css
//   routes.get("/*", http::static_files("/srv/www", {.cache_control = "max-age=60"}));
//   routes.get("/favicon.ico", http::static_files("/srv/www"));    // no wildcard: the path
//
// The handler maps the route's wildcard rest, as sent (request::params().get_raw("*"), still
// percent-encoded), onto the root; on a route without a wildcard it maps the whole request
// path. It answers GET and HEAD (the router gives a GET route HEAD too; HEAD gets the fields
// of the GET answer, Content-Length included, and serialize(out, true) leaves the body out).
// Any other method gets 405 with "Allow: GET, HEAD": mounted with router::get, the router
// answers those itself (405 with the route's Allow), so this only matters on routes added
// with other methods.
//
// What it answers (RFC 9110):
//   200  a regular file: a file_body (response::set_file), Content-Type by extension
//        (mime_types.h, then options.mime_types, else options.default_mime_type), ETag,
//        Last-Modified, Accept-Ranges: bytes, Cache-Control when options.cache_control is set;
//        a directory whose request path ends in '/': its first index file that exists
//        (options.index_files); no directory is ever listed
//   206  a satisfiable Range on GET (§14): one range as a slice of the file with
//        Content-Range; several (after merging overlapping and adjacent ones) as
//        multipart/byteranges built in memory when the parts total at most
//        options.max_multirange_bytes, else the whole file with 200 (§14.2 lets a server
//        ignore Range). Range is ignored on HEAD, when it does not parse, for a unit other
//        than bytes, and when If-Range does not match (then 200)
//   301  a directory requested without the trailing '/': Location is the request path
//        with '/' appended (and the query kept), so relative links in its index resolve
//   304  If-None-Match matches (weak comparison, lists, "*"), or, without If-None-Match,
//        the file was not modified after If-Modified-Since; with ETag, Last-Modified,
//        Cache-Control and Vary, no body
//   404  nothing servable at the path, and everything refused below
//   405  a method other than GET and HEAD (see above)
//   412  If-Match does not match (strong comparison), or, without If-Match, the file was
//        modified after If-Unmodified-Since (§13.1.1, §13.1.4)
//   416  a Range none of whose ranges is satisfiable, or with more than
//        options.range_limits.max_ranges ranges; Content-Range: bytes */size
//   500  the file system failed otherwise (EMFILE, EIO, ...); the body says nothing more
// Preconditions are evaluated in the order of RFC 9110 §13.2.2: If-Match, If-Unmodified-Since
// (only without If-Match), If-None-Match, If-Modified-Since (only without If-None-Match), then
// If-Range for Range. An If-Modified-Since or If-Unmodified-Since that is not an HTTP-date
// (http_date.h) is ignored, as §13.1.3 requires. Dates compare at one-second resolution.
//
// Validators: the ETag is strong, "<inode>-<size>-<mtime in ns>" in hex, from fstat of the
// descriptor that is sent, so it changes whenever the file is replaced or rewritten (an
// in-place rewrite within the same nanosecond and size is the one change it can miss).
// Last-Modified is the mtime as an IMF-fixdate.
//
// Precompressed siblings (nginx's gzip_static): for each options.precompressed entry
// ({"gzip", ".gz"} by default), a regular file at the path plus the suffix is a stored
// variant. When one exists the response has "Vary: Accept-Encoding", and when the client
// accepts its coding (protocol::http::negotiate_encoding, the first entry winning ties) that
// file is sent with Content-Encoding, its own ETag, Last-Modified and length, and the
// original's Content-Type. Without an acceptable variant the original is sent, even when the
// client refuses identity. Variants are not checked for being newer than the original.
//
// Path safety. Path traversal is refused before the file system is asked, segment by
// segment of the raw path, each answered with 404 (the same answer a missing file gets, so
// a probe learns nothing):
//   - a ".." or "." segment, however it is written (%2e%2e, .%2E, %2E);
//   - an encoded '/' (%2f), an encoded backslash (%5c), a raw backslash, a NUL (%00);
//   - a bad '%' escape (the request parser refuses those earlier; 400 there);
//   - an empty segment ("a//b", or a rest starting with '/', which is how an absolute path
//     shows), except the last one (the trailing '/' of a directory);
//   - a name starting with '.' (".git", ".env", ".htpasswd") unless options.serve_hidden;
//   - a path longer than PATH_MAX.
// Then the file is opened without leaving the root:
//   - containment::beneath (Linux >= 5.6): openat2(2) relative to the root's descriptor,
//     opened once by make_static_files (so the directory served stays the one that was
//     there then, even if the root path is later renamed or re-pointed; re-create the
//     handler to follow a new one), with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS. The
//     kernel refuses, atomically with the open, any resolution
//     that would leave the root: a symlink to a file or directory outside it, an absolute
//     symlink (even one that points back inside; use relative links inside a served tree),
//     a ".." in a symlink's target that climbs above the root, /proc magic links. A symlink
//     that stays inside the root is followed.
//   - containment::realpath: realpath(3) of root + path (the root's real path as resolved
//     by make_static_files, so a directory later put at that path is what is served),
//     refused unless it is the root or under it, then opened with O_NOFOLLOW. Absolute symlinks that stay inside the root are
//     followed here. There is a window between the check and the open in which a directory
//     could be swapped for a symlink by someone who can write inside the root; beneath has
//     no such window.
//   - containment::automatic (the default): beneath when the kernel has openat2 (probed
//     once, when the handler is made; ENOSYS, or EPERM from a seccomp filter, mean it has
//     not), else realpath.
// Every open uses O_NONBLOCK (a FIFO in the tree cannot block the thread); only regular
// files are served (FIFOs, sockets and devices: 404).
//
// Threads: the handler runs on the connection's thread (as every handler). Its file system
// calls (openat2, fstat, and pread only for multi-range parts) are blocking, like nginx's
// without aio: they are fast on a local disk with a warm page cache, and slow on a network
// file system. The handler and its copies may run on any number of threads at once: they
// share the root descriptor and read-only options.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"
#include "network_system/http/router.h"
#include "network_system/protocol/http/range.h"

namespace network_system::http {

/// How a path is kept inside the root (see the file comment).
enum class containment : std::uint8_t {
  automatic,  ///< beneath if the kernel has openat2, else realpath
  beneath,    ///< openat2 RESOLVE_BENEATH; make_static_files fails without openat2
  realpath,   ///< realpath + prefix check + O_NOFOLLOW
};

/// A stored compressed variant: the file with `suffix` appended to its name, sent with
/// "Content-Encoding: <coding>".
struct precompressed_variant {
  std::string coding;  ///< a content-coding, lower case ("gzip", "br")
  std::string suffix;  ///< appended to the file name (".gz", ".br")
};

struct static_options {
  /// Tried in order for a directory requested with a trailing '/'; empty: directories 404.
  std::vector<std::string> index_files = {"index.html"};
  /// Extra and overriding types by extension (lower case, without the dot):
  /// {{"md", "text/markdown; charset=utf-8"}, {"glb", "model/gltf-binary"}}.
  std::map<std::string, std::string, std::less<>> mime_types;
  /// The type of a file whose extension no table knows.
  std::string default_mime_type = "application/octet-stream";
  /// The Cache-Control value of 200, 206 and 304 answers ("public, max-age=3600",
  /// "no-cache"); empty: no Cache-Control.
  std::string cache_control;
  /// Stored variants, in the server's order of preference; empty: none are looked for.
  std::vector<precompressed_variant> precompressed = {{"gzip", ".gz"}};
  /// Serve names starting with '.' (needed for /.well-known/); off by default.
  bool serve_hidden = false;
  /// 301 a directory requested without its trailing '/' (false: 404).
  bool redirect_directories = true;
  /// How many ranges a Range may hold, and merging of overlapping ones (range.h).
  protocol::http::range_limits range_limits = {};
  /// The largest multipart/byteranges body built in memory, part headers included; a
  /// multi-range request above it gets the whole file (200).
  std::uint64_t max_multirange_bytes = 1024 * 1024;
  containment mode = containment::automatic;
};

/// Makes the handler serving `root` (see the file comment).
/// Errors:
///   error_codes::invalid_argument       root cannot be opened (the message names it and
///                                       strerror) or is not a directory
///   error_codes::invalid_configuration  an index file name that is empty, ".", "..", or
///                                       holds '/' or NUL; a precompressed entry with an
///                                       empty coding or a suffix that is empty or holds '/';
///                                       containment::beneath without openat2 in the kernel
Result<handler> make_static_files(const std::string& root, static_options options = {});

/// make_static_files for setup code: throws std::invalid_argument with the error's message
/// when it fails.
handler static_files(const std::string& root, static_options options = {});

}  // namespace network_system::http
