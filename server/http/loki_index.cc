#include "server/http/loki_index.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/go_format.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/utf8.h"
#include "query/logql/selector.h"
#include "query/logql/time_bounds.h"
#include "query/logql/volume.h"
#include "server/http/json_encode.h"
#include "server/http/loki_params.h"
#include "server/http/query_timer.h"

namespace vigie::server::http {

namespace {

constexpr int64_t kHourNs = 3600 * kNanosPerSecond;
constexpr uint32_t kDefaultVolumeLimit = 100;  // Loki's.

// Loki's "match anything" selector, which only the volume endpoints take.
bool IsMatchAny(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  return compact == "{}";
}

// A selector of an index request; nullopt selects every stream ("{}" where allowed).
absl::StatusOr<std::optional<logql::LogSelector>> ParseIndexSelector(std::string_view text,
                                                                     const HttpDeps& deps,
                                                                     bool allow_all) {
  if (allow_all && IsMatchAny(text)) return std::nullopt;
  absl::StatusOr<logql::LogSelector> selector = ParseLogQuery(text, deps.engine->limits());
  if (!selector.ok()) return selector.status();
  return std::optional<logql::LogSelector>(*std::move(selector));
}

std::vector<store::StreamId> StreamIds(const HttpDeps& deps,
                                       const std::optional<logql::LogSelector>& selector,
                                       store::TimeRange range) {
  if (selector) return logql::SelectStreams(*deps.querier, *selector, range);
  std::set<store::StreamId> all;
  for (const std::string& name : deps.querier->LabelNames(range)) {
    for (store::StreamId id : deps.querier->StreamsWhere(
             name, [](std::string_view) { return true; }, range)) {
      all.insert(id);
    }
  }
  return {all.begin(), all.end()};
}

logql::StopCondition StopFor(const Request& request, const HttpDeps& deps) {
  int64_t timeout = deps.engine->limits().query_timeout_ns;
  return {timeout > 0 ? MonotonicNanos() + timeout : 0, request.client_gone};
}

// What a volume request asks for.
struct VolumeQuery {
  std::optional<logql::LogSelector> selector;  // nullopt: every stream.
  TimeWindow window;
  int64_t step_ns = 0;  // 0: one step, the whole window (index/volume).
  uint32_t limit = kDefaultVolumeLimit;
  std::vector<std::string> targets;  // targetLabels.
  bool by_labels = false;            // aggregateBy=labels.
};

absl::StatusOr<std::vector<std::string>> ParseTargetLabels(const Request& request) {
  std::vector<std::string> targets;
  std::optional<std::string_view> text = request.Param("targetLabels");
  if (!text) return targets;
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t comma = std::min(rest.find(','), rest.size());
    std::string_view name = rest.substr(0, comma);
    rest.remove_prefix(std::min(comma + 1, rest.size()));
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) continue;
    if (!IsValidLabelName(name)) {
      return absl::InvalidArgumentError(StrCat(
          "invalid parameter \"targetLabels\": \"", EscapeForMessage(name),
          "\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*); give names separated by commas"));
    }
    targets.emplace_back(name);
  }
  return targets;
}

