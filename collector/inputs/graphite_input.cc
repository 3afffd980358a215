#include "collector/inputs/graphite_input.h"

#include <spdlog/spdlog.h>

#include "collector/inputs/metric_names.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::collector {

GraphiteInput::GraphiteInput(GraphiteSource source, MetricSink* sink, Metrics* metrics)
    : source_(std::move(source)),
      sink_(sink),
      metrics_(metrics->ForInput(source_.name, "graphite")) {}

absl::StatusOr<std::unique_ptr<GraphiteInput>> GraphiteInput::Create(GraphiteSource source,
                                                                     MetricSink* sink,
                                                                     Metrics* metrics) {
  std::unique_ptr<GraphiteInput> input(new GraphiteInput(std::move(source), sink, metrics));
  GraphiteInput* self = input.get();
  absl::StatusOr<std::unique_ptr<LineListener>> listener = LineListener::Create(
      {"graphite", self->source_.name, self->source_.listen, self->source_.max_line_bytes},
      [self](std::string_view lines) { self->Receive(lines); }, &self->metrics_.malformed);
  if (!listener.ok()) return listener.status();
  input->listener_ = *std::move(listener);
  return input;
}

absl::StatusOr<LabelSet> GraphiteInput::Labels(const GraphiteLine& line) const {
  std::vector<Label> tags;
  for (const auto& [name, value] : line.tags) {
    // carbon keeps the path in a tag named "name": it is the metric name here.
    if (name == "name") continue;
    if (const char* why = AddTagLabel(name, value, &tags)) {
      return absl::InvalidArgumentError(why);
    }
  }
  std::vector<Label> labels = OverrideLabels(std::move(tags), source_.labels);
  Label& name = labels.emplace_back(Label{"__name__", {}});
  AppendPrometheusMetricName(line.path, &name.value);
  return LabelSet::Make(std::move(labels));
}

void GraphiteInput::Receive(std::string_view lines) {
  metrics_.bytes.Increment(static_cast<double>(lines.size()));
  int64_t now_ms = NowNanos() / kNanosPerMilli;
  MetricUnit unit;
  uint64_t malformed = 0;
  while (!lines.empty()) {
    size_t newline = lines.find('\n');
    std::string_view text = lines.substr(0, newline);
    lines = newline == std::string_view::npos ? std::string_view() : lines.substr(newline + 1);
    const char* why = ParseGraphiteLine(text, now_ms, &line_);
    if (!why && line_.path.empty()) continue;  // A blank line.
    absl::StatusOr<LabelSet> labels = why ? absl::InvalidArgumentError(why) : Labels(line_);
    if (labels.ok()) {
      unit.samples.push_back({MakeWireLabels(*std::move(labels)), line_.ts_ms, line_.value});
      continue;
    }
    // At most one message every 10 s: a sender of bad lines must not flood the log.
    auto now = std::chrono::steady_clock::now();
    if (malformed++ == 0 && now - last_warning_ >= std::chrono::seconds(10)) {
      last_warning_ = now;
      spdlog::warn(
          "graphite {}: skipping \"{}\": {} (vigie_collector_input_malformed_total "
          "counts them)",
          source_.name, text, labels.status().message());
    }
  }
  if (malformed > 0) metrics_.malformed.Increment(static_cast<double>(malformed));
  metrics_.lines.Increment(static_cast<double>(unit.samples.size()));
  if (!unit.samples.empty()) sink_->AddMetrics(std::move(unit));
}

}  // namespace vigie::collector
