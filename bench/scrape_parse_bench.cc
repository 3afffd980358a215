// The collector's per-scrape CPU without the network: parsing a 100,000-series exposition (the
// parser alone), and turning it into a MetricUnit as a scrape does (label cache, target labels,
// staleness, report series), then into a PushRequest as the batcher does. items_per_second is
// samples per second; bench/collector/ scrape_bench.py measures the whole process against
// Prometheus and vmagent.
#include <benchmark/benchmark.h>

#include <string>

#include "collector/inputs/scrape_target.h"
#include "collector/push_builder.h"
#include "common/prometheus/exposition.h"

namespace {

constexpr int kFamilies = 100;
constexpr int kLabelSets = 1000;

// The same exposition as bench/collector/scrape_bench.py serves.
const std::string& Body() {
  static const std::string body = [] {
    std::string out;
    for (int f = 0; f < kFamilies; ++f) {
      std::string name = "bench_requests_" + std::to_string(f) + "_total";
      out += "# HELP " + name + " Requests of family " + std::to_string(f) + ".\n# TYPE " + name +
             " counter\n";
      for (int s = 0; s < kLabelSets; ++s) {
        out += name + "{target=\"t" + std::to_string(s % 1000) + "\",path=\"/api/v1/items/" +
               std::to_string(s) + "\",code=\"200\"} " +
               std::to_string((f * 7919 + s * 104729) % 1000003) + "\n";
      }
    }
    return out;
  }();
  return body;
}

class Discard : public vigie::exposition::ExpositionHandler {
 public:
  void OnSample(const vigie::exposition::ExpositionSample& s) override {
    benchmark::DoNotOptimize(s.value);
  }
  void OnHelp(std::string_view, std::string_view) override {}
  void OnType(std::string_view, std::string_view) override {}
  void OnUnit(std::string_view, std::string_view) override {}
  void OnError(size_t, std::string_view) override {}
};

void BM_ParseExposition(benchmark::State& state) {
  vigie::exposition::ExpositionParser parser;
  Discard discard;
  for (auto _ : state) {
    parser.Parse(Body(), vigie::exposition::ExpositionFormat::kText, &discard);
  }
  state.SetItemsProcessed(state.iterations() * kFamilies * kLabelSets);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(Body().size()));
}
BENCHMARK(BM_ParseExposition)->Unit(benchmark::kMillisecond);

void BM_ScrapeToUnit(benchmark::State& state) {
  vigie::collector::TargetSamples target({{"instance", "127.0.0.1:9100"}, {"job", "bench"}}, false,
                                         true);
  int64_t ts = 1'700'000'000'000;
  for (auto _ : state) {
    auto outcome =
        target.Scraped(Body(), vigie::exposition::ExpositionFormat::kText, ts += 1000, 0.01);
    benchmark::DoNotOptimize(outcome.unit.samples.data());
  }
  state.SetItemsProcessed(state.iterations() * kFamilies * kLabelSets);
}
BENCHMARK(BM_ScrapeToUnit)->Unit(benchmark::kMillisecond);

// The same, and the unit encoded into a PushRequest as the batcher does.
void BM_ScrapeToRequest(benchmark::State& state) {
  vigie::collector::TargetSamples target({{"instance", "127.0.0.1:9100"}, {"job", "bench"}}, false,
                                         true);
  vigie::collector::PushBuilder builder;
  int64_t ts = 1'700'000'000'000;
  uint64_t seq = 0;
  for (auto _ : state) {
    auto outcome =
        target.Scraped(Body(), vigie::exposition::ExpositionFormat::kText, ts += 1000, 0.01);
    builder.AddMetrics(outcome.unit);
    benchmark::DoNotOptimize(builder.Finish("agent", ++seq).data());
  }
  state.SetItemsProcessed(state.iterations() * kFamilies * kLabelSets);
}
BENCHMARK(BM_ScrapeToRequest)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
