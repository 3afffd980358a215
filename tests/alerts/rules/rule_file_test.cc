#include "alerts/rules/rule_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/harness.h"

namespace vigie::alerts::rules {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(std::string_view content) {
  auto groups = ParseRuleFile("rules/front.yaml", content, Limits());
  EXPECT_FALSE(groups.ok()) << "accepted:\n" << content;
  return groups.ok() ? "" : std::string(groups.status().message());
}

TEST(RuleFileTest, ReadsEveryField) {
  auto groups = ParseRuleFile("front.yaml", R"(groups:
  - name: front
    interval: 30s
    query_offset: 1m
    limit: 10
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
        labels: {team: web}
      - alert: Http404Spike
        expr: sum(count_over_time({service="front"} |~ `" 404 ` [1m])) > 100
        for: 2m
        keep_firing_for: 10m
        labels: {severity: page, service: front}
        annotations: {summary: "{{ $value | humanize }} 404s", runbook_url: "https://wiki/404"}
  - name: empty
)",
                              Limits());
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_EQ(groups->size(), 2u);
  const GroupSpec& g = (*groups)[0];
  EXPECT_EQ(g.name, "front");
  EXPECT_EQ(g.Key(), "front.yaml;front");
  EXPECT_EQ(g.interval_ms, 30'000);
  EXPECT_EQ(g.query_offset_ms, 60'000);
  EXPECT_EQ(g.limit, 10);
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].record, "job:http_requests:rate5m");
  EXPECT_EQ(g.rules[0].expr.language, Language::kPromQL);
  EXPECT_EQ(g.rules[0].labels.at("team"), "web");
  EXPECT_EQ(g.rules[0].line, 7);
  const RuleSpec& alert = g.rules[1];
  EXPECT_EQ(alert.alert, "Http404Spike");
  EXPECT_EQ(alert.expr.language, Language::kLogQL);
  EXPECT_EQ(alert.for_ms, 120'000);
  EXPECT_EQ(alert.keep_firing_for_ms, 600'000);
  EXPECT_EQ(alert.labels.at("severity"), "page");
  EXPECT_EQ(alert.annotations.at("runbook_url"), "https://wiki/404");
  EXPECT_TRUE((*groups)[1].rules.empty());
  EXPECT_EQ((*groups)[1].interval_ms, 0);
}

TEST(RuleFileTest, EmptyFileHasNoGroups) {
  auto groups = ParseRuleFile("x.yaml", "", Limits());
  ASSERT_TRUE(groups.ok());
  EXPECT_TRUE(groups->empty());
}

TEST(RuleFileTest, ErrorsNameFileLineGroupRuleAndField) {
  std::string error = ErrorOf(R"(groups:
  - name: front
    rules:
      - alert: Http404Spike
        expr: sum(rate(x[5m]) > 
)");
  EXPECT_THAT(error,
              HasSubstr("rules/front.yaml:5: group \"front\", rule \"Http404Spike\": expr: "));
  EXPECT_THAT(error, HasSubstr("parse error"));
}

TEST(RuleFileTest, RefusesWhatPrometheusRefuses) {
  struct Case {
    const char* content;
    const char* error;
  };
  const Case cases[] = {
      {"groups:\n  - name: a\n  - name: a\n",
       "rules/front.yaml:3: group \"a\": group name \"a\" is repeated"},
      {"groups:\n  - name: a\n    evaluation: 1m\n",
       ":3: group \"a\": unknown field \"evaluation\""},
      {"groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        severity: "
       "page\n",
       ":6: group \"a\", rule \"A\": unknown field \"severity\" in a rule"},
      {"groups:\n  - name: a\n    rules:\n      - alert: A\n        record: b\n        expr: up\n",
       ":4: group \"a\", rule \"A\": only one of 'record' and 'alert'"},
      {"groups:\n  - name: a\n    rules:\n      - expr: up\n",
       ":4: group \"a\", rule #1: one of 'record' or 'alert' must be set"},
      {"groups:\n  - name: a\n    rules:\n      - record: A\n", "field 'expr' must be set"},
      {"groups:\n  - name: a\n    rules:\n      - record: 'bad-name'\n        expr: up\n",
       ":4: group \"a\", rule \"bad-name\": record: invalid recording rule name"},
      {"groups:\n  - name: a\n    rules:\n      - record: r\n        expr: up\n        for: 1m\n",
       ":6: group \"a\", rule \"r\": invalid field 'for' in recording rule"},
      {"groups:\n  - name: a\n    rules:\n      - record: r\n        expr: up\n        "
       "annotations: {a: b}\n",
       "invalid field 'annotations' in recording rule"},
      {"groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        labels: "
       "{\"1x\": b}\n",
       ":6: group \"a\", rule \"A\": labels: invalid label name \"1x\""},
      {"groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        labels: "
       "{__name__: b}\n",
       "invalid label name \"__name__\""},
      {"groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        annotations: "
       "{\"a-b\": c}\n",
       "annotations: invalid annotation name \"a-b\""},
      {"groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        for: soon\n",
       ":6: group \"a\", rule \"A\": for: \"soon\" is not a duration"},
      {"groups:\n  - name: a\n    limit: many\n", "limit: \"many\" is not a number"},
      {"groups:\n  - interval: 1m\n", ":2: group \"\": the group's name must not be empty"},
      {"groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: '{service=\"x\"} |= "
       "\"y\"'\n",
       "LogQL: a log query gives lines, not numbers"},
      {"rules: []\n", "rules/front.yaml:1: unknown field \"rules\" in a rule file"},
      {"groups: [\n", "rules/front.yaml:2: YAML: "},
      {"groups:\n  - name: a\n    name: b\n", "field \"name\" is given twice"},
      {"groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        annotations: "
       "{summary: '{{ $value '}\n",
       ":6: group \"a\", rule \"A\": annotations.summary: template: line 1, col"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ErrorOf(c.content), HasSubstr(c.error)) << c.content;
  }
}

TEST(RuleFileTest, ListsEveryErrorAndTheValidRulesAreNotEnough) {
  std::string error = ErrorOf(R"(groups:
  - name: a
    rules:
      - alert: Good
        expr: up == 0
      - alert: Bad1
        expr: up ==
      - record: bad-2
        expr: up
)");
  EXPECT_THAT(error, HasSubstr(":7: group \"a\", rule \"Bad1\""));
  EXPECT_THAT(error, HasSubstr(":8: group \"a\", rule \"bad-2\""));
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << error;
}

TEST(RuleExprTest, PicksTheLanguage) {
  struct Case {
    const char* expr;
    Language language;
  };
  const Case cases[] = {
      {"sum by (job) (rate(http_requests_total[5m]))", Language::kPromQL},
      {"up == 0", Language::kPromQL},
      {"vector(1)", Language::kPromQL},
      // Valid in both: no selector names a metric, so it is about logs.
      {"sum(count_over_time({service=\"front\"}[1m]))", Language::kLogQL},
      // A metric name, or __name__, makes it PromQL.
      {"sum(count_over_time({__name__=\"up\", job=\"x\"}[1m]))", Language::kPromQL},
      {"count_over_time(up{service=\"front\"}[1m]) + count_over_time({service=\"x\"}[1m])",
       Language::kPromQL},
      // Only LogQL has pipelines.
      {"sum(count_over_time({service=\"front\"} |~ `\" 404 ` [1m])) > 100", Language::kLogQL},
      {"sum by (level) (rate({app=\"api\"} | json [5m]))", Language::kLogQL},
  };
  for (const Case& c : cases) {
    auto expr = ParseRuleExpr(c.expr, Limits());
    ASSERT_TRUE(expr.ok()) << c.expr << ": " << expr.status();
    EXPECT_EQ(expr->language, c.language) << c.expr;
  }
}

TEST(RuleExprTest, ReportsTheErrorOfTheLanguageThatReadFurther) {
  auto logs = ParseRuleExpr("sum(count_over_time({service=\"front\"} |= [1m]))", Limits());
  ASSERT_FALSE(logs.ok());
  EXPECT_THAT(logs.status().message(), HasSubstr("LogQL: parse error"));
  auto prom = ParseRuleExpr("sum by (job) (rate(http_requests_total[5m]) +)", Limits());
  ASSERT_FALSE(prom.ok());
  EXPECT_THAT(prom.status().message(), HasSubstr("PromQL: parse error"));
}

TEST(RuleFileTest, LoadsGlobsAndRefusesAllOnAnyError) {
  vigie::testing::TempDir dir;
  std::ofstream(dir.path() + "/a.yaml") << "groups:\n  - name: a\n    rules:\n      - alert: A\n"
                                           "        expr: up == 0\n";
  std::ofstream(dir.path() + "/b.yaml") << "groups:\n  - name: b\n";
  auto groups = LoadRuleFiles({dir.path() + "/*.yaml"}, Limits());
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].file, dir.path() + "/a.yaml");
  EXPECT_EQ((*groups)[1].name, "b");

  std::ofstream(dir.path() + "/c.yaml") << "groups:\n  - name: c\n    rules:\n      - alert: C\n"
                                           "        expr: up ==\n";
  auto refused = LoadRuleFiles({dir.path() + "/*.yaml"}, Limits());
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr(dir.path() + "/c.yaml:5: group \"c\""));

  auto missing = LoadRuleFiles({dir.path() + "/nope.yaml"}, Limits());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no such rule file"));
  EXPECT_TRUE(LoadRuleFiles({dir.path() + "/none-*.yaml"}, Limits()).ok());
}

}  // namespace
}  // namespace vigie::alerts::rules
