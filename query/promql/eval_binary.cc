// Binary operators: scalar with scalar, vector with scalar, and vector with vector under
// Prometheus's vector matching (one-to-one, group_left/group_right, and/or/unless), with its
// error messages for ambiguous matches.
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "common/strings.h"
#include "query/promql/eval_internal.h"

namespace vigie::promql::internal {
namespace {

bool DropsMetricName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kPow:
      return true;  // Not atan2, as in Prometheus 2.42.
    default:
      return false;
  }
}

// Prometheus's vectorElemBinop: the value, and for comparisons whether it holds (the value is
// then the left operand).
std::pair<double, bool> Apply(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd:
      return {l + r, true};
    case BinaryOp::kSub:
      return {l - r, true};
    case BinaryOp::kMul:
      return {l * r, true};
    case BinaryOp::kDiv:
      return {l / r, true};
    case BinaryOp::kMod:
      return {std::fmod(l, r), true};
    case BinaryOp::kPow:
      return {std::pow(l, r), true};
    case BinaryOp::kAtan2:
      return {std::atan2(l, r), true};
    case BinaryOp::kEql:
      return {l, l == r};
    case BinaryOp::kNeq:
      return {l, l != r};
    case BinaryOp::kGtr:
      return {l, l > r};
    case BinaryOp::kLss:
      return {l, l < r};
    case BinaryOp::kGte:
      return {l, l >= r};
    case BinaryOp::kLte:
      return {l, l <= r};
    default:
      return {0, false};
  }
}

// The value a comparison gives with or without bool; nullopt when the sample is dropped.
std::optional<double> Result(BinaryOp op, bool return_bool, double l, double r) {
  auto [value, keep] = Apply(op, l, r);
  if (return_bool) return keep ? 1.0 : 0.0;
  if (!keep) return std::nullopt;
  return value;
}

// The label set the match signature of a series is made of.
LabelSet SignatureLabels(const LabelSet& labels, const VectorMatching& m) {
  if (m.on) return labels.Project(m.labels, true);
  std::vector<std::string> drop = m.labels;
  drop.emplace_back(kMetricName);
  return labels.Project(drop, false);
}

// Interns the signatures of the series of a Matrix as small integers.
std::vector<size_t> Signatures(const Matrix& m, const VectorMatching& matching,
                               std::map<LabelSet, size_t>* ids) {
  std::vector<size_t> out;
  out.reserve(m.size());
  for (const Series& s : m) {
    auto [it, _] = ids->try_emplace(SignatureLabels(s.labels, matching), ids->size());
    out.push_back(it->second);
  }
  return out;
}

absl::StatusOr<Matrix> SetOperation(BinaryOp op, const VectorMatching& matching, const Matrix& lhs,
                                    const Matrix& rhs, const StepRange& range, Evaluator& ev) {
  std::map<LabelSet, size_t> ids;
  std::vector<size_t> lsig = Signatures(lhs, matching, &ids);
  std::vector<size_t> rsig = Signatures(rhs, matching, &ids);
  OutputBuilder out;
  // Output index per input series, lhs then rhs (the series are kept as they are).
  std::vector<std::optional<size_t>> lout(lhs.size()), rout(rhs.size());
  StepCursor lc(lhs), rc(rhs);
  std::vector<char> in_rhs(ids.size()), in_lhs(ids.size());
  for (size_t i = 0; i < range.steps(); ++i) {
    if (absl::Status st = ev.Interrupted(); !st.ok()) return st;
    int64_t t = StepTime(range, i);
    std::vector<std::pair<size_t, double>> ls, rs;
    lc.For(t, [&](size_t s, double v) { ls.push_back({s, v}); });
    rc.For(t, [&](size_t s, double v) { rs.push_back({s, v}); });
    std::fill(in_rhs.begin(), in_rhs.end(), 0);
    std::fill(in_lhs.begin(), in_lhs.end(), 0);
    for (auto [s, v] : rs) in_rhs[rsig[s]] = 1;
    for (auto [s, v] : ls) in_lhs[lsig[s]] = 1;
    auto emit = [&](const Matrix& m, std::vector<std::optional<size_t>>& index, size_t s,
                    double v) -> absl::Status {
      if (!index[s]) index[s] = out.Index(m[s].labels);
      return out.Add(*index[s], t, v);
    };
    for (auto [s, v] : ls) {
      bool matched = in_rhs[lsig[s]];
      bool keep = op == BinaryOp::kAnd ? matched : op == BinaryOp::kUnless ? !matched : true;
      if (!keep) continue;
      if (absl::Status st = emit(lhs, lout, s, v); !st.ok()) return st;
    }
    if (op != BinaryOp::kOr) continue;
    for (auto [s, v] : rs) {
      if (in_lhs[rsig[s]]) continue;
      if (absl::Status st = emit(rhs, rout, s, v); !st.ok()) return st;
    }
  }
  return out.Take();
}

