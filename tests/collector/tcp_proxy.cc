#include "tests/collector/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <vector>

namespace vigie::collector::testing {

namespace {

int Connect(const std::string& target) {
  size_t colon = target.rfind(':');
  if (colon == std::string::npos) return -1;
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(target.substr(colon + 1))));
  inet_pton(AF_INET, target.substr(0, colon).c_str(), &addr.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(std::string target) : target_(std::move(target)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(listen_fd_, 16);
  socklen_t length = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length);
  address_ = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { Run(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof(one)) == sizeof(one)) thread_.join();
  close(listen_fd_);
  close(wake_fd_);
}

void TcpProxy::SetTarget(std::string target) {
  std::lock_guard lock(mu_);
  target_ = std::move(target);
}

void TcpProxy::Run() {
  std::map<int, int> peer;        // fd -> the other end
  std::map<int, bool> to_server;  // fd -> reading from the client side
  std::vector<char> buffer(1 << 16);
  auto drop = [&](int fd) {
    int other = peer[fd];
    close(fd);
    close(other);
    peer.erase(fd);
    peer.erase(other);
    to_server.erase(fd);
    to_server.erase(other);
  };
  while (true) {
    std::vector<pollfd> fds = {{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const auto& [fd, other] : peer) fds.push_back({fd, POLLIN, 0});
    poll(fds.data(), fds.size(), -1);
    if (fds[0].revents) {
      uint64_t value = 0;
      if (read(wake_fd_, &value, sizeof(value)) != sizeof(value) || stopping_) return;
    }
    if (fds[1].revents) {
      int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      std::string target;
      {
        std::lock_guard lock(mu_);
        target = target_;
      }
      int server = target.empty() ? -1 : Connect(target);
      if (server < 0) {
        close(client);
      } else {
        peer[client] = server;
        peer[server] = client;
        to_server[client] = true;
        to_server[server] = false;
      }
    }
    for (size_t i = 2; i < fds.size(); ++i) {
      if (!fds[i].revents || !peer.contains(fds[i].fd)) continue;
      ssize_t n = read(fds[i].fd, buffer.data(), buffer.size());
      if (n <= 0 || !WriteAll(peer[fds[i].fd], buffer.data(), static_cast<size_t>(n))) {
        drop(fds[i].fd);
        continue;
      }
      if (to_server[fds[i].fd]) bytes_to_server_ += static_cast<uint64_t>(n);
    }
  }
}

}  // namespace vigie::collector::testing
