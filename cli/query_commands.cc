#include "cli/query_commands.h"

#include <signal.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "common/limits.h"
#include "common/time.h"
#include "vigie/v1/query.grpc.pb.h"

namespace vigie::cli {

namespace {

// A time flag: RFC 3339 or Unix time, or empty for `fallback`.
bool TimeFlag(const std::string& flag, const std::string& value, int64_t fallback, int64_t* out) {
  if (value.empty()) {
    *out = fallback;
    return true;
  }
  auto t = ParseTime(value);
  if (!t.ok()) {
    std::cerr << "vigie: " << flag << ": " << t.status().message() << "\n";
    return false;
  }
  *out = *t;
  return true;
}

bool DurationFlag(const std::string& flag, const std::string& value, int64_t* out) {
  auto d = ParseDuration(value);
  if (!d.ok()) {
    std::cerr << "vigie: " << flag << ": " << d.status().message() << "\n";
    return false;
  }
  *out = *d;
  return true;
}

}  // namespace

int RunGrep(const ClientOptions& client, const GrepOptions& options) {
  if (!CheckQuerySyntax(options.query)) return 2;
  int64_t since = 0, end = 0, start = 0, step = 0;
  if (!DurationFlag("--since", options.since, &since) ||
      !TimeFlag("--to", options.to, NowNanos(), &end) ||
      !TimeFlag("--from", options.from, end - since, &start) ||
      (!options.step.empty() && !DurationFlag("--step", options.step, &step))) {
    return 2;
  }
  v1::GrepRequest request;
  request.set_query(options.query);
  request.set_start_ns(start);
  request.set_end_ns(end);
  request.set_limit(options.limit == 0 ? Limits().max_entries_per_query : options.limit);
  request.set_direction(options.forward ? v1::FORWARD : v1::BACKWARD);
  request.set_step_ns(step);
  auto stub = v1::Query::NewStub(Connect(client));
  auto context = NewContext(client);
  auto reader = stub->Grep(context.get(), request);
  v1::GrepResponse response;
  while (reader->Read(&response)) {
    for (const v1::LabeledEntry& e : response.entries()) PrintEntry(options.output, e, stdout);
    if (response.series_size() > 0) PrintSeries(options.output, response.series(), stdout);
  }
  fflush(stdout);
  grpc::Status status = reader->Finish();
  if (!status.ok()) return ReportRpcError(client, status);
  return 0;
}

int RunTail(const ClientOptions& client, const TailOptions& options) {
  if (!CheckQuerySyntax(options.query)) return 2;
  int64_t since = 0;
  if (!DurationFlag("--since", options.since, &since)) return 2;
  v1::TailRequest request;
  request.set_query(options.query);
  request.set_since_ns(since);
  request.set_limit(options.limit);
  auto stub = v1::Query::NewStub(Connect(client));
  auto context = NewContext(client);
  // Ctrl-C cancels the call; the loop below then ends normally.
  static std::atomic<grpc::ClientContext*> active{nullptr};
  active = context.get();
  signal(SIGINT, [](int) {
    if (auto* c = active.load()) c->TryCancel();
  });
  auto reader = stub->Tail(context.get(), request);
  v1::TailResponse response;
  while (reader->Read(&response)) {
    for (const v1::LabeledEntry& e : response.entries()) PrintEntry(options.output, e, stdout);
    if (response.dropped() > 0) {
      std::cerr << "vigie: " << response.dropped()
                << " entries dropped: this terminal reads slower than they arrive\n";
    }
    fflush(stdout);
  }
  grpc::Status status = reader->Finish();
  active = nullptr;
  if (status.error_code() == grpc::StatusCode::CANCELLED) return 0;
  if (!status.ok()) return ReportRpcError(client, status);
  return 0;
}

int RunLabels(const ClientOptions& client, const LabelsOptions& options) {
  v1::LabelsRequest request;
  request.set_name(options.name);
  if (!options.since.empty()) {
    int64_t since = 0;
    if (!DurationFlag("--since", options.since, &since)) return 2;
    request.set_start_ns(NowNanos() - since);
  }
  auto stub = v1::Query::NewStub(Connect(client));
  auto context = NewContext(client, 30);
  v1::LabelsResponse response;
  grpc::Status status = stub->Labels(context.get(), request, &response);
  if (!status.ok()) return ReportRpcError(client, status);
  for (const std::string& v : response.values()) std::cout << v << "\n";
  return 0;
}

}  // namespace vigie::cli
