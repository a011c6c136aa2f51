#pragma once
// The Markdown rendering of a benchmark run: the workload table with ratios and targets, and
// the micro-benchmark summary.

#include <string>
#include <vector>

#include "report_model.h"

namespace bench_report {

/// `meta`: {"title","date","setup","machine","load_before","load_after","command","notes":[...]}
/// `micro`: Google Benchmark's JSON output, or null.
std::string render_markdown(const std::vector<workload_summary>& s, const json& meta,
                            const json& micro);

}  // namespace bench_report
