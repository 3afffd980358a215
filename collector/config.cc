#include "collector/config.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>

#include "collector/durable_file.h"
#include "collector/net_address.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::collector {

namespace {

// Walks a YAML mapping, reporting errors with the key's path.
class Reader {
 public:
  Reader(const YAML::Node& node, std::string path) : node_(node), path_(std::move(path)) {}

  // Calls `fn(key, value_reader)` for each key; fails on keys not in `known`.
  absl::Status Each(const std::set<std::string>& known,
                    const std::function<absl::Status(const std::string&, Reader)>& fn) const {
    if (!node_.IsMap()) return Error("expected a mapping");
    for (const auto& kv : node_) {
      std::string key = kv.first.as<std::string>();
      if (!known.contains(key)) return Reader(kv.second, Sub(key)).Error("unknown key");
      if (absl::Status s = fn(key, Reader(kv.second, Sub(key))); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  absl::Status String(std::string* out) const {
    if (!node_.IsScalar()) return Error("expected a string");
    *out = node_.as<std::string>();
    return absl::OkStatus();
  }
  absl::Status Strings(std::vector<std::string>* out) const {
    if (node_.IsScalar()) return String(&out->emplace_back());
    if (!node_.IsSequence()) return Error("expected a list of strings");
    for (size_t i = 0; i < node_.size(); ++i) {
      if (absl::Status s =
              Reader(node_[i], StrCat(path_, "[", i, "]")).String(&out->emplace_back());
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
  absl::Status Numbers(std::vector<double>* out) const {
    if (!node_.IsSequence()) return Error("expected a list of numbers");
    out->clear();
    for (size_t i = 0; i < node_.size(); ++i) {
      if (!node_[i].IsScalar() || !YAML::convert<double>::decode(node_[i], out->emplace_back())) {
        return Reader(node_[i], StrCat(path_, "[", i, "]")).Error("expected a number");
      }
    }
    return absl::OkStatus();
  }
  absl::Status Bool(bool* out) const {
    if (!node_.IsScalar() || !YAML::convert<bool>::decode(node_, *out)) {
      return Error("expected true or false");
    }
    return absl::OkStatus();
  }
  template <typename T>
  absl::Status Size(T* out) const {
    std::string text;
    if (absl::Status s = String(&text); !s.ok()) return s;
    absl::StatusOr<uint64_t> bytes = ParseBytes(text);
    if (!bytes.ok()) return Error(std::string(bytes.status().message()));
    *out = static_cast<T>(*bytes);
    return absl::OkStatus();
  }
  template <typename D>
  absl::Status Duration(D* out) const {
    std::string text;
    if (absl::Status s = String(&text); !s.ok()) return s;
    absl::StatusOr<int64_t> ns = ParseDuration(text);
    if (!ns.ok()) return Error(std::string(ns.status().message()));
    *out = std::chrono::duration_cast<D>(std::chrono::nanoseconds(*ns));
    return absl::OkStatus();
  }
  absl::Status Labels(std::vector<Label>* out) const {
    if (!node_.IsMap()) return Error("expected a mapping of label names to values");
    for (const auto& kv : node_) {
      std::string name = kv.first.as<std::string>();
      Label& label = out->emplace_back(Label{name, {}});
      if (absl::Status s = Reader(kv.second, Sub(name)).String(&label.value); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(StrCat(path_.empty() ? "configuration" : path_, ": ", what));
  }

 private:
  std::string Sub(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  YAML::Node node_;
  std::string path_;
};

absl::Status ReadFileInput(const Reader& r, FileSource* f) {
  return r.Each({"type", "name", "paths", "exclude", "labels", "multiline", "read_from",
                 "max_line_bytes", "rotate_wait"},
                [&](const std::string& key, Reader v) -> absl::Status {
                  if (key == "type") return absl::OkStatus();
                  if (key == "name") return v.String(&f->name);
                  if (key == "paths") return v.Strings(&f->paths);
                  if (key == "exclude") return v.Strings(&f->exclude);
                  if (key == "labels") return v.Labels(&f->labels);
                  if (key == "max_line_bytes") return v.Size(&f->max_line_bytes);
                  if (key == "rotate_wait") return v.Duration(&f->rotate_wait);
                  if (key == "read_from") {
                    std::string from;
                    if (absl::Status s = v.String(&from); !s.ok()) return s;
                    if (from != "end" && from != "beginning") {
                      return v.Error("expected end or beginning");
                    }
                    f->read_from_beginning = from == "beginning";
                    return absl::OkStatus();
                  }
                  return v.Each({"start", "timeout"}, [&](const std::string& k, Reader m) {
                    return k == "start" ? m.String(&f->multiline_start)
                                        : m.Duration(&f->multiline_timeout);
                  });
                });
}

absl::Status ReadSyslogInput(const Reader& r, SyslogSource* s) {
  return r.Each({"type", "name", "listen", "labels", "max_message_bytes", "max_connections"},
                [&](const std::string& key, Reader v) -> absl::Status {
                  if (key == "type") return absl::OkStatus();
                  if (key == "name") return v.String(&s->name);
                  if (key == "listen") return v.Strings(&s->listen);
                  if (key == "labels") return v.Labels(&s->labels);
                  if (key == "max_message_bytes") return v.Size(&s->max_message_bytes);
                  return v.Size(&s->max_connections);
                });
}

absl::Status ReadScrapeTargets(const Reader& r, ScrapeSource* s) {
  if (!r.node().IsSequence()) return r.Error("expected a list of {url, labels}");
  for (size_t i = 0; i < r.node().size(); ++i) {
    ScrapeTargetSpec& target = s->targets.emplace_back();
    Reader t(r.node()[i], StrCat(r.path(), "[", i, "]"));
    if (absl::Status st = t.Each({"url", "labels"},
                                 [&](const std::string& key, Reader v) {
                                   return key == "url" ? v.String(&target.url)
                                                       : v.Labels(&target.labels);
                                 });
        !st.ok()) {
      return st;
    }
    if (target.url.empty()) return t.Error("needs a url");
  }
  return absl::OkStatus();
}

absl::Status ReadScrapeInput(const Reader& r, ScrapeSource* s) {
  return r.Each({"type", "name", "job", "interval", "timeout", "targets", "honor_labels",
                 "honor_timestamps", "max_body_bytes"},
                [&](const std::string& key, Reader v) -> absl::Status {
                  if (key == "type") return absl::OkStatus();
                  if (key == "name") return v.String(&s->name);
                  if (key == "job") return v.String(&s->job);
                  if (key == "interval") return v.Duration(&s->interval);
                  if (key == "timeout") return v.Duration(&s->timeout);
                  if (key == "targets") return ReadScrapeTargets(v, s);
                  if (key == "honor_labels") return v.Bool(&s->honor_labels);
                  if (key == "honor_timestamps") return v.Bool(&s->honor_timestamps);
                  return v.Size(&s->max_body_bytes);
                });
}

absl::Status ReadHostInput(const Reader& r, CollectorConfig* c) {
  bool enabled = true;
  HostSource host;
  absl::Status s = r.Each({"type", "name", "job", "interval", "enabled"},
                          [&](const std::string& key, Reader v) -> absl::Status {
                            if (key == "type") return absl::OkStatus();
                            if (key == "name") return v.String(&host.name);
                            if (key == "job") return v.String(&host.job);
                            if (key == "interval") return v.Duration(&host.interval);
                            return v.Bool(&enabled);
                          });
  if (!s.ok()) return s;
  c->host_metrics.reset();
  if (enabled) c->host_metrics = std::move(host);
  return absl::OkStatus();
}

absl::Status ReadStatsdInput(const Reader& r, StatsdSource* s) {
  return r.Each({"type", "name", "listen", "labels", "flush", "percentiles", "delete_idle_after",
                 "max_line_bytes"},
                [&](const std::string& key, Reader v) -> absl::Status {
                  if (key == "type") return absl::OkStatus();
                  if (key == "name") return v.String(&s->name);
                  if (key == "listen") return v.Strings(&s->listen);
                  if (key == "labels") return v.Labels(&s->aggregate.labels);
                  if (key == "flush") return v.Duration(&s->flush);
                  if (key == "percentiles") return v.Numbers(&s->aggregate.percentiles);
                  if (key == "max_line_bytes") return v.Size(&s->max_line_bytes);
                  std::chrono::milliseconds idle;
                  if (absl::Status st = v.Duration(&idle); !st.ok()) return st;
                  s->aggregate.delete_idle_after_ms = idle.count();
                  return absl::OkStatus();
                });
}

absl::Status ReadGraphiteInput(const Reader& r, GraphiteSource* g) {
  return r.Each({"type", "name", "listen", "labels", "max_line_bytes"},
                [&](const std::string& key, Reader v) -> absl::Status {
                  if (key == "type") return absl::OkStatus();
                  if (key == "name") return v.String(&g->name);
                  if (key == "listen") return v.Strings(&g->listen);
                  if (key == "labels") return v.Labels(&g->labels);
                  return v.Size(&g->max_line_bytes);
                });
}

absl::Status ReadInputs(const Reader& r, CollectorConfig* c) {
  if (!r.node().IsSequence()) return r.Error("expected a list of inputs");
  for (size_t i = 0; i < r.node().size(); ++i) {
    Reader input(r.node()[i], StrCat(r.path(), "[", i, "]"));
    std::string type;
    if (!input.node().IsMap() || !input.node()["type"]) return input.Error("needs a type");
    if (absl::Status s = Reader(input.node()["type"], input.path() + ".type").String(&type);
        !s.ok()) {
      return s;
    }
    absl::Status s;
    if (type == "file") {
      FileSource& f = c->files.sources.emplace_back();
      f.name = StrCat("file-", i);
      s = ReadFileInput(input, &f);
    } else if (type == "syslog") {
      SyslogSource& sys = c->syslogs.emplace_back();
      sys.name = StrCat("syslog-", i);
      s = ReadSyslogInput(input, &sys);
    } else if (type == "statsd") {
      StatsdSource& statsd = c->statsds.emplace_back();
      statsd.name = StrCat("statsd-", i);
      s = ReadStatsdInput(input, &statsd);
    } else if (type == "graphite") {
      GraphiteSource& graphite = c->graphites.emplace_back();
      graphite.name = StrCat("graphite-", i);
      s = ReadGraphiteInput(input, &graphite);
    } else if (type == "scrape") {
      ScrapeSource& scrape = c->scrapes.emplace_back();
      scrape.name = StrCat("scrape-", i);
      s = ReadScrapeInput(input, &scrape);
    } else if (type == "host") {
      s = ReadHostInput(input, c);
    } else {
      s = input.Error(
          StrCat("type \"", type, "\": expected file, syslog, statsd, graphite, scrape or host"));
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ReadTop(const Reader& r, CollectorConfig* c) {
  return r.Each(
      {"server", "token", "tls", "state_dir", "host", "labels", "compression", "batch", "shipper",
       "spool", "metrics", "inputs"},
      [&](const std::string& key, Reader v) -> absl::Status {
        if (key == "server") return v.String(&c->shipper.server);
        if (key == "token") return v.String(&c->shipper.token);
        if (key == "state_dir") return v.String(&c->state_dir);
        if (key == "host") return v.String(&c->host);
        if (key == "labels") return v.Labels(&c->labels);
        if (key == "compression") return v.String(&c->compression);
        if (key == "inputs") return ReadInputs(v, c);
        if (key == "tls") {
          return v.Each({"ca_file"}, [&](const std::string&, Reader t) {
            return t.String(&c->shipper.tls_ca_file);
          });
        }
        if (key == "metrics") {
          return v.Each({"listen"},
                        [&](const std::string&, Reader m) { return m.String(&c->metrics_listen); });
        }
        if (key == "batch") {
          return v.Each({"max_bytes", "max_age", "max_samples", "max_unit_samples"},
                        [&](const std::string& k, Reader b) -> absl::Status {
                          if (k == "max_bytes") return b.Size(&c->batch.max_bytes);
                          if (k == "max_samples") return b.Size(&c->batch.max_samples);
                          if (k == "max_unit_samples") return b.Size(&c->batch.max_unit_samples);
                          return b.Duration(&c->batch.max_age);
                        });
        }
        if (key == "spool") {
          return v.Each({"path", "max_bytes", "segment_bytes", "fsync"},
                        [&](const std::string& k, Reader s) -> absl::Status {
                          if (k == "path") return s.String(&c->spool.dir);
                          if (k == "max_bytes") return s.Size(&c->spool.max_bytes);
                          if (k == "segment_bytes") return s.Size(&c->spool.segment_bytes);
                          return s.Bool(&c->spool.fsync);
                        });
        }
        return v.Each({"window", "max_request_bytes", "backoff_min", "backoff_max", "ack_timeout"},
                      [&](const std::string& k, Reader s) -> absl::Status {
                        if (k == "window") return s.Size(&c->shipper.window);
                        if (k == "max_request_bytes") return s.Size(&c->shipper.max_request_bytes);
                        if (k == "backoff_min") return s.Duration(&c->shipper.backoff_min);
                        if (k == "backoff_max") return s.Duration(&c->shipper.backoff_max);
                        return s.Duration(&c->shipper.ack_timeout);
                      });
      });
}

}  // namespace

absl::StatusOr<CollectorConfig> ParseConfig(std::string_view yaml) {
  CollectorConfig config;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) return config;  // An empty file: the built-in settings, no inputs.
    if (absl::Status s = ReadTop(Reader(root, ""), &config); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat("configuration: ", e.what()));
  }
  if (absl::Status s = Validate(config); !s.ok()) return s;
  return config;
}

absl::StatusOr<CollectorConfig> LoadConfig(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<CollectorConfig> config = ParseConfig(*text);
  if (!config.ok()) {
    return absl::InvalidArgumentError(StrCat(path, ": ", config.status().message()));
  }
  return config;
}

CollectorConfig DefaultConfig() {
  CollectorConfig config;
  FileSource& files = config.files.sources.emplace_back();
  files.name = "var-log";
  files.paths = {"/var/log/*.log", "/var/log/syslog", "/var/log/messages"};
  SyslogSource& syslog = config.syslogs.emplace_back();
  syslog.name = "syslog";
  syslog.listen = {"udp://127.0.0.1:5514", "tcp://127.0.0.1:5514"};
  return config;
}

}  // namespace vigie::collector
