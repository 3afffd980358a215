// POST and GET /api/v1/deploys on the HTTP server in-process, over real HTTP on loopback: the
// shapes, the errors, the scopes, and the deploys' log stream that Grafana's Loki data source
// reads as annotations.
#include "server/http/deploys_api.h"
#include "alerts/deploys/deploy_store.h"
#include "server/deploy_log.h"
#include "tests/http/http_server_fixture.h"

namespace vigie::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

class DeploysApiTest : public HttpServerTest {
 protected:
  void StartWithDeploys(std::vector<server::TokenGrant> grants = {}) {
    alerts::deploys::DeployStoreOptions options;
    // The ingester exists once Start() has run; deploys are recorded after.
    options.on_recorded = [this](const alerts::Deploy& d) {
      server::DeployLogWriter(ingester_.get())(d);
    };
    deploys_ = std::make_unique<alerts::deploys::DeployStore>(records_.get(), options);
    endpoints_ = server::DeployEndpoints(deploys_.get());
    Start({}, std::move(grants));
  }

  json Post(const json& body, unsigned want_status = 200, const Headers& headers = {}) {
    HttpReply reply = HttpCall(address_, "POST", "/api/v1/deploys", body.dump(), headers);
    EXPECT_EQ(reply.status, want_status) << reply.body << reply.error;
    return json::parse(reply.body, nullptr, false);
  }

  json Get(const Headers& params, unsigned want_status = 200) {
    HttpReply reply = HttpCall(address_, "GET", "/api/v1/deploys?" + QueryString(params));
    EXPECT_EQ(reply.status, want_status) << reply.body << reply.error;
    EXPECT_EQ(reply.content_type, "application/json; charset=utf-8");
    return json::parse(reply.body, nullptr, false);
  }

  static std::vector<std::string> Versions(const json& body) {
    std::vector<std::string> out;
    for (const json& d : body["data"]) out.push_back(d["version"]);
    return out;
  }

  std::unique_ptr<store::RecordStore> records_ = store::NewMemRecordStore();
  std::unique_ptr<alerts::deploys::DeployStore> deploys_;
};

// An hour ago, whole seconds: inside every window, and printed without a fraction.
int64_t HourAgoS() { return NowNanos() / kNanosPerSecond - 3600; }

TEST_F(DeploysApiTest, PostAnswersTheStoredDeploy) {
  StartWithDeploys();
  int64_t t = HourAgoS();
  json body = Post({{"service", "front"},
                    {"environment", "prod"},
                    {"version", "67"},
                    {"commit", "3f2c1ab"},
                    {"author", "Ada Lovelace"},
                    {"description", "new checkout"},
                    {"url", "https://ci.example/67"},
                    {"time", FormatRfc3339Millis(t * 1000)},
                    {"end", t + 90}});
  ASSERT_EQ(body["status"], "success") << body;
  const json& d = body["data"];
  EXPECT_EQ(d["id"].get<std::string>().size(), 26u);
  EXPECT_EQ(d["service"], "front");
  EXPECT_EQ(d["environment"], "prod");
  EXPECT_EQ(d["version"], "67");
  EXPECT_EQ(d["commit"], "3f2c1ab");
  EXPECT_EQ(d["author"], "Ada Lovelace");
  EXPECT_EQ(d["description"], "new checkout");
  EXPECT_EQ(d["url"], "https://ci.example/67");
  EXPECT_EQ(d["time"], FormatRfc3339Millis(t * 1000));
  EXPECT_EQ(d["end"], FormatRfc3339Millis((t + 90) * 1000));

  json listed = Get({});
  ASSERT_EQ(listed["data"].size(), 1u) << listed;
  EXPECT_EQ(listed["data"][0], d);
}

TEST_F(DeploysApiTest, TimeDefaultsToNowAndTakesUnixSeconds) {
  StartWithDeploys();
  int64_t before_ms = NowNanos() / kNanosPerMilli;
  json now = Post({{"service", "front"}});
  int64_t after_ms = NowNanos() / kNanosPerMilli;
  auto stored = ParseTime(now["data"]["time"].get<std::string>());
  ASSERT_TRUE(stored.ok());
  EXPECT_GE(*stored / kNanosPerMilli, before_ms);
  EXPECT_LE(*stored / kNanosPerMilli, after_ms);
  int64_t t = HourAgoS();
  EXPECT_EQ(Post({{"service", "front"}, {"time", std::to_string(t) + ".25"}})["data"]["time"],
            FormatRfc3339Millis(t * 1000 + 250));
  EXPECT_EQ(Post({{"service", "front"}, {"time", t}})["data"]["time"],
            FormatRfc3339Millis(t * 1000));
}

