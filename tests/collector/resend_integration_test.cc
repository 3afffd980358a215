// Exactly once when two Push streams of one collector overlap. A stream that died (its collector
// killed with SIGKILL, or cancelled after the ack timeout) may still have a request on its way
// to vigied: sitting in a socket buffer, or being prepared by vigied, which finishes what it
// has read. Meanwhile the newer stream resends, one batch per request, everything that was not
// acknowledged. When the old request was a merged one (a backlog sends several spooled batches
// as one request), vigied must not store it after a newer stream stored some of its batches:
// that is how CollectorCrashTest once stored 9,700 lines twice.
#include <grpcpp/grpcpp.h>

#include "collector/metrics.h"
#include "collector/push_builder.h"
#include "collector/spool.h"
#include "common/time.h"
#include "tests/collector/integration_fixture.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::collector::testing {
namespace {

constexpr char kAgent[] = "0123456789abcdef0123456789abcdef";

// One Push stream to vigied, as the shipper opens it.
class PushStream {
 public:
  explicit PushStream(const std::string& address)
      : stub_(
            v1::Ingest::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        stream_(stub_->Push(&context_)) {}

  // Sends the serialized request (the spool's bytes, as the shipper sends them) and reads the
  // answer: the ack, or nullopt when vigied ended the stream instead.
  std::optional<v1::PushAck> Send(const std::string& request) {
    v1::PushRequest parsed;
    EXPECT_TRUE(parsed.ParseFromString(request));
    if (!stream_->Write(parsed)) return std::nullopt;
    v1::PushAck ack;
    if (!stream_->Read(&ack)) return std::nullopt;
    return ack;
  }
  grpc::Status Finish() {
    stream_->WritesDone();
    return stream_->Finish();
  }

 private:
  std::unique_ptr<v1::Ingest::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PushRequest, v1::PushAck>> stream_;
};

class CollectorResendTest : public CollectorIntegrationTest {
 protected:
  // Spools `batches` batches of `lines` lines ("resend 0", "resend 1", ...) with seqs 1, 2...
  std::unique_ptr<Spool> SpoolBatches(int batches, int lines) {
    auto spool = Spool::Open(
        {Path("spool"), 1 << 30, 1 << 30, false, kAgent}, 0,
        [](uint64_t, const std::vector<FileCursor>&, bool) {}, &metrics_);
    EXPECT_TRUE(spool.ok()) << spool.status();
    StreamRef stream = MakeWireLabels(*LabelSet::Make({{"test", "resend"}}));
    int64_t ts = NowNanos();
    std::vector<SpoolBatch> spooled;
    for (int b = 0, line = 0; b < batches; ++b) {
      PushBuilder builder;
      for (int i = 0; i < lines; ++i, ++line) {
        builder.Add(stream, ts + line, "resend " + std::to_string(line));
      }
      uint64_t seq = static_cast<uint64_t>(b) + 1;
      spooled.push_back(
          {seq, builder.entries(), builder.samples(), builder.Finish(kAgent, seq), {}});
    }
    EXPECT_TRUE((*spool)->Append(&spooled).ok());
    return *std::move(spool);
  }

  Metrics metrics_;
};

TEST_F(CollectorResendTest, AMergedRequestStoredAfterANewerStreamResentPartOfItStoresNothingTwice) {
  std::unique_ptr<Spool> spool = SpoolBatches(3, 100);
  // What the old stream sent: the three batches as one request (seq 3).
  std::optional<Spool::Outgoing> merged = spool->Next(0, 1 << 20);
  ASSERT_TRUE(merged);
  ASSERT_EQ(merged->batches, 3u);
  PushStream old_stream(server_->grpc_address());

  // The newer stream resends the batches one by one; the first is stored before vigied gets
  // to the old stream's request.
  PushStream new_stream(server_->grpc_address());
  std::optional<Spool::Outgoing> first = spool->Next(0, 0);
  ASSERT_TRUE(first);
  std::optional<v1::PushAck> ack = new_stream.Send(first->request);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->seq(), 1u);
  EXPECT_FALSE(ack->duplicate());

  // Now the old request arrives. Storing it would store batch 1 a second time; vigied must
  // refuse it and say why, rather than acknowledge it.
  EXPECT_FALSE(old_stream.Send(merged->request));
  grpc::Status refused = old_stream.Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::ABORTED) << refused.error_message();
  EXPECT_NE(refused.error_message().find("seq 1"), std::string::npos) << refused.error_message();

  // The newer stream goes on with batches 2 and 3, which the old request did not store.
  for (uint64_t seq : {2u, 3u}) {
    std::optional<Spool::Outgoing> next = spool->Next(seq - 1, 0);
    ASSERT_TRUE(next);
    ack = new_stream.Send(next->request);
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->seq(), seq);
    EXPECT_FALSE(ack->duplicate()) << seq;
  }
  EXPECT_TRUE(new_stream.Finish().ok());
  ExpectSequence(Stored(R"({test="resend"})"), "resend ", 300);
}

TEST_F(CollectorResendTest, AMergedRequestAlreadyStoredWholeIsADuplicate) {
  std::unique_ptr<Spool> spool = SpoolBatches(3, 100);
  PushStream old_stream(server_->grpc_address());
  std::optional<Spool::Outgoing> merged = spool->Next(0, 1 << 20);
  ASSERT_TRUE(merged);
  std::optional<v1::PushAck> ack = old_stream.Send(merged->request);
  ASSERT_TRUE(ack);  // Stored, but the sender died before reading the ack.
  EXPECT_EQ(ack->seq(), 3u);

  PushStream new_stream(server_->grpc_address());
  for (uint64_t seq : {1u, 2u, 3u}) {
    std::optional<Spool::Outgoing> next = spool->Next(seq - 1, 0);
    ASSERT_TRUE(next);
    ack = new_stream.Send(next->request);
    ASSERT_TRUE(ack);
    EXPECT_TRUE(ack->duplicate()) << seq;
  }
  ExpectSequence(Stored(R"({test="resend"})"), "resend ", 300);
}

}  // namespace
}  // namespace vigie::collector::testing
