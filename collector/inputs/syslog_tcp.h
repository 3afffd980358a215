// The TCP side of a syslog listener: a listening socket and the accepted connections, each
// with its own framer (syslog_framing.h). Reading waits while the entry sink is full, so TCP
// flow control slows the senders down instead of dropping.
//
// Thread safety: none; used by the syslog input's thread.
#pragma once

#include <poll.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/inputs/syslog_entries.h"
#include "collector/inputs/syslog_framing.h"
#include "collector/net_address.h"

namespace vigie::collector {

class SyslogTcp {
 public:
  static absl::StatusOr<std::unique_ptr<SyslogTcp>> Bind(const ListenAddress& address,
                                                         size_t max_message_bytes,
                                                         size_t max_connections);
  ~SyslogTcp();

  const std::string& bound() const { return bound_; }

  // Appends the descriptors to wait on: the listening socket and each connection.
  void AddPollFds(std::vector<pollfd>* fds) const;
  // Handles `fd` (one of AddPollFds') becoming readable: accepts connections, or reads and
  // frames; a closed connection hands on its last message and is dropped.
  void OnReadable(int fd, SyslogEntries* entries);

 private:
  struct Connection {
    SyslogFramer framer;
    std::string peer_host;
  };

  SyslogTcp(int fd, std::string bound, size_t max_message_bytes, size_t max_connections)
      : listen_fd_(fd),
        bound_(std::move(bound)),
        max_bytes_(max_message_bytes),
        max_connections_(max_connections) {}
  void Accept();
  void Close(int fd, SyslogEntries* entries);

  const int listen_fd_;
  const std::string bound_;
  const size_t max_bytes_;
  const size_t max_connections_;
  std::map<int, Connection> connections_;
  std::string buffer_;
};

}  // namespace vigie::collector
