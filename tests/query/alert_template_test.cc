// Prometheus's alerting rule templates: the expected outputs are what Prometheus 2.42 prints for
// the same templates (its template_test.go table and documented behaviour).
#include "query/gotemplate/alert_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <span>

namespace vigie::gotemplate {
namespace {

using testing::HasSubstr;

struct Case {
  std::string text;
  std::vector<QuerySample> query_result = {};
};

AlertTemplateData BaseData(std::vector<QuerySample> query_result = {}) {
  AlertTemplateData data;
  data.labels = {{"alertname", "HighLatency"}, {"instance", "web-1:9100"}, {"job", "front"}};
  data.external_labels = {{"cluster", "eu-1"}};
  data.external_url = "http://testhost:9090/path/prefix";
  data.value = 1234.5678;
  data.eval_time = absl::FromUnixSeconds(1700000000);
  data.query = [result = std::move(query_result)](
                   std::string_view, absl::Time) -> absl::StatusOr<std::vector<QuerySample>> {
    return result;
  };
  return data;
}

absl::StatusOr<std::string> Expand(std::string_view text, const AlertTemplateData& data) {
  absl::StatusOr<AlertTemplate> t = AlertTemplate::Parse(text, "T");
  if (!t.ok()) return t.status();
  return t->Expand(data);
}

std::string E(std::string_view text, std::vector<QuerySample> query_result = {}) {
  absl::StatusOr<std::string> out = Expand(text, BaseData(std::move(query_result)));
  EXPECT_TRUE(out.ok()) << text << ": " << out.status();
  return out.ok() ? *out : "<error>";
}

std::string Error(std::string_view text, std::vector<QuerySample> query_result = {}) {
  absl::StatusOr<std::string> out = Expand(text, BaseData(std::move(query_result)));
  EXPECT_FALSE(out.ok()) << text << " gave " << *out;
  return out.ok() ? "" : std::string(out.status().message());
}

// Samples with these values and no labels, for {{ range query "x" }}{{ f .Value }}{{ end }}.
std::vector<QuerySample> Values(std::vector<double> values) {
  std::vector<QuerySample> out;
  for (double v : values) out.push_back({{}, v});
  return out;
}

// {{ "in" | function }} for each pair, and what it gives.
void ExpectPiped(std::string_view function,
                 std::span<const std::pair<std::string, std::string>> cases) {
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(E("{{ \"" + in + "\" | " + std::string(function) + " }}"), want) << in;
  }
}

// Prometheus's columns count its preamble ({{$labels := .Labels}}...{{$value := .Value}}).
constexpr int kPreamble = 112;

TEST(AlertTemplateTest, Humanize) {
  const std::string range = "{{ range query \"x\" }}{{ humanize .Value }}:{{ end }}";
  EXPECT_EQ(E(range, Values({0, 1, 1234567, .12})), "0:1:1.235M:120m:");
  EXPECT_EQ(E("{{ humanize \"0.0\" }}:{{ humanize \"1.0\" }}:{{ humanize \"1234567.0\" }}:"
              "{{ humanize \".12\" }}"),
            "0:1:1.235M:120m");
  EXPECT_EQ(E("{{ humanize 0 }}:{{ humanize -1 }}:{{ humanize 1 }}:{{ humanize 1234567 }}:"
              "{{ humanize 9223372036854775807 }}"),
            "0:-1:1:1.235M:9.223E");
  EXPECT_EQ(
      Error("{{ humanize \"one\" }}"),
      "error executing template __alert_T: template: __alert_T:1:" + std::to_string(kPreamble + 3) +
          ": executing \"__alert_T\" at <humanize \"one\">: error calling humanize: "
          "strconv.ParseFloat: parsing \"one\": invalid syntax");
  EXPECT_EQ(
      E("{{ range query \"x\" }}{{ humanize1024 .Value }}:{{ end }}", Values({0, 1, 1048576, .12})),
      "0:1:1Mi:0.12:");
  EXPECT_EQ(E("{{ humanize1024 -1 }}:{{ humanize1024 1234567 }}:"
              "{{ humanize1024 9223372036854775807 }}:{{ humanize1024 \"1048576.0\" }}"),
            "-1:1.177Mi:8Ei:1Mi");
}

TEST(AlertTemplateTest, HumanizeDuration) {
  const std::string range = "{{ range query \"x\" }}{{ humanizeDuration .Value }}:{{ end }}";
  EXPECT_EQ(E(range, Values({0, 1, 60, 3600, 86400, 86400 + 3600,
                             -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99})),
            "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:");
  EXPECT_EQ(E(range, Values({.1, .0001, .12345, 60.1, 60.5, 1.2345, 12.345})),
            "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:");
  EXPECT_EQ(E("{{ humanizeDuration 0 }}:{{ humanizeDuration -1 }}:{{ humanizeDuration 1234567 }}:"
              "{{ humanizeDuration \"3600\" }}"),
            "0s:-1s:14d 6h 56m 7s:1h 0m 0s");
}

TEST(AlertTemplateTest, InfAndNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(E("{{ range query \"x\" }}{{ humanize .Value }}:{{ humanize1024 .Value }}:"
              "{{ humanizeDuration .Value }}:{{ humanizeTimestamp .Value }}:{{ end }}",
              Values({inf, -inf, std::nan("")})),
            "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:");
  EXPECT_EQ(E("{{ humanize \"+Inf\" }}:{{ humanizeDuration \"-Inf\" }}:{{ humanize1024 \"NaN\" }}"),
            "+Inf:-Inf:NaN");
}

TEST(AlertTemplateTest, PercentageAndTimestamp) {
  EXPECT_EQ(E("{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:"
              "{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}"),
            "-22.22%:0%:12.35%:123.5%");
  EXPECT_EQ(E("{{ humanizePercentage -1 }}:{{ humanizePercentage 1234567 }}:"
              "{{ humanizePercentage 9223372036854775807 }}"),
            "-100%:1.235e+08%:9.223e+20%");
  EXPECT_EQ(E("{{ 1435065584.128 | humanizeTimestamp }}"), "2015-06-23 13:19:44.128 +0000 UTC");
  EXPECT_EQ(E("{{ \"1435065584.128\" | humanizeTimestamp }}"), "2015-06-23 13:19:44.128 +0000 UTC");
  EXPECT_EQ(E("{{ humanizeTimestamp 0 }}:{{ humanizeTimestamp -1 }}:"
              "{{ humanizeTimestamp 1234567 }}:{{ humanizeTimestamp 9223372036 }}"),
            "1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:"
            "1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC");
  EXPECT_THAT(Error("{{ humanizeTimestamp -9223372036854775807 }}"),
              HasSubstr("error calling humanizeTimestamp: -9.223372036854776e+18 cannot be "
                        "represented as a nanoseconds timestamp since it overflows int64"));
  EXPECT_EQ(E("{{ (1435065584.128 | toTime).Format \"2006\" }}"), "2015");
  EXPECT_EQ(E("{{ (\"1435065584.128\" | toTime).Format \"2006\" }}"), "2015");
  EXPECT_EQ(E("{{ printf \"%0.2f\" (parseDuration \"1h2m10ms\") }}"), "3720.01");
}

TEST(AlertTemplateTest, StringsAndLinks) {
  EXPECT_EQ(E("plain text"), "plain text");
  EXPECT_EQ(E("{{ 1 }}"), "1");
  EXPECT_EQ(E("{{ \"<b>\" }}|{{ \"<b>\" | safeHtml }}"), "<b>|<b>");
  EXPECT_EQ(E("{{ reReplaceAll \"(a)b\" \"x$1\" \"ab\" }}"), "xa");
  EXPECT_EQ(
      E("{{ \"aa bb CC\" | title }}|{{ \"aa bb CC\" | toUpper }}|{{ \"aA bB CC\" | toLower }}"),
      "Aa Bb CC|AA BB CC|aa bb cc");
  EXPECT_EQ(E("{{ match \"a+\" \"aa\" }} {{ match \"a+\" \"b\" }}"), "true false");
  EXPECT_EQ(E("{{ graphLink \"up\" }} {{ tableLink \"rate(x[5m]) > 1\" }}"),
            "/graph?g0.expr=up&g0.tab=0 /graph?g0.expr=rate%28x%5B5m%5D%29+%3E+1&g0.tab=1");
  EXPECT_EQ(E("{{ pathPrefix }} {{ externalURL }}"),
            "/path/prefix http://testhost:9090/path/prefix");
  EXPECT_EQ(E("{{ with args 1 \"2\" }}{{ .arg0 }} {{ .arg1 }}{{ end }}"), "1 2");
  const std::pair<std::string, std::string> kStripPort[] = {
      {"foo.example.com", "foo.example.com"},
      {"foo.example.com:12345", "foo.example.com"},
      {"192.0.2.1", "192.0.2.1"},
      {"192.0.2.1:12345", "192.0.2.1"},
      {"2001:0DB8::1", "2001:0DB8::1"},
      {"[2001:0DB8::1]:12345", "2001:0DB8::1"},
      {"[2001:0DB8::1]::12345", "[2001:0DB8::1]::12345"}};
  ExpectPiped("stripPort", kStripPort);
  const std::pair<std::string, std::string> kStripDomain[] = {
      {"foo.example.com", "foo"},       {"foo.example.com:12345", "foo:12345"},
      {"192.0.2.1", "192.0.2.1"},       {"192.0.2.1:12345", "192.0.2.1:12345"},
      {"2001:0DB8::1", "2001:0DB8::1"}, {"[2001:0DB8::1]:12345", "[2001:0DB8::1]:12345"},
      {"foo.example.com:", "foo"},
  };
  ExpectPiped("stripDomain", kStripDomain);
}

TEST(AlertTemplateTest, Query) {
  const std::vector<QuerySample> two = {
      {{{"__name__", "metric"}, {"instance", "b"}}, 21},
      {{{"__name__", "metric"}, {"instance", "a"}, {"__value__", "v"}}, 11},
  };
  EXPECT_EQ(E("{{ query \"1.5\" | first | value }}", Values({1.5})), "1.5");
  EXPECT_EQ(E("{{ query \"metric\" | first | label \"instance\" }}", two), "b");
  EXPECT_EQ(E("[{{ query \"metric\" | first | label \"foo\" }}]", two), "[]");
  EXPECT_EQ(E("{{ $x := query \"metric\" | first }}[{{ $x.Labels.foo }}]", two), "[]");
  EXPECT_EQ(E("{{ range query \"metric\" | sortByLabel \"instance\" }}{{.Labels.instance}}:"
              "{{.Value}}: {{end}}",
              two),
            "a:11: b:21: ");
  EXPECT_EQ(E("{{ query \"m\" | sortByLabel \"instance\" | first | strvalue }}", two), "v");
  EXPECT_EQ(Error("{{ query \"missing\" | first }}"),
            "error executing template __alert_T: template: __alert_T:1:" +
                std::to_string(kPreamble + 21) +
                ": executing \"__alert_T\" at <first>: error calling first: first() called on "
                "vector with no elements");
  EXPECT_EQ(Error("{{ (query \"missing\").banana }}"),
            "error executing template __alert_T: template: __alert_T:1:" +
                std::to_string(kPreamble + 10) +
                ": executing \"__alert_T\" at <\"missing\">: can't evaluate field banana in type "
                "template.queryResult");
  // The query function sees the query text and the evaluation time.
  AlertTemplateData data = BaseData();
  std::string seen;
  data.query = [&](std::string_view q, absl::Time at) -> absl::StatusOr<std::vector<QuerySample>> {
    seen = std::string(q) + "@" + std::to_string(absl::ToUnixSeconds(at));
    return absl::UnavailableError("store closed");
  };
  EXPECT_THAT(Expand("{{ query \"up{job='x'}\" }}", data).status().message(),
              HasSubstr("error calling query: store closed"));
  EXPECT_EQ(seen, "up{job='x'}@1700000000");
}

TEST(AlertTemplateTest, AlertVariables) {
  EXPECT_EQ(E("{{ $labels.instance }} of {{ $labels.job }} is at {{ $value }}"),
            "web-1:9100 of front is at 1234.5678");
  EXPECT_EQ(E("{{ $value | humanize }} 404s per minute on {{ $labels.job }}"),
            "1.235k 404s per minute on front");
  EXPECT_EQ(E("{{ printf \"%.2f\" $value }} {{ printf \"%s/%d\" $labels.job 3 }}"),
            "1234.57 front/3");
  EXPECT_EQ(E("{{ $externalLabels.cluster }} {{ $externalURL }} {{ .ExternalLabels.cluster }}"),
            "eu-1 http://testhost:9090/path/prefix eu-1");
  EXPECT_EQ(E("[{{ $labels.nope }}]"), "[]");
  EXPECT_EQ(E("{{ if gt $value 1000.0 }}high{{ else if gt $value 10.0 }}mid{{ else }}low{{ end }}"),
            "high");
  EXPECT_THAT(Error("{{ if gt $value 1000 }}x{{ end }}"),
              HasSubstr("error calling gt: incompatible types for comparison"));
  EXPECT_EQ(E("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}"),
            "alertname=HighLatency;instance=web-1:9100;job=front;");
  EXPECT_EQ(E("{{ range $labels }}{{ . }},{{ end }}"), "HighLatency,web-1:9100,front,");
  EXPECT_EQ(E("{{ range $i, $s := query \"x\" }}{{ $i }}{{ else }}none{{ end }}"), "none");
  EXPECT_EQ(E("{{ with $labels.job }}job {{ . }}{{ else }}no job{{ end }}"), "job front");
  EXPECT_EQ(E("{{ with $labels.zone }}{{ . }}{{ else }}no zone{{ end }}"), "no zone");
  EXPECT_EQ(E("{{ $n := 0 }}{{ range $labels }}{{ $n = . }}{{ end }}{{ $n }}"), "front");
  EXPECT_EQ(E("{{ range $k, $v := $labels }}{{ if eq $k \"instance\" }}{{ continue }}{{ end }}"
              "{{ if eq $k \"job\" }}{{ break }}{{ end }}{{ $k }};{{ end }}"),
            "alertname;");
  EXPECT_EQ(E("{{ range $labels }}{{ $.Labels.job }}{{ end }}"), "frontfrontfront");
  EXPECT_EQ(E("{{ len $labels }} {{ index $labels \"job\" }} {{ print 1 2 \"a\" }}{{ println }}"),
            "3 front 1 2a\n");
  EXPECT_EQ(E("{{ and $labels.job $labels.nope }}|{{ or $labels.nope \"x\" }}|{{ not 0 }}"),
            "|x|true");
  EXPECT_EQ(E("{{ .Value }} {{ .Labels.job }}"), "1234.5678 front");
}

TEST(AlertTemplateTest, ErrorsAsPrometheus) {
  EXPECT_THAT(Error("{{ .Foo }}"),
              HasSubstr("at <.Foo>: can't evaluate field Foo in type struct { Labels "
                        "map[string]string; ExternalLabels map[string]string;"));
  absl::StatusOr<AlertTemplate> t = AlertTemplate::Parse("{{ humanize \"x\" }}", "Http404");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ExpandOrError(BaseData()),
            "<error expanding template: error executing template __alert_Http404: template: "
            "__alert_Http404:1:115: executing \"__alert_Http404\" at <humanize \"x\">: error "
            "calling humanize: strconv.ParseFloat: parsing \"x\": invalid syntax>");
  EXPECT_EQ(t->text(), "{{ humanize \"x\" }}");
}

