#include "cli/push.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "cli/line_stamper.h"
#include "cli/push_labels.h"
#include "collector/memory_queue.h"
#include "collector/push_builder.h"
#include "collector/shipper.h"
#include "common/backoff.h"
#include "common/labels.h"
#include "common/limits.h"
#include "common/line_splitter.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/utf8.h"

namespace vigie::cli {

const char kPushHelpFooter[] =
    R"(Labels: each FILE's stream also gets file=<its path as given> (bytes that are not UTF-8
become U+FFFD), unless --label file=... is given, which then wins; standard input gets only the
--label ones. A label is name=value: the name matches [a-zA-Z_][a-zA-Z0-9_]* and does not start
with __ (reserved), the value is non-empty UTF-8 and not quoted (write service=api, not
service="api"); anything else is refused before sending (exit 2).

Limits: vigie push asks vigied for its limits first and cuts its requests to fit. A line longer
than vigied's --max-line-bytes is not sent: it is named (FILE:LINE and size) and the lines
around it are stored.

Errors: a refused token, or a request vigied calls invalid, ends the push at once. While vigied
is unreachable (also at start) or stops answering, the push retries and says so on stderr, for
at most --timeout; --timeout 0 gives up at the first error.

Exit status: 0 when every line was stored; 1 when some were not (rejected by vigied, over its
limits, unreadable, or vigied unreachable for --timeout), with how many lines were stored;
2 for bad flags or labels.
)";

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Batches close at this many bytes, or after kMaxBatchAge of waiting for more input.
constexpr size_t kBatchBytes = 1 << 20;
constexpr int kMaxBatchAgeMs = 1000;
// Read ahead of vigied's acknowledgements by at most this much: memory stays bounded.
constexpr size_t kQueueBytes = 8 << 20;
// Batches waiting together go out as one request up to this size.
constexpr size_t kMaxRequestBytes = 4 << 20;
// Room in a request for what is not line bytes: agent id, seq, labels, entry framing.
constexpr size_t kFramingBytes = 64 << 10;
constexpr size_t kEntryFramingBytes = 32;
// Lines over the limit are named one by one up to this many, then only counted.
constexpr uint64_t kNamedTooLong = 10;
constexpr milliseconds kBackoffMin{100}, kBackoffMax{1000};

// Standard error, shared by the reading thread (progress, lines not sent) and the shipper's
// (retries). The progress line is shown on a terminal only, and rewritten in place.
class Console {
 public:
  void Say(std::string_view message) {
    std::lock_guard lock(mu_);
    fmt::print(stderr, "{}vigie: {}\n", progress_shown_ ? "\n" : "", message);
    progress_shown_ = false;
  }
  // At most once a second.
  void Progress(uint64_t lines, uint64_t bytes, double seconds) {
    if (!tty_) return;
    std::lock_guard lock(mu_);
    auto now = Clock::now();
    if (now - last_progress_ < std::chrono::seconds(1)) return;
    last_progress_ = now;
    fmt::print(stderr, "\r{} lines, {:.1f} MiB, {:.0f} lines/s, {:.1f} MiB/s   ", lines,
               bytes / 1048576.0, lines / seconds, bytes / 1048576.0 / seconds);
    progress_shown_ = true;
  }
  void EndProgress() {
    std::lock_guard lock(mu_);
    if (progress_shown_) fmt::print(stderr, "\n");
    progress_shown_ = false;
  }

 private:
  std::mutex mu_;
  const bool tty_ = isatty(2);
  bool progress_shown_ = false;
  Clock::time_point last_progress_ = Clock::now();
};

int64_t CeilSeconds(milliseconds d) { return (d.count() + 999) / 1000; }

// Collects the acks and prints the stream's troubles. Closes the queue when the shipper gives
// up, so that reading stops.
class PushReporter final : public collector::ShipperEvents {
 public:
  PushReporter(std::string server, Console* console, collector::MemoryQueue* queue)
      : server_(std::move(server)), console_(console), queue_(queue) {}

  void OnAck(const v1::PushAck& ack) override {
    std::lock_guard lock(mu_);
    accepted_ += ack.accepted();
    rejected_ += ack.rejected();
    if (ack.rejected() > 0 && first_reason_.empty()) first_reason_ = ack.reason();
  }

  void OnStreamFailed(const StreamFailure& failure) override {
    if (failure.retry_in) {
      Retrying(failure.status, failure.give_up_in.value_or(milliseconds(0)));
      return;
    }
    {
      std::lock_guard lock(mu_);
      failure_ = failure.status;
    }
    queue_->Close();
  }

  void OnRecovered() override {
    console_->Say(StrCat("vigied at ", server_,
                         " answers again; resending what it had not "
                         "acknowledged"));
  }

