// The HTTP server in-process on a real store, for tests of its endpoints (http_server_test.cc,
// remote_write_test.cc).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "common/time.h"
#include "nlohmann/json.hpp"
#include "server/http_server.h"
#include "server/request_budget.h"
#include "store/store.h"
#include "tests/http/http_client.h"
#include "tests/integration/harness.h"

namespace vigie::testing {

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(server::TlsConfig tls = {}, std::vector<server::TokenGrant> grants = {}) {
    limits_.max_batch_bytes = 64 * 1024;
    auto store = store::Store::Open({.path = dir_.path() + "/data"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    engine_ = std::make_unique<logql::Engine>(store_.get(), limits_);
    metrics_ = std::make_unique<server::ServerMetrics>(store_.get());
    ingester_ = std::make_unique<server::Ingester>(store_.get(), &tails_, metrics_.get(), limits_);
    auth_ = std::make_unique<server::Authorizer>(std::move(grants));
    server::HttpDeps deps{
        engine_.get(),  store_.get(), ingester_.get(), &tails_,
        metrics_.get(), auth_.get(),  limits_,         [this] { return ready_.load(); },
        budget_.get()};
    deps.metadata = &metadata_;
    deps.endpoints = endpoints_;
    auto server = server::StartHttpServer("127.0.0.1:0", tls, deps);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    address_ = "127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  std::string PushBody(std::string_view line) {
    nlohmann::json entry = nlohmann::json::array({std::to_string(NowNanos()), line});
    nlohmann::json stream = {{"stream", {{"job", "t"}}},
                             {"values", nlohmann::json::array({entry})}};
    return nlohmann::json({{"streams", nlohmann::json::array({stream})}}).dump();
  }

  TempDir dir_;
  Limits limits_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<logql::Engine> engine_;
  server::TailHub tails_;
  std::unique_ptr<server::ServerMetrics> metrics_;
  std::unique_ptr<server::Ingester> ingester_;
  std::unique_ptr<server::Authorizer> auth_;
  server::MetadataRegistry metadata_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<server::RequestBudget> budget_;  // Set before Start() to bound requests.
  std::vector<server::HttpEndpoint> endpoints_;    // Set before Start() to wire some in.
  std::unique_ptr<server::HttpServer> server_;
  std::string address_;
};

// Expects `reply` to be the JSON error answer (Prometheus's envelope) with `status`, `type`,
// and an error message containing `says`.
inline void ExpectJsonError(const HttpReply& reply, unsigned status, std::string_view type,
                            std::string_view says) {
  EXPECT_EQ(reply.status, status) << reply.body << reply.error;
  EXPECT_EQ(reply.content_type, "application/json; charset=utf-8") << reply.body;
  nlohmann::json body = nlohmann::json::parse(reply.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << reply.body;
  EXPECT_EQ(body["status"], "error");
  EXPECT_EQ(body["errorType"], type);
  EXPECT_THAT(body["error"].get<std::string>(), ::testing::HasSubstr(says));
  EXPECT_EQ(body["message"], body["error"]);
}
}  // namespace vigie::testing
