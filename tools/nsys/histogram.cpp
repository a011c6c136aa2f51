#include "histogram.h"

#include <algorithm>
#include <cmath>

namespace nsys {

std::uint64_t latency_histogram::upper_edge(std::size_t index) noexcept {
  constexpr std::size_t linear_limit = std::size_t{2} << sub_bucket_bits;
  if (index < linear_limit) return index;
  const std::size_t shift = (index >> sub_bucket_bits) - 1;
  const std::uint64_t sub = index - (shift << sub_bucket_bits);  // 32..63
  return ((sub + 1) << shift) - 1;
}

std::uint64_t latency_histogram::percentile(double fraction) const noexcept {
  if (count_ == 0) return 0;
  fraction = std::clamp(fraction, 0.0, 1.0);
  // The rank of the sample asked for, 1-based: p50 of 10 samples is the 5th.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper_edge(i), max_);
  }
  return max_;
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

void latency_histogram::reset() noexcept { *this = latency_histogram{}; }

}  // namespace nsys
