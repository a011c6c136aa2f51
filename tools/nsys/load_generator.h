#pragma once
// The echo workload of `nsys bench`: a lean single-threaded raw-epoll client. It opens N
// connections, keeps W messages in flight on each, checks the echoes (--verify full: every
// byte of every echo; fast: every header and sequence number, and every byte of a sample) and
// times the messages it checks in full from the moment they are handed to the kernel to the
// moment their echo is read.
//
// It does not use the library on purpose: the generator must cost the server nothing it would
// not cost any other client, and it must not be the bottleneck of the measurement.

#include "bench_options.h"
#include "net_util.h"

namespace nsys {

/// Runs the echo workload against `to`. Throws fatal_error when the connections cannot be
/// opened; failures after that are counted in bench_result::errors.
bench_result run_echo_load(const bench_options& opt, const endpoint& to);

}  // namespace nsys
