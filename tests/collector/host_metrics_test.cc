#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "collector/inputs/host_samples.h"

namespace vigie::collector {
namespace {

// name{labels without job/instance} -> value.
std::map<std::string, double> Values(HostSamples& samples) {
  std::map<std::string, double> out;
  for (const MetricSample& s : samples.Take().samples) {
    out[s.labels().Project({"job", "instance"}, false).ToString()] = s.value;
  }
  return out;
}

HostSamples Empty() { return HostSamples({{"job", "node"}, {"instance", "h"}}, 1000); }

TEST(HostMetricsTest, CpuAndStat) {
  HostSamples out = Empty();
  AddCpuStats(
      "cpu  100 2 30 4000 5 0 6 0 0 0\n"
      "cpu0 100 2 30 4000 5 0 6 7 8 9\n"
      "intr 12345 1 2\nctxt 999\nbtime 1700000000\nprocesses 42\nprocs_running 3\n"
      "procs_blocked 0\n",
      100, &out);
  auto v = Values(out);
  EXPECT_EQ((v["{__name__=\"node_cpu_seconds_total\", cpu=\"0\", mode=\"user\"}"]), 1.0);
  EXPECT_EQ((v["{__name__=\"node_cpu_seconds_total\", cpu=\"0\", mode=\"idle\"}"]), 40.0);
  EXPECT_EQ((v["{__name__=\"node_cpu_seconds_total\", cpu=\"0\", mode=\"steal\"}"]), 0.07);
  EXPECT_EQ((v["{__name__=\"node_cpu_guest_seconds_total\", cpu=\"0\", mode=\"nice\"}"]), 0.09);
  EXPECT_EQ(v["{__name__=\"node_boot_time_seconds\"}"], 1700000000);
  EXPECT_EQ(v["{__name__=\"node_context_switches_total\"}"], 999);
  EXPECT_EQ(v["{__name__=\"node_intr_total\"}"], 12345);
  EXPECT_EQ(v["{__name__=\"node_forks_total\"}"], 42);
  // The "cpu" total line is not a CPU of its own.
  EXPECT_EQ(v.count("{__name__=\"node_cpu_seconds_total\", cpu=\"\", mode=\"user\"}"), 0u);
  EXPECT_EQ(v.size(), 8u + 2u + 6u);
}

TEST(HostMetricsTest, MeminfoAndLoad) {
  HostSamples out = Empty();
  AddMeminfo("MemTotal:        2048 kB\nActive(anon):      10 kB\nHugePages_Total:       0\n",
             &out);
  AddLoadavg("0.50 0.25 1.00 1/123 4567\n", &out);
  auto v = Values(out);
  EXPECT_EQ(v["{__name__=\"node_memory_MemTotal_bytes\"}"], 2048.0 * 1024);
  EXPECT_EQ(v["{__name__=\"node_memory_Active_anon_bytes\"}"], 10240);
  EXPECT_EQ(v.count("{__name__=\"node_memory_HugePages_Total\"}"), 1u);
  EXPECT_EQ(v["{__name__=\"node_load15\"}"], 1.0);
  EXPECT_EQ(v["{__name__=\"node_load5\"}"], 0.25);
}

TEST(HostMetricsTest, DisksSkipPartitionsAndLoops) {
  HostSamples out = Empty();
  AddDiskstats(
      "   8       0 sda 10 1 200 30 40 2 800 50 0 60 70 0 0 0 0 5 6\n"
      "   8       1 sda1 10 1 200 30 40 2 800 50 0 60 70 0 0 0 0 5 6\n"
      "   7       0 loop0 1 0 8 0 0 0 0 0 0 0 0\n"
      " 259       0 nvme0n1 1 0 8 0 0 0 0 0 0 4 0 0 0 0 0\n",
      &out);
  auto v = Values(out);
  EXPECT_EQ((v["{__name__=\"node_disk_reads_completed_total\", device=\"sda\"}"]), 10);
  EXPECT_EQ((v["{__name__=\"node_disk_read_bytes_total\", device=\"sda\"}"]), 200 * 512);
  EXPECT_EQ((v["{__name__=\"node_disk_written_bytes_total\", device=\"sda\"}"]), 800 * 512);
  EXPECT_DOUBLE_EQ((v["{__name__=\"node_disk_io_time_seconds_total\", device=\"sda\"}"]), 0.06);
  EXPECT_EQ((v["{__name__=\"node_disk_flush_requests_total\", device=\"sda\"}"]), 5);
  EXPECT_DOUBLE_EQ((v["{__name__=\"node_disk_io_time_seconds_total\", device=\"nvme0n1\"}"]),
                   0.004);
  EXPECT_EQ(v.count("{__name__=\"node_disk_reads_completed_total\", device=\"sda1\"}"), 0u);
  EXPECT_EQ(v.count("{__name__=\"node_disk_reads_completed_total\", device=\"loop0\"}"), 0u);
}

TEST(HostMetricsTest, NetworkDevices) {
  HostSamples out = Empty();
  AddNetDev(
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo:  1000      10    0    0    0     0          0         0     1000      10    0    "
      "0    0     0       0          0\n"
      "  eth0:123456789012 7 1 2 0 0 0 0 3000 20 4 5 0 0 0 0\n",
      &out);
  auto v = Values(out);
  EXPECT_EQ(v.count("{__name__=\"node_network_receive_bytes_total\", device=\"lo\"}"), 0u);
  EXPECT_EQ((v["{__name__=\"node_network_receive_bytes_total\", device=\"eth0\"}"]), 123456789012);
  EXPECT_EQ((v["{__name__=\"node_network_receive_drop_total\", device=\"eth0\"}"]), 2);
  EXPECT_EQ((v["{__name__=\"node_network_transmit_errs_total\", device=\"eth0\"}"]), 4);
  EXPECT_EQ((v["{__name__=\"node_network_transmit_packets_total\", device=\"eth0\"}"]), 20);
}

TEST(HostMetricsTest, FilesystemsWithNodeExportersExclusions) {
  HostSamples out = Empty();
  std::vector<std::string> measured;
  AddFilesystems(
      "/dev/sda1 / ext4 rw,relatime 0 0\n"
      "proc /proc proc rw 0 0\n"
      "tmpfs /run tmpfs rw,nosuid 0 0\n"
      "/dev/sdb1 /srv/my\\040disk xfs ro,relatime 0 0\n"
      "/dev/sdc1 /mnt/usb vfat rw 0 0\n"
      "overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0\n"
      "/dev/sda1 / ext4 rw,relatime 0 0\n",
      [&](const std::string& mount_point, FilesystemStats* stats) {
        measured.push_back(mount_point);
        *stats = {1000, 500, 400, 10, 5};
        return true;
      },
      &out);
  EXPECT_EQ(measured, (std::vector<std::string>{"/", "/srv/my disk"}));
  auto v = Values(out);
  EXPECT_EQ((v["{__name__=\"node_filesystem_size_bytes\", device=\"/dev/sda1\", fstype=\"ext4\", "
               "mountpoint=\"/\"}"]),
            1000);
  EXPECT_EQ((v["{__name__=\"node_filesystem_readonly\", device=\"/dev/sdb1\", fstype=\"xfs\", "
               "mountpoint=\"/srv/my disk\"}"]),
            1);
}

}  // namespace
}  // namespace vigie::collector
