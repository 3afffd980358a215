// Helpers for integration tests: temp directories, child processes, and a real vigied
// started on port 0 with its own data directory.
//
// Not thread-safe; use from the test's main thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vigie::testing {

// The CMake build directory (or $VIGIE_BIN_DIR) + "/" + relative.
std::string BinaryPath(const std::string& relative);
// tests/data (or $VIGIE_TEST_DATA) + "/" + name.
std::string TestDataPath(const std::string& name);

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes `text` byte for byte to dir/name; returns the path.
std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& text);

// A field of /proc/<pid>/status given in kB (VmRSS, VmHWM, ...), in bytes; 0 when absent.
uint64_t ProcStatusBytes(pid_t pid, std::string_view field);

// A child process. Its stdout and stderr go to files (log_path) so a failing test can print them.
class ChildProcess {
 public:
  // Starts argv[0] with the arguments; `stdin_path`, when set, becomes its standard input.
  ChildProcess(std::vector<std::string> argv, std::string log_path, std::string stdin_path = "");
  ~ChildProcess();  // Sends SIGKILL if still running.
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void Signal(int sig);
  // Waits for exit; returns the exit code, or 128+signal. -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::string Log() const;  // What it printed so far.

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

// Runs a command to completion; returns its exit code and fills `output` with stdout.
int RunCommand(const std::vector<std::string>& argv, std::string* output,
               const std::string& stdin_path = "", std::string* stderr_output = nullptr);

// A vigied process on 127.0.0.1 port 0 for both gRPC and HTTP, serving `data_dir`.
class Vigied {
 public:
  explicit Vigied(std::string data_dir, std::vector<std::string> extra_args = {});
  ~Vigied();

  // Starts (or restarts, on the same ports) the server and waits until it has written its ready
  // file.
  // Aborts the test with the server's log if it does not come up within 30 s.
  void Start();
  void Kill9();  // SIGKILL, then reap.
  void Stop();   // SIGTERM, wait for a clean exit.

  const std::string& grpc_address() const { return grpc_address_; }  // host:port
  const std::string& http_address() const { return http_address_; }  // host:port
  const std::string& data_dir() const { return data_dir_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }  // -1 before Start().
  std::string Log() const;

 private:
  std::string data_dir_;
  std::vector<std::string> extra_args_;
  std::string grpc_address_, http_address_;
  std::unique_ptr<ChildProcess> process_;
  int starts_ = 0;
};

// Polls `done` every 50 ms until it returns true (true) or `timeout` passes (false): how a test
// waits for what another process does, without assuming how long it takes.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout);

}  // namespace vigie::testing