  // Says that `status` is retried for another `give_up_in`: at once, then again when the status
  // code changes (its text varies from one try to the next) or every 5 s.
  void Retrying(const grpc::Status& status, milliseconds give_up_in) {
    std::string error =
        status.error_code() == grpc::StatusCode::UNAVAILABLE
            ? StrCat("vigied at ", server_, " unreachable (", status.error_message(), ")")
            : StrCat("push to vigied at ", server_, " failed (", collector::DescribeStatus(status),
                     ")");
    auto now = Clock::now();
    {
      std::lock_guard lock(mu_);
      if (status.error_code() == last_code_ && now - last_said_ < std::chrono::seconds(5)) return;
      last_code_ = status.error_code();
      last_said_ = now;
    }
    console_->Say(StrCat(error, ", retrying for another ", CeilSeconds(give_up_in), " s"));
  }

  uint64_t accepted() const {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  uint64_t rejected() const {
    std::lock_guard lock(mu_);
    return rejected_;
  }
  std::string first_reason() const {
    std::lock_guard lock(mu_);
    return first_reason_;
  }
  // Why the shipper gave up, if it did.
  std::optional<grpc::Status> failure() const {
    std::lock_guard lock(mu_);
    return failure_;
  }

 private:
  const std::string server_;
  Console* const console_;
  collector::MemoryQueue* const queue_;
  mutable std::mutex mu_;
  uint64_t accepted_ = 0, rejected_ = 0;
  std::string first_reason_;
  std::optional<grpc::Status> failure_;
  grpc::StatusCode last_code_ = grpc::StatusCode::OK;
  Clock::time_point last_said_;
};

// The limits of a vigied that predates the Limits call: the defaults.
v1::IngestLimits DefaultLimits() {
  Limits defaults;
  v1::IngestLimits limits;
  limits.set_max_line_bytes(defaults.max_line_bytes);
  limits.set_max_batch_bytes(defaults.max_batch_bytes);
  limits.set_max_message_bytes(defaults.max_batch_bytes);
  limits.set_max_labels_per_stream(defaults.max_labels_per_stream);
  limits.set_max_label_name_bytes(defaults.max_label_name_bytes);
  limits.set_max_label_value_bytes(defaults.max_label_value_bytes);
  return limits;
}

// Asks vigied for its ingest limits, retrying what may pass (vigied unreachable) for `timeout`
// as the push stream does.
grpc::Status FetchLimits(const std::shared_ptr<grpc::Channel>& channel, const ClientOptions& client,
                         milliseconds timeout, PushReporter* reporter, v1::IngestLimits* limits) {
  auto stub = v1::Ingest::NewStub(channel);
  Backoff backoff(kBackoffMin, kBackoffMax, std::random_device()());
  auto give_up_at = Clock::now() + timeout;
  while (true) {
    auto context = NewContext(client);
    context->set_deadline(std::chrono::system_clock::now() +
                          std::max<milliseconds>(timeout, std::chrono::seconds(5)));
    grpc::Status status = stub->Limits(context.get(), v1::LimitsRequest(), limits);
    if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      *limits = DefaultLimits();
      return grpc::Status::OK;
    }
    auto now = Clock::now();
    if (status.ok() || collector::IsPermanentPushError(status) || now >= give_up_at) {
      return status;
    }
    auto left = std::chrono::ceil<milliseconds>(give_up_at - now);
    reporter->Retrying(status, left);
    std::this_thread::sleep_for(std::min(backoff.Next(), left));
  }
}

// What one request may hold, from vigied's limits.
struct RequestSizes {
  uint64_t max_batch_bytes;    // Line bytes.
  uint64_t max_encoded_bytes;  // Encoded, what is not line bytes included.
  uint64_t max_line_bytes;     // The longest line that can go.
  std::string line_limit_by;   // Which of vigied's limits sets max_line_bytes.

  explicit RequestSizes(const v1::IngestLimits& limits)
      : max_batch_bytes(limits.max_batch_bytes()),
        max_encoded_bytes(limits.max_message_bytes() > 2 * kFramingBytes
                              ? limits.max_message_bytes() - kFramingBytes
                              : limits.max_message_bytes() / 2) {
    max_line_bytes = std::min({limits.max_line_bytes(), max_batch_bytes, max_encoded_bytes});
    line_limit_by = max_line_bytes == limits.max_line_bytes()
                        ? "vigied's --max-line-bytes"
                        : "what one request to vigied may hold, see its --max-batch-bytes";
  }
};

// Reads files or stdin as lines and queues them as numbered batches for the shipper.
class LineReader {
 public:
  LineReader(const RequestSizes& sizes, std::string agent_id, LineStamper* stamper,
             collector::MemoryQueue* queue, Console* console)
      : sizes_(sizes),
        agent_id_(std::move(agent_id)),
        stamper_(stamper),
        queue_(queue),
        console_(console) {}

