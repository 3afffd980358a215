// The scrape and host inputs end to end, against real peers on loopback: Debian's
// prometheus-node-exporter 1.5, a prom-client app (tests/npm/scrape/app.js) and Prometheus 2.42
// scraping the same targets. What vigied stores (read through its Prometheus HTTP API) must be
// what Prometheus stores (read through its own), at the same timestamps.
#include <unistd.h>

#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "collector/inputs/scrape_input.h"
#include "common/prometheus/exposition.h"
#include "tests/collector/integration_fixture.h"
#include "tests/http/http_client.h"
#include "tests/integration/prometheus_peer.h"

namespace vigie::collector::testing {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;
using vigie::testing::ChildProcess;
using vigie::testing::FreeLoopbackPort;
using vigie::testing::HttpCall;
using vigie::testing::HttpReply;
using vigie::testing::PrometheusServer;
using vigie::testing::QueryString;

// An instant vector as the tests compare it: the series' labels ({a="b", ...}) -> value as
// the API prints it.
using Vector = std::map<std::string, std::string>;

std::string LabelsOf(const Json& metric) {
  std::vector<Label> labels;
  for (const auto& [name, value] : metric.items())
    labels.push_back({name, value.get<std::string>()});
  absl::StatusOr<LabelSet> set = LabelSet::Make(labels);
  return set.ok() ? set->ToString() : "<invalid>";
}

// `query` at `time` (seconds) through /api/v1/query; scrape_* report series are left out (their
// values are each scraper's own).
Vector Instant(const std::string& address, const std::string& query, int64_t time) {
  HttpReply reply =
      HttpCall(address, "GET",
               "/api/v1/query?" + QueryString({{"query", query}, {"time", std::to_string(time)}}));
  Json body = Json::parse(reply.body, nullptr, false);
  Vector out;
  if (!body.is_object() || body.value("status", "") != "success") {
    out["<error>"] = reply.body.substr(0, 300);
    return out;
  }
  for (const Json& s : body["data"]["result"]) {
    std::string name = s["metric"].value("__name__", "");
    if (name.starts_with("scrape_")) continue;
    out[LabelsOf(s["metric"])] = s["value"][1].get<std::string>();
  }
  return out;
}

std::set<std::string> Keys(const Vector& v) {
  std::set<std::string> keys;
  for (const auto& [k, value] : v) keys.insert(k);
  return keys;
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Waits until `address` answers GET /metrics.
bool Answers(const std::string& address) {
  return WaitFor([&] { return HttpCall(address, "GET", "/metrics").status == 200; }, seconds(30));
}

class ScrapeIntegrationTest : public CollectorIntegrationTest {
 protected:
  void StartNodeExporter() {
    node_address_ = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
    node_exporter_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/prometheus-node-exporter",
                                 "--web.listen-address=" + node_address_},
        Path("node_exporter.log"));
    ASSERT_TRUE(Answers(node_address_)) << node_exporter_->Log();
  }
  void StartApp() {
    std::string port_file = Path("app.port");
    app_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/node",
                                 vigie::testing::TestDataPath("../npm/scrape/app.js"), port_file},
        Path("app.log"));
    ASSERT_TRUE(WaitFor(
        [&] {
          std::ifstream in(port_file);
          std::string port;
          if (!(in >> port)) return false;
          app_address_ = "127.0.0.1:" + port;
          return true;
        },
        seconds(30)))
        << app_->Log() << " (scripts/setup.sh runs npm ci in tests/npm/scrape)";
    ASSERT_TRUE(Answers(app_address_)) << app_->Log();
  }
  // The collector scraping every target of `targets` ({job: address}) every second, host
  // metrics off.
  void StartScrapingCollector(const std::map<std::string, std::string>& targets) {
    std::string yaml =
        "batch: {max_age: 200ms}\ninputs:\n  - type: host\n    enabled: false\n"
        "  - type: scrape\n    interval: 1s\n    timeout: 1s\n    targets:\n";
    for (const auto& [job, address] : targets) {
      yaml += "      - {url: \"http://" + address + "/metrics\", labels: {job: " + job + "}}\n";
    }
    StartCollector(yaml);
  }
  void StartPrometheus(const std::map<std::string, std::string>& targets) {
    std::string configs;
    for (const auto& [job, address] : targets) {
      configs +=
          "  - job_name: " + job + "\n    static_configs: [{targets: ['" + address + "']}]\n";
    }
    std::filesystem::create_directories(Path("prometheus"));
    prometheus_ = PrometheusServer::Scraping(Path("prometheus"), configs);
    prometheus_->Start();
  }
  // True once both vigied and Prometheus have `up` of `job` equal to `value` at now.
  bool BothUp(const std::string& job, const std::string& value) {
    std::string query = "up{job=\"" + job + "\"}";
    return WaitFor(
        [&] {
          int64_t now = NowSeconds();
          Vector ours = Instant(server_->http_address(), query, now);
          Vector theirs = Instant(prometheus_->address(), query, now);
          return ours.size() == 1 && theirs.size() == 1 && ours.begin()->second == value &&
                 theirs.begin()->second == value;
        },
        seconds(30));
  }
  std::string Diagnosis() {
    return "collector:\n" + collector_->Log() + "\nprometheus:\n" + prometheus_->Log();
  }

  std::string node_address_, app_address_;
  std::unique_ptr<ChildProcess> node_exporter_, app_;
  std::unique_ptr<PrometheusServer> prometheus_;
};

