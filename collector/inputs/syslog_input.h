// The syslog input: listens on the configured UDP and TCP addresses and hands each message to
// SyslogEntries (labels, line, time: see syslog_entries.h). One thread polls every socket.
//
// Thread safety: Create, Start and Stop from the owner.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/entry_sink.h"
#include "collector/inputs/syslog_entries.h"
#include "collector/inputs/syslog_tcp.h"
#include "collector/inputs/syslog_udp.h"
#include "collector/metrics.h"

namespace vigie::collector {

struct SyslogSource {
  std::string name;                 // For metrics.
  std::vector<std::string> listen;  // "udp://host:port", "tcp://host:port".
  std::vector<Label> labels;        // Added to every entry, winning over host, app... of a message.
  std::string default_host;         // `host` of messages without one from local senders.
  size_t max_message_bytes = 64 * 1024;
  size_t max_connections = 1024;
};

class SyslogInput {
 public:
  // Binds every address (a failure to bind is an error: the port is taken or not allowed).
  static absl::StatusOr<std::unique_ptr<SyslogInput>> Create(SyslogSource source, EntrySink* sink,
                                                             Metrics* metrics);
  ~SyslogInput();

  // The addresses bound, with the ports picked for port 0: "udp://127.0.0.1:40123".
  std::vector<std::string> bound() const;

  void Start();
  void Stop();

 private:
  SyslogInput(SyslogSource source, EntrySink* sink, Metrics* metrics);
  void Run();

  const SyslogSource source_;
  SyslogEntries entries_;
  std::vector<std::unique_ptr<SyslogUdp>> udp_;
  std::vector<std::unique_ptr<SyslogTcp>> tcp_;
  int wake_fd_ = -1;  // eventfd: Stop() wakes the poll.
  std::thread thread_;
};

}  // namespace vigie::collector
