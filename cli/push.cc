#include "cli/push.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <iostream>
#include <optional>

#include "cli/pusher.h"
#include "common/labels.h"
#include "common/line_splitter.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::cli {

namespace {

// Batches close at this many line bytes, or after kMaxBatchAge of waiting for more input.
constexpr size_t kBatchBytes = 1 << 20;
constexpr int kMaxBatchAgeMs = 1000;

class LineStamper {
 public:
  explicit LineStamper(std::string time_format) : format_(std::move(time_format)) {}

  // The time of `line`: parsed from its start with --time-format (an optional '[' skipped), or
  // the time it was read. Read times strictly increase so that lines keep their order.
  int64_t Stamp(std::string_view line) {
    if (!format_.empty()) {
      if (auto parsed = Parse(line)) return *parsed;
      ++unparsed_;
    }
    int64_t now = NowNanos();
    last_ = std::max(now, last_ + 1);
    return last_;
  }
  uint64_t unparsed() const { return unparsed_; }

 private:
  std::optional<int64_t> Parse(std::string_view line) {
    std::string head(line.substr(0, 128));
    const char* text = head.c_str();
    if (*text == '[') ++text;
    if (format_ == "rfc3339") {
      auto t = ParseTime(std::string_view(text).substr(0, std::string_view(text).find(' ')));
      if (t.ok()) return *t;
      return std::nullopt;
    }
    struct tm tm = {};
    if (!strptime(text, format_.c_str(), &tm)) return std::nullopt;
    if (tm.tm_year == 0) {  // Formats without a year (syslog): this year.
      time_t now = time(nullptr);
      struct tm current;
      gmtime_r(&now, &current);
      tm.tm_year = current.tm_year;
    }
    int64_t nanos;
    if (!SecondsToNanos(timegm(&tm), 0, &nanos)) return std::nullopt;  // Beyond 2262.
    return nanos;
  }

  std::string format_;
  int64_t last_ = 0;
  uint64_t unparsed_ = 0;
};

struct Progress {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_report = start;
  uint64_t lines = 0, bytes = 0;
  bool tty = isatty(2);

  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  void MaybeReport() {
    auto now = std::chrono::steady_clock::now();
    if (!tty || now - last_report < std::chrono::seconds(1)) return;
    last_report = now;
    double s = Seconds();
    fmt::print(stderr, "\r{} lines, {:.1f} MiB, {:.0f} lines/s, {:.1f} MiB/s   ", lines,
               bytes / 1048576.0, lines / s, bytes / 1048576.0 / s);
  }
};

// Reads `fd` to its end as lines, handing each batch to `pusher`.
bool PushFd(int fd, const std::vector<Label>& labels, LineStamper* stamper, Pusher* pusher,
            Progress* progress) {
  v1::PushRequest batch;
  v1::Stream* stream = nullptr;
  size_t batch_bytes = 0;
  auto flush = [&]() {
    if (!stream || stream->entries_size() == 0) return true;
    bool ok = pusher->Send(std::move(batch));
    batch.Clear();
    stream = nullptr;
    batch_bytes = 0;
    return ok;
  };
  auto add = [&](std::string_view line) {
    if (!stream) {
      stream = batch.add_streams();
      for (const Label& l : labels) {
        v1::Label* p = stream->add_labels();
        p->set_name(l.name);
        p->set_value(l.value);
      }
    }
    v1::Entry* e = stream->add_entries();
    e->set_ts_ns(stamper->Stamp(line));
    e->set_line(line.data(), line.size());
    batch_bytes += line.size();
    ++progress->lines;
    progress->bytes += line.size() + 1;
  };

  // No cap on line length: vigied names a line above its limit in the ack, and `vigie push`
  // sends byte for byte.
  LineSplitter splitter(SIZE_MAX, 0);
  bool sent = true;
  auto on_line = [&](std::string_view line, uint64_t, bool) {
    add(line);
    if (batch_bytes >= kBatchBytes) sent = sent && flush();
  };
  std::vector<char> buffer(1 << 20);
  while (sent) {
    // With a batch waiting, wait for input at most until the batch is due.
    if (stream) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, kMaxBatchAgeMs) == 0 && !flush()) return false;
    }
    ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::cerr << "vigie: read error: " << strerror(errno) << "\n";
      return false;
    }
    if (n == 0) break;
    splitter.Feed(std::string_view(buffer.data(), n), on_line);
    progress->MaybeReport();
  }
  splitter.Flush(on_line);  // A last line without a newline is still a line.
  return sent && flush();
}

}  // namespace

int RunPush(const ClientOptions& client, const PushOptions& options) {
  std::vector<Label> base;
  for (const std::string& kv : options.labels) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      std::cerr << "vigie: --label takes name=value, got \"" << kv << "\"\n";
      return 2;
    }
    base.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
  }
  if (base.empty() && options.files.empty()) {
    std::cerr << "vigie: give the stream at least one label, e.g. --label service=api\n";
    return 2;
  }
  char host[256] = "host";
  gethostname(host, sizeof host - 1);
  Pusher pusher(client, StrCat("vigie-push/", host, "/", getpid(), "/", NowNanos()));
  LineStamper stamper(options.time_format);
  Progress progress;
  bool ok = true;
  if (options.files.empty()) {
    ok = PushFd(0, base, &stamper, &pusher, &progress);
  }
  for (const std::string& path : options.files) {
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) {
      std::cerr << "vigie: cannot open " << path << ": " << strerror(errno) << "\n";
      return 1;
    }
    std::vector<Label> labels = base;
    labels.push_back({"file", path});
    ok = PushFd(fd, labels, &stamper, &pusher, &progress);
    close(fd);
    if (!ok) break;
  }
  ok = ok && pusher.Flush();
  if (progress.tty) fmt::print(stderr, "\n");
  if (!ok) return ReportRpcError(client, pusher.error());
  const PushTotals& t = pusher.totals();
  double s = progress.Seconds();
  fmt::print(stderr, "pushed {} lines ({:.1f} MiB) in {:.2f} s: {:.0f} lines/s, {:.1f} MiB/s",
             t.accepted, progress.bytes / 1048576.0, s, t.accepted / s,
             progress.bytes / 1048576.0 / s);
  if (t.reconnects) fmt::print(stderr, ", {} reconnect(s)", t.reconnects);
  if (stamper.unparsed()) {
    fmt::print(stderr, "; {} line(s) without a time matching --time-format got their read time",
               stamper.unparsed());
  }
  fmt::print(stderr, "\n");
  if (t.rejected) {
    fmt::print(stderr, "vigie: {} line(s) rejected: {}\n", t.rejected, t.first_reason);
    return 1;
  }
  return 0;
}

}  // namespace vigie::cli
