#include "query/promql/engine.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <thread>

#include "common/strings.h"
#include "query/promql/eval_internal.h"

namespace vigie::promql {

absl::Status LeafSource::Visit(const Leaf& leaf, const StepRange& at, int64_t lookback_ms,
                               QueryStats* stats, const LeafVisitor& visitor) {
  absl::StatusOr<LeafData> data = Select(leaf, at, lookback_ms, stats);
  if (!data.ok()) return data.status();
  visitor.start(data->series.size(), data->per_step);
  for (size_t i = 0; i < data->series.size(); ++i) {
    const Series& s = data->series[i];
    if (absl::Status st = visitor.series(i, s.labels, s.points); !st.ok()) return st;
  }
  return absl::OkStatus();
}

namespace internal {

bool IsStale(double value) { return std::bit_cast<uint64_t>(value) == store::kStaleNaNBits; }

LabelSet DropMetricName(const LabelSet& labels) {
  if (labels.Get(kMetricName).empty()) return labels;
  return labels.Project({std::string(kMetricName)}, false);
}

LabelSet WithLabel(const LabelSet& labels, std::string_view name, std::string_view value) {
  std::vector<Label> out;
  out.reserve(labels.size() + 1);
  for (const Label& l : labels.labels()) {
    if (l.name != name) out.push_back(l);
  }
  if (!value.empty()) out.push_back({std::string(name), std::string(value)});
  // The names come from a valid label set and a name the caller checked: Make cannot fail.
  absl::StatusOr<LabelSet> made = LabelSet::Make(std::move(out));
  return made.ok() ? *std::move(made) : labels;
}

size_t OutputBuilder::Index(const LabelSet& labels) {
  auto [it, inserted] = index_.try_emplace(labels, out_.size());
  if (inserted) out_.push_back(Series{labels, {}});
  return it->second;
}

absl::Status OutputBuilder::Add(size_t index, int64_t ts_ms, double value) {
  std::vector<store::Sample>& points = out_[index].points;
  if (!points.empty() && points.back().ts_ms == ts_ms) {
    return absl::FailedPreconditionError("vector cannot contain metrics with the same labelset");
  }
  points.push_back({ts_ms, value});
  return absl::OkStatus();
}

absl::StatusOr<Matrix> Distinct(Matrix m) {
  std::erase_if(m, [](const Series& s) { return s.points.empty(); });
  std::vector<const LabelSet*> labels;
  for (const Series& s : m) labels.push_back(&s.labels);
  std::sort(labels.begin(), labels.end(), [](auto* a, auto* b) { return *a < *b; });
  for (size_t i = 1; i < labels.size(); ++i) {
    if (*labels[i] == *labels[i - 1]) {
      return absl::FailedPreconditionError("vector cannot contain metrics with the same labelset");
    }
  }
  return m;
}

Evaluated VectorResult(Matrix m) {
  Evaluated out;
  out.type = ValueType::kVector;
  out.vector = std::move(m);
  return out;
}

Evaluator::Evaluator(LeafSource* source, const EvalOptions& options, QueryStats* stats,
                     int64_t query_start_ms, int64_t query_end_ms)
    : source_(source),
      options_(options),
      stats_(stats),
      query_start_ms_(query_start_ms),
      query_end_ms_(query_end_ms),
      deadline_(std::chrono::steady_clock::now() +
                std::chrono::milliseconds(std::max<int64_t>(options.limits.timeout_ms, 0))) {}

absl::Status Evaluator::Interrupted() {
  if (options_.cancelled && options_.cancelled()) {
    return absl::CancelledError("query was canceled");
  }
  if (std::chrono::steady_clock::now() >= deadline_) {
    return absl::DeadlineExceededError(StrCat("query timed out in expression evaluation (timeout ",
                                              options_.limits.timeout_ms, "ms)"));
  }
  return absl::OkStatus();
}

absl::Status Evaluator::ParallelFor(size_t n, uint64_t work,
                                    const std::function<absl::Status(size_t, size_t)>& task) {
  // Below this many points a thread costs more than it saves.
  constexpr uint64_t kMinWorkPerThread = 100'000;
  size_t threads = static_cast<size_t>(std::max(1, options_.limits.threads));
  threads = std::min<size_t>({threads, n, std::max<uint64_t>(1, work / kMinWorkPerThread)});
  if (threads <= 1) return task(0, n);
  std::vector<absl::Status> results(threads);
  std::vector<std::thread> helpers;
  size_t per = (n + threads - 1) / threads;
  for (size_t t = 1; t < threads; ++t) {
    size_t begin = std::min(n, t * per), end = std::min(n, begin + per);
    helpers.emplace_back([&, t, begin, end] { results[t] = task(begin, end); });
  }
  results[0] = task(0, std::min(n, per));
  for (std::thread& h : helpers) h.join();
  for (absl::Status& s : results) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

TimeMap Evaluator::Times(const TimeModifiers& mods, const StepRange& range) const {
  int64_t offset_ms = mods.offset_ns / 1'000'000;
  switch (mods.at) {
    case TimeModifiers::At::kNone:
      return {range.start_ms - offset_ms, range.step_ms};
    case TimeModifiers::At::kTimestamp:
      return {mods.at_ms - offset_ms, 0};
    case TimeModifiers::At::kStart:
      return {query_start_ms_ - offset_ms, 0};
    case TimeModifiers::At::kEnd:
      return {query_end_ms_ - offset_ms, 0};
  }
  return {range.start_ms - offset_ms, range.step_ms};
}

namespace {

// The range of times `times` reads for the steps of `range`.
StepRange ReadRange(const TimeMap& times, const StepRange& range) {
  size_t last = range.steps() - 1;
  return {times.at(0), times.at(last), std::max<int64_t>(times.step, 1)};
}

}  // namespace

absl::StatusOr<Matrix> Evaluator::EvalVectorLeaf(const Leaf& leaf, const StepRange& range,
                                                 bool sample_times) {
  TimeMap times = Times(leaf.time(), range);
  const size_t steps = range.steps();
  const int64_t lookback = limits().lookback_ms;
  Matrix out;
  bool per_step = false;
  LeafVisitor visitor;
  visitor.start = [&](size_t count, bool values_per_step) {
    out.resize(count);
    per_step = values_per_step;
  };
  visitor.series = [&](size_t s, const LabelSet& labels, std::span<const store::Sample> in) {
    if (absl::Status st = Interrupted(); !st.ok()) return st;
    std::vector<store::Sample>& points = out[s].points;
    points.reserve(std::min(steps, in.size()));
    size_t next = 0;  // First sample after the current read time.
    for (size_t i = 0; i < steps; ++i) {
      int64_t t = times.at(i);
      while (next < in.size() && in[next].ts_ms <= t) ++next;
      if (next == 0) continue;
      const store::Sample& last = in[next - 1];
      if (per_step ? last.ts_ms != t : (last.ts_ms < t - lookback || IsStale(last.value))) {
        continue;
      }
      double v = sample_times ? static_cast<double>(last.ts_ms) / 1000 : last.value;
      points.push_back({StepTime(range, i), v});
    }
    if (!points.empty()) out[s].labels = labels;
    return absl::OkStatus();
  };
  absl::Status status =
      source_->Visit(leaf, ReadRange(times, range), limits().lookback_ms, stats_, visitor);
  if (!status.ok()) return status;
  std::erase_if(out, [](const Series& s) { return s.points.empty(); });
  return out;
}

absl::Status Evaluator::VisitRange(const Expr& expr, const StepRange& range,
                                   const RangeVisitor& visitor) {
  const Expr* e = &expr;
  while (const auto* paren = e->As<ParenExpr>()) e = paren->inner.get();
  const auto* leaf_expr = e->As<LeafExpr>();
  const auto* selector = leaf_expr ? dynamic_cast<const Selector*>(leaf_expr->leaf.get()) : nullptr;
  if (!selector || selector->type() != ValueType::kMatrix) {
    absl::StatusOr<RangeInput> in = EvalRange(expr, range);
    if (!in.ok()) return in.status();
    visitor.start(in->series.size(), in->times, in->range_ms);
    uint64_t work = 0;
    for (const Series& s : in->series) work += s.points.size() + range.steps();
    return ParallelFor(in->series.size(), work, [&](size_t begin, size_t end) {
      for (size_t s = begin; s < end; ++s) {
        const Series& series = in->series[s];
        if (absl::Status st = visitor.series(s, series.labels, series.points); !st.ok()) {
          return st;
        }
      }
      return absl::OkStatus();
    });
  }
  const TimeMap times = Times(selector->time(), range);
  const int64_t range_ms = selector->range_ns / 1'000'000;
  LeafVisitor leaf_visitor;
  leaf_visitor.start = [&](size_t count, bool) { visitor.start(count, times, range_ms); };
  leaf_visitor.series = [&](size_t s, const LabelSet& labels,
                            std::span<const store::Sample> samples) {
    auto stale = [](const store::Sample& p) { return IsStale(p.value); };
    if (std::none_of(samples.begin(), samples.end(), stale)) {
      return visitor.series(s, labels, samples);
    }
    std::vector<store::Sample> live;
    std::copy_if(samples.begin(), samples.end(), std::back_inserter(live),
                 [&](const store::Sample& p) { return !stale(p); });
    return visitor.series(s, labels, live);
  };
  return source_->Visit(*selector, ReadRange(times, range), range_ms, stats_, leaf_visitor);
}

absl::StatusOr<RangeInput> Evaluator::EvalRange(const Expr& expr, const StepRange& range) {
  if (const auto* paren = expr.As<ParenExpr>()) return EvalRange(*paren->inner, range);
  if (const auto* sub = expr.As<SubqueryExpr>()) return EvalSubquery(*sub, range);
  const auto* leaf_expr = expr.As<LeafExpr>();
  if (!leaf_expr || leaf_expr->leaf->type() != ValueType::kMatrix) {
    return absl::InvalidArgumentError(StrCat("expected a range vector, got ", ToString(expr)));
  }
  const Leaf& leaf = *leaf_expr->leaf;
  RangeInput out;
  out.times = Times(leaf.time(), range);
  const auto* selector = dynamic_cast<const Selector*>(&leaf);
  out.range_ms = selector ? selector->range_ns / 1'000'000 : 0;
  absl::StatusOr<LeafData> data =
      source_->Select(leaf, ReadRange(out.times, range), out.range_ms, stats_);
  if (!data.ok()) return data.status();
  out.series = std::move(data->series);
  for (Series& s : out.series) {
    std::erase_if(s.points, [](const store::Sample& p) { return IsStale(p.value); });
  }
  return out;
}

absl::StatusOr<RangeInput> Evaluator::EvalSubquery(const SubqueryExpr& e, const StepRange& range) {
  RangeInput out;
  out.times = Times(e.modifiers, range);
  out.range_ms = e.range_ns / 1'000'000;
  int64_t step = e.step_ns > 0 ? e.step_ns / 1'000'000 : limits().default_subquery_step_ms;
  if (step <= 0) return absl::InvalidArgumentError("subquery step must be greater than 0");
  StepRange read = ReadRange(out.times, range);
  // Prometheus evaluates the inner expression at the multiples of the step from the first one
  // at or after the start of the first window.
  int64_t first = read.start_ms - out.range_ms;
  int64_t aligned = first / step * step;
  if (aligned < first) aligned += step;
  if (aligned > read.end_ms) return out;
  StepRange inner{aligned, read.end_ms, step};
  if (inner.steps() > limits().max_samples) {
    return absl::ResourceExhaustedError(
        "query processing would load too many samples into memory in query execution");
  }
  absl::StatusOr<Evaluated> value = Eval(*e.inner, inner);
  if (!value.ok()) return value.status();
  if (value->type == ValueType::kScalar) {
    Series s;
    for (size_t i = 0; i < value->scalars.size(); ++i) {
      s.points.push_back({StepTime(inner, i), value->scalars[i]});
    }
    out.series.push_back(std::move(s));
  } else {
    out.series = std::move(value->vector);
  }
  return out;
}

absl::StatusOr<Evaluated> Evaluator::Eval(const Expr& expr, const StepRange& range) {
  if (absl::Status st = Interrupted(); !st.ok()) return st;
  size_t steps = range.steps();
  Evaluated out;
  if (const auto* num = expr.As<NumberLiteral>()) {
    out.type = ValueType::kScalar;
    out.scalars.assign(steps, num->value);
    return out;
  }
  if (const auto* str = expr.As<StringLiteral>()) {
    out.type = ValueType::kString;
    out.string = str->value;
    return out;
  }
  if (const auto* paren = expr.As<ParenExpr>()) return Eval(*paren->inner, range);
  if (const auto* leaf = expr.As<LeafExpr>()) {
    if (leaf->leaf->type() != ValueType::kVector) {
      return absl::InvalidArgumentError("a range vector cannot be evaluated at a step");
    }
    absl::StatusOr<Matrix> m = EvalVectorLeaf(*leaf->leaf, range, false);
    if (!m.ok()) return m.status();
    return VectorResult(*std::move(m));
  }
  if (const auto* unary = expr.As<UnaryExpr>()) {
    absl::StatusOr<Evaluated> v = Eval(*unary->operand, range);
    if (!v.ok() || !unary->negate) return v;
    for (double& d : v->scalars) d = -d;
    if (v->type != ValueType::kVector) return v;
    OutputBuilder builder;
    for (const Series& s : v->vector) {
      size_t index = builder.Index(DropMetricName(s.labels));
      for (const store::Sample& p : s.points) {
        if (absl::Status st = builder.Add(index, p.ts_ms, -p.value); !st.ok()) return st;
      }
    }
    return VectorResult(builder.Take());
  }
  if (const auto* binary = expr.As<BinaryExpr>()) return EvalBinary(*binary, range);
  if (const auto* aggregate = expr.As<AggregateExpr>()) return EvalAggregate(*aggregate, range);
  if (const auto* call = expr.As<Call>()) return EvalCall(*call, range);
  return absl::InvalidArgumentError("a range vector cannot be evaluated at a step");
}

}  // namespace internal

namespace {

using internal::Evaluated;
using internal::Evaluator;

const Expr& Unwrap(const Expr& expr) {
  const auto* paren = expr.As<ParenExpr>();
  return paren ? Unwrap(*paren->inner) : expr;
}

// Whether the result of `expr` comes in an order of its own (sort, sort_desc, topk, bottomk)
// rather than sorted by labels.
bool KeepsOrder(const Expr& expr) {
  const Expr& e = Unwrap(expr);
  if (const auto* call = e.As<Call>()) {
    return call->function->name == "sort" || call->function->name == "sort_desc";
  }
  if (const auto* agg = e.As<AggregateExpr>()) {
    return agg->op == AggregateOp::kTopk || agg->op == AggregateOp::kBottomk;
  }
  return false;
}

void SortByLabels(Matrix* m) {
  std::sort(m->begin(), m->end(),
            [](const Series& a, const Series& b) { return a.labels < b.labels; });
}

}  // namespace

absl::StatusOr<Value> EvaluateInstant(const Expr& expr, int64_t ts_ms, LeafSource* source,
                                      const EvalOptions& options, QueryStats* stats) {
  QueryStats local;
  Evaluator ev(source, options, stats ? stats : &local, ts_ms, ts_ms);
  StepRange range{ts_ms, ts_ms, 1};
  Value out;
  out.ts_ms = ts_ms;
  out.type = expr.type();
  if (out.type == ValueType::kMatrix) {
    absl::StatusOr<internal::RangeInput> in = ev.EvalRange(expr, range);
    if (!in.ok()) return in.status();
    int64_t end = in->times.at(0), start = end - in->range_ms;
    for (Series& s : in->series) {
      std::erase_if(s.points,
                    [&](const store::Sample& p) { return p.ts_ms < start || p.ts_ms > end; });
      if (!s.points.empty()) out.matrix.push_back(std::move(s));
    }
    SortByLabels(&out.matrix);
    return out;
  }
  absl::StatusOr<Evaluated> v = ev.Eval(expr, range);
  if (!v.ok()) return v.status();
  switch (v->type) {
    case ValueType::kScalar:
      out.scalar = v->scalars.at(0);
      break;
    case ValueType::kString:
      out.string = v->string;
      break;
    default:
      if (!KeepsOrder(expr)) SortByLabels(&v->vector);
      for (Series& s : v->vector) {
        for (const store::Sample& p : s.points) {
          out.vector.push_back({std::move(s.labels), ts_ms, p.value});
        }
      }
  }
  return out;
}

absl::StatusOr<Matrix> EvaluateRange(const Expr& expr, const StepRange& range, LeafSource* source,
                                     const EvalOptions& options, QueryStats* stats) {
  ValueType type = expr.type();
  if (type != ValueType::kScalar && type != ValueType::kVector) {
    return absl::InvalidArgumentError(
        StrCat("invalid expression type \"", DocumentedName(type),
               "\" for range query, must be Scalar or instant Vector"));
  }
  if (range.step_ms <= 0 || range.end_ms < range.start_ms) {
    return absl::InvalidArgumentError("a range query needs step > 0 and end >= start");
  }
  if (range.steps() > options.limits.max_points_per_series) {
    return absl::ResourceExhaustedError(
        StrCat("exceeded maximum resolution of ", options.limits.max_points_per_series,
               " points per timeseries. Try decreasing the query resolution (?step=XX)"));
  }
  QueryStats local;
  Evaluator ev(source, options, stats ? stats : &local, range.start_ms, range.end_ms);
  absl::StatusOr<Evaluated> v = ev.Eval(expr, range);
  if (!v.ok()) return v.status();
  if (v->type == ValueType::kScalar) {
    Series s;
    for (size_t i = 0; i < v->scalars.size(); ++i) {
      s.points.push_back({internal::StepTime(range, i), v->scalars[i]});
    }
    return Matrix{std::move(s)};
  }
  SortByLabels(&v->vector);
  return std::move(v->vector);
}

}  // namespace vigie::promql
