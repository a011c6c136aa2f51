#pragma once
// The UDP echo workload of `nsys bench --proto udp`: a lean single-threaded raw-epoll client,
// like the TCP one (load_generator.h) and for the same reasons: it must cost the server nothing
// any other client would not, and must not be the bottleneck. It opens N connected UDP sockets,
// keeps W datagrams in flight on each, sends and receives them in batches (sendmmsg/recvmmsg),
// checks every echoed datagram (size, sequence number, per-socket pattern), and times each one
// from the moment it is handed to the kernel to the moment its echo is read.
//
// UDP may lose datagrams: one not echoed within --lost-after seconds is counted as lost and its
// window slot reused; an echo that turns up later is counted as late. Neither is an error
// (the protocol allows both); corrupted, duplicated, truncated or unknown datagrams are.

#include "bench_options.h"
#include "net_util.h"

namespace nsys {

/// Runs the UDP echo workload against `to`. Throws fatal_error when the sockets cannot be
/// opened; failures after that (a refused port, mismatches) are counted in bench_result::errors.
bench_result run_udp_echo_load(const bench_options& opt, const endpoint& to);

}  // namespace nsys
