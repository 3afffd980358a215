// Loki's index and discovery endpoints (series, index/stats, index/volume(_range),
// detected_labels, detected_fields), the per-line labels of log queries, and Grafana's log
// context queries, end to end: data pushed through Loki's push API into a real vigied, asked over
// HTTP on loopback with the parameters Grafana sends, and the answers read as Grafana reads them.
// Expected figures are computed from the pushed lines.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/time.h"
#include "nlohmann/json.hpp"
#include "tests/http/http_client.h"
#include "tests/http/loki_test_util.h"
#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using json = nlohmann::json;

// Lines of `count` entries one second apart from Recent(first_s), each `line_bytes` long.
std::vector<json> Entries(int first_s, int count, size_t line_bytes, char fill) {
  std::vector<json> entries;
  for (int i = 0; i < count; ++i) {
    entries.push_back(Entry(Recent(first_s + i), std::string(line_bytes, fill)));
  }
  return entries;
}

// A volume answer as {metric: value}, in the answer's order.
std::vector<std::pair<json, std::string>> VolumeVector(const json& body) {
  std::vector<std::pair<json, std::string>> out;
  for (const json& s : body["data"]["result"]) out.emplace_back(s["metric"], s["value"][1]);
  return out;
}

class LokiIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Start(); }
  const std::string& address() const { return server_.http_address(); }

  TempDir dir_;
  Vigied server_{dir_.path() + "/data"};
};

TEST_F(LokiIndexTest, IndexStatsCountsEntriesAndBytesInTheWindow) {
  // 10 entries of 7 bytes for api, in one push (one block); 3 of 5 bytes for db.
  PushJson(address(), Streams({Stream({{"job", "api"}, {"env", "prod"}}, Entries(0, 10, 7, 'a')),
                               Stream({{"job", "db"}}, Entries(0, 3, 5, 'd'))}));
  EXPECT_EQ(Get(address(), "/loki/api/v1/index/stats", {{"query", R"({job="api"})"}}),
            json({{"streams", 1}, {"chunks", 1}, {"entries", 10}, {"bytes", 70}}));
  EXPECT_EQ(Get(address(), "/loki/api/v1/index/stats", {{"query", R"({job=~"api|db"})"}}),
            json({{"streams", 2}, {"chunks", 2}, {"entries", 13}, {"bytes", 85}}));
  // A window cutting the block: [Recent(3), Recent(7)) holds 4 of its entries, which are
  // counted exactly.
  EXPECT_EQ(Get(address(), "/loki/api/v1/index/stats",
                {{"query", R"({job="api"})"}, {"start", Ns(Recent(3))}, {"end", Ns(Recent(7))}}),
            json({{"streams", 1}, {"chunks", 1}, {"entries", 4}, {"bytes", 28}}));
  // A window without data.
  EXPECT_EQ(Get(address(), "/loki/api/v1/index/stats",
                {{"query", R"({job="api"})"}, {"start", "1000000000"}, {"end", "1000003600"}}),
            json({{"streams", 0}, {"chunks", 0}, {"entries", 0}, {"bytes", 0}}));
  json error = Get(address(), "/loki/api/v1/index/stats", {}, 400);
  EXPECT_THAT(error["error"].get<std::string>(), HasSubstr("\"query\""));
}

// Loki's documented example: four streams, volumes grouped by the selector's label names, by
// targetLabels, or by label names alone.
class LokiVolumeTest : public LokiIndexTest {
 protected:
  void SetUp() override {
    LokiIndexTest::SetUp();
    std::vector<json> streams;
    for (const Spec& s : kStreams) {
      streams.push_back(
          Stream({{"job", s.job}, {"env", s.env}, {"team", s.team}}, Entries(0, s.lines, 10, 'x')));
    }
    PushJson(address(), Streams(streams));
  }
  struct Spec {
    std::string job, env, team;
    int lines;  // Of 10 bytes each.
  };
  // Different sizes, so that the order by volume is certain.
  const std::vector<Spec> kStreams = {{"foo", "prod", "alpha", 4},
                                      {"bar", "prod", "beta", 3},
                                      {"foo", "dev", "alpha", 2},
                                      {"bar", "dev", "beta", 1}};

  // The bytes of the streams `keep` accepts.
  template <typename Pred>
  std::string BytesOf(Pred keep) const {
    int bytes = 0;
    for (const Spec& s : kStreams) bytes += keep(s) ? s.lines * 10 : 0;
    return std::to_string(bytes);
  }
};

