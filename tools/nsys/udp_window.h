#pragma once
// udp_window: the datagrams one socket of the UDP load generator has in flight.
//
// A sliding window over sequence numbers, as in TCP: datagrams [oldest, next) may be in flight
// and next − oldest ≤ size, so sequence number s always lives in slot s % size. An echo frees
// its slot wherever it sits in the window; the window slides once the oldest datagram is echoed
// or given up on. A datagram not echoed within the loss timeout is counted as lost and its
// slot reused, so a lost datagram costs the window one timeout and never stalls the run.
//
// No I/O: the generator tells it what it sent, what came back and what time it is.

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

namespace nsys {

class udp_window {
 public:
  explicit udp_window(std::size_t size) : slots_(size) {}

  /// Datagrams that may be sent now.
  [[nodiscard]] std::size_t room() const noexcept { return slots_.size() - (next_ - oldest_); }
  /// The sequence number the next datagram sent must carry.
  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_; }
  /// True when nothing is in flight.
  [[nodiscard]] bool idle() const noexcept { return oldest_ == next_; }

  /// Datagram next_seq() was handed to the kernel at `at_ns` (room() must be > 0).
  void sent(std::int64_t at_ns) noexcept {
    slots_[next_ % slots_.size()] = slot{at_ns, true};
    ++next_;
  }
  /// The last `count` datagrams passed to sent() were not taken by the kernel after all.
  void unsend(std::size_t count) noexcept {
    for (; count > 0 && next_ > oldest_; --count) {
      --next_;
      slots_[next_ % slots_.size()].in_flight = false;
    }
  }

  enum class outcome {
    echoed,      ///< in flight until now; `sent_at_ns` tells when it left
    late,        ///< counted as lost before; came back after all
    duplicate,   ///< already echoed once
    never_sent,  ///< a sequence number this socket has not sent (yet)
  };
  /// An echo of datagram `seq` came back.
  outcome take(std::uint64_t seq, std::int64_t& sent_at_ns);

  /// Gives up on datagrams sent at or before `deadline_ns`; returns how many.
  std::size_t expire(std::int64_t deadline_ns);

 private:
  struct slot {
    std::int64_t sent_at_ns = 0;
    bool in_flight = false;
  };
  void slide() noexcept {
    while (oldest_ < next_ && !slots_[oldest_ % slots_.size()].in_flight) ++oldest_;
  }

  // Lost sequence numbers are remembered (up to a bound) so that a late echo is told apart
  // from a duplicate; below forgotten_below_ they were dropped and every echo counts as late.
  static constexpr std::size_t max_remembered_lost = 65536;

  std::vector<slot> slots_;
  std::uint64_t oldest_ = 0;
  std::uint64_t next_ = 0;
  std::set<std::uint64_t> lost_;
  std::uint64_t forgotten_below_ = 0;
};

inline udp_window::outcome udp_window::take(std::uint64_t seq, std::int64_t& sent_at_ns) {
  if (seq >= next_) return outcome::never_sent;
  if (seq >= oldest_) {
    auto& s = slots_[seq % slots_.size()];
    if (s.in_flight) {
      s.in_flight = false;
      sent_at_ns = s.sent_at_ns;
      slide();
      return outcome::echoed;
    }
  }
  if (lost_.erase(seq) > 0 || seq < forgotten_below_) return outcome::late;
  return outcome::duplicate;
}

inline std::size_t udp_window::expire(std::int64_t deadline_ns) {
  std::size_t lost = 0;
  // Datagrams leave in sequence order, so the oldest in flight is also the first to time out.
  while (oldest_ < next_) {
    auto& s = slots_[oldest_ % slots_.size()];
    if (s.in_flight) {
      if (s.sent_at_ns > deadline_ns) break;
      s.in_flight = false;
      lost_.insert(oldest_);
      ++lost;
      if (lost_.size() > max_remembered_lost) {
        forgotten_below_ = *lost_.begin() + 1;
        lost_.erase(lost_.begin());
      }
    }
    ++oldest_;
  }
  return lost;
}

}  // namespace nsys
