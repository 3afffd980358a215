#include "server/otlp/metrics_map.h"

#include <algorithm>
#include <cmath>

#include "common/go_format.h"
#include "common/strings.h"
#include "common/utf8.h"
#include "server/otlp/attributes.h"
#include "server/otlp/prom_names.h"
#include "store/series.h"

namespace vigie::server::otlp {

namespace {

namespace pm = opentelemetry::proto::metrics::v1;

constexpr std::string_view kServiceName = "service.name";
constexpr std::string_view kServiceNamespace = "service.namespace";
constexpr std::string_view kServiceInstanceId = "service.instance.id";

// Sorts `labels` by name, the later of two with the same name winning, and drops empty values:
// the series' identity, as a key for its delta total.
std::string CanonicalKey(std::vector<Label>& labels) {
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  std::vector<Label> unique;
  for (Label& l : labels) {
    if (!unique.empty() && unique.back().name == l.name) unique.pop_back();
    unique.push_back(std::move(l));
  }
  std::erase_if(unique, [](const Label& l) { return l.value.empty(); });
  labels = std::move(unique);
  std::string key;
  for (const Label& l : labels) StrAppend(&key, l.name, "\xff", l.value, "\xff");
  return key;
}

// The job and instance labels of a resource (empty values when it has none).
std::vector<Label> ResourceLabels(const Attributes& resource) {
  std::string name = StringAttribute(resource, kServiceName);
  std::string space = StringAttribute(resource, kServiceNamespace);
  std::string job = name.empty() || space.empty() ? name : StrCat(space, "/", name);
  return {{"job", job}, {"instance", StringAttribute(resource, kServiceInstanceId)}};
}

bool IsDelta(pm::AggregationTemporality t) { return t == pm::AGGREGATION_TEMPORALITY_DELTA; }

class Mapper {
 public:
  Mapper(DeltaTotals* totals, MappedMetrics* out) : totals_(totals), out_(out) {}

  void MapResource(const pm::ResourceMetrics& resource) {
    const Attributes& attributes = resource.resource().attributes();
    std::vector<Label> resource_labels = ResourceLabels(attributes);
    latest_ms_ = 0;
    for (const pm::ScopeMetrics& scope : resource.scope_metrics()) {
      std::vector<Label> common = resource_labels;
      common.push_back({"otel_scope_name", scope.scope().name()});
      common.push_back({"otel_scope_version", scope.scope().version()});
      for (const pm::Metric& metric : scope.metrics()) MapMetric(metric, common);
    }
    AddTargetInfo(attributes, resource_labels);
  }

 private:
  void MapMetric(const pm::Metric& metric, const std::vector<Label>& common) {
    metric_ = &metric;
    switch (metric.data_case()) {
      case pm::Metric::kGauge:
        MapNumbers(metric.gauge().data_points(), PromKind::kGauge, false, common);
        break;
      case pm::Metric::kSum: {
        const pm::Sum& sum = metric.sum();
        PromKind kind = sum.is_monotonic() ? PromKind::kCounter : PromKind::kGauge;
        if (RefuseUnspecified(sum.aggregation_temporality(), sum.data_points_size())) break;
        MapNumbers(sum.data_points(), kind, IsDelta(sum.aggregation_temporality()), common);
        break;
      }
      case pm::Metric::kHistogram:
        MapHistogram(metric.histogram(), common);
        break;
      case pm::Metric::kSummary:
        MapSummary(metric.summary(), common);
        break;
      case pm::Metric::kExponentialHistogram: {
        int points = metric.exponential_histogram().data_points_size();
        out_->data_points += points;
        Refuse(points,
               "exponential histograms are not supported: configure the SDK to "
               "aggregate this instrument as an explicit-bucket histogram");
        break;
      }
      case pm::Metric::DATA_NOT_SET:
        break;
    }
  }

  // True (and the points refused) when a sum or histogram does not say its temporality.
  bool RefuseUnspecified(pm::AggregationTemporality temporality, int points) {
    if (temporality != pm::AGGREGATION_TEMPORALITY_UNSPECIFIED) return false;
    out_->data_points += points;
    Refuse(points, "aggregation_temporality is unspecified: it must be delta or cumulative");
    return true;
  }

