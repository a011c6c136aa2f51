#include "markdown.h"

#include <cstdio>
#include <sstream>

namespace bench_report {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

std::string si(double v) {
  if (v >= 1e6) return fmt("%.2f M", v / 1e6);
  if (v >= 1e3) return fmt("%.1f k", v / 1e3);
  return fmt("%.0f ", v);
}

std::string bytes(double v) {
  if (v >= 1e6) return fmt("%.1f MB", v / 1e6);
  if (v >= 1024) return fmt("%.2f KiB", v / 1024);
  return fmt("%.0f B", v);
}

// One server's cell: the metric and its context figure.
std::string cell(const std::string& metric, const side& s) {
  if (s.values.empty()) return "—";
  if (metric == "latency_p50") {
    return "p50 " + fmt("%.1f", s.median()) + " µs (" + si(s.median_secondary()) + "rt/s)";
  }
  if (metric == "msg_per_s") {
    return si(s.median()) + "msg/s (" + fmt("%.1f", s.median_secondary()) + " MB/s)";
  }
  if (metric == "dgram_per_s") {
    return si(s.median()) + "dgram/s (" + fmt("%.1f", s.median_secondary()) + " MB/s, " +
           std::to_string(s.lost) + " lost)";
  }
  if (metric == "mb_per_s") return fmt("%.1f", s.median()) + " MB/s";
  if (metric == "handshake_per_s") return si(s.median()) + "handshakes/s";
  if (metric == "conn_per_s") {
    return si(s.median()) + "conn/s (p50 " + fmt("%.0f", s.median_secondary()) + " µs)";
  }
  if (metric == "rss_per_conn") {
    return bytes(s.median()) + "/conn; " + bytes(s.median_baseline()) + " idle";
  }
  return fmt("%.3g", s.median());
}

std::string ratios(const std::vector<double>& r) {
  std::string out;
  for (double v : r) {
    if (!out.empty()) out += ' ';
    out += fmt("%.2f", v);
  }
  return out.empty() ? "—" : out;
}

}  // namespace

std::string render_markdown(const std::vector<workload_summary>& s, const json& meta,
                            const json& micro) {
  std::ostringstream md;
  md << "## " << meta.value("title", std::string("Loopback benchmarks")) << "\n\n";
  for (const char* key : {"date", "setup", "machine", "load_before", "load_after", "command"}) {
    if (meta.contains(key)) md << "- **" << key << "**: " << meta[key].get<std::string>() << "\n";
  }
  md << "\n| # | workload | ours | reference | ratio | per-round ratios | target | met |\n"
     << "|---|---|---|---|---|---|---|---|\n";
  std::uint64_t errors = 0;
  for (const auto& w : s) {
    if (!group_of(w).empty()) continue;
    const std::string metric = w.def.value("metric", "");
    const json target = w.def.value("target", json::object());
    std::string met = "—";
    if (w.met) met = *w.met ? "yes" : "**no**";
    std::string ratio = w.ratio > 0 ? fmt("%.2f×", w.ratio) : "—";
    if (metric == "latency_p50" && w.ratio > 0) ratio += " (p50)";
    md << "| " << w.def.value("id", "") << " | " << w.def.value("title", "") << " | "
       << cell(metric, w.ours) << " | " << cell(metric, w.reference) << " | " << ratio << " | "
       << ratios(w.round_ratios) << " | " << target.value("text", "—") << " | " << met << " |\n";
    errors += w.ours.errors + w.reference.errors;
  }
  bool generator_rows = false;
  for (const auto& w : s) generator_rows = generator_rows || group_of(w) == "generator";
  if (generator_rows) {
    md << "\n**Generator check**: is nsys bench the limit? Both clients load the reference "
       << "server, in the same round.\n\n"
       << "| # | workload | nsys bench | frame_count_client | ratio | per-round ratios | target "
       << "| pass |\n|---|---|---|---|---|---|---|---|\n";
    for (const auto& w : s) {
      if (group_of(w) != "generator") continue;
      const std::string metric = w.def.value("metric", "");
      std::string pass = "—";
      if (w.met) pass = *w.met ? "yes" : "**no**";
      md << "| " << w.def.value("id", "") << " | " << w.def.value("title", "") << " | "
         << cell(metric, w.ours) << " | " << cell(metric, w.reference) << " | "
         << (w.ratio > 0 ? fmt("%.2f×", w.ratio) : "—") << " | " << ratios(w.round_ratios)
         << " | " << w.def.value("target", json::object()).value("text", "—") << " | " << pass
         << " |\n";
      // nsys bench's runs are those of the main table's reference column: counted there.
      errors += w.reference.errors;
    }
  }
  md << "\n";
  if (errors == 0) {
    md << "Every echo was checked (see the notes for how): no errors.\n";
  } else {
    md << "**" << errors
       << " errors** (lost, corrupted or reordered echoes, or failed connections): see "
       << "the JSON file for the samples.\n";
  }
  for (const auto& n : meta.value("notes", json::array()))
    md << "\n" << n.get<std::string>() << "\n";

  if (micro.is_object() && micro.contains("benchmarks")) {
    md << "\n### Micro-benchmarks (CPU cost on one core; not network throughput)\n\n"
       << "| benchmark | ns per item | items/s | what it measures |\n|---|---|---|---|\n";
    for (const auto& b : micro["benchmarks"]) {
      if (b.value("run_type", "iteration") != "iteration") continue;
      // Per item (message): what a reader can compare with a network round trip.
      const double items = b.value("items_per_second", 0.0);
      md << "| " << b.value("name", "") << " | " << (items > 0 ? fmt("%.1f", 1e9 / items) : "—")
         << " | " << (items > 0 ? si(items) : "—") << " | " << b.value("label", "") << " |\n";
    }
  }
  return md.str();
}

}  // namespace bench_report
