// Aggregation operators (sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk,
// quantile, count_values) with by/without, step by step, with Prometheus 2.42's arithmetic
// (its incremental mean, Welford's variance, NaN handling of min/max/topk).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "common/go_format.h"
#include "common/strings.h"
#include "query/promql/eval_internal.h"
#include "query/promql/histogram.h"

namespace vigie::promql::internal {
namespace {

// The labels of the group a series falls in. count_values groups by its value label too.
LabelSet GroupLabels(const LabelSet& labels, const AggregateExpr& e,
                     const std::string& value_label) {
  std::vector<std::string> names = e.grouping;
  if (!e.without) {
    if (!value_label.empty()) names.push_back(value_label);
    return labels.Project(names, true);
  }
  names.emplace_back(kMetricName);
  return labels.Project(names, false);
}

// The running state of one group at one step.
struct Group {
  bool seen = false;
  double value = 0;
  double mean = 0;
  uint64_t count = 0;
  std::vector<double> values;                  // quantile
  std::vector<std::pair<size_t, double>> top;  // topk, bottomk: (series, value)
};

void Accumulate(AggregateOp op, Group& g, double v) {
  ++g.count;
  if (!g.seen) {
    g.seen = true;
    g.value = op == AggregateOp::kStddev || op == AggregateOp::kStdvar ? 0 : v;
    g.mean = v;
    if (op == AggregateOp::kQuantile) g.values.push_back(v);
    return;
  }
  switch (op) {
    case AggregateOp::kSum:
      g.value += v;
      break;
    case AggregateOp::kAvg: {
      double n = static_cast<double>(g.count);
      if (std::isinf(g.mean)) {
        // Inf plus a finite value or an Inf of the same sign stays as it is.
        if (std::isinf(v) && (g.mean > 0) == (v > 0)) break;
        if (!std::isinf(v) && !std::isnan(v)) break;
      }
      g.mean += v / n - g.mean / n;
      break;
    }
    case AggregateOp::kMin:
      if (g.value > v || std::isnan(g.value)) g.value = v;
      break;
    case AggregateOp::kMax:
      if (g.value < v || std::isnan(g.value)) g.value = v;
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      double delta = v - g.mean;
      g.mean += delta / static_cast<double>(g.count);
      g.value += delta * (v - g.mean);
      break;
    }
    case AggregateOp::kQuantile:
      g.values.push_back(v);
      break;
    default:
      break;  // count, group, count_values: the count is enough.
  }
}

double Final(AggregateOp op, const Group& g, double param) {
  switch (op) {
    case AggregateOp::kAvg:
      return g.mean;
    case AggregateOp::kCount:
    case AggregateOp::kCountValues:
      return static_cast<double>(g.count);
    case AggregateOp::kGroup:
      return 1;
    case AggregateOp::kStdvar:
      return g.value / static_cast<double>(g.count);
    case AggregateOp::kStddev:
      return std::sqrt(g.value / static_cast<double>(g.count));
    case AggregateOp::kQuantile:
      return Quantile(param, g.values);
    default:
      return g.value;
  }
}

// Whether a ranks before b for topk (or bottomk when `bottom`): NaN always last.
bool Before(double a, double b, bool bottom) {
  if (std::isnan(b)) return !std::isnan(a);
  if (std::isnan(a)) return false;
  return bottom ? a < b : a > b;
}

// The aggregations whose groups are known from the series' labels alone (all but topk, bottomk
// and count_values), series by series: reading each input series' points in one go rather than
// visiting every series at every step keeps to memory in order, which decides the speed when
// there are many series. Steps are taken in blocks, so that the state of the groups at the steps
// of a block stays small. The values reach each group in the order of the series, as step by
// step, and the output series are created in the same order too: by the first step at which
// their group has a value, then by the first series that gives it one there.
// `interrupted` is checked once per block.
absl::StatusOr<Matrix> AggregateBySeries(AggregateOp op, const Matrix& in,
                                         const std::vector<size_t>& series_group,
                                         const std::vector<LabelSet>& group_labels,
                                         const Evaluated& param, const StepRange& range,
                                         const std::function<absl::Status()>& interrupted) {
  constexpr size_t kStatesPerBlock = 1 << 16;
  const size_t groups = group_labels.size(), steps = range.steps();
  const size_t block = std::clamp<size_t>(kStatesPerBlock / std::max<size_t>(groups, 1), 1, steps);
  std::vector<Group> state(groups * block);  // [group * block + step in the block]
  std::vector<size_t> first_series(groups * block);
  std::vector<size_t> pos(in.size(), 0);  // Next point of each series.
  Matrix out;
  std::vector<size_t> group_out(groups, SIZE_MAX);
  std::vector<size_t> fresh;
  for (size_t begin = 0; begin < steps; begin += block) {
    const size_t end = std::min(steps, begin + block);
    const int64_t last_time = StepTime(range, end - 1);
    if (absl::Status st = interrupted(); !st.ok()) return st;
    for (size_t s = 0; s < in.size(); ++s) {
      const std::vector<store::Sample>& points = in[s].points;
      Group* states = &state[series_group[s] * block];
      size_t* firsts = &first_series[series_group[s] * block];
      for (size_t& k = pos[s]; k < points.size() && points[k].ts_ms <= last_time; ++k) {
        size_t i = static_cast<size_t>((points[k].ts_ms - range.start_ms) / range.step_ms) - begin;
        if (!states[i].seen) firsts[i] = s;
        Accumulate(op, states[i], points[k].value);
      }
    }
    for (size_t i = begin; i < end; ++i) {
      const int64_t t = StepTime(range, i);
      const double p = param.type == ValueType::kScalar ? param.scalars[i] : 0;
      fresh.clear();
      for (size_t g = 0; g < groups; ++g) {
        if (state[g * block + i - begin].seen && group_out[g] == SIZE_MAX) fresh.push_back(g);
      }
      std::sort(fresh.begin(), fresh.end(), [&](size_t a, size_t b) {
        return first_series[a * block + i - begin] < first_series[b * block + i - begin];
      });
      for (size_t g : fresh) {
        group_out[g] = out.size();
        out.push_back(Series{group_labels[g], {}});
      }
      for (size_t g = 0; g < groups; ++g) {
        Group& group = state[g * block + i - begin];
        if (!group.seen) continue;
        out[group_out[g]].points.push_back({t, Final(op, group, p)});
        group = Group{};
      }
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Evaluated> Evaluator::EvalAggregate(const AggregateExpr& e, const StepRange& range) {
  absl::StatusOr<Evaluated> operand = Eval(*e.operand, range);
  if (!operand.ok()) return operand.status();
  Evaluated param;
  if (e.param) {
    absl::StatusOr<Evaluated> p = Eval(*e.param, range);
    if (!p.ok()) return p.status();
    param = *std::move(p);
  }
  const Matrix& in = operand->vector;
  const bool top = e.op == AggregateOp::kTopk || e.op == AggregateOp::kBottomk;
  const bool count_values = e.op == AggregateOp::kCountValues;
  if (count_values && !IsValidLabelName(param.string)) {
    return absl::FailedPreconditionError(StrCat("invalid label name \"", param.string, "\""));
  }
  // The group of each input series; count_values sets its label to the value first, so its
  // groups are found at each step.
  const std::string value_label = count_values ? param.string : "";
  std::map<LabelSet, size_t> group_ids;
  std::vector<LabelSet> group_labels;
  auto group_of = [&](const LabelSet& labels) {
    LabelSet g = GroupLabels(labels, e, value_label);
    auto [it, created] = group_ids.try_emplace(g, group_labels.size());
    if (created) group_labels.push_back(std::move(g));
    return it->second;
  };
  std::vector<size_t> series_group(in.size());
  if (!count_values) {
    for (size_t s = 0; s < in.size(); ++s) series_group[s] = group_of(in[s].labels);
  }
  if (!top && !count_values) {
    absl::StatusOr<Matrix> m = AggregateBySeries(e.op, in, series_group, group_labels, param, range,
                                                 [this] { return Interrupted(); });
    if (!m.ok()) return m.status();
    return VectorResult(*std::move(m));
  }
  OutputBuilder out;
  std::vector<std::optional<size_t>> group_out(group_labels.size());
  std::vector<std::optional<size_t>> series_out(in.size());  // topk, bottomk
  StepCursor cursor(in);
  std::vector<Group> groups;
  std::vector<size_t> touched;
  for (size_t i = 0; i < range.steps(); ++i) {
    if (absl::Status st = Interrupted(); !st.ok()) return st;
    int64_t t = StepTime(range, i);
    double p = e.param && param.type == ValueType::kScalar ? param.scalars[i] : 0;
    // Only the groups of the previous step need resetting.
    for (size_t g : touched) groups[g] = Group{};
    groups.resize(group_labels.size());
    touched.clear();
    auto add = [&](size_t g, size_t s, double v) {
      if (g >= groups.size()) groups.resize(g + 1);
      if (!groups[g].seen && groups[g].top.empty()) touched.push_back(g);
      if (top) {
        groups[g].seen = true;
        groups[g].top.push_back({s, v});
      } else {
        Accumulate(e.op, groups[g], v);
      }
    };
    cursor.For(t, [&](size_t s, double v) {
      if (!count_values) return add(series_group[s], s, v);
      add(group_of(WithLabel(in[s].labels, value_label, FormatGoFloatFixed(v))), s, v);
    });
    if (group_out.size() < group_labels.size()) group_out.resize(group_labels.size());
    for (size_t g : touched) {
      Group& group = groups[g];
      if (!top) {
        if (!group_out[g]) group_out[g] = out.Index(group_labels[g]);
        if (absl::Status st = out.Add(*group_out[g], t, Final(e.op, group, p)); !st.ok()) return st;
        continue;
      }
      // topk/bottomk: the k best of the group, best first; ties keep the input order.
      double k_param = std::isnan(p) ? 0 : p;
      size_t k = k_param < 1                                        ? 0
                 : k_param >= static_cast<double>(group.top.size()) ? group.top.size()
                                                                    : static_cast<size_t>(k_param);
      bool bottom = e.op == AggregateOp::kBottomk;
      std::stable_sort(group.top.begin(), group.top.end(), [&](const auto& a, const auto& b) {
        return Before(a.second, b.second, bottom);
      });
      for (size_t j = 0; j < k; ++j) {
        auto [s, v] = group.top[j];
        if (!series_out[s]) series_out[s] = out.Index(in[s].labels);
        if (absl::Status st = out.Add(*series_out[s], t, v); !st.ok()) return st;
      }
    }
  }
  return VectorResult(out.Take());
}

}  // namespace vigie::promql::internal
