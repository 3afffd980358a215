#include "server/http/loki_push_decode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <snappy.h>

#include <boost/beast/zlib/deflate_stream.hpp>
#include <boost/crc.hpp>

#include "loki/push.pb.h"
#include "server/http/gzip.h"

namespace vigie::server::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<Label> Labels(const ReceivedStream& stream) {
  EXPECT_TRUE(stream.labels.ok()) << stream.labels.status();
  return stream.labels.ok() ? *stream.labels : std::vector<Label>{};
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(LokiJsonPushTest, DecodesStreamsAndEntriesIgnoringStructuredMetadata) {
  auto decoded = DecodeLokiJsonPush(R"({"streams": [
      {"stream": {"job": "api", "host": "web1"},
       "values": [["1700000000000000001", "first"],
                  ["1700000000000000002", "second", {"trace_id": "abc"}]]},
      {"stream": {"job": "db"}, "values": []}]})");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->protocol, "loki_json");
  EXPECT_EQ(decoded->agent_id, "");
  EXPECT_EQ(decoded->seq, 0u);
  EXPECT_EQ(decoded->refused.count, 0u);
  ASSERT_EQ(decoded->streams.size(), 2u);
  EXPECT_THAT(Labels(decoded->streams[0]), ElementsAre(Label{"host", "web1"}, Label{"job", "api"}));
  EXPECT_THAT(decoded->streams[0].entries,
              ElementsAre(store::LogEntry{1700000000000000001, "first"},
                          store::LogEntry{1700000000000000002, "second"}));
  EXPECT_TRUE(decoded->streams[1].entries.empty());
}

TEST(LokiJsonPushTest, RefusesABodyMalformedAsAWhole) {
  auto not_json = DecodeLokiJsonPush("{\"streams\": [");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(not_json.status()), HasSubstr("not valid JSON"));
  EXPECT_THAT(Message(not_json.status()), HasSubstr("line 1"));
  for (const char* body : {"[]", "{}", R"({"streams": {}})", "17"}) {
    auto decoded = DecodeLokiJsonPush(body);
    ASSERT_FALSE(decoded.ok()) << body;
    EXPECT_THAT(Message(decoded.status()), HasSubstr("\"streams\"")) << body;
  }
}

TEST(LokiJsonPushTest, KeepsValidStreamsBesideInvalidOnesAndNamesWhatWasWrong) {
  auto decoded = DecodeLokiJsonPush(R"({"streams": [
      {"stream": {"job": "ok"}, "values": [["1700000000000000000", "kept"]]},
      {"stream": ["job", "x"], "values": [["1700000000000000000", "a"], ["1", "b"]]},
      {"stream": {"job": 7}, "values": [["1700000000000000000", "c"]]},
      {"stream": {"job": "entries"},
       "values": [["abc", "bad time"], ["1700000000000000000", 42],
                  [1700000000000000000, "numeric time"], ["1700000000000000005", "good"],
                  ["1700000000000000006", "bad metadata", "not an object"], "not a pair"]},
      {"stream": {"job": "novalues"}},
      "not a stream"]})");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const auto& streams = decoded->streams;
  ASSERT_EQ(streams.size(), 6u);  // Every stream kept, in order, so indexes match.
  EXPECT_EQ(streams[0].entries.size(), 1u);
  ASSERT_FALSE(streams[1].labels.ok());
  EXPECT_THAT(Message(streams[1].labels.status()), HasSubstr("\"stream\" must be an object"));
  EXPECT_EQ(streams[1].entries.size(), 2u);  // Counted as refused by the Ingester.
  ASSERT_FALSE(streams[2].labels.ok());
  EXPECT_THAT(Message(streams[2].labels.status()), HasSubstr("label \"job\""));
  EXPECT_THAT(Message(streams[2].labels.status()), HasSubstr("not a string"));
  EXPECT_THAT(streams[3].entries, ElementsAre(store::LogEntry{1700000000000000005, "good"}));
  ASSERT_FALSE(streams[4].labels.ok());
  EXPECT_THAT(Message(streams[4].labels.status()), HasSubstr("\"values\""));
  ASSERT_FALSE(streams[5].labels.ok());
  EXPECT_THAT(Message(streams[5].labels.status()), HasSubstr("not an object"));

  EXPECT_EQ(decoded->refused.count, 5u);
  EXPECT_THAT(decoded->refused.reason, HasSubstr("stream 3 entry 0: timestamp \"abc\""));
  EXPECT_THAT(decoded->refused.reason, HasSubstr("stream 3 entry 1: the log line is not a string"));
  EXPECT_THAT(decoded->refused.reason,
              HasSubstr("stream 3 entry 2: the timestamp is a JSON number"));
  EXPECT_THAT(decoded->refused.reason, HasSubstr("stream 3 entry 5: must be an array"));
}

