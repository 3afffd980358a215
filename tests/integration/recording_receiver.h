// The recording webhook receiver (recording_receiver.py) as a test object: a real HTTP server
// process on loopback that records what it gets and answers as the test tells it.
//
// Not thread-safe; use from the test's main thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"

namespace vigie::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (for a server that must come back on the
// same port).
int FreePort();

class RecordingReceiver {
 public:
  struct Request {
    double arrived = 0;  // Unix seconds.
    std::string path;
    std::string body;
    int status = 0;  // What the receiver answered.
    nlohmann::json headers;
  };

  // Starts the receiver in `dir` (its record file and log live there). `answers`: the
  // script's --answers ("429:2,429:2,200"); `port` 0: any free port.
  explicit RecordingReceiver(const TempDir& dir, std::string answers = "", int port = 0);
  ~RecordingReceiver();

  int port() const { return port_; }
  // http://127.0.0.1:<port><path>
  std::string Url(const std::string& path = "/hook") const;
  // Every request recorded so far, in arrival order.
  std::vector<Request> Requests() const;
  // Waits until at least `n` requests are recorded (or `timeout`); returns those recorded.
  std::vector<Request> WaitFor(size_t n, std::chrono::milliseconds timeout) const;

 private:
  std::string record_path_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace vigie::testing