TEST_F(DeploysApiTest, ListFiltersAndRangesNewestFirst) {
  StartWithDeploys();
  int64_t t = HourAgoS();
  Post({{"service", "front"}, {"version", "1"}, {"time", t}, {"environment", "prod"}});
  Post({{"service", "front"}, {"version", "2"}, {"time", t + 60}, {"environment", "staging"}});
  Post({{"service", "api"}, {"version", "3"}, {"time", t + 120}, {"author", "bob"}});
  EXPECT_THAT(Versions(Get({})), ::testing::ElementsAre("3", "2", "1"));
  EXPECT_THAT(Versions(Get({{"service", "front"}})), ::testing::ElementsAre("2", "1"));
  EXPECT_THAT(Versions(Get({{"environment", "prod"}})), ::testing::ElementsAre("1"));
  EXPECT_THAT(Versions(Get({{"author", "bob"}})), ::testing::ElementsAre("3"));
  // Prometheus's times: Unix seconds and RFC 3339, both ends inclusive.
  EXPECT_THAT(Versions(Get({{"start", std::to_string(t + 60)},
                            {"end", FormatRfc3339Millis((t + 120) * 1000)}})),
              ::testing::ElementsAre("3", "2"));
  EXPECT_THAT(Versions(Get({{"limit", "1"}})), ::testing::ElementsAre("3"));
  EXPECT_TRUE(Get({{"service", "nothing"}})["data"].empty());
}

TEST_F(DeploysApiTest, ErrorsNameWhatToFix) {
  StartWithDeploys();
  auto expect_post_error = [&](std::string body, std::string_view says) {
    HttpReply reply = HttpCall(address_, "POST", "/api/v1/deploys", std::move(body));
    ExpectJsonError(reply, 400, "bad_data", says);
  };
  expect_post_error("not json", "the body is not valid JSON");
  expect_post_error("[1]", "the body is not a JSON object");
  expect_post_error(R"({"version":"1"})", "service is required");
  expect_post_error(R"({"service":"front","env":"prod"})",
                    "deploy field \"env\": unknown field; the fields are service, environment");
  expect_post_error(R"({"service":"front","version":67})",
                    "deploy field \"version\": expected a string");
  expect_post_error(R"({"service":"front","time":"yesterday"})",
                    "deploy field \"time\": cannot parse \"yesterday\" to a valid timestamp");
  expect_post_error(R"({"service":"front","time":1765000000000})", "out of range");
  expect_post_error(R"({"service":"front","time":4102444800})", "ahead of vigied's clock");
  expect_post_error(R"({"service":"front","url":"ci/67"})", "must start with http://");
  ExpectJsonError(HttpCall(address_, "GET", "/api/v1/deploys?start=x"), 400, "bad_data",
                  "invalid parameter \"start\"");
  ExpectJsonError(HttpCall(address_, "GET", "/api/v1/deploys?start=20&end=10"), 400, "bad_data",
                  "end timestamp must not be before start time");
  ExpectJsonError(HttpCall(address_, "GET", "/api/v1/deploys?limit=0"), 400, "bad_data",
                  "invalid parameter \"limit\"");
  EXPECT_EQ(HttpCall(address_, "DELETE", "/api/v1/deploys").status, 405u);
  EXPECT_TRUE(Get({})["data"].empty());
}

TEST_F(DeploysApiTest, PostNeedsIngestScopeAndGetQueryScope) {
  StartWithDeploys({{"pusher", {server::Scope::kIngest}}, {"reader", {server::Scope::kQuery}}});
  Headers pusher = {{"Authorization", "Bearer pusher"}};
  Headers reader = {{"Authorization", "Bearer reader"}};
  json body = json{{"service", "front"}};
  EXPECT_EQ(HttpCall(address_, "POST", "/api/v1/deploys", body.dump()).status, 401u);
  EXPECT_EQ(HttpCall(address_, "POST", "/api/v1/deploys", body.dump(), reader).status, 403u);
  EXPECT_EQ(HttpCall(address_, "POST", "/api/v1/deploys", body.dump(), pusher).status, 200u);
  EXPECT_EQ(HttpCall(address_, "GET", "/api/v1/deploys", "", pusher).status, 403u);
  HttpReply listed = HttpCall(address_, "GET", "/api/v1/deploys", "", reader);
  EXPECT_EQ(listed.status, 200u);
  EXPECT_THAT(listed.body, HasSubstr("\"service\":\"front\""));
}

// What Grafana's Loki data source asks for an annotation query: the deploy is a line of the
// vigie-deploys stream at its time, labelled with its service and environment.
TEST_F(DeploysApiTest, DeploysAreALogStreamForGrafanaAnnotations) {
  StartWithDeploys();
  int64_t t = HourAgoS();
  json d = Post({{"service", "front"},
                 {"environment", "prod"},
                 {"version", "67"},
                 {"author", "Ada Lovelace"},
                 {"time", t}})["data"];
  Headers params = {{"query", R"({job="vigie-deploys", deploy_service="front"} | logfmt)"},
                    {"start", std::to_string(t - 60)},
                    {"end", std::to_string(t + 60)}};
  HttpReply reply = HttpCall(address_, "GET", "/loki/api/v1/query_range?" + QueryString(params));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  json result = json::parse(reply.body)["data"]["result"];
  ASSERT_EQ(result.size(), 1u) << reply.body;
  const json& stream = result[0]["stream"];
  EXPECT_EQ(stream["deploy_environment"], "prod");
  EXPECT_EQ(stream["version"], "67");  // Extracted by | logfmt, for the annotation's title.
  EXPECT_EQ(stream["author"], "Ada Lovelace");
  ASSERT_EQ(result[0]["values"].size(), 1u);
  EXPECT_EQ(result[0]["values"][0][0], std::to_string(t * kNanosPerSecond));
  EXPECT_EQ(result[0]["values"][0][1],
            "service=front environment=prod version=67 author=\"Ada Lovelace\" id=" +
                d["id"].get<std::string>());
}

}  // namespace
}  // namespace vigie::testing
