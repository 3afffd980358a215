#include "collector/inputs/syslog_entries.h"

#include <spdlog/spdlog.h>

#include "collector/inputs/syslog_parse.h"
#include "common/strings.h"

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

const StreamRef& SyslogEntries::Stream(std::string_view host, std::string_view app, int facility,
                                       int severity, bool parse_error) {
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
  // The message's labels take precedence over configured ones of the same name.
  std::vector<Label> labels = own;
  for (const Label& l : labels_) {
    bool shadowed = false;
    for (const Label& o : own) shadowed |= o.name == l.name;
    if (!shadowed) labels.push_back(l);
  }
  // Names are fixed or validated with the configuration, so Make cannot fail.
  return streams_[key] = MakeStream(LabelSet::Make(std::move(labels)).value());
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
    sink_->Add(Stream(fallback_host, {}, 0, 0, true), received_ns, raw, nullptr);
    return;
  }
  std::string_view line = m->msg;
  if (!m->structured_data.empty()) {
    line_.assign(m->structured_data);
    if (!m->msg.empty()) StrAppend(&line_, " ", m->msg);
    line = line_;
  }
  std::string_view host = m->hostname.empty() ? fallback_host : m->hostname;
  sink_->Add(Stream(host, m->app_name, m->facility, m->severity, false),
             m->ts_ns > 0 ? m->ts_ns : received_ns, line, nullptr);
}

}  // namespace vigie::collector
