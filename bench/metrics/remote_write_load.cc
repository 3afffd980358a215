// A Prometheus remote_write load generator for bench/metrics/run.py: a node_exporter-like
// workload (500 series per instance: CPU, disk, network, filesystem and memory counters and
// gauges, hwmon temperatures and a classic histogram) scraped every --interval over --hours,
// encoded once in memory, then sent to each --target in turn over --connections keep-alive
// connections (series sharded by instance, so each series' samples arrive in order, as
// Prometheus's shards do). For each target it prints one JSON line: samples, wall seconds, the
// receiver's CPU seconds (from /proc/<pid>/stat) and RSS after the last request.
//
//   remote_write_load --instances 200 --hours 2 --target http://127.0.0.1:9090/api/v1/write=PID
//
// --churn-percent P replaces P% of the instances (all their series) every --churn-minutes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <snappy.h>

#include "prometheus/remote.pb.h"

namespace {

// How a series' value moves from one scrape to the next.
enum class Kind { kCpuSeconds, kCounter, kGaugeBytes, kTemperature, kConstant, kBucket };

struct SeriesShape {
  std::vector<std::pair<std::string, std::string>> labels;  // Without instance and job.
  Kind kind;
  int bucket = 0;  // kBucket: the index of its `le`.
};

// The series of one node_exporter-like instance: 500.
std::vector<SeriesShape> InstanceShape() {
  std::vector<SeriesShape> out;
  auto add = [&](std::string name, std::vector<std::pair<std::string, std::string>> labels,
                 Kind kind, int bucket = 0) {
    labels.emplace_back("__name__", std::move(name));
    std::sort(labels.begin(), labels.end());
    out.push_back({std::move(labels), kind, bucket});
  };
  const char* modes[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
  for (int cpu = 0; cpu < 8; ++cpu)
    for (const char* mode : modes)
      add("node_cpu_seconds_total", {{"cpu", std::to_string(cpu)}, {"mode", mode}},
          Kind::kCpuSeconds);
  for (const char* device : {"sda", "sdb", "nvme0n1", "nvme1n1"}) {
    for (const char* m : {"reads_completed_total", "writes_completed_total", "read_bytes_total",
                          "written_bytes_total", "io_time_seconds_total", "read_time_seconds_total",
                          "write_time_seconds_total"})
      add(std::string("node_disk_") + m, {{"device", device}}, Kind::kCounter);
    add("node_disk_io_now", {{"device", device}}, Kind::kConstant);
  }
  for (const char* device : {"eth0", "eth1", "lo", "docker0"}) {
    for (const char* m : {"receive_bytes_total", "transmit_bytes_total", "receive_packets_total",
                          "transmit_packets_total", "receive_errs_total", "transmit_errs_total",
                          "receive_drop_total", "transmit_drop_total"})
      add(std::string("node_network_") + m, {{"device", device}}, Kind::kCounter);
    add("node_network_up", {{"device", device}}, Kind::kConstant);
    add("node_network_mtu_bytes", {{"device", device}}, Kind::kConstant);
  }
  for (const char* mount : {"/", "/boot", "/home", "/var", "/var/lib/docker", "/tmp"}) {
    for (const char* m : {"size_bytes", "free_bytes", "avail_bytes", "files", "files_free"})
      add(std::string("node_filesystem_") + m,
          {{"device", "/dev/sda1"}, {"fstype", "ext4"}, {"mountpoint", mount}},
          std::string(m).find("free") != std::string::npos ||
                  std::string(m).find("avail") != std::string::npos
              ? Kind::kGaugeBytes
              : Kind::kConstant);
    add("node_filesystem_readonly",
        {{"device", "/dev/sda1"}, {"fstype", "ext4"}, {"mountpoint", mount}}, Kind::kConstant);
  }
  for (int i = 0; i < 40; ++i)
    add("node_memory_field" + std::to_string(i) + "_bytes", {}, Kind::kGaugeBytes);
  for (int i = 0; i < 60; ++i) add("node_vmstat_field" + std::to_string(i), {}, Kind::kCounter);
  for (int i = 0; i < 60; ++i) add("node_netstat_field" + std::to_string(i), {}, Kind::kCounter);
  const char* les[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                       "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  for (const char* handler : {"/", "/metrics", "/api/v1/query", "/api/v1/write", "/-/ready"}) {
    for (int b = 0; b < 12; ++b)
      add("http_request_duration_seconds_bucket", {{"handler", handler}, {"le", les[b]}},
          Kind::kBucket, b);
    add("http_request_duration_seconds_count", {{"handler", handler}}, Kind::kBucket, 11);
    add("http_request_duration_seconds_sum", {{"handler", handler}}, Kind::kCpuSeconds);
  }
  for (int chip = 0; out.size() < 500; ++chip)
    for (int sensor = 0; sensor < 8 && out.size() < 500; ++sensor)
      add("node_hwmon_temp_celsius",
          {{"chip", "platform_coretemp_" + std::to_string(chip)},
           {"sensor", "temp" + std::to_string(sensor)}},
          Kind::kTemperature);
  return out;
}

// A deterministic hash of a few integers, for values that must agree across series (the
// buckets of one histogram) without shared state.
uint64_t Mix(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full ^ c;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  return x ^ (x >> 29);
}

double Next(const SeriesShape& shape, double value, uint64_t series_id, int64_t step,
            uint64_t histogram_id) {
  uint64_t r = Mix(series_id, step, 1);
  switch (shape.kind) {
    case Kind::kCpuSeconds:
      return std::round((value + (r % 1500) / 100.0) * 100) / 100;
    case Kind::kCounter:
      return value + r % 100000;
    case Kind::kGaugeBytes:
      return std::max(0.0, value + 4096.0 * (static_cast<int64_t>(r % 2001) - 1000));
    case Kind::kTemperature:
      return 40 + (r % 300) / 10.0;
    case Kind::kConstant:
      return value;
    case Kind::kBucket: {
      uint64_t requests = Mix(histogram_id, step, 2) % 1000;
      return value + requests * (shape.bucket + 1) / 12;
    }
  }
  return value;
}

double Initial(const SeriesShape& shape, uint64_t series_id) {
  switch (shape.kind) {
    case Kind::kGaugeBytes:
      return 4096.0 * (1 << 20) + 4096.0 * (series_id % 100000);
    case Kind::kConstant:
      return static_cast<double>(series_id % 3 == 0 ? 1 : 1500);
    default:
      return 0;
  }
}

struct Target {
  std::string host, path;
  int port = 0;
  int pid = 0;
};

Target ParseTarget(const std::string& spec) {
  // http://host:port/path=pid
  Target t;
  size_t eq = spec.rfind('=');
  std::string url = spec.substr(0, eq);
  t.pid = std::stoi(spec.substr(eq + 1));
  std::string rest = url.substr(url.find("://") + 3);
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  t.path = rest.substr(slash);
  t.host = hostport.substr(0, hostport.find(':'));
  t.port = std::stoi(hostport.substr(hostport.find(':') + 1));
  return t;
}

// One keep-alive HTTP/1.1 connection that POSTs bodies and reads the status of each answer.
class Connection {
 public:
  explicit Connection(const Target& target) : target_(target) {}
  ~Connection() { Close(); }

  // The HTTP status, or 0 when the connection failed.
  int Post(const std::string& body) {
    if (fd_ < 0 && !Open()) return 0;
    std::string head = "POST " + target_.path + " HTTP/1.1\r\nHost: " + target_.host +
                       "\r\nContent-Type: application/x-protobuf\r\nContent-Encoding: snappy\r\n"
                       "X-Prometheus-Remote-Write-Version: 0.1.0\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n";
    if (!WriteAll(head) || !WriteAll(body)) return Fail();
    // Headers, then Content-Length bytes of body (remote_write answers are small).
    std::string in;
    size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos)
      if (!ReadSome(&in)) return Fail();
    int status = std::atoi(in.c_str() + 9);
    size_t length = 0;
    std::string lower = in.substr(0, end);
    for (char& c : lower) c = std::tolower(c);
    if (size_t at = lower.find("content-length:"); at != std::string::npos)
      length = std::stoul(lower.substr(at + 15));
    while (in.size() < end + 4 + length)
      if (!ReadSome(&in)) return Fail();
    if (status >= 300 && last_error_.empty()) last_error_ = in.substr(0, 400);
    if (lower.find("connection: close") != std::string::npos) Close();
    return status;
  }
  const std::string& last_error() const { return last_error_; }

 private:
  bool Open() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(target_.port);
    inet_pton(AF_INET, target_.host.c_str(), &addr.sin_addr);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Close();
      return false;
    }
    return true;
  }
  bool WriteAll(const std::string& data) {
    for (size_t sent = 0; sent < data.size();) {
      ssize_t n = write(fd_, data.data() + sent, data.size() - sent);
      if (n <= 0) return false;
      sent += n;
    }
    return true;
  }
  bool ReadSome(std::string* in) {
    char buf[4096];
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    in->append(buf, n);
    return true;
  }
  int Fail() {
    Close();
    return 0;
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  Target target_;
  int fd_ = -1;
  std::string last_error_;
};

