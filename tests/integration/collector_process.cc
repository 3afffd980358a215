#include "tests/integration/collector_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vigie::collector::testing {

namespace fs = std::filesystem;

CollectorProcess::CollectorProcess(std::string dir, const std::string& config_yaml,
                                   std::string server)
    : dir_(std::move(dir)), server_(std::move(server)) {
  std::ofstream(dir_ + "/collector.yaml") << config_yaml;
}

CollectorProcess::~CollectorProcess() = default;

void CollectorProcess::Start() {
  std::string ready = dir_ + "/ready.json";
  fs::remove(ready);
  process_ = std::make_unique<vigie::testing::ChildProcess>(
      std::vector<std::string>{vigie::testing::BinaryPath("collector/vigie-collector"), "--config",
                               dir_ + "/collector.yaml", "--server", server_, "--state-dir",
                               dir_ + "/state", "--metrics-listen", "127.0.0.1:0", "--ready-file",
                               ready},
      dir_ + "/collector.log");
  bool up = WaitFor(
      [&] {
        std::ifstream in(ready);
        if (!in) return !process_->running();
        auto doc = nlohmann::json::parse(in, nullptr, false);
        if (doc.is_discarded()) return false;
        metrics_ = doc["metrics"];
        syslog_ = doc["syslog"].get<std::vector<std::string>>();
        statsd_ = doc.value("statsd", std::vector<std::string>());
        graphite_ = doc.value("graphite", std::vector<std::string>());
        return true;
      },
      std::chrono::seconds(30));
  ASSERT_TRUE(up && process_->running()) << "collector did not start:\n" << Log();
}

void CollectorProcess::Kill9() {
  process_->Signal(SIGKILL);
  process_->Wait();
}

void CollectorProcess::Stop() {
  process_->Signal(SIGTERM);
  EXPECT_EQ(process_->Wait(), 0) << Log();
}

bool CollectorProcess::running() { return process_ && process_->running(); }

std::string CollectorProcess::Log() const {
  std::ifstream in(dir_ + "/collector.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double CollectorProcess::Metric(const std::string& sample) {
  std::istringstream body(HttpGet(metrics_, "/metrics"));
  std::string line;
  while (std::getline(body, line)) {
    if (line.size() > sample.size() && line.compare(0, sample.size(), sample) == 0 &&
        line[sample.size()] == ' ') {
      return std::stod(line.substr(sample.size() + 1));
    }
  }
  return -1;
}

std::string HttpGet(const std::string& address, const std::string& path) {
  size_t colon = address.rfind(':');
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    // vigied keeps HTTP/1.1 connections open: without this, recv waits for its idle timeout.
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) > 0) {
      char buf[65536];
      ssize_t n;
      while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) response.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

void AppendToFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

}  // namespace vigie::collector::testing
