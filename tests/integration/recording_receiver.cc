#include "tests/integration/recording_receiver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace vigie::testing {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

RecordingReceiver::RecordingReceiver(const TempDir& dir, std::string answers, int port) {
  static int instances = 0;
  std::string base = dir.path() + "/receiver-" + std::to_string(++instances);
  record_path_ = dir.path() + "/received.jsonl";  // Shared by the receivers of one test.
  std::string port_file = base + ".port";
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/python3", VIGIE_RECORDING_RECEIVER, "--record",
                               record_path_, "--port", std::to_string(port), "--port-file",
                               port_file, "--answers", answers},
      base + ".log");
  for (int i = 0; i < 1000 && !std::filesystem::exists(port_file); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ifstream in(port_file);
  in >> port_;
  if (port_ == 0) ADD_FAILURE() << "the recording receiver did not start: " << process_->Log();
}

RecordingReceiver::~RecordingReceiver() = default;  // ChildProcess kills it.

std::string RecordingReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<RecordingReceiver::Request> RecordingReceiver::Requests() const {
  std::vector<Request> out;
  std::ifstream in(record_path_);
  std::string line;
  while (std::getline(in, line)) {
    auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded()) continue;  // A line being written.
    out.push_back({record["t"].get<double>(), record["path"].get<std::string>(),
                   record["body"].get<std::string>(), record["status"].get<int>(),
                   record["headers"]});
  }
  return out;
}

std::vector<RecordingReceiver::Request> RecordingReceiver::WaitFor(
    size_t n, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<Request> got = Requests();
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    got = Requests();
  }
  return got;
}

}  // namespace vigie::testing
