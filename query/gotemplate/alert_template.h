// The templates of Prometheus's alerting rules (the values of `annotations` and `labels`), as its
// rules and template packages expand them: the preamble
//   {{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}
//   {{$value := .Value}}
// then the text, over the data {Labels, ExternalLabels, ExternalURL, Value}, with Prometheus's
// functions (humanize, humanizeDuration, printf, query, ...: docs/alerts.md, "Templates").
//
// Usage, for each alert instance and each annotation (and templated label) of its rule:
//   absl::StatusOr<AlertTemplate> t = AlertTemplate::Parse(text, rule_name);  // once, at load
//   std::string value = t->ExpandOrError(data);  // each evaluation
//
// Thread safety: an AlertTemplate is immutable; Expand may be called concurrently. The query
// function must be safe to call from the threads that call Expand.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "query/gotemplate/template.h"

namespace vigie::gotemplate {

// One element of a query's instant vector, as templates see it ({{ .Labels.x }}, {{ .Value }}).
struct QuerySample {
  std::map<std::string, std::string> labels;  // With __name__ when the series has one.
  double value = 0;
};

// Evaluates `query` (PromQL, or a LogQL metric query) at `at`, returning its instant vector: the
// seam through which {{ query "..." }} reaches an evaluator without this library linking one.
// A scalar result is one sample with no labels. An error becomes the template's render error.
using QueryFunc =
    std::function<absl::StatusOr<std::vector<QuerySample>>(std::string_view query, absl::Time at)>;

// What one alert's templates see.
struct AlertTemplateData {
  std::map<std::string, std::string> labels;           // $labels: the alert's sample's labels.
  std::map<std::string, std::string> external_labels;  // $externalLabels.
  std::string external_url;  // $externalURL; externalURL and pathPrefix parse it.
  double value = 0;          // $value: the sample's value.
  absl::Time eval_time;      // When the rule is evaluated: the time of {{ query }}.
  QueryFunc query;           // For {{ query }}; when empty, a query fails with an error.
  // .Anomaly: an anomaly rule's numbers for the sample (docs/alerts.md, "Anomaly rules"):
  // Value, Expected, Lower, Upper, Deviation, Score, Time. Empty for other rules.
  std::map<std::string, double> anomaly;
};

class AlertTemplate {
 public:
  // Parses an alerting rule's annotation or label value. `rule_name` names the template
  // "__alert_<rule_name>" in render errors, as Prometheus names it. Fails with InvalidArgument
  // "template: line L, col C: <what>" (positions in `text`): the caller adds which file, rule
  // and field.
  static absl::StatusOr<AlertTemplate> Parse(std::string_view text, std::string_view rule_name);

  // Expands the template for one alert instance. A render error reads as Prometheus's:
  // "error executing template __alert_X: template: __alert_X:1:123: executing \"__alert_X\" at
  // <humanize $labels.x>: error calling humanize: ..." (columns count the preamble, as in
  // Prometheus's messages).
  absl::StatusOr<std::string> Expand(const AlertTemplateData& data) const;
  // What Prometheus puts in the annotation or label: the expansion, or on error
  // "<error expanding template: MESSAGE>" with Expand's message.
  std::string ExpandOrError(const AlertTemplateData& data) const;

  const std::string& text() const { return template_.text(); }

 private:
  explicit AlertTemplate(Template t, std::string name)
      : template_(std::move(t)), name_(std::move(name)) {}
  Template template_;
  std::string name_;  // __alert_<rule_name>.
};

// The dialect of Prometheus's rule templates: Go's builtins and Prometheus's functions, with
// variables, range and with. Its functions render only the data AlertTemplate::Expand builds.
const Dialect& PrometheusDialect();

}  // namespace vigie::gotemplate