TEST_F(LokiVolumeTest, VolumeGroupsByTheSelectorsLabelsLargestFirst) {
  json body = Get(address(), "/loki/api/v1/index/volume",
                  {{"query", R"({job="foo", env=~".+"})"}, {"end", Ns(Recent(60))}});
  EXPECT_EQ(body["status"], "success");
  EXPECT_EQ(body["data"]["resultType"], "vector");
  EXPECT_THAT(
      VolumeVector(body),
      ElementsAre(
          std::pair(json({{"env", "prod"}, {"job", "foo"}}),
                    BytesOf([](const Spec& s) { return s.job == "foo" && s.env == "prod"; })),
          std::pair(json({{"env", "dev"}, {"job", "foo"}}),
                    BytesOf([](const Spec& s) { return s.job == "foo" && s.env == "dev"; }))));
  // The point is at `end`, in seconds.
  EXPECT_EQ(body["data"]["result"][0]["value"][0].get<double>(), Recent(60) / 1e9);

  // targetLabels: grouped by those labels only, whatever the selector names.
  body = Get(address(), "/loki/api/v1/index/volume",
             {{"query", R"({team="alpha", env!="dev"})"}, {"targetLabels", "team,job"}});
  EXPECT_THAT(
      VolumeVector(body),
      ElementsAre(std::pair(json({{"job", "foo"}, {"team", "alpha"}}), BytesOf([](const Spec& s) {
                              return s.team == "alpha" && s.env != "dev";
                            }))));

  // aggregateBy=labels: one series per label name, value "", holding every stream with it.
  body = Get(address(), "/loki/api/v1/index/volume",
             {{"query", R"({job=~".+"})"}, {"aggregateBy", "labels"}});
  std::string all = BytesOf([](const Spec&) { return true; });
  EXPECT_THAT(VolumeVector(body),
              ElementsAre(std::pair(json({{"env", ""}}), all), std::pair(json({{"job", ""}}), all),
                          std::pair(json({{"team", ""}}), all)));

  // {} selects every stream, grouped by their whole label sets; limit keeps the largest.
  body = Get(address(), "/loki/api/v1/index/volume", {{"query", "{}"}, {"limit", "2"}});
  EXPECT_THAT(VolumeVector(body),
              ElementsAre(std::pair(json({{"env", "prod"}, {"job", "foo"}, {"team", "alpha"}}),
                                    BytesOf([](const Spec& s) { return s.lines == 4; })),
                          std::pair(json({{"env", "prod"}, {"job", "bar"}, {"team", "beta"}}),
                                    BytesOf([](const Spec& s) { return s.lines == 3; }))));

  json error = Get(address(), "/loki/api/v1/index/volume",
                   {{"query", R"({job="foo"})"}, {"aggregateBy", "pods"}}, 400);
  EXPECT_THAT(error["error"].get<std::string>(), HasSubstr("aggregateBy"));
  error = Get(address(), "/loki/api/v1/index/volume",
              {{"query", R"({job="foo"})"}, {"targetLabels", "team,not-a-name"}}, 400);
  EXPECT_THAT(error["error"].get<std::string>(), HasSubstr("not-a-name"));
}

