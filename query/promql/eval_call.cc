// Function calls: the range functions (range_functions.h) over the windows of a range vector,
// the element-wise functions (elementwise.h), and the functions that work on whole vectors
// (absent, absent_over_time, sort, scalar, vector, time, timestamp), which live here;
// label_replace, label_join and histogram_quantile are in eval_labels.cc.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <numbers>

#include "common/strings.h"
#include "query/promql/elementwise.h"
#include "query/promql/eval_internal.h"
#include "query/promql/range_functions.h"

namespace vigie::promql::internal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Evaluated ScalarResult(std::vector<double> values) {
  Evaluated out;
  out.type = ValueType::kScalar;
  out.scalars = std::move(values);
  return out;
}

// One series {} with `value(i)` at every step.
template <typename F>
Matrix ConstantSeries(const StepRange& range, F&& value) {
  Series s;
  for (size_t i = 0; i < range.steps(); ++i) s.points.push_back({StepTime(range, i), value(i)});
  return Matrix{std::move(s)};
}

// The labels absent() and absent_over_time() give: the equality matchers of a selector
// argument, except __name__ and labels matched more than once.
LabelSet AbsentLabels(const Expr& arg) {
  const auto* leaf = arg.As<LeafExpr>();
  const auto* selector = leaf ? dynamic_cast<const Selector*>(leaf->leaf.get()) : nullptr;
  if (!selector) return {};
  std::map<std::string, std::string> equal;
  std::map<std::string, int> seen;
  for (const logql::LabelMatcher& m : selector->matchers) {
    if (m.name() == kMetricName) continue;
    ++seen[m.name()];
    if (m.type() == logql::MatchType::kEqual) equal[m.name()] = m.value();
  }
  std::vector<Label> labels;
  for (auto& [name, value] : equal) {
    if (seen[name] == 1) labels.push_back({name, value});
  }
  absl::StatusOr<LabelSet> out = LabelSet::Make(std::move(labels));
  return out.ok() ? *std::move(out) : LabelSet();
}

}  // namespace

