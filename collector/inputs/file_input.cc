#include "collector/inputs/file_input.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "collector/inputs/fingerprint.h"
#include "collector/inputs/glob.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::collector {

namespace {

constexpr size_t kReadBudget = 1 << 20;  // Per file and round, so that no file starves others.

// The offset just after the last '\n' in the file's final 64 KiB (its size if there is none):
// starting "at the end" must not start in the middle of a line.
uint64_t EndOfLastLine(int fd, uint64_t size) {
  uint64_t from = size > 65536 ? size - 65536 : 0;
  std::string tail(size - from, '\0');
  ssize_t n = pread(fd, tail.data(), tail.size(), static_cast<off_t>(from));
  if (n <= 0) return size;
  size_t nl = std::string_view(tail.data(), static_cast<size_t>(n)).rfind('\n');
  return nl == std::string_view::npos ? size : from + nl + 1;
}

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

void FileInput::Open(Source* source, const std::string& path, int64_t now_ns, bool matched) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (warned_.insert(path).second) {
      spdlog::warn("cannot read {}: {}; skipped until it is readable", path, std::strerror(errno));
    }
    return;
  }
  struct stat st;
  FileKey key;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      files_.contains(key = FileKey{st.st_dev, st.st_ino})) {
    close(fd);
    return;
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  FileCursor cursor;
  bool resumed = false;
  if (auto known = positions_.find(key); known != positions_.end()) {
    absl::StatusOr<std::optional<Fingerprint>> fingerprint =
        RecheckFingerprint(fd, size, known->second.fingerprint);
    if (fingerprint.ok() && fingerprint->has_value() && known->second.offset <= size) {
      cursor = known->second;
      cursor.fingerprint = **fingerprint;
      resumed = true;
    }
    positions_.erase(known);
  }
  if (!resumed) {
    absl::StatusOr<Fingerprint> fingerprint = ComputeFingerprint(fd, size);
    if (!fingerprint.ok()) {
      spdlog::warn("{}", fingerprint.status().ToString());
      close(fd);
      return;
    }
    cursor = FileCursor{key, 0, *fingerprint, path, false};
    if (first_start_ && !scanned_ && !source->config.read_from_beginning) {
      cursor.offset = EndOfLastLine(fd, size);
      sink_->AddCursor(cursor);  // So that a restart does not read it from its start.
    }
  }
  warned_.erase(path);
  FileStream* stream = AcquireStream(*source, cursor.path);
  if (!stream) {
    close(fd);
    return;
  }
  spdlog::info("following {} (input {}) from offset {}{}", path, source->config.name, cursor.offset,
               resumed ? ", its checkpoint" : "");
  files_.emplace(
      key, Tracked{std::make_unique<TailedFile>(fd, std::move(cursor), stream, &source->settings),
                   source, matched ? now_ns : 0});
  metrics_->files_open.Increment();
}

void FileInput::RecoverUnmatched(int64_t now_ns) {
  std::set<std::string> dirs;
  for (const auto& [key, cursor] : positions_) {
    dirs.insert(std::filesystem::path(cursor.path).parent_path().string());
  }
  std::set<FileKey> present;
  for (const std::string& dir : dirs) {
    DIR* d = opendir(dir.empty() ? "." : dir.c_str());
    if (!d) continue;
    while (dirent* e = readdir(d)) {
      std::string path = StrCat(dir, "/", e->d_name);
      struct stat st;
      if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      auto known = positions_.find(FileKey{st.st_dev, st.st_ino});
      if (known == positions_.end()) continue;
      present.insert(known->first);
      // Rotated away while the collector was down: read what is left, then release it.
      for (auto& source : sources_) {
        bool ours = false;
        for (const std::string& pattern : source->config.paths) {
          ours |= GlobMatch(pattern, known->second.path);
        }
        if (!ours) continue;
        spdlog::info("{} was rotated to {} while the collector was stopped; reading its rest",
                     known->second.path, path);
        Open(source.get(), path, now_ns, /*matched=*/false);
        break;
      }
    }
    closedir(d);
  }
  // Checkpoints of files that no longer exist are dropped once this batch is stored.
  for (auto it = positions_.begin(); it != positions_.end();) {
    if (present.contains(it->first)) {
      ++it;
      continue;
    }
    FileCursor gone = it->second;
    gone.forget = true;
    sink_->AddCursor(gone);
    it = positions_.erase(it);
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
  std::vector<Label> labels = source.config.labels;
  labels.push_back({"file", path});
  absl::StatusOr<LabelSet> label_set = LabelSet::Make(std::move(labels));
  if (!label_set.ok()) {  // The configuration was validated; only `file` is new here.
    spdlog::warn("{}: {}", path, label_set.status().ToString());
    streams_.erase({source.config.name, path});
    return nullptr;
  }
  stream.stream = MakeStream(*label_set);
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