TEST(LokiJsonPushTest, StringsAreBytesEvenWhenNotUtf8) {
  // Raw bytes that are not UTF-8 (a Go client building a string from []byte sends them as they
  // are), escapes, a surrogate pair, and a lone surrogate (kept as its 3-byte form).
  auto decoded = DecodeLokiJsonPush(
      "{\"streams\": [{\"stream\": {\"service\": \"t4\xff\"},"
      " \"values\": [[\"1700000000000000000\", \"raw \xc3\x28 \\u00e9\\ud83d\\ude00 "
      "\\ud800!\"]]}]}");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_THAT(Labels(decoded->streams[0]), ElementsAre(Label{"service", "t4\xff"}));
  EXPECT_THAT(decoded->streams[0].entries,
              ElementsAre(store::LogEntry{1700000000000000000,
                                          "raw \xc3\x28 \xc3\xa9\xf0\x9f\x98\x80 \xed\xa0\x80!"}));
}

TEST(LokiJsonPushTest, MalformedJsonIsNamedWithItsPosition) {
  struct Case {
    std::string body, message;
  };
  for (const Case& c : std::vector<Case>{
           {"{\"streams\": [1,]}", "line 1, column 16: expected a value, found \"]}\""},
           {"{\"streams\":\n \"a\tb\"}", "line 2, column 4: expected an escape"},
           {"{\"streams\": [\"\\x\"]}", "expected an escape"},
           {"{\"a\": 1} x", "expected the end of the document"},
           {"{\"a\": 01}", "expected ',' or '}'"},
           {std::string(200, '[') + std::string(200, ']'), "at most 100 levels of nesting"},
           {"{\"a\": \"\xff", "closing the string, found the end of the body"}}) {
    auto decoded = DecodeLokiJsonPush(c.body);
    ASSERT_FALSE(decoded.ok()) << c.body;
    EXPECT_THAT(Message(decoded.status()), HasSubstr("not valid JSON: "));
    EXPECT_THAT(Message(decoded.status()), HasSubstr(c.message)) << c.body;
  }
}

std::string SnappyProto(const logproto::PushRequest& request) {
  std::string raw = request.SerializeAsString();
  std::string compressed;
  snappy::Compress(raw.data(), raw.size(), &compressed);
  return compressed;
}

void AddEntry(logproto::StreamAdapter* stream, int64_t seconds, int32_t nanos, std::string line) {
  logproto::EntryAdapter* e = stream->add_entries();
  e->mutable_timestamp()->set_seconds(seconds);
  e->mutable_timestamp()->set_nanos(nanos);
  e->set_line(std::move(line));
}

TEST(LokiProtoPushTest, DecodesSnappyProtobuf) {
  logproto::PushRequest request;
  logproto::StreamAdapter* a = request.add_streams();
  a->set_labels(R"({job="api", host="web1"})");
  AddEntry(a, 1700000000, 5, "first");
  AddEntry(a, 1700000001, 999999999, "second");
  logproto::StreamAdapter* b = request.add_streams();
  b->set_labels(R"({job="db"})");
  b->set_hash(42);
  auto decoded = DecodeLokiProtoPush(SnappyProto(request), 1 << 20);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->protocol, "loki_proto");
  EXPECT_EQ(decoded->refused.count, 0u);
  ASSERT_EQ(decoded->streams.size(), 2u);
  EXPECT_THAT(Labels(decoded->streams[0]), ElementsAre(Label{"host", "web1"}, Label{"job", "api"}));
  EXPECT_THAT(decoded->streams[0].entries,
              ElementsAre(store::LogEntry{1700000000000000005, "first"},
                          store::LogEntry{1700000001999999999, "second"}));
  EXPECT_THAT(Labels(decoded->streams[1]), ElementsAre(Label{"job", "db"}));
}

