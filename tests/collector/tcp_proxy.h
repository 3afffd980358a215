// A TCP forwarder between the collector and vigied, for the integration tests: vigied gets a
// new port at each restart (port 0), while the collector keeps one --server address. It also
// counts the bytes going to the server.
//
// Thread safety: all methods may be called from the test thread while the proxy runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace vigie::collector::testing {

class TcpProxy {
 public:
  explicit TcpProxy(std::string target);  // Listens on 127.0.0.1, port picked.
  ~TcpProxy();

  const std::string& address() const { return address_; }
  // Where new connections go; "" refuses them (the server is down).
  void SetTarget(std::string target);
  uint64_t bytes_to_server() const { return bytes_to_server_; }

 private:
  void Run();

  std::string address_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::mutex mu_;
  std::string target_;
  std::atomic<bool> stopping_ = false;  // Set, then wake_fd_ written.
  std::atomic<uint64_t> bytes_to_server_ = 0;
  std::thread thread_;
};

}  // namespace vigie::collector::testing