absl::StatusOr<VolumeQuery> ParseVolumeQuery(const Request& request, const HttpDeps& deps,
                                             bool range) {
  VolumeQuery q;
  std::optional<std::string_view> text = request.Param("query");
  if (!text) {
    return absl::InvalidArgumentError(
        "the \"query\" parameter is missing: give a stream selector such as {job=\"api\"}, or {} "
        "for every stream");
  }
  absl::StatusOr<std::optional<logql::LogSelector>> selector =
      ParseIndexSelector(*text, deps, /*allow_all=*/true);
  if (!selector.ok()) return selector.status();
  q.selector = *std::move(selector);
  absl::StatusOr<TimeWindow> window = ParseTimeWindow(request, NowNanos(), kHourNs);
  if (!window.ok()) return window.status();
  q.window = *window;
  const Limits& limits = deps.engine->limits();
  if (absl::Status s = logql::CheckTimeRange(q.window.start_ns, q.window.end_ns, limits); !s.ok()) {
    return s;
  }
  absl::StatusOr<uint32_t> limit = ParseLimit(request);
  if (!limit.ok()) return limit.status();
  if (*limit > 0) q.limit = *limit;
  absl::StatusOr<std::vector<std::string>> targets = ParseTargetLabels(request);
  if (!targets.ok()) return targets.status();
  q.targets = *std::move(targets);
  std::string_view aggregate = request.Param("aggregateBy").value_or("series");
  if (aggregate != "series" && aggregate != "labels" && !aggregate.empty()) {
    return absl::InvalidArgumentError(StrCat("invalid parameter \"aggregateBy\" (",
                                             EscapeForMessage(aggregate),
                                             "): use series (the default) or labels"));
  }
  q.by_labels = aggregate == "labels";
  if (!range) return q;
  absl::StatusOr<int64_t> step = ParseStep(request);
  if (!step.ok()) return step.status();
  absl::StatusOr<int64_t> resolved =
      logql::ResolveStep(q.window.start_ns, q.window.end_ns, *step, limits);
  if (!resolved.ok()) return resolved.status();
  q.step_ns = *resolved;
  return q;
}

// One series of a volume answer: the bytes of a group of streams, step by step.
struct VolumeGroup {
  nlohmann::json metric;
  std::vector<uint64_t> bytes;  // Per step.
  std::vector<bool> present;    // Per step: some stream of the group had entries.
  std::vector<bool> kept;       // Per step: among the `limit` largest.
};

// The groups a stream's bytes go to: its labels among the selector's label names (or
// targetLabels), or, aggregating by labels, each of its label names (with value "").
std::vector<std::pair<std::string, nlohmann::json>> GroupsOf(const VolumeQuery& q,
                                                             const LabelSet& labels) {
  std::vector<std::pair<std::string, nlohmann::json>> groups;
  if (q.by_labels) {
    for (const Label& l : labels.labels()) {
      if (!q.targets.empty() &&
          std::find(q.targets.begin(), q.targets.end(), l.name) == q.targets.end()) {
        continue;
      }
      groups.emplace_back(l.name, nlohmann::json{{l.name, ""}});
    }
    return groups;
  }
  LabelSet key = labels;
  if (!q.targets.empty()) {
    key = labels.Project(q.targets, true);
  } else if (q.selector) {
    std::vector<std::string> names;
    for (const logql::LabelMatcher& m : q.selector->matchers) names.emplace_back(m.name());
    key = labels.Project(names, true);
  }
  groups.emplace_back(key.ToString(), LabelsJson(key));
  return groups;
}

// Keeps, at each step, the `limit` largest groups (ties by name), as Loki's volume does per
// split; returns the groups with a point left, ordered by their first point, largest first.
std::vector<const VolumeGroup*> Rank(std::map<std::string, VolumeGroup>& groups, size_t steps,
                                     uint32_t limit) {
  for (size_t i = 0; i < steps; ++i) {
    std::vector<std::pair<const std::string*, VolumeGroup*>> at_step;
    for (auto& [name, g] : groups) {
      if (g.present[i]) at_step.emplace_back(&name, &g);
    }
    std::sort(at_step.begin(), at_step.end(), [i](const auto& a, const auto& b) {
      if (a.second->bytes[i] != b.second->bytes[i]) return a.second->bytes[i] > b.second->bytes[i];
      return *a.first < *b.first;
    });
    for (size_t k = 0; k < at_step.size() && k < limit; ++k) at_step[k].second->kept[i] = true;
  }
  std::vector<std::pair<uint64_t, const VolumeGroup*>> ranked;  // First point's bytes.
  for (const auto& [name, g] : groups) {
    auto first = std::find(g.kept.begin(), g.kept.end(), true);
    if (first != g.kept.end()) ranked.emplace_back(g.bytes[first - g.kept.begin()], &g);
  }
  // std::map iterates by name, so a stable sort by bytes leaves ties in name order.
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<const VolumeGroup*> out;
  for (const auto& [bytes, g] : ranked) out.push_back(g);
  return out;
}

