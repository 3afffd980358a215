// vigie grep, tail and labels as a user meets them: a real vigied, the real CLI, and the answers
// a user would check (line counts, exit codes, what stderr says). Context lines are compared
// with GNU grep over the same file.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/cli_util.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::testing {
namespace {

constexpr int kLines = 150'000;
// Lines numbered 1..kLines; every 13th also says "hit", every 1000th "rare".
std::string BigLine(int i) {
  return "line " + std::to_string(i) + (i % 13 == 0 ? " hit" : "") +
         (i % 1000 == 0 ? " rare" : "") + " padding so that the file spans several blocks";
}

size_t CountLines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr long kSanitizerFactor = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr long kSanitizerFactor = 4;
#else
constexpr long kSanitizerFactor = 1;
#endif
#else
constexpr long kSanitizerFactor = 1;
#endif

class CliQueryTest : public ::testing::Test {
 protected:
  // One server for the suite, started by the first test. --max-entries-per-query 1000: the
  // HTTP bound must not cap what gRPC streams.
  void SetUp() override {
    if (server_) return;
    dir_ = new TempDir();
    big_file_ = dir_->path() + "/big.log";
    std::ofstream out(big_file_);
    for (int i = 1; i <= kLines; ++i) out << BigLine(i) << "\n";
    out.close();
    server_ = new Vigied(dir_->path() + "/data", {"--max-entries-per-query", "1000"});
    server_->Start();
    std::string err;
    ASSERT_EQ(Vigie(*server_, {"push", "--label", "service=big", big_file_}, nullptr, &err), 0)
        << err;
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    server_ = nullptr;
  }

  // What `grep args` prints over the pushed file (LC_ALL=C, as vigie matches bytes).
  static std::string GnuGrep(const std::string& args) {
    return Shell("LC_ALL=C grep " + args + " '" + big_file_ + "'");
  }