// Prometheus's resultMetric: the labels of a result of `many` (the side whose labels are kept)
// matched with `one`.
LabelSet ResultLabels(const LabelSet& many, const LabelSet& one, BinaryOp op,
                      const VectorMatching& m, bool return_bool) {
  LabelSet out = DropsMetricName(op) || return_bool ? DropMetricName(many) : many;
  if (m.card == VectorMatching::Card::kOneToOne) {
    out = out.Project(m.labels, m.on);
  }
  for (const std::string& name : m.include) out = WithLabel(out, name, one.Get(name));
  return out;
}

absl::StatusOr<Matrix> MatchVectors(const BinaryExpr& e, const Matrix& lhs_in, const Matrix& rhs_in,
                                    const StepRange& range, Evaluator& ev) {
  const VectorMatching& m = *e.matching;
  // For one-to-many, swap the sides so that the right one is the "one" side; values are swapped
  // back when applying the operator.
  bool swapped = m.card == VectorMatching::Card::kOneToMany;
  const Matrix& lhs = swapped ? rhs_in : lhs_in;
  const Matrix& rhs = swapped ? lhs_in : rhs_in;
  std::map<LabelSet, size_t> ids;
  std::vector<size_t> lsig = Signatures(lhs, m, &ids);
  std::vector<size_t> rsig = Signatures(rhs, m, &ids);
  OutputBuilder out;
  std::map<std::pair<size_t, size_t>, size_t> out_index;  // (lhs, rhs) series -> output.
  StepCursor lc(lhs), rc(rhs);
  constexpr size_t kNone = SIZE_MAX;
  std::vector<size_t> one_side(ids.size(), kNone);  // Signature -> rhs series at this step.
  std::vector<double> one_value(ids.size());
  std::vector<char> matched(ids.size());
  std::vector<std::set<size_t>> inserted(ids.size());  // Many-to-one: outputs per signature.
  for (size_t i = 0; i < range.steps(); ++i) {
    if (absl::Status st = ev.Interrupted(); !st.ok()) return st;
    int64_t t = StepTime(range, i);
    std::fill(one_side.begin(), one_side.end(), kNone);
    std::fill(matched.begin(), matched.end(), 0);
    absl::Status status;
    rc.For(t, [&](size_t s, double v) {
      if (!status.ok()) return;
      size_t sig = rsig[s];
      if (one_side[sig] != kNone) {
        status = absl::FailedPreconditionError(StrCat(
            "found duplicate series for the match group ",
            SignatureLabels(rhs[s].labels, m).ToString(), " on the ", swapped ? "left" : "right",
            " hand-side of the operation: [", rhs[s].labels.ToString(), ", ",
            rhs[one_side[sig]].labels.ToString(),
            "];many-to-many matching not allowed: matching labels must be unique on one side"));
        return;
      }
      one_side[sig] = s;
      one_value[sig] = v;
    });
    if (!status.ok()) return status;
    lc.For(t, [&](size_t s, double v) {
      if (!status.ok()) return;
      size_t sig = lsig[s];
      size_t r = one_side[sig];
      if (r == kNone) return;
      double vl = v, vr = one_value[sig];
      if (swapped) std::swap(vl, vr);
      std::optional<double> value = Result(e.op, e.return_bool, vl, vr);
      if (!value) return;
      auto [it, created] = out_index.try_emplace({s, r}, 0);
      if (created) {
        it->second = out.Index(ResultLabels(lhs[s].labels, rhs[r].labels, e.op, m, e.return_bool));
      }
      if (m.card == VectorMatching::Card::kOneToOne) {
        if (matched[sig]) {
          status = absl::FailedPreconditionError(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
          return;
        }
        matched[sig] = 1;
      } else {
        if (!matched[sig]) inserted[sig].clear();
        matched[sig] = 1;
        if (!inserted[sig].insert(it->second).second) {
          status = absl::FailedPreconditionError(
              "multiple matches for labels: grouping labels must ensure unique matches");
          return;
        }
      }
      status = out.Add(it->second, t, *value);
    });
    if (!status.ok()) return status;
  }
  return out.Take();
}

// A vector with a scalar on either side.
absl::StatusOr<Matrix> WithScalar(const BinaryExpr& e, const Matrix& vec,
                                  const std::vector<double>& scalars, bool scalar_left,
                                  const StepRange& range) {
  OutputBuilder out;
  bool drop = DropsMetricName(e.op) || e.return_bool;
  for (const Series& s : vec) {
    std::optional<size_t> index;
    for (const store::Sample& p : s.points) {
      double scalar = scalars[static_cast<size_t>((p.ts_ms - range.start_ms) / range.step_ms)];
      double l = scalar_left ? scalar : p.value, r = scalar_left ? p.value : scalar;
      std::optional<double> value = Result(e.op, e.return_bool, l, r);
      if (!value) continue;
      // A comparison keeps the vector's value even when the scalar is on the left.
      if (IsComparison(e.op) && !e.return_bool) value = p.value;
      if (!index) index = out.Index(drop ? DropMetricName(s.labels) : s.labels);
      if (absl::Status st = out.Add(*index, p.ts_ms, *value); !st.ok()) return st;
    }
  }
  return out.Take();
}

}  // namespace