// Loki's test for a label not worth offering as a filter: every value an ID (a number or a UUID),
// unless it has at most two values, all 0 or 1 (a flag).
bool IsUuid(std::string_view v) {
  if (v.size() != 36) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !std::isxdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

bool OnlyIds(const std::set<std::string>& values) {
  if (values.empty()) return true;
  if (values.size() <= 2 && std::all_of(values.begin(), values.end(), [](const std::string& v) {
        return v == "0" || v == "1";
      })) {
    return false;
  }
  return std::all_of(values.begin(), values.end(), [](const std::string& v) {
    double number;
    return ParseNumber(v, &number) || IsUuid(v);
  });
}

}  // namespace

absl::StatusOr<std::vector<SelectedStream>> SelectStreamsFor(
    const HttpDeps& deps, const std::vector<std::string_view>& selectors, store::TimeRange range,
    bool allow_all) {
  std::set<store::StreamId> ids;
  for (std::string_view text : selectors) {
    absl::StatusOr<std::optional<logql::LogSelector>> selector =
        ParseIndexSelector(text, deps, allow_all);
    if (!selector.ok()) return selector.status();
    for (store::StreamId id : StreamIds(deps, *selector, range)) ids.insert(id);
  }
  std::vector<SelectedStream> streams;
  for (store::StreamId id : ids) {
    if (std::optional<LabelSet> labels = deps.querier->StreamLabels(id)) {
      streams.push_back({id, *std::move(labels)});
    }
  }
  return streams;
}

Response HandleIndexStats(const Request& request, const HttpDeps& deps) {
  LokiTimer timer(deps, "labels");
  std::optional<std::string_view> selector = request.Param("query");
  if (!selector) {
    return timer.Failed(absl::InvalidArgumentError("the \"query\" parameter is missing"));
  }
  absl::StatusOr<TimeWindow> window = ParseTimeWindow(request, NowNanos(), kHourNs);
  if (!window.ok()) return timer.Failed(window.status());
  store::TimeRange range{window->start_ns, window->end_ns};
  absl::StatusOr<std::optional<logql::LogSelector>> parsed =
      ParseIndexSelector(*selector, deps, /*allow_all=*/false);
  if (!parsed.ok()) return timer.Failed(parsed.status());
  std::unique_ptr<store::LogReader> reader = deps.querier->NewReader();
  logql::VolumeCounter counter(reader.get(), {range.start_ns, range.end_ns, 0},
                               StopFor(request, deps));
  std::vector<logql::VolumeCount> counts;
  uint64_t streams = 0, entries = 0, bytes = 0;
  for (store::StreamId id : StreamIds(deps, *parsed, range)) {
    if (absl::Status s = counter.Count(id, &counts); !s.ok()) return timer.Failed(s);
    if (counts[0].entries == 0) continue;
    ++streams;
    entries += counts[0].entries;
    bytes += counts[0].bytes;
  }
  return timer.Done(JsonResponse({{"streams", streams},
                                  {"chunks", counter.blocks()},
                                  {"entries", entries},
                                  {"bytes", bytes}}));
}