TEST_F(ScrapeIntegrationTest, StoresWhatPrometheusStoresFromNodeExporterAndPromClient) {
  StartNodeExporter();
  StartApp();
  std::map<std::string, std::string> targets = {{"node", node_address_}, {"app", app_address_}};
  StartPrometheus(targets);
  StartScrapingCollector(targets);
  ASSERT_TRUE(BothUp("app", "1")) << Diagnosis();
  ASSERT_TRUE(BothUp("node", "1")) << Diagnosis();
  // A second that both have scraped past (each scrapes every second).
  std::this_thread::sleep_for(seconds(2));
  int64_t t = NowSeconds() - 1;

  // Everything of the app (its values do not change): counter, gauge, histogram, summary, with
  // escaped label values.
  Vector app = Instant(prometheus_->address(), "{job=\"app\"}", t);
  EXPECT_GE(app.size(), 15u);
  EXPECT_EQ(Instant(server_->http_address(), "{job=\"app\"}", t), app);
  // node_exporter: the same series, and the same values for what does not move.
  Vector node = Instant(prometheus_->address(), "{job=\"node\"}", t);
  EXPECT_GE(node.size(), 100u);
  EXPECT_EQ(Keys(Instant(server_->http_address(), "{job=\"node\"}", t)), Keys(node));
  // HELP and TYPE reach /api/v1/metadata as Prometheus reports them.
  for (const char* metric :
       {"app_request_duration_seconds", "app_response_bytes", "app_queue_depth"}) {
    std::string path = "/api/v1/metadata?" + QueryString({{"metric", metric}});
    Json theirs = Json::parse(HttpCall(prometheus_->address(), "GET", path).body, nullptr, false);
    Json ours = Json::parse(HttpCall(server_->http_address(), "GET", path).body, nullptr, false);
    EXPECT_FALSE(theirs["data"][metric].empty()) << theirs.dump();
    EXPECT_EQ(ours["data"][metric], theirs["data"][metric]) << metric;
  }
  for (const char* query :
       {"node_memory_MemTotal_bytes", "node_filesystem_size_bytes", "node_boot_time_seconds",
        "node_uname_info", "node_exporter_build_info", "up"}) {
    Vector theirs = Instant(prometheus_->address(), query, t);
    EXPECT_FALSE(theirs.empty()) << query;
    EXPECT_EQ(Instant(server_->http_address(), query, t), theirs) << query;
  }
}

