#include "cli/client.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iostream>

#include "common/limits.h"
#include "common/strings.h"
#include "query/logql/parser.h"
#include "query/promql/parser.h"

namespace vigie::cli {

std::shared_ptr<grpc::Channel> Connect(const ClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      std::ifstream in(options.ca_file);
      ssl.pem_root_certs.assign(std::istreambuf_iterator<char>(in), {});
    }
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(options.server, credentials, args);
}

std::unique_ptr<grpc::ClientContext> NewContext(const ClientOptions& options, int timeout_s) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!options.token.empty()) context->AddMetadata("authorization", "Bearer " + options.token);
  if (timeout_s > 0) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_s));
  }
  return context;
}

int ReportRpcError(const ClientOptions& options, const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      std::cerr << "vigie: " << status.error_message() << "\n";
      return kExitUsage;
    case grpc::StatusCode::UNAVAILABLE:
      std::cerr << "vigie: cannot reach vigied at " << options.server << " ("
                << status.error_message()
                << "). Is vigied running? Start it with `vigied`, or point --server at it.\n";
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      std::cerr << "vigie: refused by vigied: " << status.error_message()
                << ". Pass a token with the right scope: --token or $VIGIE_TOKEN.\n";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      std::cerr << "vigie: vigied did not answer in time: " << status.error_message() << "\n";
      break;
    default:
      std::cerr << "vigie: " << status.error_message() << "\n";
  }
  return 1;
}

int CallUnary(const ClientOptions& options, int64_t timeout_ns,
              const std::function<grpc::Status(grpc::ClientContext*)>& call) {
  auto context = NewContext(options);
  if (timeout_ns > 0) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::nanoseconds(timeout_ns));
  }
  CancelOnInterrupt interrupt(context.get());
  grpc::Status status = call(context.get());
  if (interrupt.interrupted()) {
    std::cerr << "vigie: interrupted\n";
    return kExitInterrupted;
  }
  if (!status.ok()) return ReportRpcError(options, status);
  return kExitOk;
}

namespace {

// Prints a parse error of `query`, with a caret under its position when it has one.
void ReportParseError(const std::string& query, const absl::Status& status) {
  std::cerr << "vigie: invalid query: " << status.message() << "\n";
  if (auto offset = logql::ErrorOffset(status)) {
    // The line of the query the error is on, with its number, and a caret under the column.
    size_t at = std::min(*offset, query.size());
    size_t line_start = at == 0 ? 0 : query.rfind('\n', at - 1);
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    size_t line_end = std::min(query.find('\n', at), query.size());
    std::string number = std::to_string(std::count(query.begin(), query.begin() + at, '\n') + 1);
    std::string pad;
    for (size_t i = line_start; i < at; ++i) {
      unsigned char c = static_cast<unsigned char>(query[i]);
      if ((c & 0xc0) == 0x80) continue;  // A UTF-8 continuation byte: the same column.
      pad += c == '\t' ? '\t' : ' ';     // Tabs keep their width.
    }
    std::cerr << "  " << number << " | " << query.substr(line_start, line_end - line_start)
              << "\n  " << std::string(number.size(), ' ') << " | " << pad << "^\n";
  }
}

}  // namespace

void SetTimeout(grpc::ClientContext* context, int64_t timeout_ns) {
  if (timeout_ns > 0) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::nanoseconds(timeout_ns));
  }
}

int FinishStream(const ClientOptions& client, grpc::Status status, bool done, bool interrupted,
                 uint64_t shown, std::string_view timeout) {
  std::string shown_note = StrCat(shown, shown == 1 ? " entry" : " entries", " shown");
  if (interrupted) {
    std::cerr << "vigie: interrupted; " << shown_note << "\n";
    return kExitInterrupted;
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
      status.error_message() == "Deadline Exceeded") {
    std::cerr << "vigie: no complete answer from vigied within --timeout " << timeout << "; "
              << shown_note << "\n";
    return kExitError;
  }
  if (!status.ok()) {
    int code = ReportRpcError(client, status);
    if (shown > 0) std::cerr << "vigie: the answer is incomplete: " << shown_note << "\n";
    return code;
  }
  if (!done) {
    std::cerr << "vigie: the answer from vigied was cut before its end (a message could not be "
                 "read); "
              << shown_note << "\n";
    return kExitError;
  }
  return kExitOk;
}

bool CheckQuerySyntax(const std::string& query) {
  auto parsed = logql::Parse(query, Limits());
  if (!parsed.ok()) ReportParseError(query, parsed.status());
  return parsed.ok();
}

bool CheckPromqlSyntax(const std::string& query, promql::ExprPtr* expr) {
  auto parsed = promql::Parse(query, Limits());
  if (!parsed.ok()) {
    ReportParseError(query, parsed.status());
    return false;
  }
  *expr = *std::move(parsed);
  return true;
}

namespace {
std::atomic<bool> interrupt_seen{false};
// The write end of the watcher's pipe: the signal handler writes to it (write(2) is
// async-signal-safe), and so does the destructor, so that the watcher wakes at once either way.
std::atomic<int> wake_fd{-1};
}  // namespace

CancelOnInterrupt::CancelOnInterrupt(grpc::ClientContext* context) {
  interrupt_seen = false;
  if (pipe(wake_) != 0) wake_[0] = wake_[1] = -1;
  wake_fd = wake_[1];
  signal(SIGINT, [](int) {
    interrupt_seen = true;
    signal(SIGINT, SIG_DFL);
    if (int fd = wake_fd; fd >= 0) (void)!write(fd, "i", 1);
  });
  // TryCancel is not async-signal-safe: a thread calls it once the handler has woken it.
  watcher_ = std::thread([this, context] {
    char byte;
    while (wake_[0] >= 0 && read(wake_[0], &byte, 1) < 0 && errno == EINTR) {
    }
    if (interrupt_seen) context->TryCancel();
  });
}

CancelOnInterrupt::~CancelOnInterrupt() {
  signal(SIGINT, SIG_DFL);
  wake_fd = -1;
  if (wake_[1] >= 0) (void)!write(wake_[1], "d", 1);
  watcher_.join();
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

bool CancelOnInterrupt::interrupted() const { return interrupt_seen; }

}  // namespace vigie::cli
