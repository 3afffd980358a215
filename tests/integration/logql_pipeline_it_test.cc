// LogQL pipelines as a user runs them: JSON and logfmt files pushed to a real vigied, queried
// with the real `vigie grep`, and the answers checked against what the test knows it wrote.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/cli_util.h"

namespace vigie::testing {
namespace {

constexpr int kLines = 400;
constexpr int kStatuses[] = {200, 404, 500, 503};

// An application's JSON log line; every 50th is not JSON, every 7th has a field named like the
// stream label `service`.
struct AppLine {
  int i;
  bool valid() const { return i % 50 != 49; }
  int status() const { return kStatuses[i % 4]; }
  bool has_service() const { return i % 7 == 0; }
  std::string path() const { return "/p" + std::to_string(i % 3); }
  std::string Text() const {
    if (!valid()) return "garbage line " + std::to_string(i);
    std::string line = R"({"status":)" + std::to_string(status()) +
                       R"(,"method":"GET","req":{"path":")" + path() +
                       R"("},"tags":["a","b"],"n":)" + std::to_string(i);
    if (has_service()) line += R"(,"service":"inner")";
    return line + "}";
  }
};

// A worker's logfmt line: its duration grows with i.
struct WorkerLine {
  int i;
  std::string level() const { return i % 5 == 0 ? "error" : "info"; }
  int64_t duration_ms() const { return i * 10; }
  std::string Text() const {
    return "level=" + level() + " msg=\"job " + std::to_string(i) +
           " done\" duration=" + std::to_string(duration_ms()) + "ms";
  }
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class LogqlPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::ofstream app(dir_->path() + "/app.log"), worker(dir_->path() + "/worker.log");
    for (int i = 0; i < kLines; ++i) {
      app << AppLine{i}.Text() << "\n";
      worker << WorkerLine{i}.Text() << "\n";
    }
    app.close();
    worker.close();
    server_ = new Vigied(dir_->path() + "/data");
    server_->Start();
    for (const char* name : {"app", "worker"}) {
      std::string err;
      ASSERT_EQ(Vigie(*server_,
                      {"push", "--label", std::string("service=") + name,
                       dir_->path() + "/" + name + ".log"},
                      nullptr, &err),
                0)
          << err;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  // Runs `vigie grep --forward --limit 0 [flags] query`; the output lines.
  static std::vector<std::string> Grep(const std::string& query,
                                       std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {"grep", "--forward", "--limit", "0"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(query);
    std::string out, err;
    EXPECT_EQ(Vigie(*server_, args, &out, &err), 0) << query << ": " << err;
    return Lines(out);
  }

  static TempDir* dir_;
  static Vigied* server_;
};
TempDir* LogqlPipelineTest::dir_ = nullptr;
Vigied* LogqlPipelineTest::server_ = nullptr;

// As in Loki, a numeric filter lets the lines the parser could not read through (with their
// __error__); a string matcher, such as __error__="", drops them.
TEST_F(LogqlPipelineTest, JsonLabelFilterKeepsTheLinesThatPass) {
  std::vector<std::string> want, want_and_errors;
  for (int i = 0; i < kLines; ++i) {
    AppLine line{i};
    if (line.valid() && line.status() >= 500) want.push_back(line.Text());
    if (!line.valid() || line.status() >= 500) want_and_errors.push_back(line.Text());
  }
  EXPECT_EQ(Grep(R"({service="app"} | json | status >= 500)"), want_and_errors);
  EXPECT_EQ(Grep(R"({service="app"} | json | __error__="" | status >= 500)"), want);
  EXPECT_EQ(Grep(R"({service="app"} |= "status" | json | status >= 500 and method = "GET")"), want);
}

TEST_F(LogqlPipelineTest, ResultsCarryExtractedLabels) {
  std::vector<std::string> out =
      Grep(R"({service="app"} | json | __error__="" | status = 503 | drop tags, method)",
           {"--output", "jsonl"});
  std::vector<int> want;
  for (int i = 0; i < kLines; ++i) {
    if (AppLine{i}.valid() && AppLine{i}.status() == 503) want.push_back(i);
  }
  // The stream's own labels (vigie push adds some to service=app), as a line without a
  // pipeline shows them.
  std::vector<std::string> plain =
      Grep(R"({service="app"} |= "garbage line 49")", {"--output", "jsonl"});
  ASSERT_EQ(plain.size(), 1u);
  const nlohmann::json stream_labels = nlohmann::json::parse(plain[0])["labels"];
  ASSERT_EQ(out.size(), want.size());
  for (size_t k = 0; k < out.size(); ++k) {
    AppLine line{want[k]};
    nlohmann::json entry = nlohmann::json::parse(out[k]);
    nlohmann::json labels = stream_labels;
    labels.update({{"status", "503"}, {"req_path", line.path()}, {"n", std::to_string(line.i)}});
    // The line's own "service" does not replace the stream's: it gets the _extracted suffix.
    if (line.has_service()) labels["service_extracted"] = "inner";
    EXPECT_EQ(entry["labels"], labels) << out[k];
    EXPECT_EQ(entry["line"], line.Text());
  }
}

TEST_F(LogqlPipelineTest, CountsAreByTheFinalLabels) {
  std::map<std::string, int> want;
  for (int i = 0; i < kLines; ++i) {
    AppLine line{i};
    ++want[line.valid() ? std::to_string(line.status()) : "JSONParserErr"];
  }
  std::vector<std::string> out =
      Grep(R"({service="app"} | json | keep status | drop __error_details__)",
           {"--count", "--output", "jsonl"});
  std::map<std::string, int> got;
  for (const std::string& row : out) {
    nlohmann::json j = nlohmann::json::parse(row);
    std::string key = j["labels"].contains("__error__")
                          ? j["labels"]["__error__"].get<std::string>()
                          : j["labels"]["status"].get<std::string>();
    got[key] = j["count"].get<int>();
  }
  EXPECT_EQ(got, want);
}

TEST_F(LogqlPipelineTest, CountsOfManyLabelSetsComeWhole) {
  // A label set per line: more series than one message of the answer holds.
  std::set<std::string> want;
  for (int i = 0; i < kLines; ++i) {
    if (AppLine{i}.valid()) want.insert(std::to_string(i));
  }
  std::vector<std::string> out =
      Grep(R"({service="app"} | json | __error__="" | keep n)", {"--count", "--output", "jsonl"});
  std::set<std::string> got;
  for (const std::string& row : out) {
    nlohmann::json j = nlohmann::json::parse(row);
    EXPECT_EQ(j["count"], 1) << row;
    got.insert(j["labels"]["n"].get<std::string>());
  }
  EXPECT_EQ(out.size(), want.size());
  EXPECT_EQ(got, want);
}

TEST_F(LogqlPipelineTest, LogfmtDurationsCompareAsDurations) {
  std::vector<std::string> want;
  for (int i = 0; i < kLines; ++i) {
    WorkerLine line{i};
    if (line.level() == "error" && line.duration_ms() > 1500) want.push_back(line.Text());
  }
  EXPECT_EQ(Grep(R"({service="worker"} | logfmt | duration > 1.5s, level = "error")"), want);
  // The same with named groups of a regex and a numeric comparison.
  EXPECT_EQ(
      Grep(
          R"({service="worker"} | regexp `level=(?P<lvl>\w+).*duration=(?P<ms>\d+)ms` | lvl = "error" | ms > 1500)"),
      want);
}

TEST_F(LogqlPipelineTest, BadStagesAreRefusedWithACaret) {
  std::string out, err;
  EXPECT_EQ(Vigie(*server_, {"grep", R"({service="app"} | json | status >= "500")"}, &out, &err),
            2);
  EXPECT_THAT(err, ::testing::HasSubstr("only = != =~ !~ compare strings"));
  EXPECT_THAT(err, ::testing::HasSubstr("^"));
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace vigie::testing

namespace vigie::testing {
namespace {

// | pattern, | line_format and an 'or' line filter through vigied and `vigie grep`.
TEST_F(LogqlPipelineTest, PatternAndLineFormatRewriteTheLines) {
  std::vector<std::string> want;
  for (int i = 0; i < kLines; ++i) {
    WorkerLine w{i};
    if (w.level() == "error" && w.duration_ms() > 2000) {
      want.push_back("ERROR took " + std::to_string(w.duration_ms()) + " ms: job " +
                     std::to_string(i) + " done");
    }
  }
  EXPECT_EQ(Grep(R"({service="worker"} | pattern `level=<level> msg="<msg>" duration=<d>ms`)"
                 R"( | level = "error" and d > 2000)"
                 R"( | line_format "{{ .level | ToUpper }} took {{ .d }} ms: {{ .msg }}")"),
            want);
}

TEST_F(LogqlPipelineTest, OrLineFilterKeepsEitherAlternative) {
  std::vector<std::string> want;
  for (int i = 0; i < kLines; ++i) {
    AppLine a{i};
    if (a.valid() && (a.status() == 404 || a.status() == 503)) want.push_back(a.Text());
  }
  EXPECT_EQ(Grep(R"({service="app"} |= `"status":404` or `"status":503`)"), want);
}

}  // namespace
}  // namespace vigie::testing
