#include "alerts/dispatch/silences.h"

#include <gtest/gtest.h>

namespace vigie::alerts {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

class SilencesTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    silences_.reset();
    auto s = Silences::Open(records_.get(), &clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    silences_ = *std::move(s);
  }
  Silence Make(const char* matchers, int64_t start, int64_t end) {
    Silence s;
    s.matchers = *ParseMatchers(matchers);
    s.starts_at_ms = start;
    s.ends_at_ms = end;
    s.created_by = "alice";
    s.comment = "known, fixing";
    return s;
  }
  FakeClock clock_{kNow};
  std::unique_ptr<store::RecordStore> records_ = store::NewMemRecordStore();
  std::unique_ptr<Silences> silences_;
};

LabelSet Labels(std::vector<Label> labels) { return *LabelSet::Make(std::move(labels)); }

TEST_F(SilencesTest, StatesFollowTheClockAndSurviveARestart) {
  auto active = silences_->Set(Make("alertname=Http404Spike", kNow - 1000, kNow + 3'600'000));
  auto pending = silences_->Set(Make("service=~front|back", kNow + 60'000, kNow + 120'000));
  ASSERT_TRUE(active.ok() && pending.ok());
  EXPECT_EQ(silences_->Get(*active)->starts_at_ms, kNow);  // A start in the past is now.
  Reopen();
  ASSERT_EQ(silences_->List().size(), 2u);
  Silence s = *silences_->Get(*active);
  EXPECT_EQ(s.created_by, "alice");
  EXPECT_EQ(s.comment, "known, fixing");
  EXPECT_EQ(StateAt(s, kNow), SilenceState::kActive);
  EXPECT_EQ(StateAt(*silences_->Get(*pending), kNow), SilenceState::kPending);
  LabelSet front = Labels({{"alertname", "Http404Spike"}, {"service", "front"}});
  EXPECT_EQ(silences_->MutedBy(front), std::vector<std::string>{*active});
  clock_.Set(kNow + 60'000);
  EXPECT_EQ(silences_->MutedBy(front).size(), 2u);
  clock_.Set(kNow + 120'001);
  EXPECT_EQ(silences_->MutedBy(front), std::vector<std::string>{*active});
}

TEST_F(SilencesTest, ExpireAndGarbageCollection) {
  auto id = silences_->Set(Make("a=b", kNow, kNow + 3'600'000));
  ASSERT_TRUE(id.ok());
  clock_.Set(kNow + 1000);
  ASSERT_TRUE(silences_->Expire(*id).ok());
  clock_.Set(kNow + 1001);
  EXPECT_EQ(StateAt(*silences_->Get(*id), clock_.NowMs()), SilenceState::kExpired);
  EXPECT_TRUE(absl::IsNotFound(silences_->Expire("nope")));
  clock_.Set(kNow + 1000 + kDefaultSilenceRetentionMs - 1);
  EXPECT_EQ(*silences_->GarbageCollect(), 0);
  clock_.Set(kNow + 1000 + kDefaultSilenceRetentionMs);
  EXPECT_EQ(*silences_->GarbageCollect(), 1);
  Reopen();
  EXPECT_TRUE(silences_->List().empty());
}

TEST_F(SilencesTest, UpdatesKeepTheIdOnlyWhereAlertmanagerDoes) {
  auto id = silences_->Set(Make("a=b", kNow, kNow + 3'600'000));
  ASSERT_TRUE(id.ok());
  Silence longer = *silences_->Get(*id);
  longer.ends_at_ms += 3'600'000;
  longer.comment = "longer";
  EXPECT_EQ(*silences_->Set(longer), *id);
  Silence other = *silences_->Get(*id);
  other.matchers = *ParseMatchers("a=c");
  auto replaced = silences_->Set(other);
  ASSERT_TRUE(replaced.ok());
  EXPECT_NE(*replaced, *id);
  clock_.Advance(1);
  EXPECT_EQ(StateAt(*silences_->Get(*id), clock_.NowMs()), SilenceState::kExpired);
  Silence unknown = Make("a=b", kNow, kNow + 1000);
  unknown.id = "00000000-0000-4000-8000-000000000000";
  EXPECT_TRUE(absl::IsNotFound(silences_->Set(unknown).status()));
}

TEST_F(SilencesTest, RefusesWhatAlertmanagerRefuses) {
  EXPECT_FALSE(silences_->Set(Make("a=~.*", kNow, kNow + 1000)).ok());  // Matches everything.
  EXPECT_FALSE(silences_->Set(Make("a=b", kNow + 2000, kNow + 1000)).ok());
  Silence none = Make("a=b", kNow, kNow + 1000);
  none.matchers.clear();
  EXPECT_FALSE(silences_->Set(none).ok());
}

}  // namespace
}  // namespace vigie::alerts
