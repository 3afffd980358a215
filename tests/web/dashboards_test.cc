// Dashboards (server/dashboards.h): the shipped ones parse, defaults are filled in, mistakes
// are named with their line, and a folder's file replaces a shipped one of the same name.
#include "server/dashboards.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/integration/harness.h"

namespace vigie::server {
namespace {

using ::testing::HasSubstr;

std::string Shipped(const std::string& name) {
  std::ifstream in(std::string(VIGIE_WEB_DIR) + "/dashboards/" + name + ".yaml");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DashboardsTest, TheShippedOnesParse) {
  absl::StatusOr<nlohmann::json> host = ParseDashboard(Shipped("host"));
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ((*host)["title"], "Host");
  EXPECT_EQ((*host)["variables"][0]["name"], "instance");
  // Only the hosts' instances are offered, not those of every other scraped job.
  EXPECT_EQ((*host)["variables"][0]["match"], "node_uname_info");
  absl::StatusOr<nlohmann::json> service = ParseDashboard(Shipped("service"));
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ((*service)["variables"][0]["source"], "logs");
  EXPECT_EQ((*service)["panels"].size(), 7u);
  for (const auto& panel : (*service)["panels"]) {
    EXPECT_THAT(panel["query"].get<std::string>(), HasSubstr("$service"));
  }
}

TEST(DashboardsTest, DefaultsAreFilledIn) {
  absl::StatusOr<nlohmann::json> d = ParseDashboard(R"(title: T
variables: [{name: env}]
panels:
  - query: up
)");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)["description"], "");
  EXPECT_EQ((*d)["variables"][0], (nlohmann::json{{"name", "env"},
                                                  {"label", "env"},
                                                  {"source", "metrics"},
                                                  {"match", ""},
                                                  {"default", ""}}));
  const auto& panel = (*d)["panels"][0];
  EXPECT_EQ(panel["title"], "up");
  EXPECT_EQ(panel["width"], 6);
  EXPECT_EQ(panel["height"], 220);
  EXPECT_EQ(panel["unit"], "");
  EXPECT_EQ(panel["thresholds"], nlohmann::json::array());
}

TEST(DashboardsTest, MistakesAreNamedWithTheirLine) {
  struct Case {
    const char* yaml;
    const char* says;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"title: T\npanels:\n  - query: up\n    colour: red\n",
            "line 4: unknown key \"colour\""},
           {"title: T\npanels:\n  - title: x\n", "line 3: panel 1 has no query"},
           {"title: T\npanels:\n  - {query: up, width: 13}\n", "width must be a whole number"},
           {"title: T\npanels:\n  - {query: up, unit: furlongs}\n", "unknown unit \"furlongs\""},
           {"title: T\npanels:\n  - {query: up, lang: sql}\n", "lang must be promql or logql"},
           {"title: T\npanels:\n  - {query: up, thresholds: [{value: high}]}\n",
            "threshold value must be a number"},
           {"title: T\nvariables: [{name: 1x}]\npanels: [{query: up}]\n", "must match"},
           {"title: T\npanels: []\n", "at least one panel"},
           {"panels: [{query: up}]\n", "the dashboard has no title"},
           {"title: [\n", "YAML:"},
           {"- a\n- b\n", "a dashboard must be a mapping"},
       }) {
    absl::StatusOr<nlohmann::json> d = ParseDashboard(c.yaml);
    ASSERT_FALSE(d.ok()) << c.yaml;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(d.status().message(), HasSubstr(c.says)) << c.yaml;
  }
}

TEST(DashboardsTest, AFolderAddsDashboardsAndReplacesAShippedOne) {
  testing::TempDir dir;
  testing::WriteFile(dir, "service.yaml", "title: Mine\npanels: [{query: up}]\n");
  testing::WriteFile(dir, "queue.yaml", "title: Queue\npanels: [{query: depth}]\n");
  testing::WriteFile(dir, "notes.txt", "not a dashboard");
  std::string shipped_text = Shipped("service");
  const http::WebAsset shipped[] = {
      {"/assets/dashboards/service.yaml", "application/yaml", shipped_text, "", "\"1\""},
      {"/assets/app.js", "text/javascript", "", "", "\"2\""}};
  DashboardLibrary library(shipped, dir.path());
  absl::StatusOr<std::vector<DashboardFile>> files = library.List();
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].name, "queue");
  EXPECT_EQ((*files)[1].name, "service");
  EXPECT_EQ((*files)[1].source, dir.path());
  EXPECT_THAT((*files)[1].text, HasSubstr("Mine"));
  EXPECT_EQ(library.Find("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(DashboardLibrary(shipped, "").Find("service")->source, "shipped");
  EXPECT_EQ(DashboardLibrary(shipped, dir.path() + "/missing").List().status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace vigie::server
