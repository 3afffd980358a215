// The /proc readers of the host input, with node_exporter 1.5's names, labels and units.
#include <re2/re2.h>

#include <charconv>
#include <set>
#include <tuple>

#include "collector/inputs/host_samples.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {

// The whitespace-separated fields of `line`.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// Calls `fn(fields)` for each line of `text`.
template <typename Fn>
void EachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    std::vector<std::string_view> fields = Fields(line);
    if (!fields.empty()) fn(fields);
  }
}

bool Number(std::string_view text, double* out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

HostSamples::HostSamples(std::vector<Label> common, int64_t ts_ms)
    : common_(std::move(common)), ts_ms_(ts_ms) {}

void HostSamples::Family(std::string_view name, std::string_view type, std::string_view help) {
  unit_.metadata.push_back(
      MetricFamilyInfo{std::string(name), std::string(type), std::string(help), ""});
}

void HostSamples::Add(std::string_view name, Labels labels, double value) {
  std::vector<Label> all = common_;
  all.push_back({"__name__", std::string(name)});
  for (const auto& [label, label_value] : labels) {
    all.push_back({std::string(label), std::string(label_value)});
  }
  absl::StatusOr<LabelSet> set = LabelSet::Make(std::move(all));
  if (set.ok())
    unit_.samples.push_back(MetricSample{MakeWireLabels(*std::move(set)), ts_ms_, value});
}

void AddCpuStats(std::string_view proc_stat, double ticks_per_second, HostSamples* out) {
  static constexpr std::string_view kModes[] = {"user",   "nice", "system",  "idle",
                                                "iowait", "irq",  "softirq", "steal"};
  out->Family("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.");
  out->Family("node_cpu_guest_seconds_total", "counter",
              "Seconds the CPUs spent in guests (VMs) for each mode.");
  EachLine(proc_stat, [&](const std::vector<std::string_view>& f) {
    double value = 0;
    if (f[0].starts_with("cpu") && f[0].size() > 3) {
      std::string cpu(f[0].substr(3));
      for (size_t i = 0; i < std::size(kModes) && i + 1 < f.size(); ++i) {
        if (Number(f[i + 1], &value)) {
          out->Add("node_cpu_seconds_total", {{"cpu", cpu}, {"mode", kModes[i]}},
                   value / ticks_per_second);
        }
      }
      if (f.size() > 10 && Number(f[9], &value)) {
        out->Add("node_cpu_guest_seconds_total", {{"cpu", cpu}, {"mode", "user"}},
                 value / ticks_per_second);
      }
      if (f.size() > 10 && Number(f[10], &value)) {
        out->Add("node_cpu_guest_seconds_total", {{"cpu", cpu}, {"mode", "nice"}},
                 value / ticks_per_second);
      }
    } else if (f.size() >= 2 && Number(f[1], &value)) {
      // node_exporter's stat collector.
      static const std::tuple<std::string_view, std::string_view, std::string_view,
                              std::string_view>
          kStat[] = {
              {"btime", "node_boot_time_seconds", "gauge", "Node boot time, in unixtime."},
              {"ctxt", "node_context_switches_total", "counter",
               "Total number of context switches."},
              {"processes", "node_forks_total", "counter", "Total number of forks."},
              {"intr", "node_intr_total", "counter", "Total number of interrupts serviced."},
              {"procs_running", "node_procs_running", "gauge",
               "Number of processes in runnable state."},
              {"procs_blocked", "node_procs_blocked", "gauge",
               "Number of processes blocked waiting for I/O to complete."},
          };
      for (const auto& [key, name, type, help] : kStat) {
        if (f[0] != key) continue;
        out->Family(name, type, help);
        out->Add(name, {}, value);
      }
    }
  });
}

void AddMeminfo(std::string_view proc_meminfo, HostSamples* out) {
  EachLine(proc_meminfo, [&](const std::vector<std::string_view>& f) {
    double value = 0;
    if (f.size() < 2 || !f[0].ends_with(':') || !Number(f[1], &value)) return;
    // "Active(anon):" -> node_memory_Active_anon_bytes; a line without kB has no _bytes.
    std::string key(f[0].substr(0, f[0].size() - 1));
    if (size_t open = key.find('('); open != std::string::npos && key.back() == ')') {
      key = StrCat(key.substr(0, open), "_", key.substr(open + 1, key.size() - open - 2));
    }
    std::string name = StrCat("node_memory_", key);
    if (f.size() >= 3 && f[2] == "kB") {
      value *= 1024;
      name += "_bytes";
    }
    out->Family(name, "gauge", StrCat("Memory information field ", key, "."));
    out->Add(name, {}, value);
  });
}

void AddLoadavg(std::string_view proc_loadavg, HostSamples* out) {
  std::vector<std::string_view> f = Fields(proc_loadavg.substr(0, proc_loadavg.find('\n')));
  static constexpr std::string_view kNames[] = {"node_load1", "node_load5", "node_load15"};
  for (size_t i = 0; i < 3 && i < f.size(); ++i) {
    double value = 0;
    if (!Number(f[i], &value)) continue;
    out->Family(kNames[i], "gauge", StrCat(i == 0 ? 1 : i == 1 ? 5 : 15, "m load average."));
    out->Add(kNames[i], {}, value);
  }
}

void AddDiskstats(std::string_view proc_diskstats, HostSamples* out) {
  // node_exporter 1.5's --collector.diskstats.device-exclude default.
  static const re2::RE2 kExcluded("^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$");
  // Per field after major, minor and name: metric, type, scale (sectors are 512 bytes, times
  // are in milliseconds), help.
  struct Field {
    std::string_view name, type;
    double scale;
    std::string_view help;
  };
  static constexpr Field kFields[] = {
      {"node_disk_reads_completed_total", "counter", 1,
       "The total number of reads completed successfully."},
      {"node_disk_reads_merged_total", "counter", 1, "The total number of reads merged."},
      {"node_disk_read_bytes_total", "counter", 512,
       "The total number of bytes read successfully."},
      {"node_disk_read_time_seconds_total", "counter", 0.001,
       "The total number of seconds spent by all reads."},
      {"node_disk_writes_completed_total", "counter", 1,
       "The total number of writes completed successfully."},
      {"node_disk_writes_merged_total", "counter", 1, "The number of writes merged."},
      {"node_disk_written_bytes_total", "counter", 512,
       "The total number of bytes written successfully."},
      {"node_disk_write_time_seconds_total", "counter", 0.001,
       "This is the total number of seconds spent by all writes."},
      {"node_disk_io_now", "gauge", 1, "The number of I/Os currently in progress."},
      {"node_disk_io_time_seconds_total", "counter", 0.001, "Total seconds spent doing I/Os."},
      {"node_disk_io_time_weighted_seconds_total", "counter", 0.001,
       "The weighted # of seconds spent doing I/Os."},
      {"node_disk_discards_completed_total", "counter", 1,
       "The total number of discards completed successfully."},
      {"node_disk_discards_merged_total", "counter", 1, "The total number of discards merged."},
      {"node_disk_discarded_sectors_total", "counter", 1,
       "The total number of sectors discarded successfully."},
      {"node_disk_discard_time_seconds_total", "counter", 0.001,
       "This is the total number of seconds spent by all discards."},
      {"node_disk_flush_requests_total", "counter", 1,
       "The total number of flush requests completed successfully"},
      {"node_disk_flush_requests_time_seconds_total", "counter", 0.001,
       "This is the total number of seconds spent by all flush requests."},
  };
  for (const Field& field : kFields) out->Family(field.name, field.type, field.help);
  EachLine(proc_diskstats, [&](const std::vector<std::string_view>& f) {
    if (f.size() < 14) return;
    std::string device(f[2]);
    if (re2::RE2::FullMatch(device, kExcluded)) return;
    for (size_t i = 0; i < std::size(kFields) && i + 3 < f.size(); ++i) {
      double value = 0;
      if (Number(f[i + 3], &value)) {
        out->Add(kFields[i].name, {{"device", device}}, value * kFields[i].scale);
      }
    }
  });
}

void AddNetDev(std::string_view proc_net_dev, HostSamples* out) {
  // The columns of /proc/net/dev after "iface:", as node_exporter names them.
  static constexpr std::string_view kColumns[] = {
      "receive_bytes",  "receive_packets",  "receive_errs",       "receive_drop",
      "receive_fifo",   "receive_frame",    "receive_compressed", "receive_multicast",
      "transmit_bytes", "transmit_packets", "transmit_errs",      "transmit_drop",
      "transmit_fifo",  "transmit_colls",   "transmit_carrier",   "transmit_compressed"};
  std::vector<std::string> names;
  for (std::string_view column : kColumns) {
    names.push_back(StrCat("node_network_", column, "_total"));
    out->Family(names.back(), "counter", StrCat("Network device statistic ", column, "."));
  }
  EachLine(proc_net_dev, [&](std::vector<std::string_view> f) {
    // "eth0:" or "eth0:123" (no blank when the first number is long).
    size_t colon = f[0].find(':');
    if (colon == std::string_view::npos) return;
    std::string device(f[0].substr(0, colon));
    if (device == "lo") return;  // node_exporter 1.5's --collector.netdev.device-exclude="^lo$".
    std::vector<std::string_view> values;
    if (colon + 1 < f[0].size()) values.push_back(f[0].substr(colon + 1));
    values.insert(values.end(), f.begin() + 1, f.end());
    for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
      double value = 0;
      if (Number(values[i], &value)) out->Add(names[i], {{"device", device}}, value);
    }
  });
}