TEST_F(LokiIndexTest, VolumeRangeHasOnePointPerStepAtTheStepsEnd) {
  // Minute steps from `base`, a whole minute: entries at +5 s, +65 s, +70 s and +130 s in one
  // push (one block across three steps, read to split it), and a second stream's block inside
  // the first step (counted from the index).
  int64_t base = (Recent(0) / kNanosPerSecond / 60 - 5) * 60 * kNanosPerSecond;
  auto at = [&](int s) { return base + s * kNanosPerSecond; };
  PushJson(address(), Streams({Stream({{"job", "web"}, {"host", "a"}},
                                      {Entry(at(5), "12345"), Entry(at(65), "123"),
                                       Entry(at(70), "1234567"), Entry(at(130), "1")}),
                               Stream({{"job", "web"}, {"host", "b"}},
                                      {Entry(at(10), "1234567890"), Entry(at(20), "12")})}));
  json body = Get(
      address(), "/loki/api/v1/index/volume_range",
      {{"query", R"({job="web"})"}, {"start", Ns(at(0))}, {"end", Ns(at(180))}, {"step", "60s"}});
  EXPECT_EQ(body["data"]["resultType"], "matrix");
  ASSERT_EQ(body["data"]["result"].size(), 1u) << body.dump();
  const json& series = body["data"]["result"][0];
  EXPECT_EQ(series["metric"], json({{"job", "web"}}));
  // Each step's point is 1 ms before the next step, the last at `end`.
  auto seconds = [](int64_t ns) { return static_cast<double>(ns) / 1e9; };
  EXPECT_EQ(series["values"],
            json::array({json::array({seconds(at(60) - kNanosPerMilli), "17"}),   // 5 + 10 + 2
                         json::array({seconds(at(120) - kNanosPerMilli), "10"}),  // 3 + 7
                         json::array({seconds(at(180)), "1"})}))
      << body.dump();

  // By host: a step where a group has no entries has no point.
  body = Get(address(), "/loki/api/v1/index/volume_range",
             {{"query", R"({job="web"})"},
              {"targetLabels", "host"},
              {"start", Ns(at(0))},
              {"end", Ns(at(180))},
              {"step", "60"}});
  ASSERT_EQ(body["data"]["result"].size(), 2u) << body.dump();
  EXPECT_EQ(body["data"]["result"][0]["metric"], json({{"host", "b"}}));  // 12 bytes first.
  EXPECT_EQ(body["data"]["result"][0]["values"].size(), 1u);
  EXPECT_EQ(body["data"]["result"][1]["metric"], json({{"host", "a"}}));
  EXPECT_EQ(body["data"]["result"][1]["values"].size(), 3u);
}

TEST_F(LokiIndexTest, DetectedLabelsLeaveOutLabelsOfIdsOnly) {
  PushJson(address(),
           Streams({Stream({{"app", "shop"}, {"pod", "7"}, {"request", "1001"}, {"debug", "1"}},
                           {Entry(Recent(0), "a")}),
                    Stream({{"app", "cart"}, {"pod", "8"}, {"request", "1002"}, {"debug", "0"}},
                           {Entry(Recent(0), "b")}),
                    Stream({{"app", "shop"},
                            {"pod", "9"},
                            {"request", "1003"},
                            {"trace", "123e4567-e89b-12d3-a456-426614174000"}},
                           {Entry(Recent(0), "c")})}));
  // request (numbers) and trace (a UUID) are IDs; pod is always offered, as in Loki; debug is
  // a flag (0/1).
  EXPECT_EQ(
      Get(address(), "/loki/api/v1/detected_labels", {}),
      json({{"detectedLabels", json::array({json({{"label", "app"}, {"cardinality", 2}}),
                                            json({{"label", "debug"}, {"cardinality", 2}}),
                                            json({{"label", "pod"}, {"cardinality", 3}})})}}));
  EXPECT_EQ(
      Get(address(), "/loki/api/v1/detected_labels", {{"query", R"({app="cart"})"}}),
      json({{"detectedLabels", json::array({json({{"label", "app"}, {"cardinality", 1}}),
                                            json({{"label", "debug"}, {"cardinality", 1}}),
                                            json({{"label", "pod"}, {"cardinality", 1}})})}}));
}

