#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace nsys {

progress_line::progress_line(bool wanted) : active_(wanted && ::isatty(STDOUT_FILENO) == 1) {}

void progress_line::show(const std::string& text) {
  if (!active_) return;
  std::fprintf(stdout, "\r%s\x1b[K", text.c_str());
  std::fflush(stdout);
  shown_ = true;
}

void progress_line::clear() {
  if (!shown_) return;
  std::fputs("\r\x1b[K", stdout);
  std::fflush(stdout);
  shown_ = false;
}

void echo_progress::tick(std::int64_t now_ns, std::int64_t start_ns, std::uint64_t echoes_total,
                         const latency_histogram& latency, std::uint64_t errors,
                         std::uint64_t lost, bool warming_up) {
  if (!line_.due(now_ns)) return;
  const double dt = last_ns_ ? static_cast<double>(now_ns - last_ns_) / 1e9 : 0;
  const double rate = dt > 0 ? static_cast<double>(echoes_total - last_echoes_) / dt : 0;
  std::string lost_text;
  if (show_lost_) lost_text = "  lost " + with_commas(lost);
  char text[240];
  std::snprintf(text, sizeof(text), "  %5.1f s  %smsg/s  %.1f MB/s  p99 %s  errors %llu%s%s",
                static_cast<double>(now_ns - start_ns) / 1e9, si(rate).c_str(),
                rate * static_cast<double>(size_) / 1e6,
                duration_text(latency.percentile(0.99)).c_str(),
                static_cast<unsigned long long>(errors), lost_text.c_str(),
                warming_up ? "  (warm-up)" : "");
  line_.show(text);
  last_ns_ = now_ns;
  last_echoes_ = echoes_total;
}

void http_progress::tick(std::int64_t now_ns, std::int64_t start_ns,
                         std::uint64_t responses_total, std::uint64_t bytes_total,
                         const latency_histogram* latency, std::uint64_t errors,
                         bool warming_up) {
  if (!line_.due(now_ns)) return;
  const double dt = last_ns_ ? static_cast<double>(now_ns - last_ns_) / 1e9 : 0;
  const double rate = dt > 0 ? static_cast<double>(responses_total - last_responses_) / dt : 0;
  const double bytes = dt > 0 ? static_cast<double>(bytes_total - last_bytes_) / dt : 0;
  const std::string p99 =
      latency != nullptr ? "  p99 " + duration_text(latency->percentile(0.99)) : "";
  char text[240];
  std::snprintf(text, sizeof(text), "  %5.1f s  %sreq/s  %.1f MB/s%s  errors %llu%s",
                static_cast<double>(now_ns - start_ns) / 1e9, si(rate).c_str(), bytes / 1e6,
                p99.c_str(),
                static_cast<unsigned long long>(errors), warming_up ? "  (warm-up)" : "");
  line_.show(text);
  last_ns_ = now_ns;
  last_responses_ = responses_total;
  last_bytes_ = bytes_total;
}

std::string with_commas(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string duration_text(std::uint64_t ns) {
  char buf[32];
  const double v = static_cast<double>(ns);
  if (ns < 1000) {
    std::snprintf(buf, sizeof(buf), "%llu ns", static_cast<unsigned long long>(ns));
  } else if (ns < 10'000'000) {
    std::snprintf(buf, sizeof(buf), "%.1f us", v / 1e3);
  } else if (ns < 10'000'000'000) {
    std::snprintf(buf, sizeof(buf), "%.1f ms", v / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f s", v / 1e9);
  }
  return buf;
}

std::string si(double v) {
  char buf[32];
  if (v >= 1e9) {
    std::snprintf(buf, sizeof(buf), "%.2f G", v / 1e9);
  } else if (v >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2f M", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof(buf), "%.1f k", v / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f ", v);
  }
  return buf;
}

}  // namespace nsys
