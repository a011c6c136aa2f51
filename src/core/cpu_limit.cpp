#include "core/detail/cpu_limit.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace network_system::core::detail {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// The whole of `s` as a decimal integer.
std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  const auto* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || ptr != end || s.empty()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  for (auto w : split(s, ' ')) {
    if (!w.empty()) out.push_back(w);
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view s) { return split(s, '\n'); }

bool has_token(std::string_view list, std::string_view token) {
  const auto parts = split(list, ',');
  return std::find(parts.begin(), parts.end(), token) != parts.end();
}

// quota / period CPUs, rounded up: 1.5 CPUs of time per period keep 2 threads busy part-time.
std::optional<std::size_t> cpus_of(std::optional<std::int64_t> quota,
                                   std::optional<std::int64_t> period) {
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return static_cast<std::size_t>(std::max<std::int64_t>(1, (*quota + *period - 1) / *period));
}

// mountinfo escapes space, tab, newline and backslash in paths as \ooo (octal).
std::string unescape_octal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const auto digits = s.substr(i + 1, 3);
      if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out.push_back(static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 +
                                        (digits[2] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

void keep_lower(std::optional<std::size_t>& limit, std::optional<std::size_t> candidate) {
  if (candidate && (!limit || *candidate < *limit)) limit = candidate;
}

}  // namespace

std::optional<std::size_t> parse_cpu_max(std::string_view text) {
  const auto w = words(trim(text));
  if (w.size() != 2 || w[0] == "max") return std::nullopt;
  return cpus_of(to_int(w[0]), to_int(w[1]));
}

std::optional<std::size_t> parse_cfs_quota(std::string_view quota_us, std::string_view period_us) {
  return cpus_of(to_int(trim(quota_us)), to_int(trim(period_us)));  // -1: no limit
}

cgroup_paths parse_proc_cgroup(std::string_view text) {
  cgroup_paths paths;
  for (auto line : lines(text)) {
    // hierarchy-ID:controller-list:cgroup-path; the path may itself contain ':'.
    const auto first = line.find(':');
    if (first == std::string_view::npos) continue;
    const auto second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const auto id = line.substr(0, first);
    const auto controllers = line.substr(first + 1, second - first - 1);
    const auto path = std::string(trim(line.substr(second + 1)));
    if (path.empty()) continue;
    if (id == "0" && controllers.empty()) {
      if (!paths.v2) paths.v2 = path;
    } else if (has_token(controllers, "cpu")) {
      if (!paths.v1_cpu) paths.v1_cpu = path;
    }
  }
  return paths;
}

cgroup_mounts parse_mountinfo(std::string_view text) {
  cgroup_mounts mounts;
  for (auto line : lines(text)) {
    // id parent major:minor root mount-point options [optional fields] - fstype source super-options
    const auto dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    const auto before = words(line.substr(0, dash));
    const auto after = words(line.substr(dash + 3));
    if (before.size() < 5 || after.empty()) continue;
    cgroup_mount m{unescape_octal(before[3]), unescape_octal(before[4])};
    if (after[0] == "cgroup2") {
      if (!mounts.v2) mounts.v2 = std::move(m);
    } else if (after[0] == "cgroup" && after.size() >= 3 && has_token(after[2], "cpu")) {
      if (!mounts.v1_cpu) mounts.v1_cpu = std::move(m);
    }
  }
  return mounts;
}

std::vector<std::filesystem::path> cgroup_dirs(const cgroup_mount& mount, std::string_view path) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(mount.root).lexically_normal();
  const fs::path cgroup = fs::path(std::string(path)).lexically_normal();
  const fs::path relative = cgroup.lexically_relative(root);
  // Outside the mounted sub-tree (or climbing out of it with ".."): not visible from here.
  if (relative.empty() || *relative.begin() == "..") return {};
  std::vector<fs::path> dirs;
  fs::path dir = fs::path(mount.mount_point);
  std::vector<fs::path> chain{dir};
  for (const auto& part : relative) {
    if (part == ".") continue;
    dir /= part;
    chain.push_back(dir);
  }
  dirs.assign(chain.rbegin(), chain.rend());
  return dirs;
}

std::optional<std::size_t> cgroup_cpu_limit(std::string_view proc_cgroup,
                                            std::string_view mountinfo,
                                            const std::filesystem::path& root) {
  // Mount points are absolute; under `root` they name the same place relative to it.
  const auto under_root = [&root](const std::filesystem::path& p) {
    return root / p.relative_path();
  };
  const auto paths = parse_proc_cgroup(proc_cgroup);
  const auto mounts = parse_mountinfo(mountinfo);
  std::optional<std::size_t> limit;
  // Both may apply on a hybrid host (v1 controllers beside a v2 tree): the stricter one counts.
  if (paths.v2 && mounts.v2) {
    for (const auto& dir : cgroup_dirs(*mounts.v2, *paths.v2)) {
      if (auto text = read_file(under_root(dir) / "cpu.max")) keep_lower(limit, parse_cpu_max(*text));
    }
  }
  if (paths.v1_cpu && mounts.v1_cpu) {
    for (const auto& dir : cgroup_dirs(*mounts.v1_cpu, *paths.v1_cpu)) {
      auto quota = read_file(under_root(dir) / "cpu.cfs_quota_us");
      auto period = read_file(under_root(dir) / "cpu.cfs_period_us");
      if (quota && period) keep_lower(limit, parse_cfs_quota(*quota, *period));
    }
  }
  return limit;
}

std::optional<std::size_t> affinity_cpu_count() {
  // The mask may be larger than cpu_set_t's 1024 CPUs: grow until the kernel's fits.
  for (int cpus = CPU_SETSIZE; cpus <= (1 << 20); cpus *= 2) {
    cpu_set_t* set = CPU_ALLOC(cpus);
    if (!set) return std::nullopt;
    const std::size_t size = CPU_ALLOC_SIZE(cpus);
    CPU_ZERO_S(size, set);
    if (sched_getaffinity(0, size, set) == 0) {
      const int count = CPU_COUNT_S(size, set);
      CPU_FREE(set);
      return count > 0 ? std::optional<std::size_t>(static_cast<std::size_t>(count)) : std::nullopt;
    }
    const int err = errno;
    CPU_FREE(set);
    if (err != EINVAL) return std::nullopt;
  }
  return std::nullopt;
}

std::size_t available_cpus(std::optional<std::size_t> affinity, std::optional<std::size_t> quota,
                           std::size_t hardware) {
  std::size_t cpus = affinity.value_or(hardware);
  if (quota) cpus = std::min(cpus, *quota);
  return std::max<std::size_t>(1, cpus);
}

std::size_t process_cpu_limit() {
  const auto proc_cgroup = read_file("/proc/self/cgroup");
  const auto mountinfo = read_file("/proc/self/mountinfo");
  std::optional<std::size_t> quota;
  if (proc_cgroup && mountinfo) quota = cgroup_cpu_limit(*proc_cgroup, *mountinfo, "/");
  return available_cpus(affinity_cpu_count(), quota, std::thread::hardware_concurrency());
}

}  // namespace network_system::core::detail