TEST_F(ScrapeIntegrationTest, TargetDownMakesItsSeriesStale) {
  StartApp();
  std::map<std::string, std::string> targets = {{"app", app_address_}};
  StartPrometheus(targets);
  StartScrapingCollector(targets);
  ASSERT_TRUE(BothUp("app", "1")) << Diagnosis();
  EXPECT_FALSE(Instant(server_->http_address(), "app_queue_depth", NowSeconds()).empty());
  app_.reset();  // SIGKILL: the target goes away.
  ASSERT_TRUE(BothUp("app", "0")) << Diagnosis();
  // Without staleness markers the last value would be returned for 5 minutes.
  std::this_thread::sleep_for(seconds(1));
  int64_t t = NowSeconds();
  EXPECT_EQ(Instant(prometheus_->address(), "app_queue_depth", t), Vector());
  EXPECT_EQ(Instant(server_->http_address(), "app_queue_depth", t), Vector());
  EXPECT_EQ(Instant(server_->http_address(), "count({job=\"app\"})", t),
            Instant(prometheus_->address(), "count({job=\"app\"})", t));
}

TEST_F(ScrapeIntegrationTest, MalformedLinesAreCountedAndTheirNeighboursKept) {
  vigie::testing::TestExporter exporter([](int) {
    return std::string(
        "# TYPE good_total counter\n"
        "good_total{a=\"1\"} 10\n"
        "broken{a=\"1\" 5\n"
        "good_gauge 7\n"
        "bad_value{a=\"2\"} seven\n");
  });
  StartScrapingCollector({{"odd", exporter.address()}});
  ASSERT_TRUE(WaitFor(
      [&] {
        return collector_->Metric(
                   "vigie_collector_input_malformed_total{input=\"scrape-1\","
                   "type=\"scrape\"}") >= 2;
      },
      seconds(30)))
      << collector_->Log();
  ASSERT_TRUE(WaitFor(
      [&] { return Instant(server_->http_address(), "good_gauge", NowSeconds()).size() == 1; },
      seconds(30)))
      << collector_->Log();
  int64_t t = NowSeconds();
  std::string instance = exporter.address();
  EXPECT_EQ(
      Instant(server_->http_address(), "{job=\"odd\"}", t),
      (Vector{
          {"{__name__=\"good_gauge\", instance=\"" + instance + "\", job=\"odd\"}", "7"},
          {"{__name__=\"good_total\", a=\"1\", instance=\"" + instance + "\", job=\"odd\"}", "10"},
          {"{__name__=\"up\", instance=\"" + instance + "\", job=\"odd\"}", "1"}}));
  EXPECT_NE(collector_->Log().find("line 3: expected ',' or '}' after the value of label a"),
            std::string::npos)
      << collector_->Log();
}

// An exposition of `series` gauges `name`{i="0"...} whose value is the scrape's number.
std::function<std::string(int)> Gauges(const std::string& name, int series) {
  return [=](int n) {
    std::string body = "# TYPE " + name + " gauge\n";
    for (int i = 0; i < series; ++i) {
      body += name + "{i=\"" + std::to_string(i) + "\"} " + std::to_string(n) + "\n";
    }
    return body;
  };
}

