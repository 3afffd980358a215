// Deploy events end to end: a real vigied, the real `vigie deploy` process, HTTP on loopback and
// the gRPC service; every deploy recorded one way is listed the same by the three, and is there
// again, with the same id, after vigied is killed (SIGKILL) and restarted.
#include <grpcpp/grpcpp.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/time.h"
#include "nlohmann/json.hpp"
#include "tests/http/http_client.h"
#include "tests/integration/cli_util.h"
#include "tests/integration/harness.h"
#include "vigie/v1/deploys.grpc.pb.h"

namespace vigie::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

class DeploysTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Start(); }

  // The deploys over HTTP, newest first, as JSON objects.
  json ListHttp(const std::string& query = "") {
    HttpReply reply = HttpCall(server_.http_address(), "GET", "/api/v1/deploys" + query);
    EXPECT_EQ(reply.status, 200u) << reply.body << reply.error;
    json body = json::parse(reply.body, nullptr, false);
    EXPECT_EQ(body["status"], "success") << reply.body;
    return body["data"];
  }

  std::unique_ptr<v1::Deploys::Stub> Stub() {
    return v1::Deploys::NewStub(
        grpc::CreateChannel(server_.grpc_address(), grpc::InsecureChannelCredentials()));
  }

  static std::vector<std::string> Ids(const json& deploys) {
    std::vector<std::string> ids;
    for (const json& d : deploys) ids.push_back(d["id"]);
    return ids;
  }

  TempDir dir_;
  Vigied server_{dir_.path() + "/data", {"--self-metrics-interval", "0"}};
};

TEST_F(DeploysTest, RecordedByCliHttpAndGrpcListedByAllAndKeptAcrossKill9) {
  int64_t now_s = NowNanos() / kNanosPerSecond;

  // 1. The CLI, as a CI job runs it.
  std::string out, err;
  ASSERT_EQ(Vigie(server_,
                  {"deploy", "--service", "front", "--version", "67", "--author", "Ada Lovelace",
                   "--commit", "3f2c1ab", "--env", "prod", "--description", "new checkout", "--url",
                   "https://ci.example/67"},
                  &out, &err),
            0)
      << err;
  EXPECT_THAT(out, HasSubstr("  author       Ada Lovelace\n"));
  EXPECT_THAT(out, HasSubstr("  commit       3f2c1ab\n"));
  ASSERT_TRUE(out.starts_with("deploy ")) << out;
  std::string cli_id = out.substr(7, 26);

  // 2. HTTP: a rollout of api, 10 to 5 minutes ago.
  json posted = {{"service", "api"},
                 {"version", "1.2"},
                 {"time", now_s - 600},
                 {"end", FormatRfc3339Millis((now_s - 300) * 1000)}};
  HttpReply reply = HttpCall(server_.http_address(), "POST", "/api/v1/deploys", posted.dump());
  ASSERT_EQ(reply.status, 200u) << reply.body;
  std::string http_id = json::parse(reply.body)["data"]["id"];

  // 3. gRPC, 2 minutes ago.
  v1::RecordDeployRequest request;
  request.mutable_deploy()->set_service("front");
  request.mutable_deploy()->set_version("66");
  request.mutable_deploy()->set_time_ms((now_s - 120) * 1000);
  v1::RecordDeployResponse recorded;
  {
    grpc::ClientContext context;
    grpc::Status status = Stub()->RecordDeploy(&context, request, &recorded);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  std::string grpc_id = recorded.deploy().id();
  EXPECT_EQ(recorded.deploy().time_ms(), (now_s - 120) * 1000);

  std::vector<std::string> newest_first = {cli_id, grpc_id, http_id};
  for (int start = 0; start < 2; ++start) {
    SCOPED_TRACE(start == 0 ? "before the restart" : "after kill -9 and restart");
    json all = ListHttp();
    EXPECT_EQ(Ids(all), newest_first);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0]["author"], "Ada Lovelace");
    EXPECT_EQ(all[0]["environment"], "prod");
    EXPECT_EQ(all[2]["end"], FormatRfc3339Millis((now_s - 300) * 1000));
    EXPECT_EQ(Ids(ListHttp("?service=front")), std::vector<std::string>({cli_id, grpc_id}));

    v1::ListDeploysRequest list;
    list.set_service("api");
    v1::ListDeploysResponse listed;
    grpc::ClientContext context;
    ASSERT_TRUE(Stub()->ListDeploys(&context, list, &listed).ok());
    ASSERT_EQ(listed.deploys_size(), 1);
    EXPECT_EQ(listed.deploys(0).id(), http_id);
    EXPECT_EQ(listed.deploys(0).end_ms(), (now_s - 300) * 1000);

    ASSERT_EQ(Vigie(server_, {"deploy", "list", "--since", "1h"}, &out, &err), 0) << err;
    std::vector<std::string> lines;
    for (std::string_view rest = out; !rest.empty();) {
      size_t eol = rest.find('\n');
      lines.emplace_back(rest.substr(0, eol));
      rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    }
    ASSERT_EQ(lines.size(), 4u) << out;
    EXPECT_TRUE(lines[0].starts_with("TIME ")) << out;
    EXPECT_THAT(lines[1], HasSubstr(cli_id));
    EXPECT_THAT(lines[1], HasSubstr("Ada Lovelace"));
    EXPECT_THAT(lines[2], HasSubstr(grpc_id));
    EXPECT_THAT(lines[3], HasSubstr(http_id));
    EXPECT_THAT(lines[3], HasSubstr(" 5m "));  // The rollout's length.

    ASSERT_EQ(Vigie(server_, {"deploy", "list", "--service", "api"}, &out, &err), 0) << err;
    EXPECT_THAT(out, HasSubstr(http_id));
    EXPECT_THAT(out, ::testing::Not(HasSubstr(cli_id)));

    if (start == 0) {
      server_.Kill9();
      server_.Start();
    }
  }
}

TEST_F(DeploysTest, TheCliSaysWhatToFix) {
  int64_t now_ms = NowNanos() / kNanosPerMilli;
  std::string out, err;
  EXPECT_EQ(Vigie(server_, {"deploy", "--version", "67"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--service is required"));
  EXPECT_EQ(Vigie(server_, {"deploy", "--service", "front end"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("service \"front end\" holds a space"));
  EXPECT_EQ(Vigie(server_, {"deploy", "--service", "front", "--time", "yesterday"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--time yesterday"));
  EXPECT_EQ(Vigie(server_,
                  {"deploy", "--service", "front", "--time", FormatRfc3339Millis(now_ms - 600'000),
                   "--end", FormatRfc3339Millis(now_ms - 1200'000)},
                  &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("is before time"));
  EXPECT_EQ(Vigie(server_, {"deploy", "list", "--since", "7"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--since 7: needs a unit"));
  EXPECT_EQ(Vigie(server_, {"deploy", "list"}, &out, &err), 0);
  EXPECT_THAT(err, HasSubstr("no deploys recorded"));
  EXPECT_EQ(Vigie(server_, {"deploy", "--help"}, &out, &err), 0);
  EXPECT_THAT(out, HasSubstr("--service"));
  EXPECT_THAT(out, HasSubstr("list"));
}

}  // namespace
}  // namespace vigie::testing
