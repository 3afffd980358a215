// Helpers of the rules' process tests (rules_it_test, anomaly_it_test).
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/http/http_client.h"
#include "tests/integration/harness.h"

namespace vigie::testing {

// Writes `content` to `path` atomically (a reload never sees half a file).
inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path + ".tmp") << content;
  std::rename((path + ".tmp").c_str(), path.c_str());
}

// GET `target` on the server's HTTP API, which must answer 200; its JSON (null otherwise).
inline nlohmann::json GetJson(const Vigied& server, const std::string& target) {
  HttpReply reply = HttpCall(server.http_address(), "GET", target, "", {});
  EXPECT_EQ(reply.status, 200u) << reply.error << reply.body;
  return reply.status == 200 ? nlohmann::json::parse(reply.body) : nlohmann::json();
}

}  // namespace vigie::testing