  static TempDir* dir_;
  static Vigied* server_;
  static std::string big_file_;
};
TempDir* CliQueryTest::dir_ = nullptr;
Vigied* CliQueryTest::server_ = nullptr;
std::string CliQueryTest::big_file_;

TEST_F(CliQueryTest, LimitZeroStreamsEveryMatchWithBoundedMemory) {
  std::string out, err;
  ASSERT_EQ(Vigie(*server_, {"grep", R"({service="big"} |= "line")", "--limit", "0", "--forward"},
                  &out, &err),
            0)
      << err;
  EXPECT_EQ(CountLines(out), size_t{kLines});
  EXPECT_EQ(out, Shell("cat '" + big_file_ + "'")) << "every line, oldest first, byte for byte";
  EXPECT_EQ(err, "") << "nothing was left out, so no notice";
  // 150,000 lines are 11 MiB; vigied streams them as the CLI reads, so its peak stays near its
  // idle size (about 60 MiB measured) whatever the number of matches.
  long peak = static_cast<long>(ProcStatusBytes(server_->pid(), "VmHWM") / 1024);
  EXPECT_GT(peak, 0);
  EXPECT_LT(peak, 128 * 1024 * kSanitizerFactor) << "vigied's VmHWM in KiB";
}

TEST_F(CliQueryTest, DefaultLimitSaysMoreMatchOnStderr) {
  std::string out, err;
  ASSERT_EQ(Vigie(*server_, {"grep", R"({service="big"} |= "hit")"}, &out, &err), 0) << err;
  EXPECT_EQ(CountLines(out), 100u);
  EXPECT_EQ(err, "vigie: newest 100 shown; more match — --limit N, or 0 for all\n");
  EXPECT_EQ(out.substr(0, out.find('\n')), BigLine(kLines / 13 * 13)) << "newest first";

  // Exactly as many as match: nothing was cut, nothing said.
  int rare = kLines / 1000;
  ASSERT_EQ(
      Vigie(*server_, {"grep", R"({service="big"} |= "rare")", "--limit", std::to_string(rare)},
            &out, &err),
      0);
  EXPECT_EQ(CountLines(out), size_t(rare));
  EXPECT_EQ(err, "");
}

TEST_F(CliQueryTest, ForwardShowsTheOldestFirst) {
  std::string out, err;
  ASSERT_EQ(
      Vigie(*server_, {"grep", R"({service="big"})", "--forward", "--limit", "3"}, &out, &err), 0);
  EXPECT_EQ(out, BigLine(1) + "\n" + BigLine(2) + "\n" + BigLine(3) + "\n");
  EXPECT_EQ(err, "vigie: oldest 3 shown; more match — --limit N, or 0 for all\n");
}

TEST_F(CliQueryTest, ContextLinesAreWhatGnuGrepPrints) {
  struct Case {
    std::vector<std::string> vigie_flags;
    std::string grep_flags;
  };
  // Every 13th line matches: with this much context the groups meet the blocks' boundaries.
  const Case cases[] = {{{"-C", "2"}, "-C 2"},
                        {{"-A", "3"}, "-A 3"},
                        {{"-B", "4"}, "-B 4"},
                        {{"-A", "1", "-B", "5"}, "-A 1 -B 5"},
                        {{"-C", "6"}, "-C 6"}};  // Groups overlap: one long group.
  for (const Case& c : cases) {
    std::vector<std::string> args = {"grep", R"({service="big"} |= "hit")", "--limit", "0",
                                     "--forward"};
    args.insert(args.end(), c.vigie_flags.begin(), c.vigie_flags.end());
    std::string out, err;
    ASSERT_EQ(Vigie(*server_, args, &out, &err), 0) << err;
    std::string expected = GnuGrep("-F hit " + c.grep_flags);
    EXPECT_TRUE(out == expected) << c.grep_flags << ": " << CountLines(out) << " lines, grep "
                                 << CountLines(expected);
  }
  // Sparse matches with a limit: the last group keeps its trailing context (as grep -m does).
  std::string out, err;
  ASSERT_EQ(Vigie(*server_,
                  {"grep", R"({service="big"} |= "rare")", "--limit", "3", "--forward", "-C", "2"},
                  &out, &err),
            0);
  EXPECT_EQ(out, GnuGrep("-F rare -m 3 -C 2"));
  EXPECT_NE(err.find("oldest 3 shown; more match"), std::string::npos) << err;

  // Newest first: the same lines, in reverse.
  std::string backward;
  ASSERT_EQ(Vigie(*server_, {"grep", R"({service="big"} |= "rare")", "--limit", "0", "-B", "2"},
                  &backward),
            0);
  EXPECT_EQ(backward, Shell("LC_ALL=C grep -F rare -B 2 '" + big_file_ + "' | tac"));
}

TEST_F(CliQueryTest, CountIsGrepC) {
  std::string out, err;
  ASSERT_EQ(Vigie(*server_, {"grep", R"({service="big"} |= "hit")", "--count"}, &out, &err), 0)
      << err;
  EXPECT_EQ(out, GnuGrep("-c -F hit"));
  EXPECT_EQ(err, "") << "--count is not cut by the limit";
  ASSERT_EQ(Vigie(*server_, {"grep", R"({service="big"} |= "no such text")", "-c"}, &out), 0);
  EXPECT_EQ(out, "0\n");
}

// --stats says on stderr how many blocks were read: every one for a word on every line, none for
// a word that the n-gram filters rule out.
TEST_F(CliQueryTest, StatsSayHowManyBlocksWereRead) {
  std::string out, err;
  ASSERT_EQ(
      Vigie(*server_, {"grep", R"({service="big"} |= "padding")", "-c", "--stats"}, &out, &err), 0)
      << err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(err, m, std::regex(R"(read (\d+) of (\d+) blocks)"))) << err;
  const std::string all = m[2];
  EXPECT_GT(std::stoi(all), 1) << err;
  EXPECT_EQ(m[1], all) << err;
  EXPECT_NE(err.find(std::to_string(kLines) + " lines"), std::string::npos) << err;
  ASSERT_EQ(Vigie(*server_, {"grep", R"({service="big"} |= "zebra")", "-c", "--stats"}, &out, &err),
            0);
  EXPECT_EQ(out, "0\n");
  EXPECT_NE(err.find("read 0 of " + all + " blocks"), std::string::npos) << err;
}

