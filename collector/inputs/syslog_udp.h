// The UDP side of a syslog listener: each datagram is one message.
//
// Thread safety: none; used by the syslog input's thread.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "collector/inputs/syslog_entries.h"
#include "collector/net_address.h"

namespace vigie::collector {

class SyslogUdp {
 public:
  static absl::StatusOr<std::unique_ptr<SyslogUdp>> Bind(const ListenAddress& address,
                                                         size_t max_message_bytes);
  ~SyslogUdp();

  int fd() const { return fd_; }
  const std::string& bound() const { return bound_; }

  // Reads the datagrams waiting (without blocking) and hands each to `entries`.
  void ReadAll(SyslogEntries* entries);

 private:
  SyslogUdp(int fd, std::string bound, size_t max_message_bytes)
      : fd_(fd), bound_(std::move(bound)), max_bytes_(max_message_bytes) {}

  const int fd_;
  const std::string bound_;
  const size_t max_bytes_;
  std::string buffer_;
};

}  // namespace vigie::collector
