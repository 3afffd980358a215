#include "collector/inputs/file_input.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collector/inputs/fingerprint.h"
#include "collector/inputs/glob.h"
#include "tests/collector/recording_sink.h"
#include "tests/integration/harness.h"

namespace vigie::collector {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::RecordingSink;

void Append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

FileKey KeyOf(const std::string& path) {
  struct stat st;
  stat(path.c_str(), &st);
  return {st.st_dev, st.st_ino};
}

TEST(CollectorGlobTest, MatchesComponentsAndDoubleStar) {
  EXPECT_TRUE(GlobMatch("/var/log/*.log", "/var/log/a.log"));
  EXPECT_FALSE(GlobMatch("/var/log/*.log", "/var/log/x/a.log"));
  EXPECT_TRUE(GlobMatch("/srv/**/*.log", "/srv/a.log"));
  EXPECT_TRUE(GlobMatch("/srv/**/*.log", "/srv/x/y/z/a.log"));
  EXPECT_FALSE(GlobMatch("/srv/**/*.log", "/srv/x/a.txt"));
  EXPECT_TRUE(GlobMatch("/a/**", "/a/b/c"));
  EXPECT_TRUE(Excluded({"*.gz"}, "/var/log/a.log.1.gz"));
  EXPECT_FALSE(Excluded({"*.gz"}, "/var/log/a.log"));
  EXPECT_TRUE(Excluded({"/var/log/old/**"}, "/var/log/old/x/a.log"));
}

TEST(CollectorGlobTest, ExpandsAgainstTheFileSystem) {
  vigie::testing::TempDir dir;
  fs::create_directories(dir.path() + "/a/b/c");
  for (const char* p : {"/top.log", "/a/one.log", "/a/b/c/deep.log", "/a/b/skip.txt"}) {
    Append(dir.path() + p, "x\n");
  }
  fs::create_directory_symlink(dir.path() + "/a", dir.path() + "/a/loop");
  EXPECT_THAT(GlobExpand(dir.path() + "/**/*.log"),
              ElementsAre(dir.path() + "/a/b/c/deep.log", dir.path() + "/a/one.log",
                          dir.path() + "/top.log"));
  EXPECT_THAT(GlobExpand(dir.path() + "/a/*/c/*.log"), ElementsAre(dir.path() + "/a/b/c/deep.log"));
}

class CollectorFileInputTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileInput> Make(bool first_start, std::map<FileKey, FileCursor> positions = {},
                                  std::string multiline = "") {
    FileSource source;
    source.name = "test";
    source.paths = {dir_.path() + "/*.log"};
    source.exclude = {"skip*"};
    source.labels = {{"host", "h"}};
    source.rotate_wait = std::chrono::seconds(0);
    source.max_line_bytes = 1000;
    source.multiline_start = multiline;
    auto input =
        FileInput::Create({{source}}, std::move(positions), first_start, &sink_, &metrics_);
    EXPECT_TRUE(input.ok()) << input.status();
    return *std::move(input);
  }
  std::string Path(const std::string& name) { return dir_.path() + "/" + name; }
  std::vector<std::string> LinesOf(const std::string& file_label) {
    std::vector<std::string> out;
    for (const auto& e : sink_.entries()) {
      if (e.labels.at("file") == file_label) out.push_back(e.line);
    }
    return out;
  }

  vigie::testing::TempDir dir_;
  Metrics metrics_;
  RecordingSink sink_;
};

TEST_F(CollectorFileInputTest, FirstStartBeginsAtTheEndNewFilesAtTheStart) {
  Append(Path("old.log"), "before 1\nbefore 2\npartial");
  Append(Path("skip.log"), "excluded\n");
  auto input = Make(/*first_start=*/true);
  input->RunOnce();
  EXPECT_TRUE(sink_.lines().empty());
  ASSERT_EQ(sink_.cursors().size(), 1u);      // Its position is kept even with no line yet.
  EXPECT_EQ(sink_.cursors()[0].offset, 18u);  // After the last complete line.
  Append(Path("old.log"), " end\nafter\n");
  Append(Path("new.log"), "fresh 1\nfresh 2\n");
  input->RunOnce();
  EXPECT_THAT(LinesOf(Path("old.log")), ElementsAre("partial end", "after"));
  EXPECT_THAT(LinesOf(Path("new.log")), ElementsAre("fresh 1", "fresh 2"));
  auto entries = sink_.entries();
  EXPECT_EQ(entries[0].labels.at("host"), "h");
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].labels == entries[i - 1].labels)
      EXPECT_GT(entries[i].ts_ns, entries[i - 1].ts_ns);
  }
}

