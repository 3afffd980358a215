// Real Prometheus peers for the metrics tests: a small exporter served by the test, and a
// Prometheus 2.42 process (Debian's `prometheus`) on a free loopback port with a temporary
// storage directory.
//
// Not thread-safe; use from the test's main thread (the exporter serves from its own thread).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "tests/integration/harness.h"

namespace vigie::testing {

// A loopback TCP port that was free a moment ago (bound to port 0, then closed), for programs
// that cannot report the port they bound.
int FreeLoopbackPort();

// An HTTP server on 127.0.0.1:<port 0> whose /metrics changes with every scrape: counters
// (one with resets), gauges, two classic histograms and series that come and go (so that
// Prometheus writes staleness markers). What it serves at scrape n is a function of n only.
class TestExporter {
 public:
  TestExporter() : TestExporter(&TestExporter::Render) {}
  // Serves render(n) at scrape n (a test that drives the values reads its own state in it; it
  // is called on the exporter's thread).
  explicit TestExporter(std::function<std::string(int)> render);
  ~TestExporter();  // Stops serving.
  TestExporter(const TestExporter&) = delete;
  TestExporter& operator=(const TestExporter&) = delete;

  const std::string& address() const { return address_; }  // 127.0.0.1:port
  int scrapes() const { return scrapes_.load(); }

  // The exposition text of scrape `n`.
  static std::string Render(int n);

 private:
  void Serve();

  std::function<std::string(int)> render_;
  int listen_fd_ = -1;
  std::string address_;
  std::atomic<bool> stop_{false};
  std::atomic<int> scrapes_{0};
  std::thread thread_;
};

// Rules for a PrometheusServer: a rule file evaluated every second, and the metric names its
// remote_write leaves out (a regex), so that rule outputs stay its own.
struct PrometheusRules {
  std::string rule_file;
  std::string not_remote_written;
};

// A Prometheus server scraping itself and the given targets every second, remote-writing what
// it scrapes to `remote_write_url` (when not empty) with a short batch deadline.
class PrometheusServer {
 public:
  PrometheusServer(const std::string& dir, const std::string& exporter_address,
                   const std::string& remote_write_url, const PrometheusRules& rules = {});
  // A Prometheus server that scrapes only what `scrape_configs` lists (the items of the YAML
  // list, each line indented by two spaces), every second.
  static std::unique_ptr<PrometheusServer> Scraping(const std::string& dir,
                                                    const std::string& scrape_configs);
  // Starts the process and waits until /-/ready answers 200; fails the test otherwise.
  void Start();
  const std::string& address() const { return address_; }  // 127.0.0.1:port
  std::string Log() const { return process_ ? process_->Log() : ""; }

 private:
  explicit PrometheusServer(const std::string& dir);

  std::string dir_;
  std::string address_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace vigie::testing
