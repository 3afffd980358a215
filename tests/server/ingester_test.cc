// The Ingester's validation on a fixed clock, through Prepare (nothing is stored): what is
// refused and how it is named. End to end, with a real vigied: tests/http/push_validation_test.
#include "server/ingester.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vigie::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kNow = 1'765'000'000 * kSecond;

class NullAppender : public store::Appender {
 public:
  store::PreparedAppend Prepare(const store::AppendRequest&) override { return {}; }
  absl::StatusOr<store::AppendResult> Commit(store::PreparedAppend) override {
    return store::AppendResult{};
  }
};

class IngesterTest : public ::testing::Test {
 protected:
  // The times of `times` that are accepted, and the reasons for the others.
  std::vector<int64_t> Accepted(std::vector<int64_t> times, std::string* reason = nullptr) {
    ReceivedBatch batch;
    ReceivedStream& stream = batch.streams.emplace_back();
    stream.labels = std::vector<Label>{{"job", "x"}};
    for (int64_t t : times) stream.entries.push_back({t, "line"});
    return Run(std::move(batch), reason);
  }
  std::vector<int64_t> Run(ReceivedBatch batch, std::string* reason) {
    Ingester ingester(&appender_, nullptr, nullptr, limits_, [] { return kNow; });
    absl::StatusOr<PreparedIngest> prepared = ingester.Prepare(std::move(batch));
    EXPECT_TRUE(prepared.ok()) << prepared.status();
    if (reason) *reason = prepared->refused.reason;
    std::vector<int64_t> out;
    for (const auto& s : prepared->request.streams) {
      for (const auto& e : s.entries) out.push_back(e.ts_ns);
    }
    return out;
  }

  NullAppender appender_;
  Limits limits_;
};

TEST_F(IngesterTest, AcceptsTimesFromTheHorizonToTheGraceInclusive) {
  limits_.reject_older_than_ns = 30 * 86400 * kSecond;
  int64_t oldest = kNow - limits_.reject_older_than_ns;
  int64_t newest = kNow + limits_.creation_grace_ns;
  std::string reason;
  EXPECT_THAT(Accepted({oldest - 1, oldest, kNow, newest, newest + 1}, &reason),
              ElementsAre(oldest, kNow, newest));
  EXPECT_THAT(reason, HasSubstr("entry 0: timestamp " + std::to_string(oldest - 1)));
  EXPECT_THAT(reason, HasSubstr("is 30d old; at most 30d old is accepted"));
  EXPECT_THAT(reason, HasSubstr("entry 4: timestamp " + std::to_string(newest + 1)));
  EXPECT_THAT(reason, HasSubstr("is 10m ahead of vigied's clock; at most 10m ahead"));
}

TEST_F(IngesterTest, WithoutAHorizonOnlyTimesBefore1970AreTooOld) {
  limits_.reject_older_than_ns = 0;
  std::string reason;
  EXPECT_THAT(Accepted({0, -5, 1}, &reason), ElementsAre(1));
  EXPECT_THAT(reason, HasSubstr("entry 0: timestamp 0 (1970-01-01T00:00:00.000000000Z) is not "
                                "after 1970: times are positive Unix epoch nanoseconds"));
  EXPECT_THAT(reason, HasSubstr("entry 1: timestamp -5 (1969-12-31T23:59:59.999999995Z)"));
}

TEST_F(IngesterTest, NamesTheUnitATimeLooksLikeItIsIn) {
  limits_.reject_older_than_ns = 30 * 86400 * kSecond;
  std::string reason;
  int64_t seconds = kNow / kSecond, millis = kNow / 1'000'000, micros = kNow / 1000;
  EXPECT_THAT(Accepted({seconds, millis, micros}, &reason), ElementsAre());
  for (auto [value, unit] : {std::pair{seconds, "seconds"}, std::pair{millis, "milliseconds"},
                             std::pair{micros, "microseconds"}}) {
    EXPECT_THAT(reason, HasSubstr(std::to_string(value) + " (1970-01-"));
    EXPECT_THAT(reason, HasSubstr(std::string("it looks like ") + unit +
                                  ": send Unix epoch nanoseconds (" + std::to_string(kNow) + ")"));
  }
  // A 1970 time that is not a unit mistake gets no hint.
  Accepted({86400 * kSecond}, &reason);
  EXPECT_THAT(reason, Not(HasSubstr("looks like")));
}

TEST_F(IngesterTest, LabelsNotUtf8OrReservedAreRefusedByName) {
  ReceivedBatch batch;
  for (std::vector<Label> labels : std::vector<std::vector<Label>>{
           {{"service", "t4\xff"}}, {{"svc\xc3", "x"}}, {{"__name__", "up"}}, {{"job", "ok"}}}) {
    ReceivedStream& stream = batch.streams.emplace_back();
    stream.labels = labels;
    stream.entries.push_back({kNow, "line"});
  }
  std::string reason;
  EXPECT_THAT(Run(std::move(batch), &reason), ElementsAre(kNow));
  EXPECT_EQ(reason,
            "stream 0: label service: value \"t4\\xff\" is not valid UTF-8 (byte 2); stream 1: "
            "label svc\\xc3: name \"svc\\xc3\" is not valid UTF-8 (byte 3); stream 2: label name "
            "\"__name__\" is reserved: names starting with __ are internal (as in Loki)");
}

// A request merging several batches names a stream once per batch: the store gets one group per
// stream, its entries in the order sent, so that it can cut blocks of its full size.
TEST_F(IngesterTest, MergedBatchesGiveOneGroupPerStream) {
  ReceivedBatch batch;
  for (int part = 0; part < 3; ++part) {
    for (const char* job : {"a", "b"}) {
      ReceivedStream& stream = batch.streams.emplace_back();
      stream.labels = std::vector<Label>{{"job", job}};
      stream.entries.push_back(
          {kNow - (10 - part) * kSecond, std::string(job) + std::to_string(part)});
    }
  }
  Ingester ingester(&appender_, nullptr, nullptr, limits_, [] { return kNow; });
  absl::StatusOr<PreparedIngest> prepared = ingester.Prepare(std::move(batch));
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  const std::vector<store::StreamEntries>& streams = prepared->request.streams;
  ASSERT_EQ(streams.size(), 2u);
  std::vector<std::string> lines[2];
  for (int i = 0; i < 2; ++i) {
    for (const store::LogEntry& e : streams[i].entries) lines[i].push_back(e.line);
  }
  EXPECT_EQ(streams[0].labels.Get("job"), "a");
  EXPECT_THAT(lines[0], ElementsAre("a0", "a1", "a2"));
  EXPECT_THAT(lines[1], ElementsAre("b0", "b1", "b2"));
}

}  // namespace
}  // namespace vigie::server
