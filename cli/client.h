// What every vigie subcommand shares: the connection to vigied and the way errors are shown.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "query/promql/ast.h"

namespace vigie::cli {

struct ClientOptions {
  std::string server = "127.0.0.1:4317";
  std::string token;  // Sent as "authorization: Bearer <token>"; $VIGIE_TOKEN by default.
  bool tls = false;
  std::string ca_file;  // PEM roots for --tls; the system's when empty.
};

std::shared_ptr<grpc::Channel> Connect(const ClientOptions& options);
// A context carrying the token (and a deadline when timeout_s > 0).
std::unique_ptr<grpc::ClientContext> NewContext(const ClientOptions& options, int timeout_s = 0);

// Exit codes of every subcommand (docs/cli.md).
constexpr int kExitOk = 0;
constexpr int kExitError = 1;  // vigied refused or failed the call, or could not be reached.
constexpr int kExitUsage = 2;  // A bad flag, argument or query.
constexpr int kExitInterrupted = 130;  // Ctrl-C, as a shell reports SIGINT.

// Prints a failed call as a sentence that says what to do next; returns the exit code (2 when
// vigied found the request invalid, 1 otherwise).
int ReportRpcError(const ClientOptions& options, const grpc::Status& status);

// Makes one unary call: `call` gets a context that carries the token, a deadline `timeout_ns`
// from now (0: none), and is cancelled by the first Ctrl-C. Returns kExitOk, or the exit code of
// what went wrong, said on stderr (interrupted, or the call failed).
int CallUnary(const ClientOptions& options, int64_t timeout_ns,
              const std::function<grpc::Status(grpc::ClientContext*)>& call);

// Sets the call's deadline `timeout_ns` from now; none when 0.
void SetTimeout(grpc::ClientContext* context, int64_t timeout_ns);

// Finishes a stream whose reads are over. When the server ended it, its status is already here;
// when a read failed on this side (a message that did not parse), the server may still be
// sending and would never end the call: it is cancelled after a grace period.
template <typename Reader>
grpc::Status FinishStreamCall(Reader& reader, grpc::ClientContext* context) {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(5), [&] { return finished; })) {
      context->TryCancel();
    }
  });
  grpc::Status status = reader.Finish();
  {
    std::lock_guard lock(mu);
    finished = true;
  }
  cv.notify_all();
  watchdog.join();
  return status;
}

// After a stream's last read: the exit code, with what went wrong on stderr. A stream must end
// with its `done` message and an OK status; anything else is a failure, never an empty success.
// `shown` entries were printed; `timeout` is the --timeout flag as given.
int FinishStream(const ClientOptions& client, grpc::Status status, bool done, bool interrupted,
                 uint64_t shown, std::string_view timeout);

// Parses `query` locally so that a syntax error is shown with a caret under its position.
// Returns false (after printing) when the query is invalid.
bool CheckQuerySyntax(const std::string& query);
// The same for a PromQL query; on success sets *expr to the parsed query.
bool CheckPromqlSyntax(const std::string& query, promql::ExprPtr* expr);

// For the lifetime of the object, the first Ctrl-C (SIGINT) cancels `context`'s call, which then
// ends with CANCELLED; a second one kills the process as usual. One at a time per process; not
// thread-safe.
class CancelOnInterrupt {
 public:
  explicit CancelOnInterrupt(grpc::ClientContext* context);
  ~CancelOnInterrupt();
  CancelOnInterrupt(const CancelOnInterrupt&) = delete;
  CancelOnInterrupt& operator=(const CancelOnInterrupt&) = delete;

  bool interrupted() const;

 private:
  int wake_[2] = {-1, -1};  // A pipe: a byte wakes the watcher (the signal, or the end).
  std::thread watcher_;     // Cancels the call once the signal handler has woken it.
};

}  // namespace vigie::cli
