// The collector's composition root: opens the state directory (agent id, sequence lease,
// checkpoints, spool), works out where each known file resumes, and starts the pipeline
//   inputs -> batcher -> spool -> shipper -> vigied
//                                  acks -> spool -> checkpoints
// plus a maintenance thread that saves the checkpoints every second and then deletes the spool
// segments they make unnecessary, and asks vigied for its samples-per-request limit (at start,
// then every minute: see ServerLimits), and the /metrics listener.
//
// Thread safety: Start, Stop and the accessors from the owner.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/batcher.h"
#include "collector/checkpoints.h"
#include "collector/config.h"
#include "collector/inputs/file_input.h"
#include "collector/inputs/graphite_input.h"
#include "collector/inputs/host_input.h"
#include "collector/inputs/scrape_input.h"
#include "collector/inputs/statsd_input.h"
#include "collector/inputs/syslog_input.h"
#include "collector/metrics.h"
#include "collector/metrics_http.h"
#include "collector/server_limits.h"
#include "collector/shipper.h"
#include "collector/shipper_log.h"
#include "collector/spool.h"
#include "collector/state.h"

namespace vigie::collector {

class Collector {
 public:
  static absl::StatusOr<std::unique_ptr<Collector>> Start(CollectorConfig config);
  ~Collector();

  // Stops the inputs, writes what they produced to the spool, gives the shipper up to
  // `drain` to have it acknowledged, and saves the checkpoints. What is not acknowledged by
  // then is sent at the next start.
  void Stop(std::chrono::milliseconds drain);

  // {"agent_id": ..., "metrics": "host:port", "syslog": ["udp://host:port", ...],
  //  "statsd": [...], "graphite": [...]}
  std::string ReadyJson() const;

 private:
  explicit Collector(CollectorConfig config) : config_(std::move(config)) {}
  absl::Status Open();
  absl::Status StartInputs(std::map<FileKey, FileCursor> positions, bool first_start);
  absl::Status StartMetricInputs();
  void Maintain();
  void SaveCheckpoints();
  // Asks vigied for its limit (within `deadline`) and has the batcher follow it, if it is time:
  // every 5 s until vigied answers, then every minute. Maintenance thread (or before it).
  void FollowServerLimits(std::chrono::milliseconds deadline);

  CollectorConfig config_;
  Metrics metrics_;
  std::unique_ptr<AgentState> state_;
  std::unique_ptr<Checkpoints> checkpoints_;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<Batcher> batcher_;
  std::unique_ptr<ShipperLog> shipper_log_;
  std::unique_ptr<Shipper> shipper_;
  std::unique_ptr<ServerLimits> server_limits_;
  std::chrono::steady_clock::time_point next_limits_ask_;
  uint64_t server_max_samples_ = 0;  // As vigied last named it.
  std::unique_ptr<FileInput> files_;
  std::vector<std::unique_ptr<SyslogInput>> syslogs_;
  std::vector<std::unique_ptr<StatsdInput>> statsds_;
  std::vector<std::unique_ptr<GraphiteInput>> graphites_;
  std::vector<std::unique_ptr<ScrapeInput>> scrapes_;
  std::unique_ptr<HostInput> host_metrics_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread maintenance_;
};

}  // namespace vigie::collector
