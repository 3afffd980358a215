#include "alerts/dispatch/matcher.h"

#include <gtest/gtest.h>

namespace vigie::alerts {
namespace {

LabelSet Labels(std::vector<Label> labels) { return *LabelSet::Make(std::move(labels)); }

TEST(MatcherTest, ParsesAlertmanagerSyntax) {
  struct Case {
    const char* text;
    MatchType type;
    const char* name;
    const char* value;
  };
  for (const Case& c : {Case{R"(a="b")", MatchType::kEqual, "a", "b"},
                        Case{R"( a =~ "x|y" )", MatchType::kRegex, "a", "x|y"},
                        Case{"a!=b", MatchType::kNotEqual, "a", "b"},
                        Case{"a!~b.*", MatchType::kNotRegex, "a", "b.*"},
                        Case{R"(a="say \"hi\"\n")", MatchType::kEqual, "a", "say \"hi\"\n"},
                        Case{R"(a=c:\d)", MatchType::kEqual, "a", "c:\\d"},
                        Case{"a=", MatchType::kEqual, "a", ""}}) {
    auto m = Matcher::Parse(c.text);
    ASSERT_TRUE(m.ok()) << c.text << ": " << m.status();
    EXPECT_EQ(m->type(), c.type) << c.text;
    EXPECT_EQ(m->name(), c.name) << c.text;
    EXPECT_EQ(m->value(), c.value) << c.text;
  }
}

TEST(MatcherTest, RefusesBadMatchersNamingThem) {
  for (const char* text : {"=b", "a", "1a=b", R"(a="b)", R"(a=b"c")", "a=~("}) {
    auto m = Matcher::Parse(text);
    EXPECT_FALSE(m.ok()) << text;
  }
  EXPECT_NE(Matcher::Parse("a=~(").status().message().find("invalid regex"), std::string::npos);
  EXPECT_EQ(Matcher::Parse("a==b")->value(), "=b");  // As Alertmanager reads it.
}

TEST(MatcherTest, ListsSplitOutsideQuotes) {
  auto ms = ParseMatchers(R"({foo = "bar", dings != "bums", q="a, b",})");
  ASSERT_TRUE(ms.ok()) << ms.status();
  ASSERT_EQ(ms->size(), 3u);
  EXPECT_EQ((*ms)[2].value(), "a, b");
  EXPECT_EQ(MatchersToString(*ms), R"({foo="bar",dings!="bums",q="a, b"})");
  EXPECT_FALSE(ParseMatchers("a=b,,c=d").ok());
}

TEST(MatcherTest, MatchesAbsentLabelsAsEmpty) {
  LabelSet labels = Labels({{"service", "front"}, {"severity", "page"}});
  EXPECT_TRUE(MatchesAll(*ParseMatchers(R"(service=~"fr.*",severity!="ticket")"), labels));
  EXPECT_FALSE(MatchesAll(*ParseMatchers(R"(service=~"fr")"), labels));  // Anchored.
  EXPECT_TRUE(MatchesAll(*ParseMatchers(R"(team="")"), labels));
  EXPECT_FALSE(MatchesAll(*ParseMatchers(R"(team!~"")"), labels));
}

}  // namespace
}  // namespace vigie::alerts
