#pragma once
// Workload 6 of the benchmarks: the connection rate. N loops run side by side on one thread;
// each connects, sends one message, waits for its echo, checks it and closes, then starts
// again. The result counts completed cycles per second.

#include "bench_options.h"
#include "net_util.h"

namespace nsys {

/// Throws fatal_error when the first connection fails (refused, unreachable, timed out).
bench_result run_connect_rate(const bench_options& opt, const endpoint& to);

}  // namespace nsys
