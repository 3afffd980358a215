#include "cli/query_commands.h"

#include <errno.h>
#include <string.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "cli/time_flags.h"
#include "common/labels.h"
#include "common/strings.h"
#include "common/time.h"
#include "vigie/v1/query.grpc.pb.h"

namespace vigie::cli {

namespace {

// False (after saying why) when standard output could not be written: a full disk must not
// look like a complete answer.
bool OutputOk() {
  if (fflush(stdout) == 0 && !ferror(stdout)) return true;
  if (errno != EPIPE) std::cerr << "vigie: cannot write the output: " << strerror(errno) << "\n";
  return false;
}

// What vigied read for a query, on stderr: how many blocks the n-gram filters let it skip says
// whether a search is selective.
void PrintStats(const v1::QueryStats& stats) {
  const uint64_t blocks = stats.blocks() + stats.blocks_skipped();
  const double seconds = stats.duration_ns() / 1e9;
  std::fprintf(stderr,
               "vigie: %llu streams; read %llu of %llu blocks (%.1f%%; %llu skipped by their "
               "n-gram filter); %llu lines, %.1f MiB of log in %.3f s\n",
               static_cast<unsigned long long>(stats.streams()),
               static_cast<unsigned long long>(stats.blocks()),
               static_cast<unsigned long long>(blocks),
               blocks ? 100.0 * stats.blocks() / blocks : 0.0,
               static_cast<unsigned long long>(stats.blocks_skipped()),
               static_cast<unsigned long long>(stats.entries_scanned()),
               stats.bytes_scanned() / 1048576.0, seconds);
  if (stats.phases_size() == 0) return;
  // Where vigied's CPU went, phase by phase (docs/logql.md, "Query statistics"): a stage's
  // MB/s is its input over its own CPU time, the rate of a parser on the lines that reach it.
  const double scan_cpu = stats.scan_cpu_ns() / 1e9;
  std::fprintf(stderr, "vigie: %.3f CPU s in the scan:\n", scan_cpu);
  std::fprintf(stderr, "  %-32s %8s %6s %12s %12s %10s %10s %9s\n", "phase", "CPU s", "share",
               "lines in", "lines out", "MB in", "MB out", "MB/s");
  for (const v1::PhaseCost& p : stats.phases()) {
    const double cpu = p.cpu_ns() / 1e9;
    std::string name = p.name().size() > 32 ? p.name().substr(0, 29) + "..." : p.name();
    std::fprintf(
        stderr, "  %-32s %8.3f %5.1f%% %12llu %12llu %10.1f %10.1f %9.0f\n", name.c_str(), cpu,
        scan_cpu > 0 ? 100 * cpu / scan_cpu : 0.0, static_cast<unsigned long long>(p.lines_in()),
        static_cast<unsigned long long>(p.lines_out()), p.bytes_in() / 1e6, p.bytes_out() / 1e6,
        cpu > 0 ? std::max(p.bytes_in(), p.bytes_out()) / 1e6 / cpu : 0.0);
  }
}

}  // namespace

int RunGrep(const ClientOptions& client, const GrepOptions& options) {
  if (!CheckQuerySyntax(options.query)) return kExitUsage;
  int64_t since = 0, end = 0, start = 0, step = 0, timeout = 0;
  if (!ParseDurationFlag("--since", options.since, &since) ||
      !ParseTimeFlag("--to", options.to, NowNanos(), &end) ||
      !ParseTimeFlag("--from", options.from, end - since, &start) ||
      (!options.step.empty() && !ParseDurationFlag("--step", options.step, &step)) ||
      (options.timeout != "0" && !ParseDurationFlag("--timeout", options.timeout, &timeout))) {
    return kExitUsage;
  }
  v1::GrepRequest request;
  request.set_query(options.query);
  request.set_start_ns(start);
  request.set_end_ns(end);
  request.set_limit(options.limit);
  request.set_all(options.limit == 0);
  request.set_direction(options.forward ? v1::FORWARD : v1::BACKWARD);
  request.set_step_ns(step);
  request.set_context_before(options.before);
  request.set_context_after(options.after);
  request.set_count(options.count);
  request.set_lines_only(options.output == OutputFormat::kText && !options.count);

  Highlighter highlight(options.query);
  EntryPrinter printer(stdout, {options.output, UseColor(options.color), &highlight,
                                options.before > 0 || options.after > 0});
  auto stub = v1::Query::NewStub(Connect(client));
  auto context = NewContext(client);
  SetTimeout(context.get(), timeout);
  CancelOnInterrupt interrupt(context.get());
  auto reader = stub->Grep(context.get(), request);
  v1::GrepResponse response;
  google::protobuf::RepeatedPtrField<v1::MetricSeries> counts;
  uint64_t shown = 0;
  v1::QueryStats stats;
  bool done = false, truncated = false, output_ok = true;
  while (!done && output_ok && reader->Read(&response)) {
    for (const v1::LabeledEntry& e : response.entries()) printer.Print(e);
    shown += response.entries_size();
    if (options.count) {
      // The counts come over several messages; printed together, as one answer.
      for (v1::MetricSeries& s : *response.mutable_series()) counts.Add(std::move(s));
      if (response.done()) PrintCounts(options.output, counts, stdout);
    } else if (response.series_size() > 0) {
      PrintSeries(options.output, response.series(), stdout);
    }
    if (response.has_stats()) stats = response.stats();
    done = response.done();
    truncated = response.truncated();
    output_ok = OutputOk();
  }
  if (!output_ok) context->TryCancel();  // The output is gone: stop the server too.
  grpc::Status status = FinishStreamCall(*reader, context.get());
  if (!output_ok) return kExitError;
  int code = FinishStream(client, status, done, interrupt.interrupted(), shown, options.timeout);
  if (code == kExitOk && truncated) {
    std::cerr << "vigie: " << (options.forward ? "oldest " : "newest ") << options.limit
              << " shown; more match — --limit N, or 0 for all\n";
  }
  if (code == kExitOk && options.stats) PrintStats(stats);
  return code;
}

int RunTail(const ClientOptions& client, const TailOptions& options) {
  if (!CheckQuerySyntax(options.query)) return kExitUsage;
  int64_t since = 0;
  if (!ParseDurationFlag("--since", options.since, &since)) return kExitUsage;
  v1::TailRequest request;
  request.set_query(options.query);
  request.set_since_ns(since);
  request.set_limit(options.limit);
  Highlighter highlight(options.query);
  EntryPrinter printer(stdout, {options.output, UseColor(options.color), &highlight, false});
  auto stub = v1::Query::NewStub(Connect(client));
  auto context = NewContext(client);
  CancelOnInterrupt interrupt(context.get());
  auto reader = stub->Tail(context.get(), request);
  v1::TailResponse response;
  bool output_ok = true;
  while (output_ok && reader->Read(&response)) {
    for (const v1::LabeledEntry& e : response.entries()) printer.Print(e);
    if (response.dropped() > 0) {
      std::cerr << "vigie: " << response.dropped()
                << " entries dropped: this terminal reads slower than they arrive\n";
    }
    output_ok = OutputOk();
  }
  if (!output_ok) context->TryCancel();
  grpc::Status status = FinishStreamCall(*reader, context.get());
  if (!output_ok) return kExitError;
  if (interrupt.interrupted()) return kExitOk;  // Ctrl-C is how a tail is meant to end.
  if (status.error_code() == grpc::StatusCode::CANCELLED ||
      status.error_code() == grpc::StatusCode::UNAVAILABLE || status.ok()) {
    std::cerr << "vigie: the tail ended: vigied at " << client.server << " closed the stream ("
              << (status.ok() ? "OK" : status.error_message()) << "); it stopped or restarted\n";
    return kExitError;
  }
  return ReportRpcError(client, status);
}

int RunLabels(const ClientOptions& client, const LabelsOptions& options) {
  if (!options.name.empty() && !IsValidLabelName(options.name)) {
    std::cerr << "vigie: \"" << options.name
              << "\" is not a valid label name: it must match [a-zA-Z_][a-zA-Z0-9_]* (run "
                 "`vigie labels` for the names in use)\n";
    return kExitUsage;
  }
  v1::LabelsRequest request;
  request.set_name(options.name);
  request.set_metrics(options.metrics);
  int64_t since = 0, timeout = 0;
  if ((!options.since.empty() && !ParseDurationFlag("--since", options.since, &since)) ||
      (options.timeout != "0" && !ParseDurationFlag("--timeout", options.timeout, &timeout))) {
    return kExitUsage;
  }
  if (since > 0) request.set_start_ns(NowNanos() - since);
  auto stub = v1::Query::NewStub(Connect(client));
  v1::LabelsResponse response;
  if (int code = CallUnary(
          client, timeout,
          [&](grpc::ClientContext* context) { return stub->Labels(context, request, &response); });
      code != kExitOk) {
    return code;
  }
  for (const std::string& v : response.values()) std::cout << v << "\n";
  if (response.values().empty() && !options.name.empty()) {
    std::cerr << "vigie: no " << (options.metrics ? "series" : "stream") << " has a label \""
              << options.name << "\""
              << (options.since.empty() ? "" : " in the last " + options.since) << "\n";
  }
  std::cout.flush();
  return std::cout ? kExitOk : kExitError;
}

}  // namespace vigie::cli