TEST_F(CliQueryTest, WideOutputShowsTimeLabelsAndLine) {
  std::string out;
  ASSERT_EQ(Vigie(*server_, {"grep", R"({service="big"} |= "line 26 ")", "-o", "wide", "--forward"},
                  &out),
            0);
  std::regex wide(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \{file=".*big\.log", service="big"\} )" +
      BigLine(26) + "\n");
  EXPECT_TRUE(std::regex_match(out, wide)) << out;
}

TEST_F(CliQueryTest, ColorHighlightsMatchesOnlyWhenAsked) {
  std::string out;
  const std::string query = R"({service="big"} |~ "li.e 39 " |= "hit")";
  ASSERT_EQ(Vigie(*server_, {"grep", query, "--color", "always"}, &out), 0);
  EXPECT_EQ(out,
            "\x1b[01;31m\x1b[Kline 39 hit\x1b[m\x1b[K padding so that the file spans several "
            "blocks\n")
      << "the two filters' matches touch: one highlighted span";
  // auto: standard output here is a file, so no colour.
  ASSERT_EQ(Vigie(*server_, {"grep", query}, &out), 0);
  EXPECT_EQ(out, BigLine(39) + "\n");
  ASSERT_EQ(Vigie(*server_, {"grep", query, "--color", "never"}, &out), 0);
  EXPECT_EQ(out, BigLine(39) + "\n");
}

// Pushes one entry through the gRPC Ingest API, as any client could (bypassing the CLI's own
// checks).
void RawPush(const Vigied& server, const std::string& label_value, const std::string& line) {
  auto stub = v1::Ingest::NewStub(
      grpc::CreateChannel(server.grpc_address(), grpc::InsecureChannelCredentials()));
  v1::PushRequest request;
  request.set_agent_id("raw-test");
  request.set_seq(1);
  v1::Stream* stream = request.add_streams();
  v1::Label* label = stream->add_labels();
  label->set_name("service");
  label->set_value(label_value);
  v1::Entry* entry = stream->add_entries();
  entry->set_ts_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count());
  entry->set_line(line);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call = stub->Push(&context);
  ASSERT_TRUE(call->Write(request));
  call->WritesDone();
  v1::PushAck ack;
  EXPECT_TRUE(call->Read(&ack)) << "an ack, accepted or rejected";
  grpc::Status status = call->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
}

// Whatever vigied does with an invalid UTF-8 label (refuse or repair), queries end in time with
// results or an error.
TEST_F(CliQueryTest, QueriesEndAfterAnInvalidUtf8Label) {
  RawPush(*server_, "t4\xff", "after an invalid label");
  for (std::vector<std::string> args :
       {std::vector<std::string>{"grep", R"({service!=""})", "--limit", "1000"},
        {"grep", "{service=\"t4\xff\"}"},
        {"labels", "service"}}) {
    args.insert(args.begin(), {BinaryPath("cli/vigie"), "--server", server_->grpc_address()});
    ChildProcess cli(args, dir_->path() + "/utf8.log");
    int code = cli.Wait(std::chrono::seconds(10));
    ASSERT_NE(code, -1) << args[3] << " " << args[4] << " did not end within 10 s";
    if (code != 0) EXPECT_NE(cli.Log(), "") << "a failure says why";
  }
}

