// The HTTP server in-process, on a real store: connection handling (keep-alive, limits,
// malformed requests, Stop), authentication, probes and TLS. The Loki API's behaviour end to end
// is in loki_api_test.cc, against a real vigied.
#include "server/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "common/strings.h"
#include "common/time.h"
#include "nlohmann/json.hpp"
#include "server/request_budget.h"
#include "store/store.h"
#include "tests/http/http_client.h"
#include "tests/http/http_server_fixture.h"
#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

TEST_F(HttpServerTest, ProbesAndMetrics) {
  Start();
  EXPECT_EQ(HttpCall(address_, "GET", "/healthz").body, "ok\n");
  EXPECT_EQ(HttpCall(address_, "GET", "/readyz").status, 200u);
  EXPECT_EQ(HttpCall(address_, "GET", "/ready").body, "ready\n");
  ready_ = false;
  EXPECT_EQ(HttpCall(address_, "GET", "/readyz").status, 503u);
  EXPECT_EQ(HttpCall(address_, "GET", "/ready").status, 503u);
  HttpReply metrics = HttpCall(address_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(metrics.body, HasSubstr("vigie_store_streams"));
  HttpReply info = HttpCall(address_, "GET", "/loki/api/v1/status/buildinfo");
  EXPECT_EQ(nlohmann::json::parse(info.body)["version"], "2.9.0");
}

TEST_F(HttpServerTest, UnknownPathsAndMethods) {
  Start();
  EXPECT_EQ(HttpCall(address_, "GET", "/nope").status, 404u);
  EXPECT_EQ(HttpCall(address_, "GET", "/loki/api/v1/nope").status, 404u);
  EXPECT_EQ(HttpCall(address_, "GET", "/loki/api/v1/push").status, 405u);
  EXPECT_EQ(HttpCall(address_, "DELETE", "/loki/api/v1/query_range").status, 405u);
  EXPECT_EQ(HttpCall(address_, "POST", "/healthz").status, 405u);
  HttpReply tail = HttpCall(address_, "GET", "/loki/api/v1/tail?query=%7Bjob%3D%22t%22%7D");
  EXPECT_EQ(tail.status, 400u);
  EXPECT_THAT(tail.body, HasSubstr("WebSocket"));
}

TEST_F(HttpServerTest, WiredEndpointsAnswerTheirPathsAndMethodsWithTheirScopes) {
  auto echo = [](std::string what) {
    return [what](const server::http::Request& r) {
      return server::http::TextResponse(200, what + " " + r.path);
    };
  };
  endpoints_.push_back({"/api/v1/things", false, {"GET"}, server::Scope::kQuery, echo("list")});
  endpoints_.push_back({"/api/v1/things", false, {"POST"}, server::Scope::kAdmin, echo("add")});
  endpoints_.push_back({"/api/v1/thing/", true, {"DELETE"}, server::Scope::kAdmin, echo("del")});
  Start({}, {{"reader", {server::Scope::kQuery}}, {"root", {server::Scope::kAdmin}}});
  auto call = [&](std::string_view method, std::string_view target, std::string token) {
    return HttpCall(address_, method, target, "", {{"Authorization", "Bearer " + token}});
  };
  EXPECT_EQ(call("GET", "/api/v1/things", "reader").body, "list /api/v1/things");
  EXPECT_EQ(call("POST", "/api/v1/things", "reader").status, 403u);
  EXPECT_EQ(call("POST", "/api/v1/things", "root").body, "add /api/v1/things");
  EXPECT_EQ(call("DELETE", "/api/v1/thing/42", "root").body, "del /api/v1/thing/42");
  HttpReply put = call("PUT", "/api/v1/things", "root");
  EXPECT_EQ(put.status, 405u);
  EXPECT_THAT(put.body, HasSubstr("GET, POST"));
  // The built-in API is still behind them.
  EXPECT_EQ(call("GET", "/api/v1/status/buildinfo", "reader").status, 200u);
}

TEST_F(HttpServerTest, KeepsTheConnectionAliveAcrossRequests) {
  Start();
  HttpConnection connection(address_);
  ASSERT_TRUE(connection.connected()) << connection.error();
  for (int i = 0; i < 3; ++i) {
    HttpReply push = connection.Request("POST", "/loki/api/v1/push", PushBody("line"),
                                        {{"Content-Type", "application/json"}});
    EXPECT_EQ(push.status, 204u) << push.body << push.error;
    HttpReply labels = connection.Request("GET", "/loki/api/v1/labels");
    EXPECT_EQ(labels.body, R"({"data":["job"],"status":"success"})");
  }
}

TEST_F(HttpServerTest, RefusesOversizedBodiesWith413) {
  Start();
  std::string big = PushBody(std::string(2 << 20, 'x'));  // The limit is 1.5 x 64 KiB + 1 MiB.
  HttpReply reply =
      HttpCall(address_, "POST", "/loki/api/v1/push", big, {{"Content-Type", "application/json"}});
  EXPECT_EQ(reply.status, 413u);
  EXPECT_THAT(reply.body, HasSubstr("larger than the limit"));
  // The same with chunked encoding, where the size is only known while reading.
  HttpConnection connection(address_);
  std::string chunk(50 * 1024, 'x');
  std::string request =
      "POST /loki/api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) request += "c800\r\n" + chunk + "\r\n";
  request += "0\r\n\r\n";
  std::string raw = connection.RawExchange(request, std::chrono::seconds(10));
  EXPECT_THAT(raw, StartsWith("HTTP/1.1 413"));
}

TEST_F(HttpServerTest, AcceptsGzipPushes) {
  Start();
  std::string plain = dir_.path() + "/push.json", gz;
  std::ofstream(plain) << PushBody("through gzip");
  ASSERT_EQ(RunCommand({"/bin/gzip", "-c", plain}, &gz), 0);
  HttpReply reply = HttpCall(address_, "POST", "/loki/api/v1/push", gz,
                             {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(reply.status, 204u) << reply.body;
  HttpReply corrupt =
      HttpCall(address_, "POST", "/loki/api/v1/push", "not gzip",
               {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(corrupt.status, 400u);
  EXPECT_THAT(corrupt.body, HasSubstr("gzip"));
  HttpReply brotli = HttpCall(address_, "POST", "/loki/api/v1/push", PushBody("x"),
                              {{"Content-Type", "application/json"}, {"Content-Encoding", "br"}});
  EXPECT_EQ(brotli.status, 415u);
  EXPECT_THAT(brotli.body, HasSubstr("unsupported Content-Encoding"));
}

TEST_F(HttpServerTest, AnswersExpectContinue) {
  Start();
  HttpConnection connection(address_);
  std::string body = PushBody("after 100-continue");
  std::string raw = connection.RawExchange(
      "POST /loki/api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nExpect: 100-continue\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body,
      std::chrono::seconds(10));
  EXPECT_THAT(raw, StartsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204"));
}

TEST_F(HttpServerTest, MalformedRequestsGet400Or431AndNeverCrashIt) {
  Start();
  for (std::string_view garbage :
       {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03",
        "GET /healthz HTTP/1.1\r\nContent-Length: -4\r\n\r\n"}) {
    HttpConnection connection(address_);
    std::string raw = connection.RawExchange(garbage, std::chrono::seconds(5));
    EXPECT_THAT(raw, StartsWith("HTTP/1.1 400")) << garbage;
  }
  HttpConnection big_header(address_);
  std::string raw = big_header.RawExchange(
      "GET /healthz HTTP/1.1\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n",
      std::chrono::seconds(5));
  EXPECT_THAT(raw, StartsWith("HTTP/1.1 431"));
  EXPECT_EQ(HttpCall(address_, "GET", "/healthz").status, 200u);
}

TEST_F(HttpServerTest, ChecksTokensAndScopes) {
  Start({}, {{"ingest-only", {server::Scope::kIngest}}, {"reader", {server::Scope::kQuery}}});
  EXPECT_EQ(HttpCall(address_, "GET", "/healthz").status, 200u);  // Probes stay open.
  EXPECT_EQ(HttpCall(address_, "GET", "/metrics").status, 200u);
  HttpReply missing = HttpCall(address_, "GET", "/loki/api/v1/labels");
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(nlohmann::json::parse(missing.body)["status"], "error");
  HttpReply wrong =
      HttpCall(address_, "GET", "/loki/api/v1/labels", "", {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.status, 401u);
  // The scheme is case-insensitive (RFC 7235), the token is not.
  for (std::string scheme : {"bearer", "BEARER", "Bearer"}) {
    EXPECT_EQ(HttpCall(address_, "GET", "/loki/api/v1/labels", "",
                       {{"Authorization", scheme + " reader"}})
                  .status,
              200u)
        << scheme;
  }
  EXPECT_EQ(
      HttpCall(address_, "GET", "/loki/api/v1/labels", "", {{"Authorization", "Bearer READER"}})
          .status,
      401u);
  HttpReply scope = HttpCall(address_, "GET", "/loki/api/v1/labels", "",
                             {{"Authorization", "Bearer ingest-only"}});
  EXPECT_EQ(scope.status, 403u);
  EXPECT_THAT(scope.body, HasSubstr("query"));
  EXPECT_EQ(HttpCall(address_, "POST", "/loki/api/v1/push", PushBody("x"),
                     {{"Authorization", "Bearer reader"}, {"Content-Type", "application/json"}})
                .status,
            403u);
  EXPECT_EQ(
      HttpCall(address_, "POST", "/loki/api/v1/push", PushBody("x"),
               {{"Authorization", "Bearer ingest-only"}, {"Content-Type", "application/json"}})
          .status,
      204u);
  TailClient refused(address_, "/loki/api/v1/tail?query=%7Bjob%3D%22t%22%7D");
  EXPECT_FALSE(refused.connected());
  HttpConnection upgrade(address_);
  EXPECT_THAT(upgrade.RawExchange("GET /loki/api/v1/tail?query=%7Bjob%3D%22t%22%7D HTTP/1.1\r\n"
                                  "Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                                  "Sec-WebSocket-Version: 13\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                                  std::chrono::seconds(5)),
              StartsWith("HTTP/1.1 401"));
  TailClient allowed(address_, "/loki/api/v1/tail?query=%7Bjob%3D%22t%22%7D",
                     {{"Authorization", "Bearer reader"}});
  EXPECT_TRUE(allowed.connected()) << allowed.error();
}

TEST_F(HttpServerTest, TailAnswersPingsAndKeepsStreaming) {
  Start();
  TailClient tail(address_, "/loki/api/v1/tail?query=%7Bjob%3D%22t%22%7D");
  ASSERT_TRUE(tail.connected()) << tail.error();
  ASSERT_TRUE(tail.Ping());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(HttpCall(address_, "POST", "/loki/api/v1/push", PushBody("after a ping"),
                     {{"Content-Type", "application/json"}})
                .status,
            204u);
  std::optional<std::string> frame = tail.Read(std::chrono::seconds(1));
  ASSERT_TRUE(frame.has_value());
  EXPECT_THAT(*frame, HasSubstr("after a ping"));
}

TEST_F(HttpServerTest, ClientCloseEndsTheSubscription) {
  Start();
  {
    TailClient tail(address_, "/loki/api/v1/tail?query=%7Bjob%3D%22t%22%7D");
    ASSERT_TRUE(tail.connected()) << tail.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(tails_.followers(), 1u);
  }
  // The hub forgets a cancelled subscription at its next publish.
  for (int i = 0; i < 50 && tails_.followers() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    HttpCall(address_, "POST", "/loki/api/v1/push", PushBody("x"),
             {{"Content-Type", "application/json"}});
  }
  EXPECT_EQ(tails_.followers(), 0u);
}

TEST_F(HttpServerTest, StopEndsTailsAndIdleConnectionsPromptly) {
  Start();
  TailClient tail(address_, "/loki/api/v1/tail?query=%7Bjob%3D%22t%22%7D");
  ASSERT_TRUE(tail.connected()) << tail.error();
  HttpConnection idle(address_);
  ASSERT_EQ(idle.Request("GET", "/healthz").status, 200u);
  auto started = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(tail.Read(std::chrono::seconds(2)), std::nullopt);
  EXPECT_TRUE(tail.closed());
  EXPECT_EQ(idle.Request("GET", "/healthz").status, 0u);
  EXPECT_EQ(HttpCall(address_, "GET", "/healthz").status, 0u);
  server_->Stop();  // Idempotent.
}

// A plain TCP connection to 127.0.0.1:port that sends nothing; -1 on failure.
int ConnectIdle(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST_F(HttpServerTest, ConnectionsBeyondTheCapGet503) {
  Start();
  std::vector<int> idle;
  for (int i = 0; i < 512; ++i) {
    int fd = ConnectIdle(server_->port());
    ASSERT_GE(fd, 0) << i;
    idle.push_back(fd);
  }
  HttpConnection extra(address_);
  EXPECT_THAT(extra.RawExchange("GET /healthz HTTP/1.1\r\n\r\n", std::chrono::seconds(5)),
              StartsWith("HTTP/1.1 503"));
  for (int fd : idle) ::close(fd);
  // The closed connections are reaped as new ones arrive.
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    served = HttpCall(address_, "GET", "/healthz").status == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST_F(HttpServerTest, ServesTls) {
  std::string cert = dir_.path() + "/cert.pem", key = dir_.path() + "/key.pem";
  std::string out;
  ASSERT_EQ(RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert},
                       &out),
            0);
  Start({cert, key});
  HttpConnection connection(address_, /*tls=*/true);
  ASSERT_TRUE(connection.connected()) << connection.error();
  EXPECT_EQ(connection.Request("GET", "/healthz").body, "ok\n");
  EXPECT_EQ(connection
                .Request("POST", "/loki/api/v1/push", PushBody("over tls"),
                         {{"Content-Type", "application/json"}})
                .status,
            204u);
  // Plain HTTP to the TLS port gets nothing useful, and does not disturb the server.
  EXPECT_EQ(HttpCall(address_, "GET", "/healthz").status, 0u);
  EXPECT_EQ(connection.Request("GET", "/healthz").status, 200u);
}

// Every error answer is JSON in the shape of Prometheus's API, with the message under "error"
// and "message" (which Grafana's Loki data source shows).

TEST_F(HttpServerTest, EveryErrorAnswerIsJson) {
  Start();
  HttpReply get_push = HttpCall(address_, "GET", "/loki/api/v1/push");
  ExpectJsonError(get_push, 405, "method_not_allowed", "method GET not allowed");
  EXPECT_EQ(get_push.Header("Allow"), "POST");
  ExpectJsonError(HttpCall(address_, "DELETE", "/loki/api/v1/labels"), 405, "method_not_allowed",
                  "use GET, HEAD, POST");
  ExpectJsonError(HttpCall(address_, "GET", "/nope"), 404, "not_found", "/nope");
  ExpectJsonError(HttpCall(address_, "GET", "/loki/api/v1/nope"), 404, "not_found", "/loki/");
  ExpectJsonError(HttpCall(address_, "GET", "/loki/api/v1/query_range?query=%7Bjob%3D"), 400,
                  "bad_data", "");
  ExpectJsonError(HttpCall(address_, "GET", "/loki/api/v1/tail?query=%7Bjob%3D%22t%22%7D"), 400,
                  "bad_data", "WebSocket");
  ExpectJsonError(
      HttpCall(address_, "POST", "/loki/api/v1/push", "x", {{"Content-Encoding", "br"}}), 415,
      "bad_data", "Content-Encoding");
}

TEST_F(HttpServerTest, JsonBodyWithoutContentTypeIsRecognised) {
  Start();
  HttpReply push = HttpCall(address_, "POST", "/loki/api/v1/push", "  \n" + PushBody("no type"));
  EXPECT_EQ(push.status, 204u) << push.body;
  HttpReply query = HttpCall(address_, "GET", "/loki/api/v1/query_range?query=%7Bjob%3D%22t%22%7D");
  EXPECT_THAT(query.body, HasSubstr("no type"));
}

TEST_F(HttpServerTest, HeadAnswersAsGetWithoutTheBody) {
  Start();
  ASSERT_EQ(HttpCall(address_, "POST", "/loki/api/v1/push", PushBody("x"),
                     {{"Content-Type", "application/json"}})
                .status,
            204u);
  // Metrics and query statistics change between two calls; the other bodies do not.
  for (auto [target, stable] : std::vector<std::pair<std::string_view, bool>>{
           {"/", true},
           {"/healthz", true},
           {"/readyz", true},
           {"/metrics", false},
           {"/loki/api/v1/labels", true},
           {"/loki/api/v1/label/job/values", true},
           {"/loki/api/v1/query_range?query=%7Bjob%3D%22t%22%7D", false},
           {"/nope", true}}) {
    HttpConnection connection(address_);
    HttpReply get = connection.Request("GET", target);
    HttpReply head = connection.Request("HEAD", target);  // On the same connection: no body.
    EXPECT_EQ(head.status, get.status) << target;
    EXPECT_EQ(head.content_type, get.content_type) << target;
    EXPECT_TRUE(head.body.empty()) << target;
    if (stable) {
      EXPECT_EQ(head.Header("Content-Length"), std::to_string(get.body.size())) << target;
    }
    EXPECT_EQ(connection.Request("GET", "/healthz").body, "ok\n") << target;
  }
  HttpReply head_push = HttpCall(address_, "HEAD", "/loki/api/v1/push");
  EXPECT_EQ(head_push.status, 405u);
}

TEST_F(HttpServerTest, LabelsWithStartAfterEndIs400LikeQueryRange) {
  Start();
  for (std::string_view path : {"/loki/api/v1/labels", "/loki/api/v1/label/job/values",
                                "/loki/api/v1/series", "/loki/api/v1/query_range"}) {
    ExpectJsonError(
        HttpCall(
            address_, "GET",
            std::string(path) +
                "?query=%7Bjob%3D%22t%22%7D&match%5B%5D=%7Bjob%3D%22t%22%7D&start=2000&end=1000"),
        400, "bad_data", "end of the time range is before its start");
  }
}

TEST_F(HttpServerTest, HomePageLinksToTheApi) {
  Start();
  HttpReply home = HttpCall(address_, "GET", "/");
  EXPECT_EQ(home.status, 200u);
  EXPECT_EQ(home.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(home.body, HasSubstr("built without its web UI"));
  for (std::string_view endpoint : {"/loki/api/v1/push", "/loki/api/v1/query_range",
                                    "/loki/api/v1/labels", "/loki/api/v1/tail", "/metrics"}) {
    EXPECT_THAT(home.body, HasSubstr(endpoint));
  }
}

// The answer to a WebSocket upgrade of the tail endpoint with `params`.
std::string TailUpgrade(const std::string& address, std::string_view params) {
  HttpConnection connection(address);
  return connection.RawExchange(
      StrCat("GET /loki/api/v1/tail?query=%7Bjob%3D%22t%22%7D&", params,
             " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
             "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
      std::chrono::seconds(5));
}

TEST_F(HttpServerTest, TailStartAndLimitAreBoundedAsQueryRangeIs) {
  limits_.max_query_range_ns = 3600 * kNanosPerSecond;
  limits_.max_entries_per_query = 500;
  Start();
  std::string far_start = TailUpgrade(address_, "start=1");
  EXPECT_THAT(far_start, StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(far_start, HasSubstr("--max-query-range"));
  std::string big_limit = TailUpgrade(address_, "limit=10000000");
  EXPECT_THAT(big_limit, StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(big_limit, HasSubstr("--max-entries-per-query"));
  std::string start = std::to_string(NowNanos() - 1800 * kNanosPerSecond);
  TailClient within(address_,
                    "/loki/api/v1/tail?query=%7Bjob%3D%22t%22%7D&limit=500&start=" + start);
  EXPECT_TRUE(within.connected()) << within.error();
}

TEST_F(HttpServerTest, PastTheInFlightBudgetPushesGet429WithRetryAfter) {
  budget_ = std::make_unique<server::RequestBudget>(1 << 20);
  Start();
  std::string body = PushBody(std::string(40 * 1024, 'x'));
  {
    server::RequestBudget::Reservation others = budget_->NewReservation();
    ASSERT_TRUE(others.Grow((1 << 20) - 1000));  // Other requests hold nearly all of it.
    HttpReply busy = HttpCall(address_, "POST", "/loki/api/v1/push", body,
                              {{"Content-Type", "application/json"}});
    ExpectJsonError(busy, 429, "too_many_requests", "--max-inflight-request-bytes");
    EXPECT_EQ(busy.Header("Retry-After"), "1");
    EXPECT_EQ(HttpCall(address_, "GET", "/healthz").status, 200u);  // Bodiless requests pass.
  }
  HttpReply later =
      HttpCall(address_, "POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}});
  EXPECT_EQ(later.status, 204u) << later.body;
  EXPECT_EQ(budget_->in_use(), 0u);  // Every request gave its bytes back.
}

// A gzip member of `size` zero bytes whose trailer declares `declared` bytes (a lie when they
// differ), made with the system's gzip.
std::string GzipBomb(const std::string& dir, size_t size, uint32_t declared) {
  std::string path = dir + "/zeros", gz;
  std::ofstream(path) << std::string(size, '\0');
  EXPECT_EQ(RunCommand({"/bin/gzip", "-c", path}, &gz), 0);
  for (int i = 0; i < 4; ++i) gz[gz.size() - 4 + i] = static_cast<char>(declared >> (8 * i));
  return gz;
}

TEST_F(HttpServerTest, GzipBodiesAreBoundedWhileInflating) {
  limits_.max_decompression_ratio = 100;
  Start();
  const Headers gzip_json = {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}};
  // 8 MiB of zeros is ~8 KB of gzip: beyond 100 times its size (and 1 MiB), and beyond the
  // body limit, whether the trailer says so or lies.
  for (uint32_t declared : {8u << 20, 1000u}) {
    HttpReply bomb = HttpCall(address_, "POST", "/loki/api/v1/push",
                              GzipBomb(dir_.path(), 8 << 20, declared), gzip_json);
    ExpectJsonError(bomb, 413, "too_large", "--max-decompression-ratio");
  }
  EXPECT_EQ(HttpCall(address_, "GET", "/healthz").status, 200u);
}

TEST(StartHttpServerTest, FailsNamingTheAddressOrFile) {
  server::HttpDeps deps;
  auto bad = server::StartHttpServer("nonsense", {}, deps);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("nonsense"));
  auto cert = server::StartHttpServer("127.0.0.1:0", {"/no/such/cert.pem", "/no/key.pem"}, deps);
  ASSERT_FALSE(cert.ok());
  EXPECT_THAT(std::string(cert.status().message()), HasSubstr("/no/such/cert.pem"));
  auto first = server::StartHttpServer("127.0.0.1:0", {}, deps);
  ASSERT_TRUE(first.ok());
  std::string taken = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = server::StartHttpServer(taken, {}, deps);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), HasSubstr(taken));
}

}  // namespace
}  // namespace vigie::testing
