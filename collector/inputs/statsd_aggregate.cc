#include "collector/inputs/statsd_aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <forward_list>

#include "collector/inputs/metric_names.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {

// Prometheus's staleness marker: a NaN with this payload ends a series at its timestamp.
constexpr uint64_t kStaleMarkerBits = 0x7ff0000000000002ULL;

double StaleMarker() {
  double value;
  std::memcpy(&value, &kStaleMarkerBits, sizeof(value));
  return value;
}

char TypeCode(StatsdType type) {
  switch (type) {
    case StatsdType::kCounter:
      return 'c';
    case StatsdType::kGauge:
      return 'g';
    case StatsdType::kTimer:
      return 't';
    case StatsdType::kHistogram:
      return 'h';
    case StatsdType::kSet:
      return 's';
  }
  return '?';
}

bool IsSummary(StatsdType type) {
  return type == StatsdType::kTimer || type == StatsdType::kHistogram;
}

// DogStatsD tags "k:v,k2" as labels; a tag without a value (or with an empty one) is left out.
// The reason when a tag cannot be a label.
const char* TagLabels(std::string_view tags, std::vector<Label>* out) {
  while (!tags.empty()) {
    size_t comma = tags.find(',');
    std::string_view tag = tags.substr(0, comma);
    tags = comma == std::string_view::npos ? std::string_view() : tags.substr(comma + 1);
    size_t colon = tag.find(':');
    if (colon == std::string_view::npos || colon + 1 == tag.size()) continue;
    if (tag.substr(0, colon) == "quantile") return "a tag is named quantile (summaries' label)";
    if (const char* why = AddTagLabel(tag.substr(0, colon), tag.substr(colon + 1), out)) {
      return why;
    }
  }
  return nullptr;
}

// The quantile label value of percentile `pct`: 90 -> "0.9", 99.9 -> "0.999".
std::string QuantileValue(double pct) {
  char text[32];
  snprintf(text, sizeof(text), "%.10g", pct / 100);
  return text;
}

}  // namespace

// What AddLines touches for every value comes first, with the key it is found by (when short
// enough, as nearly all are): finding a metric and adding to it then reads one or two
// neighbouring cache lines instead of a key string and a metric in two places of a heap of
// 100,000 metrics.
struct StatsdAggregator::Metric {
  static constexpr size_t kInlineKeyBytes = 64;

  int64_t last_value_ms = 0;
  double value = 0;            // A counter's total, a gauge's value.
  double sum = 0, count = 0;   // A summary's totals since the start.
  std::vector<double> values;  // A summary's values in this flush.
  StatsdType type;
  uint8_t inline_key_size = 0;
  char inline_key[kInlineKeyBytes];
  std::forward_list<std::string> other_keys;  // Keys not inline, which never move.
  absl::flat_hash_set<std::string> members;   // A set's values in this flush.
  std::string family;                         // __name__, or the summary's base name.
  std::string identity;                       // Key of by_identity_.
  std::vector<SeriesRef> series;              // A summary: its quantiles, then _sum and _count.

  // Keeps `key` (one of its spellings) where a view of it stays valid, and returns that view.
  std::string_view AddKey(std::string_view key) {
    if (inline_key_size == 0 && key.size() <= kInlineKeyBytes) {
      std::memcpy(inline_key, key.data(), key.size());
      inline_key_size = static_cast<uint8_t>(key.size());
      return {inline_key, key.size()};
    }
    return other_keys.emplace_front(key);
  }
  // Every key of by_key_ that leads here.
  std::vector<std::string_view> Keys() const {
    std::vector<std::string_view> out(other_keys.begin(), other_keys.end());
    if (inline_key_size > 0) out.emplace_back(inline_key, inline_key_size);
    return out;
  }
};

StatsdAggregator::StatsdAggregator(StatsdOptions options) : options_(std::move(options)) {
  for (double pct : options_.percentiles) quantile_values_.push_back(QuantileValue(pct));
}

StatsdAggregator::~StatsdAggregator() = default;

void StatsdAggregator::AddLines(std::string_view lines, int64_t now_ms, Counts* counts) {
  while (!lines.empty()) {
    size_t newline = lines.find('\n');
    std::string_view text = lines.substr(0, newline);
    lines = newline == std::string_view::npos ? std::string_view() : lines.substr(newline + 1);
    ParseStatsdLine(text, &line_);
    const char* error = line_.error;
    size_t malformed = line_.malformed;
    for (const StatsdValue& v : line_.values) {
      Metric* m = Find(line_, v.type, &error);
      if (!m) {
        ++malformed;
        continue;
      }
      m->last_value_ms = now_ms;
      ++counts->metrics;
      switch (v.type) {
        case StatsdType::kCounter:
          // Etsy's arithmetic, value * (1 / rate), for the same last bit.
          m->value += v.number * (1 / v.sample_rate);
          break;
        case StatsdType::kGauge:
          m->value = v.delta ? m->value + v.number : v.number;
          break;
        case StatsdType::kTimer:
        case StatsdType::kHistogram:
          m->values.push_back(v.number);
          m->count += 1 / v.sample_rate;
          m->sum += v.number * (1 / v.sample_rate);
          break;
        case StatsdType::kSet:
          m->members.emplace(v.member);
          break;
      }
    }
    if (malformed > 0) {
      if (counts->malformed == 0) counts->first_error = StrCat("\"", text, "\": ", error);
      counts->malformed += malformed;
    }
  }
}