TEST_F(ScrapeIntegrationTest, EveryScrapeIsStoredWholeOrNotAtAllAcrossKill9) {
  // 2,000 series whose value is the scrape's number: one scrape, one value everywhere.
  constexpr int kSeries = 2000;
  vigie::testing::TestExporter exporter(Gauges("burst", kSeries));
  StartCollector(
      "batch: {max_age: 100ms}\ninputs:\n  - {type: host, enabled: false}\n"
      "  - type: scrape\n    interval: 200ms\n    timeout: 200ms\n    targets: [{url: "
      "\"http://" +
      exporter.address() + "/metrics\", labels: {job: burst}}]\n");
  for (int kill = 0; kill < 4; ++kill) {
    int scrapes = exporter.scrapes();
    ASSERT_TRUE(WaitFor([&] { return exporter.scrapes() >= scrapes + 3 + kill; }, seconds(30)));
    // Mid-way through a scrape's way to vigied: parsed, batched, spooled or in flight.
    std::this_thread::sleep_for(std::chrono::milliseconds(37 * kill));
    collector_->Kill9();
    collector_->Start();
  }
  int scrapes = exporter.scrapes();
  ASSERT_TRUE(WaitFor([&] { return exporter.scrapes() >= scrapes + 3; }, seconds(30)));
  collector_->Stop();  // Drains what it has.
  ASSERT_TRUE(WaitFor(
      [&] {
        return Instant(server_->http_address(), "count(burst)", NowSeconds()) ==
               Vector{{"{}", std::to_string(kSeries)}};
      },
      seconds(30)));

  // Everything the target's scrapes stored, read in one query (one view of the store) at one
  // instant after the last scrape, to the millisecond: two queries at whole seconds could see
  // different scrapes (those of the second between them).
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  HttpReply reply =
      HttpCall(server_->http_address(), "GET",
               "/api/v1/query?" +
                   QueryString({{"query", "{job=\"burst\",__name__=~\"burst|up\"}[10m]"},
                                {"time", std::to_string(static_cast<double>(now_ms) / 1000)}}));
  Json body = Json::parse(reply.body, nullptr, false);
  ASSERT_TRUE(body.is_object() && body.value("status", "") == "success") << reply.body;
  std::vector<const Json*> bursts;
  std::set<double> up_times;  // The scrapes that stored up=1.
  for (const Json& series : body["data"]["result"]) {
    if (series["metric"].value("__name__", "") == "burst") {
      bursts.push_back(&series["values"]);
      continue;
    }
    for (const Json& point : series["values"]) {
      if (point[1] == "1") up_times.insert(point[0].get<double>());
    }
  }
  ASSERT_EQ(bursts.size(), static_cast<size_t>(kSeries));
  // Every series has the same samples: each scrape stored in full or not at all.
  for (const Json* values : bursts) ASSERT_EQ(*values, *bursts[0]) << "burst differs";
  // Each scrape once: its number (the value) at one time only, and every time a scrape's.
  std::set<double> times;
  std::set<std::string> numbers;
  for (const Json& point : *bursts[0]) {
    times.insert(point[0].get<double>());
    EXPECT_TRUE(numbers.insert(point[1].get<std::string>()).second)
        << "scrape " << point[1] << " stored twice: " << bursts[0]->dump();
  }
  EXPECT_GE(times.size(), 10u);
  // And every scrape that stored up=1 stored all its samples, and only those did.
  EXPECT_EQ(up_times, times);
}

