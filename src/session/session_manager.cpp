#include "network_system/session/session_manager.h"

#include "network_system/session/messaging_session.h"

namespace network_system::session {

void session_manager::add(std::shared_ptr<messaging_session> s) {
  const auto id = s->id();
  std::lock_guard lock(mutex_);
  sessions_.emplace(id, std::move(s));
}

bool session_manager::remove(std::uint64_t id) {
  std::shared_ptr<messaging_session> removed;  // destroyed outside the lock
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  removed = std::move(it->second);
  sessions_.erase(it);
  return true;
}

std::shared_ptr<messaging_session> session_manager::get(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<messaging_session>> session_manager::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<messaging_session>> out;
  out.reserve(sessions_.size());
  for (const auto& [id, s] : sessions_) out.push_back(s);
  return out;
}

std::size_t session_manager::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace network_system::session
