#include "collector/inputs/file_input.h"

#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include "collector/inputs/glob.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::collector {

namespace {

constexpr size_t kReadBudget = 1 << 20;  // Per file and round, so that no file starves others.

}  // namespace

absl::StatusOr<std::unique_ptr<FileInput>> FileInput::Create(
    Options options, std::map<FileKey, FileCursor> positions, bool first_start, EntrySink* sink,
    Metrics* metrics) {
  std::unique_ptr<FileInput> input(
      new FileInput(std::move(options), std::move(positions), first_start, sink, metrics));
  for (const FileSource& config : input->options_.sources) {
    auto source = std::make_unique<Source>(
        Source{config, nullptr, metrics->ForInput(config.name, "file"), {}});
    if (!config.multiline_start.empty()) {
      source->multiline_start = std::make_unique<RE2>(config.multiline_start, RE2::Quiet);
      if (!source->multiline_start->ok()) {
        return absl::InvalidArgumentError(StrCat("input ", config.name, ": multiline start \"",
                                                 config.multiline_start,
                                                 "\": ", source->multiline_start->error()));
      }
    }
    source->settings = {config.max_line_bytes, source->multiline_start.get(),
                        config.multiline_timeout, &source->counters};
    input->sources_.push_back(std::move(source));
  }
  return input;
}

FileInput::FileInput(Options options, std::map<FileKey, FileCursor> positions, bool first_start,
                     EntrySink* sink, Metrics* metrics)
    : options_(std::move(options)),
      positions_(std::move(positions)),
      first_start_(first_start),
      sink_(sink),
      metrics_(metrics) {}

FileInput::~FileInput() {
  Stop();
  for (auto& [key, stream] : streams_) metrics_->RemoveFileLag(stream.lag);
}

void FileInput::Start() {
  thread_ = std::thread([this] { Run(); });
}

void FileInput::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FileInput::RunOnce() {
  int64_t now = NowNanos();
  Scan(now);
  Step(now);
}

void FileInput::Run() {
  int64_t next_scan = 0;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    int64_t now = NowNanos();
    if (now >= next_scan) {
      Scan(now);
      next_scan = now + options_.scan_interval.count();
    }
    size_t read = Step(now);
    lock.lock();
    if (read == 0) cv_.wait_for(lock, options_.poll_interval);
  }
}

size_t FileInput::Step(int64_t now_ns) {
  size_t read = 0;
  // Files rotated away first: their last lines were written before the first lines of the
  // file that replaced them under the same `file` label.
  for (bool rotated : {true, false}) {
    for (auto& [key, tracked] : files_) {
      if ((tracked.last_matched_ns < last_scan_ns_) != rotated) continue;
      absl::StatusOr<size_t> n = tracked.file->Poll(kReadBudget, now_ns, &scratch_, sink_);
      if (n.ok()) {
        read += *n;
      } else if (warned_.insert(tracked.file->cursor().path).second) {
        spdlog::warn("{}", n.status().ToString());
      }
      tracked.file->Expire(now_ns, sink_);
    }
  }
  ReleaseFinished(now_ns);
  return read;
}

void FileInput::Scan(int64_t now_ns) {
  std::set<std::string> claimed;
  for (auto& source : sources_) {
    for (const std::string& pattern : source->config.paths) {
      for (const std::string& path : GlobExpand(pattern)) {
        if (Excluded(source->config.exclude, path) || !claimed.insert(path).second) continue;
        struct stat st;
        if (stat(path.c_str(), &st) != 0) continue;
        auto it = files_.find(FileKey{st.st_dev, st.st_ino});
        if (it != files_.end()) {
          it->second.last_matched_ns = now_ns;
        } else {
          Open(source.get(), path, now_ns, /*matched=*/true);
        }
      }
    }
  }
  last_scan_ns_ = now_ns;
  if (!scanned_) {
    scanned_ = true;
    RecoverUnmatched(now_ns);
  }
}

void FileInput::ReleaseFinished(int64_t now_ns) {
  for (auto it = files_.begin(); it != files_.end();) {
    Tracked& t = it->second;
    bool unmatched = t.last_matched_ns < last_scan_ns_;
    if (!unmatched || !t.file->at_eof() ||
        now_ns - t.file->last_read_ns() < t.source->config.rotate_wait.count()) {
      ++it;
      continue;
    }
    FileCursor last = t.file->Release(sink_);
    spdlog::info("released {} (rotated away or deleted) at offset {}", last.path, last.offset);
    ReleaseStream(*t.source, last.path);
    metrics_->files_open.Decrement();
    it = files_.erase(it);
  }
}

FileStream* FileInput::AcquireStream(const Source& source, const std::string& path) {
  FileStream& stream = streams_[{source.config.name, path}];
  if (stream.users++ > 0) return &stream;
  // A `file` label in the configuration wins over the path.
  absl::StatusOr<LabelSet> label_set =
      LabelSet::Make(OverrideLabels({{"file", path}}, source.config.labels));
  if (!label_set.ok()) {  // The configuration was validated; only `file` is new here.
    spdlog::warn("{}: {}", path, label_set.status().ToString());
    streams_.erase({source.config.name, path});
    return nullptr;
  }
  stream.stream = MakeWireLabels(*label_set);
  stream.lag = &metrics_->FileLag(source.config.name, path);
  return &stream;
}

void FileInput::ReleaseStream(const Source& source, const std::string& path) {
  auto it = streams_.find({source.config.name, path});
  if (it == streams_.end() || --it->second.users > 0) return;
  metrics_->RemoveFileLag(it->second.lag);
  streams_.erase(it);
}

}  // namespace vigie::collector
