// The collector's StatsD CPU without the network: parsing and aggregating the mix of lines that
// bench/collector/statsd_send.py sends (60% counters, a tenth of them sampled, 20% timers, 15%
// gauges, a third of them changes, 5% sets, over 10,000 names, one line in ten tagged), in the
// 64 KiB blocks a TCP read hands over, and a flush of what they made. items_per_second is lines
// per second; bench/collector/statsd_run.sh measures the whole process against Etsy's statsd.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "collector/inputs/statsd_aggregate.h"

namespace {

constexpr int kNames = 10'000;
constexpr int kLines = 100'000;
constexpr size_t kBlockBytes = 64 * 1024;

// kLines lines cut into blocks of whole lines.
const std::vector<std::string>& Blocks() {
  static const std::vector<std::string> blocks = [] {
    std::mt19937 rng(1);
    auto uniform = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
    std::vector<std::string> out(1);
    for (int i = 0; i < kLines; ++i) {
      int n = static_cast<int>(rng() % kNames);
      std::string name = "app.service" + std::to_string(n % 50) + ".metric" + std::to_string(n);
      double kind = uniform();
      std::string line;
      if (kind < 0.6) {
        line = name + ":1|c" + (uniform() < 0.1 ? "|@0.5" : "");
      } else if (kind < 0.8) {
        line = name + ".time:" + std::to_string(static_cast<int>(uniform() * 5000) / 10.0) + "|ms";
      } else if (kind < 0.95) {
        const char* sign[] = {"", "", "+", "-"};
        line = name + ".level:" + sign[rng() % 4] + std::to_string(rng() % 100) + "|g";
      } else {
        line = name + ".users:user" + std::to_string(rng() % 1000) + "|s";
      }
      if (uniform() < 0.1) line += "|#env:prod,route:r" + std::to_string(rng() % 20);
      if (out.back().size() + line.size() + 1 > kBlockBytes) out.emplace_back();
      out.back() += line + "\n";
    }
    return out;
  }();
  return blocks;
}

void BM_StatsdAddLines(benchmark::State& state) {
  vigie::collector::StatsdAggregator aggregator({});
  vigie::collector::StatsdAggregator::Counts counts;
  for (const std::string& block : Blocks()) aggregator.AddLines(block, 0, &counts);  // Known.
  for (auto _ : state) {
    for (const std::string& block : Blocks()) aggregator.AddLines(block, 0, &counts);
  }
  state.SetItemsProcessed(state.iterations() * kLines);
}
BENCHMARK(BM_StatsdAddLines)->Unit(benchmark::kMillisecond);

void BM_StatsdFlush(benchmark::State& state) {
  vigie::collector::StatsdAggregator aggregator({});
  vigie::collector::StatsdAggregator::Counts counts;
  int64_t now = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (const std::string& block : Blocks()) aggregator.AddLines(block, now, &counts);
    state.ResumeTiming();
    benchmark::DoNotOptimize(aggregator.Flush(now += 1000).samples.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(aggregator.size()));
}
BENCHMARK(BM_StatsdFlush)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