StatsdAggregator::Metric* StatsdAggregator::Find(const StatsdLine& line, StatsdType type,
                                                 const char** error) {
  key_.clear();
  key_.push_back(TypeCode(type));
  key_.append(line.name);
  key_.push_back('\0');
  key_.append(line.tags);
  auto it = by_key_.find(key_);
  if (it != by_key_.end()) return it->second;
  return Create(line, type, error);
}

StatsdAggregator::Metric* StatsdAggregator::Create(const StatsdLine& line, StatsdType type,
                                                   const char** error) {
  std::vector<Label> tags;
  if (const char* why = TagLabels(line.tags, &tags)) {
    *error = why;
    return nullptr;
  }
  auto m = std::make_unique<Metric>();
  m->type = type;
  AppendPrometheusMetricName(line.name, &m->family);
  std::vector<Label> labels = OverrideLabels(std::move(tags), options_.labels);
  absl::StatusOr<LabelSet> identity_labels = LabelSet::Make(labels);
  if (!identity_labels.ok()) {
    *error = "its tags are not valid labels";
    return nullptr;
  }
  m->identity = StrCat(TypeCode(type), m->family, "\xff", identity_labels->Encode());
  if (auto same = by_identity_.find(m->identity); same != by_identity_.end()) {
    by_key_.emplace(same->second->AddKey(key_), same->second);
    return same->second;
  }
  auto series = [&](std::string name, std::vector<Label> extra) {
    std::vector<Label> all = labels;
    all.push_back({"__name__", std::move(name)});
    for (Label& l : extra) all.push_back(std::move(l));
    m->series.push_back(MakeWireLabels(LabelSet::Make(std::move(all)).value()));  // Names checked.
  };
  if (type == StatsdType::kCounter && !m->family.ends_with("_total")) m->family += "_total";
  if (type == StatsdType::kTimer) m->family += "_seconds";
  if (IsSummary(type)) {
    for (const std::string& q : quantile_values_) series(m->family, {{"quantile", q}});
    series(m->family + "_sum", {});
    series(m->family + "_count", {});
  } else {
    series(m->family, {});
  }
  Metric* out = m.get();
  by_key_.emplace(out->AddKey(key_), out);
  by_identity_.emplace(m->identity, out);
  metrics_.push_back(std::move(m));
  return out;
}

void StatsdAggregator::Emit(Metric& m, int64_t now_ms, MetricUnit* unit) {
  auto add = [&](size_t series, double value) {
    unit->samples.push_back({m.series[series], now_ms, value});
  };
  switch (m.type) {
    case StatsdType::kCounter:
    case StatsdType::kGauge:
      add(0, m.value);
      return;
    case StatsdType::kSet:
      add(0, static_cast<double>(m.members.size()));
      m.members.clear();
      return;
    case StatsdType::kTimer:
    case StatsdType::kHistogram: {
      std::vector<double>& values = m.values;
      std::sort(values.begin(), values.end());
      double unit = m.type == StatsdType::kTimer ? 1000 : 1;  // Milliseconds to seconds.
      size_t n = values.size();
      for (size_t i = 0; i < options_.percentiles.size(); ++i) {
        // Etsy's upper_<pct>: the largest of the lowest round(pct% of n) values; with one value,
        // that value. None: NaN, as a Prometheus summary without observations says.
        size_t in_threshold =
            n <= 1 ? n : static_cast<size_t>(std::floor(options_.percentiles[i] / 100 * n + 0.5));
        add(i, in_threshold == 0 ? std::nan("") : values[in_threshold - 1] / unit);
      }
      add(options_.percentiles.size(), m.sum / unit);
      add(options_.percentiles.size() + 1, m.count);
      values.clear();
      return;
    }
  }
}

void StatsdAggregator::EmitStale(const Metric& m, int64_t now_ms, MetricUnit* unit) {
  for (const SeriesRef& series : m.series) unit->samples.push_back({series, now_ms, StaleMarker()});
}

void StatsdAggregator::DropIdle(int64_t now_ms, MetricUnit* unit) {
  if (options_.delete_idle_after_ms <= 0) return;
  auto idle = [&](const std::unique_ptr<Metric>& m) {
    return now_ms - m->last_value_ms >= options_.delete_idle_after_ms;
  };
  for (const auto& m : metrics_) {
    if (!idle(m)) continue;
    EmitStale(*m, now_ms, unit);
    for (std::string_view key : m->Keys()) by_key_.erase(key);
    by_identity_.erase(m->identity);
  }
  std::erase_if(metrics_, idle);
}

MetricUnit StatsdAggregator::Flush(int64_t now_ms) {
  MetricUnit unit;
  DropIdle(now_ms, &unit);
  absl::flat_hash_set<std::string_view> families;
  for (const auto& m : metrics_) {
    Emit(*m, now_ms, &unit);
    if (!families.insert(m->family).second) continue;
    const char* type = IsSummary(m->type)                ? "summary"
                       : m->type == StatsdType::kCounter ? "counter"
                                                         : "gauge";
    const char* what =
        m->type == StatsdType::kSet ? "StatsD set: distinct values per flush" : "StatsD metric";
    unit.metadata.push_back(
        {m->family, type, what, m->type == StatsdType::kTimer ? "seconds" : ""});
  }
  return unit;
}

}  // namespace vigie::collector
