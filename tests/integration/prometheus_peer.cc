#include "tests/integration/prometheus_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/http/http_client.h"

namespace vigie::testing {

// Binds a loopback TCP socket on port 0; returns it and fills `port`.
static int BindLoopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

int FreeLoopbackPort() {
  int port = 0;
  int fd = BindLoopback(&port);
  if (fd >= 0) close(fd);
  return port;
}

TestExporter::TestExporter(std::function<std::string(int)> render) : render_(std::move(render)) {
  int port = 0;
  listen_fd_ = BindLoopback(&port);
  if (listen_fd_ < 0 || listen(listen_fd_, 16) != 0) {
    ADD_FAILURE() << "the test exporter could not listen on 127.0.0.1";
    return;
  }
  address_ = "127.0.0.1:" + std::to_string(port);
  thread_ = std::thread([this] { Serve(); });
}

TestExporter::~TestExporter() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

// Answers every request with the next scrape's text and closes the connection; checks for
// stop_ at least every 100 ms.
void TestExporter::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    timeval timeout{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, n);
    }
    std::string body = render_(scrapes_.fetch_add(1));
    std::string reply =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
        "Connection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    for (size_t sent = 0; sent < reply.size();) {
      ssize_t n = write(fd, reply.data() + sent, reply.size() - sent);
      if (n <= 0) break;
      sent += n;
    }
    close(fd);
  }
}

static std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string TestExporter::Render(int n) {
  std::ostringstream out;
  auto sample = [&](const std::string& series, double value) {
    out << series << " " << Number(value) << "\n";
  };
  out << "# HELP vt_requests_total Requests handled.\n# TYPE vt_requests_total counter\n";
  sample(R"(vt_requests_total{code="200",method="get"})", 10 * n + n % 3);
  sample(R"(vt_requests_total{code="500",method="get"})", n / 4);
  sample(R"(vt_requests_total{code="200",method="post"})", 3 * n + 0.5);
  sample(R"(vt_requests_total{code="404",method="post"})", n * n / 10.0);
  // A counter that resets every 7 scrapes, as after a process restart.
  out << "# TYPE vt_jobs_done_total counter\n";
  sample(R"(vt_jobs_done_total{queue="a"})", (n % 7) * 5 + 1);
  sample(R"(vt_jobs_done_total{queue="b"})", (n % 11) * 2.25);
  out << "# HELP vt_temperature_celsius Room temperature.\n# TYPE vt_temperature_celsius gauge\n";
  sample(R"(vt_temperature_celsius{floor="1",room="kitchen"})", 20 + 2.5 * std::sin(n / 3.0));
  sample(R"(vt_temperature_celsius{floor="2",room="attic"})", 15 - 0.25 * n);
  sample(R"(vt_temperature_celsius{floor="0",room="cellar"})", 12.125);
  // Gone after scrape 7: Prometheus marks it stale.
  if (n < 8) sample(R"(vt_temperature_celsius{floor="0",room="garage"})", 9 + n);
  out << "# TYPE vt_queue_depth gauge\n";
  sample(R"(vt_queue_depth{queue="a"})", n % 5);
  sample(R"(vt_queue_depth{queue="b"})", 2 * (n % 3));
  // Not -1.5 * (n % 4): that is -0 every fourth scrape, and Prometheus's remote_write cannot
  // carry -0 (its protobuf code leaves out a double equal to 0, so the receiver reads +0);
  // vigie keeps -0 when it receives it (tests/promql/testdata/negative_zero.test).
  sample(R"(vt_queue_depth{queue="c"})", n % 4 == 0 ? 0.0 : -1.5 * (n % 4));
  // Workers come and go: each is present for 12 scrapes.
  out << "# TYPE vt_worker_busy gauge\n";
  sample("vt_worker_busy{worker=\"w" + std::to_string(n / 6) + "\"}", 1);
  sample("vt_worker_busy{worker=\"w" + std::to_string(n / 6 + 1) + "\"}", 0.5 * (n % 2));
  out << "# HELP vt_request_duration_seconds Latency.\n"
         "# TYPE vt_request_duration_seconds histogram\n";
  const char* bounds[] = {"0.05", "0.1", "0.25", "0.5", "1", "+Inf"};
  for (int h = 0; h < 2; ++h) {
    std::string handler = h == 0 ? "/api" : "/ui";
    double count = 0;
    for (int b = 0; b < 6; ++b) {
      // Cumulative bucket counts that grow at different speeds per bucket and handler.
      count += (b + 1) * n * (h + 1) + (b == 2 ? n % 4 : 0);
      sample("vt_request_duration_seconds_bucket{handler=\"" + handler + "\",le=\"" + bounds[b] +
                 "\"}",
             count);
    }
    sample("vt_request_duration_seconds_sum{handler=\"" + handler + "\"}", 0.37 * count);
    sample("vt_request_duration_seconds_count{handler=\"" + handler + "\"}", count);
  }
  out << "# TYPE vt_build_info gauge\n";
  sample(R"(vt_build_info{revision="abc123",version="1.2.3"})", 1);
  return out.str();
}

PrometheusServer::PrometheusServer(const std::string& dir, const std::string& exporter_address,
                                   const std::string& remote_write_url,
                                   const PrometheusRules& rules)
    : PrometheusServer(dir) {
  std::string config =
      "global:\n"
      "  scrape_interval: 1s\n"
      "  scrape_timeout: 1s\n"
      "  evaluation_interval: 1s\n"
      "scrape_configs:\n"
      "  - job_name: prometheus\n"
      "    static_configs: [{targets: ['" +
      address_ +
      "']}]\n"
      "  - job_name: exporter\n"
      "    static_configs: [{targets: ['" +
      exporter_address + "']}]\n";
  if (!rules.rule_file.empty()) config += "rule_files: ['" + rules.rule_file + "']\n";
  if (!remote_write_url.empty()) {
    config +=
        "remote_write:\n"
        "  - url: " +
        remote_write_url +
        "\n"
        "    queue_config: {batch_send_deadline: 100ms, min_backoff: 50ms, "
        "max_backoff: 500ms}\n"
        "    metadata_config: {send_interval: 2s}\n";
    if (!rules.not_remote_written.empty()) {
      config += "    write_relabel_configs: [{source_labels: [__name__], regex: '" +
                rules.not_remote_written + "', action: drop}]\n";
    }
  }
  std::ofstream(dir_ + "/prometheus.yml") << config;
}

PrometheusServer::PrometheusServer(const std::string& dir)
    : dir_(dir), address_("127.0.0.1:" + std::to_string(FreeLoopbackPort())) {}

std::unique_ptr<PrometheusServer> PrometheusServer::Scraping(const std::string& dir,
                                                             const std::string& scrape_configs) {
  std::unique_ptr<PrometheusServer> server(new PrometheusServer(dir));
  std::ofstream(dir + "/prometheus.yml") << "global:\n"
                                            "  scrape_interval: 1s\n"
                                            "  scrape_timeout: 1s\n"
                                            "scrape_configs:\n"
                                         << scrape_configs;
  return server;
}

void PrometheusServer::Start() {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + dir_ + "/prometheus.yml",
                               "--storage.tsdb.path=" + dir_ + "/tsdb",
                               "--web.listen-address=" + address_, "--log.level=warn"},
      dir_ + "/prometheus.log");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline && process_->running()) {
    if (HttpCall(address_, "GET", "/-/ready").status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL() << "Prometheus did not become ready on " << address_
         << " (is Debian's prometheus installed? scripts/setup.sh installs it); its log:\n"
         << Log();
}

}  // namespace vigie::testing