absl::StatusOr<Evaluated> Evaluator::EvalBinary(const BinaryExpr& e, const StepRange& range) {
  absl::StatusOr<Evaluated> lhs = Eval(*e.lhs, range);
  if (!lhs.ok()) return lhs.status();
  absl::StatusOr<Evaluated> rhs = Eval(*e.rhs, range);
  if (!rhs.ok()) return rhs.status();
  bool lvec = lhs->type == ValueType::kVector, rvec = rhs->type == ValueType::kVector;
  if (!lvec && !rvec) {
    Evaluated out;
    out.type = ValueType::kScalar;
    out.scalars.resize(lhs->scalars.size());
    for (size_t i = 0; i < out.scalars.size(); ++i) {
      // Comparisons between scalars always have bool (the parser checks): 1 or 0.
      double l = lhs->scalars[i], r = rhs->scalars[i];
      out.scalars[i] = IsComparison(e.op) ? *Result(e.op, true, l, r) : Apply(e.op, l, r).first;
    }
    return out;
  }
  absl::StatusOr<Matrix> m;
  if (lvec && rvec) {
    // The parser sets the matching of every operator between two vectors.
    if (!e.matching) return absl::InternalError("binary operator between vectors without matching");
    m = IsSetOperator(e.op)
            ? SetOperation(e.op, *e.matching, lhs->vector, rhs->vector, range, *this)
            : MatchVectors(e, lhs->vector, rhs->vector, range, *this);
  } else if (lvec) {
    m = WithScalar(e, lhs->vector, rhs->scalars, false, range);
  } else {
    m = WithScalar(e, rhs->vector, lhs->scalars, true, range);
  }
  if (!m.ok()) return m.status();
  return VectorResult(*std::move(m));
}

}  // namespace vigie::promql::internal