double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::string> fields;
  std::string field;
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  while (rest >> field) fields.push_back(field);
  return (std::stod(fields[11]) + std::stod(fields[12])) / sysconf(_SC_CLK_TCK);
}

long RssBytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Sends a node_exporter-like remote_write workload to each target in turn."};
  int instances = 200, connections = 4, samples_per_request = 2000, churn_percent = 0;
  double hours = 2, interval_s = 15, churn_minutes = 10;
  int64_t start_ms = 0;
  std::vector<std::string> targets;
  app.add_option("--instances", instances, "Instances of 500 series each")->capture_default_str();
  app.add_option("--hours", hours, "Simulated time span")->capture_default_str();
  app.add_option("--interval", interval_s, "Scrape interval in seconds")->capture_default_str();
  app.add_option("--churn-percent", churn_percent,
                 "Instances replaced (new series) every --churn-minutes")
      ->capture_default_str();
  app.add_option("--churn-minutes", churn_minutes, "Churn period")->capture_default_str();
  app.add_option("--samples-per-request", samples_per_request, "Samples in one request")
      ->capture_default_str();
  app.add_option("--connections", connections, "Concurrent connections per target")
      ->capture_default_str();
  app.add_option("--start-ms", start_ms, "First timestamp (default: now - --hours)");
  app.add_option("--target", targets, "URL=PID of a receiver (repeatable; sent to in turn)")
      ->required();
  CLI11_PARSE(app, argc, argv);

  const std::vector<SeriesShape> shape = InstanceShape();
  const int64_t interval_ms = static_cast<int64_t>(interval_s * 1000);
  const int64_t steps = static_cast<int64_t>(hours * 3600 / interval_s);
  const int64_t churn_steps = static_cast<int64_t>(churn_minutes * 60 / interval_s);
  if (start_ms == 0) {
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    start_ms = (now - steps * interval_ms) / interval_ms * interval_ms;
  }
  // Encode every request once: requests[shard] in send order.
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::vector<std::string>> requests(connections);
  std::vector<double> values(static_cast<size_t>(instances) * shape.size());
  std::vector<int> generation(instances, 0);
  uint64_t samples = 0, series_created = static_cast<uint64_t>(instances) * shape.size();
  for (int64_t step = 0; step < steps; ++step) {
    if (churn_percent > 0 && step > 0 && step % churn_steps == 0) {
      int epoch = step / churn_steps;
      for (int i = 0; i < instances; ++i) {
        if ((i + epoch) % (100 / churn_percent) != 0) continue;
        ++generation[i];
        series_created += shape.size();
        for (size_t s = 0; s < shape.size(); ++s) values[i * shape.size() + s] = 0;
      }
    }
    for (int shard = 0; shard < connections; ++shard) {
      prometheus::WriteRequest request;
      auto finish = [&] {
        std::string compressed, raw = request.SerializeAsString();
        snappy::Compress(raw.data(), raw.size(), &compressed);
        requests[shard].push_back(std::move(compressed));
        request.Clear();
      };
      for (int i = shard; i < instances; i += connections) {
        std::string instance = "host-" + std::to_string(i) + "-g" + std::to_string(generation[i]);
        int64_t ts = start_ms + step * interval_ms + (i * 137) % interval_ms;
        uint64_t instance_id = Mix(i, generation[i], 7);
        for (size_t s = 0; s < shape.size(); ++s) {
          double& v = values[i * shape.size() + s];
          uint64_t series_id = Mix(instance_id, s, 3);
          if (v == 0) v = Initial(shape[s], series_id);
          v = Next(shape[s], v, series_id, step, Mix(instance_id, s / 14, 5));
          prometheus::TimeSeries* series = request.add_timeseries();
          auto label = [series](const std::string& name, const std::string& value) {
            auto* l = series->add_labels();
            l->set_name(name);
            l->set_value(value);
          };
          // Prometheus sends labels sorted by name: instance and job go in their place.
          bool wrote_instance = false, wrote_job = false;
          for (const auto& [name, value] : shape[s].labels) {
            if (!wrote_instance && name > "instance") {
              label("instance", instance);
              wrote_instance = true;
            }
            if (!wrote_job && name > "job") {
              label("job", "node");
              wrote_job = true;
            }
            label(name, value);
          }
          if (!wrote_instance) label("instance", instance);
          if (!wrote_job) label("job", "node");
          auto* sample = series->add_samples();
          sample->set_timestamp(ts);
          sample->set_value(v);
          ++samples;
          if (request.timeseries_size() == samples_per_request) finish();
        }
      }
      if (request.timeseries_size() > 0) finish();
    }
  }
  size_t bytes = 0, count = 0;
  for (const auto& shard : requests)
    for (const auto& r : shard) bytes += r.size(), ++count;
  std::fprintf(stderr,
               "encoded %llu samples of %d active series (%llu created) in %zu requests, %.0f "
               "MiB, in %.1f s\n",
               static_cast<unsigned long long>(samples), instances * int(shape.size()),
               static_cast<unsigned long long>(series_created), count, bytes / 1048576.0,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  for (const std::string& spec : targets) {
    Target target = ParseTarget(spec);
    std::atomic<uint64_t> failed{0}, rejected{0};
    std::string first_error;
    double cpu0 = CpuSeconds(target.pid);
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    std::vector<std::string> errors(connections);
    for (int shard = 0; shard < connections; ++shard) {
      threads.emplace_back([&, shard] {
        Connection connection(target);
        for (const std::string& body : requests[shard]) {
          for (int attempt = 0;; ++attempt) {
            int status = connection.Post(body);
            if (status >= 200 && status < 300) break;
            if (status == 0 || status == 429 || status >= 500) {
              ++failed;
              if (attempt < 50) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
              }
            }
            ++rejected;  // Not retryable (or given up): counted and skipped.
            break;
          }
        }
        errors[shard] = connection.last_error();
      });
    }
    for (auto& t : threads) t.join();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double cpu = CpuSeconds(target.pid) - cpu0;
    for (const auto& e : errors)
      if (first_error.empty()) first_error = e;
    for (char& c : first_error)
      if (c == '"' || c == '\\' || c < ' ') c = ' ';
    std::printf(
        "{\"target\": \"%s:%d%s\", \"samples\": %llu, \"active_series\": %d, \"series_created\": "
        "%llu, \"seconds\": %.3f, \"cpu_seconds\": %.2f, \"rss_bytes\": %ld, \"retried\": %llu, "
        "\"rejected_requests\": %llu, \"first_error\": \"%s\"}\n",
        target.host.c_str(), target.port, target.path.c_str(),
        static_cast<unsigned long long>(samples), instances * int(shape.size()),
        static_cast<unsigned long long>(series_created), seconds, cpu, RssBytes(target.pid),
        static_cast<unsigned long long>(failed.load()),
        static_cast<unsigned long long>(rejected.load()), first_error.c_str());
    std::fflush(stdout);
  }
  return 0;
}
