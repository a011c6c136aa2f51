#pragma once
// Opening many TCP connections at once, without blocking and with a deadline, so that a refused
// port or an unreachable host ends the command with a clear message instead of a hang.

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

#include "net_util.h"

namespace nsys {

/// Starts a non-blocking connect (TCP_NODELAY set). Returns the descriptor; `err` is 0 when the
/// connect is under way or done, else errno (the descriptor is then closed and -1 returned).
int start_connect(const endpoint& to, int& err);

/// The outcome of a non-blocking connect that reported writable: 0 or the socket's error.
int connect_result(int fd);

/// Opens `count` connections to `to`, at most `batch` connects in flight, each batch within
/// `timeout`. Calls `progress(opened)` after each batch. Throws fatal_error on the first
/// failure ("connect to 127.0.0.1:9: Connection refused"), closing what it opened.
std::vector<int> connect_all(const endpoint& to, std::size_t count, std::size_t batch,
                             std::chrono::milliseconds timeout,
                             const std::function<void(std::size_t)>& progress = {});

}  // namespace nsys