  // Reads `fd` to its end, one entry of `stream` per line. False when reading stopped early:
  // a read error (printed), or the shipper gave up.
  bool Read(int fd, const std::string& name, const collector::StreamRef& stream) {
    LineSplitter splitter(sizes_.max_line_bytes, 0);
    uint64_t line_number = 0, line_start = 0;
    bool newline = true;  // The line ends with '\n' (all but a last one without).
    bool queued = true;
    auto on_line = [&](std::string_view line, uint64_t end_offset, bool truncated) {
      ++line_number;
      uint64_t size = end_offset - line_start - (newline ? 1 : 0);
      line_start = end_offset;
      if (truncated) {
        TooLong(name, line_number, size);
      } else {
        queued = queued && Add(stream, line);
      }
    };
    std::vector<char> buffer(1 << 20);
    while (queued) {
      // With a batch open, wait for input at most until it is due; without one, look now and
      // then whether the shipper gave up.
      pollfd p{fd, POLLIN, 0};
      int ready = poll(&p, 1, builder_.empty() ? 250 : kMaxBatchAgeMs);
      if (ready == 0) {
        queued = builder_.empty() ? !queue_->closed() : Flush();
        continue;
      }
      ssize_t n = read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        console_->Say(StrCat("read error on ", name, ": ", strerror(errno)));
        return false;
      }
      if (n == 0) break;
      bytes_ += static_cast<uint64_t>(n);
      splitter.Feed(std::string_view(buffer.data(), static_cast<size_t>(n)), on_line);
      console_->Progress(lines_, bytes_,
                         std::chrono::duration<double>(Clock::now() - start_).count());
    }
    newline = false;
    if (queued) splitter.Flush(on_line);  // A last line without a newline is still a line.
    return queued;
  }

  // Queues the open batch; false when the shipper gave up.
  bool Flush() {
    if (builder_.empty()) return true;
    ++seq_;
    batch_line_bytes_ = 0;
    return queue_->Append(seq_, builder_.Finish(agent_id_, seq_));
  }

  uint64_t lines() const { return lines_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t too_long() const { return too_long_; }

 private:
  bool Add(const collector::StreamRef& stream, std::string_view line) {
    ++lines_;
    // The batch closes before this line would take it over what one request may hold.
    if (batch_line_bytes_ + line.size() > sizes_.max_batch_bytes ||
        builder_.bytes() + line.size() + kEntryFramingBytes > sizes_.max_encoded_bytes) {
      if (!Flush()) return false;
    }
    builder_.Add(stream, stamper_->Stamp(line), line);
    batch_line_bytes_ += line.size();
    return builder_.bytes() < kBatchBytes || Flush();
  }

  void TooLong(const std::string& name, uint64_t line_number, uint64_t size) {
    ++lines_;
    if (++too_long_ > kNamedTooLong) return;
    console_->Say(StrCat(name, ":", line_number, ": line of ", size,
                         " bytes is above the limit of ", sizes_.max_line_bytes, " bytes (",
                         sizes_.line_limit_by, "); not sent",
                         too_long_ == kNamedTooLong ? " (further ones are only counted)" : ""));
  }

  const RequestSizes sizes_;
  const std::string agent_id_;
  LineStamper* const stamper_;
  collector::MemoryQueue* const queue_;
  Console* const console_;
  const Clock::time_point start_ = Clock::now();
  collector::PushBuilder builder_;
  uint64_t batch_line_bytes_ = 0;
  uint64_t seq_ = 0;
  uint64_t lines_ = 0, bytes_ = 0, too_long_ = 0;
};

// Prints why the push stopped before its end.
void ReportGaveUp(const ClientOptions& client, const grpc::Status& status, milliseconds timeout) {
  if (collector::IsPermanentPushError(status)) {
    ReportRpcError(client, status);
  } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    fmt::print(stderr,
               "vigie: gave up after {} s: vigied at {} unreachable ({}). Is vigied running? "
               "Start it with `vigied`, point --server at it, or wait longer with --timeout.\n",
               CeilSeconds(timeout), client.server, status.error_message());
  } else {
    fmt::print(stderr, "vigie: gave up after {} s: {}\n", CeilSeconds(timeout),
               collector::DescribeStatus(status));
  }
}

}  // namespace

