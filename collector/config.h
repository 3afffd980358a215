// The collector's configuration: YAML (docs/collector.md has the reference) or the defaults
// used when no file is given. Flags override the file after parsing.
//
// Parsing reports the first error with the path of the offending key
// ("inputs[1].multiline.start: ..."); unknown keys are errors, so that a typo is not silently
// ignored.
//
// Thread safety: stateless functions; the result is a plain value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/batcher.h"
#include "collector/inputs/file_input.h"
#include "collector/inputs/graphite_input.h"
#include "collector/inputs/host_input.h"
#include "collector/inputs/scrape_input.h"
#include "collector/inputs/statsd_input.h"
#include "collector/inputs/syslog_input.h"
#include "collector/shipper.h"
#include "collector/spool.h"
#include "common/labels.h"

namespace vigie::collector {

struct CollectorConfig {
  std::string state_dir = "/var/lib/vigie-collector";
  std::string host;           // The `host` label; empty: this machine's host name.
  std::vector<Label> labels;  // Added to everything sent.
  std::string compression = "auto";
  Shipper::Options shipper;  // Its compression is resolved from `compression` at start.
  Batcher::Options batch;
  Spool::Options spool;  // Its dir defaults to <state_dir>/spool at start.
  std::string metrics_listen = "127.0.0.1:9471";
  FileInput::Options files;
  std::vector<SyslogSource> syslogs;
  std::vector<StatsdSource> statsds;
  std::vector<GraphiteSource> graphites;
  std::vector<ScrapeSource> scrapes;
  // On unless an input `type: host` says `enabled: false`.
  std::optional<HostSource> host_metrics = HostSource{};
};

// Parses a YAML configuration.
absl::StatusOr<CollectorConfig> ParseConfig(std::string_view yaml);
absl::StatusOr<CollectorConfig> LoadConfig(const std::string& path);

// With no file: tail the readable /var/log/*.log, /var/log/syslog and /var/log/messages,
// receive syslog on udp and tcp 127.0.0.1:5514, and collect host metrics every 15 s.
CollectorConfig DefaultConfig();

// Checks what parsing cannot (regexes, label names, addresses); `--check-config` runs it too.
absl::Status Validate(const CollectorConfig& config);

// Sizes as written in the configuration: a number of bytes with an optional unit, B, KB, MB, GB
// (powers of 1000) or KiB, MiB, GiB (powers of 1024): "1GiB", "256KiB", "500MB".
absl::StatusOr<uint64_t> ParseBytes(std::string_view text);

}  // namespace vigie::collector
