// vigied answers PromQL as Prometheus does: a real Prometheus 2.42 scrapes itself and a small
// exporter run by the test every second and remote-writes everything to a real vigied; then the
// same queries go to both HTTP APIs (instant at a fixed time, and range over a fixed window)
// and to Debian's promtool, and the answers must agree: the same series, values within 1e-9
// relative (NaN equals NaN), the same errorType for invalid queries, promtool's output byte for
// byte.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/http/http_client.h"
#include "tests/integration/harness.h"
#include "tests/integration/prometheus_peer.h"

namespace vigie::testing {
namespace {

using Json = nlohmann::json;

// Scrapes of the exporter before the queries: long enough for the workers to come and go (a
// worker lives 12 scrapes) and for the 20 s windows below to be full.
constexpr int kScrapes = 24;
// The range queries cover [T - kRangeSeconds, T] at kStepSeconds.
constexpr int kRangeSeconds = 18;
constexpr int kStepSeconds = 2;

// Everything both servers know: the series Prometheus scrapes (vigied adds its own, job="vigied").
constexpr const char* kScraped = R"q({job=~"prometheus|exporter"})q";

// One vigied and one Prometheus remote-writing to it, with data up to `time_ms`, shared by the
// tests of this file.
struct Peers {
  TempDir dir;
  TestExporter exporter;
  Vigied vigied{dir.path() + "/vigied"};
  std::unique_ptr<PrometheusServer> prometheus;
  int64_t time_ms = 0;  // T: a whole second both servers have all the data before.
  std::string T() const { return std::to_string(time_ms / 1000); }
  std::string Start() const { return std::to_string(time_ms / 1000 - kRangeSeconds); }
};

Peers* peers = nullptr;

// A query's answer as the tests compare it.
struct Answer {
  unsigned http_status = 0;
  Json body;
  std::string status() const { return body.value("status", "<no status>"); }
};

Answer Ask(const std::string& address, const std::string& path, const Headers& params, bool post) {
  HttpReply reply = post ? HttpCall(address, "POST", path, QueryString(params),
                                    {{"Content-Type", "application/x-www-form-urlencoded"}})
                         : HttpCall(address, "GET", path + "?" + QueryString(params));
  Answer answer{reply.status, Json::parse(reply.body, nullptr, false)};
  bool well_formed = answer.body.is_object() &&
                     (answer.body.value("status", "") != "success" || answer.body.contains("data"));
  if (!well_formed) {
    answer.body = Json{{"status", "<not a Prometheus API answer>"},
                       {"error", reply.error + reply.body.substr(0, 500)}};
  }
  return answer;
}

// Instant queries go as GET, range queries as form-encoded POST: both must work.
Answer Instant(const std::string& address, const std::string& query, const std::string& time) {
  return Ask(address, "/api/v1/query", {{"query", query}, {"time", time}}, false);
}
Answer Range(const std::string& address, const std::string& query, const std::string& start,
             const std::string& end, const std::string& step) {
  return Ask(address, "/api/v1/query_range",
             {{"query", query}, {"start", start}, {"end", end}, {"step", step}}, true);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The number of points in an answer (a matrix for a range selector); -1 for an error.
int64_t PointCount(const Answer& a) {
  if (a.status() != "success") return -1;
  int64_t points = 0;
  for (const Json& series : a.body["data"].value("result", Json::array()))
    points += series.value("values", Json::array()).size();
  return points;
}

void StartPeers() {
  peers = new Peers;
  peers->vigied.Start();
  if (::testing::Test::HasFatalFailure()) return;
  peers->prometheus = std::make_unique<PrometheusServer>(
      peers->dir.path(), peers->exporter.address(),
      "http://" + peers->vigied.http_address() + "/api/v1/write");
  peers->prometheus->Start();
  if (::testing::Test::HasFatalFailure()) return;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kScrapes + 15);
  while (peers->exporter.scrapes() < kScrapes && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_GE(peers->exporter.scrapes(), kScrapes) << "Prometheus is not scraping the exporter at "
                                                 << peers->exporter.address() << "; its log:\n"
                                                 << peers->prometheus->Log();
  // T lies 2 s back, so that both scrapes before it have been appended; vigied has everything up
  // to T once it returns as many raw samples up to T as Prometheus does.
  peers->time_ms = (NowMs() - 2000) / 1000 * 1000;
  std::string everything = std::string(kScraped) + "[5m]";
  int64_t expected = PointCount(Instant(peers->prometheus->address(), everything, peers->T()));
  ASSERT_GT(expected, 0) << "Prometheus has no samples; its log:\n" << peers->prometheus->Log();
  int64_t got = -1;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    got = PointCount(Instant(peers->vigied.http_address(), everything, peers->T()));
    if (got == expected) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  FAIL() << "vigied has " << got << " samples up to T=" << peers->T() << " where Prometheus has "
         << expected << " (" << everything << ")\nPrometheus's log:\n"
         << peers->prometheus->Log() << "\nvigied's log:\n"
         << peers->vigied.Log();
}

class PrometheusCompatTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { StartPeers(); }
  static void TearDownTestSuite() {
    delete peers;
    peers = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(peers && peers->time_ms > 0) << "the peers did not start: see the first test";
  }
};

// A series of an answer: its label set printed canonically, and its points (ms, value).
struct Series {
  std::string labels;
  std::vector<std::pair<int64_t, std::string>> points;
};

std::string LabelsOf(const Json& metric) {
  std::map<std::string, std::string> sorted;
  for (const auto& [name, value] : metric.items()) sorted[name] = value.get<std::string>();
  std::string out = "{";
  for (const auto& [name, value] : sorted)
    out += (out.size() > 1 ? "," : "") + name + "=" + Json(value).dump();
  return out + "}";
}

std::pair<int64_t, std::string> PointOf(const Json& point) {
  return {std::llround(point[0].get<double>() * 1000), point[1].get<std::string>()};
}

// The result as a list of series: a scalar or string is one series with no labels. Sorted by
// label set unless `ordered` (sort(), sort_desc(): the order is part of the answer).
std::vector<Series> SeriesOf(const Json& data, bool ordered) {
  std::vector<Series> out;
  const Json result = data.value("result", Json::array());
  std::string type = data.value("resultType", "");
  if (type == "scalar" || type == "string") {
    out.push_back({"<" + type + ">", {PointOf(result)}});
    return out;
  }
  for (const Json& s : result) {
    Series series{LabelsOf(s["metric"]), {}};
    if (s.contains("value")) series.points.push_back(PointOf(s["value"]));
    for (const Json& p : s.value("values", Json::array())) series.points.push_back(PointOf(p));
    out.push_back(std::move(series));
  }
  if (!ordered) {
    std::sort(out.begin(), out.end(),
              [](const Series& a, const Series& b) { return a.labels < b.labels; });
  }
  return out;
}

bool SameValue(const std::string& a, const std::string& b) {
  if (a == b) return true;
  char* end_a = nullptr;
  char* end_b = nullptr;
  double x = std::strtod(a.c_str(), &end_a), y = std::strtod(b.c_str(), &end_b);
  if (*end_a || *end_b) return false;
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
  if (std::isinf(x) || std::isinf(y)) return x == y;
  return std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y));
}

