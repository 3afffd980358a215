// Syslog parsing, framing, and the entries made from messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collector/inputs/syslog_entries.h"
#include "collector/inputs/syslog_framing.h"
#include "collector/inputs/syslog_parse.h"
#include "tests/collector/recording_sink.h"

namespace vigie::collector {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kNow = 1714564800LL * 1'000'000'000;  // 2024-05-01T12:00:00Z

TEST(CollectorSyslogParseTest, Rfc5424) {
  auto m = ParseSyslog(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"Appl\\]ication\"][x@1 a=\"b\"] "
      "\xEF\xBB\xBF"
      "An application event",
      kNow);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->rfc5424);
  EXPECT_EQ(m->facility, 20);
  EXPECT_EQ(m->severity, 5);
  EXPECT_EQ(m->ts_ns, 1065910455003000000LL);
  EXPECT_EQ(m->hostname, "mymachine.example.com");
  EXPECT_EQ(m->app_name, "evntslog");
  EXPECT_EQ(m->procid, "1234");
  EXPECT_EQ(m->msgid, "ID47");
  EXPECT_EQ(m->structured_data,
            "[exampleSDID@32473 iut=\"3\" eventSource=\"Appl\\]ication\"][x@1 a=\"b\"]");
  EXPECT_EQ(m->msg, "An application event");
}

TEST(CollectorSyslogParseTest, Rfc5424NilValuesAndOffsets) {
  auto m = ParseSyslog("<13>1 2024-05-01T14:00:00.5+02:00 - - - - -", kNow);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ts_ns, kNow + 500'000'000);
  EXPECT_TRUE(m->hostname.empty());
  EXPECT_TRUE(m->app_name.empty());
  EXPECT_TRUE(m->msg.empty());
  m = ParseSyslog("<13>1 - host app - - - text", kNow);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ts_ns, 0);
  EXPECT_EQ(m->msg, "text");
}

TEST(CollectorSyslogParseTest, Rfc5424BrokenIsAnError) {
  EXPECT_FALSE(ParseSyslog("<13>1 yesterday host app - - - text", kNow));
  EXPECT_FALSE(ParseSyslog("<13>1 2024-05-01T12:00:00Z host", kNow));
  EXPECT_FALSE(ParseSyslog("<13>1 2024-05-01T12:00:00Z h a p m [unclosed x=\"y\"", kNow));
  EXPECT_FALSE(ParseSyslog("no pri at all", kNow));
  EXPECT_FALSE(ParseSyslog("<192>too big", kNow));
  EXPECT_FALSE(ParseSyslog("<1x>bad", kNow));
  // Beyond what int64 nanoseconds hold (found by the fuzzer under UBSan): an error, not garbage.
  EXPECT_FALSE(ParseSyslog("<13>1 9999-05-01T12:00:00Z host app - - - text", kNow));
  EXPECT_FALSE(ParseSyslog("<13>1 0001-05-01T12:00:00Z host app - - - text", kNow));
}

TEST(CollectorSyslogParseTest, Rfc3164Lenient) {
  auto m = ParseSyslog("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed", kNow);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->rfc5424);
  EXPECT_EQ(m->facility, 4);
  EXPECT_EQ(m->severity, 2);
  EXPECT_NE(m->ts_ns, 0);
  EXPECT_LT(m->ts_ns, kNow);  // October is in the past of a May "now": the year before.
  EXPECT_EQ(m->hostname, "mymachine");
  EXPECT_EQ(m->app_name, "su");
  EXPECT_EQ(m->procid, "230");
  EXPECT_EQ(m->msg, "'su root' failed");

  m = ParseSyslog("<13>May  1 11:59:00 sshd: no host here", kNow);  // Hostname left out.
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->hostname.empty());
  EXPECT_EQ(m->app_name, "sshd");
  EXPECT_EQ(m->msg, "no host here");

  m = ParseSyslog("<13>just text, no header", kNow);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ts_ns, 0);
  EXPECT_TRUE(m->app_name.empty());
  EXPECT_EQ(m->msg, "just text, no header");

  m = ParseSyslog("<30>2024-05-01T11:00:00.123456+00:00 web1 nginx[9]: GET /", kNow);
  ASSERT_TRUE(m);  // rsyslog's high-precision timestamps in the RFC 3164 layout.
  EXPECT_EQ(m->ts_ns, kNow - 3600LL * 1'000'000'000 + 123456000);
  EXPECT_EQ(m->hostname, "web1");
  EXPECT_EQ(m->app_name, "nginx");
}

