#include "server/http/loki_detected.h"

#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/strings.h"
#include "common/time.h"
#include "query/logql/label_filter.h"
#include "query/logql/labels_builder.h"
#include "query/logql/pipeline.h"
#include "query/logql/stages.h"
#include "server/http/loki_params.h"
#include "server/http/query_timer.h"

namespace vigie::server::http {

namespace {

constexpr int64_t kHourNs = 3600 * kNanosPerSecond;
constexpr uint32_t kDefaultLineLimit = 1000;   // Loki's.
constexpr uint32_t kDefaultFieldLimit = 1000;  // Loki's.

struct Field {
  std::set<std::string> values;
  std::set<std::string> parsers;  // "json", "logfmt"; empty for the query's own parsers.
};

bool IsErrorLabel(std::string_view name) {
  return name == logql::kErrorLabel || name == logql::kErrorDetailsLabel;
}

// Loki's field types, the first that every value of the field reads as: Go's ParseInt,
// ParseFloat, ParseBool, time.ParseDuration, then go-humanize's ParseBytes.
std::string_view FieldType(const std::set<std::string>& values) {
  auto all = [&](auto&& pred) { return std::all_of(values.begin(), values.end(), pred); };
  auto number = [](std::string_view v, auto* out) {
    if (v.starts_with('+')) v.remove_prefix(1);
    return ParseNumber(v, out);
  };
  if (all([&](const std::string& v) {
        int64_t i;
        return number(v, &i);
      })) {
    return "int";
  }
  if (all([&](const std::string& v) {
        double d;
        return number(v, &d);
      })) {
    return "float";
  }
  static const std::set<std::string_view> kBools = {"1", "t", "T", "TRUE",  "true",  "True",
                                                    "0", "f", "F", "FALSE", "false", "False"};
  if (all([](const std::string& v) { return kBools.contains(v); })) return "boolean";
  if (all([](const std::string& v) { return logql::ParseGoDuration(v).has_value(); })) {
    return "duration";
  }
  if (all([](const std::string& v) { return logql::ParseHumanBytes(v).has_value(); })) {
    return "bytes";
  }
  return "string";
}

// Extracts the fields of lines as Loki's detection does: `| json`, or `| logfmt` for a line that
// is not JSON, over the labels of the line's stream (so that a field named as a stream label is
// called <name>_extracted). Not thread-safe.
class FieldExtractor {
 public:
  FieldExtractor() {
    json_.Add(*logql::MakeJsonStage({}));
    logfmt_.Add(*logql::MakeLogfmtStage({}, {}));
  }

  // Adds the fields of `line` (of the stream with labels `stream`) to `fields`, at most `limit`
  // distinct names in all.
  void Add(const LabelSet& stream, int64_t ts, std::string_view line, uint32_t limit,
           std::map<std::string, Field>* fields) {
    auto [it, inserted] = streams_.try_emplace(stream);
    Pipelines& p = it->second;
    if (inserted) {
      p.json = std::make_unique<logql::StreamPipeline>(json_, it->first);
      p.logfmt = std::make_unique<logql::StreamPipeline>(logfmt_, it->first);
    }
    std::string_view parser = "json";
    logql::StreamPipeline* run = p.json.get();
    if (!run->Process(ts, line) || !run->Labels().Get(logql::kErrorLabel).empty()) {
      parser = "logfmt";
      run = p.logfmt.get();
      if (!run->Process(ts, line) || !run->Labels().Get(logql::kErrorLabel).empty()) return;
    }
    AddNew(stream, run->Labels(), parser, limit, fields);
  }

  // Adds the labels of `labels` that `stream` does not have (what the query's parsers extracted).
  static void AddNew(const LabelSet& stream, const LabelSet& labels, std::string_view parser,
                     uint32_t limit, std::map<std::string, Field>* fields) {
    for (const Label& l : labels.labels()) {
      if (IsErrorLabel(l.name) || stream.Get(l.name) == l.value) continue;
      auto it = fields->find(l.name);
      if (it == fields->end()) {
        if (fields->size() >= limit) continue;
        it = fields->emplace(l.name, Field()).first;
      }
      it->second.values.insert(l.value);
      if (!parser.empty()) it->second.parsers.emplace(parser);
    }
  }