std::string Describe(const Series& s) {
  std::string out = s.labels;
  for (const auto& [t, v] : s.points) out += " " + v + "@" + std::to_string(t);
  return out;
}

// Compares two answers; returns "" when they agree, else a readable diff. Counts, in
// `nonempty`, the answers that had something to compare.
std::string Diff(const Answer& want, const Answer& got, bool ordered, int* nonempty) {
  std::ostringstream out;
  if (want.status() != "success" || got.status() != "success") {
    if (want.status() == got.status() &&
        want.body.value("errorType", "") == got.body.value("errorType", "")) {
      ++*nonempty;
      return "";
    }
    out << "  Prometheus: HTTP " << want.http_status << " " << want.body.dump() << "\n"
        << "  vigied:     HTTP " << got.http_status << " " << got.body.dump() << "\n";
    return out.str();
  }
  const Json& wd = want.body["data"];
  const Json& gd = got.body["data"];
  if (wd.value("resultType", "") != gd.value("resultType", "")) {
    out << "  resultType: Prometheus " << wd.value("resultType", "") << ", vigied "
        << gd.value("resultType", "") << "\n";
  }
  std::vector<Series> w = SeriesOf(wd, ordered), g = SeriesOf(gd, ordered);
  if (!w.empty()) ++*nonempty;
  size_t shown = 0;
  for (size_t i = 0; i < std::max(w.size(), g.size()) && shown < 8; ++i) {
    bool same = i < w.size() && i < g.size() && w[i].labels == g[i].labels &&
                w[i].points.size() == g[i].points.size();
    for (size_t p = 0; same && p < w[i].points.size(); ++p) {
      same = w[i].points[p].first == g[i].points[p].first &&
             SameValue(w[i].points[p].second, g[i].points[p].second);
    }
    if (same) continue;
    ++shown;
    out << "  series " << i << ":\n";
    out << "    - Prometheus: " << (i < w.size() ? Describe(w[i]) : "<none>") << "\n";
    out << "    + vigied:     " << (i < g.size() ? Describe(g[i]) : "<none>") << "\n";
  }
  if (w.size() != g.size())
    out << "  Prometheus has " << w.size() << " series, vigied " << g.size() << "\n";
  return out.str();
}

