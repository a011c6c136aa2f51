#pragma once
// progress_line: the live one-line status of a running command, redrawn in place about four
// times a second. Only on a terminal: when stdout is a file or a pipe nothing is printed, so
// scripts and --json output stay clean.

#include <cstddef>
#include <cstdint>
#include <string>

#include "histogram.h"

namespace nsys {

class progress_line {
 public:
  /// Active only when `wanted` and stdout is a terminal.
  explicit progress_line(bool wanted);
  ~progress_line() { clear(); }

  /// True when the line should be redrawn at `now_ns` (and then schedules the next redraw).
  bool due(std::int64_t now_ns) noexcept {
    if (!active_ || now_ns < next_ns_) return false;
    next_ns_ = now_ns + interval_ns;
    return true;
  }
  void show(const std::string& text);
  /// Erases the line (before the final report).
  void clear();
  [[nodiscard]] bool active() const noexcept { return active_; }

  static constexpr std::int64_t interval_ns = 250'000'000;

 private:
  bool active_;
  bool shown_ = false;
  std::int64_t next_ns_ = 0;
};

/// The live line of the echo workloads (TCP and UDP): echoes per second since the last redraw,
/// MB/s of payload, p99 latency, errors, and the datagrams lost when asked to show them.
class echo_progress {
 public:
  echo_progress(bool wanted, std::size_t payload_size, bool show_lost)
      : line_(wanted), size_(payload_size), show_lost_(show_lost) {}

  /// Redraws the line when it is due (cheap otherwise: the histogram is read only then).
  void tick(std::int64_t now_ns, std::int64_t start_ns, std::uint64_t echoes_total,
            const latency_histogram& latency, std::uint64_t errors, std::uint64_t lost,
            bool warming_up);
  void clear() { line_.clear(); }

 private:
  progress_line line_;
  std::size_t size_;
  bool show_lost_;
  std::int64_t last_ns_ = 0;
  std::uint64_t last_echoes_ = 0;
};

/// The live line of `nsys bench --proto http`: responses per second and MB/s of responses
/// since the last redraw, p99 latency, errors.
class http_progress {
 public:
  explicit http_progress(bool wanted) : line_(wanted) {}

  /// Redraws the line when it is due (cheap otherwise: the histogram is read only then).
  /// `latency` null: no p99 on the line (--threads: the loops' histograms are their own).
  void tick(std::int64_t now_ns, std::int64_t start_ns, std::uint64_t responses_total,
            std::uint64_t bytes_total, const latency_histogram* latency, std::uint64_t errors,
            bool warming_up);
  void clear() { line_.clear(); }

 private:
  progress_line line_;
  std::int64_t last_ns_ = 0;
  std::uint64_t last_responses_ = 0;
  std::uint64_t last_bytes_ = 0;
};

/// 1234567 → "1,234,567".
std::string with_commas(std::uint64_t v);
/// A duration for people: "850 ns", "21.3 us", "17.3 ms", "1.20 s".
std::string duration_text(std::uint64_t ns);
/// A rate with a unit prefix: 1234567 → "1.23 M".
std::string si(double v);

}  // namespace nsys
