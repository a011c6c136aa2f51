#pragma once
// `nsys bench`: the load generator (echo, connection rate, idle connections).

#include "bench_options.h"

namespace CLI {
class App;
}

namespace nsys {

/// Registers the `bench` subcommand on `app`, filling `opt` (port kept in `port`).
CLI::App* add_bench_command(CLI::App& app, bench_options& opt, int& port);

/// Runs the workload `opt` asks for and prints the table or the JSON. Returns the exit code:
/// 0 when every echo checked out, 1 on errors (connect failures, mismatches, lost echoes).
int run_bench(bench_options opt, int port);

}  // namespace nsys