// What Grafana's "show context" does for a log row: the row's stream labels as the selector
// (Grafana first reads /labels to tell them from parsed ones), then two query_range requests
// with the row's time cut to milliseconds: backward over the 2 hours before it, and forward over
// the 2 hours from it, each with the context limit. The lines returned must be the row's
// neighbours in its stream, and no line of a sibling stream.
TEST_F(LokiIndexTest, GrafanaLogContextReturnsTheRowsNeighbours) {
  constexpr int kRows = 30;
  std::vector<json> mine, sibling;
  std::vector<int64_t> ts;
  auto row = [](int i) {
    return R"({"level":")" + std::string(i % 3 ? "info" : "warn") + R"(","n":)" +
           std::to_string(i) + "}";
  };
  for (int i = 0; i < kRows; ++i) {
    // 250 ms apart, with sub-millisecond parts, as real timestamps have.
    ts.push_back(Recent(0) + i * 250 * kNanosPerMilli + 123'456);
    mine.push_back(Entry(ts.back(), row(i)));
    sibling.push_back(Entry(ts.back() + 1, "sibling " + std::to_string(i)));
  }
  PushJson(address(), Streams({Stream({{"job", "ctx"}, {"host", "h1"}}, mine),
                               Stream({{"job", "ctx"}, {"host", "h2"}}, sibling)}));
  // How Grafana tells the row's stream labels from parsed ones: /labels, or with a parser in the
  // query, /series of the query's selector.
  EXPECT_EQ(Get(address(), "/loki/api/v1/labels", {})["data"], json::array({"host", "job"}));
  EXPECT_EQ(
      Get(address(), "/loki/api/v1/series", {{"match[]", R"({host="h1",job="ctx"})"}})["data"],
      json::array({json({{"host", "h1"}, {"job", "ctx"}})}));

  constexpr int kRow = 17, kLimit = 10;
  int64_t row_ms = ts[kRow] / kNanosPerMilli;
  int64_t two_hours_ms = 2 * 3600 * 1000;
  // The lines of the answer as Grafana shows them: every stream's, merged, newest first.
  auto context = [&](const std::string& query, std::string direction, int64_t from_ms,
                     int64_t to_ms) {
    json body = Get(address(), "/loki/api/v1/query_range",
                    {{"direction", direction},
                     {"end", Ns(to_ms * kNanosPerMilli)},
                     {"limit", std::to_string(kLimit)},
                     {"query", query},
                     {"start", Ns(from_ms * kNanosPerMilli)},
                     {"step", "14400000ms"}});
    std::map<std::string, std::string, std::greater<>> by_time;
    for (const json& stream : body["data"]["result"]) {
      for (const json& value : stream["values"]) by_time[value[0]] = value[1];
    }
    std::vector<std::string> lines;
    for (auto& [time, line] : by_time) lines.push_back(line);
    return lines;
  };
  std::vector<std::string> before, after;
  for (int i = kRow - 1; i >= kRow - kLimit; --i) before.push_back(row(i));
  for (int i = kRow + kLimit - 1; i >= kRow; --i) after.push_back(row(i));
  for (std::string query : {R"({host="h1",job="ctx"})", R"({host="h1",job="ctx"} | json)"}) {
    EXPECT_THAT(context(query, "backward", row_ms - two_hours_ms, row_ms), ElementsAreArray(before))
        << query;
    EXPECT_THAT(context(query, "forward", row_ms, row_ms + two_hours_ms), ElementsAreArray(after))
        << query;
  }
}

// Grafana's Logs Drilldown lists the fields of a service's recent lines: those `| json` finds in
// JSON lines, those `| logfmt` finds in the others, and those the query's own parser made, each
// with a type read from its values and its number of distinct values.
TEST_F(LokiIndexTest, DetectedFieldsOfJsonAndLogfmtLines) {
  PushJson(
      address(),
      Streams(
          {Stream(
               {{"service_name", "api"}},
               {Entry(Recent(0), R"({"status":200,"took":"15ms","ok":true,"req":{"path":"/a"}})"),
                Entry(Recent(1), R"({"status":503,"took":"1.5s","ok":false,"req":{"path":"/b"}})"),
                Entry(Recent(2), R"({"status":200,"took":"2ms","ok":true,"service_name":"x"})")}),
           Stream({{"service_name", "worker"}},
                  {Entry(Recent(0), "level=info size=10KB ratio=0.5 msg=\"job done\""),
                   Entry(Recent(1), "level=error size=2MiB ratio=1 msg=failed")})}));
  auto fields = [&](const std::string& query, Headers extra = {}) {
    extra.emplace_back("query", query);
    json body = Get(address(), "/loki/api/v1/detected_fields", extra);
    std::map<std::string, json> by_label;
    for (const json& f : body["fields"]) by_label[f["label"]] = f;
    return std::pair(by_label, body["limit"]);
  };
  auto field = [](std::string type, int cardinality, json parsers) {
    return json({{"type", type}, {"cardinality", cardinality}, {"parsers", parsers}});
  };
  auto strip = [](std::map<std::string, json> m) {
    for (auto& [name, f] : m) f.erase("label");
    return m;
  };
  auto [api, limit] = fields(R"({service_name="api"})");
  EXPECT_EQ(limit, 1000);
  json js = json::array({"json"}), lf = json::array({"logfmt"});
  EXPECT_EQ(strip(api),
            (std::map<std::string, json>{{"ok", field("boolean", 2, js)},
                                         {"req_path", field("string", 2, js)},
                                         {"service_name_extracted", field("string", 1, js)},
                                         {"status", field("int", 2, js)},
                                         {"took", field("duration", 3, js)}}));
  auto [worker, unused] = fields(R"({service_name="worker"})");
  EXPECT_EQ(strip(worker), (std::map<std::string, json>{{"level", field("string", 2, lf)},
                                                        {"msg", field("string", 2, lf)},
                                                        {"ratio", field("float", 2, lf)},
                                                        {"size", field("bytes", 2, lf)}}));
  // The query's own parser and filters: only the lines it keeps count.
  auto [errors, unused2] = fields(R"({service_name="worker"} | logfmt | level="error")");
  EXPECT_EQ(errors["size"]["cardinality"], 1);
  // line_limit reads only the newest lines; limit caps the fields.
  auto [newest, unused3] = fields(R"({service_name="api"})", {{"line_limit", "1"}});
  EXPECT_EQ(newest["status"]["cardinality"], 1);
  auto [capped, capped_limit] = fields(R"({service_name="api"})", {{"limit", "2"}});
  EXPECT_EQ(capped.size(), 2u);
  EXPECT_EQ(capped_limit, 2);

  json values = Get(address(), "/loki/api/v1/detected_field/status/values",
                    {{"query", R"({service_name="api"})"}});
  EXPECT_EQ(values, json({{"values", json::array({"200", "503"})}}));
}

// A log query's result streams are keyed by each line's final labels, as Loki's are: with
// `| json`, lines of one stored stream land in as many result streams as they have distinct
// extracted labels, each stream's labels being its lines' own.
TEST_F(LokiIndexTest, QueryRangeKeysStreamsByEachLinesLabels) {
  std::vector<json> entries;
  for (int i = 0; i < 6; ++i) {
    entries.push_back(Entry(Recent(i), R"({"level":")" + std::string(i % 2 ? "warn" : "info") +
                                           R"(","user":{"id":"u)" + std::to_string(i % 3) +
                                           R"("}})"));
  }
  PushJson(address(), Streams({Stream({{"app", "web"}}, entries)}));
  json body = Get(address(), "/loki/api/v1/query_range",
                  {{"query", R"({app="web"} | json | level="info")"}, {"direction", "forward"}});
  ASSERT_EQ(body["data"]["resultType"], "streams");
  size_t lines = 0;
  std::set<json> keys;
  for (const json& stream : body["data"]["result"]) {
    keys.insert(stream["stream"]);
    for (const json& value : stream["values"]) {
      json line = json::parse(value[1].get<std::string>());
      EXPECT_EQ(stream["stream"],
                json({{"app", "web"}, {"level", line["level"]}, {"user_id", line["user"]["id"]}}));
      ++lines;
    }
  }
  EXPECT_EQ(lines, 3u);        // i = 0, 2, 4
  EXPECT_EQ(keys.size(), 3u);  // u0, u2, u1
}

