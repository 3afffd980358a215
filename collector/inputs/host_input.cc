#include "collector/inputs/host_input.h"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collector/durable_file.h"
#include "collector/inputs/host_samples.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {

bool StatFilesystemAt(const std::string& mount_point, FilesystemStats* stats) {
  struct statfs fs {};
  if (statfs(mount_point.c_str(), &fs) != 0) return false;
  auto block = static_cast<double>(fs.f_bsize);
  *stats = {static_cast<double>(fs.f_blocks) * block, static_cast<double>(fs.f_bfree) * block,
            static_cast<double>(fs.f_bavail) * block, static_cast<double>(fs.f_files),
            static_cast<double>(fs.f_ffree)};
  return true;
}

std::string ReadOrEmpty(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  return text.ok() ? *std::move(text) : std::string();
}

void AddUname(HostSamples* out) {
  struct utsname u {};
  if (uname(&u) != 0) return;
  out->Family("node_uname_info", "gauge",
              "Labeled system information as provided by the uname system call.");
  out->Add("node_uname_info",
           {{"domainname", u.domainname},
            {"machine", u.machine},
            {"nodename", u.nodename},
            {"release", u.release},
            {"sysname", u.sysname},
            {"version", u.version}},
           1);
}

}  // namespace

HostInput::HostInput(HostSource source, MetricSink* sink, Metrics* metrics)
    : source_(std::move(source)),
      sink_(sink),
      metrics_(metrics->ForInput(source_.name, "host")),
      loop_(source_.interval, [this] { CollectAndSend(); }) {}

absl::StatusOr<std::unique_ptr<HostInput>> HostInput::Create(HostSource source, MetricSink* sink,
                                                             Metrics* metrics) {
  std::unique_ptr<HostInput> input(new HostInput(std::move(source), sink, metrics));
  input->labels_ = OverrideLabels(
      {{"instance", input->source_.instance}, {"job", input->source_.job}}, input->source_.labels);
  if (absl::StatusOr<LabelSet> check = LabelSet::Make(input->labels_); !check.ok()) {
    return absl::InvalidArgumentError(StrCat(input->source_.name, ": ", check.status().message()));
  }
  return input;
}

HostInput::~HostInput() { Stop(); }

MetricUnit HostInput::Collect() const {
  auto now = std::chrono::system_clock::now();
  HostSamples out(
      labels_,
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  const std::string& proc = source_.proc;
  AddCpuStats(ReadOrEmpty(proc + "/stat"), static_cast<double>(sysconf(_SC_CLK_TCK)), &out);
  AddMeminfo(ReadOrEmpty(proc + "/meminfo"), &out);
  AddLoadavg(ReadOrEmpty(proc + "/loadavg"), &out);
  AddDiskstats(ReadOrEmpty(proc + "/diskstats"), &out);
  AddNetDev(ReadOrEmpty(proc + "/net/dev"), &out);
  // node_exporter 1.5 reads init's mounts (the host's, from a container), else its own.
  std::string mounts = ReadOrEmpty(proc + "/1/mounts");
  if (mounts.empty()) mounts = ReadOrEmpty(proc + "/mounts");
  AddFilesystems(mounts, &StatFilesystemAt, &out);
  AddUname(&out);
  out.Family("node_time_seconds", "gauge", "System time in seconds since epoch (1970).");
  out.Add("node_time_seconds", {}, std::chrono::duration<double>(now.time_since_epoch()).count());
  return out.Take();
}

void HostInput::Start() { loop_.Start(); }

void HostInput::Stop() { loop_.Stop(); }

void HostInput::CollectAndSend() {
  MetricUnit unit = Collect();
  metrics_.lines.Increment(static_cast<double>(unit.samples.size()));
  sink_->AddMetrics(std::move(unit));
}

}  // namespace vigie::collector