TEST(LokiProtoPushTest, KeepsLineBytesThatAreNotUtf8) {
  // Hand-written wire bytes: the generated class would refuse to serialise a non-UTF-8 string.
  std::string line = "caf\xe9 \xff\xfe end";
  std::string entry = "\x0a\x06\x08\x80\xe2\xcf\xaa\x06" + std::string("\x12") +
                      static_cast<char>(line.size()) + line;
  std::string labels = "{a=\"b\"}";
  std::string stream = "\x0a" + std::string(1, static_cast<char>(labels.size())) + labels + "\x12" +
                       static_cast<char>(entry.size()) + entry;
  std::string raw = "\x0a" + std::string(1, static_cast<char>(stream.size())) + stream;
  std::string body;
  snappy::Compress(raw.data(), raw.size(), &body);
  auto decoded = DecodeLokiProtoPush(body, 1 << 20);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->streams.size(), 1u);
  EXPECT_THAT(decoded->streams[0].entries,
              ElementsAre(store::LogEntry{1700000000LL * 1'000'000'000, line}));
}

TEST(LokiProtoPushTest, KeepsValidStreamsBesideInvalidOnes) {
  logproto::PushRequest request;
  logproto::StreamAdapter* bad = request.add_streams();
  bad->set_labels("{job=api}");
  AddEntry(bad, 1700000000, 0, "refused with its stream");
  logproto::StreamAdapter* good = request.add_streams();
  good->set_labels(R"({job="ok"})");
  AddEntry(good, 1700000000, 0, "kept");
  AddEntry(good, 1700000000, -1, "negative nanos");
  AddEntry(good, 9223372037, 0, "after 2262");
  auto decoded = DecodeLokiProtoPush(SnappyProto(request), 1 << 20);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->streams.size(), 2u);
  EXPECT_FALSE(decoded->streams[0].labels.ok());
  EXPECT_EQ(decoded->streams[0].entries.size(), 1u);
  EXPECT_THAT(decoded->streams[1].entries,
              ElementsAre(store::LogEntry{1700000000000000000, "kept"}));
  EXPECT_EQ(decoded->refused.count, 2u);
  EXPECT_THAT(decoded->refused.reason, HasSubstr("stream 1 entry 1: timestamp"));
  EXPECT_THAT(decoded->refused.reason, HasSubstr("out of range"));
}

TEST(LokiProtoPushTest, RefusesBodiesThatAreNotSnappyProtobuf) {
  auto not_snappy = DecodeLokiProtoPush("\xff\xff\xff\xff\xff\xff", 1 << 20);
  ASSERT_FALSE(not_snappy.ok());
  EXPECT_THAT(Message(not_snappy.status()), HasSubstr("snappy"));

  std::string garbage = "\x0a\x7f\x01\x02", body;
  snappy::Compress(garbage.data(), garbage.size(), &body);
  auto truncated = DecodeLokiProtoPush(body, 1 << 20);
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(Message(truncated.status()), HasSubstr("not a valid logproto.PushRequest"));

  std::string big(4096, 'x');
  snappy::Compress(big.data(), big.size(), &body);
  auto too_big = DecodeLokiProtoPush(body, 1000);
  ASSERT_FALSE(too_big.ok());
  EXPECT_THAT(Message(too_big.status()), HasSubstr("above the limit of 1000"));
}

std::string GzipOf(std::string_view data) {
  namespace zlib = boost::beast::zlib;
  zlib::deflate_stream deflater;
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  std::string body(data.size() + 1024, '\0');
  zlib::z_params zs;
  zs.next_in = data.data();
  zs.avail_in = data.size();
  zs.next_out = body.data();
  zs.avail_out = body.size();
  boost::system::error_code ec;
  deflater.write(zs, zlib::Flush::finish, ec);
  body.resize(zs.total_out);
  boost::crc_32_type crc;
  crc.process_bytes(data.data(), data.size());
  out += body;
  for (uint32_t v : {static_cast<uint32_t>(crc.checksum()), static_cast<uint32_t>(data.size())}) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  }
  return out;
}

TEST(GunzipTest, RoundTripsAndBoundsTheOutput) {
  std::string text(100000, 'a');
  text += "the end";
  auto plain = Gunzip(GzipOf(text), 1 << 20);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, text);
  auto bounded = Gunzip(GzipOf(text), 1000);
  ASSERT_FALSE(bounded.ok());
  EXPECT_THAT(Message(bounded.status()), HasSubstr("more than 1000 bytes"));
}

TEST(GunzipTest, BoundsTheRatioAndTheBudgetWhileInflating) {
  std::string text(4 << 20, 'a');
  std::string gz = GzipOf(text);
  std::string lying = gz;  // The trailer claims 10 bytes.
  for (int i = 0; i < 4; ++i) lying[lying.size() - 4 + i] = static_cast<char>(10u >> (8 * i));
  for (const std::string& body : {gz, lying}) {
    auto ratio = Gunzip(body, {.max_bytes = 64 << 20, .max_ratio = 100});
    EXPECT_TRUE(absl::IsOutOfRange(ratio.status())) << ratio.status();
    EXPECT_THAT(Message(ratio.status()), HasSubstr("--max-decompression-ratio"));
  }
  size_t reserved = 0;
  auto budget = [&](size_t n) {
    reserved += n;
    return reserved <= (1 << 20);
  };
  auto busy = Gunzip(lying, {.max_bytes = 64 << 20, .reserve = budget});
  EXPECT_TRUE(absl::IsResourceExhausted(busy.status())) << busy.status();
  // An honest trailer sizes the one buffer, reserved once before inflating.
  reserved = 0;
  std::string small(300000, 'b');
  auto honest = Gunzip(GzipOf(small), {.max_bytes = 1 << 20, .reserve = budget});
  ASSERT_TRUE(honest.ok()) << honest.status();
  EXPECT_EQ(*honest, small);
  EXPECT_EQ(reserved, small.size() + 1);
}

TEST(GunzipTest, RefusesCorruptData) {
  std::string gz = GzipOf("hello, gzip");
  EXPECT_FALSE(Gunzip("plain text", 100).ok());
  EXPECT_FALSE(Gunzip(gz.substr(0, gz.size() - 3), 100).ok());
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 8] ^= 1;
  auto crc = Gunzip(bad_crc, 100);
  ASSERT_FALSE(crc.ok());
  EXPECT_THAT(Message(crc.status()), HasSubstr("CRC-32"));
}

}  // namespace
}  // namespace vigie::server::http
