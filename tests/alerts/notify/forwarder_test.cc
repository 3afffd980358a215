#include "alerts/notify/forwarder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/alerts/notify/notify_fixtures.h"

namespace vigie::alerts::notify {
namespace {

class RecordingSender : public HttpSender {
 public:
  HttpResult Send(const HttpRequest& request) override {
    std::lock_guard lock(mu);
    requests.push_back(request);
    return {request.url.find("down") == std::string::npos ? 200 : 0, "refused", "", ""};
  }
  std::mutex mu;
  std::vector<HttpRequest> requests;
};

TEST(ForwarderTest, AlertsJsonAsPrometheusSendsThem) {
  nlohmann::ordered_json body = AlertmanagerAlertsJson({SpikeAlert()});
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0]["labels"]["alertname"], "Http404Spike");
  EXPECT_EQ(body[0]["annotations"]["summary"], "312 404s per minute on front");
  EXPECT_EQ(body[0]["startsAt"], "2026-12-06T20:41:00Z");
  EXPECT_EQ(body[0]["endsAt"], "2026-12-06T21:41:00Z");
  EXPECT_EQ(body[0]["generatorURL"], "http://vigie:9470/graph?g0.expr=x");
}

TEST(ForwarderTest, BatchesToEveryAlertmanager) {
  RecordingSender sender;
  {
    ForwarderOptions options;
    options.max_batch = 2;
    AlertmanagerForwarder forwarder({"http://am1:9093/", "http://down:9093/prefix"}, &sender,
                                    nullptr, options);
    forwarder.Notify({SpikeAlert(), SpikeAlert(), SpikeAlert()});
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(sender.mu);
        if (sender.requests.size() >= 4) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::lock_guard lock(sender.mu);
  ASSERT_EQ(sender.requests.size(), 4u);  // Two batches (2 + 1) to each.
  EXPECT_EQ(sender.requests[0].url, "http://am1:9093/api/v2/alerts");
  EXPECT_EQ(sender.requests[1].url, "http://down:9093/prefix/api/v2/alerts");
  EXPECT_EQ(nlohmann::json::parse(sender.requests[0].body).size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(sender.requests[2].body).size(), 1u);
}

}  // namespace
}  // namespace vigie::alerts::notify
