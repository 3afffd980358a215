#include "collector/inputs/statsd_input.h"

#include <spdlog/spdlog.h>

#include "common/time.h"

namespace vigie::collector {

StatsdInput::StatsdInput(StatsdSource source, MetricSink* sink, Metrics* metrics)
    : source_(std::move(source)),
      sink_(sink),
      metrics_(metrics->ForInput(source_.name, "statsd")),
      aggregator_(source_.aggregate) {}

absl::StatusOr<std::unique_ptr<StatsdInput>> StatsdInput::Create(StatsdSource source,
                                                                 MetricSink* sink,
                                                                 Metrics* metrics) {
  std::unique_ptr<StatsdInput> input(new StatsdInput(std::move(source), sink, metrics));
  StatsdInput* self = input.get();
  absl::StatusOr<std::unique_ptr<LineListener>> listener = LineListener::Create(
      {"statsd", self->source_.listen, self->source_.max_line_bytes},
      [self](std::string_view lines) { self->Receive(lines); },
      [self](size_t bytes) {
        self->metrics_.malformed.Increment();
        spdlog::warn("statsd {}: dropped a line of more than {} bytes (max_line_bytes)",
                     self->source_.name, bytes);
      });
  if (!listener.ok()) return listener.status();
  input->listener_ = *std::move(listener);
  return input;
}

StatsdInput::~StatsdInput() { Stop(); }

void StatsdInput::Start() {
  listener_->Start();
  flusher_ = std::thread([this] { RunFlushes(); });
}

void StatsdInput::Stop() {
  if (!flusher_.joinable()) return;
  listener_->Stop();
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  flusher_.join();
  FlushOnce();
}

void StatsdInput::Receive(std::string_view lines) {
  metrics_.bytes.Increment(static_cast<double>(lines.size()));
  std::lock_guard lock(mu_);
  aggregator_.AddLines(lines, NowNanos() / kNanosPerMilli, &counts_);
}

void StatsdInput::RunFlushes() {
  auto next = std::chrono::steady_clock::now() + source_.flush;
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_until(lock, next, [&] { return stopping_; })) {
    lock.unlock();
    FlushOnce();
    lock.lock();
    next += source_.flush;
    // After a long stall (a blocked sink), flush once and take the rhythm up from now.
    if (next < std::chrono::steady_clock::now())
      next = std::chrono::steady_clock::now() + source_.flush;
  }
}

void StatsdInput::FlushOnce() {
  MetricUnit unit;
  StatsdAggregator::Counts counts;
  {
    std::lock_guard lock(mu_);
    unit = aggregator_.Flush(NowNanos() / kNanosPerMilli);
    counts = std::move(counts_);
    counts_ = {};
  }
  metrics_.lines.Increment(static_cast<double>(counts.metrics));
  if (counts.malformed > 0) {
    metrics_.malformed.Increment(static_cast<double>(counts.malformed));
    spdlog::warn("statsd {}: {} malformed values skipped since the last flush; the first: {}",
                 source_.name, counts.malformed, counts.first_error);
  }
  if (!unit.samples.empty()) sink_->AddMetrics(std::move(unit));
}

}  // namespace vigie::collector
