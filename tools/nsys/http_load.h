#pragma once
// The HTTP/1.1 workload of `nsys bench --proto http`: a lean single-threaded raw-epoll client
// in the style of the echo generator. It opens N keep-alive connections and sends D requests
// at a time on each (D = 1: request, response, request; D > 1: pipelined, the next D in one
// write once all D are answered, like wrk's pipelining; --sliding: a new request for each
// response, D always in flight), parses every response (http_response_parser) and times each
// request from the send that hands it to the kernel to the read that completes its response.
//
// Errors are counted by kind, not fatal: "malformed" (a response the parser rejects, or bytes
// with no request in flight), "status" (a complete response that is not 2xx; the connection
// goes on), "closed" (the server closed the connection or said Connection: close), "io" (a
// send or receive failed: a reset), "connect" (a reconnection failed; that connection then
// stays down), "timeout" (responses still missing 2 s after the end). After malformed,
// closed and io, the connection is replaced by a new one, so that the load goes on; the
// requests it had in flight are abandoned (said in the error's text).
//
// Like the echo generator, it does not use the library: it must cost the server nothing any
// other client would not, and it must not be the limit of the measurement.

#include "bench_options.h"
#include "net_util.h"

namespace nsys {

/// Runs the HTTP workload against `to`. Throws fatal_error when the first connections cannot
/// be opened; failures after that are counted in bench_result::errors (and error_kinds).
bench_result run_http_load(const bench_options& opt, const endpoint& to);

}  // namespace nsys
