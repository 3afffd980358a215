#include "collector/shipper.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "collector/memory_queue.h"
#include "collector/push_builder.h"
#include "collector/spool.h"
#include "tests/collector/fake_ingest.h"
#include "tests/integration/harness.h"

namespace vigie::collector {
namespace {

using testing::FakeIngest;

// Records the shipper's reports.
class RecordingEvents final : public ShipperEvents {
 public:
  void OnAck(const v1::PushAck& ack) override {
    std::lock_guard lock(mu_);
    accepted_ += ack.accepted();
  }
  void OnStreamFailed(const StreamFailure& failure) override {
    std::lock_guard lock(mu_);
    failures_.push_back(failure);
  }
  void OnRecovered() override {}

  std::vector<StreamFailure> failures() const {
    std::lock_guard lock(mu_);
    return failures_;
  }
  uint64_t accepted() const {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  // Waits until the shipper gave up; the failure that made it give up.
  std::optional<StreamFailure> WaitGaveUp(std::chrono::seconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const StreamFailure& f : failures()) {
        if (!f.retry_in) return f;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

 private:
  mutable std::mutex mu_;
  std::vector<StreamFailure> failures_;
  uint64_t accepted_ = 0;
};

class CollectorShipperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spool_ = Spool::Open(
                 {dir_.path(), 1 << 30, 1 << 20, false, "agent"}, 0,
                 [](uint64_t, const std::vector<FileCursor>&, bool) {}, &metrics_)
                 .value();
    stream_ = MakeWireLabels(LabelSet::Make({{"host", "h"}}).value());
  }

  void SpoolBatches(int batches, int lines_per_batch) {
    std::vector<SpoolBatch> out;
    for (int b = 0; b < batches; ++b) {
      PushBuilder builder;
      for (int i = 0; i < lines_per_batch; ++i) {
        ++line_;
        builder.Add(stream_, line_, "line " + std::to_string(line_));
      }
      uint64_t seq = ++seq_;
      out.push_back({seq, builder.entries(), builder.samples(), builder.Finish("agent", seq), {}});
    }
    ASSERT_TRUE(spool_->Append(&out).ok());
  }

  std::unique_ptr<Shipper> Start(Shipper::Options options, BatchQueue* queue = nullptr) {
    options.server = fake_.address();
    options.backoff_min = std::chrono::milliseconds(20);
    options.backoff_max = std::chrono::milliseconds(200);
    auto shipper =
        std::make_unique<Shipper>(options, queue ? queue : spool_.get(), &metrics_, &events_);
    EXPECT_TRUE(shipper->Start().ok());
    return shipper;
  }

