// line_format / label_format templates: Go text/template semantics as Loki uses them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "query/logql/template.h"
#include "tests/query/map_template_data.h"

namespace vigie::logql {
namespace {

using testing::HasSubstr;

using MapData = MapTemplateData;

absl::StatusOr<std::string> Render(std::string_view text, const TemplateData& data) {
  absl::StatusOr<Template> t = Template::Parse(text);
  if (!t.ok()) return t.status();
  std::string out;
  if (absl::Status s = t->Render(data, &out); !s.ok()) return s;
  return out;
}

std::string R(std::string_view text, const TemplateData& data) {
  absl::StatusOr<std::string> out = Render(text, data);
  EXPECT_TRUE(out.ok()) << text << ": " << out.status();
  return out.ok() ? *out : "<error>";
}

const MapData kRequest(MapData::Labels{{"method", "GET"},
                                       {"uri", "/api/v1/users?id=42"},
                                       {"status", "503"},
                                       {"latency", "1.5s"},
                                       {"size", "2KiB"},
                                       {"empty", ""}},
                       "GET /api 503", 1700000000123456789);

TEST(LogqlTemplateTest, FieldsAndText) {
  EXPECT_EQ(R("{{.method}} {{.uri}}", kRequest), "GET /api/v1/users?id=42");
  EXPECT_EQ(R("no actions", kRequest), "no actions");
  // A missing label renders as "" (Loki executes over a map of strings with missingkey=zero).
  EXPECT_EQ(R("[{{.nope}}]", kRequest), "[]");
  EXPECT_EQ(R("{{ .status }}", MapData(MapData::Labels{{"status", "1"}})), "1");
  EXPECT_EQ(R("{{.}}", MapData(MapData::Labels{{"b", "2"}, {"a", "1"}})), "map[a:1 b:2]");
}

TEST(LogqlTemplateTest, TrimMarkersAndComments) {
  EXPECT_EQ(R("a  {{- .method -}}  b", kRequest), "aGETb");
  EXPECT_EQ(R("a {{/* note */}}b", kRequest), "a b");
  EXPECT_EQ(R("a {{- /* note */ -}} b", kRequest), "ab");
  EXPECT_EQ(R("{{-3}}", kRequest), "-3");  // "{{-" without a space is a number.
}

TEST(LogqlTemplateTest, PipelinesAndStringFunctions) {
  EXPECT_EQ(R("{{ .method | ToLower }}", kRequest), "get");
  EXPECT_EQ(R("{{ ToUpper \"abc\" }}", kRequest), "ABC");
  EXPECT_EQ(R("{{ .uri | trunc 4 }}", kRequest), "/api");
  EXPECT_EQ(R("{{ trunc -2 .uri }}", kRequest), "42");
  EXPECT_EQ(R("{{ trunc 2 \"héllo\" }}", kRequest), "hé");
  EXPECT_EQ(R("{{ .uri | replace \"/\" \"_\" }}", kRequest), "_api_v1_users?id=42");
  EXPECT_EQ(R("{{ Replace .uri \"/\" \"-\" 2 }}", kRequest), "-api-v1/users?id=42");
  EXPECT_EQ(R("{{ regexReplaceAll \"id=([0-9]+)\" .uri \"user-$1\" }}", kRequest),
            "/api/v1/users?user-42");
  EXPECT_EQ(R("{{ regexReplaceAll \"(?P<n>[0-9])\" \"a1b2\" \"<${n}>\" }}", kRequest), "a<1>b<2>");
  EXPECT_EQ(R("{{ regexReplaceAll \"x*\" \"abc\" \"-\" }}", kRequest), "-a-b-c-");
  EXPECT_EQ(R("{{ regexReplaceAllLiteral \"[0-9]\" \"a1\" \"$1\" }}", kRequest), "a$1");
  EXPECT_EQ(R("{{ .nope | default \"none\" }} {{ .method | default \"none\" }}", kRequest),
            "none GET");
  EXPECT_EQ(
      R("{{ trim \"  x  \" }}|{{ TrimSpace \" y \" }}|{{ trimAll \"-\" \"--z--\" }}", kRequest),
      "x|y|z");
  EXPECT_EQ(R("{{ TrimPrefix .uri \"/api\" }} {{ trimSuffix \"42\" .uri }}", kRequest),
            "/v1/users?id=42 /api/v1/users?id=");
  EXPECT_EQ(R("{{ len .method }} {{ title \"hello world\" }} {{ repeat 3 \"ab\" }}", kRequest),
            "3 Hello World ababab");
  EXPECT_EQ(R("{{ substr 1 4 \"abcdef\" }} {{ alignLeft 5 \"ab\" }}| {{ alignRight 5 \"ab\" }}",
              kRequest),
            "bcd ab   |    ab");
  EXPECT_EQ(R("{{ b64enc \"hi\" }} {{ b64dec \"aGk=\" }} {{ urlencode \"a b&c\" }}", kRequest),
            "aGk= hi a+b%26c");
  EXPECT_EQ(R("{{ count \"[0-9]\" \"a1b22\" }}", kRequest), "3");
}

TEST(LogqlTemplateTest, Printf) {
  EXPECT_EQ(R("{{ printf \"%s=%d\" .method 42 }}", kRequest), "GET=42");
  EXPECT_EQ(R("{{ printf \"%5s|%-5s|%05d|%.2f|%x|%q|%v|%t\" \"a\" \"b\" 7 3.14159 255 \"q\" 1.5 "
              "true }}",
              kRequest),
            "    a|b    |00007|3.14|ff|\"q\"|1.5|true");
  EXPECT_EQ(R("{{ printf \"%d\" .status }}", kRequest), "%!d(string=503)");
  EXPECT_EQ(R("{{ printf \"%s %s\" \"a\" }}", kRequest), "a %!s(MISSING)");
  EXPECT_EQ(R("{{ printf \"%s\" \"a\" \"b\" }}", kRequest), "a%!(EXTRA string=b)");
  EXPECT_EQ(R("{{ printf \"%.3s|%%\" \"abcdef\" }}", kRequest), "abc|%");
  EXPECT_EQ(R("{{ print 1 2 \"a\" \"b\" }}", kRequest), "1 2ab");
}

TEST(LogqlTemplateTest, Conditions) {
  constexpr std::string_view kLevel =
      "{{ if eq .status \"200\" }}ok{{ else if ge (int .status) 500 }}server{{ else }}client"
      "{{ end }}";
  EXPECT_EQ(R(kLevel, kRequest), "server");
  EXPECT_EQ(R(kLevel, MapData(MapData::Labels{{"status", "200"}})), "ok");
  EXPECT_EQ(R(kLevel, MapData(MapData::Labels{{"status", "404"}})), "client");
  EXPECT_EQ(R("{{ if .empty }}yes{{ else }}no{{ end }}", kRequest), "no");
  EXPECT_EQ(R("{{ if and .method (not .empty) }}both{{ end }}", kRequest), "both");
  EXPECT_EQ(R("{{ or .empty .nope \"fallback\" }}", kRequest), "fallback");
  EXPECT_EQ(R("{{ and .method .empty \"x\" }}", kRequest), "");
  EXPECT_EQ(R("{{ eq .method \"POST\" \"GET\" }}", kRequest), "true");
  EXPECT_EQ(
      R("{{ ne .method \"GET\" }} {{ lt \"a\" \"b\" }} {{ gt 2 1 }} {{ le 1.5 1.5 }}", kRequest),
      "false true true true");
  EXPECT_EQ(R("{{ if contains \"users\" .uri }}u{{ end }}{{ if hasPrefix \"/api\" .uri }}p{{ end "
              "}}",
              kRequest),
            "up");
  EXPECT_EQ(R("{{if eq .a \"1\"}}{{if eq .b \"2\"}}both{{end}}{{end}}",
              MapData(MapData::Labels{{"a", "1"}, {"b", "2"}})),
            "both");
}

TEST(LogqlTemplateTest, Numbers) {
  EXPECT_EQ(R("{{ add 1 2 3 }} {{ sub 10 3 }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 2 }}", kRequest),
            "6 7 6 3 1");
  EXPECT_EQ(R("{{ add (int .status) 1 }} {{ int \"12.0\" }} {{ int \"abc\" }}", kRequest),
            "504 12 0");
  EXPECT_EQ(
      R("{{ addf 1.5 1 }} {{ divf 1 4 }} {{ mulf 1000 1000 }} {{ float64 \"2.5\" }}", kRequest),
      "2.5 0.25 1e+06 2.5");
  EXPECT_EQ(R("{{ max 1 5 3 }} {{ minf 2.5 1.5 }} {{ ceil 1.2 }} {{ floor 1.8 }} {{ round 2.345 "
              "2 }}",
              kRequest),
            "5 1.5 2 1 2.35");
  EXPECT_EQ(R("{{ duration .latency }} {{ bytes .size }} {{ bytes \"1.5 MB\" }}", kRequest),
            "1.5 2048 1.5e+06");
}

TEST(LogqlTemplateTest, LineAndTimestamp) {
  EXPECT_EQ(R("{{ __line__ }}", kRequest), "GET /api 503");
  EXPECT_EQ(R("{{ __line__ | ToLower }}", kRequest), "get /api 503");
  EXPECT_EQ(R("{{ __timestamp__ }}", kRequest), "2023-11-14 22:13:20.123456789 +0000 UTC");
  EXPECT_EQ(R("{{ __timestamp__ | date \"2006-01-02T15:04:05.000Z07:00\" }}", kRequest),
            "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(R("{{ __timestamp__ | date \"Mon Jan _2 3:04PM 06\" }}", kRequest),
            "Tue Nov 14 10:13PM 23");
  EXPECT_EQ(R("{{ __timestamp__ | unixEpoch }} {{ unixEpochMillis __timestamp__ }}", kRequest),
            "1700000000 1700000000123");
  EXPECT_EQ(R("{{ unixToTime \"1700000000\" | unixEpochNanos }}", kRequest), "1700000000000000000");
}

TEST(LogqlTemplateTest, RenderErrorsAreGoErrors) {
  auto error = [](std::string_view text) {
    absl::StatusOr<std::string> out = Render(text, kRequest);
    EXPECT_FALSE(out.ok()) << text << " rendered " << *out;
    return out.ok() ? std::string() : std::string(out.status().message());
  };
  EXPECT_THAT(error("{{ div 1 0 }}"), HasSubstr("integer divide by zero"));
  EXPECT_THAT(error("{{ gt .status 500 }}"), HasSubstr("incompatible types for comparison"));
  EXPECT_THAT(error("{{ lt true false }}"), HasSubstr("invalid type for comparison"));
  EXPECT_THAT(error("{{ ToUpper 5 }}"), HasSubstr("expected string; got int"));
  EXPECT_THAT(error("{{ trunc .status .uri }}"), HasSubstr("expected int; got string"));
  EXPECT_THAT(error("{{ trunc 1 }}"), HasSubstr("wrong number of args for trunc: want 2 got 1"));
  EXPECT_THAT(error("{{ .method .uri }}"), HasSubstr("can't give argument to non-function"));
  EXPECT_THAT(error("{{ .method.x }}"), HasSubstr("can't evaluate field x in type string"));
  EXPECT_THAT(error("{{ regexReplaceAll \"(\" .uri \"\" }}"), HasSubstr("error parsing regexp"));
  EXPECT_THAT(error("{{ repeat 100000000 \"xyz\" }}"), HasSubstr("larger than 1 MiB"));
  EXPECT_THAT(error("{{ duration \"5 parsecs\" }}"), HasSubstr("duration"));
}

TEST(LogqlTemplateTest, ParseErrorsNameThePosition) {
  auto error = [](std::string_view text) {
    absl::StatusOr<Template> t = Template::Parse(text);
    EXPECT_FALSE(t.ok()) << text;
    return t.ok() ? std::string() : std::string(t.status().message());
  };
  EXPECT_EQ(error("ab {{ nosuch .a }}"),
            "template: line 1, col 7: function \"nosuch\" not defined");
  EXPECT_EQ(error("{{ .a "), "template: line 1, col 1: unclosed action (missing }})");
  EXPECT_EQ(error("x\n{{ if .a }}y"), "template: line 2, col 1: {{if}} without {{end}}");
  EXPECT_EQ(error("{{ end }}"),
            "template: line 1, col 1: unexpected {{end}} without a matching {{if}}");
  EXPECT_THAT(error("{{ }}"), HasSubstr("missing value for command"));
  EXPECT_THAT(error("{{ .a | }}"), HasSubstr("empty command"));
  EXPECT_THAT(error("{{ if }}{{ end }}"), HasSubstr("missing value for if"));
  EXPECT_THAT(error("{{ \"abc }}"), HasSubstr("col 4"));
  EXPECT_THAT(error("{{ $x := 1 }}"), HasSubstr("variables such as $x are not supported"));
  EXPECT_THAT(error("{{ range .a }}{{ end }}"), HasSubstr("{{range}} is not supported"));
  EXPECT_THAT(error("{{ (ToUpper .a }}"), HasSubstr("missing ')'"));
  EXPECT_THAT(error("{{ if .a }}{{ else }}{{ else }}{{ end }}"), HasSubstr("a second {{else}}"));
  EXPECT_THAT(error("{{ 1x }}"), HasSubstr("bad number syntax"));
  EXPECT_THAT(error("{{ .a # }}"), HasSubstr("unexpected character \"#\""));
  EXPECT_THAT(error("{{" + std::string(100, '(') + ".a" + std::string(100, ')') + "}}"),
              HasSubstr("nested too deeply"));
}

TEST(LogqlTemplateTest, WhatThePipelineNeedsToKnow) {
  absl::StatusOr<Template> t = Template::Parse(
      "{{ if eq .b \"1\" }}{{ .a | ToUpper }}{{ else }}{{ (printf \"%s\" .c) }}"
      "{{ end }}{{ .a }}");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->fields(), testing::ElementsAre("a", "b", "c"));
  EXPECT_FALSE(t->simple_field());
  EXPECT_FALSE(t->uses_line());
  absl::StatusOr<Template> simple = Template::Parse("{{.message}}");
  ASSERT_TRUE(simple.ok());
  EXPECT_EQ(simple->simple_field(), "message");
  absl::StatusOr<Template> line = Template::Parse("{{ __line__ | trunc 10 }}");
  ASSERT_TRUE(line.ok());
  EXPECT_TRUE(line->uses_line());
}

TEST(LogqlTemplateTest, IndexReadsLabelsThatAreNoIdentifiers) {
  const MapData data(MapData::Labels{{"content-type", "json"}, {"a", "1"}});
  EXPECT_EQ(R("{{ index . \"content-type\" }}|{{ index . \"nope\" }}|", data), "json||");
  absl::StatusOr<Template> t = Template::Parse("{{ index . \"content-type\" }}");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->uses_dot());  // It reads the whole map: a stage before must keep every label.
}

}  // namespace
}  // namespace vigie::logql
