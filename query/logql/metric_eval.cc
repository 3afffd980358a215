#include "query/logql/metric_eval.h"

#include <algorithm>
#include <limits>
#include <map>

#include "common/strings.h"
#include "common/time.h"
#include "query/logql/block_scan.h"
#include "query/logql/selector.h"

namespace vigie::logql {

namespace {

// The matching lines of one stream, in time order: what a range aggregation needs of them.
struct StreamLines {
  std::vector<int64_t> ts;
  std::vector<uint64_t> bytes_before;  // Prefix sums: bytes of lines [0, i).
};

double RangeValue(RangeOp op, uint64_t count, uint64_t bytes, int64_t range_ns) {
  double seconds = static_cast<double>(range_ns) / kNanosPerSecond;
  switch (op) {
    case RangeOp::kCountOverTime:
      return static_cast<double>(count);
    case RangeOp::kRate:
      return static_cast<double>(count) / seconds;
    case RangeOp::kBytesOverTime:
      return static_cast<double>(bytes);
    case RangeOp::kBytesRate:
      return static_cast<double>(bytes) / seconds;
  }
  return 0;
}

struct Accumulator {
  double sum = 0, min = std::numeric_limits<double>::infinity(),
         max = -std::numeric_limits<double>::infinity();
  uint64_t count = 0;
  void Add(double v) {
    sum += v;
    min = std::min(min, v);
    max = std::max(max, v);
    ++count;
  }
  double Result(VectorOp op) const {
    switch (op) {
      case VectorOp::kSum:
        return sum;
      case VectorOp::kCount:
        return static_cast<double>(count);
      case VectorOp::kMax:
        return max;
      case VectorOp::kMin:
        return min;
      case VectorOp::kAvg:
        return sum / static_cast<double>(count);
    }
    return 0;
  }
};

}  // namespace

absl::Status MetricEvaluator::CheckSeriesCount(size_t n) const {
  if (n <= limits_.max_series_per_query) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("the query would return ", n, " series, above the maximum of ",
             limits_.max_series_per_query, ": aggregate it (sum by (...)) or narrow the selector"));
}

absl::StatusOr<std::vector<Series>> MetricEvaluator::Evaluate(const MetricExpr& expr, int64_t start,
                                                              int64_t end, int64_t step) {
  if (expr.kind == MetricExpr::Kind::kRange) return EvaluateRange(expr, start, end, step);
  return EvaluateVector(expr, start, end, step);
}

absl::StatusOr<std::vector<Series>> MetricEvaluator::EvaluateRange(const MetricExpr& expr,
                                                                   int64_t start, int64_t end,
                                                                   int64_t step) {
  // Windows are (t - offset - range, t - offset]; the half-open scan range covers all of them.
  store::TimeRange scan{start - expr.offset_ns - expr.range_ns + 1, end - expr.offset_ns + 1};
  std::vector<store::StreamId> streams = SelectStreams(*querier_, expr.selector, scan);
  stats_.streams += streams.size();
  std::vector<LabelSet> stream_labels;
  for (store::StreamId id : streams) {
    stream_labels.push_back(querier_->StreamLabels(id).value_or(LabelSet()));
  }
  // One series per stream, or per label set that the pipeline makes of its lines.
  std::vector<LabelSet> series_labels = stream_labels;
  std::map<LabelSet, size_t> series_of;
  std::vector<StreamLines> lines(streams.size());
  for (StreamLines& l : lines) l.bytes_before.push_back(0);
  auto reader = querier_->NewReader();
  ScanStats scanned;
  ScanOptions options{scan, /*forward=*/true, scan_threads_, stop_};
  options.pipeline = &expr.selector.pipeline;
  options.stream_labels = &stream_labels;
  absl::Status status = ScanLines(
      *reader, streams, expr.selector.filter, options,
      [&](const ScannedLine& l) {
        size_t s = l.stream_index;
        if (l.labels != nullptr) {
          auto [it, added] = series_of.try_emplace(*l.labels, series_labels.size());
          if (added) {
            series_labels.push_back(*l.labels);
            lines.emplace_back().bytes_before.push_back(0);
          }
          s = it->second;
        }
        lines[s].ts.push_back(l.ts);
        lines[s].bytes_before.push_back(lines[s].bytes_before.back() + l.line.size());
        return true;
      },
      &scanned);
  stats_.blocks += scanned.blocks;
  stats_.blocks_skipped += scanned.blocks_skipped;
  stats_.entries_scanned += scanned.entries;
  stats_.bytes_scanned += scanned.bytes;
  if (!status.ok()) return status;

  std::vector<Series> out;
  for (size_t s = 0; s < lines.size(); ++s) {
    const StreamLines& l = lines[s];
    if (l.ts.empty()) continue;
    Series series;
    series.labels = series_labels[s];
    size_t lo = 0, hi = 0;
    for (int64_t t = start; t <= end; t += step) {
      int64_t window_end = t - expr.offset_ns;
      while (hi < l.ts.size() && l.ts[hi] <= window_end) ++hi;
      while (lo < hi && l.ts[lo] <= window_end - expr.range_ns) ++lo;
      if (hi > lo) {
        series.points.push_back(
            {t, RangeValue(expr.range_op, hi - lo, l.bytes_before[hi] - l.bytes_before[lo],
                           expr.range_ns)});
      }
      if (step <= 0) break;
    }
    if (!series.points.empty()) out.push_back(std::move(series));
  }
  if (absl::Status st = CheckSeriesCount(out.size()); !st.ok()) return st;
  std::sort(out.begin(), out.end(),
            [](const Series& a, const Series& b) { return a.labels < b.labels; });
  return out;
}

absl::StatusOr<std::vector<Series>> MetricEvaluator::EvaluateVector(const MetricExpr& expr,
                                                                    int64_t start, int64_t end,
                                                                    int64_t step) {
  auto inner = Evaluate(*expr.inner, start, end, step);
  if (!inner.ok()) return inner.status();
  // Group key → accumulator per evaluation time.
  std::map<LabelSet, std::map<int64_t, Accumulator>> groups;
  for (const Series& s : *inner) {
    LabelSet key = expr.grouping.empty() && !expr.without
                       ? LabelSet()
                       : s.labels.Project(expr.grouping, /*keep=*/!expr.without);
    auto& by_time = groups[key];
    for (const Point& p : s.points) by_time[p.ts_ns].Add(p.value);
  }
  std::vector<Series> out;
  for (auto& [labels, by_time] : groups) {
    Series series{labels, {}};
    for (auto& [t, acc] : by_time) series.points.push_back({t, acc.Result(expr.vector_op)});
    out.push_back(std::move(series));
  }
  if (absl::Status st = CheckSeriesCount(out.size()); !st.ok()) return st;
  return out;
}

}  // namespace vigie::logql
