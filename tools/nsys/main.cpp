// nsys: the network_system command-line tool.
//
//   nsys serve --proto tcp --port 5555 --threads 1
//   nsys bench --proto tcp --host 127.0.0.1 --port 5555 --conns 64 --window 256 --size 64
//   --duration 5
//   nsys serve --proto udp --port 5556
//   nsys bench --proto udp --port 5556 --conns 1 --window 64 --size 64 --duration 5
//   nsys get http://127.0.0.1:8080/hello
//
// Exit codes: 0 success (also --help), 1 the command failed (cannot bind or connect, echo
// errors), 2 bad arguments.

#include <CLI/CLI.hpp>
#include <cstdio>

#include "bench_command.h"
#include "get_command.h"
#include "serve_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "nsys: servers, a load generator and an HTTP client for the network_system library"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "nsys 0.1.0 (network_system)");
  app.footer("Run 'nsys <command> --help' for the options of a command.");

  nsys::serve_options serve;
  auto* serve_cmd = nsys::add_serve_command(app, serve);
  nsys::bench_options bench;
  int bench_port = 0;
  auto* bench_cmd = nsys::add_bench_command(app, bench, bench_port);
  nsys::get_options get;
  auto* get_cmd = nsys::add_get_command(app, get);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // app.exit() prints help or the error; help and --version exit 0, every mistake 2.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (serve_cmd->parsed()) return nsys::run_serve(serve);
  if (bench_cmd->parsed()) return nsys::run_bench(bench, bench_port);
  if (get_cmd->parsed()) return nsys::run_get(get);
  return 2;
}
