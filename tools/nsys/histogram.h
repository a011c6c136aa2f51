#pragma once
// latency_histogram: a log-linear histogram of durations in nanoseconds, in the spirit of
// HdrHistogram. Values below 64 ns have a bucket each; above, every power of two is split into
// 32 linear sub-buckets, so any recorded value is known to within 1/32 (about 3 %) while the
// whole range up to 2^63 ns fits in under 2,000 counters (16 KiB). Recording is a few
// instructions and never allocates, so the load generator can record every message.

#include <array>
#include <cstdint>

namespace nsys {

class latency_histogram {
 public:
  void record(std::uint64_t ns) noexcept {
    ++counts_[index_of(ns)];
    ++count_;
    sum_ += ns;
    if (ns > max_) max_ = ns;
    if (ns < min_) min_ = ns;
  }

  /// The value at or below which `fraction` (0..1) of the samples lie, as the upper edge of
  /// its bucket (never above max()). 0 when empty.
  [[nodiscard]] std::uint64_t percentile(double fraction) const noexcept;
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  [[nodiscard]] double mean() const noexcept {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0;
  }

  void merge(const latency_histogram& other) noexcept;
  void reset() noexcept;

  // Exposed for the unit test of the bucket layout.
  static constexpr int sub_bucket_bits = 5;
  static constexpr std::size_t bucket_count = (65 - sub_bucket_bits) << sub_bucket_bits;
  [[nodiscard]] static std::size_t index_of(std::uint64_t ns) noexcept {
    constexpr std::uint64_t linear_limit = std::uint64_t{2} << sub_bucket_bits;  // 64
    if (ns < linear_limit) return static_cast<std::size_t>(ns);
    const int msb = 63 - __builtin_clzll(ns);
    const int shift = msb - sub_bucket_bits;  // >= 1
    return (static_cast<std::size_t>(shift) << sub_bucket_bits) +
           static_cast<std::size_t>(ns >> shift);
  }
  /// The largest value that lands in bucket `index`.
  [[nodiscard]] static std::uint64_t upper_edge(std::size_t index) noexcept;

 private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
};

}  // namespace nsys
