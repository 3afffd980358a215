#include "alerts/rulestest/test_file.h"

#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "common/strings.h"
#include "query/promql/literals.h"
#include "query/promql/series_notation.h"

namespace vigie::alerts::rulestest {
namespace {

// A node of the test file with the path that leads to it, for errors that name file, line and
// field.
class Field {
 public:
  Field(const YAML::Node& node, std::string path, const std::string* file)
      : node_(node), path_(std::move(path)), file_(file) {}

  int line() const { return node_.Mark().line + 1; }
  bool null() const { return !node_ || node_.IsNull(); }

  template <typename... Args>
  absl::Status Error(const Args&... what) const {
    std::string at = node_.Mark().is_null() ? *file_ : StrCat(*file_, ":", line());
    return absl::InvalidArgumentError(StrCat(at, ": ", path_, ": ", what...));
  }

  // A mapping whose keys must be among `known`; calls `each` for every key in file order.
  absl::Status Mapping(
      std::initializer_list<std::string_view> known,
      const std::function<absl::Status(const std::string&, const Field&)>& each) const {
    if (null()) return absl::OkStatus();
    if (!node_.IsMap()) return Error("expected a mapping of fields");
    for (const auto& item : node_) {
      std::string key = item.first.Scalar();
      Field value(item.second, path_.empty() ? key : StrCat(path_, ".", key), file_);
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        return Field(item.first, value.path_, file_)
            .Error(StrCat("unknown field; known fields: ", Join(known)));
      }
      if (absl::Status s = each(key, value); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status List(const std::function<absl::Status(const Field&)>& each) const {
    if (null()) return absl::OkStatus();
    if (!node_.IsSequence()) return Error("expected a list");
    for (size_t i = 0; i < node_.size(); ++i) {
      if (absl::Status s = each(Field(node_[i], StrCat(path_, "[", i, "]"), file_)); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  absl::Status String(std::string* out) const {
    if (null()) return absl::OkStatus();
    if (!node_.IsScalar()) return Error("expected a string");
    *out = node_.Scalar();
    return absl::OkStatus();
  }

  absl::Status StringList(std::vector<std::string>* out) const {
    return List([out](const Field& f) { return f.String(&out->emplace_back()); });
  }

  absl::Status StringMap(std::map<std::string, std::string>* out) const {
    if (null()) return absl::OkStatus();
    if (!node_.IsMap()) return Error("expected a mapping of names to strings");
    for (const auto& item : node_) {
      Field value(item.second, StrCat(path_, ".", item.first.Scalar()), file_);
      if (absl::Status s = value.String(&(*out)[item.first.Scalar()]); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  // Labels in the series notation: `metric{a="b"}`, `{a="b"}` or `metric`.
  absl::Status Labels(LabelSet* out) const {
    std::string text;
    if (absl::Status s = String(&text); !s.ok()) return s;
    std::string_view rest;
    absl::StatusOr<LabelSet> labels = promql::ParseSeriesLabels(text, &rest);
    if (!labels.ok()) return Error(labels.status().message());
    if (rest.find_first_not_of(" \t") != std::string_view::npos) {
      return Error("unexpected \"", rest, "\" after the labels");
    }
    *out = *std::move(labels);
    return absl::OkStatus();
  }

  // Values in the expanding notation: `1+2x3 _ stale`.
  absl::Status SeriesValues(std::vector<std::optional<double>>* out) const {
    std::string text;
    if (absl::Status s = String(&text); !s.ok()) return s;
    absl::StatusOr<std::vector<std::optional<double>>> values = promql::ExpandSeriesValues(text);
    if (!values.ok()) return Error(values.status().message());
    *out = *std::move(values);
    return absl::OkStatus();
  }

  // A Prometheus duration (5m, 1h30m, 0).
  absl::Status Duration(int64_t* ms) const {
    std::string text;
    if (absl::Status s = String(&text); !s.ok()) return s;
    if (text.empty() || text == "0") {
      *ms = 0;
      return absl::OkStatus();
    }
    absl::StatusOr<int64_t> ns = promql::ParseDuration(text);
    if (!ns.ok()) {
      return Error(StrCat("\"", text, "\" is not a duration such as 30s, 5m or 1h30m"));
    }
    *ms = *ns / 1'000'000;
    return absl::OkStatus();
  }

  // A YAML float: 1, 2.5, 1e3, .inf, -.inf, .nan.
  absl::Status Number(double* out) const {
    std::string text;
    if (absl::Status s = String(&text); !s.ok()) return s;
    std::string lower = absl::AsciiStrToLower(text);
    if (lower == ".nan") {
      *out = std::numeric_limits<double>::quiet_NaN();
    } else if (lower == ".inf" || lower == "+.inf" || lower == "-.inf") {
      *out = lower[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    } else if (!absl::SimpleAtod(text, out) || lower.find_first_of("in") != std::string::npos) {
      return Error(StrCat("\"", text, "\" is not a number"));
    }
    return absl::OkStatus();
  }

 private:
  static std::string Join(std::initializer_list<std::string_view> names) {
    std::string out;
    for (std::string_view n : names) out += out.empty() ? std::string(n) : StrCat(", ", n);
    return out;
  }

  YAML::Node node_;
  std::string path_;
  const std::string* file_;
};

absl::Status ParseSeries(const Field& f, TestGroup* group) {
  InputSeries& series = group->input_series.emplace_back();
  series.line = f.line();
  return f.Mapping({"series", "values"}, [&](const std::string& key, const Field& v) {
    return key == "series" ? v.Labels(&series.labels) : v.SeriesValues(&series.values);
  });
}

absl::Status ParseAlertCase(const Field& f, TestGroup* group) {
  AlertTestCase& test = group->alert_rule_test.emplace_back();
  test.line = f.line();
  absl::Status s = f.Mapping(
      {"eval_time", "alertname", "exp_alerts"}, [&](const std::string& key, const Field& v) {
        if (key == "eval_time") return v.Duration(&test.eval_time_ms);
        if (key == "alertname") return v.String(&test.alertname);
        return v.List([&](const Field& a) {
          ExpectedAlert& alert = test.exp_alerts.emplace_back();
          return a.Mapping(
              {"exp_labels", "exp_annotations"}, [&](const std::string& k, const Field& m) {
                return m.StringMap(k == "exp_labels" ? &alert.labels : &alert.annotations);
              });
        });
      });
  if (!s.ok()) return s;
  if (test.alertname.empty()) {
    return f.Error("alertname is required: the alert whose firing instances to check");
  }
  return absl::OkStatus();
}

absl::Status ParseExpectedSample(const Field& f, PromqlTestCase* test) {
  ExpectedSample& sample = test->exp_samples.emplace_back();
  return f.Mapping({"labels", "value"}, [&](const std::string& key, const Field& v) {
    return key == "value" ? v.Number(&sample.value) : v.Labels(&sample.labels);
  });
}

absl::Status ParsePromqlCase(const Field& f, TestGroup* group) {
  PromqlTestCase& test = group->promql_expr_test.emplace_back();
  test.line = f.line();
  return f.Mapping({"expr", "eval_time", "exp_samples"},
                   [&](const std::string& key, const Field& v) {
                     if (key == "expr") return v.String(&test.expr);
                     if (key == "eval_time") return v.Duration(&test.eval_time_ms);
                     return v.List([&](const Field& s) { return ParseExpectedSample(s, &test); });
                   });
}

absl::Status ParseGroup(const Field& f, TestFile* file) {
  TestGroup& group = file->tests.emplace_back();
  group.line = f.line();
  return f.Mapping({"name", "interval", "input_series", "alert_rule_test", "promql_expr_test",
                    "external_labels", "external_url"},
                   [&](const std::string& key, const Field& v) -> absl::Status {
                     if (key == "name") return v.String(&group.name);
                     if (key == "interval") return v.Duration(&group.interval_ms);
                     if (key == "external_url") return v.String(&group.external_url);
                     if (key == "input_series")
                       return v.List([&](const Field& s) { return ParseSeries(s, &group); });
                     if (key == "alert_rule_test") {
                       return v.List([&](const Field& a) { return ParseAlertCase(a, &group); });
                     }
                     if (key == "promql_expr_test") {
                       return v.List([&](const Field& p) { return ParsePromqlCase(p, &group); });
                     }
                     std::map<std::string, std::string> labels;
                     if (absl::Status s = v.StringMap(&labels); !s.ok()) return s;
                     std::vector<Label> list;
                     for (auto& [name, value] : labels) list.push_back({name, value});
                     absl::StatusOr<LabelSet> set = LabelSet::Make(std::move(list));
                     if (!set.ok()) return v.Error(set.status().message());
                     group.external_labels = *std::move(set);
                     return absl::OkStatus();
                   });
}

// rule_files relative to the test file's directory, each pattern globbed.
void ResolveRuleFiles(const std::vector<std::string>& patterns, TestFile* file) {
  size_t slash = file->path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : file->path.substr(0, slash + 1);
  for (const std::string& pattern : patterns) {
    std::string full = pattern.empty() || pattern[0] == '/' ? pattern : dir + pattern;
    glob_t matches{};
    if (glob(full.c_str(), 0, nullptr, &matches) == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) file->rule_files.push_back(matches.gl_pathv[i]);
    } else {
      file->unmatched_patterns.push_back(full);
    }
    globfree(&matches);
  }
}

}  // namespace

int64_t TestGroup::MaxEvalTimeMs() const {
  int64_t max = 0;
  for (const AlertTestCase& t : alert_rule_test) max = std::max(max, t.eval_time_ms);
  for (const PromqlTestCase& t : promql_expr_test) max = std::max(max, t.eval_time_ms);
  return max;
}

absl::StatusOr<TestFile> ParseTestFile(const std::string& path, const std::string& text) {
  TestFile file;
  file.path = path;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        StrCat(path, ":", e.mark.line + 1, ": not valid YAML: ", e.msg));
  }
  std::vector<std::string> patterns;
  Field top(root, "", &file.path);
  absl::Status s =
      top.Mapping({"rule_files", "evaluation_interval", "group_eval_order", "tests"},
                  [&](const std::string& key, const Field& v) -> absl::Status {
                    if (key == "rule_files") return v.StringList(&patterns);
                    if (key == "group_eval_order") return v.StringList(&file.group_eval_order);
                    if (key == "tests")
                      return v.List([&](const Field& g) { return ParseGroup(g, &file); });
                    if (absl::Status s = v.Duration(&file.evaluation_interval_ms); !s.ok())
                      return s;
                    if (file.evaluation_interval_ms == 0) file.evaluation_interval_ms = 60'000;
                    return absl::OkStatus();
                  });
  if (!s.ok()) return s;
  std::set<std::string> seen;
  for (const std::string& group : file.group_eval_order) {
    if (!seen.insert(group).second) {
      return absl::InvalidArgumentError(
          StrCat(path, ": group_eval_order: group name repeated in evaluation order: ", group));
    }
  }
  ResolveRuleFiles(patterns, &file);
  return file;
}

}  // namespace vigie::alerts::rulestest
