#pragma once
// The upload workload of `nsys bench --upload`: N connections stream --size byte chunks one
// way for --duration seconds and expect nothing back. It measures a transport's bulk
// throughput against any sink: `nsys serve --sink` (the library) or `openssl s_server`
// (the TLS reference, with --framing raw), which is why it needs no echo.

#include "bench_options.h"
#include "net_util.h"

namespace nsys {

/// Runs the upload against `to` (plain TCP, or TLS with --proto tls). Throws fatal_error when
/// the connections cannot be opened; a connection lost later is counted in errors.
bench_result run_upload_load(const bench_options& opt, const endpoint& to);

}  // namespace nsys
