#include "collector/inputs/scrape_input.h"

#include <spdlog/spdlog.h>

#include "collector/inputs/interval_loop.h"
#include "collector/inputs/scrape_http.h"
#include "collector/inputs/scrape_target.h"
#include "common/strings.h"

namespace vigie::collector {

struct ScrapeInput::Target {
  std::string url;
  std::unique_ptr<TargetSamples> samples;
  ScrapeFetcher fetcher;
  std::string last_error;  // Logged when it changes, not at every interval.
  std::unique_ptr<IntervalLoop> loop;
};

absl::StatusOr<std::string> ScrapeInstance(std::string_view url) {
  std::string_view rest = url;
  std::string_view default_port;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
    default_port = "80";
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
    default_port = "443";
  } else {
    return absl::InvalidArgumentError(StrCat("url \"", url, "\": expected http:// or https://"));
  }
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  if (host.empty()) return absl::InvalidArgumentError(StrCat("url \"", url, "\": no host"));
  size_t bracket = host.rfind(']');
  size_t colon = host.rfind(':');
  bool has_port =
      colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  return has_port ? std::string(host) : StrCat(host, ":", default_port);
}

ScrapeInput::ScrapeInput(ScrapeSource source, MetricSink* sink, Metrics* metrics)
    : source_(std::move(source)),
      sink_(sink),
      metrics_(metrics->ForInput(source_.name, "scrape")) {}

absl::StatusOr<std::unique_ptr<ScrapeInput>> ScrapeInput::Create(ScrapeSource source,
                                                                 MetricSink* sink,
                                                                 Metrics* metrics) {
  std::unique_ptr<ScrapeInput> input(new ScrapeInput(std::move(source), sink, metrics));
  for (const ScrapeTargetSpec& spec : input->source_.targets) {
    absl::StatusOr<std::string> instance = ScrapeInstance(spec.url);
    if (!instance.ok()) return instance.status();
    // Automatic labels first; the collector's labels, then the target's, win (as for files).
    std::vector<Label> labels =
        OverrideLabels(OverrideLabels({{"instance", *instance}, {"job", input->source_.job}},
                                      input->source_.labels),
                       spec.labels);
    for (const Label& label : labels) {
      if (!IsValidLabelName(label.name) || IsReservedLabelName(label.name)) {
        return absl::InvalidArgumentError(
            StrCat("target ", spec.url, ": invalid label name \"", label.name, "\""));
      }
    }
    auto target = std::make_unique<Target>();
    target->url = spec.url;
    target->samples = std::make_unique<TargetSamples>(
        std::move(labels), input->source_.honor_labels, input->source_.honor_timestamps);
    target->loop = std::make_unique<IntervalLoop>(
        input->source_.interval, [input = input.get(), t = target.get()] { input->Scrape(t); });
    input->targets_.push_back(std::move(target));
  }
  return input;
}

ScrapeInput::~ScrapeInput() { Stop(); }

void ScrapeInput::Start() {
  for (auto& target : targets_) target->loop->Start();
}

void ScrapeInput::Stop() {
  for (auto& target : targets_) target->loop->Stop();
}

void ScrapeInput::Scrape(Target* target) {
  std::chrono::milliseconds timeout = std::min(source_.timeout, source_.interval);
  int64_t start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  auto started = std::chrono::steady_clock::now();
  absl::Status fetched = target->fetcher.Fetch(target->url, timeout, source_.max_body_bytes);
  double duration =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  MetricUnit unit;
  std::string error;
  if (fetched.ok()) {
    std::string_view body = target->fetcher.body();
    metrics_.bytes.Increment(static_cast<double>(body.size()));
    TargetSamples::Outcome outcome = target->samples->Scraped(
        body, exposition::FormatFromContentType(target->fetcher.content_type()), start_ms,
        duration);
    if (outcome.malformed_lines > 0) {
      metrics_.malformed.Increment(static_cast<double>(outcome.malformed_lines));
      error = StrCat(target->url, ": ", outcome.malformed_lines, " malformed line(s) skipped, ",
                     "the first: ", outcome.first_error);
    }
    unit = std::move(outcome.unit);
  } else {
    error = std::string(fetched.message());
    unit = target->samples->Failed(start_ms, duration);
  }
  if (error != target->last_error) {
    if (!error.empty()) spdlog::warn("scrape {}: {}", source_.name, error);
    if (error.empty()) spdlog::info("scrape {}: {} answers again", source_.name, target->url);
    target->last_error = error;
  }
  metrics_.lines.Increment(static_cast<double>(unit.samples.size()));
  sink_->AddMetrics(std::move(unit));
}

}  // namespace vigie::collector