  bool WaitAllAcked(std::chrono::seconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (spool_->FirstUnresolved() != 0) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  void ExpectEachLineOnceInOrder() {
    std::vector<std::string> lines = fake_.Lines();
    ASSERT_EQ(lines.size(), static_cast<size_t>(line_));
    for (int i = 0; i < line_; ++i) EXPECT_EQ(lines[i], "line " + std::to_string(i + 1));
  }

  vigie::testing::TempDir dir_;
  Metrics metrics_;
  std::unique_ptr<Spool> spool_;
  StreamRef stream_;
  FakeIngest fake_;
  RecordingEvents events_;
  int line_ = 0;
  uint64_t seq_ = 0;
};

TEST_F(CollectorShipperTest, DeliversInOrderWithToken) {
  auto shipper = Start({.token = "s3cret", .compression = GRPC_COMPRESS_GZIP, .window = 4});
  SpoolBatches(50, 100);
  ASSERT_TRUE(WaitAllAcked());
  ExpectEachLineOnceInOrder();
  EXPECT_EQ(fake_.authorization(), "Bearer s3cret");
  EXPECT_EQ(metrics_.batches_acked.Value(), 50);
  EXPECT_EQ(metrics_.entries_acked.Value(), 5000);
  EXPECT_EQ(metrics_.connected.Value(), 1);
}

TEST_F(CollectorShipperTest, ResendsWhatLostItsAckAndTheServerDeduplicates) {
  fake_.CutAfterStore(3);
  auto shipper = Start({.window = 8, .max_request_bytes = 0});  // One batch per request.
  SpoolBatches(30, 10);
  ASSERT_TRUE(WaitAllAcked());
  ExpectEachLineOnceInOrder();
  EXPECT_GE(fake_.duplicates(), 3u);
  EXPECT_GE(metrics_.stream_failures.Value(), 3);
}

TEST_F(CollectorShipperTest, MergesWaitingBatchesButResendsEachAlone) {
  fake_.CutAfterStore(1);
  auto shipper = Start({});
  SpoolBatches(30, 10);  // Made visible together: merged into one request.
  ASSERT_TRUE(WaitAllAcked());
  ExpectEachLineOnceInOrder();
  EXPECT_EQ(fake_.batches(), 1u);      // The merged request, stored before its ack was lost...
  EXPECT_EQ(fake_.duplicates(), 30u);  // ...then each batch resent alone, each a duplicate.
  EXPECT_EQ(metrics_.batches_acked.Value(), 30);
}

TEST_F(CollectorShipperTest, MergesLessWhenTheServerRefusesLargeRequests) {
  fake_.SetMaxRequestBytes(64 << 10);
  auto shipper = Start({});
  SpoolBatches(30, 1000);  // About 15 KiB each, 450 KiB together.
  ASSERT_TRUE(WaitAllAcked());
  ExpectEachLineOnceInOrder();
  EXPECT_GE(metrics_.stream_failures.Value(), 1);
}

TEST_F(CollectorShipperTest, BatchesFoundAtStartAreSentAlone) {
  SpoolBatches(30, 10);  // As a previous run left them: any may have been sent already.
  auto shipper = Start({});
  ASSERT_TRUE(WaitAllAcked());
  ExpectEachLineOnceInOrder();
  EXPECT_EQ(fake_.batches(), 30u);
}

TEST_F(CollectorShipperTest, WaitsForTheServerAndReconnects) {
  fake_.Stop();
  auto shipper = Start({});
  SpoolBatches(10, 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(spool_->FirstUnresolved(), 1u);
  fake_.Restart();
  ASSERT_TRUE(WaitAllAcked());
  ExpectEachLineOnceInOrder();
}

TEST_F(CollectorShipperTest, ReopensAStreamThatStopsAcknowledging) {
  fake_.SetAckDelay(std::chrono::milliseconds(1500));
  auto shipper = Start({.ack_timeout = std::chrono::milliseconds(300)});
  SpoolBatches(1, 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_GE(metrics_.stream_failures.Value(), 1);
  fake_.SetAckDelay(std::chrono::milliseconds(0));
  ASSERT_TRUE(WaitAllAcked());
  ExpectEachLineOnceInOrder();
}

TEST_F(CollectorShipperTest, StopDrainsWhatIsSpooled) {
  auto shipper = Start({});
  SpoolBatches(20, 10);
  shipper->Stop(std::chrono::seconds(10));
  EXPECT_EQ(spool_->FirstUnresolved(), 0u);
  ExpectEachLineOnceInOrder();
}

// vigie push's way: a bounded queue in memory, and errors that end the shipper.
TEST_F(CollectorShipperTest, DeliversFromAMemoryQueueThatBlocksWhenFull) {
  MemoryQueue queue(64 << 10);
  auto shipper = Start({.window = 2, .give_up_after = std::chrono::seconds(10)}, &queue);
  fake_.SetAckDelay(std::chrono::milliseconds(5));
  for (int b = 0; b < 40; ++b) {
    PushBuilder builder;
    for (int i = 0; i < 500; ++i) {
      ++line_;
      builder.Add(stream_, line_, "line " + std::to_string(line_));
    }
    ASSERT_TRUE(queue.Append(b + 1, builder.Finish("agent", b + 1)));
  }
  ASSERT_TRUE(queue.WaitUntilAcknowledged());
  ExpectEachLineOnceInOrder();
  EXPECT_EQ(events_.accepted(), static_cast<uint64_t>(line_));
  EXPECT_TRUE(events_.failures().empty());
}

TEST_F(CollectorShipperTest, GivesUpAtOnceOnAPermanentErrorWhenAskedTo) {
  fake_.SetMaxRequestBytes(1000);  // Larger requests end the stream with INVALID_ARGUMENT.
  auto shipper = Start({.give_up_after = std::chrono::seconds(30)});
  SpoolBatches(1, 1000);
  auto gave_up = events_.WaitGaveUp(std::chrono::seconds(10));
  ASSERT_TRUE(gave_up);
  EXPECT_EQ(gave_up->status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(events_.failures().size(), 1u);  // No retry.
  EXPECT_EQ(spool_->FirstUnresolved(), 1u);
}

TEST_F(CollectorShipperTest, RetriesATransientErrorForTheGivenTimeThenGivesUp) {
  fake_.Stop();
  auto start = std::chrono::steady_clock::now();
  auto shipper = Start({.give_up_after = std::chrono::milliseconds(600)});
  SpoolBatches(1, 10);
  auto gave_up = events_.WaitGaveUp(std::chrono::seconds(10));
  ASSERT_TRUE(gave_up);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(600));
  EXPECT_EQ(gave_up->status.error_code(), grpc::StatusCode::UNAVAILABLE);
  std::vector<ShipperEvents::StreamFailure> failures = events_.failures();
  ASSERT_GE(failures.size(), 2u);  // Retried first, saying for how long.
  ASSERT_TRUE(failures[0].give_up_in);
  EXPECT_LE(*failures[0].give_up_in, std::chrono::milliseconds(600));
}

TEST(CollectorMemoryQueueTest, AppendWaitsForRoomMergesAndCloses) {
  MemoryQueue queue(10);
  ASSERT_TRUE(queue.Append(1, std::string(8, 'a')));
  ASSERT_TRUE(queue.Append(2, std::string(8, 'b')));  // Room was left: 8 < 10.
  std::atomic<int> appended{-1};
  std::thread producer([&] { appended = queue.Append(3, "c"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(appended, -1);  // Full: waits.
  EXPECT_EQ(queue.Acknowledge(1), 1u);
  producer.join();
  EXPECT_EQ(appended, 1);
  EXPECT_EQ(queue.FirstUnresolved(), 2u);
  EXPECT_EQ(queue.LastSeq(), 3u);
  auto merged = queue.Next(0, 100);
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->seq, 3u);
  EXPECT_EQ(merged->batches, 2u);
  std::string expected = std::string(8, 'b') + "c";
  AppendFirstSeq(2, &expected);  // vigied refuses the merged request if it holds a part of it.
  EXPECT_EQ(merged->request, expected);
  EXPECT_EQ(queue.Next(2, 0)->request, "c");
  EXPECT_FALSE(queue.Next(3, 100));
  queue.Close();
  EXPECT_FALSE(queue.Append(4, "d"));
  EXPECT_FALSE(queue.WaitUntilAcknowledged());
}

TEST(CollectorShipperStatusTest, TellsPermanentErrorsFromTransientOnes) {
  using grpc::StatusCode;
  for (StatusCode code :
       {StatusCode::INVALID_ARGUMENT, StatusCode::UNAUTHENTICATED, StatusCode::PERMISSION_DENIED}) {
    EXPECT_TRUE(IsPermanentPushError(grpc::Status(code, "x"))) << code;
  }
  for (StatusCode code : {StatusCode::UNAVAILABLE, StatusCode::DEADLINE_EXCEEDED,
                          StatusCode::RESOURCE_EXHAUSTED, StatusCode::INTERNAL}) {
    EXPECT_FALSE(IsPermanentPushError(grpc::Status(code, "x"))) << code;
  }
  EXPECT_TRUE(IsPermanentPushError(grpc::Status(
      StatusCode::RESOURCE_EXHAUSTED, "Received message larger than max (40000000 vs. 4194304)")));
  EXPECT_EQ(DescribeStatus(grpc::Status(StatusCode::UNAVAILABLE, "connection refused")),
            "UNAVAILABLE: connection refused");
}

TEST(CollectorShipperCompressionTest, AutoSparesLoopback) {
  EXPECT_EQ(ParseCompression("auto", "127.0.0.1:4317").value(), GRPC_COMPRESS_NONE);
  EXPECT_EQ(ParseCompression("auto", "logs.example.com:4317").value(), GRPC_COMPRESS_GZIP);
  EXPECT_EQ(ParseCompression("none", "x").value(), GRPC_COMPRESS_NONE);
  EXPECT_FALSE(ParseCompression("zstd", "x").ok());
}

}  // namespace
}  // namespace vigie::collector