// /loki/api/v1/series as Loki documents it: match[] repeated (the union of what each selects),
// in a form-encoded POST body, start and end.
TEST_F(LokiIndexTest, SeriesTakesRepeatedMatchersInAPostForm) {
  PushJson(address(),
           Streams({Stream({{"app", "loki"}, {"stream", "stderr"}}, Entries(0, 1, 3, 'l')),
                    Stream({{"app", "prometheus"}, {"component", "server"}}, Entries(0, 1, 3, 'p')),
                    Stream({{"app", "grafana"}}, Entries(0, 1, 3, 'g'))}));
  HttpReply reply = HttpCall(address(), "POST", "/loki/api/v1/series",
                             QueryString({{"match[]", R"({app=~"prom.*", component="server"})"},
                                          {"match[]", R"({app="loki"})"},
                                          {"start", Ns(Recent(-10))},
                                          {"end", Ns(Recent(10))}}),
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(
      json::parse(reply.body),
      json({{"status", "success"},
            {"data", json::array({json({{"app", "loki"}, {"stream", "stderr"}}),
                                  json({{"app", "prometheus"}, {"component", "server"}})})}}));
  // A window that ends before the data: nothing.
  EXPECT_EQ(
      Get(address(), "/loki/api/v1/series",
          {{"match[]", R"({app="loki"})"}, {"start", "1000000000"}, {"end", "1000003600"}})["data"],
      json::array());
  json error = Get(address(), "/loki/api/v1/series", {}, 400);
  EXPECT_THAT(error["error"].get<std::string>(), HasSubstr("match[]"));
}

}  // namespace
}  // namespace vigie::testing