  // Checks what every point needs; false (and the point refused) when it lacks it.
  template <typename Point>
  bool CheckPoint(const Point& point, int index) {
    ++out_->data_points;
    if (point.time_unix_nano() == 0) {
      RefusePoint(index, "time_unix_nano is 0 (not set)");
      return false;
    }
    latest_ms_ = std::max(latest_ms_, TimeMs(point));
    return true;
  }

  template <typename Point>
  static int64_t TimeMs(const Point& point) {
    return static_cast<int64_t>(point.time_unix_nano() / 1'000'000);
  }

  template <typename Point>
  static bool NoRecordedValue(const Point& point) {
    return (point.flags() & pm::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK) != 0;
  }

  void MapNumbers(const google::protobuf::RepeatedPtrField<pm::NumberDataPoint>& points,
                  PromKind kind, bool delta, const std::vector<Label>& common) {
    std::string name = PromMetricName(metric_->name(), metric_->unit(), kind);
    Describe(name, kind == PromKind::kCounter ? "counter" : "gauge");
    for (int i = 0; i < points.size(); ++i) {
      const pm::NumberDataPoint& point = points[i];
      if (!CheckPoint(point, i)) continue;
      double value = 0;
      if (NoRecordedValue(point)) {
        Emit(SeriesLabels(point.attributes(), common, name), TimeMs(point), store::StaleNaN(),
             false);
        continue;
      }
      switch (point.value_case()) {
        case pm::NumberDataPoint::kAsDouble:
          value = point.as_double();
          break;
        case pm::NumberDataPoint::kAsInt:
          value = static_cast<double>(point.as_int());
          break;
        case pm::NumberDataPoint::VALUE_NOT_SET:
          RefusePoint(i, "has no value (as_double or as_int)");
          continue;
      }
      if (delta && kind == PromKind::kCounter && !(value >= 0)) {
        RefusePoint(i, StrCat("a delta of a monotonic sum must be 0 or more, not ", value));
        continue;
      }
      Emit(SeriesLabels(point.attributes(), common, name), TimeMs(point), value, delta);
    }
  }

  void MapHistogram(const pm::Histogram& histogram, const std::vector<Label>& common) {
    if (RefuseUnspecified(histogram.aggregation_temporality(), histogram.data_points_size())) {
      return;
    }
    const bool delta = IsDelta(histogram.aggregation_temporality());
    std::string name = PromMetricName(metric_->name(), metric_->unit(), PromKind::kHistogram);
    Describe(name, "histogram");
    for (int i = 0; i < histogram.data_points_size(); ++i) {
      const pm::HistogramDataPoint& point = histogram.data_points(i);
      if (!CheckPoint(point, i)) continue;
      const auto& bounds = point.explicit_bounds();
      const auto& counts = point.bucket_counts();
      if (!counts.empty() && counts.size() != bounds.size() + 1) {
        RefusePoint(i, StrCat("has ", counts.size(), " bucket_counts for ", bounds.size(),
                              " explicit_bounds: there must be one more count than bounds"));
        continue;
      }
      if (!std::is_sorted(bounds.begin(), bounds.end(), std::less_equal<double>()) ||
          std::any_of(bounds.begin(), bounds.end(), [](double b) { return std::isnan(b); })) {
        RefusePoint(i, "explicit_bounds are not strictly increasing");
        continue;
      }
      const bool stale = NoRecordedValue(point);
      auto value = [&](double v) { return stale ? store::StaleNaN() : v; };
      const int64_t ts = TimeMs(point);
      double cumulative = 0;
      for (int b = 0; b < bounds.size() && !counts.empty(); ++b) {
        cumulative += static_cast<double>(counts[b]);
        Emit(SeriesLabels(point.attributes(), common, StrCat(name, "_bucket"),
                          {"le", FormatGoFloatFixed(bounds[b])}),
             ts, value(cumulative), delta && !stale);
      }
      const double count = static_cast<double>(point.count());
      Emit(SeriesLabels(point.attributes(), common, StrCat(name, "_bucket"), {"le", "+Inf"}), ts,
           value(count), delta && !stale);
      if (point.has_sum()) {
        Emit(SeriesLabels(point.attributes(), common, StrCat(name, "_sum")), ts, value(point.sum()),
             delta && !stale);
      }
      Emit(SeriesLabels(point.attributes(), common, StrCat(name, "_count")), ts, value(count),
           delta && !stale);
    }
  }

