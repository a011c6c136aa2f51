// bench_report: turns the raw records of a benchmark run into the summary JSON and Markdown.
//
//   bench_report --workloads defs.json --records raw.jsonl [--micro micro.json] [--meta meta.json]
//                --out-json run.json --out-md run.md
//
// defs.json: an array of {"id","title","metric","target":{...}} (see scripts/bench.sh);
// raw.jsonl: one record per line, {"workload","server":"ours"|"reference","round","result":{}}.
// The Markdown is also printed on stdout.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "markdown.h"
#include "report_model.h"

namespace {

using nlohmann::json;

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return json::parse(in);
}

std::vector<json> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out.push_back(json::parse(line));
  }
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (argc % 2 == 0 || !args.count("--workloads") || !args.count("--records")) {
    std::fprintf(
        stderr,
        "usage: bench_report --workloads FILE --records FILE [--micro FILE] [--meta FILE]\n"
        "                    [--out-json FILE] [--out-md FILE]\n");
    return 2;
  }
  try {
    const json defs = read_json(args["--workloads"]);
    const auto records = read_lines(args["--records"]);
    const json micro = args.count("--micro") ? read_json(args["--micro"]) : json();
    const json meta = args.count("--meta") ? read_json(args["--meta"]) : json::object();
    const auto summary = bench_report::summarize(defs, records);
    const std::string md = bench_report::render_markdown(summary, meta, micro);
    std::cout << md << std::flush;
    if (args.count("--out-md")) write_file(args["--out-md"], md);
    if (args.count("--out-json")) {
      json generator = json::array();
      for (const auto& w : bench_report::to_json(summary)) {
        if (w.value("group", "") == "generator") generator.push_back(w);
      }
      json all = {{"meta", meta},
                  {"workloads", bench_report::to_json(summary)},
                  {"generator_check", generator},
                  {"records", records},
                  {"micro", micro}};
      write_file(args["--out-json"], all.dump(2) + "\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_report: %s\n", e.what());
    return 1;
  }
  return 0;
}
