// A vigie-collector process for the integration tests (the collector's own, and the end-to-end
// stories of tests/integration): its configuration and state in a directory of the test,
// started and killed like the real thing.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace vigie::collector::testing {

class CollectorProcess {
 public:
  // `config_yaml` is written to <dir>/collector.yaml; the state directory is <dir>/state.
  CollectorProcess(std::string dir, const std::string& config_yaml, std::string server);
  ~CollectorProcess();

  // Starts the collector and waits for its ready file (fails the test after 30 s).
  void Start();
  void Kill9();
  // SIGTERM; expects a clean exit.
  void Stop();
  bool running();

  const std::string& metrics_address() const { return metrics_; }
  const std::vector<std::string>& syslog_addresses() const { return syslog_; }
  // "udp://127.0.0.1:40123", ... as bound, in the order of the configuration's listen lists.
  const std::vector<std::string>& statsd_addresses() const { return statsd_; }
  const std::vector<std::string>& graphite_addresses() const { return graphite_; }
  // The value of one sample of /metrics ("vigie_collector_batches_acked_total", or with its
  // labels as printed); -1 if absent.
  double Metric(const std::string& sample);
  std::string Log() const;

 private:
  std::string dir_;
  std::string server_;
  std::unique_ptr<vigie::testing::ChildProcess> process_;
  std::string metrics_;
  std::vector<std::string> syslog_;
  std::vector<std::string> statsd_;
  std::vector<std::string> graphite_;
};

// GET http://<address><path>; the body, or "" on failure.
std::string HttpGet(const std::string& address, const std::string& path);

// Appends `text` to the file at `path` (what an application writing its log does).
void AppendToFile(const std::string& path, const std::string& text);

// The collector's tests poll with the harness's WaitFor.
using vigie::testing::WaitFor;

}  // namespace vigie::collector::testing
