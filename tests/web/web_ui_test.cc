// Serving the web UI's files (server/http/web_ui.h) and the tail's one-use tickets
// (server/http/tail_tickets.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/http/tail_tickets.h"
#include "server/http/web_ui.h"

namespace vigie::server::http {
namespace {

using ::testing::Contains;
using ::testing::Pair;

constexpr WebAsset kAssets[] = {
    {"/", "text/html; charset=utf-8", "<html>", "GZ-html", "\"e1\""},
    {"/assets/app.js", "text/javascript; charset=utf-8", "let x;", "GZ-js", "\"e2\""},
};

Request Get(std::string path, std::string accept_encoding = "", std::string if_none_match = "") {
  Request request;
  request.method = "GET";
  request.path = std::move(path);
  request.accept_encoding = std::move(accept_encoding);
  request.if_none_match = std::move(if_none_match);
  return request;
}

TEST(WebUiTest, ServesTheFileWithItsTypeAndETag) {
  std::optional<Response> r = ServeWebAsset(Get("/assets/app.js"), kAssets);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(r->body, "let x;");
  EXPECT_THAT(r->headers, Contains(Pair("ETag", "\"e2\"")));
  EXPECT_THAT(r->headers, Contains(Pair("Cache-Control", "no-cache")));
  EXPECT_THAT(r->headers, Contains(Pair("Vary", "Accept-Encoding")));
}

TEST(WebUiTest, TheHomePageCarriesItsSecurityPolicy) {
  std::optional<Response> r = ServeWebAsset(Get("/"), kAssets);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "<html>");
  bool has_policy = false;
  for (const auto& [name, value] : r->headers) {
    if (name == "Content-Security-Policy") has_policy = value.starts_with("default-src 'self'");
  }
  EXPECT_TRUE(has_policy);
}

TEST(WebUiTest, GzipWhenAccepted) {
  for (std::string accept : {"gzip", "deflate, gzip;q=0.5, br", "*", "GZIP"}) {
    std::optional<Response> r = ServeWebAsset(Get("/", accept), kAssets);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "GZ-html") << accept;
    EXPECT_THAT(r->headers, Contains(Pair("Content-Encoding", "gzip"))) << accept;
  }
  for (std::string refused : {"", "br", "gzip;q=0", "gzip; q=0.000", "x-gzipped"}) {
    std::optional<Response> r = ServeWebAsset(Get("/", refused), kAssets);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "<html>") << refused;
  }
}

TEST(WebUiTest, AMatchingETagIs304WithoutBody) {
  for (std::string tag : {"\"e1\"", "W/\"e1\"", "\"old\", \"e1\"", "*"}) {
    std::optional<Response> r = ServeWebAsset(Get("/", "gzip", tag), kAssets);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 304u) << tag;
    EXPECT_TRUE(r->body.empty());
    EXPECT_THAT(r->headers, Contains(Pair("ETag", "\"e1\"")));
  }
  EXPECT_EQ(ServeWebAsset(Get("/", "", "\"e2\""), kAssets)->status, 200u);
}

TEST(WebUiTest, OtherPathsAreNotTheUis) {
  EXPECT_FALSE(ServeWebAsset(Get("/api/v1/query"), kAssets));
  EXPECT_FALSE(ServeWebAsset(Get("/assets/missing.js"), kAssets));
  EXPECT_FALSE(ServeWebAsset(Get("/"), {}));
}

TEST(WebUiTest, PostIs405) {
  Request post = Get("/");
  post.method = "POST";
  std::optional<Response> r = ServeWebAsset(post, kAssets);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405u);
  EXPECT_THAT(r->headers, Contains(Pair("Allow", "GET, HEAD")));
}

TEST(TailTicketsTest, ATicketIsGoodOnceAndUntilItExpires) {
  TailTickets tickets;
  auto now = TailTickets::Clock::now();
  std::string ticket = tickets.Issue(now);
  EXPECT_EQ(ticket.size(), 32u);
  EXPECT_NE(tickets.Issue(now), ticket);
  EXPECT_FALSE(tickets.Redeem("not-a-ticket", now));
  EXPECT_TRUE(tickets.Redeem(ticket, now + std::chrono::seconds(1)));
  EXPECT_FALSE(tickets.Redeem(ticket, now + std::chrono::seconds(1)));  // Used.
  std::string late = tickets.Issue(now);
  EXPECT_FALSE(tickets.Redeem(late, now + TailTickets::kTicketLifetime));  // Expired.
}

TEST(TailTicketsTest, IssuingBeyondTheBoundDropsTheOldest) {
  TailTickets tickets;
  auto now = TailTickets::Clock::now();
  std::string oldest = tickets.Issue(now);
  std::string newest;
  for (size_t i = 0; i < TailTickets::kMaxOutstanding; ++i) {
    newest = tickets.Issue(now + std::chrono::milliseconds(i + 1));
  }
  EXPECT_FALSE(tickets.Redeem(oldest, now));
  EXPECT_TRUE(tickets.Redeem(newest, now));
}

}  // namespace
}  // namespace vigie::server::http
