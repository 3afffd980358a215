// The daemons' command lines, run as a user runs them: every flag in --help has a description
// and shows its default where it has one, the usage line names the program, and a bad value is
// refused with exit code 2 and a message naming the flag and what to do.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

using ::testing::HasSubstr;

struct Program {
  const char* name;
  const char* path;                       // Relative to the build directory.
  std::set<std::string> without_default;  // Options taking a value that have no default.
};

const Program kPrograms[] = {
    {"vigied",
     "server/vigied",
     {"--config", "--token-file", "--tls-cert", "--tls-key", "--ready-file", "--rules",
      "--web.external-url", "--notify", "--alertmanager.url", "--dashboards"}},
    {"vigie-collector",
     "collector/vigie-collector",
     {"--config", "--token", "--check-config", "--ready-file"}},
};

void PrintTo(const Program& p, std::ostream* os) { *os << p.name; }

class DaemonHelpTest : public ::testing::TestWithParam<Program> {};

// CLI11's layout: "  --name TYPE=default   description", the description on the next, more
// indented line when the name is long.
TEST_P(DaemonHelpTest, EveryFlagHasADescriptionAndItsDefault) {
  const Program& program = GetParam();
  std::string out;
  ASSERT_EQ(RunCommand({BinaryPath(program.path), "--help"}, &out), 0);
  EXPECT_THAT(out, HasSubstr(std::string("Usage: ") + program.name + " [OPTIONS]"));
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  int options = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (!line.starts_with("  -")) continue;
    ++options;
    std::istringstream words(line.substr(line.find("--")));
    std::string name, word, type;
    words >> name;
    // Then the value's type (TEXT, UINT, DURATION, ..., with "=default"), an (Env:...) note,
    // and the description, if it fits on the line.
    std::vector<std::string> rest;
    while (words >> word) rest.push_back(word);
    size_t first = 0;
    auto is_type = [](const std::string& w) {
      std::string head = w.substr(0, w.find_first_of(":="));
      return !head.empty() && std::all_of(head.begin(), head.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c));
      });
    };
    if (first < rest.size() && is_type(rest[first])) type = rest[first++];
    if (first < rest.size() && rest[first].starts_with("(Env:")) ++first;
    bool next_line = i + 1 < lines.size() && lines[i + 1].starts_with("        ") &&
                     lines[i + 1].find_first_not_of(' ') != std::string::npos;
    EXPECT_TRUE(first < rest.size() || next_line)
        << program.name << " " << name << " has no description";
    if (!type.empty() && !program.without_default.contains(name)) {
      EXPECT_THAT(type, HasSubstr("=")) << program.name << " " << name << " shows no default";
    }
  }
  EXPECT_GT(options, 5);
}

INSTANTIATE_TEST_SUITE_P(Daemons, DaemonHelpTest, ::testing::ValuesIn(kPrograms),
                         [](const auto& info) {
                           std::string name = info.param.name;
                           std::erase(name, '-');
                           return name;
                         });

struct BadFlag {
  const char* path;
  std::vector<std::string> args;
  std::vector<std::string> message;  // Substrings of stderr.
};

void PrintTo(const BadFlag& b, std::ostream* os) {
  *os << b.path;
  for (const std::string& a : b.args) *os << " " << a;
}

class DaemonBadFlagTest : public ::testing::TestWithParam<BadFlag> {};

TEST_P(DaemonBadFlagTest, IsRefusedNamingTheFlag) {
  const BadFlag& bad = GetParam();
  TempDir dir;
  std::vector<std::string> argv = {BinaryPath(bad.path)};
  argv.insert(argv.end(), bad.args.begin(), bad.args.end());
  std::string out, err;
  EXPECT_EQ(RunCommand(argv, &out, "", &err), 2) << err;
  for (const std::string& part : bad.message) EXPECT_THAT(err, HasSubstr(part));
}

const BadFlag kBadFlags[] = {
    {"server/vigied",
     {"--retention", "5x"},
     {"vigied: --retention: duration \"5x\": expected a unit", "Run 'vigied --help'"}},
    {"server/vigied", {"--max-query-range", "1.5.3h"}, {"--max-query-range: duration"}},
    {"server/vigied", {"--query-timeout", ""}, {"--query-timeout: duration \"\": is empty"}},
    {"server/vigied",
     {"--query-threads", "many"},
     {"--query-threads: \"many\" is not a valid value (a whole number is expected)"}},
    {"server/vigied",
     {"--query-threads", "0"},
     {"--query-threads 0: a query needs at least 1 thread"}},
    {"server/vigied", {"--max-line-bytes", "1MiB"}, {"--max-line-bytes: \"1MiB\""}},
    {"server/vigied", {"--log-level", "loud"}, {"--log-level: loud not in"}},
    {"server/vigied", {"--partition", "10s"}, {"--partition 10s is too narrow"}},
    {"server/vigied", {"--bogus"}, {"--bogus", "Run 'vigied --help'"}},
    {"server/vigied",
     {"--deploys.service-labels", "service,app name"},
     {"--deploys.service-labels: \"app name\" is not a label name"}},
    {"server/vigied", {"--deploys.correlation-window", "0"}, {"--deploys.correlation-window"}},
    {"collector/vigie-collector",
     {"--log-level", "loud"},
     {"vigie-collector: --log-level: loud not in", "Run 'vigie-collector --help'"}},
    {"collector/vigie-collector",
     {"--config", "/nonexistent/c.yaml"},
     {"--config: File does not exist"}},
    {"collector/vigie-collector", {"--bogus"}, {"--bogus", "Run 'vigie-collector --help'"}},
};

INSTANTIATE_TEST_SUITE_P(Daemons, DaemonBadFlagTest, ::testing::ValuesIn(kBadFlags));

}  // namespace
}  // namespace vigie::testing
