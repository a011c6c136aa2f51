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
