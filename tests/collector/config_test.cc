#include "collector/config.h"

#include <gtest/gtest.h>

namespace vigie::collector {
namespace {

TEST(CollectorConfigTest, ParsesTheDocumentedExample) {
  auto config = ParseConfig(R"(
server: 10.0.0.1:4317
labels: {env: prod}
inputs:
  - type: file
    paths: ["/var/log/nginx/*.log", "/srv/app/logs/**/*.log"]
    exclude: ["*.gz"]
    labels: {service: front}
    multiline: {start: '^\d{4}-\d{2}-\d{2}', timeout: 2s}
  - type: syslog
    listen: ["udp://127.0.0.1:5514", "tcp://127.0.0.1:5514"]
spool: {path: /var/lib/vigie-collector/spool, max_bytes: 1GiB}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->shipper.server, "10.0.0.1:4317");
  EXPECT_EQ(config->labels, (std::vector<Label>{{"env", "prod"}}));
  ASSERT_EQ(config->files.sources.size(), 1u);
  const FileSource& f = config->files.sources[0];
  EXPECT_EQ(f.name, "file-0");
  EXPECT_EQ(f.paths.size(), 2u);
  EXPECT_EQ(f.exclude, std::vector<std::string>{"*.gz"});
  EXPECT_EQ(f.multiline_start, R"(^\d{4}-\d{2}-\d{2})");
  EXPECT_EQ(f.multiline_timeout, std::chrono::seconds(2));
  ASSERT_EQ(config->syslogs.size(), 1u);
  EXPECT_EQ(config->syslogs[0].name, "syslog-1");
  EXPECT_EQ(config->spool.max_bytes, 1ull << 30);
  EXPECT_EQ(config->spool.dir, "/var/lib/vigie-collector/spool");
}

TEST(CollectorConfigTest, ParsesStatsdAndGraphiteInputs) {
  auto config = ParseConfig(R"(
inputs:
  - type: statsd
    listen: ["udp://127.0.0.1:8125"]
    flush: 10s
    percentiles: [50, 90, 99.9]
    delete_idle_after: 1m
    labels: {team: ops}
  - type: graphite
    name: carbon
    listen: ["tcp://127.0.0.1:2003", "udp://127.0.0.1:2003"]
batch: {max_samples: 5000}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->statsds.size(), 1u);
  const StatsdSource& s = config->statsds[0];
  EXPECT_EQ(s.name, "statsd-0");
  EXPECT_EQ(s.flush, std::chrono::seconds(10));
  EXPECT_EQ(s.aggregate.percentiles, (std::vector<double>{50, 90, 99.9}));
  EXPECT_EQ(s.aggregate.delete_idle_after_ms, 60000);
  EXPECT_EQ(s.aggregate.labels, (std::vector<Label>{{"team", "ops"}}));
  ASSERT_EQ(config->graphites.size(), 1u);
  EXPECT_EQ(config->graphites[0].name, "carbon");
  EXPECT_EQ(config->graphites[0].listen.size(), 2u);
  EXPECT_EQ(config->batch.max_samples, 5000u);
}

TEST(CollectorConfigTest, StatsdAndGraphiteErrorsNameTheKey) {
  auto error = [](const char* yaml) { return std::string(ParseConfig(yaml).status().message()); };
  EXPECT_EQ(error("inputs: [{type: statsd, listen: [\"udp://127.0.0.1:1\"], percentile: [9]}]"),
            "inputs[0].percentile: unknown key");
  EXPECT_EQ(
      error("inputs: [{type: statsd, listen: [\"udp://127.0.0.1:1\"], percentiles: [90, x]}]"),
      "inputs[0].percentiles[1]: expected a number");
  EXPECT_EQ(error("inputs: [{type: statsd, listen: [\"udp://127.0.0.1:1\"], percentiles: [0]}]"),
            "input statsd-0 percentiles: 0 is not in (0, 100]");
  EXPECT_EQ(error("inputs: [{type: statsd, listen: [\"udp://127.0.0.1:1\"], flush: 1ms}]"),
            "input statsd-0 flush: must be at least 100ms");
  EXPECT_EQ(error("inputs: [{type: statsd}]"), "input statsd-0: needs listen addresses");
  EXPECT_EQ(error("inputs: [{type: graphite, listen: [\"http://127.0.0.1:1\"]}]"),
            "input graphite-0: listen \"http://127.0.0.1:1\": expected udp:// or tcp://");
  EXPECT_EQ(error("inputs: [{type: graphite, listen: [\"tcp://127.0.0.1:1\"], "
                  "labels: {__x: y}}]"),
            "input graphite-0: label name \"__x\" is reserved: names starting with __ are "
            "internal (as in Loki)");
  EXPECT_EQ(error("batch: {max_samples: 0}"), "batch.max_samples: 0 is out of range [1, 10000000]");
}

TEST(CollectorConfigTest, ErrorsNameTheKey) {
  auto error = [](const char* yaml) { return std::string(ParseConfig(yaml).status().message()); };
  EXPECT_EQ(error("sever: x"), "sever: unknown key");
  EXPECT_EQ(error("inputs: [{type: file, paths: [a], multiline: {strat: x}}]"),
            "inputs[0].multiline.strat: unknown key");
  EXPECT_EQ(error("inputs: [{type: tape}]"),
            "inputs[0]: type \"tape\": expected file, syslog, statsd, graphite, scrape or host");
  EXPECT_NE(
      error("inputs: [{type: file, paths: [a], multiline: {start: '('}}]").find("multiline start"),
      std::string::npos);
  EXPECT_EQ(error("labels: {__name__: x}"),
            "labels: label name \"__name__\" is reserved: names starting with __ are internal (as "
            "in Loki)");
  EXPECT_EQ(error("inputs: [{type: file, paths: [a], labels: {__path__: x}}]"),
            "input file-0: label name \"__path__\" is reserved: names starting with __ are "
            "internal (as in Loki)");
  EXPECT_EQ(error("labels: {service: \"t4\xff\"}"),
            "labels: label service: value \"t4\\xff\" is not valid UTF-8 (byte 2)");
  EXPECT_NE(error("labels: {1x: y}").find("invalid"), std::string::npos);
  EXPECT_NE(error("spool: {max_bytes: lots}").find("size \"lots\""), std::string::npos);
  EXPECT_NE(error("inputs: [{type: syslog, listen: [\"127.0.0.1:514\"]}]").find("udp://"),
            std::string::npos);
  EXPECT_NE(error("batch: {max_age: soon}").find("duration"), std::string::npos);
  EXPECT_NE(error("inputs: [").find("configuration"), std::string::npos);
}

TEST(CollectorConfigTest, Sizes) {
  EXPECT_EQ(ParseBytes("1GiB").value(), 1ull << 30);
  EXPECT_EQ(ParseBytes("256KiB").value(), 256u * 1024);
  EXPECT_EQ(ParseBytes("500MB").value(), 500'000'000u);
  EXPECT_EQ(ParseBytes("1.5MiB").value(), 3u << 19);
  EXPECT_EQ(ParseBytes("4096").value(), 4096u);
  EXPECT_FALSE(ParseBytes("-1").ok());
  EXPECT_FALSE(ParseBytes("1 parsec").ok());
}

TEST(CollectorConfigTest, DefaultsWithoutAFile) {
  CollectorConfig config = DefaultConfig();
  EXPECT_TRUE(Validate(config).ok());
  EXPECT_EQ(config.shipper.server, "127.0.0.1:4317");
  EXPECT_EQ(config.metrics_listen, "127.0.0.1:9471");
  ASSERT_EQ(config.files.sources.size(), 1u);
  EXPECT_EQ(config.files.sources[0].paths,
            (std::vector<std::string>{"/var/log/*.log", "/var/log/syslog", "/var/log/messages"}));
  ASSERT_EQ(config.syslogs.size(), 1u);
  EXPECT_EQ(config.syslogs[0].listen,
            (std::vector<std::string>{"udp://127.0.0.1:5514", "tcp://127.0.0.1:5514"}));
}

}  // namespace
}  // namespace vigie::collector
