#pragma once
// Workload 7 of the benchmarks: many idle connections. Opens N connections in batches, holds
// them open without sending anything for `hold` seconds, then closes them. Meanwhile the
// benchmark script reads the server's resident memory; here we check that the server kept
// every connection open (one it closes during the hold is an error).

#include "bench_options.h"
#include "net_util.h"

namespace nsys {

/// Throws fatal_error when a connection cannot be opened.
bench_result run_idle_hold(const bench_options& opt, const endpoint& to);

}  // namespace nsys
