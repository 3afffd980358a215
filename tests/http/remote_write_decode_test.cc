// Decoding remote_write bodies: snappy framing, the WriteRequest message, bounds.
#include "server/http/remote_write_decode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/http/remote_write_client.h"

namespace vigie::server::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeWriteRequest;
using testing::Snappy;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(RemoteWriteDecodeTest, DecodesSeriesSamplesAndMetadata) {
  prometheus::WriteRequest request = MakeWriteRequest(
      {{{{"__name__", "up"}, {"job", "node"}}, {{1000, 1}, {2000, 0}}}, {{{"x", "\xff"}}, {}}});
  request.mutable_timeseries(1)->add_histograms("\x08\x01");
  prometheus::MetricMetadata* m = request.add_metadata();
  m->set_type(prometheus::MetricMetadata::COUNTER);
  m->set_metric_family_name("http_requests_total");
  m->set_help("Requests.");
  auto decoded = DecodeRemoteWrite(Snappy(request.SerializeAsString()), {});
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const ReceivedBatch& batch = decoded->batch;
  EXPECT_EQ(batch.protocol, "remote_write");
  EXPECT_TRUE(batch.refuse_whole_if_series_invalid);
  EXPECT_EQ(batch.seq, 0u);
  ASSERT_EQ(batch.series.size(), 2u);
  std::vector<LabelView> labels;
  batch.series.Labels(0, &labels);
  EXPECT_THAT(labels, ElementsAre(LabelView{"__name__", "up"}, LabelView{"job", "node"}));
  EXPECT_THAT(batch.series.Samples(0), ElementsAre(store::Sample{1000, 1}, store::Sample{2000, 0}));
  EXPECT_EQ(batch.series.Histograms(0), 0u);
  // Labels come as sent, invalid UTF-8 included: the Ingester names what is wrong.
  batch.series.Labels(1, &labels);
  EXPECT_THAT(labels, ElementsAre(LabelView{"x", "\xff"}));
  EXPECT_THAT(batch.series.Samples(1), ElementsAre());
  EXPECT_EQ(batch.series.Histograms(1), 1u);
  ASSERT_EQ(decoded->metadata.size(), 1u);
  EXPECT_EQ(decoded->metadata[0].first, "http_requests_total");
  EXPECT_EQ(decoded->metadata[0].second.type, "counter");
  EXPECT_EQ(decoded->metadata[0].second.help, "Requests.");
}

TEST(RemoteWriteDecodeTest, RefusesWhatIsNotSnappyProtobufNamingTheFormat) {
  auto not_snappy = DecodeRemoteWrite("\xff\xff\xff\xff\xff\xff", {});
  EXPECT_TRUE(absl::IsInvalidArgument(not_snappy.status()));
  EXPECT_THAT(Message(not_snappy.status()),
              HasSubstr("not snappy-compressed (block format): remote_write bodies are "
                        "snappy-compressed protobuf (Content-Encoding: snappy"));
  auto not_proto = DecodeRemoteWrite(Snappy("\x0a\x05\x0a"), {});
  EXPECT_TRUE(absl::IsInvalidArgument(not_proto.status()));
  EXPECT_THAT(Message(not_proto.status()),
              HasSubstr("the body is snappy but not a valid protobuf prometheus.WriteRequest"));
}

TEST(RemoteWriteDecodeTest, RefusesBodiesThatInflateBeyondTheLimitsBeforeInflating) {
  std::string zeros(4 << 20, '\0');
  std::string body = Snappy(zeros);
  auto by_size = DecodeRemoteWrite(body, {.max_bytes = 1 << 20});
  EXPECT_TRUE(absl::IsOutOfRange(by_size.status()));
  EXPECT_THAT(Message(by_size.status()), HasSubstr("decompresses to 4194304 bytes"));
  // Snappy shrinks zeros about 21 times: more than a ratio of 5 allows.
  auto by_ratio = DecodeRemoteWrite(body, {.max_ratio = 5});
  EXPECT_TRUE(absl::IsOutOfRange(by_ratio.status())) << by_ratio.status();
  size_t asked = 0;
  auto busy = DecodeRemoteWrite(body, {.reserve = [&](size_t n) {
                                  asked = n;
                                  return false;
                                }});
  EXPECT_TRUE(absl::IsResourceExhausted(busy.status()));
  EXPECT_EQ(asked, zeros.size());
}

}  // namespace
}  // namespace vigie::server::http
