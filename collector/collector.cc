#include "collector/collector.h"

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "collector/durable_file.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {

// Above this fill of the spool, files are not read: they are their own buffer, and reading
// them only to drop the oldest batches would lose data that was safe on disk.
constexpr double kHoldBackFill = 0.9;

// This machine's host name: the default `host` label.
std::string LocalHostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

// Creates the input of `source` (Input::Create), starts it and keeps it in `*inputs`.
template <typename Input, typename Source, typename Sink>
absl::Status StartInput(Source source, Sink* sink, Metrics* metrics,
                        std::vector<std::unique_ptr<Input>>* inputs) {
  absl::StatusOr<std::unique_ptr<Input>> input = Input::Create(std::move(source), sink, metrics);
  if (!input.ok()) return input.status();
  (*input)->Start();
  inputs->push_back(*std::move(input));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Collector>> Collector::Start(CollectorConfig config) {
  std::unique_ptr<Collector> c(new Collector(std::move(config)));
  if (absl::Status s = c->Open(); !s.ok()) return s;
  return c;
}

absl::Status Collector::Open() {
  if (config_.host.empty()) config_.host = LocalHostName();
  if (config_.spool.dir.empty()) config_.spool.dir = config_.state_dir + "/spool";
  absl::StatusOr<grpc_compression_algorithm> compression =
      ParseCompression(config_.compression, config_.shipper.server);
  if (!compression.ok()) return compression.status();
  config_.shipper.compression = *compression;

  absl::StatusOr<std::unique_ptr<AgentState>> state = AgentState::Open(config_.state_dir);
  if (!state.ok()) return state.status();
  state_ = *std::move(state);
  checkpoints_ = std::make_unique<Checkpoints>(config_.state_dir + "/checkpoints");
  bool first_start = false;
  if (absl::Status s = checkpoints_->Load(&first_start); !s.ok()) return s;
  if (first_start) {
    // From now on this state directory is not new, even if nothing is ever acknowledged.
    checkpoints_->Apply(0, {});
    if (absl::StatusOr<uint64_t> saved = checkpoints_->Save(); !saved.ok()) return saved.status();
  }
  config_.spool.agent_id = state_->agent_id();
  absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(
      config_.spool, checkpoints_->applied_seq(),
      [this](uint64_t seq, const std::vector<FileCursor>& cursors, bool) {
        checkpoints_->Apply(seq, cursors);
      },
      &metrics_);
  if (!spool.ok()) return spool.status();
  spool_ = *std::move(spool);

  // Files resume after the last line handed on before the stop: the checkpoints, advanced by
  // the batches still in the spool (they will be resent).
  std::map<FileKey, FileCursor> positions = checkpoints_->Snapshot();
  for (const auto& [seq, cursors] : spool_->RecoveredCursors()) {
    for (const FileCursor& cursor : cursors) {
      if (cursor.forget) {
        positions.erase(cursor.key);
      } else {
        positions[cursor.key] = cursor;
      }
    }
  }
  spdlog::info("agent {}: state in {}, shipping to {}", state_->agent_id(), config_.state_dir,
               config_.shipper.server);
  config_.batch.hold_back_bytes =
      static_cast<uint64_t>(kHoldBackFill * static_cast<double>(config_.spool.max_bytes));
  batcher_ = std::make_unique<Batcher>(config_.batch, state_.get(), spool_.get(), &metrics_);
  batcher_->Start();
  shipper_log_ = std::make_unique<ShipperLog>(config_.shipper.server);
  shipper_ =
      std::make_unique<Shipper>(config_.shipper, spool_.get(), &metrics_, shipper_log_.get());
  if (absl::Status s = shipper_->Start(); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<ServerLimits>> limits = ServerLimits::Create(config_.shipper);
  if (!limits.ok()) return limits.status();
  server_limits_ = *std::move(limits);
  // Before the inputs start, so that the first scrapes fit (a vigied that is down answers at
  // once; one that does not answer holds the start up for a second at most).
  FollowServerLimits(std::chrono::seconds(1));
  maintenance_ = std::thread([this] { Maintain(); });
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start(config_.metrics_listen, &metrics_.registry());
  if (!server.ok()) return server.status();
  metrics_server_ = *std::move(server);
  return StartInputs(std::move(positions), first_start);
}

absl::Status Collector::StartInputs(std::map<FileKey, FileCursor> positions, bool first_start) {
  // Automatic labels first; what the configuration says wins (docs/collector.md).
  FileInput::Options files = config_.files;
  for (FileSource& source : files.sources) {
    source.labels =
        OverrideLabels({{"host", config_.host}}, OverrideLabels(config_.labels, source.labels));
  }
  if (!files.sources.empty()) {
    absl::StatusOr<std::unique_ptr<FileInput>> input =
        FileInput::Create(files, std::move(positions), first_start, batcher_.get(), &metrics_);
    if (!input.ok()) return input.status();
    files_ = *std::move(input);
    files_->Start();
  }
  for (SyslogSource source : config_.syslogs) {
    // `host` comes from each message; the collector's own name is the fallback.
    source.labels = OverrideLabels(config_.labels, source.labels);
    source.default_host = config_.host;
    if (absl::Status st = StartInput(std::move(source), batcher_.get(), &metrics_, &syslogs_);
        !st.ok()) {
      return st;
    }
  }
  return StartMetricInputs();
}

absl::Status Collector::StartMetricInputs() {
  // Series get `host` too, unless the configuration says otherwise (docs/collector.md).
  auto labels = [&](const std::vector<Label>& own) {
    return OverrideLabels({{"host", config_.host}}, OverrideLabels(config_.labels, own));
  };
  for (StatsdSource source : config_.statsds) {
    source.aggregate.labels = labels(source.aggregate.labels);
    if (absl::Status st = StartInput(std::move(source), batcher_.get(), &metrics_, &statsds_);
        !st.ok()) {
      return st;
    }
  }
  for (GraphiteSource source : config_.graphites) {
    source.labels = labels(source.labels);
    if (absl::Status st = StartInput(std::move(source), batcher_.get(), &metrics_, &graphites_);
        !st.ok()) {
      return st;
    }
  }
  // The collector's labels on scraped series and host metrics, but no `host`: a scraped series
  // has `instance`, as in Prometheus, and host metrics use the host name as their instance.
  for (ScrapeSource source : config_.scrapes) {
    source.labels = config_.labels;
    if (absl::Status st = StartInput(std::move(source), batcher_.get(), &metrics_, &scrapes_);
        !st.ok()) {
      return st;
    }
  }
  if (config_.host_metrics) {
    HostSource source = *config_.host_metrics;
    source.labels = config_.labels;
    if (source.instance.empty()) source.instance = config_.host;
    absl::StatusOr<std::unique_ptr<HostInput>> input =
        HostInput::Create(std::move(source), batcher_.get(), &metrics_);
    if (!input.ok()) return input.status();
    host_metrics_ = *std::move(input);
    host_metrics_->Start();
  }
  return absl::OkStatus();
}

void Collector::SaveCheckpoints() {
  absl::StatusOr<uint64_t> saved = checkpoints_->Save();
  if (!saved.ok()) {
    spdlog::error("cannot save checkpoints: {}", saved.status().ToString());
    return;
  }
  spool_->Release(*saved);
}

void Collector::FollowServerLimits(std::chrono::milliseconds deadline) {
  auto now = std::chrono::steady_clock::now();
  if (now < next_limits_ask_) return;
  absl::StatusOr<uint64_t> max_samples = server_limits_->MaxSamplesPerRequest(deadline);
  if (!max_samples.ok()) {
    next_limits_ask_ = now + std::chrono::seconds(5);  // The shipper logs why vigied is away.
    return;
  }
  next_limits_ask_ = now + std::chrono::minutes(1);
  if (*max_samples == server_max_samples_) return;
  server_max_samples_ = *max_samples;
  batcher_->FollowServerLimit(server_max_samples_);
  spool_->FollowServerLimit(server_max_samples_);
  if (server_max_samples_ > 0) {
    spdlog::info(
        "vigied stores at most {} samples per request: metric units (flushes, scrapes), batches "
        "and merged requests hold no more",
        server_max_samples_);
  }
}

void Collector::Maintain() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::seconds(1));
    lock.unlock();
    SaveCheckpoints();
    spool_->ReportDrops();
    FollowServerLimits(std::chrono::seconds(1));
    lock.lock();
  }
}

