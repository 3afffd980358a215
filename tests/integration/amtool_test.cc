// Alertmanager's API v2 with a real vigied, Debian's amtool (prometheus-alertmanager 0.25) and
// the recording webhook receiver: amtool lists vigied's alerts, adds a silence that stops the
// next notification and expires it, which lets the following one through; a page alert
// inhibits the ticket alert of the same service.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/http/http_client.h"
#include "tests/integration/recording_receiver.h"

namespace vigie::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kNotify[] = R"(
route:
  receiver: ops
  group_by: [alertname, service]
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: ops
    webhook_configs: [{url: '%URL%'}]
inhibit_rules:
  - source_matchers: [severity="page"]
    target_matchers: [severity="ticket"]
    equal: [service]
)";

class AmtoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string text = kNotify;
    text.replace(text.find("%URL%"), 5, receiver_.Url("/hook"));
    vigied_ = std::make_unique<Vigied>(
        dir_.path() + "/data",
        std::vector<std::string>{"--notify", WriteFile(dir_, "notify.yaml", text)});
    vigied_->Start();
  }
  // amtool's standard output; the test fails when it exits non-zero.
  std::string Amtool(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"/usr/bin/amtool", "--alertmanager.url=http://" + vigied_->http_address()});
    std::string out, err;
    int code = RunCommand(args, &out, "", &err);
    EXPECT_EQ(code, 0) << out << err;
    return out;
  }
  // vigie's standard output and exit code.
  int Vigie(std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), {BinaryPath("cli/vigie"), "silence"});
    args.insert(args.begin() + 3, "--url=" + vigied_->http_address());
    std::string err;
    int code = RunCommand(args, out, "", &err);
    *out += err;
    return code;
  }
  void Post(const json& labels) {
    HttpReply reply = HttpCall(vigied_->http_address(), "POST", "/api/v2/alerts",
                               json::array({{{"labels", labels}}}).dump(),
                               {{"Content-Type", "application/json"}});
    ASSERT_EQ(reply.status, 200u) << reply.body << reply.error;
  }
  // The instance labels of each notification received, one set per message.
  std::vector<std::set<std::string>> Messages() {
    std::vector<std::set<std::string>> out;
    for (const RecordingReceiver::Request& r : receiver_.Requests()) {
      std::set<std::string> names;
      json body = json::parse(r.body);
      for (const json& a : body["alerts"]) {
        names.insert(a["labels"].value("alertname", "") + "/" + a["labels"].value("instance", "") +
                     "/" + a["labels"].value("service", ""));
      }
      out.push_back(names);
    }
    return out;
  }

  TempDir dir_;
  RecordingReceiver receiver_{dir_};
  std::unique_ptr<Vigied> vigied_;
};

TEST_F(AmtoolTest, SilenceStopsTheNextNotificationAndExpiringItLetsTheFollowingThrough) {
  Post({{"alertname", "Http404Spike"}, {"service", "front"}, {"instance", "a"}});
  ASSERT_EQ(receiver_.WaitFor(1, std::chrono::seconds(10)).size(), 1u);
  EXPECT_THAT(Amtool({"alert", "query"}), HasSubstr("Http404Spike"));
  EXPECT_THAT(Amtool({"config", "show"}), HasSubstr("group_wait: 200ms"));

  std::string id = Amtool({"silence", "add", "alertname=Http404Spike", "instance=b", "--duration",
                           "1h", "--comment", "known, fixing", "--author", "tester"});
  id.erase(id.find_last_not_of("\n") + 1);
  ASSERT_EQ(id.size(), 36u) << id;
  EXPECT_THAT(Amtool({"silence", "query"}), HasSubstr(id));
  Post({{"alertname", "Http404Spike"}, {"service", "front"}, {"instance", "b"}});
  // Three group_interval ticks pass: b is silenced, a unchanged, so nothing is sent.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(receiver_.Requests().size(), 1u);
  EXPECT_THAT(Amtool({"alert", "query", "--silenced"}), HasSubstr("Http404Spike"));
  json alerts = json::parse(
      HttpCall(vigied_->http_address(), "GET", "/api/v2/alerts?filter=instance%3D%22b%22").body);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["status"]["silencedBy"], json::array({id}));
  EXPECT_EQ(alerts[0]["status"]["state"], "suppressed");

  Amtool({"silence", "expire", id});
  ASSERT_EQ(receiver_.WaitFor(2, std::chrono::seconds(10)).size(), 2u);
  EXPECT_EQ(Messages()[1], (std::set<std::string>{"Http404Spike/a/front", "Http404Spike/b/front"}));
  EXPECT_THAT(Amtool({"silence", "query", "--expired"}), HasSubstr(id));
}

TEST_F(AmtoolTest, PageInhibitsTheTicketOfTheSameService) {
  Post({{"alertname", "Down"}, {"service", "front"}, {"severity", "page"}});
  Post({{"alertname", "Slow"}, {"service", "front"}, {"severity", "ticket"}});
  Post({{"alertname", "Slow"}, {"service", "back"}, {"severity", "ticket"}});
  receiver_.WaitFor(2, std::chrono::seconds(10));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // A ticket for front would be out by now.
  std::set<std::string> sent;
  for (const auto& message : Messages()) sent.insert(message.begin(), message.end());
  EXPECT_EQ(sent, (std::set<std::string>{"Down//front", "Slow//back"}));
  std::string inhibited = Amtool({"alert", "query", "--inhibited", "-o", "extended"});
  EXPECT_THAT(inhibited, HasSubstr(R"(service="front" severity="ticket")"));
  EXPECT_THAT(Amtool({"alert", "query"}), ::testing::Not(HasSubstr("ticket")));
}

TEST_F(AmtoolTest, VigieSilenceCommandsAddListAndExpire) {
  std::string out;
  ASSERT_EQ(Vigie({"add", "alertname=Http404Spike", "service=~front|back", "--for", "2h",
                   "--comment", "known, fixing"},
                  &out),
            0)
      << out;
  std::string id = out.substr(0, out.find('\n'));
  ASSERT_EQ(id.size(), 36u) << out;
  // amtool sees what vigie added, with the author defaulting to $USER.
  std::string query = Amtool({"silence", "query", "-o", "extended"});
  EXPECT_THAT(query, HasSubstr(id));
  EXPECT_THAT(query, HasSubstr(R"(service=~"front|back")"));
  EXPECT_THAT(query, HasSubstr("known, fixing"));
  Post({{"alertname", "Http404Spike"}, {"service", "front"}});
  EXPECT_THAT(Amtool({"alert", "query", "--silenced"}), HasSubstr("Http404Spike"));
  ASSERT_EQ(Vigie({"list"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr(id));
  EXPECT_THAT(out, HasSubstr("active"));
  ASSERT_EQ(Vigie({"expire", id}, &out), 0) << out;
  ASSERT_EQ(Vigie({"list"}, &out), 0) << out;
  EXPECT_THAT(out, ::testing::Not(HasSubstr(id)));
  ASSERT_EQ(Vigie({"list", "--expired"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("expired"));
  // What a user gets wrong is named.
  EXPECT_EQ(Vigie({"add", "alertname~~x"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("bad matcher alertname~~x"));
  EXPECT_EQ(Vigie({"expire", "00000000-0000-4000-8000-000000000000"}, &out), 1);
  EXPECT_THAT(out, HasSubstr("not found"));
}

}  // namespace
}  // namespace vigie::testing
