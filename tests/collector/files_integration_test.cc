// File input end to end: rotation by rename and by copytruncate while lines are written, a
// file deleted and recreated, a new file matched by a glob, and the first start reading from
// the end. Every line must be stored exactly once, in order per file.
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/collector/integration_fixture.h"

namespace vigie::collector::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

class CollectorFilesTest : public CollectorIntegrationTest {
 protected:
  void SetUp() override {
    CollectorIntegrationTest::SetUp();
    fs::create_directories(Path("logs"));
  }

  std::string Config(const std::string& read_from = "beginning") {
    return "batch: {max_age: 200ms}\n" +
           FileInputYaml("**/*.log", read_from, "    rotate_wait: 1s\n");
  }

  std::string Query(const std::string& path) { return "{file=\"" + path + "\"}"; }

  // Waits until the collector has read `bytes` bytes from its files.
  void WaitRead(uint64_t bytes) {
    ASSERT_TRUE(WaitFor(
        [&] {
          return collector_->Metric(
                     "vigie_collector_input_bytes_total{input=\"file-0\",type=\"file\"}") >=
                 static_cast<double>(bytes);
        },
        seconds(30)));
  }
};

TEST_F(CollectorFilesTest, RenameRotationWhileWriting) {
  StartCollector(Config());
  const size_t n = 30000;
  std::string path = Path("logs/app.log");
  std::ofstream out(path, std::ios::app);
  for (size_t i = 0; i < n; ++i) {
    out << "app " << i << '\n';
    if (i % 100 == 99) {  // About 5000 lines a second: each file lives for over a scan.
      out.flush();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (i % 7000 == 6999) {
      out.flush();
      fs::rename(path, path + "." + std::to_string(i));  // "app.log.6999": not matched.
      // The application writes on into the renamed file until it reopens.
      for (int k = 0; k < 50 && i + 1 < n; ++k) out << "app " << ++i << '\n';
      out.close();
      out.open(path, std::ios::app);
    }
  }
  out.close();
  ASSERT_TRUE(WaitStored(Query(path), n, seconds(60))) << Diagnose(Query(path));
  std::this_thread::sleep_for(seconds(1));  // Time for anything sent twice to show up.
  ExpectSequence(Stored(Query(path)), "app ", n);
}

TEST_F(CollectorFilesTest, CopytruncateWhileWriting) {
  StartCollector(Config());
  const size_t n = 30000;
  std::string path = Path("logs/app.log");
  std::ofstream out(path, std::ios::app);  // O_APPEND, as loggers open their files.
  uint64_t written = 0;
  for (size_t i = 0; i < n; ++i) {
    std::string line = "ct " + std::to_string(i) + "\n";
    out << line;
    written += line.size();
    if (i % 100 == 99) {  // About 5000 lines a second: each file lives for over a scan.
      out.flush();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (i % 7000 == 6999) {
      out.flush();
      // What logrotate's copytruncate does. Lines written between the copy and the truncation
      // would be lost by any reader, so this writer pauses until the collector has read all.
      WaitRead(written);
      fs::copy_file(path, path + "." + std::to_string(i));
      fs::resize_file(path, 0);
    }
  }
  out.close();
  ASSERT_TRUE(WaitStored(Query(path), n, seconds(60))) << Diagnose(Query(path));
  std::this_thread::sleep_for(seconds(1));
  ExpectSequence(Stored(Query(path)), "ct ", n);
}

TEST_F(CollectorFilesTest, DeletedAndRecreated) {
  StartCollector(Config());
  std::string path = Path("logs/app.log"), first, second;
  for (int i = 0; i < 5000; ++i) first += "del " + std::to_string(i) + "\n";
  for (int i = 5000; i < 10000; ++i) second += "del " + std::to_string(i) + "\n";
  AppendToFile(path, first);
  WaitRead(first.size());
  fs::remove(path);
  AppendToFile(path, second);
  ASSERT_TRUE(WaitStored(Query(path), 10000, seconds(30))) << Diagnose(Query(path));
  std::this_thread::sleep_for(seconds(2));  // The deleted file is released by now.
  ExpectSequence(Stored(Query(path)), "del ", 10000);
  EXPECT_EQ(collector_->Metric("vigie_collector_files_open"), 1);
}

TEST_F(CollectorFilesTest, GlobMatchesANewFile) {
  StartCollector(Config());
  fs::create_directories(Path("logs/a/b"));
  std::string path = Path("logs/a/b/new.log"), text;
  for (int i = 0; i < 3000; ++i) text += "new " + std::to_string(i) + "\n";
  AppendToFile(path, text);
  ASSERT_TRUE(WaitStored(Query(path), 3000, seconds(30))) << Diagnose(Query(path));
  ExpectSequence(Stored(Query(path)), "new ", 3000);
  auto entries = Stored(Query(path));
  EXPECT_FALSE(entries[0].labels["host"].empty());
}

// Labels in the configuration win over the ones the collector adds (docs/collector.md); a file
// name that is not UTF-8 (latin-1 here) is sent with U+FFFD in place of the bad byte.
TEST_F(CollectorFilesTest, ConfiguredLabelsWinAndFileNamesAreMadeUtf8) {
  StartCollector("batch: {max_age: 200ms}\nlabels: {host: configured-host}\n" +
                 FileInputYaml("app*.log", "beginning", "    labels: {file: app}\n") +
                 "  - type: file\n    paths: [\"" + Path("logs") + "/caf*\"]\n" +
                 "    read_from: beginning\n");
  AppendToFile(Path("logs/app1.log"), "one\n");
  AppendToFile(Path("logs/app2.log"), "two\n");
  AppendToFile(Path("logs/caf\xe9.txt"), "latin-1 name\n");
  std::string query = R"({file="app", host="configured-host"})";
  ASSERT_TRUE(WaitStored(query, 2, seconds(30))) << Diagnose(query);
  std::string latin1 = "{file=\"" + Path("logs/caf\xef\xbf\xbd.txt") + "\"}";
  ASSERT_TRUE(WaitStored(latin1, 1, seconds(30))) << Diagnose(latin1);
  EXPECT_EQ(Stored(latin1)[0].line, "latin-1 name");
  EXPECT_EQ(Stored(latin1)[0].labels["host"], "configured-host");
}

TEST_F(CollectorFilesTest, FirstStartReadsFromTheEnd) {
  std::string path = Path("logs/old.log");
  AppendToFile(path, "history 1\nhistory 2\n");
  StartCollector(Config("end"));
  ASSERT_TRUE(
      WaitFor([&] { return collector_->Metric("vigie_collector_files_open") == 1; }, seconds(10)));
  std::string text;
  for (int i = 0; i < 100; ++i) text += "now " + std::to_string(i) + "\n";
  AppendToFile(path, text);
  ASSERT_TRUE(WaitStored(Query(path), 100, seconds(30))) << Diagnose(Query(path));
  ExpectSequence(Stored(Query(path)), "now ", 100);  // No "history" line.
  // A restart is not a first start: a file new to the collector is read from its start.
  collector_->Stop();
  AppendToFile(Path("logs/second.log"), "second 0\nsecond 1\n");
  collector_->Start();
  ASSERT_TRUE(WaitStored(Query(Path("logs/second.log")), 2, seconds(30)));
  ExpectSequence(Stored(Query(Path("logs/second.log"))), "second ", 2);
  EXPECT_EQ(Stored(Query(path)).size(), 100u);
}

}  // namespace
}  // namespace vigie::collector::testing