TEST_F(ScrapeIntegrationTest, UnitsAndBatchesFollowTheSampleLimitVigiedNames) {
  // vigied stores at most 3,000 samples per request. The collector, left at its defaults (a
  // unit of up to 1,000,000 samples, batches of 100,000), learns that from vigied: two scrapes
  // of 2,005 samples go in two batches, and one of 5,005 is refused whole, counted and logged,
  // instead of being sent in a batch that vigied refuses again at every resend.
  StartServer({"--max-samples-per-request", "3000"});
  vigie::testing::TestExporter small_a(Gauges("small_a", 2000)), small_b(Gauges("small_b", 2000)),
      big(Gauges("big", 5000));
  std::string targets;
  for (const auto* exporter : {&small_a, &small_b, &big}) {
    targets += "      - {url: \"http://" + exporter->address() +
               "/metrics\", labels: {job: " + (exporter == &big ? "big" : "small") + "}}\n";
  }
  // A batch stays open for a second: the two small scrapes of each interval would share it.
  StartCollector(
      "batch: {max_age: 1s}\ninputs:\n  - {type: host, enabled: false}\n"
      "  - type: scrape\n    interval: 500ms\n    timeout: 500ms\n    targets:\n" +
      targets);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Instant(server_->http_address(), "count(small_a) + count(small_b)", NowSeconds()) ==
                   Vector{{"{}", "4000"}} &&
               collector_->Metric("vigie_collector_metric_units_refused_total") >= 2;
      },
      seconds(30)))
      << collector_->Log() << server_->Log();
  EXPECT_EQ(collector_->Metric("vigie_collector_stream_failures_total"), 0) << collector_->Log();
  EXPECT_EQ(Instant(server_->http_address(), "count(big) or vector(0)", NowSeconds()),
            (Vector{{"{}", "0"}}));
  std::string log = collector_->Log();
  EXPECT_NE(log.find("vigied stores at most 3000 samples per request"), std::string::npos) << log;
  EXPECT_NE(log.find("a metric unit (one flush or scrape) of 5005 samples is over the 3000"),
            std::string::npos)
      << log;
}

// Records the units an input hands over.
class RecordingMetricSink : public MetricSink {
 public:
  void AddMetrics(MetricUnit unit) override {
    std::lock_guard lock(mu_);
    units_.push_back(std::move(unit));
  }
  std::vector<MetricUnit> units() {
    std::lock_guard lock(mu_);
    return units_;
  }

 private:
  std::mutex mu_;
  std::vector<MetricUnit> units_;
};

TEST(ScrapeInputTest, OneUnitPerScrapeOfARealNodeExporterOverGzip) {
  vigie::testing::TempDir dir;
  std::string address = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  ChildProcess node_exporter(
      {"/usr/bin/prometheus-node-exporter", "--web.listen-address=" + address},
      dir.path() + "/node_exporter.log");
  ASSERT_TRUE(Answers(address)) << node_exporter.Log();
  RecordingMetricSink sink;
  Metrics metrics;
  ScrapeSource source;
  source.name = "node";
  source.interval = std::chrono::milliseconds(300);
  source.timeout = std::chrono::milliseconds(300);
  source.targets = {{"http://" + address + "/metrics", {{"job", "node"}}}};
  auto input = ScrapeInput::Create(source, &sink, &metrics);
  ASSERT_TRUE(input.ok()) << input.status();
  (*input)->Start();
  ASSERT_TRUE(WaitFor([&] { return sink.units().size() >= 3; }, seconds(30)));
  (*input)->Stop();
  std::vector<MetricUnit> units = sink.units();
  for (const MetricUnit& unit : units) {
    std::map<std::string, double> report;
    for (const MetricSample& s : unit.samples) {
      EXPECT_EQ(s.labels().Get("instance"), address);
      EXPECT_EQ(s.labels().Get("job"), "node");
      if (s.labels().Get("__name__").starts_with("scrape_") || s.labels().Get("__name__") == "up") {
        report[std::string(s.labels().Get("__name__"))] = s.value;
      }
    }
    EXPECT_EQ(report["up"], 1);
    // Everything node_exporter wrote, and the five report series.
    EXPECT_EQ(report["scrape_samples_scraped"] + 5, unit.samples.size());
    EXPECT_GT(report["scrape_samples_scraped"], 100);
    EXPECT_GT(unit.metadata.size(), 20u);
  }
  EXPECT_EQ(metrics.ForInput("node", "scrape").malformed.Value(), 0);
  // node_exporter answers with gzip to a client that accepts it: no parse error means the
  // bodies were decoded.
  EXPECT_GT(metrics.ForInput("node", "scrape").bytes.Value(), 10000);
}

