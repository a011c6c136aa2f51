#include "report_model.h"

#include <algorithm>

namespace bench_report {

namespace {

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double number(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

// Reads the metric of one record into `s`.
void take(const std::string& metric, const json& rec, side& s) {
  const json& r = rec.value("result", json::object());
  s.errors += static_cast<std::uint64_t>(number(r, "errors"));
  if (metric == "latency_p50") {
    s.values.push_back(number(r.value("latency_us", json::object()), "p50"));
    s.secondary.push_back(number(r, "msg_per_s"));
  } else if (metric == "msg_per_s" || metric == "dgram_per_s") {
    // nsys bench reports datagrams echoed per second as msg_per_s too (one JSON shape).
    s.values.push_back(number(r, "msg_per_s"));
    s.secondary.push_back(number(r, "mb_per_s"));
    s.lost += static_cast<std::uint64_t>(number(r, "lost"));
  } else if (metric == "mb_per_s") {
    s.values.push_back(number(r, "mb_per_s"));
  } else if (metric == "handshake_per_s") {
    s.values.push_back(number(r, "conn_per_s"));
  } else if (metric == "conn_per_s") {
    s.values.push_back(number(r, "conn_per_s"));
    s.secondary.push_back(number(r.value("latency_us", json::object()), "p50"));
  } else if (metric == "rss_per_conn") {
    const double conns = std::max(1.0, number(rec, "conns"));
    const double before = number(rec, "rss_before_kb") * 1024;
    const double hold = number(rec, "rss_hold_kb") * 1024;
    s.values.push_back((hold - before) / conns);
    s.baseline.push_back(before);
    s.secondary.push_back(number(rec, "rss_after_kb") * 1024);
  }
}

std::optional<bool> check_target(const workload_summary& w) {
  const json t = w.def.value("target", json::object());
  const std::string kind = t.value("kind", "none");
  if (w.ours.values.empty() || w.reference.values.empty()) return std::nullopt;
  if (kind == "min_ratio") return w.ratio >= t.value("value", 0.0);
  if (kind == "max_ratio") return w.ratio <= t.value("value", 0.0);
  if (kind == "rss") {
    return w.ours.median() <= t.value("max_per_conn_bytes", 2048.0) &&
           w.ours.median_baseline() < t.value("max_idle_bytes", 10e6);
  }
  return std::nullopt;
}

json side_json(const side& s) {
  json j = {{"median", s.median()},
            {"rounds", s.values},
            {"secondary_median", s.median_secondary()},
            {"errors", s.errors}};
  if (!s.baseline.empty()) j["idle_rss_bytes_median"] = s.median_baseline();
  if (s.lost > 0) j["lost"] = s.lost;
  return j;
}

}  // namespace

double side::median() const { return median_of(values); }
double side::median_secondary() const { return median_of(secondary); }
double side::median_baseline() const { return median_of(baseline); }

std::vector<workload_summary> summarize(const json& definitions, const std::vector<json>& records) {
  std::vector<workload_summary> out;
  for (const auto& def : definitions) {
    workload_summary w;
    w.def = def;
    const std::string id = def.value("id", "");
    const std::string metric = def.value("metric", "");
    const json sides = def.value("sides", json::array({"ours", "reference"}));
    for (const auto& rec : records) {
      if (rec.value("workload", "") != id) continue;
      const std::string server = rec.value("server", "");
      if (server == sides.at(0).get<std::string>()) {
        take(metric, rec, w.ours);
      } else if (server == sides.at(1).get<std::string>()) {
        take(metric, rec, w.reference);
      }
    }
    const std::size_t n = std::min(w.ours.values.size(), w.reference.values.size());
    for (std::size_t i = 0; i < n; ++i) {
      w.round_ratios.push_back(w.reference.values[i] > 0 ? w.ours.values[i] / w.reference.values[i]
                                                         : 0);
    }
    // Each round runs both servers back to back, so a round's ratio cancels the drift of a
    // shared machine between rounds; the median of those is the figure. Without pairs (a side
    // missing), the ratio of the medians.
    const double ref = w.reference.median();
    if (!w.round_ratios.empty() && n == w.ours.values.size() && n == w.reference.values.size()) {
      w.ratio = median_of(w.round_ratios);
    } else {
      w.ratio = ref > 0 ? w.ours.median() / ref : 0;
    }
    w.met = check_target(w);
    out.push_back(std::move(w));
  }
  return out;
}

std::string group_of(const workload_summary& w) { return w.def.value("group", ""); }

json to_json(const std::vector<workload_summary>& s) {
  json arr = json::array();
  for (const auto& w : s) {
    json j = w.def;
    j["ours"] = side_json(w.ours);
    j["reference"] = side_json(w.reference);
    j["ratio"] = w.ratio;
    j["round_ratios"] = w.round_ratios;
    j["target_met"] = w.met ? json(*w.met) : json(nullptr);
    arr.push_back(std::move(j));
  }
  return arr;
}

}  // namespace bench_report
