// Issue 10's seed stories end to end, with real processes: 404 lines appended to an access log
// that a vigie-collector tails fire a LogQL rule, a worker error counter fed over remote_write
// fires a PromQL rule; the 404 alert began minutes after a deploy of its service, so it goes to the
// developers' receiver and names the deploy; the worker alert, with no deploy before it, goes to
// ops. Each message arrives within group_wait + 2 s of its rule firing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/strings.h"
#include "common/time.h"
#include "nlohmann/json.hpp"
#include "tests/http/remote_write_client.h"
#include "tests/integration/collector_process.h"
#include "tests/integration/harness.h"
#include "tests/integration/recording_receiver.h"

namespace vigie::testing {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr int kGroupWaitSeconds = 1;

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// The first message at `path` whose alerts are named `alertname`.
std::optional<std::pair<RecordingReceiver::Request, json>> MessageFor(
    const std::vector<RecordingReceiver::Request>& requests, const std::string& path,
    const std::string& alertname) {
  for (const auto& r : requests) {
    json body = json::parse(r.body, nullptr, false);
    if (r.path != path || !body.is_object()) continue;
    if (body["commonLabels"].value("alertname", "") == alertname) return std::make_pair(r, body);
  }
  return std::nullopt;
}

TEST(AlertStoryTest, DeployCorrelatedAlertsGoToTheDevelopersAndTheOthersToOps) {
  TempDir dir;
  RecordingReceiver receiver(dir);
  std::string rules = dir.path() + "/rules.yaml", notify = dir.path() + "/notify.yaml";
  WriteFile(rules, R"(groups:
  - name: front
    interval: 1s
    rules:
      - alert: Http404Spike
        expr: sum by (service) (count_over_time({service="front"} |~ `" 404 ` [1m])) > 20
        for: 2s
        labels: {severity: page}
        annotations:
          summary: '{{ $value | humanize }} 404s per minute on {{ $labels.service }}'
          runbook_url: https://wiki/404
      - alert: WorkersErroring
        expr: sum by (service) (rate(worker_errors_total[1m])) > 0.5
        for: 2s
        labels: {severity: ticket}
)");
  WriteFile(notify, StrCat(R"(route:
  receiver: ops
  group_by: [alertname, service]
  group_wait: )",
                           kGroupWaitSeconds, R"(s
  routes:
    - matchers: ['deploy_correlated="true"']
      receiver: dev
receivers:
  - name: ops
    webhook_configs: [{url: ")",
                           receiver.Url("/ops"), R"("}]
  - name: dev
    webhook_configs: [{url: ")",
                           receiver.Url("/dev"), R"("}]
)"));
  Vigied server(dir.path() + "/data", {"--rules", rules, "--notify", notify});
  server.Start();
  // Runs `vigie ARGS`, which must succeed; its standard output.
  auto vigie = [&](std::vector<std::string> args) {
    args.insert(args.begin(), BinaryPath("cli/vigie"));
    std::string out, err;
    EXPECT_EQ(RunCommand(args, &out, "", &err), 0) << err;
    return out;
  };

  // front#67 shipped 4 minutes ago; nothing shipped for the workers.
  int64_t now_s = NowNanos() / kNanosPerSecond;
  vigie({"--server", server.grpc_address(), "deploy", "--service", "front", "--version", "67",
         "--commit", "3f2c1ab", "--author", "Jane Doe", "--env", "prod", "--time",
         std::to_string(now_s - 240)});

  // A burst of 404s on front, appended to the access log that the front's collector tails.
  std::filesystem::create_directory(dir.path() + "/logs");
  collector::testing::CollectorProcess collector(dir.path(),
                                                 StrCat(R"(batch: {max_age: 200ms}
inputs:
  - type: file
    paths: [")",
                                                        dir.path(), R"(/logs/*.log"]
    labels: {service: front}
    read_from: beginning
)"),
                                                 server.grpc_address());
  collector.Start();
  std::string lines;
  for (int i = 0; i < 50; ++i) lines += StrCat("GET /missing/", i, " HTTP/1.1\" 404 12\n");
  lines += "GET / HTTP/1.1\" 200 512\n";
  collector::testing::AppendToFile(dir.path() + "/logs/access.log", lines);

  // The workers' error counter climbs by 2 a second over remote_write.
  int64_t t0 = NowNanos() / kNanosPerMilli - 60'000;
  WriteSeries errors{{{"__name__", "worker_errors_total"}, {"service", "workers"}}, {}};
  for (int i = 0; i <= 60; ++i) errors.samples.emplace_back(t0 + i * 1000, 2.0 * i);
  ASSERT_EQ(RemoteWrite(server.http_address(), MakeWriteRequest({errors})).status, 204u);

  auto requests = receiver.WaitFor(2, std::chrono::seconds(30));
  auto dev = MessageFor(requests, "/dev", "Http404Spike");
  auto ops = MessageFor(requests, "/ops", "WorkersErroring");
  ASSERT_TRUE(dev) << "no Http404Spike message at the dev receiver\n"
                   << server.Log() << "collector:\n"
                   << collector.Log();
  ASSERT_TRUE(ops) << "no WorkersErroring message at the ops receiver\n" << server.Log();
  EXPECT_FALSE(MessageFor(requests, "/ops", "Http404Spike")) << "a correlated alert went to ops";
  EXPECT_FALSE(MessageFor(requests, "/dev", "WorkersErroring")) << "an alert went to dev";

  // The 404 alert names the deploy it follows.
  const json& spike = dev->second["alerts"][0];
  EXPECT_EQ(spike["labels"]["deploy_correlated"], "true");
  EXPECT_EQ(spike["labels"]["service"], "front");
  EXPECT_EQ(spike["annotations"]["deploy_version"], "67");
  EXPECT_EQ(spike["annotations"]["deploy_commit"], "3f2c1ab");
  EXPECT_EQ(spike["annotations"]["deploy_author"], "Jane Doe");
  EXPECT_EQ(spike["annotations"]["summary"], "50 404s per minute on front");
  ASSERT_EQ(dev->second["deploys"].size(), 1u) << dev->second;
  const json& shipped = dev->second["deploys"][0];
  EXPECT_EQ(shipped["service"], "front");
  EXPECT_EQ(shipped["version"], "67");
  EXPECT_EQ(shipped["commit"], "3f2c1ab");
  EXPECT_EQ(shipped["author"], "Jane Doe");
  EXPECT_EQ(shipped["environment"], "prod");
  double minutes_before =
      std::stod(spike["annotations"]["deploy_minutes_before"].get<std::string>());
  EXPECT_GE(minutes_before, 4);
  EXPECT_LT(minutes_before, 5);

  // The worker alert follows no deploy.
  const json& workers = ops->second["alerts"][0];
  EXPECT_EQ(workers["labels"]["deploy_correlated"], "false");
  EXPECT_EQ(workers["labels"]["service"], "workers");
  EXPECT_TRUE(ops->second["deploys"].empty()) << ops->second;

  // Each arrived within group_wait + 2 s of its rule firing (startsAt: when `for` was met).
  for (const auto* message : {&*dev, &*ops}) {
    double fired =
        ParseTime(message->second["alerts"][0]["startsAt"].get<std::string>()).value() / 1e9;
    EXPECT_LE(message->first.arrived - fired, kGroupWaitSeconds + 2.0) << message->second;
  }

  // vigie alerts shows both firing, and the deploy the 404 alert follows.
  std::string table = vigie({"alerts", "--url", "http://" + server.http_address()});
  EXPECT_THAT(table, HasSubstr("Http404Spike"));
  EXPECT_THAT(table, HasSubstr("WorkersErroring"));
  EXPECT_THAT(table, HasSubstr("3f2c1ab"));
}

}  // namespace
}  // namespace vigie::testing
