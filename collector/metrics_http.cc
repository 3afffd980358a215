#include "collector/metrics_http.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <prometheus/text_serializer.h>

#include "collector/durable_file.h"
#include "collector/net_address.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {

constexpr size_t kMaxRequest = 8192;

void SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

std::string Response(int code, std::string_view reason, std::string_view type,
                     std::string_view body) {
  return StrCat("HTTP/1.1 ", code, " ", reason, "\r\nContent-Type: ", type,
                "\r\nContent-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& listen, prometheus::Registry* registry) {
  absl::StatusOr<ListenAddress> address = ParseListenAddress(listen);
  if (!address.ok()) return address.status();
  std::string bound;
  absl::StatusOr<int> fd = BindSocket(*address, SOCK_STREAM, &bound);
  if (!fd.ok()) return fd.status();
  int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    close(*fd);
    return ErrnoStatus("eventfd", errno);
  }
  std::unique_ptr<MetricsServer> server(new MetricsServer(*fd, wake, bound, registry));
  server->thread_ = std::thread([s = server.get()] { s->Run(); });
  return server;
}

MetricsServer::~MetricsServer() {
  uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof(one)) == sizeof(one)) thread_.join();
  close(fd_);
  close(wake_fd_);
}

void MetricsServer::Run() {
  while (true) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[0].revents) return;
    if (!fds[1].revents) continue;
    int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    timeval timeout = {2, 0};  // A stuck client cannot hold the thread for long.
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    Serve(client);
    close(client);
  }
}

void MetricsServer::Serve(int client) {
  std::string request;
  char buf[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < kMaxRequest) {
    ssize_t n = recv(client, buf, sizeof(buf), 0);
    if (n <= 0) return;
    request.append(buf, static_cast<size_t>(n));
  }
  std::string_view line = std::string_view(request).substr(0, request.find("\r\n"));
  if (!line.starts_with("GET ")) {
    SendAll(client, Response(405, "Method Not Allowed", "text/plain", "GET only\n"));
    return;
  }
  std::string_view path = line.substr(4, line.find(' ', 4) - 4);
  path = path.substr(0, path.find('?'));
  if (path == "/metrics") {
    std::string body = prometheus::TextSerializer().Serialize(registry_->Collect());
    SendAll(client, Response(200, "OK", "text/plain; version=0.0.4", body));
  } else if (path == "/healthz") {
    SendAll(client, Response(200, "OK", "text/plain", "ok\n"));
  } else {
    SendAll(client, Response(404, "Not Found", "text/plain", "try /metrics\n"));
  }
}

}  // namespace vigie::collector
