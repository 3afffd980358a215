// Validate() and ParseBytes() of config.h.
#include <re2/re2.h>

#include <set>

#include "collector/config.h"
#include "collector/net_address.h"
#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::collector {

namespace {

// Values vigied accepts by default (common/limits.h); the collector stays within them.
constexpr uint64_t kMaxLine = 256 * 1024;
// vigied accepts 15 labels per stream; the collector adds up to five of its own (host, file or
// app, facility, severity, parse_error).
constexpr size_t kMaxConfiguredLabels = 10;

absl::Status Invalid(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(StrCat(where, ": ", what));
}

absl::Status CheckLabels(std::string_view where, const std::vector<Label>& labels) {
  if (labels.size() > kMaxConfiguredLabels) {
    return Invalid(where, StrCat(labels.size(), " labels; at most ", kMaxConfiguredLabels,
                                 " with the collector's and the input's together"));
  }
  for (const Label& l : labels) {
    if (IsReservedLabelName(l.name)) return Invalid(where, ReservedLabelMessage(l.name));
    if (size_t bad = InvalidUtf8Offset(l.value); bad != std::string::npos) {
      return Invalid(
          where, StrCat("label ", EscapeForMessage(l.name), ": value \"", EscapeForMessage(l.value),
                        "\" is not valid UTF-8 (byte ", bad, ")"));
    }
  }
  absl::StatusOr<LabelSet> set = LabelSet::Make(labels);
  return set.ok() ? absl::OkStatus() : Invalid(where, std::string(set.status().message()));
}

absl::Status CheckRange(std::string_view where, uint64_t value, uint64_t min, uint64_t max) {
  if (value >= min && value <= max) return absl::OkStatus();
  return Invalid(where, StrCat(value, " is out of range [", min, ", ", max, "]"));
}

// `listen` is a non-empty list of udp:// and tcp:// addresses.
absl::Status CheckListen(std::string_view where, const std::vector<std::string>& listen) {
  if (listen.empty()) return Invalid(where, "needs listen addresses");
  for (const std::string& text : listen) {
    absl::StatusOr<ListenAddress> a = ParseListenAddress(text);
    if (!a.ok()) return Invalid(where, std::string(a.status().message()));
    if (a->scheme != "udp" && a->scheme != "tcp") {
      return Invalid(where, StrCat("listen \"", text, "\": expected udp:// or tcp://"));
    }
  }
  return absl::OkStatus();
}

// The checks every StatsD or Graphite input needs: a unique name, listen addresses, labels.
absl::Status CheckMetricInput(const CollectorConfig& c, const std::string& name,
                              const std::vector<std::string>& listen,
                              const std::vector<Label>& labels, size_t max_line_bytes,
                              std::set<std::string>* names) {
  std::string where = StrCat("input ", name);
  if (!names->insert(name).second) return Invalid(where, "name is used twice");
  if (absl::Status s = CheckListen(where, listen); !s.ok()) return s;
  if (absl::Status s = CheckLabels(where, OverrideLabels(c.labels, labels)); !s.ok()) return s;
  return CheckRange(where + " max_line_bytes", max_line_bytes, 256, kMaxLine);
}

absl::Status CheckStatsd(const CollectorConfig& c, const StatsdSource& s,
                         std::set<std::string>* names) {
  if (absl::Status st =
          CheckMetricInput(c, s.name, s.listen, s.aggregate.labels, s.max_line_bytes, names);
      !st.ok()) {
    return st;
  }
  std::string where = StrCat("input ", s.name);
  if (s.flush.count() < 100) return Invalid(where + " flush", "must be at least 100ms");
  if (s.aggregate.delete_idle_after_ms < 0) {
    return Invalid(where + " delete_idle_after", "must not be negative");
  }
  std::set<double> seen;
  for (double pct : s.aggregate.percentiles) {
    if (!(pct > 0 && pct <= 100)) {
      return Invalid(where + " percentiles", StrCat(pct, " is not in (0, 100]"));
    }
    if (!seen.insert(pct).second) {
      return Invalid(where + " percentiles", StrCat(pct, " is listed twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Validate(const CollectorConfig& c) {
  if (absl::Status s = CheckLabels("labels", c.labels); !s.ok()) return s;
  if (c.shipper.server.empty()) return Invalid("server", "is empty");
  if (absl::StatusOr<grpc_compression_algorithm> a = ParseCompression(c.compression, ""); !a.ok()) {
    return a.status();
  }
  if (absl::Status s = CheckRange("shipper.window", c.shipper.window, 1, 1024); !s.ok()) return s;
  // vigied accepts up to 16 MiB of lines per request by default.
  if (absl::Status s =
          CheckRange("shipper.max_request_bytes", c.shipper.max_request_bytes, 0, 12 << 20);
      !s.ok()) {
    return s;
  }
  if (c.shipper.backoff_min.count() <= 0 || c.shipper.backoff_max < c.shipper.backoff_min) {
    return Invalid("shipper", "needs 0 < backoff_min <= backoff_max");
  }
  if (absl::Status s = CheckRange("batch.max_bytes", c.batch.max_bytes, 1024, 8 << 20); !s.ok()) {
    return s;
  }
  if (c.batch.max_age.count() <= 0) return Invalid("batch.max_age", "must be positive");
  if (absl::Status s = CheckRange("batch.max_samples", c.batch.max_samples, 1, 10'000'000);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckRange("batch.max_unit_samples", c.batch.max_unit_samples, 1, 100'000'000);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckRange("spool.segment_bytes", c.spool.segment_bytes, 64 << 10, 1 << 30);
      !s.ok()) {
    return s;
  }
  if (c.spool.max_bytes < 2 * c.spool.segment_bytes) {
    return Invalid("spool.max_bytes", "must hold at least two segments (segment_bytes)");
  }
  if (absl::StatusOr<ListenAddress> a = ParseListenAddress(c.metrics_listen); !a.ok()) {
    return Invalid("metrics.listen", std::string(a.status().message()));
  }
  std::set<std::string> names;
  for (const FileSource& f : c.files.sources) {
    std::string where = StrCat("input ", f.name);
    if (!names.insert(f.name).second) return Invalid(where, "name is used twice");
    if (f.paths.empty()) return Invalid(where, "needs paths");
    if (absl::Status s = CheckLabels(where, OverrideLabels(c.labels, f.labels)); !s.ok()) return s;
    if (absl::Status s = CheckRange(where + " max_line_bytes", f.max_line_bytes, 256, kMaxLine);
        !s.ok()) {
      return s;
    }
    if (!f.multiline_start.empty()) {
      RE2 re(f.multiline_start, RE2::Quiet);
      if (!re.ok()) return Invalid(where, StrCat("multiline start: ", re.error()));
    }
  }
  for (const SyslogSource& s : c.syslogs) {
    std::string where = StrCat("input ", s.name);
    if (!names.insert(s.name).second) return Invalid(where, "name is used twice");
    if (absl::Status st = CheckListen(where, s.listen); !st.ok()) return st;
    if (absl::Status st = CheckLabels(where, OverrideLabels(c.labels, s.labels)); !st.ok())
      return st;
    if (absl::Status st =
            CheckRange(where + " max_message_bytes", s.max_message_bytes, 256, kMaxLine);
        !st.ok()) {
      return st;
    }
  }
  for (const StatsdSource& s : c.statsds) {
    if (absl::Status st = CheckStatsd(c, s, &names); !st.ok()) return st;
  }
  for (const GraphiteSource& g : c.graphites) {
    if (absl::Status st = CheckMetricInput(c, g.name, g.listen, g.labels, g.max_line_bytes, &names);
        !st.ok()) {
      return st;
    }
  }
  for (const ScrapeSource& s : c.scrapes) {
    std::string where = StrCat("input ", s.name);
    if (!names.insert(s.name).second) return Invalid(where, "name is used twice");
    if (s.targets.empty()) return Invalid(where, "needs targets");
    if (s.interval.count() <= 0 || s.timeout.count() <= 0) {
      return Invalid(where, "interval and timeout must be positive");
    }
    if (s.timeout > s.interval) return Invalid(where, "timeout is longer than the interval");
    for (const ScrapeTargetSpec& t : s.targets) {
      if (absl::StatusOr<std::string> instance = ScrapeInstance(t.url); !instance.ok()) {
        return Invalid(where, std::string(instance.status().message()));
      }
      std::vector<Label> labels =
          OverrideLabels({{"job", s.job}}, OverrideLabels(c.labels, t.labels));
      if (absl::Status st = CheckLabels(StrCat(where, " target ", t.url), labels); !st.ok()) {
        return st;
      }
    }
  }
  if (c.host_metrics) {
    std::string where = StrCat("input ", c.host_metrics->name);
    if (!names.insert(c.host_metrics->name).second) return Invalid(where, "name is used twice");
    if (c.host_metrics->interval.count() <= 0) return Invalid(where, "interval must be positive");
    if (c.host_metrics->job.empty()) return Invalid(where, "job is empty");
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ParseBytes(std::string_view text) {
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},  {"TiB", 1ull << 40},
      {"KB", 1000},        {"MB", 1000'000},    {"GB", 1000'000'000}, {"B", 1}};
  std::string_view number = text;
  uint64_t unit = 1;
  for (const auto& [suffix, scale] : kUnits) {
    if (text.ends_with(suffix)) {
      number = text.substr(0, text.size() - suffix.size());
      unit = scale;
      break;
    }
  }
  while (number.ends_with(' ')) number.remove_suffix(1);
  double value = 0;
  if (!ParseNumber(number, &value) || value < 0 || value * static_cast<double>(unit) > 1e18) {
    return absl::InvalidArgumentError(
        StrCat("size \"", text, "\": expected a number of bytes, e.g. 1GiB, 256KiB, 500MB"));
  }
  return static_cast<uint64_t>(value * static_cast<double>(unit));
}

}  // namespace vigie::collector
