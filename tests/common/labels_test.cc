#include "common/labels.h"

#include <gtest/gtest.h>

namespace vigie {
namespace {

TEST(LabelSetTest, MakeSortsAndDropsEmptyValues) {
  auto set = LabelSet::Make({{"service", "api"}, {"host", "web1"}, {"env", ""}});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->ToString(), R"({host="web1", service="api"})");
}

TEST(LabelSetTest, SameLabelsInAnyOrderHaveSameHash) {
  auto a = LabelSet::Make({{"a", "1"}, {"b", "2"}});
  auto b = LabelSet::Make({{"b", "2"}, {"a", "1"}});
  auto c = LabelSet::Make({{"a", "1"}, {"b", "3"}});
  EXPECT_EQ(a->Hash(), b->Hash());
  EXPECT_NE(a->Hash(), c->Hash());
}

TEST(LabelSetTest, EncodingIsUnambiguous) {
  // Naive concatenation would make these two sets collide.
  auto a = LabelSet::Make({{"ab", "c"}});
  auto b = LabelSet::Make({{"a", "bc"}});
  EXPECT_NE(a->Encode(), b->Encode());
  EXPECT_NE(a->Hash(), b->Hash());
}

TEST(LabelSetTest, RejectsInvalidAndRepeatedNames) {
  auto bad = LabelSet::Make({{"1x", "v"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"1x\""), std::string::npos);
  auto dup = LabelSet::Make({{"a", "1"}, {"a", "2"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("repeated"), std::string::npos);
}

TEST(LabelSetTest, ParseTextForm) {
  auto set = LabelSet::Parse(R"( { job = "x\"y" ,level="a\\b"} )");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->Get("job"), "x\"y");
  EXPECT_EQ(set->Get("level"), "a\\b");
  EXPECT_EQ(*LabelSet::Parse(set->ToString()), *set);
  EXPECT_TRUE(LabelSet::Parse("{}")->empty());
}

TEST(LabelSetTest, ParseErrorsNamePosition) {
  auto r = LabelSet::Parse(R"({a="b" c="d"})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("position 7"), std::string::npos) << r.status();
  EXPECT_FALSE(LabelSet::Parse(R"({a="b)").ok());
  EXPECT_FALSE(LabelSet::Parse(R"(a="b")").ok());
}

TEST(LabelSetTest, DecodeRoundTripAndCorruption) {
  auto set = LabelSet::Make({{"a", "1"}, {"zz", std::string(300, 'x')}});
  auto back = LabelSet::Decode(set->Encode());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *set);
  std::string truncated = set->Encode();
  truncated.pop_back();
  EXPECT_FALSE(LabelSet::Decode(truncated).ok());
}

TEST(LabelSetTest, Project) {
  auto set = LabelSet::Make({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  EXPECT_EQ(set->Project({"a", "c"}, true).ToString(), R"({a="1", c="3"})");
  EXPECT_EQ(set->Project({"a", "c"}, false).ToString(), R"({b="2"})");
}

}  // namespace
}  // namespace vigie
