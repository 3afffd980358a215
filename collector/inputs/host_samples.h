// The samples of one host-metrics collection, as node_exporter 1.5 names them: each reader of
// /proc or /sys adds its families (with their metadata) to one HostSamples, which becomes one
// MetricUnit.
//
// Thread safety: one thread at a time.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/metric_sink.h"
#include "common/labels.h"

namespace vigie::collector {

class HostSamples {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  // `common` (job, instance, the collector's labels) go on every series; `ts_ms` is the
  // collection's time.
  HostSamples(std::vector<Label> common, int64_t ts_ms);

  // Declares a family once per collection: `type` is counter or gauge.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Add(std::string_view name, Labels labels, double value);

  MetricUnit Take() { return std::move(unit_); }

 private:
  std::vector<Label> common_;
  int64_t ts_ms_;
  MetricUnit unit_;
};

// The readers: each parses its file's text (given, so that tests pass their own) and adds what
// node_exporter's collector of the same name exposes. Unreadable fields are skipped.
void AddCpuStats(std::string_view proc_stat, double ticks_per_second, HostSamples* out);
void AddMeminfo(std::string_view proc_meminfo, HostSamples* out);
void AddLoadavg(std::string_view proc_loadavg, HostSamples* out);
void AddDiskstats(std::string_view proc_diskstats, HostSamples* out);
void AddNetDev(std::string_view proc_net_dev, HostSamples* out);
// Mounts as /proc/1/mounts lists them, with node_exporter's default exclusions; `statfs` is
// called per kept mount point and fails (returns false) for those that cannot be measured.
struct FilesystemStats {
  double size_bytes, free_bytes, avail_bytes, files, files_free;
};
using StatFilesystem = std::function<bool(const std::string& mount_point, FilesystemStats*)>;
void AddFilesystems(std::string_view proc_mounts, const StatFilesystem& statfs, HostSamples* out);

}  // namespace vigie::collector