TEST(AlertTemplateTest, ParseErrorsNameThePositionInTheText) {
  auto error = [](std::string_view text) {
    absl::StatusOr<AlertTemplate> t = AlertTemplate::Parse(text, "T");
    EXPECT_FALSE(t.ok()) << text;
    return t.ok() ? std::string() : std::string(t.status().message());
  };
  EXPECT_EQ(error("{{"), "template: line 1, col 1: unclosed action (missing }})");
  EXPECT_EQ(error("ab {{ nosuch $value }}"),
            "template: line 1, col 7: function \"nosuch\" not defined");
  EXPECT_EQ(error("x\n {{ $nope }}"), "template: line 2, col 5: undefined variable \"$nope\"");
  EXPECT_EQ(error("{{ range $labels }}"), "template: line 1, col 1: {{range}} without {{end}}");
  EXPECT_EQ(error("{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x }}"),
            "template: line 1, col 36: undefined variable \"$x\"");
  EXPECT_THAT(error("{{ $a, $b := 1 }}"), HasSubstr("too many declarations"));
  EXPECT_THAT(error("{{ break }}"), HasSubstr("{{break}} outside {{range}}"));
  EXPECT_THAT(error("{{ define \"x\" }}{{ end }}"), HasSubstr("{{define}} is not supported"));
  EXPECT_THAT(error("{{ end }}"), HasSubstr("without a matching {{if}}, {{range}} or {{with}}"));
}

}  // namespace
}  // namespace vigie::gotemplate