// The series of node_exporter's /metrics: name{labels} in canonical form -> value.
class ExposedSeries : public exposition::ExpositionHandler {
 public:
  void OnSample(const exposition::ExpositionSample& s) override {
    std::vector<Label> labels = {{"__name__", std::string(s.name)}};
    for (const LabelView& l : s.labels)
      labels.push_back({std::string(l.name), std::string(l.value)});
    series[LabelSet::Make(labels)->ToString()] = s.value;
  }
  void OnHelp(std::string_view, std::string_view) override {}
  void OnType(std::string_view, std::string_view) override {}
  void OnUnit(std::string_view, std::string_view) override {}
  void OnError(size_t, std::string_view message) override { errors.emplace_back(message); }
  std::map<std::string, double> series;
  std::vector<std::string> errors;
};

TEST_F(ScrapeIntegrationTest, HostMetricsAreASubsetOfNodeExportersWithTheSameValues) {
  StartNodeExporter();
  StartCollector(
      "host: testhost\nbatch: {max_age: 200ms}\ninputs:\n  - type: host\n"
      "    interval: 1s\n");
  std::string selector = "{job=\"node\",instance=\"testhost\"}";
  ASSERT_TRUE(WaitFor(
      [&] {
        return !Instant(server_->http_address(), "node_time_seconds" + selector, NowSeconds())
                    .empty();
      },
      seconds(30)))
      << collector_->Log();
  ExposedSeries exposed;
  exposition::ExpositionParser().Parse(HttpCall(node_address_, "GET", "/metrics").body,
                                       exposition::ExpositionFormat::kText, &exposed);
  ASSERT_TRUE(exposed.errors.empty()) << exposed.errors[0];

  int64_t t = NowSeconds();
  Vector ours = Instant(server_->http_address(), selector, t);
  std::map<std::string, size_t> per_family;
  for (const auto& [labels, value] : ours) {
    // Without job and instance, which Prometheus adds to node_exporter's series.
    LabelSet set = *LabelSet::Parse(labels);
    std::string name(set.Get("__name__"));
    std::string bare = set.Project({"job", "instance"}, false).ToString();
    ++per_family[name];
    EXPECT_TRUE(exposed.series.contains(bare)) << bare << " is not among node_exporter's series";
  }
  for (const char* family :
       {"node_cpu_seconds_total", "node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes",
        "node_load1", "node_load5", "node_load15", "node_network_receive_bytes_total",
        "node_network_transmit_packets_total", "node_network_receive_errs_total",
        "node_network_transmit_drop_total", "node_boot_time_seconds", "node_time_seconds",
        "node_uname_info", "node_filesystem_size_bytes", "node_filesystem_avail_bytes",
        "node_filesystem_free_bytes"}) {
    EXPECT_GE(per_family[family], 1u) << family;
  }
  // Disks only where the machine has some that node_exporter shows.
  bool has_disks = std::any_of(exposed.series.begin(), exposed.series.end(), [](const auto& s) {
    return s.first.find("node_disk_reads_completed_total") != std::string::npos;
  });
  if (has_disks) EXPECT_GE(per_family["node_disk_reads_completed_total"], 1u);
  // Every filesystem node_exporter measures, we measure, with the same size.
  for (const auto& [series, value] : exposed.series) {
    bool same_value = series.starts_with("{__name__=\"node_memory_MemTotal_bytes\"") ||
                      series.starts_with("{__name__=\"node_filesystem_size_bytes\"") ||
                      series.starts_with("{__name__=\"node_boot_time_seconds\"");
    if (!same_value) continue;
    LabelSet set = *LabelSet::Parse(series);
    std::vector<Label> labels = set.labels();
    labels.push_back({"instance", "testhost"});
    labels.push_back({"job", "node"});
    std::string ours_key = LabelSet::Make(labels)->ToString();
    ASSERT_TRUE(ours.contains(ours_key)) << ours_key << " missing";
    EXPECT_EQ(std::stod(ours[ours_key]), value) << series;
  }
}

}  // namespace
}  // namespace vigie::collector::testing