absl::StatusOr<Evaluated> Evaluator::EvalCall(const Call& e, const StepRange& range) {
  const Function& f = *e.function;
  const std::string_view name = f.name;
  const size_t steps = range.steps();

  // Scalar and string arguments, evaluated at every step; the vector or range argument is
  // evaluated by each case below.
  std::vector<std::vector<double>> scalars;
  std::vector<std::string> strings;
  for (const ExprPtr& arg : e.args) {
    ValueType t = arg->type();
    if (t != ValueType::kScalar && t != ValueType::kString) continue;
    absl::StatusOr<Evaluated> v = Eval(*arg, range);
    if (!v.ok()) return v.status();
    if (t == ValueType::kScalar) scalars.push_back(std::move(v->scalars));
    if (t == ValueType::kString) strings.push_back(std::move(v->string));
  }
  auto scalar_args = [&](size_t i) {
    std::vector<double> out;
    for (const std::vector<double>& s : scalars) out.push_back(s[i]);
    return out;
  };

  if (name == "pi") return ScalarResult(std::vector<double>(steps, std::numbers::pi));
  if (name == "time") {
    std::vector<double> t(steps);
    for (size_t i = 0; i < steps; ++i) t[i] = static_cast<double>(StepTime(range, i)) / 1000;
    return ScalarResult(std::move(t));
  }
  if (name == "vector") {
    return VectorResult(ConstantSeries(range, [&](size_t i) { return scalars[0][i]; }));
  }
  if (name == "histogram_count" || name == "histogram_sum" || name == "histogram_fraction") {
    return VectorResult({});  // Native histograms only, which vigie does not store.
  }

  // The range functions.
  for (size_t a = 0; a < e.args.size(); ++a) {
    if (e.args[a]->type() != ValueType::kMatrix) continue;
    if (name == "absent_over_time") {
      absl::StatusOr<RangeInput> in = EvalRange(*e.args[a], range);
      if (!in.ok()) return in.status();
      LabelSet labels = AbsentLabels(*e.args[a]);
      Series out{labels, {}};
      std::vector<size_t> lo(in->series.size());
      for (size_t i = 0; i < steps; ++i) {
        int64_t end = in->times.at(i), start = end - in->range_ms;
        bool any = false;
        for (size_t s = 0; s < in->series.size(); ++s) {
          const auto& p = in->series[s].points;
          while (lo[s] < p.size() && p[lo[s]].ts_ms < start) ++lo[s];
          any = any || (lo[s] < p.size() && p[lo[s]].ts_ms <= end);
        }
        if (!any) out.points.push_back({StepTime(range, i), 1});
      }
      Matrix m;
      if (!out.points.empty()) m.push_back(std::move(out));
      return VectorResult(std::move(m));
    }
    // holt_winters fails on bad factors at any step once a series is selected.
    std::optional<std::string> holt_winters_error;
    for (size_t i = 0; name == "holt_winters" && i < steps && !holt_winters_error; ++i) {
      holt_winters_error = HoltWintersArgumentError(scalars[0][i], scalars[1][i]);
    }
    const bool keep_name = name == "last_over_time";
    // The scalar arguments of each step, laid out once.
    std::vector<double> step_args;
    for (size_t i = 0; i < steps; ++i) {
      for (const std::vector<double>& sc : scalars) step_args.push_back(sc[i]);
    }
    const RangeFunction function(f);
    Matrix out;
    TimeMap times;
    int64_t range_ms = 0;
    RangeVisitor visitor;
    visitor.start = [&](size_t count, const TimeMap& t, int64_t r) {
      out.resize(count);
      times = t;
      range_ms = r;
    };
    visitor.series = [&](size_t s, const LabelSet& labels, std::span<const store::Sample> p) {
      if (holt_winters_error) return absl::FailedPreconditionError(*holt_winters_error);
      if (absl::Status st = Interrupted(); !st.ok()) return st;
      std::vector<store::Sample>& points = out[s].points;
      size_t lo = 0, hi = 0;
      for (size_t i = 0; i < steps; ++i) {
        int64_t wend = times.at(i), wstart = wend - range_ms;
        while (lo < p.size() && p[lo].ts_ms < wstart) ++lo;
        hi = std::max(hi, lo);
        while (hi < p.size() && p[hi].ts_ms <= wend) ++hi;
        if (hi == lo) continue;
        std::span<const double> args(step_args.data() + i * scalars.size(), scalars.size());
        std::optional<double> v =
            function(p.subspan(lo, hi - lo), wstart, wend, StepTime(range, i), args);
        if (v) points.push_back({StepTime(range, i), *v});
      }
      if (!points.empty()) out[s].labels = keep_name ? labels : DropMetricName(labels);
      return absl::OkStatus();
    };
    if (absl::Status st = VisitRange(*e.args[a], range, visitor); !st.ok()) return st;
    absl::StatusOr<Matrix> distinct = Distinct(std::move(out));
    if (!distinct.ok()) return distinct.status();
    return VectorResult(*std::move(distinct));
  }

  // The functions of an instant vector (or of the evaluation time, for the date functions
  // without argument).
  const Expr* vector_arg = nullptr;
  for (const ExprPtr& arg : e.args) {
    if (arg->type() == ValueType::kVector) vector_arg = arg.get();
  }
  Matrix in;
  if (vector_arg) {
    const Expr* unwrapped = vector_arg;
    while (const auto* paren = unwrapped->As<ParenExpr>()) unwrapped = paren->inner.get();
    const auto* leaf = unwrapped->As<LeafExpr>();
    if (name == "timestamp" && leaf) {
      // The time of the sample the selector found, not the step's.
      absl::StatusOr<Matrix> m = EvalVectorLeaf(*leaf->leaf, range, true);
      if (!m.ok()) return m.status();
      for (Series& s : *m) s.labels = DropMetricName(s.labels);
      return VectorResult(*std::move(m));
    }
    absl::StatusOr<Evaluated> v = Eval(*vector_arg, range);
    if (!v.ok()) return v.status();
    in = std::move(v->vector);
  } else {
    // year(), hour()...: vector(time()), in whole seconds.
    in = ConstantSeries(range,
                        [&](size_t i) { return static_cast<double>(StepTime(range, i) / 1000); });
  }

  if (name == "timestamp") {
    for (Series& s : in) {
      s.labels = DropMetricName(s.labels);
      for (store::Sample& p : s.points) p.value = static_cast<double>(p.ts_ms) / 1000;
    }
    return VectorResult(std::move(in));
  }
  if (name == "scalar" || name == "absent") {
    std::vector<size_t> count(steps);
    std::vector<double> value(steps, kNaN);
    for (const Series& s : in) {
      for (const store::Sample& p : s.points) {
        size_t i = static_cast<size_t>((p.ts_ms - range.start_ms) / range.step_ms);
        ++count[i];
        value[i] = p.value;
      }
    }
    if (name == "scalar") {
      for (size_t i = 0; i < steps; ++i) {
        if (count[i] != 1) value[i] = kNaN;
      }
      return ScalarResult(std::move(value));
    }
    Series out{AbsentLabels(*vector_arg), {}};
    for (size_t i = 0; i < steps; ++i) {
      if (count[i] == 0) out.points.push_back({StepTime(range, i), 1});
    }
    Matrix m;
    if (!out.points.empty()) m.push_back(std::move(out));
    return VectorResult(std::move(m));
  }
  if (name == "sort" || name == "sort_desc") {
    // The order matters for an instant query only; NaN goes last either way, as in Prometheus
    // ("NaN should sort to the bottom").
    if (steps == 1) {
      bool desc = name == "sort_desc";
      std::stable_sort(in.begin(), in.end(), [desc](const Series& a, const Series& b) {
        double x = a.points[0].value, y = b.points[0].value;
        if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
        return desc ? x > y : x < y;
      });
    }
    return VectorResult(std::move(in));
  }
  if (name == "label_replace" || name == "label_join") {
    absl::StatusOr<Matrix> m = Relabel(name, strings, std::move(in));
    if (!m.ok()) return m.status();
    return VectorResult(*std::move(m));
  }
  if (name == "histogram_quantile") {
    absl::StatusOr<Matrix> m = HistogramQuantile(in, scalars[0], range);
    if (!m.ok()) return m.status();
    return VectorResult(*std::move(m));
  }
  if (!IsElementwiseFunction(name)) {
    return absl::UnimplementedError(StrCat("function \"", name, "\" is not implemented"));
  }
  for (Series& s : in) {
    s.labels = DropMetricName(s.labels);
    std::vector<store::Sample> points;
    for (const store::Sample& p : s.points) {
      size_t i = static_cast<size_t>((p.ts_ms - range.start_ms) / range.step_ms);
      std::optional<double> v = EvalElementwise(f, p.value, scalar_args(i));
      if (v) points.push_back({p.ts_ms, *v});
    }
    s.points = std::move(points);
  }
  absl::StatusOr<Matrix> distinct = Distinct(std::move(in));
  if (!distinct.ok()) return distinct.status();
  return VectorResult(*std::move(distinct));
}

}  // namespace vigie::promql::internal
