#include "collector/inputs/statsd_aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>

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

// What a flush reads, beside the metric's hot state in table_.
struct StatsdAggregator::Metric {
  StatsdType type;
  absl::flat_hash_set<std::string> members;  // A set's values in this flush.
  std::string family;                        // __name__, or the summary's base name.
  std::string identity;                      // Key of by_identity_.
  std::vector<SeriesRef> series;             // A summary: its quantiles, then _sum and _count.
  std::vector<std::string> aliases;          // Keys of aliases_ that lead here.
};

StatsdAggregator::StatsdAggregator(StatsdOptions options) : options_(std::move(options)) {
  for (double pct : options_.percentiles) quantile_values_.push_back(QuantileValue(pct));
}

StatsdAggregator::~StatsdAggregator() = default;

void StatsdAggregator::AddLines(std::string_view lines, int64_t now_ms, Counts* counts) {
  while (!lines.empty()) {
    // Parse a batch of lines and hash their keys, fetching each first slot ahead...
    items_.clear();
    batch_keys_.clear();
    size_t n = 0;
    for (; n < kBatchLines && !lines.empty(); ++n) {
      size_t newline = lines.find('\n');
      batch_text_[n] = lines.substr(0, newline);
      lines = newline == std::string_view::npos ? std::string_view() : lines.substr(newline + 1);
      StatsdLine& line = batch_[n];
      ParseStatsdLine(batch_text_[n], &line);
      for (const StatsdValue& v : line.values) {
        Item& item = items_.emplace_back();
        item.key_offset = static_cast<uint32_t>(batch_keys_.size());
        batch_keys_.push_back(TypeCode(v.type));
        batch_keys_.append(line.name);
        batch_keys_.push_back('\0');
        batch_keys_.append(line.tags);
        item.key_size = static_cast<uint32_t>(batch_keys_.size() - item.key_offset);
        item.hash =
            StatsdTable::Hash(std::string_view(batch_keys_).substr(item.key_offset, item.key_size));
        table_.PrefetchSlot(item.hash);
      }
    }
    // ... then each slot's record...
    for (Item& item : items_) item.candidate = table_.Candidate(item.hash);
    // ... and only then add the values, in order.
    AddBatch(n, now_ms, counts);
  }
}

void StatsdAggregator::AddBatch(size_t lines, int64_t now_ms, Counts* counts) {
  const Item* item = items_.data();
  for (size_t l = 0; l < lines; ++l) {
    const StatsdLine& line = batch_[l];
    const char* error = line.error;
    size_t malformed = line.malformed;
    for (const StatsdValue& v : line.values) {
      uint32_t index = Resolve(*item++, line, v.type, &error);
      if (index == StatsdTable::kNone) {
        ++malformed;
        continue;
      }
      StatsdTotals& m = table_.totals(index);
      m.last_value_ms = now_ms;
      ++counts->metrics;
      switch (v.type) {
        case StatsdType::kCounter:
          // Etsy's arithmetic, value * (1 / rate), for the same last bit.
          m.value += v.number * (1 / v.sample_rate);
          break;
        case StatsdType::kGauge:
          m.value = v.delta ? m.value + v.number : v.number;
          break;
        case StatsdType::kTimer:
        case StatsdType::kHistogram:
          m.values.push_back(v.number);
          m.count += 1 / v.sample_rate;
          m.sum += v.number * (1 / v.sample_rate);
          break;
        case StatsdType::kSet:
          metrics_[index].members.emplace(v.member);
          break;
      }
    }
    if (malformed > 0) {
      if (counts->malformed == 0) counts->first_error = StrCat("\"", batch_text_[l], "\": ", error);
      counts->malformed += malformed;
    }
  }
}

uint32_t StatsdAggregator::Resolve(const Item& item, const StatsdLine& line, StatsdType type,
                                   const char** error) {
  std::string_view key = std::string_view(batch_keys_).substr(item.key_offset, item.key_size);
  // The candidate fetched ahead is nearly always the metric; Find covers the rest (a metric
  // created earlier in this batch, a probe past another slot of the same tag).
  if (item.candidate != StatsdTable::kNone && table_.Matches(item.candidate, key, item.hash)) {
    return item.candidate;
  }
  if (uint32_t index = table_.Find(key, item.hash); index != StatsdTable::kNone) return index;
  if (!aliases_.empty()) {
    if (auto it = aliases_.find(std::string(key)); it != aliases_.end()) return it->second;
  }
  return Create(key, item.hash, line, type, error);
}

