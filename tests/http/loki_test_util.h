// Helpers of the Loki API tests: push bodies in Loki's JSON shape, times near now, and reading
// answers.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/time.h"
#include "nlohmann/json.hpp"
#include "tests/http/http_client.h"

namespace vigie::testing {

// A time a few minutes ago, so that the default windows (the last hour) include it. The clock
// is read once per process: Recent(3) means the same time in a push and in the query that
// checks it, however slowly the test runs (a second may pass between the two calls).
inline int64_t Recent(int seconds_after) {
  static const int64_t base_s = NowNanos() / kNanosPerSecond - 300;
  return (base_s + seconds_after) * kNanosPerSecond;
}

inline std::string Ns(int64_t t) { return std::to_string(t); }

// Push bodies, built with explicit arrays: in nlohmann's initializer lists a pair of strings
// reads as an object member.
inline nlohmann::json Entry(int64_t ts, std::string line) {
  return nlohmann::json::array({Ns(ts), std::move(line)});
}
inline nlohmann::json Stream(nlohmann::json labels, std::vector<nlohmann::json> entries) {
  return {{"stream", std::move(labels)}, {"values", nlohmann::json(std::move(entries))}};
}
inline nlohmann::json Streams(std::vector<nlohmann::json> streams) {
  return {{"streams", nlohmann::json(std::move(streams))}};
}

// GET path?params, expecting `want_status`; the parsed body (discarded when it is not JSON).
inline nlohmann::json Get(const std::string& address, const std::string& path,
                          const Headers& params, unsigned want_status = 200) {
  HttpReply reply = HttpCall(address, "GET", path + "?" + QueryString(params));
  EXPECT_EQ(reply.status, want_status) << path << ": " << reply.body << reply.error;
  return nlohmann::json::parse(reply.body, nullptr, false);
}

// POSTs a JSON push body; expects `want_status`.
inline void PushJson(const std::string& address, const nlohmann::json& body,
                     unsigned want_status = 204) {
  HttpReply reply = HttpCall(address, "POST", "/loki/api/v1/push", body.dump(),
                             {{"Content-Type", "application/json"}});
  EXPECT_EQ(reply.status, want_status) << reply.body << reply.error;
}

// The lines of a "streams" result, stream by stream, in the order returned.
inline std::vector<std::string> Lines(const nlohmann::json& body) {
  std::vector<std::string> lines;
  for (const nlohmann::json& stream : body["data"]["result"]) {
    for (const nlohmann::json& value : stream["values"]) lines.push_back(value[1]);
  }
  return lines;
}

}  // namespace vigie::testing
