#include "core/detail/cpu_limit.h"

#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace network_system::core::detail {
namespace {

namespace fs = std::filesystem;

// --- cgroup v2 cpu.max ------------------------------------------------------------------------

TEST(cpu_limit_test, cpu_max_without_a_limit_is_none) {
  EXPECT_EQ(parse_cpu_max("max 100000\n"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("max 100000"), std::nullopt);
}

TEST(cpu_limit_test, cpu_max_is_quota_over_period_rounded_up) {
  EXPECT_EQ(parse_cpu_max("150000 100000\n"), 2u);
  EXPECT_EQ(parse_cpu_max("100000 100000\n"), 1u);
  EXPECT_EQ(parse_cpu_max("200000 100000\n"), 2u);
  EXPECT_EQ(parse_cpu_max("200001 100000\n"), 3u);
  EXPECT_EQ(parse_cpu_max("400000 50000"), 8u);
}

TEST(cpu_limit_test, cpu_max_below_one_cpu_is_one) {
  EXPECT_EQ(parse_cpu_max("50000 100000\n"), 1u);
  EXPECT_EQ(parse_cpu_max("1000 100000\n"), 1u);
}

TEST(cpu_limit_test, cpu_max_that_does_not_parse_is_none) {
  EXPECT_EQ(parse_cpu_max(""), std::nullopt);
  EXPECT_EQ(parse_cpu_max("\n"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("150000"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("150000 100000 7"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("abc 100000"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("150000 0"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("0 100000"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("-5 100000"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("15x 100000"), std::nullopt);
}

// --- cgroup v1 cpu.cfs_quota_us / cpu.cfs_period_us --------------------------------------------

TEST(cpu_limit_test, cfs_quota_of_minus_one_is_no_limit) {
  EXPECT_EQ(parse_cfs_quota("-1\n", "100000\n"), std::nullopt);
}

TEST(cpu_limit_test, cfs_quota_is_quota_over_period_rounded_up) {
  EXPECT_EQ(parse_cfs_quota("250000\n", "100000\n"), 3u);
  EXPECT_EQ(parse_cfs_quota("100000", "100000"), 1u);
  EXPECT_EQ(parse_cfs_quota("50000\n", "100000\n"), 1u);
}

TEST(cpu_limit_test, cfs_quota_that_does_not_parse_is_none) {
  EXPECT_EQ(parse_cfs_quota("", "100000"), std::nullopt);
  EXPECT_EQ(parse_cfs_quota("100000", ""), std::nullopt);
  EXPECT_EQ(parse_cfs_quota("100000", "0"), std::nullopt);
  EXPECT_EQ(parse_cfs_quota("lots", "100000"), std::nullopt);
}

// --- /proc/self/cgroup ------------------------------------------------------------------------

TEST(cpu_limit_test, proc_cgroup_v2_only) {
  const auto p = parse_proc_cgroup("0::/user.slice/user-1000.slice/session-2.scope\n");
  EXPECT_EQ(p.v2, "/user.slice/user-1000.slice/session-2.scope");
  EXPECT_EQ(p.v1_cpu, std::nullopt);
}

TEST(cpu_limit_test, proc_cgroup_v1_finds_the_hierarchy_with_the_cpu_controller) {
  const auto p = parse_proc_cgroup(
      "12:pids:/docker/abc\n"
      "4:cpuacct,cpu:/docker/abc\n"
      "3:cpuset:/docker/abc\n"
      "1:name=systemd:/docker/abc\n");
  EXPECT_EQ(p.v1_cpu, "/docker/abc");
  EXPECT_EQ(p.v2, std::nullopt);
}

TEST(cpu_limit_test, proc_cgroup_hybrid_has_both) {
  const auto p = parse_proc_cgroup(
      "9:name=systemd:/\n"
      "2:cpuacct:/\n"
      "1:cpu:/batch\n"
      "0::/\n");
  EXPECT_EQ(p.v1_cpu, "/batch");  // "cpuacct" alone is not "cpu"
  EXPECT_EQ(p.v2, "/");
}

TEST(cpu_limit_test, proc_cgroup_path_may_contain_colons) {
  EXPECT_EQ(parse_proc_cgroup("0::/a:b\n").v2, "/a:b");
}

TEST(cpu_limit_test, proc_cgroup_garbage_gives_nothing) {
  const auto p = parse_proc_cgroup("nonsense\n\n7\n");
  EXPECT_EQ(p.v2, std::nullopt);
  EXPECT_EQ(p.v1_cpu, std::nullopt);
}

// --- /proc/self/mountinfo ---------------------------------------------------------------------

TEST(cpu_limit_test, mountinfo_finds_cgroup2_and_the_v1_cpu_mount) {
  const auto m = parse_mountinfo(
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
      "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:5 - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(m.v1_cpu.has_value());
  EXPECT_EQ(m.v1_cpu->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(m.v1_cpu->root, "/");
  ASSERT_TRUE(m.v2.has_value());
  EXPECT_EQ(m.v2->mount_point, "/sys/fs/cgroup/unified");
}

TEST(cpu_limit_test, mountinfo_reads_a_container_sub_tree_root_and_escaped_paths) {
  const auto m = parse_mountinfo(
      "700 650 0:26 /kubepods/pod1 /sys/fs/cgroup\\040x ro,nosuid - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(m.v2.has_value());
  EXPECT_EQ(m.v2->root, "/kubepods/pod1");
  EXPECT_EQ(m.v2->mount_point, "/sys/fs/cgroup x");
  EXPECT_EQ(m.v1_cpu, std::nullopt);
}

TEST(cpu_limit_test, mountinfo_without_cgroups_gives_nothing) {
  const auto m = parse_mountinfo("22 1 8:1 / / rw - ext4 /dev/sda1 rw\nbroken line\n");
  EXPECT_EQ(m.v2, std::nullopt);
  EXPECT_EQ(m.v1_cpu, std::nullopt);
}

// --- which directories apply ------------------------------------------------------------------

TEST(cpu_limit_test, cgroup_dirs_go_from_the_cgroup_up_to_the_mount_point) {
  const cgroup_mount mount{"/", "/sys/fs/cgroup"};
  const auto dirs = cgroup_dirs(mount, "/a/b");
  ASSERT_EQ(dirs.size(), 3u);
  EXPECT_EQ(dirs[0], fs::path("/sys/fs/cgroup/a/b"));
  EXPECT_EQ(dirs[1], fs::path("/sys/fs/cgroup/a"));
  EXPECT_EQ(dirs[2], fs::path("/sys/fs/cgroup"));
  EXPECT_EQ(cgroup_dirs(mount, "/"), std::vector<fs::path>{fs::path("/sys/fs/cgroup")});
}

TEST(cpu_limit_test, cgroup_dirs_are_relative_to_a_mounted_sub_tree) {
  const cgroup_mount mount{"/docker/abc", "/sys/fs/cgroup/cpu"};
  EXPECT_EQ(cgroup_dirs(mount, "/docker/abc"), std::vector<fs::path>{"/sys/fs/cgroup/cpu"});
  EXPECT_EQ(cgroup_dirs(mount, "/docker/abc/job").front(), fs::path("/sys/fs/cgroup/cpu/job"));
  // Not under the mounted sub-tree: nothing of it is visible here.
  EXPECT_TRUE(cgroup_dirs(mount, "/docker/abcd").empty());
  EXPECT_TRUE(cgroup_dirs(mount, "/other").empty());
  EXPECT_TRUE(cgroup_dirs(mount, "/docker/abc/../../x").empty());
}

// --- the files under a root -------------------------------------------------------------------

// A scratch directory standing for "/", with the cgroup files a test writes into it.
class cgroup_tree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cpu_limit_test." + std::to_string(::getpid()) + "." +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& path, const std::string& text) {
    const auto file = root_ / fs::path(path).relative_path();
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

  fs::path root_;
};

constexpr const char* v2_mountinfo =
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
constexpr const char* v1_mountinfo =
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n";

TEST_F(cgroup_tree, v2_quota_of_the_process_cgroup) {
  write("/sys/fs/cgroup/app/cpu.max", "150000 100000\n");
  EXPECT_EQ(cgroup_cpu_limit("0::/app\n", v2_mountinfo, root_), 2u);
}

TEST_F(cgroup_tree, v2_without_a_limit) {
  write("/sys/fs/cgroup/app/cpu.max", "max 100000\n");
  EXPECT_EQ(cgroup_cpu_limit("0::/app\n", v2_mountinfo, root_), std::nullopt);
}

TEST_F(cgroup_tree, v2_a_parent_quota_caps_its_child) {
  write("/sys/fs/cgroup/app/cpu.max", "100000 100000\n");
  write("/sys/fs/cgroup/app/worker/cpu.max", "max 100000\n");
  EXPECT_EQ(cgroup_cpu_limit("0::/app/worker\n", v2_mountinfo, root_), 1u);
}

TEST_F(cgroup_tree, v2_the_child_may_be_stricter_than_its_parent) {
  write("/sys/fs/cgroup/app/cpu.max", "400000 100000\n");
  write("/sys/fs/cgroup/app/worker/cpu.max", "300000 100000\n");
  EXPECT_EQ(cgroup_cpu_limit("0::/app/worker\n", v2_mountinfo, root_), 3u);
}

TEST_F(cgroup_tree, missing_files_set_no_limit) {
  // Mounted but no cpu controller enabled: no cpu.max anywhere.
  EXPECT_EQ(cgroup_cpu_limit("0::/app\n", v2_mountinfo, root_), std::nullopt);
  EXPECT_EQ(cgroup_cpu_limit("4:cpu,cpuacct:/app\n", v1_mountinfo, root_), std::nullopt);
  // Nothing mounted, or no cgroup named.
  EXPECT_EQ(cgroup_cpu_limit("0::/app\n", "", root_), std::nullopt);
  EXPECT_EQ(cgroup_cpu_limit("", v2_mountinfo, root_), std::nullopt);
}

TEST_F(cgroup_tree, v1_quota) {
  write("/sys/fs/cgroup/cpu,cpuacct/app/cpu.cfs_quota_us", "250000\n");
  write("/sys/fs/cgroup/cpu,cpuacct/app/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(cgroup_cpu_limit("4:cpu,cpuacct:/app\n", v1_mountinfo, root_), 3u);
}

TEST_F(cgroup_tree, v1_without_a_limit) {
  write("/sys/fs/cgroup/cpu,cpuacct/app/cpu.cfs_quota_us", "-1\n");
  write("/sys/fs/cgroup/cpu,cpuacct/app/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(cgroup_cpu_limit("4:cpu,cpuacct:/app\n", v1_mountinfo, root_), std::nullopt);
}

TEST_F(cgroup_tree, v1_quota_without_its_period_is_ignored) {
  write("/sys/fs/cgroup/cpu,cpuacct/app/cpu.cfs_quota_us", "250000\n");
  EXPECT_EQ(cgroup_cpu_limit("4:cpu,cpuacct:/app\n", v1_mountinfo, root_), std::nullopt);
}

TEST_F(cgroup_tree, a_hybrid_host_takes_the_stricter_of_v1_and_v2) {
  write("/sys/fs/cgroup/cpu,cpuacct/app/cpu.cfs_quota_us", "100000\n");
  write("/sys/fs/cgroup/cpu,cpuacct/app/cpu.cfs_period_us", "100000\n");
  write("/sys/fs/cgroup/unified/app/cpu.max", "300000 100000\n");
  const std::string mountinfo =
      std::string(v1_mountinfo) +
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:5 - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(cgroup_cpu_limit("4:cpu,cpuacct:/app\n0::/app\n", mountinfo, root_), 1u);
}

TEST_F(cgroup_tree, a_container_sees_its_own_cgroup_at_the_mount_point) {
  // cgroup namespace off: /proc/self/cgroup names the host path, the mount shows that sub-tree.
  write("/sys/fs/cgroup/cpu.max", "200000 100000\n");
  EXPECT_EQ(cgroup_cpu_limit("0::/kubepods/pod1\n",
                             "700 650 0:26 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                             root_),
            2u);
}

// --- combining --------------------------------------------------------------------------------

TEST(cpu_limit_test, available_cpus_is_the_affinity_capped_by_the_quota) {
  EXPECT_EQ(available_cpus(4, std::nullopt, 64), 4u);
  EXPECT_EQ(available_cpus(4, 2, 64), 2u);
  EXPECT_EQ(available_cpus(1, 8, 64), 1u);
  EXPECT_EQ(available_cpus(std::nullopt, 3, 64), 3u);
  EXPECT_EQ(available_cpus(std::nullopt, std::nullopt, 64), 64u);
  EXPECT_EQ(available_cpus(std::nullopt, std::nullopt, 0), 1u);  // hardware_concurrency unknown
}

// --- the real process -------------------------------------------------------------------------

// Runs fn on a new thread whose affinity is one CPU this process may use (the mask is per
// thread, and a new thread inherits its creator's). Returns what fn returned.
template <typename F>
auto on_one_cpu(F fn) -> decltype(fn()) {
  decltype(fn()) result{};
  std::thread([&] {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
    int cpu = 0;
    while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed)) ++cpu;
    ASSERT_LT(cpu, CPU_SETSIZE);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    result = fn();
  }).join();
  return result;
}

TEST(cpu_limit_test, affinity_count_follows_the_thread_mask) {
  EXPECT_EQ(on_one_cpu([] { return affinity_cpu_count(); }), 1u);
  const auto here = affinity_cpu_count();
  ASSERT_TRUE(here.has_value());
  EXPECT_GE(*here, 1u);
}

TEST(cpu_limit_test, process_limit_under_a_one_cpu_mask_is_one) {
  EXPECT_EQ(on_one_cpu([] { return process_cpu_limit(); }), 1u);
}

}  // namespace
}  // namespace network_system::core::detail
