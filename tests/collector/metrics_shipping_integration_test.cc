// Metric units (a StatsD flush, a scrape) through the collector's own pipeline, batcher -> spool
// -> shipper, into a real vigied: each unit arrives whole in one request, is queryable through
// the Prometheus API, and its metadata answers /api/v1/metadata.
#include <nlohmann/json.hpp>

#include "collector/batcher.h"
#include "collector/shipper.h"
#include "collector/shipper_log.h"
#include "collector/spool.h"
#include "collector/state.h"
#include "common/time.h"
#include "tests/collector/integration_fixture.h"

namespace vigie::collector::testing {
namespace {

using std::chrono::seconds;

class CollectorMetricsShippingTest : public CollectorIntegrationTest {
 protected:
  // The pipeline of a collector, in this process, shipping to the test's vigied.
  void StartPipeline(Batcher::Options batch) {
    state_ = AgentState::Open(Path("state")).value();
    spool_ = Spool::Open(
                 {Path("spool"), 1 << 30, 8 << 20, false, state_->agent_id()}, 0,
                 [](uint64_t, const std::vector<FileCursor>&, bool) {}, &metrics_)
                 .value();
    batcher_ = std::make_unique<Batcher>(batch, state_.get(), spool_.get(), &metrics_);
    batcher_->Start();
    Shipper::Options shipping;
    shipping.server = proxy_->address();
    shipping.compression = GRPC_COMPRESS_NONE;
    log_ = std::make_unique<ShipperLog>(shipping.server);
    shipper_ = std::make_unique<Shipper>(shipping, spool_.get(), &metrics_, log_.get());
    ASSERT_TRUE(shipper_->Start().ok());
  }
  void TearDown() override {
    if (batcher_) batcher_->Stop();
    if (shipper_) shipper_->Stop(std::chrono::milliseconds(0));
  }

  // One flush: `series` gauges named `name`, label i=0..series-1, value i * factor.
  static MetricUnit Flush(const std::string& name, int series, double factor, int64_t ts_ms) {
    MetricUnit unit;
    for (int i = 0; i < series; ++i) {
      unit.samples.push_back(
          {MakeWireLabels(LabelSet::Make({{"__name__", name}, {"i", std::to_string(i)}}).value()),
           ts_ms, i * factor});
    }
    unit.metadata.push_back({name, "gauge", "Test gauge " + name + ".", "seconds"});
    return unit;
  }

  Metrics metrics_;
  std::unique_ptr<AgentState> state_;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<Batcher> batcher_;
  std::unique_ptr<ShipperLog> log_;
  std::unique_ptr<Shipper> shipper_;
};

TEST_F(CollectorMetricsShippingTest, UnitsArriveWholeAndAreQueryable) {
  // Batches of at most 1,000 samples: the 2,500-sample unit gets a batch of its own.
  StartPipeline({.max_samples = 1000, .max_age = std::chrono::milliseconds(100)});
  int64_t now_ms = NowNanos() / kNanosPerMilli;
  batcher_->AddMetrics(Flush("ship_small", 300, 1, now_ms - 2000));
  batcher_->AddMetrics(Flush("ship_big", 2500, 0.5, now_ms - 2000));
  batcher_->AddMetrics(Flush("ship_small", 300, 2, now_ms - 1000));  // The next flush.
  batcher_->Flush();
  ASSERT_TRUE(WaitFor([&] { return PromScalar("count(ship_small)") == 300; }, seconds(20)))
      << PromQuery("count(ship_small)").dump() << " acked " << metrics_.samples_acked.Value()
      << " sent " << metrics_.batches_sent.Value() << server_->Log();
  ASSERT_TRUE(WaitFor([&] { return PromScalar("count(ship_big)") == 2500; }, seconds(20)));
  EXPECT_EQ(PromScalar("sum(ship_big)"), 0.5 * (2499 * 2500 / 2));
  // The latest flush wins at query time; both flushes are stored.
  EXPECT_EQ(PromScalar("sum(ship_small)"), 2.0 * (299 * 300 / 2));
  EXPECT_EQ(PromScalar("sum(count_over_time(ship_small[1m]))"), 600);
  EXPECT_EQ(PromScalar("ship_small{i=\"7\"}"), 14);
  // Samples are counted as samples, not as log entries.
  EXPECT_EQ(metrics_.samples_acked.Value(), 300 + 2500 + 300);
  EXPECT_EQ(metrics_.entries_acked.Value(), 0);

  // Other values at stored times: refused sample by sample, and counted as samples. (The
  // series i=0 gets the same value again, which the store accepts.)
  batcher_->AddMetrics(Flush("ship_small", 300, 3, now_ms - 1000));
  batcher_->Flush();
  ASSERT_TRUE(WaitFor([&] { return metrics_.samples_rejected.Value() == 299; }, seconds(20)))
      << metrics_.samples_rejected.Value() << server_->Log();
  EXPECT_EQ(metrics_.entries_rejected.Value(), 0);
  EXPECT_EQ(PromScalar("sum(ship_small)"), 2.0 * (299 * 300 / 2));

  nlohmann::json metadata = nlohmann::json::parse(
      HttpGet(server_->http_address(), "/api/v1/metadata?metric=ship_big"), nullptr, false);
  ASSERT_FALSE(metadata.is_discarded());
  ASSERT_EQ(metadata["data"]["ship_big"].size(), 1u) << metadata.dump();
  EXPECT_EQ(metadata["data"]["ship_big"][0]["type"], "gauge");
  EXPECT_EQ(metadata["data"]["ship_big"][0]["help"], "Test gauge ship_big.");
  EXPECT_EQ(metadata["data"]["ship_big"][0]["unit"], "seconds");
}

TEST_F(CollectorMetricsShippingTest, AUnitOverTheServersLimitIsRefusedWholeAndCounted) {
  StartServer({"--max-samples-per-request", "500"});
  StartPipeline(
      {.max_samples = 400, .max_unit_samples = 500, .max_age = std::chrono::milliseconds(100)});
  int64_t now_ms = NowNanos() / kNanosPerMilli;
  batcher_->AddMetrics(Flush("ship_refused", 501, 1, now_ms));
  batcher_->AddMetrics(Flush("ship_kept", 500, 1, now_ms));
  batcher_->Flush();
  ASSERT_TRUE(WaitFor([&] { return PromScalar("count(ship_kept)") == 500; }, seconds(20)))
      << server_->Log();
  EXPECT_EQ(metrics_.metric_units_refused.Value(), 1);
  EXPECT_TRUE(PromQuery("ship_refused").empty());
}

}  // namespace
}  // namespace vigie::collector::testing
