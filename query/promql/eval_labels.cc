// The functions of labels: label_replace, label_join, and histogram_quantile, which groups
// the buckets of a histogram by their labels without `le`.
#include <map>
#include <memory>

#include "common/strings.h"
#include "query/promql/eval_internal.h"
#include "query/promql/histogram.h"
#include "re2/re2.h"

namespace vigie::promql::internal {
namespace {

// Go's regexp.Expand of `tmpl` ($1, ${1}, $name, ${name}, $$) with the groups of a match.
std::string Expand(std::string_view tmpl, const re2::RE2& re,
                   const std::vector<re2::StringPiece>& groups) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 == tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    auto is_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    size_t start = i + 1, end;
    bool braced = tmpl[start] == '{';
    if (braced) ++start;
    for (end = start; end < tmpl.size() && is_name(tmpl[end]); ++end) {
    }
    if (end == start || (braced && (end == tmpl.size() || tmpl[end] != '}'))) {
      out += '$';  // Malformed: the $ is text.
      continue;
    }
    std::string_view name = tmpl.substr(start, end - start);
    int group = -1;
    if (std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(c); })) {
      group = name.size() < 9 ? std::atoi(std::string(name).c_str()) : -1;
    } else {
      auto it = re.NamedCapturingGroups().find(std::string(name));
      if (it != re.NamedCapturingGroups().end()) group = it->second;
    }
    if (group >= 0 && static_cast<size_t>(group) < groups.size()) {
      out.append(groups[group].data(), groups[group].size());
    }
    i = braced ? end : end - 1;
  }
  return out;
}

}  // namespace

absl::StatusOr<Matrix> Relabel(std::string_view name, const std::vector<std::string>& strings,
                               Matrix in) {
  const std::string& dst = strings[0];
  if (!IsValidLabelName(dst)) {
    return absl::FailedPreconditionError(
        StrCat("invalid destination label name in ", name, "(): ", dst));
  }
  std::unique_ptr<re2::RE2> re;
  if (name == "label_replace") {
    re = std::make_unique<re2::RE2>(StrCat("^(?:", strings[3], ")$"), re2::RE2::Quiet);
    if (!re->ok()) {
      return absl::FailedPreconditionError(
          StrCat("invalid regular expression in label_replace(): ", strings[3]));
    }
  } else {
    for (size_t i = 2; i < strings.size(); ++i) {
      if (!IsValidLabelName(strings[i])) {
        return absl::FailedPreconditionError(
            StrCat("invalid source label name in label_join(): ", strings[i]));
      }
    }
  }
  for (Series& s : in) {
    if (re) {
      std::string_view src = s.labels.Get(strings[2]);
      std::vector<re2::StringPiece> groups(static_cast<size_t>(re->NumberOfCapturingGroups()) + 1);
      if (!re->Match(src, 0, src.size(), re2::RE2::UNANCHORED, groups.data(),
                     static_cast<int>(groups.size()))) {
        continue;
      }
      s.labels = WithLabel(s.labels, dst, Expand(strings[1], *re, groups));
    } else {
      std::string joined;
      for (size_t i = 2; i < strings.size(); ++i) {
        if (i > 2) joined += strings[1];
        joined += s.labels.Get(strings[i]);
      }
      s.labels = WithLabel(s.labels, dst, joined);
    }
  }
  return Distinct(std::move(in));
}

absl::StatusOr<Matrix> Evaluator::HistogramQuantile(const Matrix& in, const std::vector<double>& q,
                                                    const StepRange& range) {
  // Buckets grouped by their labels without `le` (and the name), step by step.
  std::map<LabelSet, size_t> group_ids;
  std::vector<LabelSet> group_labels;
  std::vector<std::optional<size_t>> group_of(in.size());
  std::vector<double> bound(in.size());
  for (size_t s = 0; s < in.size(); ++s) {
    std::optional<double> b = ParseBucketBound(in[s].labels.Get("le"));
    if (!b) continue;  // No le, or one Prometheus would not read: the series is ignored.
    bound[s] = *b;
    LabelSet g = DropMetricName(in[s].labels).Project({"le"}, false);
    auto [it, created] = group_ids.try_emplace(g, group_labels.size());
    if (created) group_labels.push_back(std::move(g));
    group_of[s] = it->second;
  }
  OutputBuilder out;
  std::vector<std::optional<size_t>> out_index(group_labels.size());
  std::vector<std::vector<Bucket>> buckets(group_labels.size());
  StepCursor cursor(in);
  for (size_t i = 0; i < range.steps(); ++i) {
    if (absl::Status st = Interrupted(); !st.ok()) return st;
    for (auto& b : buckets) b.clear();
    int64_t t = StepTime(range, i);
    cursor.For(t, [&](size_t s, double v) {
      if (group_of[s]) buckets[*group_of[s]].push_back({bound[s], v});
    });
    for (size_t g = 0; g < buckets.size(); ++g) {
      if (buckets[g].empty()) continue;
      if (!out_index[g]) out_index[g] = out.Index(group_labels[g]);
      double value = BucketQuantile(q[i], std::move(buckets[g]));
      if (absl::Status st = out.Add(*out_index[g], t, value); !st.ok()) return st;
    }
  }
  return out.Take();
}

}  // namespace vigie::promql::internal
