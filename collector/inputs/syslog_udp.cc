#include "collector/inputs/syslog_udp.h"

#include <sys/socket.h>
#include <unistd.h>

#include "common/line_splitter.h"
#include "common/time.h"

namespace vigie::collector {

namespace {
constexpr size_t kMaxDatagram = 65536;
constexpr int kReceiveBuffer = 8 << 20;  // Absorbs bursts; capped by net.core.rmem_max.
constexpr int kMaxPerCall = 256;         // Then let the other sockets have a turn.
}  // namespace

absl::StatusOr<std::unique_ptr<SyslogUdp>> SyslogUdp::Bind(const ListenAddress& address,
                                                           size_t max_message_bytes) {
  std::string bound;
  absl::StatusOr<int> fd = BindSocket(address, SOCK_DGRAM, &bound);
  if (!fd.ok()) return fd.status();
  setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof(kReceiveBuffer));
  return std::unique_ptr<SyslogUdp>(new SyslogUdp(*fd, "udp://" + bound, max_message_bytes));
}

SyslogUdp::~SyslogUdp() { close(fd_); }

void SyslogUdp::ReadAll(SyslogEntries* entries) {
  buffer_.resize(kMaxDatagram);
  for (int i = 0; i < kMaxPerCall; ++i) {
    sockaddr_storage peer;
    socklen_t peer_length = sizeof(peer);
    ssize_t n = recvfrom(fd_, buffer_.data(), buffer_.size(), MSG_TRUNC,
                         reinterpret_cast<sockaddr*>(&peer), &peer_length);
    if (n < 0) return;  // EAGAIN: nothing more for now.
    size_t size = static_cast<size_t>(n);
    std::string_view message(buffer_.data(), std::min(size, buffer_.size()));
    std::string peer_host = PeerHost(&peer, peer_length);
    if (size > max_bytes_) {
      size_t keep = max_bytes_ > kTruncationReserve ? max_bytes_ - kTruncationReserve : 0;
      entries->Handle(TruncatedEntry(message.substr(0, keep), size - keep), true, peer_host,
                      NowNanos());
    } else {
      entries->Handle(message, false, peer_host, NowNanos());
    }
  }
}

}  // namespace vigie::collector
