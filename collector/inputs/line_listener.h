// Newline-separated text over UDP and TCP, the transport of StatsD and Graphite's plaintext
// protocol: binds the configured addresses and, on a thread of its own, hands the receiver
// blocks of whole lines. A UDP datagram is one block (its last line needs no newline); a TCP
// connection's bytes are cut after their last newline, the rest waiting for the next read (or
// the end of the connection). A line longer than max_line_bytes without a newline is dropped
// and reported as oversized.
//
// Thread safety: Create, Start, Stop and bound() from the owner; the receiver runs on the
// listener's thread, one call at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace vigie::collector {

class LineListener {
 public:
  struct Options {
    std::string protocol;             // For messages: "statsd", "graphite".
    std::vector<std::string> listen;  // "udp://host:port", "tcp://host:port".
    size_t max_line_bytes = 64 * 1024;
    size_t max_connections = 1024;
  };
  // `lines` is valid during the call: whole lines, separated by '\n'.
  using Receiver = std::function<void(std::string_view lines)>;
  // Called with the number of bytes of a dropped over-long line.
  using Oversized = std::function<void(size_t bytes)>;

  // Binds every address; an address that cannot be bound is an error.
  static absl::StatusOr<std::unique_ptr<LineListener>> Create(Options options, Receiver receiver,
                                                              Oversized oversized);
  ~LineListener();

  // The addresses bound, with the ports picked for port 0: "udp://127.0.0.1:40123".
  std::vector<std::string> bound() const;

  void Start();
  // Stops reading; what open connections sent after their last newline is handed on first.
  void Stop();

 private:
  struct Connection {
    std::string pending;    // After the last newline.
    bool skipping = false;  // Dropping an over-long line up to its newline.
  };
  struct Socket {
    int fd;
    bool udp;
    std::string bound;
  };

  LineListener(Options options, Receiver receiver, Oversized oversized);
  void Run();
  void ReadDatagrams(int fd);
  void Accept(int fd);
  // Reads what `fd` has; false when the connection is over.
  bool ReadConnection(int fd, Connection* connection);
  void CloseConnection(int fd, Connection* connection);

  const Options options_;
  const Receiver receiver_;
  const Oversized oversized_;
  std::vector<Socket> sockets_;
  std::map<int, Connection> connections_;
  std::vector<char> buffer_;
  int wake_fd_ = -1;  // eventfd: Stop() wakes the poll.
  std::thread thread_;
};

}  // namespace vigie::collector