uint32_t StatsdAggregator::Create(std::string_view key, uint64_t hash, const StatsdLine& line,
                                  StatsdType type, const char** error) {
  std::vector<Label> tags;
  if (const char* why = TagLabels(line.tags, &tags)) {
    *error = why;
    return StatsdTable::kNone;
  }
  Metric m;
  m.type = type;
  AppendPrometheusMetricName(line.name, &m.family);
  std::vector<Label> labels = OverrideLabels(std::move(tags), options_.labels);
  absl::StatusOr<LabelSet> identity_labels = LabelSet::Make(labels);
  if (!identity_labels.ok()) {
    *error = "its tags are not valid labels";
    return StatsdTable::kNone;
  }
  m.identity = StrCat(TypeCode(type), m.family, "\xff", identity_labels->Encode());
  if (auto same = by_identity_.find(m.identity); same != by_identity_.end()) {
    metrics_[same->second].aliases.emplace_back(key);
    aliases_.emplace(key, same->second);
    return same->second;
  }
  auto series = [&](std::string name, std::vector<Label> extra) {
    std::vector<Label> all = labels;
    all.push_back({"__name__", std::move(name)});
    for (Label& l : extra) all.push_back(std::move(l));
    m.series.push_back(MakeWireLabels(LabelSet::Make(std::move(all)).value()));  // Names checked.
  };
  if (type == StatsdType::kCounter && !m.family.ends_with("_total")) m.family += "_total";
  if (type == StatsdType::kTimer) m.family += "_seconds";
  if (IsSummary(type)) {
    for (const std::string& q : quantile_values_) series(m.family, {{"quantile", q}});
    series(m.family + "_sum", {});
    series(m.family + "_count", {});
  } else {
    series(m.family, {});
  }
  uint32_t index = table_.Insert(key, hash);
  by_identity_.emplace(m.identity, index);
  metrics_.push_back(std::move(m));
  return index;
}

void StatsdAggregator::Emit(Metric& m, StatsdTotals& totals, int64_t now_ms, MetricUnit* unit) {
  auto add = [&](size_t series, double value) {
    unit->samples.push_back({m.series[series], now_ms, value});
  };
  switch (m.type) {
    case StatsdType::kCounter:
    case StatsdType::kGauge:
      add(0, totals.value);
      return;
    case StatsdType::kSet:
      add(0, static_cast<double>(m.members.size()));
      m.members.clear();
      return;
    case StatsdType::kTimer:
    case StatsdType::kHistogram: {
      std::vector<double>& values = totals.values;
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
      add(options_.percentiles.size(), totals.sum / unit);
      add(options_.percentiles.size() + 1, totals.count);
      values.clear();
      return;
    }
  }
}

void StatsdAggregator::DropIdle(int64_t now_ms, MetricUnit* unit) {
  if (options_.delete_idle_after_ms <= 0) return;
  std::vector<bool> idle(table_.size());
  bool any = false;
  for (uint32_t i = 0; i < table_.size(); ++i) {
    if (now_ms - table_.totals(i).last_value_ms < options_.delete_idle_after_ms) continue;
    idle[i] = any = true;
    for (const SeriesRef& series : metrics_[i].series) {
      unit->samples.push_back({series, now_ms, StaleMarker()});
    }
  }
  if (!any) return;
  // Indexes shift down: the maps to them are made again from what is kept.
  table_.Compact(idle);
  size_t kept = 0;
  for (size_t i = 0; i < metrics_.size(); ++i) {
    if (idle[i]) continue;
    if (kept != i) metrics_[kept] = std::move(metrics_[i]);  // Not onto itself: that empties it.
    ++kept;
  }
  metrics_.resize(kept);
  aliases_.clear();
  by_identity_.clear();
  for (uint32_t i = 0; i < metrics_.size(); ++i) {
    by_identity_.emplace(metrics_[i].identity, i);
    for (const std::string& alias : metrics_[i].aliases) aliases_.emplace(alias, i);
  }
}

MetricUnit StatsdAggregator::Flush(int64_t now_ms) {
  MetricUnit unit;
  DropIdle(now_ms, &unit);
  absl::flat_hash_set<std::string_view> families;
  for (uint32_t i = 0; i < metrics_.size(); ++i) {
    Metric& m = metrics_[i];
    Emit(m, table_.totals(i), now_ms, &unit);
    if (!families.insert(m.family).second) continue;
    const char* type = IsSummary(m.type)                ? "summary"
                       : m.type == StatsdType::kCounter ? "counter"
                                                        : "gauge";
    const char* what =
        m.type == StatsdType::kSet ? "StatsD set: distinct values per flush" : "StatsD metric";
    unit.metadata.push_back({m.family, type, what, m.type == StatsdType::kTimer ? "seconds" : ""});
  }
  return unit;
}

}  // namespace vigie::collector
