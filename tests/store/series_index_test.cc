#include "store/series_index.h"

#include <gtest/gtest.h>

#include "common/labels.h"

namespace vigie::store {
namespace {

SeriesMatcher Eq(std::string name, std::string value) {
  return {name, [value](std::string_view v) { return v == value; }, value};
}
SeriesMatcher Where(std::string name, std::function<bool(std::string_view)> accept) {
  return {std::move(name), std::move(accept), std::nullopt};
}

TEST(SeriesIndexTest, IntersectAndSubtractSortedLists) {
  std::vector<uint32_t> a = {1, 3, 5, 7, 9, 11}, b = {2, 3, 4, 9, 10, 11, 12}, none;
  EXPECT_EQ(Intersect(a, b), (std::vector<uint32_t>{3, 9, 11}));
  EXPECT_EQ(Intersect(b, a), (std::vector<uint32_t>{3, 9, 11}));
  EXPECT_EQ(Intersect(a, none), none);
  EXPECT_EQ(Subtract(a, b), (std::vector<uint32_t>{1, 5, 7}));
  EXPECT_EQ(Subtract(a, none), a);
}

class SeriesIndexSelectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // ref = i: job in {api, db} alternating, code set on refs divisible by 3, env only on 4.
    for (uint32_t i = 0; i < 12; ++i) {
      std::vector<Label> labels = {{"job", i % 2 ? "db" : "api"}};
      if (i % 3 == 0) labels.push_back({"code", std::to_string(200 + i)});
      if (i == 4) labels.push_back({"env", "prod"});
      index_.Add(i, LabelSet::Make(labels)->Encode());
    }
  }
  SeriesIndex index_;
};

TEST_F(SeriesIndexSelectTest, EqualityAndIntersections) {
  EXPECT_EQ(index_.Select(std::vector{Eq("job", "db")}),
            (std::vector<uint32_t>{1, 3, 5, 7, 9, 11}));
  EXPECT_EQ(index_.Select(std::vector{
                Eq("job", "db"), Where("code", [](std::string_view v) { return !v.empty(); })}),
            (std::vector<uint32_t>{3, 9}));
  EXPECT_EQ(index_.Select(std::vector{Eq("job", "db"), Eq("env", "prod")}),
            std::vector<uint32_t>{});
  EXPECT_EQ(index_.Select(std::vector{Eq("job", "nope")}), std::vector<uint32_t>{});
}

TEST_F(SeriesIndexSelectTest, MatchersAcceptingEmptySelectSeriesWithoutTheLabel) {
  // code!="200" and code!~"2.*9": every series but those with a rejected value.
  EXPECT_EQ(
      index_.Select(std::vector{Where("code", [](std::string_view v) { return v != "200"; })}),
      (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(index_.Select(std::vector{Eq("job", "api"),
                                      Where("code",
                                            [](std::string_view v) {
                                              return !(v.size() == 3 && v[0] == '2' && v[2] == '9');
                                            })}),
            (std::vector<uint32_t>{0, 2, 4, 6, 8, 10}));
  // env="" : the series without env.
  EXPECT_EQ(index_.Select(std::vector{Eq("env", "")}),
            (std::vector<uint32_t>{0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11}));
  // A regex over the values: each value tested once, never each series.
  int tested = 0;
  auto counting = [&](std::string_view v) {
    ++tested;
    return v == "203" || v == "209";
  };
  EXPECT_EQ(index_.Select(std::vector{Where("code", counting)}), (std::vector<uint32_t>{3, 9}));
  EXPECT_EQ(tested, 1 + 4) << "\"\" once, then the 4 values of code";
}

TEST_F(SeriesIndexSelectTest, RemovedSeriesLeaveThePostings) {
  index_.Remove(4, LabelSet::Make({{"job", "api"}, {"env", "prod"}})->Encode());
  EXPECT_EQ(index_.Select(std::vector{Eq("env", "prod")}), std::vector<uint32_t>{});
  EXPECT_EQ(index_.Select(std::vector{Eq("job", "api")}), (std::vector<uint32_t>{0, 2, 6, 8, 10}));
  std::vector<std::string> names;
  index_.ForEachName([&](std::string_view n, std::span<const uint32_t>) { names.emplace_back(n); });
  EXPECT_EQ(names, (std::vector<std::string>{"code", "job"}));
  EXPECT_EQ(index_.size(), 11u);
}

}  // namespace
}  // namespace vigie::store
