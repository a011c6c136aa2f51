#pragma once
// The output of `nsys bench`: a human-readable table, or one JSON object for scripts.

#include <nlohmann/json.hpp>

#include "bench_options.h"

namespace nsys {

/// The result as one JSON object (rates per second; latencies in microseconds; throughput in
/// MB/s = 10^6 bytes of echoed payload per second, each payload byte counted once).
nlohmann::json to_json(const bench_options& opt, const bench_result& r);

/// Prints the final table to stdout.
void print_table(const bench_options& opt, const bench_result& r);

}  // namespace nsys