void Collector::Stop(std::chrono::milliseconds drain) {
  // StatsD hands on a last flush of what it aggregated, so it stops while the batcher takes it.
  for (auto& input : statsds_) input->Stop();
  for (auto& input : graphites_) input->Stop();
  // Inputs waiting for room (a full spool, a slow disk) must not hold the stop up.
  if (batcher_) batcher_->Close();
  if (files_) files_->Stop();
  for (auto& input : syslogs_) input->Stop();
  for (auto& input : scrapes_) input->Stop();
  if (host_metrics_) host_metrics_->Stop();
  if (batcher_) batcher_->Stop();
  if (shipper_) shipper_->Stop(drain);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  if (spool_) SaveCheckpoints();
  metrics_server_.reset();
}

Collector::~Collector() { Stop(std::chrono::milliseconds(0)); }

std::string Collector::ReadyJson() const {
  nlohmann::json doc;
  doc["agent_id"] = state_->agent_id();
  doc["metrics"] = metrics_server_ ? metrics_server_->bound() : "";
  doc["syslog"] = nlohmann::json::array();
  for (const auto& input : syslogs_) {
    for (const std::string& address : input->bound()) doc["syslog"].push_back(address);
  }
  doc["statsd"] = nlohmann::json::array();
  for (const auto& input : statsds_) {
    for (const std::string& address : input->bound()) doc["statsd"].push_back(address);
  }
  doc["graphite"] = nlohmann::json::array();
  for (const auto& input : graphites_) {
    for (const std::string& address : input->bound()) doc["graphite"].push_back(address);
  }
  return doc.dump();
}

}  // namespace vigie::collector
