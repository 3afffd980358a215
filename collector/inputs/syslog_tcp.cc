#include "collector/inputs/syslog_tcp.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "common/time.h"

namespace vigie::collector {

absl::StatusOr<std::unique_ptr<SyslogTcp>> SyslogTcp::Bind(const ListenAddress& address,
                                                           size_t max_message_bytes,
                                                           size_t max_connections) {
  std::string bound;
  absl::StatusOr<int> fd = BindSocket(address, SOCK_STREAM, &bound);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<SyslogTcp>(
      new SyslogTcp(*fd, "tcp://" + bound, max_message_bytes, max_connections));
}

SyslogTcp::~SyslogTcp() {
  for (auto& [fd, connection] : connections_) close(fd);
  close(listen_fd_);
}

void SyslogTcp::AddPollFds(std::vector<pollfd>* fds) const {
  if (connections_.size() < max_connections_) fds->push_back({listen_fd_, POLLIN, 0});
  for (const auto& [fd, connection] : connections_) fds->push_back({fd, POLLIN, 0});
}

void SyslogTcp::OnReadable(int fd, SyslogEntries* entries) {
  if (fd == listen_fd_) {
    Accept();
    return;
  }
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  buffer_.resize(64 * 1024);
  ssize_t n = recv(fd, buffer_.data(), buffer_.size(), 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    Close(fd, entries);
    return;
  }
  Connection& c = it->second;
  c.framer.Feed(std::string_view(buffer_.data(), static_cast<size_t>(n)),
                [&](std::string_view message, bool truncated) {
                  entries->Handle(message, truncated, c.peer_host, NowNanos());
                });
}

void SyslogTcp::Accept() {
  while (connections_.size() < max_connections_) {
    sockaddr_storage peer;
    socklen_t length = sizeof(peer);
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &length,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    connections_.emplace(fd, Connection{SyslogFramer(max_bytes_), PeerHost(&peer, length)});
  }
  spdlog::warn("syslog {}: {} connections open, the maximum; new ones wait", bound_,
               connections_.size());
}

void SyslogTcp::Close(int fd, SyslogEntries* entries) {
  auto it = connections_.find(fd);
  Connection& c = it->second;
  c.framer.Finish([&](std::string_view message, bool truncated) {
    entries->Handle(message, truncated, c.peer_host, NowNanos());
  });
  close(fd);
  connections_.erase(it);
}

}  // namespace vigie::collector