int RunPush(const ClientOptions& client, const PushOptions& options) {
  absl::StatusOr<int64_t> timeout_ns = ParseDuration(options.timeout);
  if (!timeout_ns.ok() || *timeout_ns < 0) {
    fmt::print(stderr, "vigie: --timeout {}: expected a duration such as 30s, 2m or 0\n",
               EscapeForMessage(options.timeout));
    return 2;
  }
  milliseconds timeout(*timeout_ns / kNanosPerMilli);
  std::optional<std::vector<Label>> base = ParseLabels(options.labels);
  if (!base) return 2;
  if (base->empty() && options.files.empty()) {
    fmt::print(stderr, "vigie: give the stream at least one label, e.g. --label service=api\n");
    return 2;
  }

  collector::Shipper::Options shipping;
  shipping.server = client.server;
  shipping.token = client.token;
  shipping.tls = client.tls;
  shipping.tls_ca_file = client.ca_file;
  shipping.compression = *collector::ParseCompression("auto", client.server);
  shipping.backoff_min = kBackoffMin;
  shipping.backoff_max = kBackoffMax;
  shipping.give_up_after = timeout;
  // A vigied that stops acknowledging is given up on as one that is unreachable.
  if (timeout > milliseconds(0)) shipping.ack_timeout = std::min(shipping.ack_timeout, timeout);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = collector::ShipperChannel(shipping);
  if (!channel.ok()) {
    fmt::print(stderr, "vigie: {}\n", channel.status().message());
    return 1;
  }

  Console console;
  collector::MemoryQueue queue(kQueueBytes);
  PushReporter reporter(client.server, &console, &queue);
  v1::IngestLimits limits;
  grpc::Status fetched = FetchLimits(*channel, client, timeout, &reporter, &limits);
  if (!fetched.ok()) {
    ReportGaveUp(client, fetched, timeout);
    fmt::print(stderr, "vigie: nothing was sent\n");
    return 1;
  }
  bool file_label_given =
      std::any_of(base->begin(), base->end(), [](const Label& l) { return l.name == "file"; });
  bool add_file_label = !options.files.empty() && !file_label_given;
  if (!LabelsFit(*base, add_file_label ? 1 : 0, limits)) return 2;
  RequestSizes sizes(limits);
  shipping.max_request_bytes = std::min<uint64_t>(kMaxRequestBytes, sizes.max_encoded_bytes);

  auto stream_of = [&](std::vector<Label> labels) {
    return collector::MakeWireLabels(LabelSet::Make(std::move(labels)).value(),
                                     limits.max_label_value_bytes());
  };
  char host[256] = "host";
  gethostname(host, sizeof host - 1);
  LineStamper stamper(options.time_format);
  LineReader reader(sizes, StrCat("vigie-push/", host, "/", getpid(), "/", NowNanos()), &stamper,
                    &queue, &console);
  collector::Metrics metrics;
  collector::Shipper shipper(shipping, &queue, &metrics, &reporter);
  if (absl::Status s = shipper.Start(); !s.ok()) {
    fmt::print(stderr, "vigie: {}\n", s.message());
    return 1;
  }
  auto start = Clock::now();
  bool read_all = true;
  if (options.files.empty()) read_all = reader.Read(0, "<stdin>", stream_of(*base));
  for (size_t i = 0; i < options.files.size() && !queue.closed(); ++i) {
    const std::string& path = options.files[i];
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) {
      console.Say(StrCat("cannot open ", path, ": ", strerror(errno)));
      read_all = false;
      continue;
    }
    std::vector<Label> labels = *base;
    if (add_file_label) labels.push_back({"file", path});  // Made valid by MakeWireLabels.
    read_all = reader.Read(fd, path, stream_of(std::move(labels))) && read_all;
    close(fd);
  }
  bool delivered = reader.Flush() && queue.WaitUntilAcknowledged();
  shipper.Stop(milliseconds(0));
  console.EndProgress();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  if (!delivered) {
    ReportGaveUp(client, reporter.failure().value_or(grpc::Status::CANCELLED), timeout);
    fmt::print(stderr, "vigie: {} of {} lines read were stored before that ({:.2f} s)\n",
               reporter.accepted(), reader.lines(), seconds);
    return 1;
  }
  uint64_t accepted = reporter.accepted();
  double mib = reader.bytes() / 1048576.0;
  fmt::print(stderr, "pushed {} lines ({:.1f} MiB) in {:.2f} s: {:.0f} lines/s, {:.1f} MiB/s",
             accepted, mib, seconds, accepted / seconds, mib / seconds);
  if (stamper.unparsed()) {
    fmt::print(stderr, "; {} line(s) without a time matching --time-format got their read time",
               stamper.unparsed());
  }
  fmt::print(stderr, "\n");
  int code = read_all ? 0 : 1;
  if (reporter.rejected() > 0) {
    fmt::print(stderr, "vigie: {} line(s) rejected by vigied: {}\n", reporter.rejected(),
               reporter.first_reason());
    code = 1;
  }
  if (reader.too_long() > 0) {
    fmt::print(stderr, "vigie: {} line(s) over the limit of {} bytes were not sent\n",
               reader.too_long(), sizes.max_line_bytes);
    code = 1;
  }
  return code;
}

}  // namespace vigie::cli
