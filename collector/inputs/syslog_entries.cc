#include "collector/inputs/syslog_entries.h"

#include "collector/inputs/syslog_parse.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::collector {

namespace {
constexpr size_t kMaxCachedStreams = 10000;
}  // namespace

SyslogEntries::SyslogEntries(std::vector<Label> labels, std::string default_host, EntrySink* sink,
                             Metrics::Input counters)
    : labels_(std::move(labels)),
      default_host_(std::move(default_host)),
      sink_(sink),
      counters_(counters) {}

SyslogEntries::CachedStream& SyslogEntries::Stream(std::string_view host, std::string_view app,
                                                   int facility, int severity, bool parse_error) {
  std::string key =
      StrCat(host, '\x1f', app, '\x1f', facility, '\x1f', severity, '\x1f', parse_error ? "1" : "");
  auto it = streams_.find(key);
  if (it != streams_.end()) return it->second;
  if (streams_.size() >= kMaxCachedStreams) streams_.clear();
  std::vector<Label> own = {{"host", std::string(host)}};
  if (parse_error) {
    own.push_back({"parse_error", "true"});
  } else {
    own.push_back({"app", std::string(app)});
    own.push_back({"facility", std::string(FacilityName(facility))});
    own.push_back({"severity", std::string(SeverityName(severity))});
  }
  // Configured labels win over the message's, as everywhere (docs/collector.md). Names are
  // fixed or validated with the configuration and none is repeated, so Make cannot fail.
  return streams_[key] =
             CachedStream{MakeWireLabels(LabelSet::Make(OverrideLabels(own, labels_)).value()), 0};
}

void SyslogEntries::Emit(CachedStream& stream, int64_t ts_ns, std::string_view line) {
  if (ts_ns <= stream.last_ts && ts_ns > stream.last_ts - kNanosPerSecond) {
    ts_ns = stream.last_ts + 1;
  }
  stream.last_ts = std::max(stream.last_ts, ts_ns);
  sink_->Add(stream.stream, ts_ns, line, nullptr);
}

void SyslogEntries::Handle(std::string_view raw, bool truncated, std::string_view peer_host,
                           int64_t received_ns) {
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\0')) {
    raw.remove_suffix(1);
  }
  counters_.bytes.Increment(static_cast<double>(raw.size()));
  counters_.lines.Increment();
  if (truncated) counters_.truncated.Increment();
  std::string_view fallback_host = peer_host.empty() ? default_host_ : peer_host;
  std::optional<SyslogMessage> m = ParseSyslog(raw, received_ns);
  if (!m) {
    counters_.parse_errors.Increment();
    Emit(Stream(fallback_host, {}, 0, 0, true), received_ns, raw);
    return;
  }
  std::string_view line = m->msg;
  if (!m->structured_data.empty()) {
    line_.assign(m->structured_data);
    if (!m->msg.empty()) StrAppend(&line_, " ", m->msg);
    line = line_;
  }
  std::string_view host = m->hostname.empty() ? fallback_host : m->hostname;
  Emit(Stream(host, m->app_name, m->facility, m->severity, false),
       m->ts_ns > 0 ? m->ts_ns : received_ns, line);
}

}  // namespace vigie::collector
