#include "server/self_metrics.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <cmath>

#include "common/time.h"

namespace vigie::server {

namespace {

// A bound as Prometheus writes `le` and `quantile`: shortest round-trip form, "+Inf".
std::string FormatBound(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v);
  return std::string(buffer, end);
}

// Appends one series: `name`, the metric's own labels, `extra` (le, quantile) and `target`.
void Add(ReceivedSeriesList* out, const std::string& name, const prometheus::ClientMetric& metric,
         const std::vector<Label>& extra, const std::vector<Label>& target, int64_t ts_ms,
         double value) {
  std::vector<Label> labels = {{"__name__", name}};
  for (const auto& l : metric.label) labels.push_back({l.name, l.value});
  labels.insert(labels.end(), extra.begin(), extra.end());
  store::Sample sample{ts_ms, value};
  out->Add(OverrideLabels(std::move(labels), target), std::span(&sample, 1));
}

}  // namespace

ReceivedSeriesList SeriesFromFamilies(const std::vector<prometheus::MetricFamily>& families,
                                      const std::vector<Label>& target, int64_t ts_ms) {
  ReceivedSeriesList out;
  for (const prometheus::MetricFamily& family : families) {
    const std::string& name = family.name;
    for (const prometheus::ClientMetric& m : family.metric) {
      auto add = [&](const std::string& series_name, double value,
                     const std::vector<Label>& extra = {}) {
        Add(&out, series_name, m, extra, target, ts_ms, value);
      };
      switch (family.type) {
        case prometheus::MetricType::Counter:
          add(name, m.counter.value);
          break;
        case prometheus::MetricType::Gauge:
          add(name, m.gauge.value);
          break;
        case prometheus::MetricType::Untyped:
          add(name, m.untyped.value);
          break;
        case prometheus::MetricType::Histogram: {
          bool has_inf = false;
          for (const auto& b : m.histogram.bucket) {
            has_inf = has_inf || std::isinf(b.upper_bound);
            add(name + "_bucket", static_cast<double>(b.cumulative_count),
                {{"le", FormatBound(b.upper_bound)}});
          }
          if (!has_inf) {
            add(name + "_bucket", static_cast<double>(m.histogram.sample_count), {{"le", "+Inf"}});
          }
          add(name + "_sum", m.histogram.sample_sum);
          add(name + "_count", static_cast<double>(m.histogram.sample_count));
          break;
        }
        case prometheus::MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            add(name, q.value, {{"quantile", FormatBound(q.quantile)}});
          }
          add(name + "_sum", m.summary.sample_sum);
          add(name + "_count", static_cast<double>(m.summary.sample_count));
          break;
      }
    }
  }
  return out;
}

std::string MetadataType(const prometheus::MetricFamily& family) {
  switch (family.type) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Histogram:
      return "histogram";
    case prometheus::MetricType::Summary:
      return "summary";
    default:
      return "unknown";
  }
}

SelfMetrics::SelfMetrics(ServerMetrics* metrics, Ingester* ingester, MetadataRegistry* metadata,
                         std::string instance, int64_t interval_ns)
    : metrics_(metrics),
      ingester_(ingester),
      metadata_(metadata),
      target_({{"instance", std::move(instance)}, {"job", "vigied"}}),
      interval_ns_(interval_ns) {
  thread_ = std::thread([this] { Run(); });
}

SelfMetrics::~SelfMetrics() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  CollectOnce();  // The last values, so that a stopped vigied's counters are complete.
}

void SelfMetrics::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    CollectOnce();
    lock.lock();
    cv_.wait_for(lock, std::chrono::nanoseconds(interval_ns_), [&] { return stop_; });
  }
}

void SelfMetrics::CollectOnce() {
  std::vector<prometheus::MetricFamily> families = metrics_->Collect();
  ReceivedBatch batch;
  batch.protocol = "self";
  batch.sender = "self";
  batch.sender_name = "vigied's own metrics";
  batch.series = SeriesFromFamilies(families, target_, NowNanos() / kNanosPerMilli);
  if (metadata_) {
    for (const prometheus::MetricFamily& family : families) {
      metadata_->Set(family.name, {MetadataType(family), family.help, ""});
    }
  }
  absl::StatusOr<IngestOutcome> outcome = ingester_->Ingest(std::move(batch));
  if (!outcome.ok()) {
    spdlog::warn("self-metrics: storing vigied's own metrics failed: {}",
                 std::string(outcome.status().message()));
  } else if (outcome->rejected > 0) {
    spdlog::warn("self-metrics: {} of vigied's own samples refused: {}", outcome->rejected,
                 outcome->reason);
  }
}

}  // namespace vigie::server