void AddFilesystems(std::string_view proc_mounts, const StatFilesystem& statfs, HostSamples* out) {
  // Debian's node_exporter 1.5 defaults for --collector.filesystem.mount-points-exclude and
  // fs-types-exclude (Debian excludes all of /run, /mnt and /media).
  static const re2::RE2 kMountPoints(
      "^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)");
  static const re2::RE2 kTypes(
      "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
      "iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
      "sysfs|tracefs)$");
  static constexpr std::pair<std::string_view, std::string_view> kFamilies[] = {
      {"node_filesystem_size_bytes", "Filesystem size in bytes."},
      {"node_filesystem_free_bytes", "Filesystem free space in bytes."},
      {"node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes."},
      {"node_filesystem_files", "Filesystem total file nodes."},
      {"node_filesystem_files_free", "Filesystem total free file nodes."},
      {"node_filesystem_readonly", "Filesystem read-only status."},
  };
  for (const auto& [name, help] : kFamilies) out->Family(name, "gauge", help);
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
  EachLine(proc_mounts, [&](const std::vector<std::string_view>& f) {
    if (f.size() < 4) return;
    std::string device(f[0]), mount_point(f[1]), type(f[2]), options(f[3]);
    // fstab(5)'s escapes for a blank and a tab, which node_exporter 1.5 undoes.
    for (auto [escape, blank] : {std::pair{"\\040", " "}, std::pair{"\\011", "\t"}}) {
      for (size_t at; (at = mount_point.find(escape)) != std::string::npos;) {
        mount_point.replace(at, 4, blank);
      }
    }
    if (re2::RE2::PartialMatch(mount_point, kMountPoints) || re2::RE2::FullMatch(type, kTypes)) {
      return;
    }
    if (!seen.insert({device, mount_point, type, options}).second) return;
    FilesystemStats stats;
    if (!statfs(mount_point, &stats)) return;
    HostSamples::Labels labels = {
        {"device", device}, {"fstype", type}, {"mountpoint", mount_point}};
    bool readonly = StrCat(",", options, ",").find(",ro,") != std::string::npos;
    double values[] = {stats.size_bytes, stats.free_bytes, stats.avail_bytes,
                       stats.files,      stats.files_free, readonly ? 1.0 : 0.0};
    for (size_t i = 0; i < std::size(kFamilies); ++i) {
      out->Add(kFamilies[i].first, labels, values[i]);
    }
  });
}

}  // namespace vigie::collector
