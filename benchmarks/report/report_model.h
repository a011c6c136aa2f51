#pragma once
// The numbers of one benchmark run, reduced to what the tables show: per workload, the median
// of each server's rounds, the ratio ours / reference, and whether the target is met.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bench_report {

using nlohmann::json;

/// One server's rounds of one workload.
struct side {
  std::vector<double> values;     ///< the workload's metric, one per round
  std::vector<double> secondary;  ///< a second figure for context (MB/s, round trips/s ...)
  std::vector<double> baseline;   ///< rss_per_conn only: RSS (bytes) with no connection
  std::uint64_t errors = 0;
  std::uint64_t lost = 0;  ///< dgram_per_s only: datagrams lost, all rounds together
  [[nodiscard]] double median() const;
  [[nodiscard]] double median_secondary() const;
  [[nodiscard]] double median_baseline() const;
};

struct workload_summary {
  /// {"id","title","metric","target":{"kind","value","text"}}, and optionally "group"
  /// ("generator": the generator check, shown in a table of its own) and "sides" (the two
  /// "server" names of its records, ["ours", "reference"] when absent).
  json def;
  side ours;       ///< the first of "sides": what is measured
  side reference;  ///< the second: what it is measured against
  double ratio = 0;                  ///< median(ours) / median(reference)
  std::vector<double> round_ratios;  ///< ours[i] / reference[i], round by round
  std::optional<bool> met;           ///< empty when the workload has no target
};

/// The workload's "group" ("" for the comparisons of our servers with the references).
std::string group_of(const workload_summary& w);

/// Groups records ({"workload","server","round","result",...}) under the definitions, in the
/// definitions' order, and computes medians, ratios and target checks.
std::vector<workload_summary> summarize(const json& definitions, const std::vector<json>& records);

/// The whole summary as JSON (what bench-results/<stamp>.json holds besides the raw records).
json to_json(const std::vector<workload_summary>& s);

}  // namespace bench_report
