// The in-flight request budget: its arithmetic, and a gRPC Push that does not fit, refused with
// RESOURCE_EXHAUSTED after the batches already stored are acknowledged.
#include "server/request_budget.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/time.h"
#include "server/grpc_ingest_service.h"
#include "server/metrics.h"
#include "server/tail_hub.h"
#include "store/store.h"
#include "tests/integration/harness.h"

namespace vigie::server {
namespace {

using ::testing::HasSubstr;

TEST(RequestBudgetTest, GrantsUpToTheCapacityAndTakesBytesBackOnRelease) {
  RequestBudget budget(1000);
  RequestBudget::Reservation a = budget.NewReservation();
  RequestBudget::Reservation b = budget.NewReservation();
  EXPECT_TRUE(a.Grow(600));
  EXPECT_TRUE(b.Grow(400));
  EXPECT_FALSE(b.Grow(1));  // Full: nothing more is reserved.
  EXPECT_EQ(b.bytes(), 400u);
  EXPECT_EQ(budget.in_use(), 1000u);
  EXPECT_THAT(budget.ExhaustedMessage(), HasSubstr("--max-inflight-request-bytes"));
  a.Release();
  EXPECT_TRUE(b.Grow(500));
  {
    RequestBudget::Reservation moved = std::move(b);
    EXPECT_EQ(budget.in_use(), 900u);
  }
  EXPECT_EQ(budget.in_use(), 0u);  // Given back by the reservation it was moved to.
}

TEST(RequestBudgetTest, ARequestAloneIsAlwaysGranted) {
  RequestBudget budget(1000);
  RequestBudget::Reservation big = budget.NewReservation();
  EXPECT_TRUE(big.Grow(5000));
  EXPECT_TRUE(big.Grow(5000));
  RequestBudget::Reservation other = budget.NewReservation();
  EXPECT_FALSE(other.Grow(1));
  big.Release();
  EXPECT_TRUE(other.Grow(1));
}

TEST(RequestBudgetTest, CallsAfterBurstOnceTheBytesOfABurstAreAllBack) {
  int calls = 0;
  RequestBudget budget(1ull << 30, [&] { ++calls; });
  {
    RequestBudget::Reservation small = budget.NewReservation();
    ASSERT_TRUE(small.Grow(1000));
  }
  EXPECT_EQ(calls, 0);  // Not a burst.
  RequestBudget::Reservation a = budget.NewReservation(), b = budget.NewReservation();
  ASSERT_TRUE(a.Grow(RequestBudget::kBurstBytes / 2));
  ASSERT_TRUE(b.Grow(RequestBudget::kBurstBytes / 2));
  a.Release();
  EXPECT_EQ(calls, 0);  // Not over yet.
  b.Release();
  EXPECT_EQ(calls, 1);
}

TEST(RequestBudgetTest, NoBudgetGrantsEverything) {
  RequestBudget::Reservation unbounded;
  EXPECT_TRUE(unbounded.Grow(UINT64_MAX / 2));
  EXPECT_TRUE(unbounded.Grow(UINT64_MAX / 2));
}

// Ingest on an in-process gRPC server over a real store, with a budget the test can fill.
class GrpcPushBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::Store::Open({.path = dir_.path() + "/data"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    metrics_ = std::make_unique<ServerMetrics>(store_.get());
    ingester_ = std::make_unique<Ingester>(store_.get(), &tails_, metrics_.get(), Limits());
    service_ = std::make_unique<IngestService>(ingester_.get(), &auth_, Limits(), &budget_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = v1::Ingest::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                    grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  v1::PushRequest Batch(uint64_t seq, size_t line_bytes) {
    v1::PushRequest request;
    request.set_agent_id("budget");
    request.set_seq(seq);
    v1::Stream* stream = request.add_streams();
    v1::Label* label = stream->add_labels();
    label->set_name("job");
    label->set_value("budget");
    v1::Entry* entry = stream->add_entries();
    entry->set_ts_ns(NowNanos());
    entry->set_line(std::string(line_bytes, 'x'));
    return request;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  TailHub tails_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<Ingester> ingester_;
  Authorizer auth_{{}};
  RequestBudget budget_{1 << 20};
  std::unique_ptr<IngestService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
};

TEST_F(GrpcPushBudgetTest, ABatchBeyondTheBudgetEndsTheCallWithResourceExhausted) {
  grpc::ClientContext context;
  auto stream = stub_->Push(&context);
  ASSERT_TRUE(stream->Write(Batch(1, 1000)));
  v1::PushAck ack;
  ASSERT_TRUE(stream->Read(&ack));
  EXPECT_EQ(ack.seq(), 1u);
  EXPECT_EQ(budget_.in_use(), 0u);  // Given back once committed.

  RequestBudget::Reservation others = budget_.NewReservation();
  ASSERT_TRUE(others.Grow((1 << 20) - 100));  // Other requests hold nearly all of it.
  ASSERT_TRUE(stream->Write(Batch(2, 1000)));
  EXPECT_FALSE(stream->Read(&ack));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("retry in 1 s"));
  auto pushback = context.GetServerTrailingMetadata().find("grpc-retry-pushback-ms");
  ASSERT_NE(pushback, context.GetServerTrailingMetadata().end());
  EXPECT_EQ(std::string(pushback->second.data(), pushback->second.size()), "1000");
  EXPECT_EQ(budget_.in_use(), (1u << 20) - 100);  // The refused batch holds nothing.
}

}  // namespace
}  // namespace vigie::server
