#pragma once
// cpu_limit: how many CPUs this process may run on, from its affinity mask and its cgroup CPU
// quota: io_context_pool's default thread count. A container limited to 2 CPUs on a 64-core host
// (or a process under `taskset -c 0`) must not start 64 threads that fight for 2.
//
// The parsers are pure (text in, numbers out) so that every cgroup layout can be tested without
// having one; cgroup_cpu_limit() reads the quota files under a root directory given to it.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace network_system::core::detail {

/// cgroup v2 `cpu.max` ("$MAX $PERIOD", e.g. "150000 100000"): the CPUs the quota allows,
/// rounded up, at least 1. nullopt for "max ..." (no limit) and for text that does not parse.
std::optional<std::size_t> parse_cpu_max(std::string_view text);

/// cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`: as parse_cpu_max(); a quota of -1
/// means no limit.
std::optional<std::size_t> parse_cfs_quota(std::string_view quota_us, std::string_view period_us);

/// The cgroups of a process, from /proc/self/cgroup: its cgroup v2 path ("0::/a/b") and its
/// path in the v1 hierarchy that has the `cpu` controller ("4:cpu,cpuacct:/a").
struct cgroup_paths {
  std::optional<std::string> v2;
  std::optional<std::string> v1_cpu;
};
cgroup_paths parse_proc_cgroup(std::string_view text);

/// A mounted cgroup hierarchy: the cgroup it shows at its mount point (`root`, "/" unless the
/// mount is a sub-tree, as in some containers) and where it is mounted.
struct cgroup_mount {
  std::string root;
  std::string mount_point;
};
/// The cgroup2 mount and the v1 mount with the `cpu` controller, from /proc/self/mountinfo
/// (the first of each).
struct cgroup_mounts {
  std::optional<cgroup_mount> v2;
  std::optional<cgroup_mount> v1_cpu;
};
cgroup_mounts parse_mountinfo(std::string_view text);

/// The directories whose quota applies to the cgroup `path` of `mount`: its own, then each
/// ancestor up to the mount point (a parent's quota caps its children). Empty when `path` is
/// not under the mount's root (the hierarchy is not visible here).
std::vector<std::filesystem::path> cgroup_dirs(const cgroup_mount& mount, std::string_view path);

/// The strictest CPU quota over the process's cgroups (v2 `cpu.max`, v1 `cpu.cfs_quota_us` /
/// `cpu.cfs_period_us`, in its own cgroup and its ancestors), given the text of
/// /proc/self/cgroup and /proc/self/mountinfo, reading the quota files under `root` ("/" for
/// the real ones). nullopt when no quota applies; missing or unreadable files set none.
std::optional<std::size_t> cgroup_cpu_limit(std::string_view proc_cgroup,
                                            std::string_view mountinfo,
                                            const std::filesystem::path& root);

/// The CPUs in the calling thread's affinity mask (sched_getaffinity); nullopt if it fails.
std::optional<std::size_t> affinity_cpu_count();

/// The CPUs a process may run on: its affinity count (else `hardware`), capped by its quota;
/// at least 1.
std::size_t available_cpus(std::optional<std::size_t> affinity, std::optional<std::size_t> quota,
                           std::size_t hardware);

/// available_cpus() for the calling thread of this process: its affinity mask, and the quota
/// read from /proc/self/cgroup, /proc/self/mountinfo and the cgroup files they point to.
std::size_t process_cpu_limit();

}  // namespace network_system::core::detail