  void MapSummary(const pm::Summary& summary, const std::vector<Label>& common) {
    std::string name = PromMetricName(metric_->name(), metric_->unit(), PromKind::kHistogram);
    Describe(name, "summary");
    for (int i = 0; i < summary.data_points_size(); ++i) {
      const pm::SummaryDataPoint& point = summary.data_points(i);
      if (!CheckPoint(point, i)) continue;
      const bool stale = NoRecordedValue(point);
      auto value = [&](double v) { return stale ? store::StaleNaN() : v; };
      const int64_t ts = TimeMs(point);
      for (const auto& q : point.quantile_values()) {
        Emit(SeriesLabels(point.attributes(), common, name,
                          {"quantile", FormatGoFloatFixed(q.quantile())}),
             ts, value(q.value()), false);
      }
      Emit(SeriesLabels(point.attributes(), common, StrCat(name, "_sum")), ts, value(point.sum()),
           false);
      Emit(SeriesLabels(point.attributes(), common, StrCat(name, "_count")), ts,
           value(static_cast<double>(point.count())), false);
    }
  }

  // One resource's target_info{job, instance, <other resource attributes>} = 1, at the latest
  // time of its points, when it has other attributes and points.
  void AddTargetInfo(const Attributes& attributes, const std::vector<Label>& resource_labels) {
    Attributes others;
    for (const auto& kv : attributes) {
      if (kv.key() != kServiceName && kv.key() != kServiceNamespace &&
          kv.key() != kServiceInstanceId) {
        *others.Add() = kv;
      }
    }
    if (others.empty() || latest_ms_ == 0) return;
    std::vector<Label> labels = AttributeLabels(others);
    labels.insert(labels.end(), resource_labels.begin(), resource_labels.end());
    labels.push_back({"__name__", "target_info"});
    Emit(std::move(labels), latest_ms_, 1, false);
  }

  // A point's attributes, then `common` and the name (and `extra`), which win over an attribute
  // of the same name.
  static std::vector<Label> SeriesLabels(const Attributes& attributes,
                                         const std::vector<Label>& common, std::string name,
                                         Label extra = {}) {
    std::vector<Label> labels = AttributeLabels(attributes);
    labels.insert(labels.end(), common.begin(), common.end());
    labels.push_back({"__name__", std::move(name)});
    if (!extra.name.empty()) labels.push_back(std::move(extra));
    return labels;
  }

  void Emit(std::vector<Label> labels, int64_t ts_ms, double value, bool delta) {
    std::string key = CanonicalKey(labels);
    if (delta) {
      if (!out_->deltas) out_->deltas.emplace(totals_->Begin());
      value = out_->deltas->Add(key, value);
    }
    ReceivedSeriesList& series = out_->batch.series;
    series.StartSeries();
    for (const Label& l : labels) series.AddLabel(l.name, l.value);
    series.AddSample({ts_ms, value});
  }

  void Describe(const std::string& name, std::string type) {
    out_->metadata.push_back({name, {std::move(type), metric_->description(), metric_->unit()}});
  }

  void Refuse(uint64_t points, std::string_view why) {
    if (points == 0) return;
    out_->batch.refused.Add(points,
                            StrCat("metric \"", EscapeForMessage(metric_->name()), "\": ", why));
  }
  void RefusePoint(int index, std::string_view why) {
    Refuse(1, StrCat("data point ", index, ": ", why));
  }

  DeltaTotals* totals_;
  MappedMetrics* out_;
  const pm::Metric* metric_ = nullptr;
  int64_t latest_ms_ = 0;  // Of the current resource's points.
};

}  // namespace

MappedMetrics MapMetrics(const ExportMetricsRequest& request, DeltaTotals* totals) {
  MappedMetrics out;
  out.batch.protocol = "otlp";
  Mapper mapper(totals, &out);
  for (const pm::ResourceMetrics& resource : request.resource_metrics()) {
    mapper.MapResource(resource);
  }
  return out;
}

}  // namespace vigie::server::otlp
