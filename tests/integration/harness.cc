#include "tests/integration/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vigie::testing {

namespace fs = std::filesystem;

static std::string EnvOr(const char* name, const char* fallback) {
  const char* v = getenv(name);
  return v ? v : fallback;
}

std::string BinaryPath(const std::string& relative) {
  return EnvOr("VIGIE_BIN_DIR", VIGIE_DEFAULT_BIN_DIR) + "/" + relative;
}

std::string TestDataPath(const std::string& name) {
  return EnvOr("VIGIE_TEST_DATA", VIGIE_DEFAULT_TEST_DATA) + "/" + name;
}

static std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "vigie-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  if (!made) abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_path,
                           std::string stdin_path)
    : log_path_(std::move(log_path)) {
  pid_ = fork();
  if (pid_ == 0) {
    int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log, 1);
    dup2(log, 2);
    if (!stdin_path.empty()) {
      int in = open(stdin_path.c_str(), O_RDONLY);
      dup2(in, 0);
    }
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (running()) {
    Signal(SIGKILL);
    Wait();
  }
}

bool ChildProcess::running() {
  if (status_ != -1 || pid_ <= 0) return false;
  int st;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = st;
    return false;
  }
  return true;
}

void ChildProcess::Signal(int sig) {
  if (running()) kill(pid_, sig);
}

int ChildProcess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

std::string ChildProcess::Log() const { return ReadFile(log_path_); }

int RunCommand(const std::vector<std::string>& argv, std::string* output,
               const std::string& stdin_path, std::string* stderr_output) {
  TempDir dir;
  std::string out_path = dir.path() + "/out", err_path = dir.path() + "/err";
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT, 0644);
    dup2(out, 1);
    dup2(err, 2);
    if (!stdin_path.empty()) dup2(open(stdin_path.c_str(), O_RDONLY), 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (output) *output = ReadFile(out_path);
  if (stderr_output) *stderr_output = ReadFile(err_path);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Vigied::Vigied(std::string data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {}

Vigied::~Vigied() { process_.reset(); }

void Vigied::Start() {
  std::string ready = data_dir_ + ".ready.json";
  fs::remove(ready);
  // A restart keeps the ports of the first start, so that clients can reconnect.
  std::vector<std::string> argv = {BinaryPath("server/vigied"),
                                   "--data-dir",
                                   data_dir_,
                                   "--grpc-listen",
                                   grpc_address_.empty() ? "127.0.0.1:0" : grpc_address_,
                                   "--http-listen",
                                   http_address_.empty() ? "127.0.0.1:0" : http_address_,
                                   "--ready-file",
                                   ready};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  process_ = std::make_unique<ChildProcess>(argv, data_dir_ + ".log");
  ++starts_;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(ready)) {
      auto doc = nlohmann::json::parse(ReadFile(ready), nullptr, false);
      if (!doc.is_discarded() && doc.contains("grpc") && doc.contains("http")) {
        grpc_address_ = doc["grpc"];
        http_address_ = doc["http"];
        return;
      }
    }
    if (!process_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "vigied did not become ready; its log:\n" << Log();
}

void Vigied::Kill9() {
  if (process_) {
    process_->Signal(SIGKILL);
    process_->Wait();
  }
}

void Vigied::Stop() {
  if (process_) {
    process_->Signal(SIGTERM);
    EXPECT_EQ(process_->Wait(), 0) << Log();
  }
}

std::string Vigied::Log() const { return ReadFile(data_dir_ + ".log"); }

std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

uint64_t ProcStatusBytes(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
      return std::stoull(line.substr(field.size() + 1)) * 1024;  // In kB.
    }
  }
  return 0;
}

}  // namespace vigie::testing
