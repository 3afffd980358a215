// Micro-benchmarks of the hot paths: block encoding and decoding, and the block filter (literal
// pre-filter vs. full regex). Run: build/bench/micro_bench. Timings go to RESULTS.md, not tests.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "common/limits.h"
#include "query/logql/block_scan.h"
#include "query/logql/parser.h"
#include "store/block.h"
#include "store/ngram_filter.h"

namespace vigie {
namespace {

std::vector<store::LogEntry> SampleEntries() {
  std::ifstream in(std::string(VIGIE_SOURCE_DIR) + "/tests/data/loghub/OpenSSH_2k.log");
  std::vector<store::LogEntry> out;
  std::string line;
  int64_t ts = 1'700'000'000'000'000'000;
  while (out.size() < 8000) {
    if (!std::getline(in, line)) {
      in.clear();
      in.seekg(0);
      continue;
    }
    out.push_back({ts += 1000, line});
  }
  return out;
}

size_t RawBytes(const std::vector<store::LogEntry>& entries) {
  size_t n = 0;
  for (const auto& e : entries) n += e.line.size();
  return n;
}

void BM_EncodeBlock(benchmark::State& state) {
  auto entries = SampleEntries();
  for (auto _ : state) benchmark::DoNotOptimize(store::EncodeBlock(entries));
  state.SetBytesProcessed(state.iterations() * RawBytes(entries));
}
BENCHMARK(BM_EncodeBlock);

void BM_DecodeBlock(benchmark::State& state) {
  auto entries = SampleEntries();
  std::string encoded = store::EncodeBlock(entries);
  store::DecodedBlock block;
  for (auto _ : state) benchmark::DoNotOptimize(store::DecodeBlock(encoded, &block));
  state.SetBytesProcessed(state.iterations() * RawBytes(entries));
}
BENCHMARK(BM_DecodeBlock);

void BM_NgramFilterBuild(benchmark::State& state) {
  auto entries = SampleEntries();
  for (auto _ : state) {
    store::NgramFilterBuilder filter;
    for (const auto& e : entries) filter.AddLine(e.line);
    benchmark::DoNotOptimize(filter.Finish());
  }
  state.SetBytesProcessed(state.iterations() * RawBytes(entries));
}
BENCHMARK(BM_NgramFilterBuild);

// Filtering an already decoded block with the query's line filter.
void FilterBench(benchmark::State& state, const char* query) {
  auto entries = SampleEntries();
  auto parsed = logql::Parse(query, Limits());
  if (!parsed.ok()) {
    state.SkipWithError(std::string(parsed.status().message()).c_str());
    return;
  }
  logql::BlockMatches matches;
  if (!store::DecodeBlock(store::EncodeBlock(entries), &matches.block).ok()) return;
  for (auto _ : state) {
    logql::FilterBlock(parsed->log->filter, {}, &matches);
    benchmark::DoNotOptimize(matches.lines.size());
  }
  state.SetBytesProcessed(state.iterations() * RawBytes(entries));
}
BENCHMARK_CAPTURE(FilterBench, literal, R"({a="b"} |= "Failed password for invalid user")");
BENCHMARK_CAPTURE(FilterBench, regex_with_literal,
                  R"({a="b"} |~ "Failed password for [a-z]+ from")");
BENCHMARK_CAPTURE(FilterBench, regex_without_literal, R"({a="b"} |~ "[a-z]+ [0-9]{5} ssh2")");

}  // namespace
}  // namespace vigie

BENCHMARK_MAIN();
