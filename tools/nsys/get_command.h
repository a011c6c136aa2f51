#pragma once
// `nsys get URL`: a small curl on http_client. Status line and headers go to stderr, the body
// to stdout (or -o FILE); exit 0 on a 2xx final status, 1 on any other status or a failed
// exchange (the error names what failed), 2 on bad arguments.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace nsys {

struct get_options {
  std::string url;
  std::string output;                ///< -o: the body into this file instead of stdout
  std::vector<std::string> headers;  ///< -H 'Name: value'
  std::string data;                  ///< --data BODY, or @FILE for a file's content
  std::string method;                ///< -X; default GET, or POST with --data
  std::string cacert;                ///< --cacert: trust these CAs instead of the system's
  bool insecure = false;             ///< --insecure: no certificate verification
  bool include = false;              ///< -i: the status line and headers on stdout too
  bool compressed = true;            ///< --compressed / --no-compressed
  bool chunked = false;              ///< --chunked: send the body chunked
  int max_redirs = 10;               ///< --max-redirs; 0: do not follow
  double max_time = 30;              ///< --max-time: seconds for the whole exchange
  double connect_timeout = 10;       ///< --connect-timeout: seconds
};

/// Registers the `get` subcommand on `app`, filling `opt`.
CLI::App* add_get_command(CLI::App& app, get_options& opt);

/// Runs the request. Returns the exit code.
int run_get(const get_options& opt);

}  // namespace nsys