TEST_F(CliQueryTest, LabelsRefusesAnInvalidName) {
  std::string out, err;
  EXPECT_EQ(Vigie(*server_, {"labels", "bad-name"}, &out, &err), 2);
  EXPECT_EQ(out, "");
  EXPECT_NE(err.find("\"bad-name\" is not a valid label name"), std::string::npos) << err;
  EXPECT_EQ(Vigie(*server_, {"labels", "no_such_label"}, &out, &err), 0);
  EXPECT_NE(err.find("no stream has a label \"no_such_label\""), std::string::npos) << err;
}

TEST_F(CliQueryTest, UnknownCommandIsNamed) {
  std::string err;
  EXPECT_EQ(Vigie(*server_, {"frob"}, nullptr, &err), 2);
  EXPECT_EQ(err,
            "vigie: unknown command \"frob\"; commands: push, grep, tail, labels, query, series, "
            "deploy, rules, silence, alerts, anomaly\n");
}

TEST_F(CliQueryTest, ConnectionFlagsAfterTheSubcommand) {
  std::string out, err;
  EXPECT_EQ(RunCommand(
                {BinaryPath("cli/vigie"), "labels", "service", "--server", server_->grpc_address()},
                &out, "", &err),
            0)
      << err;
  EXPECT_NE(out.find("big\n"), std::string::npos) << out;
}

TEST_F(CliQueryTest, SinceTakesFractionsAndNeedsAUnit) {
  std::string out, err;
  EXPECT_EQ(Vigie(*server_, {"grep", R"({service="big"})", "--since", "1.5h", "--limit", "1"}, &out,
                  &err),
            0)
      << err;
  EXPECT_EQ(out, BigLine(kLines) + "\n");
  EXPECT_EQ(Vigie(*server_, {"grep", R"({service="big"})", "--since", "90"}, &out, &err), 2);
  EXPECT_NE(err.find("--since 90: needs a unit"), std::string::npos) << err;
  EXPECT_EQ(Vigie(*server_, {"grep", R"({service="big"})", "--since", "2026-12-01T19:00:00Z"}, &out,
                  &err),
            2);
  EXPECT_NE(err.find("use --from 2026-12-01T19:00:00Z"), std::string::npos) << err;
}

TEST_F(CliQueryTest, CaretUnderTheLineOfAMultiLineQuery) {
  std::string err;
  EXPECT_EQ(Vigie(*server_, {"grep", "{service=\"big\"}\n  |= \"a\"\n  |~ \"(\""}, nullptr, &err),
            2);
  EXPECT_NE(err.find("line 3, col 6"), std::string::npos) << err;
  EXPECT_NE(err.find("  3 |   |~ \"(\"\n    |      ^\n"), std::string::npos) << err;
}

TEST_F(CliQueryTest, EverySubcommandHasHelpWithTheProgramsName) {
  for (std::string command : {"push", "grep", "tail", "labels", "query", "series"}) {
    std::string out;
    ASSERT_EQ(RunCommand({BinaryPath("cli/vigie"), command, "--help"}, &out), 0) << command;
    EXPECT_NE(out.find("Usage: vigie " + command + " "), std::string::npos) << out;
    EXPECT_NE(out.find("--server"), std::string::npos) << command << ": connection flags";
    // Every option has a description: its line (or the next, when the flag is long) goes on
    // past the flag's name and type.
    std::istringstream lines(out);
    std::string line, previous;
    while (std::getline(lines, line)) {
      if (previous.find_first_not_of(' ') == 2 || previous.find_first_not_of(' ') == 4) {
        bool flag = previous[previous.find_first_not_of(' ')] == '-';
        bool described = previous.find("  ", previous.find('-')) != std::string::npos ||
                         line.find_first_not_of(' ') > 20;
        if (flag) EXPECT_TRUE(described) << command << ": " << previous;
      }
      previous = line;
    }
  }
}

