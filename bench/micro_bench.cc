// Micro-benchmarks of the hot paths: block encoding and decoding, the block filter (literal
// pre-filter vs. full regex), the pipeline's parsers (| json, | logfmt), and the anomaly
// detectors (per point, state bytes, state round trip). Run:
// build/bench/micro_bench. Timings go to RESULTS.md, not tests.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "alerts/detectors/detector.h"
#include "common/limits.h"
#include "query/logql/block_scan.h"
#include "query/logql/line_filter.h"
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

// Decoding blocks of a real log, one after the other as a scan does: the file named by
// VIGIE_BENCH_LOG (e.g. bench/logql's JSON logs), its first 64 MiB cut into blocks of 1 MiB of
// lines. BM_DecodeBlock's block repeats a 2,000-line sample four times, which zstd decodes
// mostly as long matches: twice as fast as varied lines.
void BM_DecodeBlockFile(benchmark::State& state) {
  const char* path = std::getenv("VIGIE_BENCH_LOG");
  if (path == nullptr) {
    state.SkipWithError("set VIGIE_BENCH_LOG to a log file");
    return;
  }
  std::ifstream in(path);
  std::vector<std::string> encoded;
  std::vector<store::LogEntry> entries;
  size_t block_bytes = 0, raw = 0;
  int64_t ts = 1'700'000'000'000'000'000;
  for (std::string line; raw < (64 << 20) && std::getline(in, line);) {
    block_bytes += line.size();
    raw += line.size();
    entries.push_back({ts += 1000, std::move(line)});
    if (block_bytes >= (1 << 20)) {
      encoded.push_back(store::EncodeBlock(entries));
      entries.clear();
      block_bytes = 0;
    }
  }
  if (encoded.empty()) {
    state.SkipWithError("the file holds less than 1 MiB of lines");
    return;
  }
  store::DecodedBlock block;
  size_t decoded = 0, i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(store::DecodeBlock(encoded[i++ % encoded.size()], &block));
    decoded += block.payload_size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(decoded));
}
BENCHMARK(BM_DecodeBlockFile);

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