TEST_F(CollectorFileInputTest, ResumesFromItsCursorWhenTheFingerprintMatches) {
  Append(Path("a.log"), "one\ntwo\nthree\n");
  Append(Path("b.log"), "uno\ndos\n");
  int fd = open(Path("a.log").c_str(), O_RDONLY);
  Fingerprint fp = ComputeFingerprint(fd, 14).value();
  close(fd);
  std::map<FileKey, FileCursor> positions = {
      {KeyOf(Path("a.log")), FileCursor{KeyOf(Path("a.log")), 8, fp, Path("a.log"), false}},
      // Same inode, other contents: not the file the cursor was for.
      {KeyOf(Path("b.log")),
       FileCursor{KeyOf(Path("b.log")), 4, {3, 12345}, Path("b.log"), false}}};
  auto input = Make(/*first_start=*/false, positions);
  input->RunOnce();
  EXPECT_THAT(LinesOf(Path("a.log")), ElementsAre("three"));
  EXPECT_THAT(LinesOf(Path("b.log")), ElementsAre("uno", "dos"));
}

TEST_F(CollectorFileInputTest, RenameRotationReadsBothFilesToTheEnd) {
  Append(Path("app.log"), "a1\na2\n");
  auto input = Make(false);
  input->RunOnce();
  std::ofstream writer(Path("app.log"), std::ios::app);
  fs::rename(Path("app.log"), Path("app.log.1"));
  writer << "a3 written after the rename\n" << std::flush;  // The writer has not reopened yet.
  Append(Path("app.log"), "b1\nb2\n");
  input->RunOnce();
  input->RunOnce();
  EXPECT_THAT(LinesOf(Path("app.log")),
              ElementsAre("a1", "a2", "a3 written after the rename", "b1", "b2"));
  // The rotated file was released: its checkpoint is to be forgotten.
  bool forgot = false;
  for (const FileCursor& c : sink_.cursors()) forgot |= c.forget && c.offset == 34;
  EXPECT_TRUE(forgot);
}

TEST_F(CollectorFileInputTest, CopytruncateRestartsAtZero) {
  Append(Path("app.log"), "old line 1\nold line 2\n");
  auto input = Make(false);
  input->RunOnce();
  fs::resize_file(Path("app.log"), 0);
  Append(Path("app.log"), "new 1\n");
  input->RunOnce();
  // Truncated then regrown past the old offset before the next look: the fingerprint tells.
  fs::resize_file(Path("app.log"), 0);
  Append(Path("app.log"), "rewritten line that is long enough\n");
  input->RunOnce();
  EXPECT_THAT(LinesOf(Path("app.log")), ElementsAre("old line 1", "old line 2", "new 1",
                                                    "rewritten line that is long enough"));
}

TEST_F(CollectorFileInputTest, DeletedAndRecreated) {
  Append(Path("app.log"), "first life\n");
  auto input = Make(false);
  input->RunOnce();
  fs::remove(Path("app.log"));
  Append(Path("app.log"), "second life\n");
  input->RunOnce();
  input->RunOnce();
  EXPECT_THAT(LinesOf(Path("app.log")), ElementsAre("first life", "second life"));
  EXPECT_EQ(metrics_.files_open.Value(), 1);
}

TEST_F(CollectorFileInputTest, RecoversAFileRotatedWhileStopped) {
  Append(Path("app.log"), "seen\nunseen 1\nunseen 2\n");
  int fd = open(Path("app.log").c_str(), O_RDONLY);
  Fingerprint fp = ComputeFingerprint(fd, 100).value();
  close(fd);
  FileKey key = KeyOf(Path("app.log"));
  fs::rename(Path("app.log"), Path("app.log.1"));  // Not matched by *.log.
  Append(Path("app.log"), "after\n");
  auto input = Make(false, {{key, FileCursor{key, 5, fp, Path("app.log"), false}}});
  input->RunOnce();
  input->RunOnce();
  EXPECT_THAT(LinesOf(Path("app.log")), ElementsAre("unseen 1", "unseen 2", "after"));
}

TEST_F(CollectorFileInputTest, MultilineAndPartialLines) {
  Append(Path("java.log"), "2024-05-01 ERROR x\n\tat a.B(B.java:1)\n2024-05-01 INFO y\npart");
  auto input = Make(false, {}, R"(^\d{4}-)");
  input->RunOnce();
  EXPECT_THAT(sink_.lines(), ElementsAre("2024-05-01 ERROR x\n\tat a.B(B.java:1)"));
  EXPECT_EQ(sink_.entries()[0].cursor.offset, 37u);
  Append(Path("java.log"), "ial\n2024-05-02 Z\n");
  input->RunOnce();
  EXPECT_THAT(sink_.lines(),
              ElementsAre("2024-05-01 ERROR x\n\tat a.B(B.java:1)", "2024-05-01 INFO y\npartial"));
}

TEST_F(CollectorFileInputTest, LongLinesAreCutAndCounted) {
  Append(Path("a.log"), std::string(5000, 'z') + "\nshort\n");
  auto input = Make(false);
  input->RunOnce();
  auto lines = sink_.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_LE(lines[0].size(), 1000u);
  EXPECT_NE(lines[0].find("[truncated"), std::string::npos);
  EXPECT_EQ(lines[1], "short");
  EXPECT_EQ(metrics_.ForInput("test", "file").truncated.Value(), 1);
}

}  // namespace
}  // namespace vigie::collector