// A slow reader: vigied stops producing while the CLI does not read (bounded memory), and the
// error that ends the query mid-stream reaches the CLI, which exits non-zero.
TEST(CliQueryStreamTest, SlowReaderGetsTheMidStreamErrorOrCtrlCAndVigiedStaysSmall) {
  TempDir dir;
  Vigied server(dir.path() + "/data", {"--query-timeout", "3s"});
  server.Start();
  std::string file = dir.path() + "/big.log";
  {
    std::ofstream out(file);
    for (int i = 1; i <= kLines; ++i) out << BigLine(i) << "\n";
  }
  ASSERT_EQ(Vigie(server, {"push", "--label", "service=big", file}), 0);
  // The CLI writes into a pipe nobody reads for `stall_s`; `signal_cli` runs meanwhile. Returns
  // the lines that got through, the exit code and stderr.
  auto stalled_grep = [&](int stall_s, const std::string& signal_cli, size_t* lines, int* code) {
    std::string fifo = dir.path() + "/fifo", err_file = dir.path() + "/err";
    unlink(fifo.c_str());
    EXPECT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    std::string script = "'" + BinaryPath("cli/vigie") + "' --server " + server.grpc_address() +
                         " grep '{service=\"big\"}' --limit 0 > '" + fifo + "' 2> '" + err_file +
                         "' & cli=$!; exec 3< '" + fifo + "'; sleep 1; " + signal_cli + "; sleep " +
                         std::to_string(stall_s) + "; wc -l <&3; wait $cli; echo $?";
    std::istringstream result(Shell(script));
    *lines = 0;
    *code = -1;
    result >> *lines >> *code;
    std::ifstream err_in(err_file);
    return std::string((std::istreambuf_iterator<char>(err_in)), {});
  };
  size_t lines = 0;
  int code = 0;
  // Well past the query's 3 s.
  std::string err = stalled_grep(5, "true", &lines, &code);
  EXPECT_EQ(code, 1) << err;
  EXPECT_LT(lines, size_t{kLines});
  EXPECT_NE(err.find("query timed out: the client read its answer too slowly"), std::string::npos)
      << err;
  EXPECT_NE(err.find("the answer is incomplete: " + std::to_string(lines) + " entries shown"),
            std::string::npos)
      << err;
  EXPECT_LT(static_cast<long>(ProcStatusBytes(server.pid(), "VmHWM") / 1024),
            128 * 1024 * kSanitizerFactor);

  // Ctrl-C while stalled: the call is cancelled and the CLI says how far it got.
  err = stalled_grep(1, "kill -INT $cli", &lines, &code);
  EXPECT_EQ(code, 130) << err;
  EXPECT_EQ(err, "vigie: interrupted; " + std::to_string(lines) + " entries shown\n");
}

TEST(CliQueryStreamTest, TailSaysWhenVigiedStopsAndCtrlCEndsItCleanly) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  auto start_tail = [&](const std::string& log) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{BinaryPath("cli/vigie"), "tail", R"({service="t"})", "--server",
                                 server.grpc_address()},
        log);
  };
  // Waits until the tail shows a pushed line: it is then following.
  auto wait_following = [&](ChildProcess& tail, const std::string& line) {
    std::string input = dir.path() + "/line";
    std::ofstream(input) << line << "\n";
    for (int i = 0; i < 100 && tail.Log().find(line) == std::string::npos; ++i) {
      ASSERT_EQ(Vigie(server, {"push", "--label", "service=t"}, nullptr, nullptr, input), 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_NE(tail.Log().find(line), std::string::npos) << tail.Log();
  };

  auto interrupted = start_tail(dir.path() + "/tail1.log");
  wait_following(*interrupted, "first");
  interrupted->Signal(SIGINT);
  EXPECT_EQ(interrupted->Wait(std::chrono::seconds(5)), 0) << interrupted->Log();

  auto tail = start_tail(dir.path() + "/tail2.log");
  wait_following(*tail, "second");
  server.Stop();
  EXPECT_EQ(tail->Wait(std::chrono::seconds(10)), 1) << tail->Log();
  EXPECT_NE(tail->Log().find("vigie: the tail ended: vigied at " + server.grpc_address()),
            std::string::npos)
      << tail->Log();
}

}  // namespace
}  // namespace vigie::testing
