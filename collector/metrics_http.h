// A minimal HTTP/1.1 listener for the collector's own /metrics (Prometheus text format,
// rendered from the registry with prometheus::TextSerializer) and /healthz. One thread, one
// request per connection; enough for a scraper, and no second web server (prometheus-cpp's
// Exposer starts one and is slow to stop).
//
// Thread safety: Start and the destructor from the owner.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include <prometheus/registry.h>

#include "absl/status/statusor.h"

namespace vigie::collector {

class MetricsServer {
 public:
  // Binds `listen` ("127.0.0.1:9471"; port 0 picks one) and starts serving `registry`, which
  // must outlive the server.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& listen,
                                                              prometheus::Registry* registry);
  ~MetricsServer();

  const std::string& bound() const { return bound_; }

 private:
  MetricsServer(int fd, int wake_fd, std::string bound, prometheus::Registry* registry)
      : fd_(fd), wake_fd_(wake_fd), bound_(std::move(bound)), registry_(registry) {}
  void Run();
  void Serve(int client);

  const int fd_;
  const int wake_fd_;
  const std::string bound_;
  prometheus::Registry* const registry_;
  std::thread thread_;
};

}  // namespace vigie::collector