// The filter of every block of the eight loghub samples one after another, cut at state.range(0)
// line bytes: the per-block work of Finish() weighs on the small blocks that pushes write before
// the merger joins them.
void BM_NgramFilterBuildLoghub(benchmark::State& state) {
  std::vector<std::string> lines;
  for (const char* name :
       {"Apache", "HDFS", "Hadoop", "Linux", "OpenSSH", "OpenStack", "Spark", "Zookeeper"}) {
    std::ifstream in(std::string(VIGIE_SOURCE_DIR) + "/tests/data/loghub/" + name + "_2k.log");
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  const size_t block_bytes = state.range(0);
  size_t raw = 0;
  for (auto _ : state) {
    for (size_t next = 0; next < lines.size();) {
      store::NgramFilterBuilder filter;
      for (size_t bytes = 0; next < lines.size() && bytes < block_bytes; ++next) {
        filter.AddLine(lines[next]);
        bytes += lines[next].size();
      }
      benchmark::DoNotOptimize(filter.Finish());
    }
    for (const std::string& line : lines) raw += line.size();
  }
  state.SetBytesProcessed(raw);
}
BENCHMARK(BM_NgramFilterBuildLoghub)->Arg(64 << 10)->Arg(1 << 20);

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
BENCHMARK_CAPTURE(FilterBench, regex_with_short_literal, R"({a="b"} |~ "[a-z]+ [0-9]{5} ssh2")");
// No literal but "." (the Hyperscan prefilter, confirmed by re2).
BENCHMARK_CAPTURE(FilterBench, regex_without_literal,
                  R"({a="b"} |~ "[0-9]{2,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}")");

// A fixed run of classes, no literal but "." (the ClassSequence, exact: re2 does not run).
BENCHMARK_CAPTURE(FilterBench, class_sequence,
                  R"({a="b"} |~ "[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}")");

// Application logs in JSON and logfmt, about 250 bytes a line, one in ten a 5xx.
std::vector<store::LogEntry> AppEntries(bool json) {
  std::vector<store::LogEntry> out;
  int64_t ts = 1'700'000'000'000'000'000;
  const char* methods[] = {"GET", "POST", "PUT"};
  for (int i = 0; i < 8000; ++i) {
    std::string status = std::to_string(i % 10 == 0 ? 503 : 200 + (i % 3) * 100);
    std::string method = methods[i % 3], path = "/api/v1/items/" + std::to_string(i * 7919 % 10007);
    std::string duration = std::to_string(i % 1500) + "ms";
    std::string bytes = std::to_string(i * 31 % 70000), user = std::to_string(i % 977);
    std::string agent = "Mozilla/5.0 (X11; Linux x86_64)";
    std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    std::string line =
        json ? "{\"ts\":\"2026-12-06T18:00:00.123Z\",\"level\":\"info\",\"method\":\"" + method +
                   "\",\"path\":\"" + path + "\",\"status\":" + status + ",\"duration\":\"" +
                   duration + "\",\"bytes\":" + bytes + ",\"user\":{\"id\":" + user +
                   ",\"agent\":\"" + agent + "\"},\"trace_id\":\"" + trace + "\"}"
             : "ts=2026-12-06T18:00:00.123Z level=info method=" + method + " path=" + path +
                   " status=" + status + " duration=" + duration + " bytes=" + bytes +
                   " user_id=" + user + " agent=\"" + agent + "\" trace_id=" + trace;
    out.push_back({ts += 1000, line});
  }
  return out;
}

// logfmt lines laid out as bench/logql/gen_app_logs.py writes them (a quoted msg before
// duration), about 170 bytes, one in seven with a duration over a second.
std::vector<store::LogEntry> LogfmtAppEntries() {
  std::vector<store::LogEntry> out;
  int64_t ts = 1'700'000'000'000'000'000;
  const char* messages[] = {"cache miss", "user session refreshed", "rate limited"};
  for (int i = 0; i < 8000; ++i) {
    std::string duration =
        i % 7 == 0 ? std::to_string(1 + i % 29) + ".417s" : std::to_string(1 + i * 37 % 999) + "ms";
    out.push_back({ts += 1000,
                   "ts=2026-12-01T10:00:00." + std::to_string(100 + i % 900) +
                       "Z level=info service=checkout msg=\"" + messages[i % 3] +
                       "\" method=GET route=/api/v1/orders status=200 duration=" + duration +
                       " bytes=" + std::to_string(i * 31 % 70000) + " trace_id=86b9b40931045ba7"});
  }
  return out;
}

// nginx access logs in the combined format, about 180 bytes a line, one in 25 a 404.
std::vector<store::LogEntry> NginxEntries() {
  std::vector<store::LogEntry> out;
  int64_t ts = 1'700'000'000'000'000'000;
  const char* methods[] = {"GET", "POST", "PUT"};
  const char* agents[] = {"curl/8.4.0", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"};
  for (int i = 0; i < 8000; ++i) {
    std::string status = std::to_string(i % 25 == 0 ? 404 : 200 + (i % 3) * 100);
    std::string line = std::to_string(i % 223 + 1) + ".10." + std::to_string(i % 256) +
                       ".7 - - [01/Dec/2026:10:00:" + std::to_string(10 + i % 50) + " +0000] \"" +
                       methods[i % 3] + " /api/v1/items/" + std::to_string(i * 7919 % 10007) +
                       " HTTP/1.1\" " + status + " " + std::to_string(i * 31 % 70000) +
                       " \"-\" \"" + agents[i % 2] + "\"";
    out.push_back({ts += 1000, line});
  }
  return out;
}

// Regexes without a literal over nginx lines (every line holds an IPv4 address, one in 25 a 404),
// as vigied runs them (a ClassNfa), and the same patterns with an optional non-ASCII suffix that
// changes no line's answer but sends them to Hyperscan, for the two to be compared.
void NginxRegexBench(benchmark::State& state, const char* regex) {
  const std::vector<store::LogEntry> entries = NginxEntries();
  absl::StatusOr<logql::LineFilter> filter =
      logql::LineFilter::Make({{logql::FilterOp::kRegex, regex}}, Limits());
  logql::BlockMatches matches;
  if (!filter.ok() || !store::DecodeBlock(store::EncodeBlock(entries), &matches.block).ok()) {
    state.SkipWithError("bad regex or block");
    return;
  }
  for (auto _ : state) {
    logql::FilterBlock(*filter, {}, &matches);
    benchmark::DoNotOptimize(matches.lines.size());
  }
  state.SetBytesProcessed(state.iterations() * RawBytes(entries));
}
BENCHMARK_CAPTURE(NginxRegexBench, ipv4_plus, R"(\d+\.\d+\.\d+\.\d+)");
BENCHMARK_CAPTURE(NginxRegexBench, ipv4_plus_hyperscan, "\\d+\\.\\d+\\.\\d+\\.\\d+(?:\u00e9)?");
BENCHMARK_CAPTURE(NginxRegexBench, status_4xx, R"(4\d\d \d+)");
BENCHMARK_CAPTURE(NginxRegexBench, status_4xx_hyperscan, "4\\d\\d \\d+(?:\u00e9)?");
BENCHMARK_CAPTURE(NginxRegexBench, hex_id, R"([0-9a-f]{16,32})");
BENCHMARK_CAPTURE(NginxRegexBench, hex_id_hyperscan, "[0-9a-f]{16,32}(?:\u00e9)?");

// What the consumer of a pipeline reads of the labels.
enum class Reads {
  kAll,         // A log query's labels (vigie grep -o jsonl, Loki's API).
  kStatusOnly,  // The hint of a metric query grouping by status: only `status`, early stop.
  kLinesOnly,   // vigie grep -o text: none, every value still decoded (GrepRequest.lines_only).
};

// A pipeline over a decoded block, as a scan worker runs it; with `cost`, keeping its statistics
// as a scan does (docs/logql.md, "Query statistics").
enum class Logs { kJson, kLogfmt, kLogfmtApp, kNginx };
void RunPipelineBench(benchmark::State& state, Logs logs, Reads reads, const char* query,
                      logql::FilterCost* cost) {
  auto entries = logs == Logs::kNginx       ? NginxEntries()
                 : logs == Logs::kLogfmtApp ? LogfmtAppEntries()
                                            : AppEntries(logs == Logs::kJson);
  auto parsed = logql::Parse(query, Limits());
  if (!parsed.ok()) {
    state.SkipWithError(std::string(parsed.status().message()).c_str());
    return;
  }
  LabelSet stream = *LabelSet::Make({{"app", "api"}});
  logql::LabelNeeds needs;
  if (reads != Reads::kAll) needs = logql::LabelNeeds::Only({});
  if (reads == Reads::kStatusOnly) needs.Add("status");
  needs.validate = reads == Reads::kLinesOnly;
  logql::BlockMatches matches;
  matches.labels_kind =
      reads == Reads::kLinesOnly ? logql::LineLabelsKind::kStream : logql::LineLabelsKind::kLog;
  if (!store::DecodeBlock(store::EncodeBlock(entries), &matches.block).ok()) return;
  for (auto _ : state) {
    matches.pipeline =
        std::make_unique<logql::StreamPipeline>(parsed->log->pipeline, stream, needs);
    logql::FilterBlock(parsed->log->filter, {}, &matches, cost);
    benchmark::DoNotOptimize(matches.lines.size());
  }
  state.SetBytesProcessed(state.iterations() * RawBytes(entries));
}
void PipelineBench(benchmark::State& state, Logs logs, Reads reads, const char* query) {
  RunPipelineBench(state, logs, reads, query, nullptr);
}
// The same with the statistics kept: the difference is what they cost.
void CostedPipelineBench(benchmark::State& state, Logs logs, Reads reads, const char* query) {
  logql::FilterCost cost;
  RunPipelineBench(state, logs, reads, query, &cost);
}
constexpr char kJsonQuery[] = R"({a="b"} | json | status >= 500)";
constexpr char kLogfmtQuery[] = R"({a="b"} | logfmt | duration > 1s)";
// bench/logql/run.py's pattern query.
constexpr char kPatternQuery[] =
    R"({a="b"} | pattern "<ip> - - [<_>] \"<method> <uri> <_>\" <status> <size> <_>" | status = "404")";
BENCHMARK_CAPTURE(PipelineBench, json_all_labels, Logs::kJson, Reads::kAll, kJsonQuery);
BENCHMARK_CAPTURE(PipelineBench, json_status_only, Logs::kJson, Reads::kStatusOnly, kJsonQuery);
BENCHMARK_CAPTURE(PipelineBench, json_lines_only, Logs::kJson, Reads::kLinesOnly, kJsonQuery);
BENCHMARK_CAPTURE(PipelineBench, logfmt_all_labels, Logs::kLogfmt, Reads::kAll, kLogfmtQuery);
BENCHMARK_CAPTURE(PipelineBench, logfmt_status_only, Logs::kLogfmt, Reads::kStatusOnly,
                  R"({a="b"} | logfmt | status >= 500)");
BENCHMARK_CAPTURE(PipelineBench, logfmt_lines_only, Logs::kLogfmt, Reads::kLinesOnly, kLogfmtQuery);
// bench/logql/run.py's logfmt row as vigied runs it for `vigie grep`.
BENCHMARK_CAPTURE(PipelineBench, logfmt_app_lines_only, Logs::kLogfmtApp, Reads::kLinesOnly,
                  kLogfmtQuery);
BENCHMARK_CAPTURE(PipelineBench, pattern_all_labels, Logs::kNginx, Reads::kAll, kPatternQuery);
BENCHMARK_CAPTURE(PipelineBench, pattern_lines_only, Logs::kNginx, Reads::kLinesOnly,
                  kPatternQuery);
BENCHMARK_CAPTURE(CostedPipelineBench, json_lines_only, Logs::kJson, Reads::kLinesOnly, kJsonQuery);
BENCHMARK_CAPTURE(CostedPipelineBench, logfmt_lines_only, Logs::kLogfmt, Reads::kLinesOnly,
                  kLogfmtQuery);
BENCHMARK_CAPTURE(CostedPipelineBench, pattern_lines_only, Logs::kNginx, Reads::kLinesOnly,
                  kPatternQuery);

// One point through a detector that has learned three weeks of a noisy daily curve (the
// steady state of an `anomaly:` rule's series); the state_bytes counter is its serialised size.
void DetectorBench(benchmark::State& state, const char* name) {
  auto detector = *alerts::detectors::NewDetector(name);
  constexpr int64_t kStepMs = 60'000;
  int64_t t = 1'700'000'000'000;
  auto value = [&](int64_t i) {
    return 200 + 100 * std::sin(static_cast<double>(i % 1440) / 1440 * 6.283) + (i * 7919 % 13);
  };
  int64_t i = 0;
  for (; i < 21 * 1440; ++i) detector->Observe(t + i * kStepMs, value(i));
  for (auto _ : state) {
    benchmark::DoNotOptimize(detector->Observe(t + i * kStepMs, value(i)));
    ++i;
  }
  std::string bytes;
  detector->Serialize(&bytes);
  state.counters["state_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK_CAPTURE(DetectorBench, combined, "combined");
BENCHMARK_CAPTURE(DetectorBench, band, "band");

// What a rules engine pays to persist and reload one series' detector.
void BM_DetectorStateRoundTrip(benchmark::State& state) {
  auto detector = *alerts::detectors::NewDetector();
  for (int64_t i = 0; i < 5000; ++i) detector->Observe(1'700'000'000'000 + i * 60'000, i % 97);
  std::string bytes;
  for (auto _ : state) {
    detector->Serialize(&bytes);
    benchmark::DoNotOptimize(alerts::detectors::RestoreDetector(bytes));
  }
}
BENCHMARK(BM_DetectorStateRoundTrip);

}  // namespace
}  // namespace vigie

BENCHMARK_MAIN();