 private:
  struct Pipelines {
    std::unique_ptr<logql::StreamPipeline> json, logfmt;
  };
  logql::Pipeline json_, logfmt_;
  std::map<LabelSet, Pipelines> streams_;  // Nodes are stable: the pipelines refer to the keys.
};

// Runs the request's query and detects the fields of the lines it returns.
absl::StatusOr<std::map<std::string, Field>> DetectFields(const Request& request,
                                                          const HttpDeps& deps,
                                                          uint32_t* field_limit) {
  std::optional<std::string_view> text = request.Param("query");
  if (!text) {
    return absl::InvalidArgumentError(
        "the \"query\" parameter is missing: give a log query such as {service_name=\"api\"}");
  }
  absl::StatusOr<logql::LogSelector> selector = ParseLogQuery(*text, deps.engine->limits());
  if (!selector.ok()) return selector.status();
  absl::StatusOr<TimeWindow> window = ParseTimeWindow(request, NowNanos(), kHourNs);
  if (!window.ok()) return window.status();
  absl::StatusOr<uint32_t> line_limit = ParseCount(request, "line_limit");
  if (!line_limit.ok()) return line_limit.status();
  absl::StatusOr<uint32_t> limit = ParseLimit(request);
  if (!limit.ok()) return limit.status();
  *field_limit = *limit > 0 ? *limit : kDefaultFieldLimit;

  logql::QueryParams params;
  params.start_ns = window->start_ns;
  params.end_ns = window->end_ns;
  params.limit = *line_limit > 0 ? *line_limit : kDefaultLineLimit;
  params.cancelled = request.client_gone;
  logql::Query query;
  query.log = *selector;
  if (absl::Status s = deps.engine->CheckParams(query, &params); !s.ok()) return s;
  std::map<std::string, Field> fields;
  FieldExtractor extractor;
  logql::QueryStats stats;
  absl::Status status = deps.engine->RunLogQuery(
      *query.log, params,
      [&](const logql::LogLine& l) {
        FieldExtractor::AddNew(l.stream_labels, l.labels, "", *field_limit, &fields);
        extractor.Add(l.stream_labels, l.ts, l.line, *field_limit, &fields);
        return true;
      },
      &stats);
  if (!status.ok()) return status;
  return fields;
}

}  // namespace

Response HandleDetectedFields(const Request& request, const HttpDeps& deps) {
  LokiTimer timer(deps, "labels");
  uint32_t limit = 0;
  absl::StatusOr<std::map<std::string, Field>> fields = DetectFields(request, deps, &limit);
  if (!fields.ok()) return timer.Failed(fields.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, f] : *fields) {
    nlohmann::json parsers = nullptr;  // Loki's null for the query's own parsers.
    if (!f.parsers.empty()) parsers = f.parsers;
    out.push_back({{"label", name},
                   {"type", FieldType(f.values)},
                   {"cardinality", f.values.size()},
                   {"parsers", std::move(parsers)}});
  }
  return timer.Done(JsonResponse({{"fields", std::move(out)}, {"limit", limit}}));
}

Response HandleDetectedFieldValues(const Request& request, const HttpDeps& deps,
                                   std::string_view name) {
  LokiTimer timer(deps, "labels");
  uint32_t limit = 0;
  absl::StatusOr<std::map<std::string, Field>> fields = DetectFields(request, deps, &limit);
  if (!fields.ok()) return timer.Failed(fields.status());
  auto it = fields->find(std::string(name));
  nlohmann::json values = nlohmann::json::array();
  if (it != fields->end()) values = it->second.values;
  return timer.Done(JsonResponse({{"values", std::move(values)}}));
}

}  // namespace vigie::server::http
