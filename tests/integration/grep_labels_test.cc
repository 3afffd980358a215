// `vigie grep --output jsonl` shows each line with its full label set: its stream's labels and
// those the query's parsers extracted, as a Loki log query keys its result streams. A real
// vigied and the real CLI; the expected labels are computed here from the pushed lines.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/integration/cli_util.h"

namespace vigie::testing {
namespace {

using json = nlohmann::json;

// JSON application logs; one line that is not JSON, a field named as a stream label, and an
// empty string (a label with an empty value, which Loki shows in a log query's labels).
const std::vector<std::string> kLines = {
    R"({"level":"info","status":200,"route":"/a","app":"inner","user":""})",
    R"({"level":"error","status":500,"route":"/b","req":{"id":"r1","ms":12}})",
    "not json at all",
    R"({"level":"warn","status":404,"route":"/c","tags":["x","y"]})",
};

// The printed JSON objects, one per output line.
std::vector<json> JsonLines(const std::string& out) {
  std::vector<json> objects;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) objects.push_back(json::parse(line));
  return objects;
}

// What `| json` gives a line of the stream {app="shop", file=path}: the stream's labels, every
// scalar field (nested keys joined with "_", arrays left out), a field named as a stream label
// renamed <name>_extracted; __error__ for a line that is not a JSON object.
json ExpectedLabels(const std::string& line, const std::string& path) {
  json labels = {{"app", "shop"}, {"file", path}};
  json parsed = json::parse(line, nullptr, false);
  if (!parsed.is_object()) {
    labels["__error__"] = "JSONParserErr";
    return labels;
  }
  auto add = [&](auto& self, const json& object, const std::string& prefix) -> void {
    for (const auto& [key, value] : object.items()) {
      std::string name = prefix + key;
      if (value.is_object()) {
        self(self, value, name + "_");
      } else if (!value.is_array()) {
        if (labels.contains(name)) name += "_extracted";
        labels[name] = value.is_string() ? value.get<std::string>() : value.dump();
      }
    }
  };
  add(add, parsed, "");
  return labels;
}

TEST(GrepLabelsTest, JsonlShowsTheLabelsThePipelineExtracted) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  std::string path = dir.path() + "/app.log";
  std::ofstream file(path);
  for (const std::string& line : kLines) file << line << "\n";
  file.close();
  std::string out, err;
  ASSERT_EQ(Vigie(server, {"push", "--label", "app=shop", path}, nullptr, &err), 0) << err;

  ASSERT_EQ(
      Vigie(server, {"grep", R"({app="shop"} | json)", "--forward", "--since", "1h", "-o", "jsonl"},
            &out, &err),
      0)
      << err;
  std::vector<json> printed = JsonLines(out);
  ASSERT_EQ(printed.size(), kLines.size()) << out;
  for (size_t i = 0; i < kLines.size(); ++i) {
    EXPECT_EQ(printed[i]["line"], kLines[i]);
    json labels = printed[i]["labels"];
    if (labels.contains("__error__")) {
      // Why the parser failed, in words (Loki's own wording differs): only its presence is
      // checked.
      EXPECT_FALSE(labels.value("__error_details__", "").empty()) << labels;
      labels.erase("__error_details__");
    }
    EXPECT_EQ(labels, ExpectedLabels(kLines[i], path)) << kLines[i];
  }

  // Label filters on the error and on an extracted label.
  ASSERT_EQ(Vigie(server,
                  {"grep", R"({app="shop"} | json | __error__="" | status >= 400)", "--forward",
                   "--since", "1h", "-o", "jsonl"},
                  &out, &err),
            0)
      << err;
  printed = JsonLines(out);
  ASSERT_EQ(printed.size(), 2u) << out;
  EXPECT_EQ(printed[0]["labels"], ExpectedLabels(kLines[1], path));
  EXPECT_EQ(printed[1]["labels"], ExpectedLabels(kLines[3], path));
}

// The lines printed by the default text output, which asks for no labels (GrepRequest.lines_only:
// the parsers then extract only what the filters read), are those of --output jsonl, which asks
// for every label: a parse error after the field a filter reads, and a key repeated after it,
// give the same answer either way.
TEST(GrepLabelsTest, TextOutputPrintsTheLinesOfTheFullExtraction) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  const std::vector<std::string> lines = {
      R"({"status":500,"route":"/a","x":tru})",  // Not JSON past `status`: an error line.
      R"({"status":200,"route":"/b"})",
      R"({"status":503,"route":"/c"})",
      "status=200 route=/d status=500",  // logfmt: the last `status` is the label.
      "status=502 route=/e",
      "status=404 route=/f",
  };
  std::string path = dir.path() + "/mixed.log";
  std::ofstream file(path);
  for (const std::string& line : lines) file << line << "\n";
  file.close();
  std::string out, err;
  ASSERT_EQ(Vigie(server, {"push", "--label", "app=mixed", path}, nullptr, &err), 0) << err;

  for (const std::string query :
       {R"({app="mixed"} | json | status < 500)", R"({app="mixed"} | json | status >= 500)",
        R"({app="mixed"} |= "status=" | logfmt | status >= 500)",
        R"({app="mixed"} | json | __error__ = "" | status >= 500 | line_format "{{.route}}")"}) {
    std::vector<std::string> from_jsonl;
    ASSERT_EQ(
        Vigie(server, {"grep", query, "--forward", "--since", "1h", "-o", "jsonl"}, &out, &err), 0)
        << err;
    for (const json& printed : JsonLines(out)) from_jsonl.push_back(printed["line"]);
    ASSERT_EQ(Vigie(server, {"grep", query, "--forward", "--since", "1h"}, &out, &err), 0) << err;
    std::vector<std::string> from_text;
    std::istringstream text(out);
    for (std::string line; std::getline(text, line);) from_text.push_back(line);
    EXPECT_FALSE(from_text.empty()) << query;
    EXPECT_EQ(from_text, from_jsonl) << query;
  }
}

}  // namespace
}  // namespace vigie::testing
