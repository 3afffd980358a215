#include "collector/shipper.h"

#include <thread>

#include <gtest/gtest.h>

#include "collector/push_builder.h"
#include "tests/collector/fake_ingest.h"
#include "tests/integration/harness.h"

namespace vigie::collector {
namespace {

using testing::FakeIngest;

class CollectorShipperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spool_ = Spool::Open(
                 {dir_.path(), 1 << 30, 1 << 20, false, "agent"}, 0,
                 [](uint64_t, const std::vector<FileCursor>&, bool) {}, &metrics_)
                 .value();
    stream_ = MakeStream(LabelSet::Make({{"host", "h"}}).value());
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
      out.push_back({seq, builder.entries(), builder.Finish("agent", seq), {}});
    }
    ASSERT_TRUE(spool_->Append(&out).ok());
  }

  std::unique_ptr<Shipper> Start(Shipper::Options options) {
    options.server = fake_.address();
    options.backoff_min = std::chrono::milliseconds(20);
    options.backoff_max = std::chrono::milliseconds(200);
    auto shipper = std::make_unique<Shipper>(options, spool_.get(), &metrics_);
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

TEST(CollectorShipperCompressionTest, AutoSparesLoopback) {
  EXPECT_EQ(ParseCompression("auto", "127.0.0.1:4317").value(), GRPC_COMPRESS_NONE);
  EXPECT_EQ(ParseCompression("auto", "logs.example.com:4317").value(), GRPC_COMPRESS_GZIP);
  EXPECT_EQ(ParseCompression("none", "x").value(), GRPC_COMPRESS_NONE);
  EXPECT_FALSE(ParseCompression("zstd", "x").ok());
}

}  // namespace
}  // namespace vigie::collector