TEST(CollectorSyslogParseTest, Names) {
  EXPECT_EQ(FacilityName(0), "kern");
  EXPECT_EQ(FacilityName(23), "local7");
  EXPECT_EQ(FacilityName(24), "");
  EXPECT_EQ(SeverityName(3), "err");
}

std::vector<std::string> Frame(const std::vector<std::string>& chunks, size_t cap = 1000) {
  std::vector<std::string> out;
  SyslogFramer framer(cap);
  auto emit = [&](std::string_view m, bool) { out.emplace_back(m); };
  for (const std::string& c : chunks) framer.Feed(c, emit);
  framer.Finish(emit);
  return out;
}

TEST(CollectorSyslogFramingTest, OctetCountingAcrossReads) {
  std::string a = "<13>1 - h a - - - one", b = "<13>1 - h a - - - two\nwith newline";
  std::string stream = std::to_string(a.size()) + " " + a + std::to_string(b.size()) + " " + b;
  for (size_t split = 0; split < stream.size(); ++split) {
    EXPECT_THAT(Frame({stream.substr(0, split), stream.substr(split)}), ElementsAre(a, b)) << split;
  }
}

TEST(CollectorSyslogFramingTest, LineFeedFraming) {
  EXPECT_THAT(Frame({"<13>one\r\n<13>tw", "o\n\n<13>three"}),
              ElementsAre("<13>one", "<13>two", "<13>three"));
}

TEST(CollectorSyslogFramingTest, BrokenLengthFallsBackToLines) {
  EXPECT_THAT(Frame({"12abc def\n<13>next\n"}), ElementsAre("12abc def", "<13>next"));
}

TEST(CollectorSyslogFramingTest, LongFramesAreCut) {
  std::string body(5000, 'q');
  auto out = Frame({"5000 " + body + "5 <13>x"}, 1000);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_LE(out[0].size(), 1000u);
  EXPECT_NE(out[0].find("[truncated"), std::string::npos);
  EXPECT_EQ(out[1], "<13>x");
}

TEST(CollectorSyslogEntriesTest, LabelsLineAndTime) {
  testing::RecordingSink sink;
  Metrics metrics;
  SyslogEntries entries({{"env", "prod"}}, "collector-host", &sink,
                        metrics.ForInput("s", "syslog"));
  entries.Handle("<165>1 2003-10-11T22:14:15.003Z web1 app1 - - [a@1 k=\"v\"] hello\n", false, "",
                 kNow);
  entries.Handle("<13>plain message", false, "", kNow);
  entries.Handle("garbage without pri", false, "10.0.0.7", kNow);
  auto e = sink.entries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].labels, (std::map<std::string, std::string>{{"app", "app1"},
                                                             {"env", "prod"},
                                                             {"facility", "local4"},
                                                             {"host", "web1"},
                                                             {"severity", "notice"}}));
  EXPECT_EQ(e[0].line, "[a@1 k=\"v\"] hello");
  EXPECT_EQ(e[0].ts_ns, 1065910455003000000LL);
  EXPECT_EQ(e[1].labels.at("host"), "collector-host");
  EXPECT_FALSE(e[1].labels.contains("app"));
  EXPECT_EQ(e[1].ts_ns, kNow);
  EXPECT_EQ(e[2].labels, (std::map<std::string, std::string>{
                             {"env", "prod"}, {"host", "10.0.0.7"}, {"parse_error", "true"}}));
  EXPECT_EQ(e[2].line, "garbage without pri");
  EXPECT_EQ(metrics.ForInput("s", "syslog").parse_errors.Value(), 1);
}

TEST(CollectorSyslogEntriesTest, ConfiguredLabelsWinOverTheMessages) {
  testing::RecordingSink sink;
  Metrics metrics;
  SyslogEntries entries({{"host", "configured"}, {"app", ""}}, "collector-host", &sink,
                        metrics.ForInput("s", "syslog"));
  entries.Handle("<165>1 2003-10-11T22:14:15.003Z web1 app1 - - - hello\n", false, "", kNow);
  auto e = sink.entries();
  ASSERT_EQ(e.size(), 1u);
  // An empty value removes the automatic label.
  EXPECT_EQ(e[0].labels,
            (std::map<std::string, std::string>{
                {"facility", "local4"}, {"host", "configured"}, {"severity", "notice"}}));
}

}  // namespace
}  // namespace vigie::collector
