#include "collector/inputs/line_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "collector/durable_file.h"
#include "collector/net_address.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {
constexpr size_t kMaxDatagram = 65536;
constexpr int kDatagramsPerCall = 32;     // recvmmsg: one system call for a burst.
constexpr int kReceiveBuffer = 16 << 20;  // Absorbs bursts; capped by net.core.rmem_max.
constexpr int kMaxCallsPerSocket = 16;    // Then let the other sockets have a turn.
}  // namespace

LineListener::LineListener(Options options, Receiver receiver, Oversized oversized)
    : options_(std::move(options)),
      receiver_(std::move(receiver)),
      oversized_(std::move(oversized)),
      buffer_(kMaxDatagram * kDatagramsPerCall) {}

absl::StatusOr<std::unique_ptr<LineListener>> LineListener::Create(Options options,
                                                                   Receiver receiver,
                                                                   Oversized oversized) {
  std::unique_ptr<LineListener> listener(
      new LineListener(std::move(options), std::move(receiver), std::move(oversized)));
  for (const std::string& text : listener->options_.listen) {
    absl::StatusOr<ListenAddress> address = ParseListenAddress(text);
    if (!address.ok()) return address.status();
    if (address->scheme != "udp" && address->scheme != "tcp") {
      return absl::InvalidArgumentError(StrCat(listener->options_.protocol, " listen \"", text,
                                               "\": expected udp://host:port or tcp://host:port"));
    }
    bool udp = address->scheme == "udp";
    std::string bound;
    absl::StatusOr<int> fd = BindSocket(*address, udp ? SOCK_DGRAM : SOCK_STREAM, &bound);
    if (!fd.ok()) return fd.status();
    if (udp) setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof(kReceiveBuffer));
    listener->sockets_.push_back({*fd, udp, address->scheme + "://" + bound});
  }
  listener->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (listener->wake_fd_ < 0) return ErrnoStatus("eventfd", errno);
  return listener;
}

LineListener::~LineListener() {
  Stop();
  for (const Socket& s : sockets_) close(s.fd);
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::vector<std::string> LineListener::bound() const {
  std::vector<std::string> out;
  for (const Socket& s : sockets_) out.push_back(s.bound);
  return out;
}

void LineListener::Start() {
  for (const Socket& s : sockets_) spdlog::info("{}: listening on {}", options_.protocol, s.bound);
  thread_ = std::thread([this] { Run(); });
}

void LineListener::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof(one)) < 0) {
    spdlog::error("{}: cannot wake the poll loop", options_.protocol);
  }
  thread_.join();
  for (auto& [fd, connection] : connections_) CloseConnection(fd, &connection);
  connections_.clear();
}

void LineListener::Run() {
  std::vector<pollfd> fds;
  while (true) {
    // Rebuilt each round: connections come and go.
    fds.assign(1, {wake_fd_, POLLIN, 0});
    for (const Socket& s : sockets_) fds.push_back({s.fd, POLLIN, 0});
    for (const auto& [fd, connection] : connections_) fds.push_back({fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
      spdlog::error("{}: poll failed: {}", options_.protocol, std::strerror(errno));
      return;
    }
    if (fds[0].revents) return;
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      if (i <= sockets_.size()) {
        const Socket& s = sockets_[i - 1];
        s.udp ? ReadDatagrams(s.fd) : Accept(s.fd);
        continue;
      }
      auto it = connections_.find(fds[i].fd);
      if (!ReadConnection(it->first, &it->second)) {
        CloseConnection(it->first, &it->second);
        connections_.erase(it);
      }
    }
  }
}

void LineListener::ReadDatagrams(int fd) {
  mmsghdr messages[kDatagramsPerCall];
  iovec vectors[kDatagramsPerCall];
  for (int call = 0; call < kMaxCallsPerSocket; ++call) {
    for (int i = 0; i < kDatagramsPerCall; ++i) {
      vectors[i] = {buffer_.data() + i * kMaxDatagram, kMaxDatagram};
      messages[i] = {};
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(fd, messages, kDatagramsPerCall, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;  // EAGAIN: nothing more for now.
    for (int i = 0; i < n; ++i) {
      receiver_(std::string_view(buffer_.data() + i * kMaxDatagram, messages[i].msg_len));
    }
    if (n < kDatagramsPerCall) return;
  }
}

void LineListener::Accept(int listen_fd) {
  while (true) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (connections_.size() >= options_.max_connections) {
      spdlog::warn("{}: refusing a connection: {} are open (max_connections)", options_.protocol,
                   connections_.size());
      close(fd);
      continue;
    }
    connections_.emplace(fd, Connection());
  }
}

bool LineListener::ReadConnection(int fd, Connection* c) {
  ssize_t n = read(fd, buffer_.data(), kMaxDatagram);
  if (n == 0) return false;
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  std::string_view data(buffer_.data(), static_cast<size_t>(n));
  if (c->skipping) {
    size_t newline = data.find('\n');
    if (newline == std::string_view::npos) return true;
    c->skipping = false;
    data.remove_prefix(newline + 1);
  }
  size_t last = data.rfind('\n');
  if (last == std::string_view::npos) {
    c->pending.append(data);
  } else if (c->pending.empty()) {
    receiver_(data.substr(0, last));
    c->pending.assign(data.substr(last + 1));
  } else {
    c->pending.append(data.substr(0, last));
    receiver_(c->pending);
    c->pending.assign(data.substr(last + 1));
  }
  if (c->pending.size() > options_.max_line_bytes) {
    oversized_(c->pending.size());
    c->pending.clear();
    c->skipping = true;
  }
  return true;
}

void LineListener::CloseConnection(int fd, Connection* c) {
  if (!c->pending.empty() && !c->skipping) receiver_(c->pending);
  close(fd);
}

}  // namespace vigie::collector
