// Multi-line entries end to end: Java stack traces written line by line become one entry each.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/collector/integration_fixture.h"

namespace vigie::collector::testing {
namespace {

namespace fs = std::filesystem;

class CollectorMultilineTest : public CollectorIntegrationTest {};

TEST_F(CollectorMultilineTest, JavaStackTracesBecomeOneEntryEach) {
  std::ifstream in(vigie::testing::TestDataPath("collector/java_stacktraces.log"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_FALSE(lines.empty());
  // The entries expected: a new one at each line that starts with a date.
  std::vector<std::string> expected;
  for (const std::string& line : lines) {
    if (std::isdigit(static_cast<unsigned char>(line[0]))) {
      expected.push_back(line);
    } else {
      expected.back() += "\n" + line;
    }
  }
  ASSERT_EQ(expected.size(), 7u);  // Three of them with stack traces.

  fs::create_directories(Path("logs"));
  StartCollector(
      "batch: {max_age: 200ms}\n" +
      FileInputYaml("*.log", "beginning",
                    "    multiline: {start: '^\\d{4}-\\d{2}-\\d{2} ', timeout: 500ms}\n"));
  std::string path = Path("logs/shop.log");
  for (const std::string& line : lines) {  // As the application writes it: line by line.
    AppendToFile(path, line + "\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string query = "{file=\"" + path + "\"}";
  // The last entry is handed on by the timeout, as nothing follows it.
  ASSERT_TRUE(WaitStored(query, expected.size(), std::chrono::seconds(30))) << Diagnose(query);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::vector<QueriedEntry> stored = Stored(query);
  ASSERT_EQ(stored.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(stored[i].line, expected[i]);
}

}  // namespace
}  // namespace vigie::collector::testing
