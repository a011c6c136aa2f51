#pragma once
// session_manager: the live sessions of one server, by id.
//
// Thread-safety: every method may be called from any thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace network_system::session {

class messaging_session;

class session_manager {
 public:
  void add(std::shared_ptr<messaging_session> s);
  /// Removes the session with `id`; false when it was not there.
  bool remove(std::uint64_t id);
  [[nodiscard]] std::shared_ptr<messaging_session> get(std::uint64_t id) const;
  /// A copy of the current set (sessions stay valid objects after they close).
  [[nodiscard]] std::vector<std::shared_ptr<messaging_session>> snapshot() const;
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::shared_ptr<messaging_session>> sessions_;
};

}  // namespace network_system::session