Response HandleVolume(const Request& request, const HttpDeps& deps, bool range) {
  LokiTimer timer(deps, "labels");
  absl::StatusOr<VolumeQuery> q = ParseVolumeQuery(request, deps, range);
  if (!q.ok()) return timer.Failed(q.status());
  store::TimeRange window{q->window.start_ns, q->window.end_ns};
  logql::VolumeSteps steps{window.start_ns, window.end_ns, q->step_ns};
  size_t step_count = steps.count();
  std::unique_ptr<store::LogReader> reader = deps.querier->NewReader();
  logql::VolumeCounter counter(reader.get(), steps, StopFor(request, deps));
  std::map<std::string, VolumeGroup> groups;
  std::vector<logql::VolumeCount> counts;
  logql::QueryStats stats;
  for (store::StreamId id : StreamIds(deps, q->selector, window)) {
    std::optional<LabelSet> labels = deps.querier->StreamLabels(id);
    if (!labels) continue;
    if (std::any_of(q->targets.begin(), q->targets.end(),
                    [&](const std::string& t) { return labels->Get(t).empty(); })) {
      continue;  // Loki selects only the streams that have every target label.
    }
    ++stats.streams;
    if (absl::Status s = counter.Count(id, &counts); !s.ok()) return timer.Failed(s);
    for (auto& [name, metric] : GroupsOf(*q, *labels)) {
      auto [it, inserted] = groups.try_emplace(name);
      VolumeGroup& g = it->second;
      if (inserted) {
        g.metric = std::move(metric);
        g.bytes.assign(step_count, 0);
        g.present.assign(step_count, false);
        g.kept.assign(step_count, false);
      }
      for (size_t i = 0; i < step_count; ++i) {
        if (counts[i].entries == 0) continue;
        g.present[i] = true;
        g.bytes[i] += counts[i].bytes;
      }
    }
  }
  stats.blocks = counter.blocks();
  nlohmann::json result = nlohmann::json::array();
  for (const VolumeGroup* g : Rank(groups, step_count, q->limit)) {
    if (!range) {
      result.push_back({{"metric", g->metric},
                        {"value", {UnixSeconds(window.end_ns), FormatGoFloatFixed(g->bytes[0])}}});
      continue;
    }
    nlohmann::json values = nlohmann::json::array();
    for (size_t i = 0; i < step_count; ++i) {
      if (!g->kept[i]) continue;
      // At the step's end, 1 ms before the next step begins, as Loki places them.
      int64_t end = steps.EndOf(i);
      int64_t at = end < window.end_ns ? end - kNanosPerMilli : end;
      values.push_back({UnixSeconds(at), FormatGoFloatFixed(g->bytes[i])});
    }
    result.push_back({{"metric", g->metric}, {"values", std::move(values)}});
  }
  return timer.Done(JsonResponse(QueryResponseJson(range ? "matrix" : "vector", std::move(result),
                                                   StatsJson(stats, timer.seconds(), 0))));
}

Response HandleDetectedLabels(const Request& request, const HttpDeps& deps) {
  LokiTimer timer(deps, "labels");
  absl::StatusOr<TimeWindow> window = ParseTimeWindow(request, NowNanos(), 6 * kHourNs);
  if (!window.ok()) return timer.Failed(window.status());
  store::TimeRange range{window->start_ns, window->end_ns};
  std::map<std::string, std::set<std::string>> values;  // By label name.
  std::string_view query = request.Param("query").value_or("{}");
  absl::StatusOr<std::vector<SelectedStream>> streams =
      SelectStreamsFor(deps, {query}, range, /*allow_all=*/true);
  if (!streams.ok()) return timer.Failed(streams.status());
  for (const SelectedStream& s : *streams) {
    for (const Label& l : s.labels.labels()) values[l.name].insert(l.value);
  }
  // Loki always offers these when present, whatever their values.
  static const std::set<std::string_view> kStatic = {"cluster", "namespace", "instance", "pod"};
  nlohmann::json detected = nlohmann::json::array();
  for (const auto& [name, vals] : values) {
    if (!kStatic.contains(name) && OnlyIds(vals)) continue;
    detected.push_back({{"label", name}, {"cardinality", vals.size()}});
  }
  return timer.Done(JsonResponse({{"detectedLabels", std::move(detected)}}));
}

}  // namespace vigie::server::http
