// The CLI's URL splitting for its HTTP calls to vigied.
#include "cli/http_url.h"

#include <gtest/gtest.h>

namespace vigie::cli {
namespace {

TEST(HttpUrlTest, SplitsSchemeHostPortAndTarget) {
  auto url = ParseHttpUrl("http://127.0.0.1:9470/api/v1/alerts?state=firing");
  ASSERT_TRUE(url);
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "9470");
  EXPECT_EQ(url->target, "/api/v1/alerts?state=firing");
  url = ParseHttpUrl("https://vigie.example");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->port, "443");
  EXPECT_EQ(url->target, "/");
  url = ParseHttpUrl("http://[::1]:9470/x");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "9470");
}

TEST(HttpUrlTest, RefusesWhatItCannotConnectTo) {
  for (const char* bad : {"ftp://h/", "127.0.0.1:9470", "http://", "http://:80/", "http://h:/",
                          "http://[::1/", "http://[::1]x/"}) {
    EXPECT_FALSE(ParseHttpUrl(bad)) << bad;
  }
}

}  // namespace
}  // namespace vigie::cli