// The queries, each run instant at T and over the range [T-18s, T] at a 2 s step. `@T` in a
// query stands for a time 10 s before T (an `@` both servers have data at).
const std::vector<std::string> kQueries = {
    // Selectors and matchers.
    "vt_requests_total",
    R"q(vt_requests_total{method="get"})q",
    R"q(vt_requests_total{code=~"2.."})q",
    R"q(vt_requests_total{code!~"2..",method!="post"})q",
    R"q({__name__=~"vt_(queue_depth|worker_busy)"})q",
    R"q({__name__="vt_temperature_celsius",room=~"k.*|c.*"})q",
    "up",
    R"q(up{job="exporter"} == 1)q",
    "vt_temperature_celsius",
    "vt_worker_busy",
    "vt_queue_depth[6s]",
    // Counters and gauges over windows.
    "rate(vt_requests_total[10s])",
    "irate(vt_requests_total[10s])",
    "increase(vt_jobs_done_total[15s])",
    "rate(vt_jobs_done_total[20s])",
    "delta(vt_temperature_celsius[10s])",
    "idelta(vt_queue_depth[5s])",
    "deriv(vt_temperature_celsius[10s])",
    "predict_linear(vt_temperature_celsius[10s], 60)",
    "resets(vt_jobs_done_total[20s])",
    "changes(vt_queue_depth[20s])",
    "avg_over_time(vt_temperature_celsius[10s])",
    "min_over_time(vt_queue_depth[10s])",
    "max_over_time(vt_queue_depth[10s])",
    "sum_over_time(vt_queue_depth[10s])",
    "count_over_time(vt_worker_busy[10s])",
    "quantile_over_time(0.9, vt_temperature_celsius[15s])",
    "stddev_over_time(vt_queue_depth[15s])",
    "stdvar_over_time(vt_temperature_celsius[15s])",
    "last_over_time(vt_worker_busy[5s])",
    "present_over_time(vt_worker_busy[10s])",
    "absent_over_time(vt_nonexistent[10s])",
    "holt_winters(vt_temperature_celsius[15s], 0.5, 0.5)",
    "rate(scrape_duration_seconds[10s])",
    // Aggregations.
    "sum(rate(vt_requests_total[10s]))",
    "sum by (method) (rate(vt_requests_total[10s]))",
    "sum without (code) (vt_requests_total)",
    "sum(vt_temperature_celsius) by (floor)",
    "avg by (floor) (vt_temperature_celsius)",
    "min(vt_queue_depth)",
    "max without (queue) (vt_queue_depth)",
    std::string("count by (job) (") + kScraped + ")",
    "group by (method) (vt_requests_total)",
    "stddev(vt_temperature_celsius)",
    "stdvar by (method) (vt_requests_total)",
    "topk(2, vt_requests_total)",
    "bottomk(1, vt_queue_depth)",
    "topk by (method) (1, rate(vt_requests_total[10s]))",
    "quantile(0.5, vt_temperature_celsius)",
    "quantile by (method) (0.9, rate(vt_requests_total[10s]))",
    R"q(count_values("depth", vt_queue_depth))q",
    R"q(count_values without (queue) ("v", vt_queue_depth))q",
    "count(vt_worker_busy)",
    // Binary operators and vector matching.
    "vt_requests_total / on(method) group_left sum by (method) (vt_requests_total)",
    "vt_requests_total / ignoring(code, instance, job) group_left sum by (method) "
    "(vt_requests_total)",
    R"q(vt_requests_total{code="200"} / on(method) vt_requests_total{code!="200"})q",
    "sum by (method) (vt_requests_total) / on(method) group_right vt_requests_total",
    R"q(vt_temperature_celsius > on() group_left vt_temperature_celsius{room="cellar"})q",
    "vt_queue_depth > 1",
    "vt_queue_depth > bool 1",
    "vt_queue_depth == bool 0",
    "vt_queue_depth != 2",
    "vt_queue_depth < on(queue) vt_queue_depth offset 1s",
    "2 * vt_queue_depth + 1 - 3 / 4",
    "-vt_queue_depth ^ 2",
    "2 ^ 3 ^ 2",
    "vt_queue_depth % 3",
    "vt_queue_depth atan2 vt_queue_depth",
    "vt_queue_depth * 0x10 + 1e-1",
    "vt_queue_depth + Inf",
    "vt_queue_depth / 0",
    "NaN",
    "-Inf",
    R"q(vt_requests_total and vt_requests_total{method="get"})q",
    "vt_requests_total or vt_jobs_done_total",
    R"q(vt_requests_total unless on(method) vt_requests_total{code="500"})q",
    "vt_worker_busy or on() vector(0)",
    // Histograms.
    "histogram_quantile(0.9, rate(vt_request_duration_seconds_bucket[10s]))",
    "histogram_quantile(0.5, sum by (le) (rate(vt_request_duration_seconds_bucket[10s])))",
    "histogram_quantile(0.99, vt_request_duration_seconds_bucket)",
    "histogram_quantile(0.9, rate(vt_requests_total[10s]))",
    "rate(vt_request_duration_seconds_sum[10s]) / rate(vt_request_duration_seconds_count[10s])",
    // Labels and absence.
    R"q(label_replace(vt_requests_total, "status_class", "${1}xx", "code", "(.).*"))q",
    R"q(label_join(vt_temperature_celsius, "where", "/", "floor", "room"))q",
    R"q(absent(vt_nonexistent{job="x"}))q",
    "absent(vt_queue_depth)",
    // offset, @ and subqueries.
    "vt_queue_depth offset 5s",
    "rate(vt_requests_total[10s] offset 3s)",
    "vt_queue_depth @T",
    "vt_queue_depth @T offset -3s",
    "vt_queue_depth @ start()",
    "rate(vt_requests_total[5s] @ end())",
    "max_over_time(rate(vt_requests_total[5s])[10s:2s])",
    "avg_over_time(vt_queue_depth[10s:1s])",
    "deriv(vt_temperature_celsius[10s:2s] offset 2s)",
    // Math and time functions.
    "abs(vt_queue_depth)",
    "ceil(vt_temperature_celsius)",
    "floor(vt_temperature_celsius)",
    "round(vt_temperature_celsius, 0.5)",
    "sqrt(vt_requests_total)",
    "exp(vt_queue_depth)",
    "ln(vt_requests_total)",
    "log2(vt_requests_total) + log10(vt_requests_total)",
    "clamp(vt_temperature_celsius, 13, 19)",
    "clamp_min(vt_queue_depth, 0) + clamp_max(vt_queue_depth, 1)",
    "sgn(vt_queue_depth)",
    "deg(atan(vt_queue_depth)) + rad(vt_queue_depth) + sin(vt_queue_depth) * cos(vt_queue_depth)",
    "time()",
    "vector(time())",
    "scalar(sum(vt_queue_depth))",
    "scalar(vt_queue_depth)",
    "timestamp(vt_worker_busy)",
    "minute(timestamp(vt_queue_depth)) + hour(timestamp(vt_queue_depth))",
    "day_of_week(vector(1700000000)) + day_of_month(vector(1700000000)) + "
    "days_in_month(vector(1700000000)) + month(vector(1700000000)) + year(vector(1700000000))",
    // Sorting: the order is compared too.
    "sort(vt_temperature_celsius)",
    "sort_desc(rate(vt_requests_total[10s]))",
    // Invalid queries: the same errorType.
    "sum(",
    "rate(vt_requests_total)",
    "vt_requests_total + on(method) vt_requests_total",
    R"q(label_replace(vt_temperature_celsius, "room", "x", "", ""))q",
    R"q({__name__=~".*"})q",
    R"q(vt_queue_depth{queue=~"("})q",
    R"q(topk("x", vt_queue_depth))q",
    R"q("hello")q",
    R"q(label_replace(up, "1x", "$1", "job", "(.*)"))q",
};

std::string Substitute(std::string query) {
  if (size_t at = query.find("@T"); at != std::string::npos)
    query.replace(at, 2, "@ " + std::to_string(peers->time_ms / 1000 - 10));
  return query;
}

bool Ordered(const std::string& query) { return query.starts_with("sort"); }

TEST_F(PrometheusCompatTest, InstantAndRangeQueriesAnswerAsPrometheus) {
  const std::string& prom = peers->prometheus->address();
  const std::string& vigied = peers->vigied.http_address();
  int nonempty = 0, compared = 0, differ = 0;
  for (const std::string& q : kQueries) {
    std::string query = Substitute(q);
    for (bool range : {false, true}) {
      auto ask = [&](const std::string& address) {
        return range
                   ? Range(address, query, peers->Start(), peers->T(), std::to_string(kStepSeconds))
                   : Instant(address, query, peers->T());
      };
      ++compared;
      std::string diff = Diff(ask(prom), ask(vigied), Ordered(query), &nonempty);
      if (!diff.empty()) {
        ++differ;
        ADD_FAILURE() << (range ? "range" : "instant") << " query " << query << " at "
                      << (range ? peers->Start() + ".." + peers->T() : peers->T()) << " differs:\n"
                      << diff;
      }
    }
  }
  std::cerr << compared << " answers compared, " << differ << " differ, " << nonempty
            << " with something to compare\n";
  // An answer of no series on both sides proves little: most must have something.
  EXPECT_GE(nonempty, 2 * 60);
}

// The query API's own parameters: bad ones get the same errorType.
TEST_F(PrometheusCompatTest, BadParametersGetTheSameErrors) {
  struct Case {
    std::string name, path;
    Headers params;
  };
  std::string t = peers->T(), start = peers->Start();
  const std::vector<Case> cases = {
      {"zero step",
       "/api/v1/query_range",
       {{"query", "up"}, {"start", start}, {"end", t}, {"step", "0"}}},
      {"too many points",
       "/api/v1/query_range",
       {{"query", "up"}, {"start", start}, {"end", t}, {"step", "0.001"}}},
      {"end before start",
       "/api/v1/query_range",
       {{"query", "up"}, {"start", t}, {"end", start}, {"step", "1"}}},
      {"bad time", "/api/v1/query", {{"query", "up"}, {"time", "yesterday"}}},
      {"no query", "/api/v1/query", {{"time", t}}},
      {"range of a range vector",
       "/api/v1/query_range",
       {{"query", "up[5s]"}, {"start", start}, {"end", t}, {"step", "1"}}},
      {"RFC 3339 time",
       "/api/v1/query",
       {{"query", "vt_queue_depth"}, {"time", "2100-01-01T00:00:00Z"}}},
      {"duration step",
       "/api/v1/query_range",
       {{"query", "vt_queue_depth"}, {"start", start}, {"end", t}, {"step", "3s"}}},
  };
  int nonempty = 0;
  for (const Case& c : cases) {
    Answer want = Ask(peers->prometheus->address(), c.path, c.params, false);
    Answer got = Ask(peers->vigied.http_address(), c.path, c.params, false);
    std::string diff = Diff(want, got, false, &nonempty);
    EXPECT_TRUE(diff.empty()) << c.name << " (" << QueryString(c.params) << "):\n" << diff;
    if (want.status() != "success")
      EXPECT_EQ(want.http_status, got.http_status) << c.name << ": HTTP status";
  }
}

// The same call with its start and end widened to whole UTC days: vigied picks series by day
// partition (docs/http-api.md, as VictoriaMetrics does), Prometheus by chunk.
Headers WholeDays(Headers params) {
  constexpr int64_t kDay = 86400;
  for (auto& [name, value] : params) {
    if (name == "start") value = std::to_string(std::stoll(value) / kDay * kDay);
    if (name == "end") value = std::to_string(std::stoll(value) / kDay * kDay + kDay - 1);
  }
  return params;
}

// The series and label APIs list what Prometheus lists over the same days. Scrapes go on
// meanwhile, so a new series may reach Prometheus a moment before vigied: both are asked again
// until they agree or a few seconds pass.
TEST_F(PrometheusCompatTest, SeriesAndLabelsAnswerAsPrometheus) {
  std::string t = peers->T(), start = peers->Start();
  const std::vector<std::pair<std::string, Headers>> calls = {
      {"/api/v1/series", {{"match[]", "vt_temperature_celsius"}, {"start", start}, {"end", t}}},
      {"/api/v1/series",
       {{"match[]", R"q({__name__=~"vt_worker.*"})q"},
        {"match[]", R"q(vt_queue_depth{queue!="a"})q"},
        {"start", start},
        {"end", t}}},
      {"/api/v1/labels", {{"match[]", R"q({job="exporter"})q"}, {"start", start}, {"end", t}}},
      {"/api/v1/label/room/values", {{"start", start}, {"end", t}}},
      {"/api/v1/label/__name__/values", {{"match[]", R"q({__name__=~"vt_.*"})q"}}},
  };
  // Order is not part of the series API's answer.
  auto sorted = [](Json data) {
    if (data.is_array() && data.size() > 0 && data[0].is_object()) {
      std::sort(data.begin(), data.end(),
                [](const Json& a, const Json& b) { return a.dump() < b.dump(); });
    }
    return data;
  };
  for (const auto& [path, params] : calls) {
    std::string want, got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {
      Answer w = Ask(peers->prometheus->address(), path, WholeDays(params), false);
      ASSERT_EQ(w.status(), "success") << path << ": " << w.body.dump();
      ASSERT_FALSE(w.body["data"].empty()) << path;
      want = sorted(w.body["data"]).dump();
      got = sorted(Ask(peers->vigied.http_address(), path, params, false).body["data"]).dump();
      if (want == got) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(want, got) << path << " " << QueryString(params);
  }
}

// Debian's promtool prints the same thing against vigied as against Prometheus.
TEST_F(PrometheusCompatTest, PromtoolQueryPrintsTheSame) {
  std::string t = peers->T(), start = peers->Start();
  const std::vector<std::vector<std::string>> commands = {
      {"instant", "--time=" + t, "<server>", "sort(vt_temperature_celsius)"},
      {"instant", "--time=" + t, "<server>", "sum(rate(vt_requests_total[10s]))"},
      {"instant", "--time=" + t, "<server>", R"q(vt_requests_total{code="200",method="get"})q"},
      {"instant", "--time=" + t, "<server>", "scalar(sum(vt_queue_depth))"},
      {
          "instant",
          "--time=" + t,
          "<server>",
          "sum(",
      },
      {"range", "--start=" + start, "--end=" + t, "--step=2s", "<server>",
       "rate(vt_requests_total[10s])"},
      {"range", "--start=" + start, "--end=" + t, "--step=3s", "<server>",
       "histogram_quantile(0.9, sum by (le, handler) "
       "(rate(vt_request_duration_seconds_bucket[10s])))"},
      {"range", "--start=" + start, "--end=" + t, "--step=2s", "<server>", "vt_worker_busy"},
      {"series", "--match=vt_temperature_celsius", "--start=" + start, "--end=" + t, "<server>"},
      {"labels", "--start=" + start, "--end=" + t, "<server>", "room"},
  };
  for (const auto& command : commands) {
    std::string outputs[2], errors[2];
    int codes[2];
    const std::string servers[2] = {"http://" + peers->prometheus->address(),
                                    "http://" + peers->vigied.http_address()};
    for (int i = 0; i < 2; ++i) {
      std::vector<std::string> argv = {"/usr/bin/promtool", "query"};
      for (const std::string& arg : command) argv.push_back(arg == "<server>" ? servers[i] : arg);
      codes[i] = RunCommand(argv, &outputs[i], "", &errors[i]);
    }
    std::string shown = command[0] + " " + command.back();
    EXPECT_FALSE(outputs[0].empty() && codes[0] == 0) << shown << ": Prometheus printed nothing";
    EXPECT_EQ(codes[0], codes[1]) << shown << "\nPrometheus: " << errors[0]
                                  << "\nvigied: " << errors[1];
    EXPECT_EQ(outputs[0], outputs[1]) << "promtool query " << shown;
  }
}

}  // namespace
}  // namespace vigie::testing
